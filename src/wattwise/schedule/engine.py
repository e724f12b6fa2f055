"""Replay engines: each policy's plan at many start times on a series' own grid, costed.

A replayed start t lies on the series' grid, so the window [t, t + N + D] is ``nf`` whole
intervals and, when N + D is not a whole number of them, a last one of length ``lam``. Per
start the engines see the forecast row f (what a plan is made on: the series itself for an
oracle, a noisy copy, or a persistence forecast) and the true row x (what the plan emits):

- Flexible Start tries every start where its cost can bend (as ``windows.flexible_start``):
  t + k*step, t + k*step + step - rho (the job then ends on a boundary; D = m*step + rho) and
  t + N, in time order; the cheapest on f, the earliest on ties;
- Pause & Resume (flat power, free pauses): the cheapest intervals of f whole, the next in part
  (``windows.pause_resume_greedy``: same ties, and the part next to a running neighbour).

Each plan is chosen on f and costed on x, both in g/kWh * s per watt. The NumPy engine and the
pure-Python one give the same numbers (tests), as does the planner start by start.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Sequence

TOL = 1e-6


@dataclass(frozen=True)
class Geometry:
    """A job of D within +N on a grid of ``step``: the window's intervals and Flexible Start's candidates."""

    step: float
    D: float
    N: float
    nf: int  # whole intervals in the window
    lam: float  # the last, partial interval (0: none)
    offsets: tuple[float, ...]  # Flexible Start's candidate starts, seconds after t, in time order

    @property
    def width(self) -> int:
        return self.nf + (1 if self.lam > TOL else 0)

    def length(self, j: int) -> float:
        return self.step if j < self.nf else self.lam


def geometry(step: float, D: float, N: float) -> Geometry:
    nf = int(math.floor((D + N) / step + 1e-9))
    lam = D + N - nf * step
    lam = 0.0 if lam < 1e-3 else lam
    m = int(math.floor(D / step + 1e-9))
    rho = D - m * step
    rho = 0.0 if rho < 1e-3 else rho
    offs = []
    k = 0
    while k * step <= N + TOL:
        offs.append(k * step)
        if rho and k * step + step - rho <= N + TOL:
            offs.append(k * step + step - rho)
        k += 1
    if all(abs(N - o) > TOL for o in offs):
        offs.append(N)
    return Geometry(step, D, N, nf, lam, tuple(sorted(offs)))


@dataclass
class Costs:
    """Per start: true costs of starting at once and of each plan, the same on the forecast (claimed), P&R runs."""

    starts: list[int]
    base: list[float]
    fs: list[float]
    pr: list[float]
    chunks: list[int]
    base_f: list[float]
    fs_f: list[float]
    pr_f: list[float]


def have_numpy() -> bool:
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def costs(v: Sequence[float], g: Geometry, starts: Sequence[int], forecast=None, engine: str = "auto") -> Costs:
    """Costs for each start index. ``forecast``: None (oracle), ("series", values aligned with v) or
    ("persistence", period in steps: the value one period before, from the last period before t)."""
    if engine == "auto":
        engine = "numpy" if have_numpy() else "python"
    return (_numpy if engine == "numpy" else _python)(v, g, list(starts), forecast)


# -- pure Python -----------------------------------------------------------------------------
def _row(v, t: int, width: int, forecast) -> tuple[list[float], list[float]]:
    x = list(v[t:t + width])
    if forecast is None:
        return x, x
    kind, arg = forecast
    if kind == "series":
        return x, list(arg[t:t + width])
    return x, [v[t + j - arg * ((j // arg) + 1)] for j in range(width)]


def _prefix(y: Sequence[float], step: float) -> list[float]:
    out, acc = [0.0], 0.0
    for x in y:
        acc += x * step
        out.append(acc)
    return out


def _fs_costs(cum: list[float], y: Sequence[float], t: int, g: Geometry) -> list[float]:
    """Each candidate start's cost for a start at index t, from a series' prefix sums."""
    s, last = g.step, g.width - 1
    out = []
    for a in g.offsets:
        b = a + g.D
        i, j = min(int(a / s + 1e-9), last), min(int(b / s + 1e-9), last)
        out.append(cum[t + j] + (b - j * s) * y[t + j] - cum[t + i] - (a - i * s) * y[t + i])
    return out


def _fs_sliding(v, fv, g: Geometry, starts: list[int]) -> list[tuple[float, float, float, float]]:
    """Flexible Start for every start when the forecast is one series. A candidate's cost depends
    only on its absolute start, so each is computed once, in time order (for each interval: its
    start, then the start that ends the job on a boundary); a start's candidates on and off the
    grid are a contiguous run of that sequence, whose sliding minimum (earliest on ties) it takes,
    before comparing the window's end. Returns ``_fs_pick``'s tuples."""
    from collections import deque

    s, D, n = g.step, g.D, len(v)
    m = int(math.floor(D / s + 1e-9))
    rho = D - m * s
    phase = s - rho if rho >= 1e-3 else None
    per = 1 if phase is None else 2

    def on(o: float, base: float) -> bool:
        return abs((o - base) / s - round((o - base) / s)) <= 1e-9

    run = sum(1 for o in g.offsets if on(o, 0.0) or (phase is not None and on(o, phase)))
    ends = [o for o in g.offsets if not on(o, 0.0) and not (phase is not None and on(o, phase))]
    cum_x = _prefix(v, s)
    cum_f = cum_x if fv is v else _prefix(fv, s)

    def cost(cum, y, a):
        b = a + D
        i, j = min(int(a / s + 1e-9), n - 1), min(int(b / s + 1e-9), n - 1)
        return cum[j] + (b - j * s) * y[j] - cum[i] - (a - i * s) * y[i]

    top = min(n, (max(starts) if starts else 0) + (run + 1) // per + 1)
    cand_x, cand_f = [], []
    for i in range(top):
        for a in ((i * s,) if phase is None else (i * s, i * s + phase)):
            cx = cost(cum_x, v, a)
            cand_x.append(cx)
            cand_f.append(cx if fv is v else cost(cum_f, fv, a))
    out = []
    dq: deque[int] = deque()
    nxt = 0
    for t in starts:
        lo, hi = per * t, per * t + run - 1
        while nxt <= hi:
            while dq and cand_f[dq[-1]] > cand_f[nxt]:
                dq.pop()
            dq.append(nxt)
            nxt += 1
        while dq[0] < lo:
            dq.popleft()
        k = dq[0]
        best_f, best_x = cand_f[k], cand_x[k]
        for o in ends:  # the window's end, off both grids: last in time, so it must be strictly cheaper
            a = t * s + o
            c_f = cost(cum_f, fv, a)
            if c_f < best_f:
                best_f, best_x = c_f, cost(cum_x, v, a)
        out.append((cand_x[lo], best_x, cand_f[lo], best_f))
    return out


def _fs_pick(cf: list[float], cx: list[float]) -> tuple[float, float, float, float]:
    """(true base, true plan, claimed base, claimed plan): the first cheapest candidate on the forecast."""
    k = min(range(len(cf)), key=cf.__getitem__)
    return cx[0], cx[k], cf[0], cf[k]


def _pr_row(f: list[float], x: list[float], g: Geometry) -> tuple[float, float, int]:
    """(true cost, claimed cost, runs) of the Pause & Resume greedy on one row."""
    w = g.width
    left = g.D
    whole = [False] * w
    cf = cx = 0.0
    part = -1
    for _, j in sorted(zip(f, range(w))):
        if left <= TOL:
            break
        ln = g.length(j)
        if ln <= left + TOL:
            whole[j] = True
            left -= ln
            cf += f[j] * ln
            cx += x[j] * ln
        else:
            part = j
            cf += f[j] * left
            cx += x[j] * left
            left = 0.0
    runs = sum(1 for j in range(w) if whole[j] and (j == 0 or not whole[j - 1]))
    if part >= 0 and not ((part > 0 and whole[part - 1]) or (part + 1 < w and whole[part + 1])):
        runs += 1
    return cx, cf, runs


def _python(v, g: Geometry, starts: list[int], forecast) -> Costs:
    out = Costs(starts, [], [], [], [], [], [], [])
    fv = forecast[1] if forecast is not None and forecast[0] == "series" else None
    cum_x = _prefix(v, g.step)
    window = _Sliding(v if forecast is None else fv, g) if forecast is None or fv is not None else None
    slid = iter(_fs_sliding(v, v if forecast is None else fv, g, starts)) if window is not None else None
    for t in starts:
        if slid is not None:  # the forecast is one series: its windows slide
            b, fs, bf, fsf = next(slid)
            pr, prf, runs = window.greedy(t, v)
        else:  # persistence: a forecast of its own at each start
            x, f = _row(v, t, g.width, forecast)
            b, fs, bf, fsf = _fs_pick(_row_costs(f, g), _fs_costs(cum_x, v, t, g))
            pr, prf, runs = _pr_row(f, x, g)
        out.base.append(b)
        out.fs.append(fs)
        out.base_f.append(bf)
        out.fs_f.append(fsf)
        out.pr.append(pr)
        out.pr_f.append(prf)
        out.chunks.append(runs)
    return out


class _Sliding:
    """The window's intervals as (value, index) pairs kept sorted while the start moves on."""

    def __init__(self, f: Sequence[float], g: Geometry):
        self.f, self.g = f, g
        self.t = None
        self.pairs: list[tuple[float, int]] = []

    def _move(self, t: int) -> None:
        w, f = self.g.width, self.f
        if self.t is not None and t == self.t + 1:
            del self.pairs[bisect.bisect_left(self.pairs, (f[t - 1], t - 1))]
            bisect.insort(self.pairs, (f[t + w - 1], t + w - 1))
        else:
            self.pairs = sorted((f[i], i) for i in range(t, t + w))
        self.t = t

    def greedy(self, t: int, x: Sequence[float]) -> tuple[float, float, int]:
        """(true cost, claimed cost, runs): as ``_pr_row``, without sorting the window afresh."""
        self._move(t)
        g, f = self.g, self.f
        left, cf, cx = g.D, 0.0, 0.0
        whole: list[int] = []
        part = -1
        for _, i in self.pairs:
            if left <= TOL:
                break
            ln = g.length(i - t)
            if ln <= left + TOL:
                whole.append(i)
                left -= ln
                cf += f[i] * ln
                cx += x[i] * ln
            else:
                part = i
                cf += f[i] * left
                cx += x[i] * left
                left = 0.0
        whole.sort()
        runs = sum(1 for k, i in enumerate(whole) if k == 0 or whole[k - 1] != i - 1)
        if part >= 0:
            k = bisect.bisect_left(whole, part)
            joined = (k > 0 and whole[k - 1] == part - 1) or (k < len(whole) and whole[k] == part + 1)
            runs += 0 if joined else 1
        return cx, cf, runs


