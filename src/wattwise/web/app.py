"""The dashboard's ASGI app (Starlette): read-only, server-rendered, local by default.

Routes (all GET): ``/`` runs, ``/runs/{id}`` one run (any unique prefix redirects to the
full id), ``/runs/{id}/export/{fmt}`` and ``/runs/{id}/report.html`` downloads, ``/compare``,
``/regions``, ``/help``, ``/static/*``, plus the optional pages listed in ``pages.py``.
Nothing writes to the store. Every response carries a Content-Security-Policy that allows
scripts and styles from this server only, so even a missed escape could not run injected
code, and no page can reach another host.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from ..errors import StoreError, UsageError
from . import views
from .pages import nav_pages
from .render import render

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class Context:
    """What route handlers share: the store (opened once, lazily) and page rendering."""

    def __init__(self, store_url: str | None):
        from ..store import store_url as resolve_url

        self.url = resolve_url(store_url)
        self._store = None
        self.nav = nav_pages()

    @property
    def label(self) -> str:
        u = self.url
        if "@" in u and "://" in u:  # never show a password from a postgresql:// URL
            scheme, rest = u.split("://", 1)
            u = f"{scheme}://{rest.split('@', 1)[1]}"
        return u

    def _sqlite_path(self) -> Path | None:
        u = self.url
        if u.startswith(("postgresql://", "postgres://")):
            return None
        if u.startswith("sqlite:///"):
            u = u[len("sqlite://"):] if u.startswith("sqlite:////") else u[len("sqlite:///"):]
        elif u.startswith("sqlite://"):
            u = u[len("sqlite://"):]
        return Path(u).expanduser()

    def store(self):
        """The open store, or None while a SQLite store file does not exist yet (empty dashboard)."""
        if self._store is None:
            p = self._sqlite_path()
            if p is not None and not p.exists():
                return None
            from ..store import open_store

            self._store = open_store(self.url, readonly=True)
        return self._store

    def render(self, request, template: str, *, active: str | None = None, status: int = 200, **ctx: Any):
        from starlette.responses import HTMLResponse

        html = render(template, nav=self.nav, active=active, store_label=self.label, standalone=False,
                      path=request.url.path, **ctx)
        return HTMLResponse(html, status_code=status)

    def not_found(self, request, message: str):
        return self.render(request, "404.html", status=404, message=message)


def _int(v: str | None, default: int) -> int:
    try:
        return int(v) if v is not None else default
    except ValueError:
        return default


def create_app(store_url: str | os.PathLike | None = None, *, allowed_hosts: list[str] | None = None):
    """The dashboard app over the store at ``store_url`` (default: $WATTWISE_STORE or the user store).

    ``allowed_hosts`` (e.g. ["127.0.0.1", "localhost"]) rejects requests for other Host
    names, which stops DNS-rebinding pages from reading a local dashboard.
    """
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.responses import RedirectResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    ctx = Context(None if store_url is None else str(store_url))

    def with_store(fn):
        def handler(request):
            try:
                store = ctx.store()
                return fn(request, store)
            except StoreError as e:
                return ctx.render(request, "error.html", status=503, title="The run store cannot be read", message=str(e))
        handler.__name__ = fn.__name__
        return handler

    @with_store
    def runs(request, store):
        qp = request.query_params
        sort = qp.get("sort", "start")
        default_desc = sort in ("start", "duration", "energy", "emissions") or sort not in views.SORTS
        d = qp.get("dir")
        desc = default_desc if d not in ("asc", "desc") else d == "desc"
        page = views.runs_page(store, project=qp.get("project") or None, q=(qp.get("q") or "").strip() or None,
                               sort=sort, desc=desc, page=_int(qp.get("page"), 1), per=_int(qp.get("per"), 50))
        return ctx.render(request, "runs.html", active="runs", v=page, per_options=views.PER_PAGE)

    def _resolve(store, prefix: str) -> tuple[str | None, str | None]:
        if store is None:
            return None, f"There is no run '{prefix}': the run store is empty."
        try:
            return store.resolve_id(prefix), None
        except UsageError as e:
            return None, str(e)

    @with_store
    def run_detail(request, store):
        rid, why = _resolve(store, request.path_params["run_id"])
        if rid is None:
            return ctx.not_found(request, why)
        if rid != request.path_params["run_id"]:
            return RedirectResponse(f"/runs/{rid}", status_code=302)
        v = views.run_view(store, rid)
        if v is None:
            return ctx.not_found(request, f"There is no run '{rid}'.")
        return ctx.render(request, "run.html", active="runs", v=v)

    @with_store
    def run_export(request, store):
        rid, why = _resolve(store, request.path_params["run_id"])
        if rid is None:
            return ctx.not_found(request, why)
        fmt = request.path_params["fmt"]
        suffix = {f: s for f, s, _ in views.EXPORTS}.get(fmt)
        if suffix is None:
            return ctx.not_found(request, f"There is no export format '{fmt}'; formats: "
                                 + ", ".join(f for f, _, _ in views.EXPORTS) + ".")
        from ..report.exports import export_run

        try:
            text = export_run(store, rid, fmt)
        except UsageError as e:
            return ctx.render(request, "error.html", status=422, title="This export is not possible for this run",
                              message=str(e))
        media = {"csv": "text/csv", "json": "application/json", "jsonl": "application/x-ndjson",
                 "yaml": "application/yaml"}[suffix]
        name = f"wattwise-{rid}{'-codecarbon' if fmt == 'codecarbon' else ''}{'-model-card' if fmt == 'model-card' else ''}.{suffix}"
        return Response(text, media_type=f"{media}; charset=utf-8",
                        headers={"content-disposition": f'attachment; filename="{name}"'})

    @with_store
    def run_report(request, store):
        rid, why = _resolve(store, request.path_params["run_id"])
        if rid is None:
            return ctx.not_found(request, why)
        from ..report.html import render_report

        return Response(render_report(store, rid), media_type="text/html; charset=utf-8",
                        headers={"content-disposition": f'attachment; filename="wattwise-{rid}.html"'})

    @with_store
    def compare(request, store):
        raw = list(request.query_params.getlist("run"))
        for chunk in request.query_params.getlist("ids"):
            raw.extend(x for x in chunk.replace(",", " ").split() if x)
        ids, problems = [], []
        for p in dict.fromkeys(x.strip() for x in raw if x.strip()):
            rid, why = _resolve(store, p)
            if rid is None:
                problems.append(why)
            elif rid not in ids:
                ids.append(rid)
        if problems:
            return ctx.not_found(request, " ".join(problems))
        if len(ids) > views.MAX_COMPARE:
            return ctx.render(request, "error.html", status=400, title="Too many runs",
                              message=f"Compare at most {views.MAX_COMPARE} runs at a time ({len(ids)} were chosen).")
        v = views.compare_view(store, ids) if len(ids) >= 2 else None
        return ctx.render(request, "compare.html", active="compare", v=v, ids=ids)

    def regions(request):
        qp = request.query_params
        kind = qp.get("kind") or None
        return ctx.render(request, "regions.html", active="regions",
                          v=views.regions_view(kind, (qp.get("q") or "").strip() or None, qp.get("basis") or None))

    def help_page(request):
        return ctx.render(request, "help.html", active="help")

    async def not_found(request, exc):
        if getattr(exc, "status_code", 404) == 405:
            return ctx.render(request, "error.html", status=405, title="Read-only",
                              message="The dashboard only shows runs; it never changes them.")
        return ctx.not_found(request, f"There is no page at {request.url.path}.")

    async def server_error(request, exc):
        return ctx.render(request, "error.html", status=500, title="Something went wrong",
                          message=f"The page could not be shown ({type(exc).__name__}). This is a bug in wattwise; "
                                  "please report it with the address of the page.")

    routes = [
        Route("/", runs, methods=["GET"]),
        Route("/runs", runs, methods=["GET"]),
        Route("/runs/{run_id}", run_detail, methods=["GET"]),
        Route("/runs/{run_id}/export/{fmt}", run_export, methods=["GET"]),
        Route("/runs/{run_id}/report.html", run_report, methods=["GET"]),
        Route("/compare", compare, methods=["GET"]),
        Route("/regions", regions, methods=["GET"]),
        Route("/help", help_page, methods=["GET"]),
        Mount("/static", app=StaticFiles(packages=[("wattwise.web", "static")]), name="static"),
    ]
    import importlib

    for page in ctx.nav:
        if page.module:
            routes.extend(importlib.import_module(page.module).routes(ctx))

    middleware = [Middleware(SecurityHeaders)]
    if allowed_hosts:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts))
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: not_found, 500: server_error})
    app.state.ctx = ctx
    return app


class SecurityHeaders:
    """Pure ASGI middleware adding CSP and related headers to every response, and a
    ``Server-Timing: app;dur=MS`` header (time from request to response start) that the
    benchmark and the browser's developer tools read."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                have = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in SECURITY_HEADERS if k not in have)
                headers.append((b"server-timing", f"app;dur={(time.perf_counter() - t0) * 1000:.1f}".encode()))
                message = dict(message, headers=headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)
