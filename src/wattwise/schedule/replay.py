"""Replay history: what Flexible Start, Pause & Resume and region choice would have saved.

As Dodge et al. (2022, §4) did with WattTime 2020: for each start time in a historical series
(every interval, or a sample such as 5 per month), plan, and compare with starting at once in
the same region. A recurring job (``daily="HH:MM", flex=W``) is planned once a day anywhere in
[nominal - W, nominal + W], known at nominal - W, and compared with running at nominal.

What a plan is made on (``forecast``, ``forecast_error``):
- the series itself: an oracle (Dodge et al.), an upper bound for any real forecast;
- the series with error: Gaussian, sigma = ``forecast_error`` x the series mean, one error per
  interval, drawn from ``seed`` (``seeds`` draws, pooled);
- wattwise's persistence forecast (``"persistence-1d"`` / ``"persistence-7d"``), made at each
  start from the data before it, exactly as ``wattwise schedule`` makes it.
Every plan is costed on the series (realised). A result gives the realised saving per start
(mean, spread) and in total (1 - total emissions / total baseline), what the plans claimed, and
the share of plans that emitted more than the baseline.

Starts on the series' grid with flat power and free pauses run in ``engine`` (NumPy when
installed, else pure Python; the two agree); a measured power profile, idle power or a daily
time off the grid are planned start by start with the planner itself (slower: sample them).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from ..errors import UsageError
from ..units import format_duration, iso, parse_duration
from . import engine as eng
from .grid import Dense
from .history import align, gap_mask, load_regions, sample_times, span, valid_starts
from .history import sample as sample_starts

DODGE_WINDOWS = ("6h", "12h", "18h", "24h", "25%", "50%", "75%", "100%")
POLICIES = ("flexible-start", "pause-resume")
REGION_POLICIES = ("region", "region+flexible-start", "region+pause-resume")
PERSISTENCE_STEPS = {"1d": 86400.0, "7d": 7 * 86400.0}
PLANNED_WARN = 20_000  # plans made one by one beyond which the command suggests sampling


@dataclass(frozen=True)
class Window:
    """A flexibility window: absolute seconds, or a fraction of the job's duration."""

    label: str
    seconds: float | None = None
    fraction: float | None = None

    def for_duration(self, d: float) -> float:
        return self.seconds if self.seconds is not None else d * float(self.fraction)  # type: ignore[arg-type]


def parse_window(text: Any) -> Window:
    if isinstance(text, Window):
        return text
    if isinstance(text, (int, float)):
        return Window(f"+{format_duration(float(text))}", seconds=float(text))
    s = str(text).strip().lstrip("+")
    if s.endswith("%"):
        try:
            f = float(s[:-1]) / 100
        except ValueError:
            raise UsageError(f"invalid window '{text}'; use a duration (6h) or a share of the job's duration (50%)") from None
        if f < 0:
            raise UsageError(f"invalid window '{text}': must be >= 0")
        return Window(f"+{s}", fraction=f)
    return Window(f"+{s}", seconds=parse_duration(s, what="window"))


def parse_list(values: Any, parse) -> list:
    if values is None:
        return []
    if isinstance(values, (str, int, float, Window)):
        values = [values]
    out = []
    for v in values:
        if isinstance(v, str):
            out.extend(parse(x) for x in v.split(",") if x.strip())
        else:
            out.append(parse(v))
    return out


# -- what the plans are made on --------------------------------------------------------------
@dataclass(frozen=True)
class ReplayForecast:
    kind: str = "oracle"  # oracle | error | persistence
    error: float = 0.0  # sigma as a share of the series mean
    period: str = "1d"
    seeds: int = 1

    @property
    def label(self) -> str:
        if self.kind == "error":
            return f"error {100 * self.error:g}%"
        return "oracle" if self.kind == "oracle" else f"persistence-{self.period}"


