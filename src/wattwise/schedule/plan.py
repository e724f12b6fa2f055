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
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Sequence

from ..errors import UsageError
from ..units import iso, parse_duration, parse_time
from . import windows
from .forecast import Forecast, NoForecast, load
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
    nominal: float | None = None  # --at: the job's usual start, the baseline
    flex_s: float | None = None  # --flex: start anywhere within +-flex of nominal
    track_record: dict[str, Any] | None = None  # persistence forecasts: how such plans did in this zone's history

    @property
    def signal(self) -> str | None:
        """average | marginal: the signal the plan minimised (from its forecast's source)."""
        return self.forecast.signal if self.forecast is not None else None

    @property
    def baseline_start(self) -> float:
        return self.nominal if self.nominal is not None else self.planned_at

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
            "signal": self.signal,
            "baseline_start": iso(self.baseline_start),
            "nominal_start": iso(self.nominal),
            "flex_s": self.flex_s,
            "forecast": self.forecast.to_dict(self.planned_at) if self.forecast else None,
            "track_record": self.track_record,
            "regions": [a.to_dict(self.baseline_emissions_g) for a in self.alternatives],
            "notes": list(self.notes),
        }
        return d


def span(seconds: float, minutes: bool = False) -> str:
    """A duration without its zero parts ('2 h', '5 h 2 min', '2 min 23 s'); ``minutes``: rounded to the minute."""
    if seconds < 59.5 and not (minutes and seconds >= 30):
        return f"{seconds:.0f} s" if seconds >= 1 or seconds == 0 else f"{seconds:.1f} s"
    total = int(round(seconds / 60)) * 60 if minutes else int(round(seconds))
    m, sec = divmod(total, 60)
    h, m = divmod(m, 60)
    d, h = divmod(h, 24)
    parts = [f"{v} {u}" for v, u in ((d, "d"), (h, "h"), (m, "min"), (sec, "s")) if v]
    return " ".join(parts) or "0 s"


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


@dataclass(frozen=True)
class Job:
    """A planning request, checked: what to plan, from when, against which baseline."""

    duration_s: float
    profile: Profile
    window_s: float  # the start may move this far after ``start_from``
    start_from: float  # now, or nominal - flex
    baseline_start: float  # now, or the nominal time
    policy: str
    deadline: float | None = None
    min_run_s: float | None = None
    max_pauses: int | None = None
    idle_w: float = 0.0
    nominal: float | None = None
    flex_s: float | None = None

    @property
    def end(self) -> float:
        """The window's end: the last moment the job may run."""
        return self.start_from + self.window_s + self.duration_s


def _job(t_now: float, duration: Any, within: Any, by: Any, at: Any, flex: Any, pause_resume: bool, min_run: Any,
         max_pauses: int | None, idle_w: float, power_w: float | None, profile: Profile | None) -> Job:
    D = _secs(duration, "duration")
    if D is None:
        if profile is None:
            raise UsageError("no job duration; pass --duration D (e.g. 6h) or --like RUN_ID")
        D = profile.duration_s
    if D <= 0:
        raise UsageError(f"duration must be > 0 (got {D:g} s); e.g. --duration 6h")
    profile = Profile.flat(power_w, D) if profile is None else profile.stretched(D)
    if min_run is not None or max_pauses is not None or idle_w:
        if not pause_resume:
            raise UsageError("--min-run, --max-pauses and --idle-w apply to --pause-resume; add --pause-resume")
    if max_pauses is not None and (int(max_pauses) != max_pauses or max_pauses < 0):
        raise UsageError(f"invalid --max-pauses {max_pauses!r}: give a whole number >= 0")
    if idle_w is not None and idle_w < 0:
        raise UsageError(f"invalid --idle-w {idle_w!r}: give the power drawn while paused in W (>= 0)")
    kw = dict(duration_s=D, profile=profile, min_run_s=_secs(min_run, "minimum run"), max_pauses=max_pauses,
              idle_w=float(idle_w or 0.0))
    if at is not None:
        return _around(t_now, at, flex, within, by, pause_resume, kw)
    if flex is not None:
        raise UsageError("--flex W needs --at TIME (the job's usual start); for a window from now use --within W")
    N = _secs(within, "window")
    deadline = _ts(by, "--by", t_now)
    if deadline is not None:
        room = deadline - t_now - D
        if room < -1e-6:
            raise UsageError(f"the job ({span(D)}) does not fit before the deadline {iso(deadline)} "
                             f"({span(max(0.0, deadline - t_now))} from now); move --by later or shorten --duration")
        N = room if N is None else min(N, room)
    N = max(0.0, N or 0.0)
    policy = "now" if N <= 0 else ("pause-resume" if pause_resume else "flexible-start")
    return Job(window_s=N, start_from=t_now, baseline_start=t_now, policy=policy, deadline=deadline, **kw)


