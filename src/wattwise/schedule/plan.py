"""Plan a job: when (and where) it should run, with planned and baseline emissions.

``schedule()`` is the public function behind ``wattwise schedule`` and ``wattwise run --within``.
Window semantics follow DESIGN.md and Dodge et al.: with ``within=N`` Flexible Start may begin
anywhere in [now, now + N]; Pause & Resume places the job's pieces in [now, now + N + D]. A
deadline (``by``) caps both so the job ends by then. The baseline is "start now, here": the
first region given, run at once and without pauses, under the same forecast and power.
Each policy is planned on cells of one step from now and on the forecast's own intervals, and
the cheaper plan kept (``windows.best_*``), so a job can start exactly when a clean interval
begins. The baseline is costed on the forecast's intervals (exact for any energy profile).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping, Sequence

from ..errors import UsageError
from ..units import format_duration, iso, parse_duration, parse_time
from . import windows
from .forecast import Forecast, NoForecast, load
from .grid import plan_cells
from .profile import Profile

POLICIES = ("now", "flexible-start", "pause-resume")


@dataclass(frozen=True)
class RegionPlan:
    """The best plan found in one region (an alternative in a multi-region plan)."""

    region: str
    start: float | None
    end: float | None
    slots: tuple[tuple[float, float], ...]
    emissions_g: float | None
    idle_g: float = 0.0
    reason: str | None = None  # why there is no plan

    def to_dict(self, baseline: float | None) -> dict[str, Any]:
        d: dict[str, Any] = {"region": self.region, "start": iso(self.start), "end": iso(self.end),
                             "emissions_gco2e": self.emissions_g, "savings_pct": _savings(self.emissions_g, baseline)}
        if self.reason:
            d["reason"] = self.reason
        return d


@dataclass(frozen=True)
class Schedule:
    """A plan: ``to_dict()`` is the JSON contract of ``wattwise schedule --json``."""

    policy: str  # now | flexible-start | pause-resume
    region: str | None
    start: float
    end: float | None
    slots: tuple[tuple[float, float], ...]
    duration_s: float
    window_s: float
    planned_at: float
    emissions_g: float | None
    baseline_emissions_g: float | None
    baseline_region: str | None
    idle_g: float = 0.0
    idle_w: float = 0.0
    min_run_s: float | None = None
    max_pauses: int | None = None
    profile: str = ""
    power_w: float | None = None
    power_assumed: bool = False
    forecast: Forecast | None = None
    available: bool = True
    notes: tuple[str, ...] = ()
    alternatives: tuple[RegionPlan, ...] = ()
    deadline: float | None = None

    @property
    def savings_pct(self) -> float | None:
        return _savings(self.emissions_g, self.baseline_emissions_g)

    @property
    def pauses(self) -> int:
        return max(0, len(self.slots) - 1)

    @property
    def wait_s(self) -> float:
        return max(0.0, self.start - self.planned_at)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "start": iso(self.start),
            "end": iso(self.end),
            "region": self.region,
            "slots": [{"start": iso(a), "end": iso(b)} for a, b in self.slots],
            "emissions_gco2e": self.emissions_g,
            "baseline_emissions_gco2e": self.baseline_emissions_g,
            "savings_pct": self.savings_pct,
            "policy": self.policy,
            "available": self.available,
            "planned_at": iso(self.planned_at),
            "wait_s": self.wait_s,
            "duration_s": self.duration_s,
            "window_s": self.window_s,
            "deadline": iso(self.deadline),
            "pauses": self.pauses,
            "baseline_region": self.baseline_region,
            "idle_w": self.idle_w,
            "idle_emissions_gco2e": self.idle_g,
            "min_run_s": self.min_run_s,
            "max_pauses": self.max_pauses,
            "energy_profile": self.profile,
            "power_w": self.power_w,
            "power_assumed": self.power_assumed,
            "estimate": "planned emissions = the job's energy profile x forecast intensity of each planned slot",
            "forecast": self.forecast.to_dict(self.planned_at) if self.forecast else None,
            "regions": [a.to_dict(self.baseline_emissions_g) for a in self.alternatives],
            "notes": list(self.notes),
        }
        return d


def _savings(x: float | None, base: float | None) -> float | None:
    if x is None or base is None or base <= 0:
        return None
    return 100.0 * (1.0 - x / base)


def _secs(v: Any, what: str) -> float | None:
    if v is None:
        return None
    if isinstance(v, (int, float)):
        if v < 0:
            raise UsageError(f"invalid {what} {v!r}: must be >= 0")
        return float(v)
    return parse_duration(str(v), what=what)


def _ts(v: Any, what: str, now: float | None = None) -> float | None:
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, datetime):
        from datetime import timezone

        return (v if v.tzinfo else v.replace(tzinfo=timezone.utc)).timestamp()
    ref = None
    if now is not None:
        from datetime import timezone

        ref = datetime.fromtimestamp(now, timezone.utc)
    return parse_time(str(v), what=what, now=ref).timestamp()


def _regions(region: str | None, regions: Sequence[str] | str | None, known: set[str]) -> list[str]:
    from .. import regions as reg

    if isinstance(regions, str):
        regions = [r for r in regions.split(",") if r.strip()]
    ids = ([region] if region else []) + list(regions or [])
    if not ids:
        raise UsageError("no region given; pass --region R (or --regions R1,R2,... to let wattwise choose)")
    out: list[str] = []
    for r in ids:
        r = r.strip()
        if r in known or r.upper() in known:
            rid = r if r in known else r.upper()
        else:
            try:
                rid = reg.resolve(r).id
            except UsageError:
                up = r.upper()
                if up in known:
                    rid = up
                else:
                    raise
        if rid not in out:
            out.append(rid)
    return out


def _forecast_map(forecast: Any, regions: list[str]) -> dict[str, Any]:
    """Region -> forecast spec. Accepts one spec for all, a mapping, or 'R=FILE' strings."""
    if isinstance(forecast, Mapping):
        return {r: forecast.get(r, forecast.get(r.upper(), forecast.get(r.lower()))) for r in regions}
    if isinstance(forecast, (list, tuple)) and forecast and all(isinstance(x, str) for x in forecast):
        m: dict[str, Any] = {}
        default = None
        for x in forecast:
            if "=" in x:
                k, v = x.split("=", 1)
                m[k.strip().upper()] = v
            else:
                default = x
        return {r: m.get(r.upper(), default) for r in regions}
    if isinstance(forecast, str) and "=" in forecast and not forecast.startswith(("/", ".")):
        return _forecast_map(forecast.split(","), regions)
    return {r: forecast for r in regions}


def explicit_regions(forecast: Any) -> set[str]:
    """Region ids a forecast spec names itself (R=FILE keys, mapping keys): valid even if not in the bundled table."""
    if isinstance(forecast, Mapping):
        return {str(k).upper() for k in forecast}
    if isinstance(forecast, str) and "=" in forecast and not forecast.startswith(("/", ".")):
        forecast = forecast.split(",")
    if isinstance(forecast, (list, tuple)):
        return {x.split("=", 1)[0].strip().upper() for x in forecast if isinstance(x, str) and "=" in x}
    return set()


def _dir_regions(forecast: Any) -> set[str]:
    from pathlib import Path

    from .forecast import dir_regions

    out: set[str] = set()
    specs = forecast.values() if isinstance(forecast, Mapping) else (forecast if isinstance(forecast, (list, tuple)) else [forecast])
    for s in specs:
        if isinstance(s, str) and "=" in s:
            s = s.split("=", 1)[1]
        if isinstance(s, str) and Path(s).is_dir():
            p = Path(s)
            out.update(r.upper() for r, _ in dir_regions(p))
            out.update(x.name.split(".")[0].upper() for x in p.iterdir() if not x.name.startswith("."))
    return out


def schedule(duration: Any = None, within: Any = None, *, by: Any = None, region: str | None = None,
             regions: Sequence[str] | str | None = None, forecast: Any = None, pause_resume: bool = False,
             min_run: Any = None, max_pauses: int | None = None, idle_w: float = 0.0, power_w: float | None = None,
             like: str | None = None, store: str | None = None, now: Any = None, persistence: str = "1d",
             profile: Profile | None = None) -> Schedule:
    """Plan a job of ``duration`` to start within ``within`` (or finish ``by``), in the cleanest of ``regions``.

    ``forecast``: a series file or directory, a provider name, a Series, or a mapping region ->
    any of those. No usable forecast gives a Schedule with ``available=False`` that recommends
    running now (it never waits on a missing credential).
    """
    t_now = _ts(now, "--now") if now is not None else time.time()
    D = _secs(duration, "duration")
    if profile is None and like:
        from .profile import from_run

        profile = from_run(like, store)
    if D is None:
        if profile is None:
            raise UsageError("no job duration; pass --duration D (e.g. 6h) or --like RUN_ID")
        D = profile.duration_s
    if D <= 0:
        raise UsageError(f"duration must be > 0 (got {D:g} s); e.g. --duration 6h")
    if profile is None:
        profile = Profile.flat(power_w, D)
    else:
        profile = profile.stretched(D)
    N = _secs(within, "window")
    deadline = _ts(by, "--by", t_now)
    notes: list[str] = []
    if deadline is not None:
        room = deadline - t_now - D
        if room < -1e-6:
            raise UsageError(f"the job ({format_duration(D)}) does not fit before the deadline {iso(deadline)} "
                             f"({format_duration(max(0.0, deadline - t_now))} from now); move --by later or shorten --duration")
        N = room if N is None else min(N, room)
    N = max(0.0, N or 0.0)
    if min_run is not None or max_pauses is not None or idle_w:
        if not pause_resume:
            raise UsageError("--min-run, --max-pauses and --idle-w apply to --pause-resume; add --pause-resume")
    if max_pauses is not None and (int(max_pauses) != max_pauses or max_pauses < 0):
        raise UsageError(f"invalid --max-pauses {max_pauses!r}: give a whole number >= 0")
    if idle_w is not None and idle_w < 0:
        raise UsageError(f"invalid --idle-w {idle_w!r}: give the power drawn while paused in W (>= 0)")
    L = _secs(min_run, "minimum run")
    policy = "now" if N <= 0 else ("pause-resume" if pause_resume else "flexible-start")

    known = explicit_regions(forecast) | _dir_regions(forecast)
    ids = _regions(region, regions, known)
    here = ids[0]
    fmap = _forecast_map(forecast, ids)
    horizon = D + N
    fcs: dict[str, Forecast | NoForecast] = {r: load(fmap[r], r, t_now, horizon, persistence_period=persistence) for r in ids}

    base_kw = dict(policy=policy, duration_s=D, window_s=N, planned_at=t_now, baseline_region=here, idle_w=float(idle_w or 0.0),
                   min_run_s=L, max_pauses=max_pauses, profile=profile.source, power_w=profile.mean_power_w,
                   power_assumed=profile.assumed, deadline=deadline)
    usable = {r: f for r, f in fcs.items() if isinstance(f, Forecast)}
    if not usable:
        why = "; ".join(f.reason for f in fcs.values() if isinstance(f, NoForecast))
        return Schedule(region=here, start=t_now, end=t_now + D, slots=((t_now, t_now + D),), emissions_g=None,
                        baseline_emissions_g=None, available=False,
                        notes=(f"no forecast available ({why}); recommendation: run now",), **{**base_kw, "policy": "now"})

    plans: list[RegionPlan] = []
    baseline = None
    for r in ids:
        f = fcs[r]
        if isinstance(f, NoForecast):
            plans.append(RegionPlan(r, None, None, (), None, reason=f.reason))
            notes.append(f"{r}: {f.reason}")
            continue
        notes.extend(f"{r}: {x}" if len(ids) > 1 else x for x in f.notes)
        d = f.dense
        known_end = d.end
        if t_now + D > known_end + 1e-6:
            why = (f"forecast ends {iso(known_end)}, {format_duration(max(0.0, known_end - t_now))} from now: "
                   f"shorter than the job ({format_duration(D)})")
            plans.append(RegionPlan(r, None, None, (), None, reason=why))
            notes.append(f"{r}: {why}")
            continue
        n_eff = N
        if t_now + D + N > known_end + 1e-6:
            n_eff = max(0.0, known_end - t_now - D)
            notes.append(f"{r}: window limited to the forecast horizon ({iso(known_end)}): planned within the first "
                         f"{format_duration(n_eff)} of the {format_duration(N)} window")
        end = t_now + D + n_eff
        if r == here:
            b = windows.flexible_start(plan_cells(d, t_now, t_now + D), d, D, 0.0, profile)
            baseline = b.total_g if b else None
        if policy == "pause-resume":
            pl = windows.best_pause_resume(d, t_now, end, D, profile, idle_w=idle_w or 0.0, min_run_s=L, max_pauses=max_pauses)
        else:
            pl = windows.best_flexible_start(d, t_now, end, D, n_eff, profile)
        if pl is None:
            plans.append(RegionPlan(r, None, None, (), None, reason="the known forecast cannot hold the job"))
            continue
        plans.append(RegionPlan(r, pl.start, pl.end, pl.slots, pl.total_g, pl.idle_g))
    ok = [p for p in plans if p.emissions_g is not None]
    if not ok:
        reasons = "; ".join(f"{p.region}: {p.reason}" for p in plans)
        return Schedule(region=here, start=t_now, end=t_now + D, slots=((t_now, t_now + D),), emissions_g=None,
                        baseline_emissions_g=None, available=False, forecast=usable.get(here) or next(iter(usable.values())),
                        notes=(f"cannot plan ({reasons}); recommendation: run now",), **{**base_kw, "policy": "now"})
    best = min(ok, key=lambda p: (p.emissions_g, ids.index(p.region)))
    if baseline is None:
        notes.append(f"no baseline: no usable forecast for {here} over the next {format_duration(D)}")
    return Schedule(region=best.region, start=best.start, end=best.end, slots=best.slots, emissions_g=best.emissions_g,
                    baseline_emissions_g=baseline, idle_g=best.idle_g, forecast=fcs[best.region],  # type: ignore[arg-type]
                    notes=tuple(dict.fromkeys(notes)), alternatives=tuple(plans) if len(ids) > 1 else (), **base_kw)


# -- submitting a plan ---------------------------------------------------------------------
def submit_line(plan: Schedule, fmt: str, command: str | None = None) -> str:
    """The line that submits the job at the planned start: ``at``, Slurm ``sbatch --begin`` or cron.

    ``at``, Slurm and cron read local wall-clock time, so the start is printed in this
    machine's local time zone (set TZ to print for another).
    """
    import shlex

    local = datetime.fromtimestamp(plan.start).astimezone()
    if fmt == "at":
        stamp = local.strftime("%Y%m%d%H%M.%S")
        return f"echo {shlex.quote(command)} | at -t {stamp}" if command else f"at -t {stamp}"
    if fmt == "slurm":
        return f"sbatch --begin={local.strftime('%Y-%m-%dT%H:%M:%S')} {command or 'JOB_SCRIPT'}"
    if fmt == "cron":
        return f"{local.minute} {local.hour} {local.day} {local.month} * {command or 'COMMAND'}"
    raise UsageError(f"unknown --format '{fmt}'; use at, slurm or cron")
