"""The Projects page: each project's whole footprint (measured runs plus recorded activities).

``/projects`` lists every project of the store (from its runs or its footprint ledger) with its
total; ``/projects/{name}`` shows one: totals, the pie chart, compute against everything else,
a timeline by month, every item and every factor with its source (the same HTML body as
``wattwise footprint report``, from ``wattwise.footprint.report``); ``/projects/{name}/report.html``
downloads that report. Read-only, like the rest of the dashboard.
"""
from __future__ import annotations

from urllib.parse import quote


def projects_view(store) -> list[dict]:
    """Every project with its total, largest first (a store opened read-only may predate the ledger)."""
    from ..footprint.ledger import ledger_projects
    from ..footprint.summary import footprint
    from ..units import format_mass_g

    if store is None:
        return []
    names = sorted(set(store.projects()) | set(ledger_projects(store)))
    rows = []
    for name in names:
        d = footprint(store, name).to_dict()
        items = [i for c in d["categories"] for i in c["items"]]
        runs = sum(1 for i in items if i["kind"] == "run")
        rows.append({"name": name, "url": "/projects/" + quote(name, safe=""), "total_g": d["total_gco2e"],
                     "total": format_mass_g(d["total_gco2e"]), "runs": runs,
                     "activities": len({i["entry"] for i in items if i.get("entry")}),
                     "compute_pct": (f"{100 * d['compute_gco2e'] / d['total_gco2e']:.1f} %"
                                     if d["total_gco2e"] > 0 else "–"),
                     "top": d["categories"][0]["label"] if d["categories"] else "–"})
    rows.sort(key=lambda r: (-r["total_g"], r["name"]))
    return rows


def routes(ctx):
    from starlette.responses import Response
    from starlette.routing import Route

    from ..errors import StoreError

    def guarded(fn):
        def handler(request):
            try:
                return fn(request, ctx.store())
            except StoreError as e:
                return ctx.render(request, "error.html", status=503, title="The run store cannot be read", message=str(e))
        handler.__name__ = fn.__name__
        return handler

    def _footprint(store, name: str):
        from ..footprint.ledger import ledger_projects
        from ..footprint.summary import footprint

        if store is None or name not in set(store.projects()) | set(ledger_projects(store)):
            return None
        return footprint(store, name)

    @guarded
    def project_list(request, store):
        return ctx.render(request, "projects.html", active="projects", rows=projects_view(store))

    @guarded
    def project_page(request, store):
        from ..footprint.report import body

        name = request.path_params["name"]
        fp = _footprint(store, name)
        if fp is None:
            return ctx.not_found(request, f"There is no project '{name}' in this store: no run and no recorded activity.")
        return ctx.render(request, "project.html", active="projects", name=name, body=body(fp.to_dict()),
                          runs_url="/?project=" + quote(name, safe=""),
                          report_url="/projects/" + quote(name, safe="") + "/report.html")

    @guarded
    def project_report(request, store):
        from ..footprint.report import render

        name = request.path_params["name"]
        fp = _footprint(store, name)
        if fp is None:
            return ctx.not_found(request, f"There is no project '{name}' in this store.")
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
        return Response(render(fp), media_type="text/html; charset=utf-8",
                        headers={"content-disposition": f'attachment; filename="footprint-{safe}.html"'})

    return [Route("/projects", project_list, methods=["GET"]),
            Route("/projects/{name:path}/report.html", project_report, methods=["GET"]),
            Route("/projects/{name:path}", project_page, methods=["GET"])]
