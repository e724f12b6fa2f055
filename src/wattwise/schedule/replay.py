"""Replay history: what Flexible Start, Pause & Resume and region choice would have saved.

As Dodge et al. (2022, §4) did with WattTime 2020: for each start time in a historical
series (every interval, or a sample such as 5 per month), plan with perfect knowledge of the
series (an oracle, so an upper bound on what a forecast achieves), and compare with starting
at once. Start times lie on the series' own grid, so each replayed plan is the one the planner
(``windows``) returns at that time; a test checks that they agree.

Two engines give identical results: a NumPy one (used when NumPy is installed; the
whole-year replays run in well under a second) and a pure-Python one (sliding-window
minimum for Flexible Start, a sorted sliding window for Pause & Resume).
"""
from __future__ import annotations

import bisect
import calendar
import math
import random
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ..errors import UsageError
from ..series import Series, read_series
from ..units import format_duration, iso, parse_duration
from .grid import Dense, densify, resample

DODGE_WINDOWS = ("6h", "12h", "18h", "24h", "25%", "50%", "75%", "100%")
POLICIES = ("flexible-start", "pause-resume")
REGION_POLICIES = ("region", "region+flexible-start", "region+pause-resume")


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


# -- inputs --------------------------------------------------------------------------------
def load_regions(series: Any, column: str | None = None) -> dict[str, Dense]:
    """Region -> Dense from a path (file, one-zone directory, or a directory of per-zone folders),
    a list of paths, a Series, or a mapping region -> any of those."""
    from .forecast import dir_regions

    out: dict[str, Dense] = {}

    def add(name: str | None, s: Series) -> None:
        key = name or s.zone or s.source
        out[key] = densify(s)

    if isinstance(series, Mapping):
        for k, v in series.items():
            add(str(k), v if isinstance(v, Series) else read_series(v, column=column))
        return out
    if isinstance(series, Series):
        add(None, series)
        return out
    items = [series] if isinstance(series, (str, Path)) else list(series)
    for it in items:
        if isinstance(it, Series):
            add(None, it)
            continue
        p = Path(it)
        if p.is_dir() and any(x.is_dir() for x in p.iterdir() if not x.name.startswith(".")):
            for zone, sub in dir_regions(p):
                add(zone, read_series(sub, column=column))
        else:
            add(None, read_series(p, column=column))
    if not out:
        raise UsageError("no series to replay")
    return out


def _span(d: Dense, start: float | None, end: float | None) -> Dense:
    a = d.t0 if start is None else max(d.t0, d.t0 + math.ceil((start - d.t0) / d.step - 1e-9) * d.step)
    b = d.end if end is None else min(d.end, end)
    i, j = int(round((a - d.t0) / d.step)), int(round((b - d.t0) / d.step))
    if j - i <= 0:
        raise UsageError(f"{d.source}: no data between {iso(start)} and {iso(end)} (series spans {iso(d.t0)} to {iso(d.end)})")
    filled = tuple((x, y) for x, y in d.filled if y > a and x < b)
    return Dense(a, d.step, d.v[i:j], filled, d.source, d.zone)


def _align(ds: dict[str, Dense]) -> dict[str, Dense]:
    """Common step and span for region choice (the finest step; the overlap of all spans)."""
    step = min(d.step for d in ds.values())
    ds = {k: resample(d, step) for k, d in ds.items()}
    a = max(d.t0 for d in ds.values())
    b = min(d.end for d in ds.values())
    if b - a < step:
        raise UsageError("the series do not overlap in time; region choice needs a common span")
    out = {}
    for k, d in ds.items():
        off = (a - d.t0) / step
        if abs(off - round(off)) > 1e-6:
            raise UsageError(f"{k}: its intervals are not aligned with the other regions' (offset {off % 1 * step:.0f} s)")
        out[k] = _span(d, a, b)
    return out


def _gap_mask(d: Dense) -> list[bool]:
    bad = [False] * len(d.v)
    for a, b in d.filled:
        i = max(0, int(round((a - d.t0) / d.step)))
        j = min(len(bad), int(round((b - d.t0) / d.step)))
        for k in range(i, j):
            bad[k] = True
    return bad


