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


def _fs_row(f: list[float], x: list[float], g: Geometry) -> tuple[float, float, float, float]:
    """(true base, true plan, claimed base, claimed plan) of Flexible Start on one row."""
    s, w = g.step, g.width
    pf, px = [0.0], [0.0]
    for j in range(w):
        ln = g.length(j)
        pf.append(pf[-1] + f[j] * ln)
        px.append(px[-1] + x[j] * ln)

    def G(p, y, a):
        i = min(int(a / s + 1e-9), w - 1)
        return p[i] + (a - i * s) * y[i]

    best, pick = math.inf, 0.0
    for a in g.offsets:
        c = G(pf, f, a + g.D) - G(pf, f, a)
        if c < best:
            best, pick = c, a
    return (G(px, x, g.D) - G(px, x, 0.0), G(px, x, pick + g.D) - G(px, x, pick), G(pf, f, g.D) - G(pf, f, 0.0), best)


def _pr_row(f: list[float], x: list[float], g: Geometry) -> tuple[float, float, int]:
    """(true cost, claimed cost, runs) of the Pause & Resume greedy on one row."""
    w = g.width
    order = sorted(range(w), key=lambda j: (f[j], j))
    left = g.D
    whole = [False] * w
    cf = cx = 0.0
    part = -1
    for j in order:
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
    for t in starts:
        x, f = _row(v, t, g.width, forecast)
        b, fs, bf, fsf = _fs_row(f, x, g)
        pr, prf, runs = _pr_row(f, x, g)
        out.base.append(b)
        out.fs.append(fs)
        out.base_f.append(bf)
        out.fs_f.append(fsf)
        out.pr.append(pr)
        out.pr_f.append(prf)
        out.chunks.append(runs)
    return out


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
    w, s = g.width, g.step
    X, F = _rows_np(v, T, w, forecast)
    lens = np.array([g.length(j) for j in range(w)])

    def prefix(Y):
        return np.concatenate([np.zeros((Y.shape[0], 1)), np.cumsum(Y * lens, axis=1)], axis=1)

    PX, PF = prefix(X), prefix(F)
    offs = np.asarray(g.offsets)

    def G(P, Y, a):
        i = np.minimum((a / s + 1e-9).astype(np.int64), w - 1)
        return P[:, i] + (a - i * s) * Y[:, i]

    cf = G(PF, F, offs + g.D) - G(PF, F, offs)
    pick = np.argmin(cf, axis=1)  # the first minimum: the earliest start
    r = np.arange(T.size)
    cx_all = G(PX, X, offs + g.D) - G(PX, X, offs)
    out = Costs(list(starts), cx_all[:, 0].tolist(), cx_all[r, pick].tolist(), [], [], cf[:, 0].tolist(),
                cf[r, pick].tolist(), [])
    pr, prf, runs = _pr_numpy(X, F, lens, g.D)
    out.pr, out.pr_f, out.chunks = pr.tolist(), prf.tolist(), runs.tolist()
    return out


def _pr_numpy(X, F, lens, D: float):
    import numpy as np

    n, w = X.shape
    order = np.argsort(F, axis=1, kind="stable")
    L = lens[order]
    before = np.cumsum(L, axis=1) - L  # seconds taken before each interval, in the order of cost
    take = np.clip(D - before, 0.0, L)
    take[take <= TOL] = 0.0
    r = np.arange(n)[:, None]
    cf = (np.take_along_axis(F, order, axis=1) * take).sum(axis=1)
    cx = (np.take_along_axis(X, order, axis=1) * take).sum(axis=1)
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
