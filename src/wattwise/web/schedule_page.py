"""The Schedule page: ``wattwise.schedule`` as a form, with the forecast drawn and the plan on it.

``/schedule`` is a plain GET form (the URL holds the inputs, so a plan can be shared): a region,
the job's duration, how long it may wait (or a deadline), Flexible Start or Pause & Resume, and
a forecast source (a series file or folder on this machine, or a provider name). The page shows
the intensity over the planning span as a chart with the planned slots and "start now" as bands,
the saving against starting now, and the commands that run the plan (``wattwise run --within``)
or submit it (``at``, Slurm, cron). Without a usable forecast the page says why and recommends
running now. Bad input is a UsageError shown next to its field, never a server error.
"""
from __future__ import annotations

from .render import FieldError  # noqa: F401 - raised by this page, caught by its routes

import math
import shlex
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from ..errors import UsageError

FIELDS = ("region", "duration", "within", "by", "policy", "forecast", "persistence", "power_w", "idle_w", "min_run",
          "max_pauses", "regions", "now", "cmd")
DEFAULTS = {"region": "", "duration": "6h", "within": "12h", "by": "", "policy": "flexible-start", "forecast": "",
            "persistence": "1d", "power_w": "", "idle_w": "", "min_run": "", "max_pauses": "", "regions": "", "now": "",
            "cmd": "python train.py"}
POLICIES = {"flexible-start": "Flexible Start: wait for the cleanest start, then run to the end",
            "pause-resume": "Pause & Resume: run only in the cleanest hours, pausing in between"}
MAX_FIELD = 500
MAX_SPAN_S = 14 * 86400.0  # duration + window: beyond two weeks no forecast means much; use the CLI
CHART_POINTS = 600
SUBMIT_FORMATS = ("at", "slurm", "cron")


# -- the form -------------------------------------------------------------------------------
def read_form(params) -> dict[str, str]:
    """The form's fields from a query string; defaults for a first visit (no field given)."""
    if not any(k in params for k in FIELDS):
        return dict(DEFAULTS)
    f = {k: str(params.get(k) or "").strip()[:MAX_FIELD] for k in FIELDS}
    if f["policy"] not in POLICIES:
        f["policy"] = "flexible-start"
    if f["persistence"] not in ("1d", "7d"):
        f["persistence"] = "1d"
    return f


def query_string(f: dict[str, str]) -> str:
    return urlencode([(k, f[k]) for k in FIELDS if f.get(k)])


def _hours_text(text: str) -> str:
    """'6' means 6 hours in the form (the CLI wants a unit): the text as the CLI takes it."""
    t = text.strip()
    try:
        float(t)
        return f"{t}h"
    except ValueError:
        return t


def _seconds(f, field: str, what: str) -> float | None:
    from ..units import parse_duration

    if not f[field]:
        return None
    try:
        return parse_duration(_hours_text(f[field]), what=what, default_unit="h")
    except UsageError as e:
        raise FieldError(field, str(e)) from None


def _number(f, field: str, what: str, *, whole: bool = False, positive: bool = False) -> float | int | None:
    if not f[field]:
        return None
    try:
        v = float(f[field])
    except ValueError:
        raise FieldError(field, f"invalid {what} '{f[field]}': not a number") from None
    if not math.isfinite(v) or v < 0 or (positive and v == 0) or (whole and v != int(v)) or v > 1e6:
        kind = "a whole number >= 0" if whole else ("a number > 0" if positive else "a number >= 0")
        raise FieldError(field, f"invalid {what} '{f[field]}': give {kind}")
    return int(v) if whole else v


def _forecast_spec(text: str) -> str | None:
    """A provider name, or a path to a series file or folder; other files are not read (the page
    could otherwise be used to probe files on this machine)."""
    from ..schedule.forecast import SERIES_SUFFIXES

    t = text.strip()
    if not t:
        return None
    p = Path(t).expanduser()
    if p.exists():
        if p.is_dir() or p.name.lower().endswith(SERIES_SUFFIXES):
            return str(p)
        raise FieldError("forecast", f"'{t}' is not a series file: give a .csv, .csv.gz or .json file of "
                                     f"(datetime, g_per_kwh) rows, a folder of them, or a provider name")
    return t  # a provider name, or a missing file: schedule() explains (with a did-you-mean for a misspelt provider)