def _around(t_now: float, at: Any, flex: Any, within: Any, by: Any, pause_resume: bool, kw: dict) -> Job:
    """A recurring job's run: start anywhere in [nominal - flex, nominal + flex], against running at nominal."""
    if within is not None or by is not None:
        raise UsageError("--at TIME --flex W sets the window itself; drop --within/--by")
    nominal = _ts(at, "--at", t_now)
    W = _secs(flex, "flex") or 0.0
    if t_now > nominal + W + 1e-6:
        raise UsageError(f"the window of a job at {iso(nominal)} +-{span(W)} ended "
                         f"{span(t_now - nominal - W)} ago; give a later --at")
    start_from = max(t_now, nominal - W)
    N = nominal + W - start_from
    policy = "now" if N <= 0 else ("pause-resume" if pause_resume else "flexible-start")
    return Job(window_s=N, start_from=start_from, baseline_start=max(nominal, t_now), policy=policy, nominal=nominal,
               flex_s=W, **kw)


def _plan_region(r: str, f: Forecast, job: Job, multi: bool) -> tuple[RegionPlan, float | None, list[str]]:
    """The best plan in one region, the baseline there (None if the forecast cannot cost it), notes."""
    notes = [f"{r}: {x}" if multi else x for x in f.notes]
    d, D = f.dense, job.duration_s
    known_end = d.end
    base = None
    if job.baseline_start + D <= known_end + 1e-6:
        base = sum(windows.evaluate(d, ((job.baseline_start, job.baseline_start + D),), job.profile))
    if job.start_from + D > known_end + 1e-6:
        why = (f"forecast ends {iso(known_end)}, {span(max(0.0, known_end - job.start_from))} after the "
               f"window opens: shorter than the job ({span(D)})")
        return RegionPlan(r, None, None, (), None, reason=why), base, notes + [f"{r}: {why}"]
    n_eff = job.window_s
    if job.end > known_end + 1e-6:
        n_eff = max(0.0, known_end - job.start_from - D)
        notes.append(f"{r}: window limited to the forecast horizon ({iso(known_end)}): planned within the first "
                     f"{span(n_eff)} of the {span(job.window_s)} window")
    now, end = job.start_from, job.start_from + D + n_eff
    if job.policy == "pause-resume":
        pl = windows.best_pause_resume(d, now, end, D, job.profile, idle_w=job.idle_w, min_run_s=job.min_run_s,
                                       max_pauses=job.max_pauses)
    else:
        pl = windows.best_flexible_start(d, now, end, D, n_eff, job.profile)
    if pl is None:
        return RegionPlan(r, None, None, (), None, reason="the known forecast cannot hold the job"), base, notes
    return RegionPlan(r, pl.start, pl.end, pl.slots, pl.total_g, pl.idle_g), base, notes


def _one_signal(fcs: Mapping[str, Forecast]) -> None:
    """Regions are compared only on one signal: an average and a marginal intensity measure different things."""
    sig = {r: f.signal for r, f in fcs.items()}
    if len(set(sig.values())) > 1:
        listed = ", ".join(f"{r}: {s}" for r, s in sig.items())
        raise UsageError(f"the regions' forecasts give different signals ({listed}); compare regions on one signal "
                         "(all average, or all marginal)")


def _no_forecast(fcs: Mapping[str, Forecast | NoForecast]) -> tuple[str, ...]:
    """Why there is no plan, and the recommendation: stale history says how old it is."""
    miss = [f for f in fcs.values() if isinstance(f, NoForecast)]
    stale = [f for f in miss if f.data_age_s is not None]
    if stale and len(stale) == len(miss):
        from .forecast import days_old

        age = min(f.data_age_s for f in stale)  # type: ignore[type-var]
        return (f"no usable forecast (newest data {days_old(age)} old): start now",) + tuple(f.reason for f in stale)
    return (f"no forecast available ({'; '.join(f.reason for f in miss)}); recommendation: run now",)