def replay_forecast(forecast: str | None = None, forecast_error: Any = None, seeds: int = 1) -> ReplayForecast:
    if forecast and forecast_error is not None:
        raise UsageError("--forecast and --forecast-error are two different forecasts; give one")
    if seeds < 1:
        raise UsageError(f"invalid --seeds {seeds}: give 1 or more")
    if forecast_error is not None:
        text = str(forecast_error).strip()
        try:
            err = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            raise UsageError(f"invalid --forecast-error '{forecast_error}'; give a share of the series mean, e.g. 5%") from None
        if not 0 <= err < 10 or math.isnan(err):
            raise UsageError(f"invalid --forecast-error '{forecast_error}'; give a share of the series mean, e.g. 5%")
        return ReplayForecast("error", err, seeds=seeds)
    if forecast in (None, "", "oracle"):
        return ReplayForecast()
    period = str(forecast).replace("persistence-", "").replace("persistence", "1d")
    if period not in PERSISTENCE_STEPS:
        raise UsageError(f"unknown --forecast '{forecast}'; use persistence-1d or persistence-7d (or none: an oracle)")
    return ReplayForecast("persistence", period=period)


def noisy(values: Sequence[float], error: float, seed: int) -> list[float]:
    """The series with one Gaussian error per interval (sigma = error x its mean), clipped at 0."""
    rng = random.Random(seed)
    sd = error * (math.fsum(values) / len(values))
    return [max(0.0, x + rng.gauss(0.0, sd)) for x in values]


def persistence_at(d: Dense, t: float, horizon_s: float, period: str) -> Dense:
    """The persistence forecast wattwise schedule would make at t from the data before it."""
    from .forecast import persistence

    k = int(math.floor((t - d.t0) / d.step + 1e-9))
    keep = int(round(PERSISTENCE_STEPS[period] / d.step)) + 1
    lo = max(0, k - keep)
    hist = Dense(d.t0 + lo * d.step, d.step, d.v[lo:k], (), d.source, d.zone, d.signal)
    return persistence(hist, t, horizon_s, period)


# -- costs per start ---------------------------------------------------------------------------
def _aligned(d: Dense, D: float, N: float, starts: list[int], fc: ReplayForecast, seed: int, engine: str) -> eng.Costs:
    g = eng.geometry(d.step, D, N)
    spec = None
    if fc.kind == "error":
        spec = ("series", noisy(d.v, fc.error, seed))
    elif fc.kind == "persistence":
        spec = ("persistence", int(round(PERSISTENCE_STEPS[fc.period] / d.step)))
    return eng.costs(d.v, g, starts, spec, engine)


def _planned(d: Dense, D: float, N: float, times: list[float], fc: ReplayForecast, seed: int, policies, plan_kw: dict,
             base_after: float = 0.0) -> eng.Costs:
    """Each start planned with the planner (any start time, power profile, idle power); grams."""
    from .windows import best_flexible_start, best_pause_resume, evaluate

    prof, idle_w = plan_kw["profile"], plan_kw.get("idle_w", 0.0)
    pr_kw = {k: v for k, v in plan_kw.items() if k in ("idle_w", "min_run_s", "max_pauses")}
    fd_all = d
    if fc.kind == "error":
        fd_all = Dense(d.t0, d.step, tuple(noisy(d.v, fc.error, seed)), d.filled, d.source, d.zone, d.signal)
    out = eng.Costs(list(times), [], [], [], [], [], [], [])
    for t in times:
        fd = persistence_at(d, t, D + N + d.step, fc.period) if fc.kind == "persistence" else fd_all
        b = t + base_after
        out.base.append(sum(evaluate(d, ((b, b + D),), prof)))
        out.base_f.append(sum(evaluate(fd, ((b, b + D),), prof)))
        for pol, real, claim in (("flexible-start", out.fs, out.fs_f), ("pause-resume", out.pr, out.pr_f)):
            if pol not in policies:
                real.append(math.nan)
                claim.append(math.nan)
                continue
            if pol == "flexible-start":
                p = best_flexible_start(fd, t, t + D + N, D, N, prof)
            else:
                p = best_pause_resume(fd, t, t + D + N, D, prof, **pr_kw)
            real.append(sum(evaluate(d, p.slots, prof, idle_w if pol == "pause-resume" else 0.0)))
            claim.append(p.total_g)
            if pol == "pause-resume":
                out.chunks.append(len(p.slots))
    return out


