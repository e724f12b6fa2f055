"""What each page shows, as plain dicts: store reads in, formatted numbers and chart data out.

No web framework here: the dashboard (``app.py``) and the self-contained HTML report
(``report/html.py``) render the same view models. Every query is paginated or aggregated in
SQL (``list_runs`` with LIMIT, ``samples_downsampled``), so page cost does not grow with the
size of the store or the length of a run.
"""
from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any, Iterable
from urllib.parse import urlencode

from ..units import J_PER_KWH, format_duration, format_energy_j, format_mass_g, format_power_w

CHART_BUCKETS = 400  # points per component on the power chart; ~2 px each on a wide screen
TABLE_ROWS = 48  # rows in the no-JavaScript fallback tables under charts
MAX_BANDS = 300  # window bands drawn on a chart (top-level windows only)
MAX_WINDOW_ROWS = 500
MAX_COMPARE = 12
PER_PAGE = (25, 50, 100, 200)

SORTS = {  # query value -> (store order key, column heading)
    "start": ("start", "Started (UTC)"),
    "run_id": ("run_id", "Run"),
    "project": ("project", "Project"),
    "name": ("name", "Name / command"),
    "duration": ("duration", "Duration"),
    "energy": ("energy", "Energy"),
    "emissions": ("emissions", "Emissions"),
    "region": ("region", "Region"),
    "method": ("method", "Method"),
    "status": ("status", "Status"),
}

EXPORTS = (  # format, file suffix, what a person gets
    ("csv", "csv", "CSV: one row per run, component, window and sample"),
    ("jsonl", "jsonl", "JSON Lines: the same records, one JSON object per line"),
    ("codecarbon", "csv", "CodeCarbon's emissions.csv columns, for tools that read it"),
    ("model-card", "yaml", "Hugging Face model-card co2_eq_emissions block"),
    ("json", "json", "the run's complete JSON record"),
)

PALETTE = {"cpu": "#2563eb", "gpu": "#16a34a", "ram": "#9333ea", "dram": "#9333ea", "psys": "#ea580c",
           "uncore": "#0891b2", "core": "#1d4ed8"}
EXTRA_COLOURS = ("#dc2626", "#ca8a04", "#0d9488", "#db2777", "#4f46e5", "#65a30d", "#7c3aed", "#0369a1")


# -- formatting ---------------------------------------------------------------------------
def fmt_energy(j: float | None) -> str:
    return format_energy_j(j)


def fmt_mass(g: float | None) -> str:
    return format_mass_g(g)


def fmt_duration(s: float | None) -> str:
    return format_duration(s)


def fmt_time(ts: float | None) -> str:
    if ts is None:
        return "unknown"
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def fmt_intensity(g: float | None) -> str:
    if g is None or (isinstance(g, float) and math.isnan(g)):
        return "unknown"
    return f"{g:,.1f} gCO2e/kWh"


fmt_power = format_power_w  # one formatter for the CLI summary and the pages


def fmt_pct(x: float | None) -> str:
    return "" if x is None else f"{x:.1f} %"


def badge(methods: Iterable[str] | str | None) -> dict[str, str]:
    """One badge for a run's mix of component methods: measured, estimated, partly estimated."""
    if isinstance(methods, str):
        methods = [m for m in methods.split(",") if m]
    ms = set(methods or ())
    if not ms:
        return {"kind": "unknown", "label": "unknown", "title": "no energy figure was recorded for this run"}
    if "modelled" in ms and "measured" in ms:
        return {"kind": "partly", "label": "partly estimated",
                "title": "some parts were read from hardware power counters, others estimated from specifications"}
    if "modelled" in ms:
        return {"kind": "estimated", "label": "estimated",
                "title": "no power counter was readable; energy was estimated from hardware specifications and load"}
    if "user" in ms:
        return {"kind": "user", "label": "user-supplied", "title": "power figures given by the user"}
    if "measured" in ms:
        return {"kind": "measured", "label": "measured", "title": "read from the hardware's own energy counters (RAPL, NVML)"}
    return {"kind": "unknown", "label": "not measured", "title": "no component could be measured or estimated"}


def method_badge(method: str) -> dict[str, str]:
    """Badge for one component's method."""
    if method == "modelled":
        return badge(["modelled"])
    if method == "unavailable":
        return {"kind": "unknown", "label": "not measured", "title": "this part could be neither measured nor estimated"}
    return badge([method])