def plan_kwargs(f: dict[str, str]) -> dict[str, Any]:
    """The form as ``wattwise.schedule()`` arguments; a bad field raises FieldError naming it."""
    from ..units import parse_time

    if not f["region"]:
        raise FieldError("region", "choose the region the job runs in, e.g. DE, GB, US-CAL-CISO or aws:eu-west-2")
    D = _seconds(f, "duration", "duration")
    if D is None:
        raise FieldError("duration", "give the job's expected run time, e.g. 6h")
    if D <= 0:
        raise FieldError("duration", f"duration must be > 0 (got '{f['duration']}'); e.g. 6h")
    N = _seconds(f, "within", "window")
    now = None
    if f["now"]:
        try:
            now = parse_time(f["now"], what="planning time").timestamp()
        except UsageError as e:
            raise FieldError("now", str(e)) from None
    if N is None and not f["by"]:
        raise FieldError("within", "give how long the start may wait (e.g. 12h) or a deadline")
    if D + (N or 0) > MAX_SPAN_S:
        raise FieldError("within" if N else "duration", "the job and its window span more than 14 days; plan it "
                         "with `wattwise schedule` on the command line")
    pr = f["policy"] == "pause-resume"
    min_run = _seconds(f, "min_run", "minimum run")
    max_pauses = _number(f, "max_pauses", "maximum number of pauses", whole=True)
    idle_w = _number(f, "idle_w", "idle power")
    power_w = _number(f, "power_w", "power", positive=True)
    if not pr:
        for field, v in (("min_run", min_run), ("max_pauses", max_pauses), ("idle_w", idle_w)):
            if v is not None:
                raise FieldError(field, "applies to Pause & Resume only; choose Pause & Resume or clear this field")
    regions = [r.strip() for r in f["regions"].replace(";", ",").split(",") if r.strip()]
    return {"duration": D, "within": N, "by": f["by"] or None, "region": f["region"], "regions": regions or None,
            "forecast": _forecast_spec(f["forecast"]), "pause_resume": pr, "min_run": min_run, "max_pauses": max_pauses,
            "idle_w": idle_w or 0.0, "power_w": power_w, "now": now, "persistence": f["persistence"]}


_HINTS = (("forecast", "forecast"), ("provider", "forecast"), ("series", "forecast"), ("deadline", "by"), ("--by", "by"),
          ("region", "region"), ("minimum run", "min_run"), ("--min-run", "min_run"), ("pauses", "max_pauses"),
          ("idle", "idle_w"), ("duration", "duration"), ("window", "within"))


def _field_of(message: str) -> str | None:
    m = message.lower()
    for needle, field in _HINTS:
        if needle in m:
            return field
    return None


def compute(f: dict[str, str]):
    """(Schedule, None) or (None, {"field", "message"})."""
    from ..schedule import schedule

    try:
        return schedule(**plan_kwargs(f)), None
    except FieldError as e:
        return None, {"field": e.field, "message": str(e)}
    except UsageError as e:
        return None, {"field": _field_of(str(e)), "message": str(e)}


# -- the plan as the template shows it ------------------------------------------------------
def fmt_when(ts: float | None) -> str:
    if ts is None:
        return "unknown"
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def fmt_span(s: float | None) -> str:
    """3 h, 1 h 30 min, 45 min, 20 s: short enough for a table."""
    if s is None:
        return "unknown"
    s = float(s)
    if s < 60:
        return f"{s:.0f} s"
    m = int(round(s / 60.0))
    d, rem = divmod(m, 1440)
    h, mi = divmod(rem, 60)
    parts = ([f"{d} d"] if d else []) + ([f"{h} h"] if h else []) + ([f"{mi} min"] if mi else [])
    return " ".join(parts) or "0 min"


