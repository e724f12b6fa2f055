"""View models of evaluations for the dashboard's Models page and the HTML report (plain dicts).

Renders nothing and imports no web stack; ``wattwise.web.models_page`` and ``report/html.py``
pass these to templates. Figures are formatted here, once, by the same rules as the terminal.
"""
from __future__ import annotations

from . import table
from .card import model_card
from .front import labels, pareto
from .charts import geometry, group_bars

COLOURS = ("#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ca8a04", "#0d9488", "#db2777", "#4f46e5", "#65a30d", "#0369a1")
MAX_MODELS = 50


def _row(d: dict, label: str, on_front: bool, colour: str) -> dict:
    o = d.get("overall") or {}
    lat = d.get("latency_ms") or {}
    return {"label": label, "run_id": d.get("run_id"), "project": d.get("project"), "colour": colour,
            "value": table.fmt_value(o.get("value"), d.get("metric")), "ci": table.fmt_ci(o.get("ci95")), "n": o.get("n"),
            "worst": table.fmt_worst(d), "gap": table.fmt_value(d.get("gap"), d.get("metric")),
            "latency": f"{table.fmt_ms(lat.get('p50'))} / {table.fmt_ms(lat.get('p95'))}",
            "energy": table.fmt_energy_1k(d), "emissions": table.fmt_emissions_1k(d),
            "idle": "unknown" if d.get("idle_share") is None else f"{d['idle_share'] * 100:.0f} %",
            "estimated": table.estimated(d), "front": on_front,
            "rating": table.fmt_rating(d.get("rating")) if d.get("rating") else "",
            "card": model_card(d)}


def group_chart(dicts: list[dict], names: list[str], colours: list[str]) -> dict | None:
    """Per-group bars with 95% whiskers (SVG geometry), one bar per model in each subset."""
    keys = [k for k, _ in table.group_rows(dicts)]
    series = [{"label": n, "colour": c, "values": {f"{g['grouping']}={g['group']}": (g["value"], g.get("ci95"))
                                                   for g in d.get("groups") or []}}
              for d, n, c in zip(dicts, names, colours)]
    metric = dicts[0].get("metric") if dicts else None
    return group_bars(keys, series, lambda v: table.fmt_value(v, metric))


def compare_view(dicts: list[dict]) -> dict:
    """One metric's evaluations: rows, per-group matrix and chart, scatter and front."""
    dicts = dicts[:MAX_MODELS]
    names = labels(dicts)
    colours = [COLOURS[i % len(COLOURS)] for i in range(len(dicts))]
    front_names = pareto(dicts) if dicts else []
    front = set(front_names)
    metric = dicts[0].get("metric") if dicts else None
    rows = [_row(d, n, n in front, c) for d, n, c in zip(dicts, names, colours)]
    pts = [{"x": d.get("emissions_gco2e_per_1k"), "y": (d.get("overall") or {}).get("value"), "label": n, "front": n in front,
            "colour": c} for d, n, c in zip(dicts, names, colours)]
    return {"metric": metric, "rows": rows, "names": names, "front": front_names,
            "best": "lowest" if dicts and dicts[0].get("higher_is_better") is False else "highest",
            "groups": table.group_rows(dicts), "group_chart": group_chart(dicts, names, colours),
            "legend": list(zip(names, colours)),
            "scatter": geometry(pts, table.fmt_grams, lambda v: table.fmt_value(v, metric)),
            "unplaced": [n for n, p in zip(names, pts) if p["x"] is None or p["y"] is None]}


def models_view(store, *, project: str | None = None, metric: str | None = None) -> dict:
    """The Models page: stored evaluations (newest first) of one metric, filterable by project."""
    from .stored import evaluations

    evs = evaluations(store, project=project, limit=200) if store is not None else []
    projects = sorted({e.get("project") for e in evs if e.get("project")})
    metrics = list(dict.fromkeys(e.get("metric") for e in evs))
    chosen = metric if metric in metrics else (metrics[0] if metrics else None)
    picked = [e for e in evs if e.get("metric") == chosen]
    return {"project": project, "projects": projects, "metrics": metrics, "metric": chosen, "count": len(evs),
            "other": len(evs) - len(picked), **compare_view(picked)}


def report_view(result: dict) -> dict | None:
    """The evaluation block of one run's HTML report (None when the run is no evaluation)."""
    d = (result or {}).get("evaluation")
    if not isinstance(d, dict):
        return None
    return {"summary": table.summary_rows([d]), "groups": table.group_rows([d]), "card": model_card(d),
            "name": d.get("name"), "metric": d.get("metric"), "ci": d.get("ci") or {}}