def colour(name: str, i: int) -> str:
    base = name.split(":", 1)[0]
    if ":" not in name and base in PALETTE:
        return PALETTE[base]
    if base in PALETTE and name.endswith(":0"):
        return PALETTE[base]
    return EXTRA_COLOURS[i % len(EXTRA_COLOURS)]


def _kwh_to_j(kwh: float | None) -> float | None:
    return None if kwh is None else kwh * J_PER_KWH


def _num(x: Any) -> float | None:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


# -- runs list ----------------------------------------------------------------------------
def runs_page(store, *, project: str | None = None, q: str | None = None, sort: str = "start", desc: bool = True,
              page: int = 1, per: int = 50) -> dict[str, Any]:
    if store is None:
        return {"rows": [], "total": 0, "page": 1, "pages": 1, "projects": [], "project": project, "q": q,
                "sort": "start", "desc": True, "per": per, "empty_store": True, "columns": [], "pager": []}
    sort = sort if sort in SORTS else "start"
    per = per if per in PER_PAGE else 50
    total = store.count_runs(project=project or None, search=q or None)
    pages = max(1, math.ceil(total / per))
    page = min(max(1, page), pages)
    rows = store.list_runs(project=project or None, search=q or None, order=SORTS[sort][0], desc=desc,
                           limit=per, offset=(page - 1) * per)
    base = {k: v for k, v in (("project", project), ("q", q)) if v}

    def url(**kw) -> str:
        params = dict(base, sort=sort, dir="desc" if desc else "asc", page=page, per=per)
        params.update(kw)
        if params.get("per") == 50:
            params.pop("per")
        if params.get("page") == 1:
            params.pop("page")
        if params.get("sort") == "start" and params.get("dir") == "desc":
            params.pop("sort")
            params.pop("dir")
        return "/?" + urlencode(params) if params else "/"

    columns = []
    for key, (_, heading) in SORTS.items():
        active = key == sort
        # first click: numbers and dates largest first, text A-Z; a second click flips
        first_desc = key in ("start", "duration", "energy", "emissions")
        nxt_desc = (not desc) if active else first_desc
        columns.append({"key": key, "heading": heading, "active": active, "desc": desc if active else None,
                        "url": url(sort=key, dir="desc" if nxt_desc else "asc", page=1)})
    pager = []
    for p in sorted({1, page - 2, page - 1, page, page + 1, page + 2, pages}):
        if 1 <= p <= pages:
            pager.append({"page": p, "url": url(page=p), "current": p == page})
    return {
        "rows": [run_row(r) for r in rows], "total": total, "page": page, "pages": pages, "per": per,
        "projects": store.projects(), "project": project, "q": q, "sort": sort, "desc": desc,
        "columns": columns, "pager": pager, "empty_store": False,
        "prev_url": url(page=page - 1) if page > 1 else None,
        "next_url": url(page=page + 1) if page < pages else None,
        "first": (page - 1) * per + 1 if total else 0, "last": min(page * per, total),
    }


def fmt_start(ts: float | None) -> str:
    """Compact UTC time for tables whose heading says UTC."""
    if ts is None:
        return "unknown"
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M")


def run_row(r: dict) -> dict[str, Any]:
    return {
        "run_id": r["run_id"], "project": r.get("project"), "name": r.get("name") or r.get("command"),
        "start": fmt_start(r.get("start_ts")), "duration": fmt_duration(r.get("duration_s")),
        "energy": fmt_energy(r.get("energy_j")), "emissions": fmt_mass(r.get("emissions_g")),
        "region": r.get("region"), "status": r.get("status"), "badge": badge(r.get("methods")),
        "intensity": fmt_intensity(r.get("intensity_g_per_kwh")),
    }


# -- run detail ---------------------------------------------------------------------------
def load_run(store, run_id: str) -> dict | None:
    """The run row with its result JSON (rebuilt from samples for an interrupted run)."""
    run = store.get_run(run_id)
    if run is None:
        return None
    if not run.get("result") or run.get("status") in ("interrupted", "running"):
        from ..store import run_result

        run["result"] = run_result(store, run_id)
    return run