# -- engines -------------------------------------------------------------------------------
@dataclass
class Costs:
    """Per start index: baseline, Flexible Start and Pause & Resume costs (g/kWh * s per W), P&R chunks."""

    starts: list[int]
    base: list[float]
    fs: list[float]
    pr: list[float]
    chunks: list[int]


def _have_numpy() -> bool:
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def replay_costs(v: Sequence[float], step: float, duration_s: float, window_s: float, starts: Sequence[int],
                 engine: str = "auto") -> Costs:
    """Costs of the three plans for each start index (start = t0 + index*step)."""
    m = int(math.floor(duration_s / step + 1e-9))
    rho = duration_s - m * step
    if rho < 1e-3:
        rho = 0.0
    kmax = int(math.floor(window_s / step + 1e-9))
    nf = int(math.floor((duration_s + window_s) / step + 1e-9))
    lam = duration_s + window_s - nf * step
    extra = rho > 0 and lam >= rho - 1e-6
    if engine == "auto":
        engine = "numpy" if _have_numpy() else "python"
    if engine == "numpy":
        return _numpy_costs(v, step, m, rho, kmax, nf, extra, starts)
    return _python_costs(v, step, m, rho, kmax, nf, extra, starts)


def valid_starts(n: int, step: float, duration_s: float, window_s: float, gaps: Sequence[bool] | None = None) -> list[int]:
    """Start indices whose whole window [t, t + D + N) lies inside the series (and, if given, off gaps)."""
    need = int(math.ceil((duration_s + window_s) / step - 1e-9))
    last = n - need
    if last < 0:
        return []
    if not gaps or not any(gaps):
        return list(range(last + 1))
    pre = [0]
    for g in gaps:
        pre.append(pre[-1] + (1 if g else 0))
    return [t for t in range(last + 1) if pre[t + need] - pre[t] == 0]


def _python_costs(v, step, m, rho, kmax, nf, extra, starts) -> Costs:
    n = len(v)
    rf = rho / step
    # W[s]: a job started at s, in cell units (sum of m cells + rho share of the next)
    cum = [0.0]
    for x in v:
        cum.append(cum[-1] + x)
    ns = n - m - (1 if rho > 0 else 0) + 1
    W = [cum[s + m] - cum[s] + (rf * v[s + m] if rho > 0 else 0.0) for s in range(max(0, ns))]
    # sliding minimum of W over [t, t + kmax]: monotonic deque, earliest minimum kept
    want = set(starts)
    fs_at: dict[int, float] = {}
    dq: deque[int] = deque()
    last_t = max(starts) if starts else -1
    for s in range(min(len(W), last_t + kmax + 1)):
        while dq and W[dq[-1]] > W[s]:
            dq.pop()
        dq.append(s)
        t = s - kmax
        if t >= 0:
            while dq[0] < t:
                dq.popleft()
            if t in want:
                fs_at[t] = W[dq[0]]
    base, fs, pr, chunks = [], [], [], []
    win: list[float] = []
    lo = -1
    for t in starts:
        base.append(W[t])
        fs.append(fs_at[t])
        # sorted window of the nf cells from t (slides when starts are consecutive)
        if lo == t - 1 and win:
            win.pop(bisect.bisect_left(win, v[t - 1]))
            bisect.insort(win, v[t + nf - 1])
        else:
            win = sorted(v[t:t + nf])
        lo = t
        if m:
            theta = win[m - 1]
            cost = math.fsum(win[:m])
        else:
            theta = -math.inf
            cost = 0.0
        seg = v[t:t + nf]
        sel = [x <= theta for x in seg]
        if m and (m < nf and win[m] == theta):  # ties at the threshold: keep the earliest, as the planner does
            need_eq = m - bisect.bisect_left(win, theta)
            sel = []
            for x in seg:
                if x < theta:
                    sel.append(True)
                elif x == theta and need_eq > 0:
                    sel.append(True)
                    need_eq -= 1
                else:
                    sel.append(False)
        ch = sum(b and not a for a, b in zip([False] + sel, sel))
        if rho > 0:
            best, bx = math.inf, -1
            for i in range(nf):
                if not sel[i] and v[t + i] < best:
                    best, bx = v[t + i], i
            if extra and t + nf < n and v[t + nf] < best:
                best, bx = v[t + nf], nf
            cost += rf * best
            left = bx > 0 and sel[bx - 1]
            right = bx + 1 < nf and sel[bx + 1]
            if not (left or right):
                ch += 1
        pr.append(cost)
        chunks.append(ch)
    return Costs(list(starts), base, fs, pr, chunks)


