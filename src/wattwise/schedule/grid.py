"""A forecast as a dense, gap-free grid, and the planning cells cut from it.

Planning needs the intensity integral over arbitrary spans in O(1): a ``Dense`` series holds
one value per step from ``t0`` with prefix sums. Gaps in the input are filled by linear
interpolation between the known neighbours and reported (a plan never silently invents a
value). ``cut`` splits a planning window at the forecast's interval boundaries: inside each
cell the intensity is constant, which is what makes the planner exact in continuous time.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import UsageError
from ..series import Series

EPS = 1e-6
ALIGN_EPS = 1e-3  # s: a planning time this close to a forecast boundary is on it


@dataclass(frozen=True)
class Dense:
    """Values ``v[i]`` hold on [t0 + i*step, t0 + (i+1)*step); ``filled`` lists interpolated spans."""

    t0: float
    step: float
    v: tuple[float, ...]
    filled: tuple[tuple[float, float], ...] = ()
    source: str = ""
    zone: str | None = None
    signal: str = "average"  # average | marginal, from the source (a plan says which it optimised)
    _cum: tuple[float, ...] = field(default=(), repr=False, compare=False)

    @property
    def end(self) -> float:
        return self.t0 + self.step * len(self.v)

    def cum(self) -> tuple[float, ...]:
        if not self._cum:
            acc, out = 0.0, [0.0]
            for x in self.v:
                acc += x * self.step
                out.append(acc)
            object.__setattr__(self, "_cum", tuple(out))
        return self._cum

    def _F(self, x: float) -> float:
        """Integral of intensity (g/kWh * s) from t0 to x, x clamped to the grid."""
        c = self.cum()
        u = (x - self.t0) / self.step
        if u <= 0:
            return 0.0
        n = len(self.v)
        if u >= n:
            return c[n]
        i = int(u)
        return c[i] + self.v[i] * (x - (self.t0 + i * self.step))

    def integral(self, a: float, b: float) -> float:
        """Integral of intensity over [a, b) in g/kWh * s (clamped to the grid)."""
        return self._F(b) - self._F(a) if b > a else 0.0

    def mean(self, a: float, b: float) -> float:
        if b - a <= EPS:
            return self.value_at(a)
        return self.integral(a, b) / (b - a)

    def value_at(self, x: float) -> float:
        i = min(len(self.v) - 1, max(0, int(math.floor((x - self.t0) / self.step + 1e-9))))
        return self.v[i]


def densify(s: Series) -> Dense:
    """Put a Series on a regular grid; fill gaps by linear interpolation (recorded in ``filled``)."""
    if len(s) == 0:
        raise UsageError(f"{s.source}: the series is empty")
    step = float(s.resolution_s)
    t0 = s.t[0]
    n = int(round((s.t[-1] - t0) / step)) + 1
    vals: list[float | None] = [None] * n
    for t, g in zip(s.t, s.g):
        vals[int(round((t - t0) / step))] = g
    filled: list[tuple[float, float]] = []
    i = 0
    while i < n:
        if vals[i] is not None:
            i += 1
            continue
        j = i
        while vals[j] is None:
            j += 1
        a, b = vals[i - 1], vals[j]  # both exist: the first and last points are known
        for k in range(i, j):
            w = (k - i + 1) / (j - i + 1)
            vals[k] = a + (b - a) * w
        filled.append((t0 + i * step, t0 + j * step))
        i = j
    return Dense(t0, step, tuple(vals), tuple(filled), s.source, s.zone, s.signal)  # type: ignore[arg-type]


def resample(d: Dense, step: float) -> Dense:
    """The same series on another step (time-weighted means), aligned to d.t0."""
    if abs(step - d.step) < EPS:
        return d
    n = int(math.floor((d.end - d.t0) / step + 1e-9))
    v = tuple(d.mean(d.t0 + k * step, d.t0 + (k + 1) * step) for k in range(n))
    return Dense(d.t0, step, v, d.filled, d.source, d.zone, d.signal)


@dataclass(frozen=True)
class Cells:
    """The window [now, end) cut at the forecast's interval boundaries: cell k spans
    [starts[k], starts[k] + lengths[k]) at the constant intensity ``mean[k]``. The first and
    last cells are shorter than ``step`` when ``now`` or ``end`` fall inside an interval."""

    now: float
    end: float
    step: float
    starts: tuple[float, ...]
    lengths: tuple[float, ...]
    mean: tuple[float, ...]  # g/kWh over the cell

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def cuts(self) -> tuple[float, ...]:
        """The cut points: every cell's start, then ``end``."""
        return self.starts + (self.end,)


def next_boundary(d: Dense, now: float) -> float:
    """The first forecast interval boundary at or after ``now`` (``now`` itself within ALIGN_EPS)."""
    u = (now - d.t0) / d.step
    k = math.floor(u + ALIGN_EPS / d.step)
    if now - (d.t0 + k * d.step) <= ALIGN_EPS:
        return now
    return d.t0 + (k + 1) * d.step


def cut(d: Dense, now: float, end: float) -> Cells:
    """[now, end) cut at the forecast's boundaries (a planning time within a millisecond of a
    boundary counts as on it, so no millisecond-long first cell appears)."""
    step = d.step
    b = next_boundary(d, now)
    pts = [now]
    x = b if b > now else now + step
    while x < end - EPS:
        pts.append(x)
        x += step
    pts.append(end)
    starts = tuple(pts[:-1])
    lengths = tuple(y - x for x, y in zip(pts, pts[1:]))
    mean = tuple(d.mean(x, y) for x, y in zip(pts, pts[1:]))
    return Cells(now, end, step, starts, lengths, mean)