def intensity_series(result: dict) -> list[tuple[float, float]]:
    """Hour-by-hour intensity points (unix s, gCO2e/kWh) stored with a run, if any.

    Accepts ``intensity.series``/``intensity.timeline`` or top-level ``intensity_series``/
    ``intensity_timeline``: lists of ``{"datetime"|"start"|"t": ISO or unix s, "g_per_kwh": x}``
    or ``[time, g_per_kwh]`` pairs. Points that cannot be read are skipped.
    """
    from ..units import parse_time

    inten = result.get("intensity") or {}
    for cand in (inten.get("series"), inten.get("timeline"), result.get("intensity_series"),
                 result.get("intensity_timeline")):
        if not isinstance(cand, list) or not cand:
            continue
        out = []
        for p in cand:
            if isinstance(p, dict):
                t = p.get("datetime", p.get("start", p.get("t")))
                g = p.get("g_per_kwh", p.get("value"))
            elif isinstance(p, (list, tuple)) and len(p) >= 2:
                t, g = p[0], p[1]
            else:
                continue
            g = _num(g)
            if g is None or t is None:
                continue
            if isinstance(t, (int, float)):
                ts = float(t)
            else:
                try:
                    ts = parse_time(str(t)).timestamp()
                except ValueError:
                    continue
            out.append((ts, g))
        if out:
            return sorted(out)
    return []


def _time_unit(span_s: float) -> tuple[str, float]:
    if span_s < 120:
        return "s", 1.0
    if span_s < 2 * 3600:
        return "min", 60.0
    if span_s < 3 * 86400:
        return "h", 3600.0
    return "days", 86400.0


def _pick(n: int, k: int) -> list[int]:
    if n <= k:
        return list(range(n))
    return sorted({round(i * (n - 1) / (k - 1)) for i in range(k)})


def chart_samples(store, run_id: str, buckets: int = CHART_BUCKETS) -> tuple[list[dict], bool]:
    """Samples for the charts, and whether their power is to be derived from cumulative energy.

    ``samples_at_edges`` (index seeks at bucket edges; exact mean power between them) where the
    store has it, else ``samples_downsampled`` (mean of the sampled powers per bucket).
    """
    at_edges = getattr(store, "samples_at_edges", None)
    if at_edges is not None:
        return at_edges(run_id, buckets), True
    return store.samples_downsampled(run_id, buckets), False