def commands(plan, f: dict[str, str]) -> dict[str, Any]:
    """The command that runs the plan, and the lines that submit a job at its planned start."""
    from ..schedule import submit_line

    cmd = f["cmd"] or DEFAULTS["cmd"]
    try:
        cmd_argv = shlex.split(cmd)
    except ValueError:  # unbalanced quotes: keep it as one word
        cmd_argv = [cmd]
    common: list[str] = ["--region", f["region"]]
    if f["within"]:
        common += ["--within", _hours_text(f["within"])]
    common += ["--duration", _hours_text(f["duration"])]
    if f["by"]:
        common += ["--by", f["by"]]
    if f["forecast"]:
        common += ["--forecast", f["forecast"]]
    pr: list[str] = []
    if f["policy"] == "pause-resume":
        pr.append("--pause-resume")
        for field, flag in (("min_run", "--min-run"), ("max_pauses", "--max-pauses"), ("idle_w", "--idle-w")):
            if f[field]:
                pr += [flag, _hours_text(f[field]) if field == "min_run" else f[field]]
    q = shlex.join
    run = q(["wattwise", "run", *common, *pr, "--", *cmd_argv])
    sched = ["wattwise", "schedule", *common]
    if f["regions"]:
        sched += ["--regions", f["regions"]]
    if f["persistence"] != "1d":
        sched += ["--persistence", f["persistence"]]
    sched += pr
    if f["power_w"]:
        sched += ["--power-w", f["power_w"]]
    if f["now"]:
        sched += ["--now", f["now"]]
    out: dict[str, Any] = {"run": run, "schedule": q(sched), "submit": []}
    if plan is not None and plan.available:
        for fmt in SUBMIT_FORMATS:
            out["submit"].append({"format": fmt, "command": q([*sched, "--format", fmt, "--", *cmd_argv]),
                                  "line": submit_line(plan, fmt, q(cmd_argv))})
    out["now_only"] = q(["wattwise", "run", "--region", f["region"], "--", *cmd_argv])
    return out


def _chart(plan) -> dict[str, Any] | None:
    """Intensity over [planning time, end of the window] with the plan's slots and 'start now' as bands."""
    fc = plan.forecast
    if fc is None or not plan.available:
        return None
    d = fc.dense
    t0 = plan.planned_at
    t1 = min(d.end, t0 + plan.window_s + plan.duration_s)
    if t1 <= t0:
        return None
    # forecast interval boundaries in [t0, t1]; many short intervals are averaged into CHART_POINTS bins
    first = max(0, int(math.floor((t0 - d.t0) / d.step)))
    edges = [t0] + [d.t0 + i * d.step for i in range(first + 1, len(d.v) + 1) if t0 < d.t0 + i * d.step < t1] + [t1]
    if len(edges) - 1 > CHART_POINTS:
        w = (t1 - t0) / CHART_POINTS
        edges = [t0 + k * w for k in range(CHART_POINTS)] + [t1]
    xs, ys = [], []
    for a, b in zip(edges, edges[1:]):
        xs.append(round((a - t0) / 3600.0, 6))
        ys.append(round(d.mean(a, b), 3))
    xs.append(round((t1 - t0) / 3600.0, 6))
    ys.append(ys[-1])  # the last interval's value holds to its end
    h = lambda t: round((t - t0) / 3600.0, 6)  # noqa: E731
    bands = [{"x0": h(a), "x1": h(min(b, t1)), "name": "run", "color": "rgba(22,163,74,0.28)", "text": "#166534"}
             for a, b in plan.slots]
    if plan.policy != "now" and plan.baseline_emissions_g is not None:
        bands.insert(0, {"x0": 0.0, "x1": h(min(t0 + plan.duration_s, t1)), "name": "start now", "edge": "#dc2626",
                         "color": "rgba(220,38,38,0.07)", "text": "#991b1b"})
    return {"x": xs, "y": ys, "bands": bands, "xlabel": f"hours after {fmt_when(t0)}", "ylabel": "gCO2e/kWh"}


