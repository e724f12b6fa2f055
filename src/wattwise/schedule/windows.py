"""The two time policies of Dodge et al. (2022), exact in continuous time.

The forecast holds its value over each interval, so the cost of a plan (its energy at each
moment x the intensity then) changes linearly while none of its start or end points crosses
an interval boundary, a knot of the job's power profile, or an end of the window. A cost that
is linear between such points is least at one of them; the planner therefore searches every
one of them, and its plans are optimal over continuous start and end times (the tests check
this against an exhaustive search on a grid that holds every breakpoint; docs/schedule.md).

- Flexible Start (``flexible_start``): start at s in [now, now + N], run to completion. The
  cost of s bends where s + (a knot of the profile: 0, D, ...) meets a boundary: every such s
  in the window, and now and now + N themselves, are tried. Ties: the earliest start.
- Pause & Resume, flat power, free pauses, no constraints (``pause_resume_greedy``): the window
  [now, now + N + D] cut at the boundaries and at its ends is a set of cells of constant
  intensity; the cheapest cells, the last one in part, are optimal (a fractional knapsack).
- Pause & Resume with a minimum run, a pause limit, idle power or a measured profile: the
  dynamic programme of ``chunks``.

Pausing costs ``idle_w`` times the intensity of the paused time between the job's first start
and its end (Dodge et al. counted pauses as free).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from .grid import EPS, Cells, Dense, cut
from .profile import Profile

K = 1 / 3.6e6  # g per (J * g/kWh): 1 kWh = 3.6e6 J
INF = float("inf")
TIE = 1e-9  # relative: costs this close are equal (rounding)


@dataclass(frozen=True)
class Placement:
    """Where the job runs: merged run intervals in time order, and their cost."""

    slots: tuple[tuple[float, float], ...]
    run_g: float
    idle_g: float = 0.0

    @property
    def total_g(self) -> float:
        return self.run_g + self.idle_g

    @property
    def pauses(self) -> int:
        return max(0, len(self.slots) - 1)

    @property
    def start(self) -> float:
        return self.slots[0][0]

    @property
    def end(self) -> float:
        return self.slots[-1][1]


def better(v: float, best: float) -> bool:
    """v beats best by more than rounding (earlier options win ties)."""
    if best == INF:
        return v < INF
    return v < best - TIE * max(1.0, abs(best))


def merge(pieces) -> tuple[tuple[float, float], ...]:
    """Run pieces as time-ordered intervals, touching pieces joined."""
    out: list[list[float]] = []
    for a, b in sorted(pieces):
        if b - a <= 0:
            continue
        if out and a <= out[-1][1] + 1e-6:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


def run_cost(dense: Dense, a: float, b: float, profile: Profile, tau: float = 0.0) -> float:
    """Grams for running job time [tau, tau + b - a) over [a, b): energy x intensity, cut where the intensity changes."""
    if b <= a:
        return 0.0
    if profile.flat_w is not None:
        return K * profile.flat_w * dense.integral(a, b)
    out, x = 0.0, a
    while x < b - 1e-9:
        k = int((x - dense.t0) // dense.step)
        y = min(b, dense.t0 + (k + 1) * dense.step)
        if y <= x + 1e-9:
            y = min(b, dense.t0 + (k + 2) * dense.step)
        out += K * profile.energy(tau + (x - a), tau + (y - a)) * dense.mean(x, y)
        x = y
    return out


def evaluate(dense: Dense, slots, profile: Profile, idle_w: float = 0.0) -> tuple[float, float]:
    """Cost (run g, idle g) of run intervals: the one rule behind every number a plan shows."""
    run = idle = 0.0
    tau = 0.0
    slots = merge(list(slots))
    for a, b in slots:
        run += run_cost(dense, a, b, profile, tau)
        tau += b - a
    if idle_w:
        for (_, b0), (a1, _) in zip(slots, slots[1:]):
            idle += K * idle_w * dense.integral(b0, a1)
    return run, idle


# -- Flexible Start ------------------------------------------------------------------------
def _knots(profile: Profile) -> tuple[list[float], list[float]]:
    """Job-time knots tau_k and weights w_k with cost(s) = K * sum_k w_k * F(s + tau_k), F the
    intensity's integral: w_k is the jump of the power at tau_k (the power before minus after)."""
    if profile.flat_w is not None:
        p = profile.flat_w
        return [0.0, profile.duration_s], [-p, p]
    ts, es = profile.knots_t, profile.knots_e
    taus, ws, before = [], [], 0.0
    for i, t in enumerate(ts):
        after = (es[i + 1] - es[i]) / (ts[i + 1] - ts[i]) if i + 1 < len(ts) and ts[i + 1] > t else None
        if after is None and i + 1 < len(ts):
            continue  # a repeated knot: no segment starts here
        after = after or 0.0
        taus.append(t)
        ws.append(before - after)
        before = after
    return taus, ws


def _start_cost(dense: Dense, s: float, taus, ws) -> float:
    F = dense.integral
    t0 = dense.t0
    return K * sum(w * F(t0, s + t) for t, w in zip(taus, ws))