def timeline(rows: list[dict], *, start_ts: float, end_ts: float | None, result: dict,
             windows: list[dict], from_energy: bool = False) -> dict[str, Any] | None:
    """Chart data from downsampled samples: stacked power, cumulative emissions, intensity, bands.

    With ``from_energy`` the power of each point is the mean over the stretch since the previous
    point (cumulative energy difference / time difference), the first stretch starting at the
    run's start.
    """
    if not rows:
        return None
    comps: list[str] = []
    by_t: dict[float, dict[str, dict]] = {}
    for r in rows:
        if r["component"] not in comps:
            comps.append(r["component"])
        by_t.setdefault(r["t"], {})[r["component"]] = r
    ts = sorted(by_t)
    t0 = start_ts if start_ts is not None else ts[0]
    t_end = max(end_ts or ts[-1], ts[-1])
    unit, div = _time_unit(t_end - t0)
    x = [round((t - t0) / div, 6) for t in ts]
    power: dict[str, list[float | None]] = {c: [] for c in comps}
    cum: list[float] = []
    last_e = {c: 0.0 for c in comps}
    last_t = {c: t0 if t0 < ts[0] else None for c in comps}
    for t in ts:
        point = by_t[t]
        for c in comps:
            r = point.get(c)
            if from_energy:
                p = None
                if r is not None and r["energy_j"] is not None:
                    if last_t[c] is not None and t > last_t[c]:
                        p = (float(r["energy_j"]) - last_e[c]) / (t - last_t[c])
                    elif r["power_w"] is not None:
                        p = float(r["power_w"])
                    last_t[c] = t
                power[c].append(None if p is None else round(p, 6))
            else:
                power[c].append(None if r is None or r["power_w"] is None else round(float(r["power_w"]), 6))
            if r is not None and r["energy_j"] is not None:
                last_e[c] = float(r["energy_j"])
        cum.append(sum(last_e.values()))

    inten = result.get("intensity") or {}
    pue = _num(result.get("pue")) or 1.0
    total_g = _num(result.get("emissions_gco2e"))
    series = intensity_series(result)
    emissions: list[float | None]
    if series and inten.get("method") == "hourly":
        import bisect

        st = [p[0] for p in series]
        acc, prev, emissions = 0.0, 0.0, []
        for t, e in zip(ts, cum):
            i = max(0, bisect.bisect_right(st, t) - 1)
            acc += (e - prev) * pue / J_PER_KWH * series[i][1]
            prev = e
            emissions.append(acc)
        how = "hour by hour: each stretch of energy times the grid intensity of its hour"
    elif total_g is not None and cum[-1] > 0:
        emissions = [e / cum[-1] * total_g for e in cum]
        how = ("in proportion to energy (the run's hour-by-hour intensity series was not stored, so the total is "
               "spread over the run)" if inten.get("method") == "hourly" else
               f"energy × PUE {pue:g} × {fmt_intensity(_num(inten.get('g_per_kwh')))}")
    else:
        emissions = [None for _ in cum]
        how = "no emissions figure for this run"
    g_unit, g_div = ("mg", 1e-3) if (total_g or 0) < 1 else (("kg", 1e3) if (total_g or 0) >= 1e4 else ("g", 1.0))

    intensity_points = None
    if series:
        lo = t0 - 3600
        pts = [(t, g) for t, g in series if lo <= t <= t_end]
        if pts:
            intensity_points = {"x": [round((t - t0) / div, 6) for t, _ in pts], "y": [g for _, g in pts]}

    bands = []
    for w in windows:
        if w.get("parent"):
            continue
        bands.append({"name": w["name"], "x0": round((w["start_ts"] - t0) / div, 6),
                      "x1": round((w["end_ts"] - t0) / div, 6)})
        if len(bands) >= MAX_BANDS:
            break

    datasets = [{"label": c, "data": power[c], "color": colour(c, i)} for i, c in enumerate(comps)]
    idx = _pick(len(ts), TABLE_ROWS)
    table = [{"t": f"{x[i]:,.2f}", "power": [fmt_power(power[c][i]) for c in comps], "total": fmt_power(
        sum(p for p in (power[c][i] for c in comps) if p is not None) if any(power[c][i] is not None for c in comps) else None),
        "emissions": fmt_mass(emissions[i])} for i in idx]
    return {
        "unit": unit, "components": comps, "points": len(ts),
        "power": {"x": x, "datasets": datasets, "bands": bands, "xlabel": f"time since start ({unit})",
                  "ylabel": "power (W)"},
        "emissions": {"x": x, "y": [None if e is None else round(e / g_div, 9) for e in emissions],
                      "xlabel": f"time since start ({unit})", "ylabel": f"cumulative emissions ({g_unit}CO2e)",
                      "bands": bands},
        "emissions_how": how,
        "intensity": None if intensity_points is None else dict(intensity_points, xlabel=f"time since start ({unit})",
                                                                 ylabel="grid intensity (gCO2e/kWh)", bands=bands),
        "table": table, "table_complete": len(idx) == len(ts),
    }


def _window_rows(windows: list[dict]) -> list[dict]:
    out = []
    for w in windows[:MAX_WINDOW_ROWS]:
        try:
            comps = json.loads(w.get("components_json") or "{}")
        except ValueError:
            comps = {}
        out.append({"name": w["name"], "parent": w.get("parent"), "start": fmt_time(w["start_ts"]),
                    "duration": fmt_duration(w["end_ts"] - w["start_ts"]), "energy": fmt_energy(w.get("energy_j")),
                    "energy_j": w.get("energy_j"), "emissions": fmt_mass(w.get("emissions_g")),
                    "emissions_g": w.get("emissions_g"),
                    "components": {k: fmt_energy(v) for k, v in comps.items()}})
    return out