def plan_view(plan, f: dict[str, str]) -> dict[str, Any]:
    from ..units import format_mass_g

    d = plan.to_dict()
    fc = plan.forecast
    dense = fc.dense if fc is not None else None
    slots = []
    t_prev = None
    for a, b in plan.slots:
        if t_prev is not None and a > t_prev:
            slots.append({"kind": "pause", "start": fmt_when(t_prev), "end": fmt_when(a), "length": fmt_span(a - t_prev),
                          "mean": f"{dense.mean(t_prev, a):,.1f} gCO2e/kWh" if dense else ""})
        slots.append({"kind": "run", "start": fmt_when(a), "end": fmt_when(b), "length": fmt_span(b - a),
                      "mean": f"{dense.mean(a, b):,.1f} gCO2e/kWh" if dense else ""})
        t_prev = b
    chart = _chart(plan)
    table = []
    if chart:
        step = max(1, math.ceil((len(chart["x"]) - 1) / 96))
        runs = plan.slots
        for i in range(0, len(chart["x"]) - 1, step):
            t = plan.planned_at + chart["x"][i] * 3600.0
            table.append({"t": fmt_when(t), "h": f"{chart['x'][i]:g}", "g": f"{chart['y'][i]:,.1f}",
                          "run": any(a - 1e-6 <= t < b - 1e-6 for a, b in runs)})
    fcd = d["forecast"] or {}
    return {
        "available": plan.available, "policy": plan.policy, "region": plan.region, "here": plan.baseline_region,
        "start": fmt_when(plan.start), "end": fmt_when(plan.end), "wait": fmt_span(plan.wait_s),
        "waits": plan.wait_s > 0, "pauses": plan.pauses, "slots": slots,
        "duration": fmt_span(plan.duration_s), "window": fmt_span(plan.window_s),
        "planned_at": fmt_when(plan.planned_at),
        "emissions": format_mass_g(plan.emissions_g) if plan.emissions_g is not None else None,
        "baseline": format_mass_g(plan.baseline_emissions_g) if plan.baseline_emissions_g is not None else None,
        "saving": format_mass_g(plan.baseline_emissions_g - plan.emissions_g)
        if plan.emissions_g is not None and plan.baseline_emissions_g is not None else None,
        "savings_pct": f"{plan.savings_pct:.1f} %" if plan.savings_pct is not None else None,
        "idle": format_mass_g(plan.idle_g) if plan.idle_g else None,
        "power": plan.profile, "power_assumed": plan.power_assumed,
        "forecast": {"source": fcd.get("source"), "method": fcd.get("method"), "signal": fcd.get("signal"),
                     "issued_at": fmt_when(fc.issued_at) if fc is not None and fc.issued_at else None,
                     "issued_basis": fcd.get("issued_basis"),
                     # a file modified after a simulated planning time has no meaningful age
                     "age": fmt_span(fcd.get("age_s")) if fc is not None and fc.issued_at is not None
                     and fc.issued_at <= plan.planned_at else None,
                     "resolution": fmt_span(fcd.get("resolution_s")) if fcd.get("resolution_s") else None,
                     "horizon_end": fmt_when(fc.horizon_end) if fc is not None else None,
                     "gaps": len(fcd.get("filled_gaps") or [])} if fc is not None else None,
        "regions": [{"region": a.region, "start": fmt_when(a.start) if a.start else "–",
                     "emissions": format_mass_g(a.emissions_g) if a.emissions_g is not None else "–",
                     "savings_pct": (f"{r['savings_pct']:.1f} %" if r.get("savings_pct") is not None else "–"),
                     "reason": a.reason, "best": a.region == plan.region and a.emissions_g is not None}
                    for a, r in zip(plan.alternatives, d["regions"])],
        "notes": list(plan.notes), "chart": chart, "table": table, "simulated_now": bool(f["now"]),
        "commands": commands(plan, f), "query": query_string(f), "json": d,
    }


# -- routes ---------------------------------------------------------------------------------
def routes(ctx):
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from .calculator import _finite, region_options

    def schedule_page(request):
        f = read_form(request.query_params)
        first = not any(k in request.query_params for k in FIELDS)
        plan, error = (None, None) if first else compute(f)
        return ctx.render(request, "schedule.html", active="schedule", status=422 if error else 200, f=f, first=first,
                          p=plan_view(plan, f) if plan is not None else None, error=error, policies=POLICIES,
                          region_options=region_options(), providers=_providers(),
                          cmds=commands(None, f) if plan is None and f["region"] else None)

    def api_schedule(request):
        f = read_form(request.query_params)
        plan, error = compute(f)
        if error:
            return JSONResponse({"ok": False, "error": error["message"], "field": error["field"]}, status_code=422)
        return JSONResponse({"ok": True, "query": query_string(f), "schedule": _finite(plan.to_dict()),
                             "commands": commands(plan, f)})

    return [Route("/schedule", schedule_page, methods=["GET"]), Route("/api/schedule", api_schedule, methods=["GET"])]


def _providers() -> list[str]:
    from ..schedule.forecast import PROVIDERS

    return list(PROVIDERS)