def _bends(dense: Dense, now: float, last: float, taus) -> list[float]:
    """Starts in [now, last] where the cost can bend: now, last, and boundary - tau for every knot tau."""
    out = {now, last}
    step = dense.step
    for t in taus:
        k = int((now + t - dense.t0) // step) + 1
        b = dense.t0 + k * step
        while b - t < last:
            if b - t > now:
                out.add(b - t)
            k += 1
            b = dense.t0 + k * step
    return sorted(out)


def _sweep(dense: Dense, now: float, last: float, taus, ws) -> list[tuple[float, float]]:
    """(start, cost) at every bend, in time order, by walking the piecewise-linear cost: O(E log E)
    for E bends, where evaluating each afresh would cost O(E * knots). Values carry rounding;
    the caller re-costs the cheapest exactly."""
    step, t0 = dense.step, dense.t0
    events: list[tuple[float, float]] = []
    for t, w in zip(taus, ws):
        k = int((now + t - t0) // step) + 1
        b = t0 + k * step
        while b - t < last:
            if b - t > now:
                events.append((b - t, w * (dense.value_at(b) - dense.value_at(b - step))))
            k += 1
            b = t0 + k * step
    events.sort()
    slope = K * sum(w * dense.value_at(now + t) for t, w in zip(taus, ws))
    x, c = now, _start_cost(dense, now, taus, ws)
    out = [(now, c)]
    i = 0
    while i < len(events):
        s = events[i][0]
        c += slope * (s - x)
        x = s
        while i < len(events) and events[i][0] - s <= 1e-9:
            slope += K * events[i][1]
            i += 1
        out.append((s, c))
    if last > x:
        out.append((last, c + slope * (last - x)))
    return out


def flexible_start(dense: Dense, now: float, window_s: float, duration_s: float, profile: Profile) -> Placement | None:
    """The cheapest start in [now, now + window_s] (run to completion); earliest on ties; None if
    the forecast does not reach the job's end."""
    last = now + max(0.0, window_s)
    if last + duration_s > dense.end + 1e-6:
        return None
    taus, ws = _knots(profile)
    if len(taus) <= 4:
        costs = [(s, _start_cost(dense, s, taus, ws)) for s in _bends(dense, now, last, taus)]
    else:  # a measured profile with many knots: sweep, then re-cost the near-cheapest exactly
        swept = _sweep(dense, now, last, taus, ws)
        low = min(c for _, c in swept)
        costs = [(s, _start_cost(dense, s, taus, ws)) for s, c in swept if c <= low + 1e-7 * max(1.0, abs(low))]
    best_s, best = None, INF
    for s, c in costs:
        if better(c, best):
            best_s, best = s, c
    run = run_cost(dense, best_s, best_s + duration_s, profile)
    return Placement(((best_s, best_s + duration_s),), run, 0.0)


# -- Pause & Resume: fractional greedy (flat power, free pauses, no constraints) -----------
def pause_resume_greedy(c: Cells, dense: Dense, duration_s: float, profile: Profile) -> Placement | None:
    """The cheapest cells whole, then the next cheapest in part (ties: the earlier cell). The part
    sits next to a running neighbour when one exists (fewer pauses), else at its cell's start."""
    order = sorted(range(len(c)), key=lambda i: (c.mean[i], c.starts[i]))
    left = duration_s
    whole: set[int] = set()
    part = None
    for i in order:
        if left <= 1e-6:
            break
        if c.lengths[i] <= left + 1e-6:
            whole.add(i)
            left -= c.lengths[i]
        else:
            part = (i, left)
            left = 0.0
    if left > 1e-6:
        return None
    pieces = [(c.starts[i], c.starts[i] + c.lengths[i]) for i in whole]
    if part is not None:
        i, r = part
        a, b = c.starts[i], c.starts[i] + c.lengths[i]
        at_end = (i - 1) not in whole and (i + 1) in whole
        pieces.append((b - r, b) if at_end else (a, a + r))
    slots = merge(pieces)
    return Placement(slots, *evaluate(dense, slots, profile))


# -- the planner's entry points ------------------------------------------------------------
def best_flexible_start(dense: Dense, now: float, end: float, duration_s: float, window_s: float,
                        profile: Profile) -> Placement | None:
    """Flexible Start over [now, end): the cheapest start no later than now + window_s."""
    return flexible_start(dense, now, min(window_s, end - now - duration_s), duration_s, profile)


def best_pause_resume(dense: Dense, now: float, end: float, duration_s: float, profile: Profile, *, idle_w: float = 0.0,
                      min_run_s: float | None = None, max_pauses: int | None = None) -> Placement | None:
    """Pause & Resume over [now, end).

    One block (``max_pauses=0``, or a minimum run as long as the job) is Flexible Start. Flat
    power with free pauses and no constraints is the greedy. Otherwise the dynamic programme,
    first without the pause limit (a smaller programme): its plan is the answer when it keeps
    to the limit.
    """
    from . import chunks

    L = min(float(min_run_s or 0.0), duration_s)
    if max_pauses == 0 or L >= duration_s - 1e-6:
        return flexible_start(dense, now, end - now - duration_s, duration_s, profile)
    c = cut(dense, now, end)
    if profile.flat_w is not None and not idle_w and not L:
        free = pause_resume_greedy(c, dense, duration_s, profile)
    else:
        free = chunks.plan(c, dense, duration_s, profile, idle_w=idle_w, min_run_s=L)
    if free is None or max_pauses is None or free.pauses <= max_pauses:
        return free
    return chunks.plan(c, dense, duration_s, profile, idle_w=idle_w, min_run_s=L, max_pauses=max_pauses)


def bisect_cell(c: Cells, x: float) -> int:
    """Index of the cell holding x."""
    return max(0, bisect.bisect_right(c.starts, x + EPS) - 1)