def run_view(store, run_id: str, *, buckets: int = CHART_BUCKETS) -> dict[str, Any] | None:
    run = load_run(store, run_id)
    if run is None:
        return None
    res = run.get("result") or {}
    comps = res.get("components") or []
    known = [_kwh_to_j(c.get("energy_kwh")) for c in comps if c.get("energy_kwh") is not None]
    total_j = sum(known) if known else run.get("energy_j")
    components = []
    for c in comps:
        e = _kwh_to_j(c.get("energy_kwh"))
        components.append({
            "name": c["name"], "energy": fmt_energy(e), "energy_j": e,
            "share": fmt_pct(100 * e / total_j) if e is not None and total_j else "",
            "power": fmt_power(c.get("mean_power_w")), "method": c.get("method"),
            "badge": method_badge(c.get("method", "")), "source": c.get("source"), "reason": c.get("reason"),
            "attribution": c.get("attribution"),
        })
    inten = res.get("intensity") or {}
    pue = _num(res.get("pue")) or _num(run.get("pue")) or 1.0
    methods = [c.get("method") for c in comps if c.get("method")]
    rows, from_energy = chart_samples(store, run["run_id"], buckets)
    chart = timeline(rows, start_ts=run["start_ts"], end_ts=run.get("end_ts"), result=res,
                     windows=run.get("windows") or [], from_energy=from_energy)
    from ..report.exports import hardware_used

    model_card, model_card_error = None, None
    try:
        from ..report.exports import to_model_card

        model_card = to_model_card(run)
    except (ImportError, ValueError, KeyError, TypeError) as e:  # UsageError is a ValueError
        model_card_error = str(e)
    from ..report.statement import statement_text

    estimated = "modelled" in methods or bool(inten.get("estimated"))
    estimated_parts = [f"{c['name']} ({c['share']} of the energy)" if c["share"] else c["name"]
                       for c in components if c["method"] == "modelled"]
    return {
        "run": run, "result": res, "run_id": run["run_id"], "project": run.get("project"), "name": run.get("name"),
        "command": run.get("command"), "status": run.get("status"), "host": run.get("host"),
        "scope": res.get("scope") or run.get("scope"), "exit_code": res.get("exit_code", run.get("exit_code")),
        "start": fmt_time(run.get("start_ts")), "end": fmt_time(run.get("end_ts")),
        "duration": fmt_duration(res.get("duration_s", run.get("duration_s"))),
        "energy": fmt_energy(total_j), "facility_energy": fmt_energy(_kwh_to_j(res.get("facility_energy_kwh"))),
        "emissions": fmt_mass(_num(res.get("emissions_gco2e"))), "estimated": estimated,
        "badge": badge(methods), "pue": pue, "pue_source": res.get("pue_source"),
        "intensity": inten, "intensity_value": fmt_intensity(_num(inten.get("g_per_kwh"))),
        "intensity_how": {"annual": "annual average", "hourly": "hour by hour (energy-weighted mean shown)",
                          "user": "value given by the user"}.get(inten.get("method"), inten.get("method") or "unknown"),
        "components": components, "hardware": hardware_used(res), "hardware_raw": res.get("hardware") or {},
        "estimated_parts": estimated_parts, "chart": chart, "windows": _window_rows(run.get("windows") or []),
        "windows_total": len(run.get("windows") or []),
        "not_counted": res.get("not_counted") or [], "warnings": res.get("warnings") or [],
        "model_card": model_card, "model_card_error": model_card_error,
        "statement": statement_text(run) if res else None,
        "exports": [{"fmt": f, "suffix": s, "what": w} for f, s, w in EXPORTS],
        "version": res.get("wattwise_version") or run.get("wattwise_version"),
    }