def _numpy_costs(v, step, m, rho, kmax, nf, extra, starts) -> Costs:
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view as swv

    a = np.asarray(v, dtype=float)
    n = a.size
    T = np.asarray(starts, dtype=np.int64)
    rf = rho / step
    cum = np.concatenate(([0.0], np.cumsum(a)))
    ns = n - m - (1 if rho > 0 else 0) + 1
    s = np.arange(max(0, ns))
    W = cum[s + m] - cum[s]
    if rho > 0:
        W = W + rf * a[s + m]
    fs = swv(W, kmax + 1).min(axis=1)[T] if kmax > 0 else W[T]
    base = W[T]
    pr = np.empty(T.size)
    chunks = np.empty(T.size, dtype=np.int64)
    X_all = swv(a, nf)
    block = max(1, 2_000_000 // max(1, nf))
    for b0 in range(0, T.size, block):
        Tb = T[b0:b0 + block]
        X = X_all[Tb]
        if m:
            kth = [m - 1, m] if (rho > 0 and nf > m) else [m - 1]
            part = np.partition(X, kth, axis=1)
            theta = part[:, m - 1]
            cost = part[:, :m].sum(axis=1)
            sel = X <= theta[:, None]
            over = np.nonzero(np.count_nonzero(sel, axis=1) > m)[0]
            if over.size:  # ties at the threshold: keep the earliest, as the planner does
                Xo, th = X[over], theta[over][:, None]
                less, eq = Xo < th, Xo == th
                need = m - np.count_nonzero(less, axis=1)
                sel[over] = less | (eq & (np.cumsum(eq, axis=1) <= need[:, None]))
        else:
            cost = np.zeros(Tb.size)
            sel = np.zeros(X.shape, dtype=bool)
        ch = sel[:, 0].astype(np.int64) + np.count_nonzero(sel[:, 1:] & ~sel[:, :-1], axis=1)
        if rho > 0:
            masked = np.where(sel, np.inf, X)
            bx = masked.argmin(axis=1)
            best = masked[np.arange(Tb.size), bx]
            if extra:
                idx = Tb + nf
                ok = idx < n
                ev = np.where(ok, a[np.minimum(idx, n - 1)], np.inf)
                use = ev < best
                best = np.where(use, ev, best)
                bx = np.where(use, nf, bx)
            cost = cost + rf * best
            selp = np.concatenate([np.zeros((Tb.size, 1), bool), sel, np.zeros((Tb.size, 2), bool)], axis=1)
            r_ = np.arange(Tb.size)
            left = selp[r_, bx]  # sel[bx-1]
            right = np.where(bx + 1 < nf, selp[r_, bx + 2], False)
            ch = ch + (~(left | right)).astype(np.int64)
        pr[b0:b0 + block] = cost
        chunks[b0:b0 + block] = ch
    return Costs(list(starts), base.tolist(), fs.tolist(), pr.tolist(), chunks.tolist())


# -- statistics ----------------------------------------------------------------------------
def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def _clean(x: float) -> float:
    return 0.0 if abs(x) < 1e-7 else x  # rounding noise of sums taken in another order


def _stats(sav: list[float]) -> dict[str, float | None]:
    if not sav:
        return {k: None for k in ("mean_savings_pct", "median_savings_pct", "p10_savings_pct", "p90_savings_pct",
                                  "min_savings_pct", "max_savings_pct")}
    s = sorted(_clean(x) for x in sav)
    return {"mean_savings_pct": math.fsum(s) / len(s), "median_savings_pct": _pct(s, 0.5), "p10_savings_pct": _pct(s, 0.1),
            "p90_savings_pct": _pct(s, 0.9), "min_savings_pct": s[0], "max_savings_pct": s[-1]}


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

    def to_dict(self) -> dict[str, Any]:
        d = {"region": self.region, "strategy": self.strategy, "duration_s": self.duration_s, "window": self.window,
             "window_s": self.window_s, "starts": self.n, **self.stats, "pauses_per_hour": self.pauses_per_hour}
        return d


@dataclass(frozen=True)
class Simulation:
    rows: tuple[Row, ...]
    regions: tuple[str, ...]
    span: tuple[float, float]
    sample: str
    notes: tuple[str, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)

    def means(self) -> list[dict[str, Any]]:
        """Mean over regions per (strategy, duration, window): Dodge et al.'s table layout."""
        groups: dict[tuple, list[Row]] = {}
        for r in self.rows:
            groups.setdefault((r.strategy, r.duration_s, r.window), []).append(r)
        out = []
        for (st, d, w), rows in groups.items():
            ms = [r.stats["mean_savings_pct"] for r in rows if r.stats["mean_savings_pct"] is not None]
            ph = [r.pauses_per_hour for r in rows if r.pauses_per_hour is not None]
            out.append({"strategy": st, "duration_s": d, "window": w, "regions": len(ms),
                        "mean_savings_pct": (math.fsum(ms) / len(ms)) if ms else None,
                        "pauses_per_hour": (math.fsum(ph) / len(ph)) if ph else None})
        return out

    def to_dict(self) -> dict[str, Any]:
        by_region: dict[str, dict[str, Any]] = {}
        for r in self.rows:
            key = f"{r.strategy} {r.window} ({format_duration(r.duration_s)} job)"
            by_region.setdefault(r.region, {})[key] = {"mean_savings_pct": r.stats["mean_savings_pct"],
                                                       "pauses_per_hour": r.pauses_per_hour}
        return {"results": [r.to_dict() for r in self.rows], "mean_over_regions": self.means(), "by_region": by_region,
                "regions": list(self.regions), "span": {"start": iso(self.span[0]), "end": iso(self.span[1])},
                "sample": self.sample, "sources": self.sources,
                "method": "oracle replay (perfect knowledge of the series, as Dodge et al. 2022): an upper bound",
                "notes": list(self.notes)}


def _sample(starts: list[int], d: Dense, how: str, seed: int) -> list[int]:
    if how in ("all", "", None):
        return starts
    try:
        per = int(how.split("/")[0])
        assert how.endswith("/month") and per > 0
    except (ValueError, AssertionError):
        raise UsageError(f"invalid --sample '{how}'; use 'all' or N/month (e.g. 5/month, as Dodge et al.)") from None
    from datetime import datetime, timezone

    rng = random.Random(seed)
    months: dict[tuple[int, int], list[int]] = {}
    for t in starts:
        dt = datetime.fromtimestamp(d.t0 + t * d.step, timezone.utc)
        months.setdefault((dt.year, dt.month), []).append(t)
    out = []
    for k in sorted(months):
        pool = months[k]
        out.extend(sorted(rng.sample(pool, min(per, len(pool)))))
    return out


def simulate(series: Any, durations: Any, windows: Any = DODGE_WINDOWS, *, pause_resume: bool | None = None,
             policies: Iterable[str] | None = None, region_choice: bool = False, sample: str = "all", seed: int = 0,
             start: Any = None, end: Any = None, column: str | None = None, engine: str = "auto") -> Simulation:
    """Replay Flexible Start / Pause & Resume (and region choice) over historical series.

    ``durations`` and ``windows`` take lists or comma-separated strings ('6h,24h'; windows may
    be relative: '25%'). ``pause_resume=True`` replays only Pause & Resume, False only Flexible
    Start, None both. Savings are per start vs starting at once in the same region.
    """
    from .plan import _ts

    durs = [parse_duration(x, what="duration") if isinstance(x, str) else float(x) for x in parse_list(durations, lambda x: x)]
    if not durs:
        raise UsageError("no job duration; pass --duration D (e.g. 6h, or several: 1h,6h,24h)")
    if any(x <= 0 for x in durs):
        raise UsageError("durations must be > 0 (e.g. --duration 6h)")
    wins = parse_list(windows, parse_window)
    if not wins:
        raise UsageError("no window; pass --window W (e.g. 12h or 50%)")
    if policies is None:
        policies = POLICIES if pause_resume is None else (("pause-resume",) if pause_resume else ("flexible-start",))
    policies = tuple(policies)
    for p in policies:
        if p not in POLICIES:
            raise UsageError(f"unknown policy '{p}'; use {', '.join(POLICIES)}")
    t_start, t_end = _ts(start, "--from"), _ts(end, "--to")
    ds = load_regions(series, column=column)
    ds = {k: _span(d, t_start, t_end) for k, d in ds.items()}
    notes: list[str] = []
    if region_choice:
        if len(ds) < 2:
            raise UsageError("region choice needs at least two regions' series")
        ds = _align(ds)
    rows: list[Row] = []
    per_region: dict[str, dict] = {}
    for name, d in ds.items():
        gaps = _gap_mask(d)
        if any(gaps):
            notes.append(f"{name}: {sum(gaps)} interval(s) missing; starts whose window touches them are skipped")
        per_region[name] = {"d": d, "gaps": gaps}
    union_gaps = None
    if region_choice:  # a start counts only where every region's window is known
        union_gaps = [any(g) for g in zip(*(info["gaps"] for info in per_region.values()))]
    hours_of = 1 / 3600
    for D in durs:
        hours = D * hours_of
        for w in wins:
            N = w.for_duration(D)
            costs: dict[str, Costs] = {}
            for name, info in per_region.items():
                d = info["d"]
                st = valid_starts(len(d.v), d.step, D, N, union_gaps if region_choice else info["gaps"])
                st = _sample(st, d, sample, seed)
                if not st:
                    notes.append(f"{name}: series too short for a {format_duration(D)} job with a {w.label} window")
                    continue
                costs[name] = replay_costs(d.v, d.step, D, N, st, engine)
            best: dict[str, list[tuple[float, str]]] = {}
            if region_choice and costs and len(costs) == len(per_region):
                names = list(costs)
                for attr in ("base", "fs", "pr"):
                    cols = [getattr(costs[k], attr) for k in names]
                    best[attr] = [min(zip(vals, names)) for vals in zip(*cols)]
            for name, c in costs.items():
                sav = {p: [] for p in policies}
                for i in range(len(c.starts)):
                    b = c.base[i]
                    if b <= 0:
                        continue
                    if "flexible-start" in sav:
                        sav["flexible-start"].append(100 * (1 - c.fs[i] / b))
                    if "pause-resume" in sav:
                        sav["pause-resume"].append(100 * (1 - c.pr[i] / b))
                for p in policies:
                    pph = (math.fsum(c.chunks) / len(c.chunks) - 1) / hours if p == "pause-resume" and c.chunks else (
                        0.0 if p == "flexible-start" else None)
                    rows.append(Row(name, p, D, w.label, N, len(sav[p]), _stats(sav[p]), pph))
                if not best:
                    continue
                for rp, attr in (("region", "base"), ("region+flexible-start", "fs"), ("region+pause-resume", "pr")):
                    if rp != "region" and rp.split("+")[1] not in policies:
                        continue
                    s_list, pch = [], []
                    for i, (val, who) in enumerate(best[attr]):
                        b = c.base[i]
                        if b <= 0:
                            continue
                        s_list.append(100 * (1 - val / b))
                        if attr == "pr":
                            pch.append(costs[who].chunks[i])
                    pph = ((math.fsum(pch) / len(pch) - 1) / hours) if pch else (0.0 if attr != "pr" else None)
                    rows.append(Row(name, rp, D, w.label, N, len(s_list), _stats(s_list), pph))
    spans = [(d.t0, d.end) for d in ds.values()]
    span = (min(a for a, _ in spans), max(b for _, b in spans))
    return Simulation(tuple(rows), tuple(ds), span, sample, tuple(dict.fromkeys(notes)),
                      {k: d.source for k, d in ds.items()})
