"""Brute-force references for the scheduler, written independently of wattwise.schedule.

They enumerate every placement on the planning grids and cost each piece with
``Series.mean_over`` (the series module, not the planner's prefix sums). The grids: cells of
one step from ``now``; and, when ``now`` falls inside a series interval, the series' own
intervals (the first cut at ``now``). A job is m whole cells + one rho piece at a cell's start
or end; on the interval grid it may also run the cut first cell whole and then the rest of
the job that way. Flexible Start tries now + k*step and every boundary.
"""
from __future__ import annotations

import itertools
import math

K = 1 / 3.6e6


def grid(now, step, end, anchor=None):
    """Cells over [now, end): on the grid through now, or through ``anchor`` (first cell [now, anchor))."""
    if anchor is None or anchor <= now:
        pts = [now + k * step for k in range(int((end - now) / step) + 2)]
    else:
        pts = [now] + [anchor + k * step for k in range(int((end - anchor) / step) + 2)]
    out = []
    for a, b in zip(pts, pts[1:]):
        if a >= end - 1e-6:
            break
        out.append((a, min(b, end)))
    return out


def boundaries(series, step, a, b):
    """The series' interval boundaries t with a < t <= b (its first timestamp + j*step)."""
    t0 = series.t[0]
    j = math.floor((a - t0) / step) + 1
    out = []
    while t0 + j * step <= b + 1e-6:
        if t0 + j * step > a + 1e-3:
            out.append(t0 + j * step)
        j += 1
    return out


def plan_grid(series, now, step, end):
    """The cells planned on: through now when now is on a boundary, else [now, first boundary) then intervals."""
    bs = boundaries(series, step, now, now + step)
    anchor = bs[0] if bs and bs[0] < now + step - 1e-3 else None
    return grid(now, step, end, anchor)


def cut(cells, a, b):
    """[a, b) split at the cells' edges."""
    out = []
    for x, y in cells:
        lo, hi = max(a, x), min(b, y)
        if hi - lo > 1e-9:
            out.append((lo, hi))
    return out


def mean(series, a, b):
    v, cov = series.mean_over(a, b)
    assert v is not None and cov > 1 - 1e-9, (a, b, cov)
    return v


def piece_cost(series, pieces, energy):
    """pieces: (a, b) each inside one cell; energy(tau0, tau1) in J. Returns grams."""
    tau = 0.0
    tot = 0.0
    for a, b in sorted(pieces):
        ln = b - a
        tot += K * energy(tau, tau + ln) * mean(series, a, b)
        tau += ln
    return tot


def chunks(pieces):
    out = []
    for a, b in sorted(pieces):
        if out and a <= out[-1][1] + 1e-6:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def split(D, step):
    m = int(math.floor(D / step + 1e-9))
    rho = D - m * step
    return m, (0.0 if rho < 1e-3 else rho)


def grids(series, now, step, end):
    """The grids planned on: from now; and the intervals when now is off a boundary."""
    out = [grid(now, step, end)]
    b = plan_grid(series, now, step, end)
    if b[0][1] - b[0][0] < step - 1e-6 and b != out[0]:
        out.append(b)
    return out


def flexible_start(series, now, step, D, N, end, energy):
    """min over starts now + k*step (k*step <= N) and every boundary in (now, now + N], each job cut
    at its grid's cells, inside [now, end) -> (cost, start)."""
    best = (math.inf, None)
    gs = grids(series, now, step, end)
    starts = [(now + k * step, gs[0]) for k in range(int(N / step + 1e-9) + 1)]
    starts += [(b, gs[-1]) for b in boundaries(series, step, now, now + N)]
    starts += [(now, gs[-1])]
    for s, cells in starts:
        if s + D > end + 1e-6:
            continue
        c = piece_cost(series, cut(cells, s, s + D), energy)
        if c < best[0] - 1e-12:
            best = (c, s)
    return best


def pause_resume(series, now, step, D, end, energy, *, idle_w=0.0, min_run=0.0, max_pauses=None, limit=3_000_000):
    """Exhaustive Pause & Resume on the planning grids, and on the interval grid after its whole
    first cell -> (cost, chunks)."""
    tries = []
    for cells in grids(series, now, step, end):
        tries.append((cells, [], D))
        l0 = cells[0][1] - cells[0][0]
        if len(cells) > 1 and l0 < step - 1e-6 and D - l0 > 1e-6:
            tries.append((cells[1:], [cells[0]], D - l0))  # the rest of the current interval first
    best = (math.inf, None)
    for cs, head, rest in tries:
        c = _pause_resume_on(cs, head, series, step, rest, min(min_run or 0.0, D), energy, idle_w, max_pauses, limit)
        if c[0] < best[0] - 1e-12:
            best = c
    return best


def _pause_resume_on(cells, head, series, step, D, L, energy, idle_w, max_pauses, limit):
    """Every choice of m whole cells + one rho piece (D = m*step + rho), after the ``head`` pieces."""
    m, rho = split(D, step)
    full = [i for i, (a, b) in enumerate(cells) if b - a >= step - 1e-6]
    best = (math.inf, None)
    count = 0
    rho_opts = [None]
    if rho:
        rho_opts = []
        for i, (a, b) in enumerate(cells):
            if b - a >= rho - 1e-6:
                rho_opts.append((i, (a, a + rho)))
                if b - rho > a + 1e-6:
                    rho_opts.append((i, (b - rho, b)))
    for combo in itertools.combinations(full, m):
        for ro in rho_opts:
            count += 1
            assert count < limit, "instance too large for brute force"
            if ro is not None and ro[0] in combo:
                continue
            pieces = list(head) + [cells[i] for i in combo] + ([ro[1]] if ro else [])
            ch = chunks(pieces)
            if max_pauses is not None and len(ch) - 1 > max_pauses:
                continue
            if L and any(b - a < L - 1e-6 for a, b in ch):
                continue
            c = piece_cost(series, pieces, energy)
            if idle_w:
                for (a0, b0), (a1, _) in zip(ch, ch[1:]):
                    c += K * idle_w * mean(series, b0, a1) * (a1 - b0)
            if c < best[0] - 1e-12:
                best = (c, ch)
    return best


def flat(power_w):
    return lambda a, b: power_w * (b - a)
