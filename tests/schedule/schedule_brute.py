"""Brute-force references for the scheduler, written independently of wattwise.schedule.

They enumerate every placement on the planning grid (cells of the series' step anchored at
``now``; the job = m whole cells + one rho piece at a cell's start or end) and cost each piece
with ``Series.mean_over`` (the series module, not the planner's prefix sums).
"""
from __future__ import annotations

import itertools
import math

K = 1 / 3.6e6


def grid(now, step, end):
    out = []
    k = 0
    while now + k * step < end - 1e-6:
        a = now + k * step
        out.append((a, min(a + step, end)))
        k += 1
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


def flexible_start(series, now, step, D, N, end, energy):
    """min over starts now + k*step (k*step <= N, job inside [now, end)) -> (cost, start)."""
    m, rho = split(D, step)
    best = (math.inf, None)
    k = 0
    while k * step <= N + 1e-6:
        s = now + k * step
        if s + D > end + 1e-6:
            break
        pieces = [(s + i * step, s + (i + 1) * step) for i in range(m)]
        if rho:
            pieces.append((s + m * step, s + m * step + rho))
        c = piece_cost(series, pieces, energy)
        if c < best[0] - 1e-12:
            best = (c, s)
        k += 1
    return best


def pause_resume(series, now, step, D, end, energy, *, idle_w=0.0, min_run=0.0, max_pauses=None, limit=3_000_000):
    """Exhaustive Pause & Resume on the grid -> (cost, chunks) (chunks: list of [start, end])."""
    cells = grid(now, step, end)
    m, rho = split(D, step)
    L = min(min_run or 0.0, D)
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
            pieces = [cells[i] for i in combo] + ([ro[1]] if ro else [])
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
