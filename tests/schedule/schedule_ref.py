"""Continuous-time reference for the scheduler, written independently of ``wattwise.schedule``.

An instance is a forecast (a ``Series``: intensity constant over each interval), a planning
time ``now``, a job of duration D (flat power, or a power profile constant between knots), a
window N, and for Pause & Resume a minimum run L, a pause limit and an idle power.

Why a grid search is exact here: choose a unit g such that every breakpoint of the instance
is a multiple of g from ``now`` (the forecast's interval boundaries, now + N + D, D, L and the
profile's knots). A plan is a set of run intervals; its cost is linear in their end points
as long as no end point crosses a breakpoint, and the constraints (total D, each run >= L,
inside the window) are linear with coefficients 0 and +-1. The cost is minimised at a vertex
of one of these linear pieces, where every end point is fixed by equations "t = boundary",
"b - a = L", "sum of lengths = D" or "knot meets boundary"; a vertex is an integer
combination of the constants, hence on the grid (the system is a difference-constraint one,
totally unimodular). So the best plan over grid-aligned placements is the continuous optimum:

- Flexible Start: every start now + k*g, k*g <= N (each costed slice by slice);
- Pause & Resume: a plain dynamic programme over the g-slices of [now, now + N + D): run or
  pause each slice, tracking work done, the current run's length (up to L), runs used.

``cost_of`` costs any plan (run intervals at arbitrary times) by cutting it wherever the
intensity or the power changes; it is the yardstick the planner's plans are measured with.
"""
from __future__ import annotations

import bisect
import math

K = 1 / 3.6e6  # g per (J * g/kWh)


class Power:
    """The job's cumulative energy (J) at job-time knots, linear in between (flat: two knots)."""

    def __init__(self, knots_t, knots_e):
        self.t, self.e = list(knots_t), list(knots_e)

    @classmethod
    def flat(cls, watts: float, duration_s: float) -> "Power":
        return cls([0.0, duration_s], [0.0, watts * duration_s])

    def cum(self, x: float) -> float:
        t, e = self.t, self.e
        if x <= t[0]:
            return e[0]
        if x >= t[-1]:
            return e[-1]
        i = bisect.bisect_right(t, x) - 1
        return e[i] + (e[i + 1] - e[i]) * (x - t[i]) / (t[i + 1] - t[i])

    def energy(self, a: float, b: float) -> float:
        return self.cum(b) - self.cum(a)


def _intensity(series, a: float, b: float) -> float:
    v, cov = series.mean_over(a, b)
    assert v is not None and cov > 1 - 1e-9, ("forecast does not cover", a, b, cov)
    return v


def _boundaries(series, a: float, b: float) -> list[float]:
    """The series' interval starts strictly inside (a, b)."""
    i = bisect.bisect_right(series.t, a)
    out = []
    while i < len(series.t) and series.t[i] < b:
        out.append(series.t[i])
        i += 1
    return out


def cost_of(series, slots, power: Power, idle_w: float = 0.0) -> tuple[float, float]:
    """(run g, idle g) of run intervals, each cut where the intensity or the power changes."""
    run = idle = 0.0
    tau = 0.0
    slots = sorted((float(a), float(b)) for a, b in slots)
    for a, b in slots:
        cuts = {a, b, *_boundaries(series, a, b)}
        cuts.update(a + (k - tau) for k in power.t if tau < k < tau + (b - a))
        pts = sorted(cuts)
        for x, y in zip(pts, pts[1:]):
            if y - x <= 0:
                continue
            run += K * power.energy(tau + (x - a), tau + (y - a)) * _intensity(series, x, y)
        tau += b - a
    for (_, b0), (a1, _) in zip(slots, slots[1:]):
        if a1 > b0 and idle_w:
            idle += K * idle_w * _intensity(series, b0, a1) * (a1 - b0)
    return run, idle


def _units(x: float, g: float, what: str) -> int:
    k = round(x / g)
    assert abs(k * g - x) < 1e-6, f"{what} ({x}) is not on the reference grid (unit {g})"
    return k


def _slices(series, now: float, g: float, n: int) -> list[float]:
    return [_intensity(series, now + i * g, now + (i + 1) * g) for i in range(n)]


def flexible_start(series, now: float, D: float, N: float, power: Power, g: float):
    """(cost g, start) of the cheapest start on the grid in [now, now + N]; earliest on ties."""
    dg, ng = _units(D, g, "duration"), _units(N, g, "window")
    v = _slices(series, now, g, dg + ng)
    e = [power.energy(j * g, (j + 1) * g) for j in range(dg)]
    best = (math.inf, None)
    for k in range(ng + 1):
        c = K * sum(e[j] * v[k + j] for j in range(dg))
        if c < best[0] * (1 - 1e-12):
            best = (c, now + k * g)
    return best


def pause_resume(series, now: float, D: float, N: float, power: Power, g: float, *, idle_w: float = 0.0,
                 min_run: float = 0.0, max_pauses: int | None = None):
    """(cost g, slots) of the cheapest Pause & Resume plan on the grid over [now, now + N + D).

    A dynamic programme over the g-slices: states after each slice are (phase, work done,
    length of the current run capped at L, runs used); a finished plan ends on a run of at
    least L and pays nothing after it. Ties keep the first plan found (the earliest finish).
    """
    dg, ng = _units(D, g, "duration"), _units(N, g, "window")
    lg = _units(min(min_run or 0.0, D), g, "minimum run")
    n = dg + ng
    v = _slices(series, now, g, n)
    e = [power.energy(j * g, (j + 1) * g) for j in range(dg)]
    idle = [K * idle_w * g * x for x in v]
    cap = math.inf if max_pauses is None else max_pauses + 1
    layers = [{("bef", 0, 0, 0): (0.0, None, False)}]  # key -> (cost, previous key, ran this slice)
    best = (math.inf, None)
    for i in range(n):
        nxt: dict = {}

        def put(key, val, prev, ran):
            old = nxt.get(key)
            if old is None or val < old[0]:
                nxt[key] = (val, prev, ran)

        for key, (val, _, _) in layers[-1].items():
            ph, w, r, c = key
            if ph == "bef":
                put(key, val, key, False)
            elif ph == "run":
                put(("run", w + 1, min(r + 1, lg), c), val + K * e[w] * v[i], key, True)
                if r >= lg:
                    put(("off", w, 0, c), val + idle[i], key, False)
            else:
                put(key, val + idle[i], key, False)
            if ph != "run" and c + 1 <= cap:
                put(("run", w + 1, min(1, lg), c + 1), val + K * e[w] * v[i], key, True)
        for key in [k for k in nxt if k[1] == dg]:
            if key[2] >= lg and nxt[key][0] < best[0] * (1 - 1e-12):
                best = (nxt[key][0], (i, key, nxt[key]))
            del nxt[key]
        layers.append(nxt)
    if best[1] is None:
        return math.inf, None
    i, key, (val, prev, _) = best[1]
    ran = [i]
    k = prev
    for j in range(i - 1, -1, -1):
        _, prev, was_run = layers[j + 1][k]
        if was_run:
            ran.append(j)
        k = prev
    slots: list[list[float]] = []
    for j in sorted(ran):
        a, b = now + j * g, now + (j + 1) * g
        if slots and abs(slots[-1][1] - a) < 1e-9:
            slots[-1][1] = b
        else:
            slots.append([a, b])
    return best[0], [tuple(x) for x in slots]
