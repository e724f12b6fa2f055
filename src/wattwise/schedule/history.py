"""Historical series for replays: loading per-region series, cutting spans, aligning regions,
finding gaps, and choosing start times (every interval, or N random ones per month)."""
from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import UsageError
from ..series import Series, read_series
from ..units import iso
from .forecast import signal_of
from .grid import Dense, densify, resample


def load_regions(series: Any, column: str | None = None) -> dict[str, Dense]:
    """Region -> Dense from a path (file, one-zone directory, or a directory of per-zone folders),
    a list of paths, a Series, or a mapping region -> any of those."""
    from .forecast import dir_regions

    out: dict[str, Dense] = {}

    def add(name: str | None, s: Series) -> None:
        key = name or s.zone or s.source
        d = densify(s)
        out[key] = Dense(d.t0, d.step, d.v, d.filled, d.source, d.zone, signal_of(s))

    if isinstance(series, Mapping):
        for k, v in series.items():
            if isinstance(v, Dense):
                out[str(k)] = v
            else:
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


def span(d: Dense, start: float | None, end: float | None) -> Dense:
    a = d.t0 if start is None else max(d.t0, d.t0 + math.ceil((start - d.t0) / d.step - 1e-9) * d.step)
    b = d.end if end is None else min(d.end, end)
    i, j = int(round((a - d.t0) / d.step)), int(round((b - d.t0) / d.step))
    if j - i <= 0:
        raise UsageError(f"{d.source}: no data between {iso(start)} and {iso(end)} (series spans {iso(d.t0)} to {iso(d.end)})")
    filled = tuple((x, y) for x, y in d.filled if y > a and x < b)
    return Dense(a, d.step, d.v[i:j], filled, d.source, d.zone, d.signal)


def align(ds: dict[str, Dense]) -> dict[str, Dense]:
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
        out[k] = span(d, a, b)
    return out


def gap_mask(d: Dense) -> list[bool]:
    bad = [False] * len(d.v)
    for a, b in d.filled:
        i = max(0, int(round((a - d.t0) / d.step)))
        j = min(len(bad), int(round((b - d.t0) / d.step)))
        for k in range(i, j):
            bad[k] = True
    return bad




def sample(starts: list[int], d: Dense, how: str, seed: int) -> list[int]:
    """Start indices: all, or N random ones per calendar month (Dodge et al. used 5)."""
    if how in ("all", "", None):
        return starts
    keep = set(sample_times([d.t0 + t * d.step for t in starts], how, seed))
    return [t for t in starts if d.t0 + t * d.step in keep]


def sample_times(times: list[float], how: str, seed: int) -> list[float]:
    """Start times: all, or N random ones per calendar month (UTC), reproducible with ``seed``."""
    if how in ("all", "", None):
        return times
    try:
        per = int(how.split("/")[0])
        assert how.endswith("/month") and per > 0
    except (ValueError, AssertionError):
        raise UsageError(f"invalid --sample '{how}'; use 'all' or N/month (e.g. 5/month, as Dodge et al.)") from None
    from datetime import datetime, timezone

    rng = random.Random(seed)
    months: dict[tuple[int, int], list[float]] = {}
    for t in times:
        dt = datetime.fromtimestamp(t, timezone.utc)
        months.setdefault((dt.year, dt.month), []).append(t)
    out = []
    for k in sorted(months):
        pool = months[k]
        out.extend(sorted(rng.sample(pool, min(per, len(pool)))))
    return out


def valid_starts(n: int, step: float, duration_s: float, window_s: float, gaps: Sequence[bool] | None = None,
                 history: int = 0) -> list[int]:
    """Start indices whose window [t, t + D + N) lies inside the series and off gaps, with ``history``
    intervals of data before t (a persistence forecast needs them)."""
    need = int(math.ceil((duration_s + window_s) / step - 1e-9))
    last = n - need
    if last < history:
        return []
    if not gaps or not any(gaps):
        return list(range(history, last + 1))
    pre = [0]
    for g in gaps:
        pre.append(pre[-1] + (1 if g else 0))
    return [t for t in range(history, last + 1) if pre[t + need] - pre[t - history] == 0]