def _row_costs(f: list[float], g: Geometry) -> list[float]:
    """Candidate costs on one row (its last interval may be partial), from the row's prefix sums."""
    p = [0.0]
    for j, y in enumerate(f):
        p.append(p[-1] + y * g.length(j))
    s, last = g.step, g.width - 1

    def G(a):
        i = min(int(a / s + 1e-9), last)
        return p[i] + (a - i * s) * f[i]

    return [G(a + g.D) - G(a) for a in g.offsets]


# -- NumPy ------------------------------------------------------------------------------------
def _rows_np(v, T, width: int, forecast):
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view as swv

    a = np.asarray(v, dtype=float)
    X = swv(a, width)[T]
    if forecast is None:
        return X, X
    kind, arg = forecast
    if kind == "series":
        return X, swv(np.asarray(arg, dtype=float), width)[T]
    j = np.arange(width)
    back = j - arg * (j // arg + 1)
    return X, a[T[:, None] + back[None, :]]


def _numpy(v, g: Geometry, starts: list[int], forecast) -> Costs:
    import numpy as np

    T = np.asarray(starts, dtype=np.int64)
    w = g.width
    X, F = _rows_np(v, T, w, forecast)
    lens = np.array([g.length(j) for j in range(w)])
    offs = np.asarray(g.offsets)
    if forecast is None or forecast[0] == "series":  # each row is a slice of one series: one prefix sum each
        cx = _fs_series(np.asarray(v, dtype=float), T, offs, g)
        cf = cx if forecast is None else _fs_series(np.asarray(forecast[1], dtype=float), T, offs, g)
    else:
        cx, cf = _fs_rows(X, lens, T, offs, g), _fs_rows(F, lens, T, offs, g)
    pick = np.argmin(cf, axis=1)  # the first minimum: the earliest start
    r = np.arange(T.size)
    pr, prf, runs = _pr_numpy(X, F, lens, g.D, same=forecast is None)
    return Costs(list(starts), cx[:, 0], cx[r, pick], pr, runs, cf[:, 0], cf[r, pick], prf)


def _fs_series(a, T, offs, g: Geometry):
    """Cost of each candidate start (columns) for each start t (rows), from the series' prefix sums."""
    import numpy as np

    s = g.step
    cum = np.concatenate(([0.0], np.cumsum(a) * s))
    out = np.empty((T.size, offs.size))
    for k, o in enumerate(offs):
        out[:, k] = _integral(cum, a, T, o + g.D, s, g) - _integral(cum, a, T, o, s, g)
    return out


def _integral(cum, a, T, x: float, s: float, g: Geometry):
    i = min(int(x / s + 1e-9), g.width - 1)
    return cum[T + i] + (x - i * s) * a[T + i]


def _fs_rows(Y, lens, T, offs, g: Geometry):
    """The same from per-row prefix sums (a persistence forecast differs at every start)."""
    import numpy as np

    s, w = g.step, g.width
    P = np.concatenate([np.zeros((Y.shape[0], 1)), np.cumsum(Y * lens, axis=1)], axis=1)

    def G(x):
        i = np.minimum((x / s + 1e-9).astype(np.int64), w - 1)
        return P[:, i] + (x - i * s) * Y[:, i]

    return G(offs + g.D) - G(offs)


def _pr_numpy(X, F, lens, D: float, same: bool = False):
    import numpy as np

    n, w = X.shape
    order = np.argsort(F, axis=1, kind="stable")
    L = lens[order]
    before = np.cumsum(L, axis=1) - L  # seconds taken before each interval, in the order of cost
    take = np.clip(D - before, 0.0, L)
    take[take <= TOL] = 0.0
    r = np.arange(n)[:, None]
    cf = (np.take_along_axis(F, order, axis=1) * take).sum(axis=1)
    cx = cf if same else (np.take_along_axis(X, order, axis=1) * take).sum(axis=1)
    whole_sorted = take >= L - TOL
    whole = np.zeros((n, w), dtype=bool)
    whole[r, order] = whole_sorted
    part_sorted = (take > 0) & ~whole_sorted
    has_part = part_sorted.any(axis=1)
    part = order[np.arange(n), part_sorted.argmax(axis=1)]
    runs = whole[:, 0].astype(np.int64) + np.count_nonzero(whole[:, 1:] & ~whole[:, :-1], axis=1)
    pad = np.concatenate([np.zeros((n, 1), bool), whole, np.zeros((n, 1), bool)], axis=1)
    rows = np.arange(n)
    joined = pad[rows, part] | pad[rows, part + 2]
    runs = runs + (has_part & ~joined).astype(np.int64)
    return cx, cf, runs