# -- compare ------------------------------------------------------------------------------
def compare_view(store, ids: list[str]) -> dict[str, Any]:
    """Side by side; ``ids`` are full run ids (resolved by the caller)."""
    runs = []
    for rid in ids[:MAX_COMPARE]:
        run = load_run(store, rid)
        if run is not None:
            runs.append(run)
    comp_names: list[str] = []
    win_names: list[str] = []
    cols = []
    for run in runs:
        res = run.get("result") or {}
        comps = {c["name"]: c for c in res.get("components") or []}
        for n in comps:
            if n not in comp_names:
                comp_names.append(n)
        wins: dict[str, dict] = {}
        for w in res.get("windows") or []:
            if w.get("parent"):
                continue
            wins.setdefault(w["name"], w)
            if w["name"] not in win_names and len(win_names) < 100:
                win_names.append(w["name"])
        inten = res.get("intensity") or {}
        cols.append({"run": run, "res": res, "comps": comps, "wins": wins, "inten": inten})
    rows = [
        ("Project", [c["run"].get("project") or "" for c in cols]),
        ("Name / command", [c["run"].get("name") or c["run"].get("command") or "" for c in cols]),
        ("Started", [fmt_time(c["run"].get("start_ts")) for c in cols]),
        ("Duration", [fmt_duration(c["res"].get("duration_s", c["run"].get("duration_s"))) for c in cols]),
        ("Energy (device)", [fmt_energy(_kwh_to_j(c["res"].get("energy_kwh"))) for c in cols]),
        ("Energy incl. data-centre overhead (PUE)", [fmt_energy(_kwh_to_j(c["res"].get("facility_energy_kwh"))) for c in cols]),
        ("Emissions", [fmt_mass(_num(c["res"].get("emissions_gco2e"))) for c in cols]),
        ("Grid intensity", [fmt_intensity(_num(c["inten"].get("g_per_kwh"))) for c in cols]),
        ("Region", [c["inten"].get("name") or c["inten"].get("zone") or c["run"].get("region") or "" for c in cols]),
        ("PUE", [f"{_num(c['res'].get('pue')) or 1.0:g}" for c in cols]),
        ("Scope", [c["res"].get("scope") or "" for c in cols]),
    ]
    comp_rows = [(n, [fmt_energy(_kwh_to_j(c["comps"][n].get("energy_kwh"))) + (
        " (estimated)" if c["comps"][n].get("method") == "modelled" else "") if n in c["comps"] else "—" for c in cols])
        for n in comp_names]
    win_rows = [(n, [(fmt_energy(_kwh_to_j(c["wins"][n].get("energy_kwh"))) + " · " +
                      fmt_mass(_num(c["wins"][n].get("emissions_gco2e")))) if n in c["wins"] else "—" for c in cols])
                for n in win_names]
    labels = [_short_label(c["run"]) for c in cols]
    energy_chart = {
        "labels": labels, "ylabel": "energy (Wh)",
        "datasets": [{"label": n, "color": colour(n, i),
                      "data": [round(c["comps"][n]["energy_kwh"] * 1000, 9)
                               if n in c["comps"] and c["comps"][n].get("energy_kwh") is not None else None for c in cols]}
                     for i, n in enumerate(comp_names)],
    }
    emis = [_num(c["res"].get("emissions_gco2e")) for c in cols]
    emissions_chart = {"labels": labels, "ylabel": "emissions (gCO2e)",
                       "datasets": [{"label": "emissions", "color": "#475569", "data": emis}]}
    return {
        "runs": [{"run_id": c["run"]["run_id"], "label": lab, "badge": badge(
            [x.get("method") for x in c["comps"].values()])} for c, lab in zip(cols, labels)],
        "rows": rows, "comp_rows": comp_rows, "win_rows": win_rows,
        "energy_chart": energy_chart, "emissions_chart": emissions_chart,
    }


def _short_label(run: dict) -> str:
    name = run.get("name") or run.get("project") or ""
    return f"{run['run_id'][:8]} {name}".strip()[:40]


# -- regions ------------------------------------------------------------------------------
def regions_view(kind: str | None = None, q: str | None = None, basis: str | None = None) -> dict[str, Any]:
    """Regions on one basis (life-cycle unless asked), cleanest first; those without a figure on it last, with why."""
    from ..regions import BASES, all_regions, check_basis

    basis = check_basis(basis if basis in BASES else None)
    regs = all_regions(basis)
    kinds = sorted({r.kind for r in regs})
    if kind:
        regs = [r for r in regs if r.kind == kind]
    if q:
        k = q.strip().lower()
        regs = [r for r in regs if k in r.id.lower() or k in (r.name or "").lower() or k in (r.zone or "").lower()]
    regs.sort(key=lambda r: (r.g_per_kwh is None, r.g_per_kwh if r.g_per_kwh is not None else 0, r.id))
    top = max((r.g_per_kwh for r in regs if r.g_per_kwh is not None), default=1.0) or 1.0
    sources: dict[tuple[str, str], int] = {}  # (source, license) -> footnote number
    rows = []
    for r in regs:
        ref = sources.setdefault((r.source, r.license), len(sources) + 1) if r.g_per_kwh is not None else None
        rows.append({"id": r.id, "name": r.name, "kind": r.kind, "g": r.g_per_kwh, "value": fmt_intensity(r.g_per_kwh),
                     "year": r.year, "ref": ref, "signal": r.signal, "zone": r.zone, "provider": r.provider, "max": top,
                     "note": r.note, "basis": r.basis})
    return {"kinds": kinds, "kind": kind, "q": q, "count": len(regs), "rows": rows, "basis": basis,
            "basis_label": {"lifecycle": "life-cycle", "direct": "direct (operational)"}[basis],
            "bases": [("lifecycle", "life-cycle (default)"), ("direct", "direct (operational)")],
            "missing": sum(r.g_per_kwh is None for r in regs),
            "sources": [{"n": n, "source": s, "license": lic} for (s, lic), n in sources.items()]}