def schedule(duration: Any = None, within: Any = None, *, by: Any = None, region: str | None = None,
             regions: Sequence[str] | str | None = None, forecast: Any = None, pause_resume: bool = False,
             min_run: Any = None, max_pauses: int | None = None, idle_w: float = 0.0, power_w: float | None = None,
             like: str | None = None, store: str | None = None, now: Any = None, persistence: str = "1d",
             profile: Profile | None = None, at: Any = None, flex: Any = None, max_age: Any = None,
             track_record: bool = True) -> Schedule:
    """Plan a job of ``duration`` to start within ``within`` (or finish ``by``), in the cleanest of ``regions``.

    ``forecast``: a series file or directory, a provider name, a Series, or a mapping region ->
    any of those. No usable forecast gives a Schedule with ``available=False`` that recommends
    running now (it never waits on a missing credential, nor on history older than ``max_age``,
    default 2 days). ``at``/``flex``: a recurring job's run, anywhere within +-flex of its usual
    start ``at``, against running at ``at``. ``track_record``: a plan on a persistence forecast
    says how often such plans beat starting now in the zone's replayed history.
    """
    from .forecast import MAX_AGE_S

    t_now = _ts(now, "--now") if now is not None else time.time()
    if profile is None and like:
        from .profile import from_run

        profile = from_run(like, store)
    job = _job(t_now, duration, within, by, at, flex, pause_resume, min_run, max_pauses, idle_w, power_w, profile)
    known = explicit_regions(forecast) | _dir_regions(forecast)
    ids = _regions(region, regions, known)
    here = ids[0]
    fmap = _forecast_map(forecast, ids)
    age = MAX_AGE_S if max_age is None else _secs(max_age, "maximum forecast age")
    fcs = {r: load(fmap[r], r, t_now, job.end - t_now, persistence_period=persistence, max_age_s=age) for r in ids}
    D = job.duration_s
    base_kw = dict(policy=job.policy, duration_s=D, window_s=job.window_s, planned_at=t_now, baseline_region=here,
                   idle_w=job.idle_w, min_run_s=job.min_run_s, max_pauses=job.max_pauses, profile=job.profile.source,
                   power_w=job.profile.mean_power_w, power_assumed=job.profile.assumed, deadline=job.deadline,
                   nominal=job.nominal, flex_s=job.flex_s)
    now_kw = dict(region=here, start=job.baseline_start, end=job.baseline_start + D,
                  slots=((job.baseline_start, job.baseline_start + D),), emissions_g=None, baseline_emissions_g=None,
                  available=False, **{**base_kw, "policy": "now"})
    usable = {r: f for r, f in fcs.items() if isinstance(f, Forecast)}
    if not usable:
        return Schedule(notes=_no_forecast(fcs), **now_kw)
    _one_signal(usable)
    plans: list[RegionPlan] = []
    notes: list[str] = []
    baseline = None
    for r in ids:
        f = fcs[r]
        if isinstance(f, NoForecast):
            plans.append(RegionPlan(r, None, None, (), None, reason=f.reason))
            notes.append(f"{r}: {f.reason}")
            continue
        rp, base, more = _plan_region(r, f, job, len(ids) > 1)
        plans.append(rp)
        notes.extend(more)
        if r == here:
            baseline = base
    ok = [p for p in plans if p.emissions_g is not None]
    if not ok:
        reasons = "; ".join(f"{p.region}: {p.reason}" for p in plans)
        return Schedule(forecast=usable.get(here) or next(iter(usable.values())),
                        notes=(f"cannot plan ({reasons}); recommendation: run now",), **now_kw)
    best = min(ok, key=lambda p: (p.emissions_g, ids.index(p.region)))
    if baseline is None:
        notes.append(f"no baseline: no usable forecast for {here} over the {span(D)} from {iso(job.baseline_start)}")
    fc = fcs[best.region]
    record = None
    if track_record and fc.method.startswith("persistence") and fc.history is not None:  # type: ignore[union-attr]
        from .replay import track_record as replay_record

        record = replay_record(fc.history, job, fc.method.split("-", 1)[1])  # type: ignore[union-attr]
        if record is not None:
            notes.append(record["note"])
    return Schedule(region=best.region, start=best.start, end=best.end, slots=best.slots, emissions_g=best.emissions_g,
                    baseline_emissions_g=baseline, idle_g=best.idle_g, forecast=fc,  # type: ignore[arg-type]
                    notes=tuple(dict.fromkeys(notes)), alternatives=tuple(plans) if len(ids) > 1 else (),
                    track_record=record, **base_kw)


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