# -- statistics ----------------------------------------------------------------------------
STAT_KEYS = ("mean_savings_pct", "median_savings_pct", "p10_savings_pct", "p90_savings_pct", "min_savings_pct",
             "max_savings_pct", "total_savings_pct", "claimed_mean_savings_pct", "claimed_total_savings_pct",
             "worse_than_now_pct", "better_than_now_pct")


def _pct(xs: list[float], q: float) -> float:
    k = (len(xs) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def summary(plan, base, plan_f, base_f) -> dict[str, float | None]:
    """Savings statistics over starts: realised (plan vs base, on the series) and claimed (on the forecast)."""
    if eng.have_numpy():
        return _summary_np(plan, base, plan_f, base_f)
    keep = [i for i, b in enumerate(base) if b > 0 and base_f[i] > 0]
    if not keep:
        return {k: None for k in STAT_KEYS}
    sav = sorted(_clean(100 * (1 - plan[i] / base[i])) for i in keep)
    claim = [100 * (1 - plan_f[i] / base_f[i]) for i in keep]
    tot_b, tot_p = math.fsum(base[i] for i in keep), math.fsum(plan[i] for i in keep)
    tot_bf, tot_pf = math.fsum(base_f[i] for i in keep), math.fsum(plan_f[i] for i in keep)
    worse = sum(1 for i in keep if plan[i] > base[i] * (1 + 1e-9))
    wins = sum(1 for i in keep if plan[i] < base[i] * (1 - 1e-9))
    return {"mean_savings_pct": math.fsum(sav) / len(sav), "median_savings_pct": _pct(sav, 0.5),
            "p10_savings_pct": _pct(sav, 0.1), "p90_savings_pct": _pct(sav, 0.9), "min_savings_pct": sav[0],
            "max_savings_pct": sav[-1], "total_savings_pct": _clean(100 * (1 - tot_p / tot_b)),
            "claimed_mean_savings_pct": math.fsum(claim) / len(claim),
            "claimed_total_savings_pct": _clean(100 * (1 - tot_pf / tot_bf)), "worse_than_now_pct": 100 * worse / len(keep),
            "better_than_now_pct": 100 * wins / len(keep)}


def _summary_np(plan, base, plan_f, base_f) -> dict[str, float | None]:
    import numpy as np

    p, b, pf, bf = (np.asarray(x, dtype=float) for x in (plan, base, plan_f, base_f))
    ok = (b > 0) & (bf > 0)
    if not ok.any():
        return {k: None for k in STAT_KEYS}
    p, b, pf, bf = p[ok], b[ok], pf[ok], bf[ok]
    sav = 100 * (1 - p / b)
    sav[np.abs(sav) < 1e-7] = 0.0
    q = np.percentile(sav, [50, 10, 90])
    claim = 100 * (1 - pf / bf)
    return {"mean_savings_pct": float(sav.mean()), "median_savings_pct": float(q[0]), "p10_savings_pct": float(q[1]),
            "p90_savings_pct": float(q[2]), "min_savings_pct": float(sav.min()), "max_savings_pct": float(sav.max()),
            "total_savings_pct": _clean(float(100 * (1 - p.sum() / b.sum()))),
            "claimed_mean_savings_pct": float(claim.mean()),
            "claimed_total_savings_pct": _clean(float(100 * (1 - pf.sum() / bf.sum()))),
            "worse_than_now_pct": float(100 * np.count_nonzero(p > b * (1 + 1e-9)) / p.size),
            "better_than_now_pct": float(100 * np.count_nonzero(p < b * (1 - 1e-9)) / p.size)}


def _clean(x: float) -> float:
    return 0.0 if abs(x) < 1e-7 else x  # rounding noise of sums taken in another order


@dataclass(frozen=True)
class Row:
    region: str
    strategy: str
    duration_s: float
    window: str
    window_s: float
    n: int
    stats: dict[str, float | None]
    pauses_per_hour: float | None
    forecast: str = "oracle"
    seeds: int = 1

    def to_dict(self) -> dict[str, Any]:
        d = {"region": self.region, "strategy": self.strategy, "duration_s": self.duration_s, "window": self.window,
             "window_s": self.window_s, "starts": self.n, **self.stats, "pauses_per_hour": self.pauses_per_hour,
             "forecast": self.forecast, "seeds": self.seeds}
        c, m = self.stats.get("claimed_mean_savings_pct"), self.stats.get("mean_savings_pct")
        d["claimed_minus_realised_pct"] = None if c is None or m is None else c - m
        return d


@dataclass(frozen=True)
class Simulation:
    rows: tuple[Row, ...]
    regions: tuple[str, ...]
    span: tuple[float, float]
    sample: str
    notes: tuple[str, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)
    forecast: str = "oracle"
    daily: str | None = None
    signal: str | None = "average"

    def means(self) -> list[dict[str, Any]]:
        """Mean over regions per (strategy, duration, window): Dodge et al.'s table layout."""
        groups: dict[tuple, list[Row]] = {}
        for r in self.rows:
            groups.setdefault((r.strategy, r.duration_s, r.window), []).append(r)
        out = []
        for (st, d, w), rows in groups.items():
            m: dict[str, Any] = {"strategy": st, "duration_s": d, "window": w}
            for k in ("mean_savings_pct", "total_savings_pct", "claimed_mean_savings_pct", "worse_than_now_pct"):
                xs = [r.stats[k] for r in rows if r.stats.get(k) is not None]
                m[k] = math.fsum(xs) / len(xs) if xs else None  # type: ignore[arg-type]
            m["regions"] = len([r for r in rows if r.stats["mean_savings_pct"] is not None])
            ph = [r.pauses_per_hour for r in rows if r.pauses_per_hour is not None]
            m["pauses_per_hour"] = math.fsum(ph) / len(ph) if ph else None
            out.append(m)
        return out

    def to_dict(self) -> dict[str, Any]:
        by_region: dict[str, dict[str, Any]] = {}
        for r in self.rows:
            key = f"{r.strategy} {r.window} ({format_duration(r.duration_s)} job)"
            by_region.setdefault(r.region, {})[key] = {"mean_savings_pct": r.stats["mean_savings_pct"],
                                                       "total_savings_pct": r.stats["total_savings_pct"],
                                                       "pauses_per_hour": r.pauses_per_hour}
        how = ("oracle replay (perfect knowledge of the series, as Dodge et al. 2022): an upper bound"
               if self.forecast == "oracle" else
               f"plans made on a forecast ({self.forecast}), costed on the series (realised)")
        return {"results": [r.to_dict() for r in self.rows], "mean_over_regions": self.means(), "by_region": by_region,
                "regions": list(self.regions), "span": {"start": iso(self.span[0]), "end": iso(self.span[1])},
                "sample": self.sample, "sources": self.sources, "forecast": self.forecast, "daily": self.daily,
                "signal": self.signal, "method": how, "notes": list(self.notes)}


# -- the replay ----------------------------------------------------------------------------
def _daily_times(d: Dense, hhmm: str, flex: float, D: float, gaps: list[bool], history_s: float) -> list[float]:
    """Each day's window opening (nominal - flex) whose window lies in the series, off gaps."""
    try:
        h, m = (int(x) for x in hhmm.split(":"))
        assert 0 <= h < 24 and 0 <= m < 60
    except (ValueError, AssertionError):
        raise UsageError(f"invalid --daily '{hhmm}'; give the job's usual start as HH:MM (UTC), e.g. 02:00") from None
    day0 = math.floor(d.t0 / 86400) * 86400
    out = []
    t = day0 + h * 3600 + m * 60 - flex
    while t + 2 * flex + D <= d.end + 1e-6:
        if t - history_s >= d.t0 - 1e-6:
            i = int(math.floor((t - history_s - d.t0) / d.step + 1e-9))
            j = int(math.ceil((t + 2 * flex + D - d.t0) / d.step - 1e-9))
            if not any(gaps[max(0, i):j]):
                out.append(t)
        t += 86400
    return out


def _costs_for(d: Dense, gaps, D: float, N: float, fc: ReplayForecast, seed: int, how: dict) -> eng.Costs | None:
    hist_s = PERSISTENCE_STEPS[fc.period] if fc.kind == "persistence" else 0.0
    if how["daily"]:
        times = sample_times(_daily_times(d, how["daily"], how["flex"], D, gaps, hist_s), how["sample"], how["seed"])
        return _planned(d, D, N, times, fc, seed, how["policies"], how["plan_kw"], base_after=how["flex"]) if times else None
    hist = int(round(hist_s / d.step))
    st = valid_starts(len(d.v), d.step, D, N, how["gaps"] if how["gaps"] is not None else gaps, hist)
    st = sample_starts(st, d, how["sample"], how["seed"])
    if not st:
        return None
    if how["planner"]:
        return _planned(d, D, N, [d.t0 + t * d.step for t in st], fc, seed, how["policies"], how["plan_kw"])
    return _aligned(d, D, N, st, fc, seed, how["engine"])


def simulate(series: Any, durations: Any, windows: Any = DODGE_WINDOWS, *, pause_resume: bool | None = None,
             policies: Iterable[str] | None = None, region_choice: bool = False, sample: str = "all", seed: int = 0,
             start: Any = None, end: Any = None, column: str | None = None, engine: str = "auto",
             forecast: str | None = None, forecast_error: Any = None, seeds: int = 1, daily: str | None = None,
             flex: Any = None, profile: Any = None, idle_w: float = 0.0, min_run: Any = None,
             max_pauses: int | None = None) -> Simulation:
    """Replay Flexible Start / Pause & Resume (and region choice) over historical series.

    ``durations`` and ``windows`` take lists or comma-separated strings ('6h,24h'; windows may
    be relative: '25%'). ``pause_resume=True`` replays only Pause & Resume, False only Flexible
    Start, None both. ``daily='02:00', flex='3h'``: one job a day within +-3 h of 02:00 UTC,
    against running at 02:00 (``windows`` are then ignored). ``profile`` (a Profile), ``idle_w``,
    ``min_run``, ``max_pauses``: as ``wattwise.schedule``. See the module docstring for forecasts.
    """
    from .plan import _secs, _ts, span as fmt
    from .profile import Profile

    durs = [parse_duration(x, what="duration") if isinstance(x, str) else float(x) for x in parse_list(durations, lambda x: x)]
    if not durs and profile is not None:
        durs = [profile.duration_s]
    if not durs:
        raise UsageError("no job duration; pass --duration D (e.g. 6h, or several: 1h,6h,24h)")
    if any(x <= 0 for x in durs):
        raise UsageError("durations must be > 0 (e.g. --duration 6h)")
    if daily is None and flex is not None:
        raise UsageError("--flex W goes with --daily HH:MM (one job a day within +-W of that time)")
    flex_s = _secs(flex, "flex") if daily is not None else None
    if daily is not None and flex_s is None:
        raise UsageError("--daily HH:MM needs --flex W: how far the start may move either way, e.g. --flex 3h")
    wins = [Window(f"±{fmt(flex_s)}", seconds=2 * flex_s)] if daily is not None else parse_list(windows, parse_window)
    if not wins:
        raise UsageError("no window; pass --window W (e.g. 12h or 50%)")
    if policies is None:
        policies = POLICIES if pause_resume is None else (("pause-resume",) if pause_resume else ("flexible-start",))
    policies = tuple(policies)
    for p in policies:
        if p not in POLICIES:
            raise UsageError(f"unknown policy '{p}'; use {', '.join(POLICIES)}")
    if (idle_w or min_run or max_pauses is not None) and "pause-resume" not in policies:
        raise UsageError("--idle-w applies to pause & resume; drop --flexible-start")
    if idle_w is not None and idle_w < 0:
        raise UsageError(f"invalid --idle-w {idle_w!r}: give the power drawn while paused in W (>= 0)")
    fc = replay_forecast(forecast, forecast_error, seeds)
    ds = load_regions(series, column=column)
    t_start, t_end = _ts(start, "--from"), _ts(end, "--to")
    ds = {k: span(d, t_start, t_end) for k, d in ds.items()}
    notes: list[str] = []
    signals = {d.signal for d in ds.values()}
    if region_choice:
        if len(ds) < 2:
            raise UsageError("region choice needs at least two regions' series")
        if len(signals) > 1:
            raise UsageError("region choice compares regions on one signal; these series mix average and marginal intensity")
        ds = align(ds)
    planner = daily is not None or bool(idle_w) or bool(min_run) or max_pauses is not None or (
        profile is not None and getattr(profile, "flat_w", None) is None)
    how = dict(daily=daily, flex=flex_s or 0.0, sample=sample, seed=seed, policies=policies, engine=engine, planner=planner,
               gaps=None, plan_kw=dict(profile=profile, idle_w=float(idle_w or 0.0), min_run_s=_secs(min_run, "minimum run"),
                                       max_pauses=max_pauses))
    per_region = {}
    for name, d in ds.items():
        gaps = gap_mask(d)
        if any(gaps):
            notes.append(f"{name}: {sum(gaps)} interval(s) missing; starts whose window touches them are skipped")
        per_region[name] = (d, gaps)
    if region_choice:  # a start counts only where every region's window is known
        how["gaps"] = [any(g) for g in zip(*(g for _, g in per_region.values()))]
    rows: list[Row] = []
    for D in durs:
        how["plan_kw"]["profile"] = (profile.stretched(D) if profile is not None else Profile.flat(1000.0, D))
        for w in wins:
            N = w.for_duration(D)
            runs = [_replay_one(per_region, D, N, fc, seed + k, how, notes, w) for k in range(fc.seeds)]
            rows.extend(_rows(runs, per_region, D, w, N, fc, policies, region_choice))
    if planner:
        notes.append("planned start by start with the planner (a measured profile, idle power, or a daily job)")
    spans = [(d.t0, d.end) for d in ds.values()]
    return Simulation(tuple(rows), tuple(ds), (min(a for a, _ in spans), max(b for _, b in spans)),
                      sample if daily is None or sample != "all" else "daily", tuple(dict.fromkeys(notes)),
                      {k: d.source for k, d in ds.items()}, fc.label, daily,
                      signals.pop() if len(signals) == 1 else "mixed")


def _replay_one(per_region, D, N, fc, seed, how, notes, w) -> dict[str, eng.Costs]:
    out = {}
    for name, (d, gaps) in per_region.items():
        c = _costs_for(d, gaps, D, N, fc, seed, how)
        if c is None:
            notes.append(f"{name}: series too short for a {format_duration(D)} job with a {w.label} window"
                         + (" and a persistence forecast" if fc.kind == "persistence" else ""))
            continue
        out[name] = c
    return out


def _rows(runs: list[dict[str, eng.Costs]], per_region, D: float, w: Window, N: float, fc: ReplayForecast, policies,
          region_choice: bool) -> list[Row]:
    """Rows per region and strategy, pooling the seeds."""
    hours = D / 3600
    rows = []
    names = [n for n in per_region if all(n in r for r in runs)]
    attr = {"flexible-start": ("fs", "fs_f"), "pause-resume": ("pr", "pr_f")}
    for name in names:
        for p in policies:
            a, af = attr[p]
            plan, base, plan_f, base_f, ch = _pool(runs, name, a, af)
            pph = (math.fsum(ch) / len(ch) - 1) / hours if p == "pause-resume" and len(ch) else (
                0.0 if p == "flexible-start" else None)
            rows.append(Row(name, p, D, w.label, N, len(plan) // len(runs), summary(plan, base, plan_f, base_f), pph,
                            fc.label, fc.seeds))
        if region_choice and len(names) == len(per_region) and len(names) > 1:
            rows.extend(_region_rows(runs, names, name, D, w, N, fc, policies, hours))
    return rows


def _pool(runs, name, a: str, af: str):
    """One region's per-start costs over the seeds, joined (arrays stay arrays)."""
    cs = [r[name] for r in runs]
    cols = [[getattr(c, k) for c in cs] for k in (a, "base", af, "base_f")] + [[c.chunks for c in cs] if a == "pr" else []]
    if len(cs) == 1:
        return tuple(x[0] if x else [] for x in cols)
    if eng.have_numpy():
        import numpy as np

        return tuple(np.concatenate([np.asarray(y) for y in x]) if x else [] for x in cols)
    return tuple([v for y in x for v in y] for x in cols)


def _region_rows(runs, names, here: str, D, w, N, fc, policies, hours) -> list[Row]:
    """Region choice: per start, the region whose plan the forecast rates cheapest, against starting now here."""
    out = []
    for rp, a, af in (("region", "base", "base_f"), ("region+flexible-start", "fs", "fs_f"),
                      ("region+pause-resume", "pr", "pr_f")):
        if rp != "region" and rp.split("+")[1] not in policies:
            continue
        plan, base, plan_f, base_f, ch = [], [], [], [], []
        for r in runs:
            cols = [getattr(r[k], af) for k in names]
            real = [getattr(r[k], a) for k in names]
            for i in range(len(r[here].base)):
                j = min(range(len(names)), key=lambda k: (cols[k][i], k))
                plan.append(real[j][i])
                plan_f.append(cols[j][i])
                base.append(r[here].base[i])
                base_f.append(r[here].base_f[i])
                if a == "pr":
                    ch.append(r[names[j]].chunks[i])
        pph = ((math.fsum(ch) / len(ch) - 1) / hours) if ch else (0.0 if a != "pr" else None)
        out.append(Row(here, rp, D, w.label, N, len(plan) // len(runs), summary(plan, base, plan_f, base_f), pph,
                       fc.label, fc.seeds))
    return out


# -- a persistence plan's track record ---------------------------------------------------------
def track_record(history: Dense, job, period: str, days: int = 365) -> dict[str, Any] | None:
    """How plans like ``job`` on a persistence forecast did in the last ``days`` of ``history``:
    replayed with the same policy, duration and window, costed on what happened. None when the
    history is too short. Flat power with free pauses replays every start; otherwise (a measured
    profile, idle power, constraints) 5 starts a month, planned one by one."""
    if job.policy == "now":
        return None
    lo = max(0, len(history.v) - int(days * 86400 / history.step))
    d = Dense(history.t0 + lo * history.step, history.step, history.v[lo:], (), history.source, history.zone,
              history.signal)
    pol = "pause-resume" if job.policy == "pause-resume" else "flexible-start"
    flat_free = job.profile.flat_w is not None and job.nominal is None and (
        pol == "flexible-start" or (not job.idle_w and not job.min_run_s and job.max_pauses is None))
    kw = dict(policies=(pol,), forecast=f"persistence-{period}", profile=job.profile, sample="all" if flat_free else "5/month")
    if pol == "pause-resume":
        kw.update(idle_w=job.idle_w, min_run=job.min_run_s, max_pauses=job.max_pauses)
    if job.nominal is not None:
        from datetime import datetime, timezone

        kw.update(daily=datetime.fromtimestamp(job.nominal, timezone.utc).strftime("%H:%M"), flex=job.flex_s or 0.0)
    try:
        sim = simulate({d.zone or "history": d}, [job.duration_s], [job.window_s], **kw)  # type: ignore[arg-type]
    except UsageError:
        return None
    row = next((r for r in sim.rows if r.strategy == pol and r.n), None)
    if row is None:
        return None
    st = row.stats
    zone = d.zone or "this zone"
    note = (f"track record: {pol} plans on a {period} persistence forecast emitted less than starting now in "
            f"{st['better_than_now_pct']:.0f} % of {row.n} replayed starts in {zone}'s last {(d.end - d.t0) / 86400:.0f} "
            f"days of history (more in {st['worse_than_now_pct']:.0f} %); they claimed {st['claimed_mean_savings_pct']:.1f} % "
            f"less on average and realised {st['mean_savings_pct']:.1f} %")
    return {"forecast": f"persistence-{period}", "policy": pol, "starts": row.n, "beat_now_pct": st["better_than_now_pct"],
            "worse_than_now_pct": st["worse_than_now_pct"], "claimed_mean_savings_pct": st["claimed_mean_savings_pct"],
            "realised_mean_savings_pct": st["mean_savings_pct"], "realised_total_savings_pct": st["total_savings_pct"],
            "span": {"start": iso(d.t0), "end": iso(d.end)}, "sample": kw["sample"], "note": note}
