"""Planned against realised: what a scheduled run promised, what it achieved, and why they differ.

The saving of a run is always one comparison: its measured energy (the attribution rule of
its scope, tick by tick) x the intensity when it ran, against the same running energy had the
job started at the request time and run without pauses (each tick's energy moved to the same
point of the job's own running time; what it was charged while paused is a cost of pausing). The plan made that comparison with an assumed flat
power (``power_w`` running, ``idle_w`` paused) on the forecast. The difference, in
percentage points, splits into three steps, each changing one thing:

1. ``timing``: the run's actual slots (late start, early exit, overrun) instead of the
   planned ones, still with the plan's flat power and paused/running ratio, on the forecast;
2. ``power_profile``: the measured energy tick by tick (including what the paused job was
   charged) instead of flat power, on the forecast;
3. ``forecast_error``: the intensity the run's account recorded (``--intensity-file`` or a
   live provider) instead of the forecast; 0 when the run has no such series, and said so.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

K = 1 / 3.6e6  # kWh per J
Segments = Sequence[tuple[float, float, float]]


def job_time_fn(runs: Sequence[tuple[float, float]]) -> Callable[[float], float]:
    """Running time before wall-clock t (pauses removed)."""
    def job_time(t: float) -> float:
        tau = 0.0
        for a, b in runs:
            if t <= a:
                break
            tau += min(t, b) - a
        return tau
    return job_time


def on_dense(dense) -> Callable[[Segments], tuple[float, bool]]:
    """Grams of (t0, t1, facility J) segments at a dense forecast's intensity; and whether any fell outside it."""
    def cost(segments: Segments) -> tuple[float, bool]:
        tot, outside = 0.0, False
        for a, b, e in segments:
            if b <= a:
                b = a + 1e-9
            if a < dense.t0 or b > dense.end:
                outside = True
            lo, hi = max(a, dense.t0), min(b, dense.end)
            g = dense.mean(lo, hi) if hi > lo else dense.value_at(min(max(a, dense.t0), dense.end - 1e-9))
            tot += K * e * g
        return tot, outside
    return cost


class NoSeries(Exception):
    """The run's account holds no intensity series for the span asked."""


def on_account(account) -> Callable[[Segments], tuple[float, bool]] | None:
    """The run's own hour-by-hour account as a cost function (None for an annual figure)."""
    evaluate = getattr(account, "evaluate", None)
    if evaluate is None:
        return None

    def cost(segments: Segments) -> tuple[float, bool]:
        ev = evaluate(list(segments))
        if getattr(account, "series", None) is None or (ev.energy_j > 0 and ev.covered_j <= 0):
            raise NoSeries
        return ev.grams, ev.gap_j > 0
    return cost


def _split(segs: Segments, runs: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """(J while running, J while paused) of the segments, split by time overlap."""
    run_j = 0.0
    total = 0.0
    for a, b, e in segs:
        total += e
        if b <= a:
            run_j += e if any(x <= a <= y for x, y in runs) else 0.0
            continue
        inside = sum(max(0.0, min(b, y) - max(a, x)) for x, y in runs)
        run_j += e * inside / (b - a)
    return run_j, total - run_j


def flat_segments(segs: Segments, runs: Sequence[tuple[float, float]], idle_ratio: float) -> list[tuple[float, float, float]]:
    """The measured running energy spread evenly over the actual running slots, and the paused
    spans at the plan's paused/running power ratio: the plan's power assumption on the actual timing."""
    run_j, _ = _split(segs, runs)
    run_s = sum(b - a for a, b in runs)
    if run_s <= 0:
        return []
    p = run_j / run_s
    out = [(a, b, p * (b - a)) for a, b in runs]
    out += [(b0, a1, idle_ratio * p * (a1 - b0)) for (_, b0), (a1, _) in zip(runs, runs[1:]) if a1 > b0]
    return out


def _running_fraction(a: float, b: float, runs: Sequence[tuple[float, float]]) -> float:
    if b <= a:
        return 1.0 if any(x <= a <= y for x, y in runs) else 0.0
    return sum(max(0.0, min(b, y) - max(a, x)) for x, y in runs) / (b - a)


def savings_pct(cost: Callable[[Segments], tuple[float, bool]], segs: Segments, runs: Sequence[tuple[float, float]],
                requested_at: float) -> tuple[float | None, float, float, bool]:
    """(saving %, grams as run, grams had it started at the request time, any outside the series).

    Had it started at once without pauses, the job would have used its running energy only,
    each tick's at the same point of its running time; what it was charged while paused is
    the cost of pausing and counts in the actual figure alone."""
    job_time = job_time_fn(runs)
    actual, out1 = cost(segs)
    base, out2 = cost([(requested_at + job_time(a), requested_at + job_time(b), e * _running_fraction(a, b, runs))
                       for a, b, e in segs])
    pct = 100.0 * (1 - actual / base) if base > 0 else None
    return pct, actual, base, out1 or out2


def _pts(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def compare(plan, *, requested_at: float, runs: Sequence[tuple[float, float]], segments: Segments, pue: float,
            account: Any = None, ended_early: bool = False, overran_s: float = 0.0) -> dict[str, Any]:
    """The planned-vs-realised record (see the module docstring)."""
    segs = [(a, b, e * pue) for a, b, e in segments]
    req = requested_at
    fc = on_dense(plan.forecast.dense)
    ratio = (plan.idle_w or 0.0) / plan.power_w if plan.power_w else 0.0
    flat, _, _, _ = savings_pct(fc, flat_segments(segs, runs, ratio), runs, req)
    by_fc, act_fc, base_fc, outside = savings_pct(fc, segs, runs, req)
    acct = on_account(account)
    by_acct = act_a = base_a = None
    if acct is not None:
        try:
            by_acct, act_a, base_a, _ = savings_pct(acct, segs, runs, req)
        except NoSeries:
            by_acct = None
    run_j, paused_j = _split(segs, runs)
    realised = by_acct if by_acct is not None else by_fc
    rec: dict[str, Any] = {
        "planned_savings_pct": plan.savings_pct,
        "realised_savings_pct": realised,
        "realised_basis": ("measured energy x the run's recorded intensity series" if by_acct is not None else
                           "measured energy x the forecast (the run has no intensity series of its own: pass "
                           "--intensity-file or --provider to measure forecast error)"),
        "difference": {
            "total_pts": _pts(realised, plan.savings_pct),
            "timing_pts": _pts(flat, plan.savings_pct),
            "power_profile_pts": _pts(by_fc, flat),
            "forecast_error_pts": _pts(by_acct, by_fc) if by_acct is not None else None,
        },
        "energy_running_kwh": K * run_j,
        "energy_paused_kwh": K * paused_j,
        "actual_emissions_by_forecast_gco2e": act_fc,
        "baseline_emissions_by_forecast_gco2e": base_fc,
        "savings_by_forecast_pct": by_fc,
    }
    if by_acct is not None:
        rec["actual_emissions_gco2e"], rec["baseline_emissions_gco2e"] = act_a, base_a
    rec["why"] = _why(rec["difference"], ended_early, overran_s, paused_j, run_j, plan, by_acct is not None)
    if outside:
        rec["note"] = "part of the run fell outside the forecast; the nearest forecast value was used there"
    return rec


def _why(diff: dict, ended_early: bool, overran_s: float, paused_j: float, run_j: float, plan, measured_ci: bool) -> list[str]:
    """The differences in words, largest first (those under 0.05 points are left out)."""
    out = []
    t = diff.get("timing_pts")
    if t is not None and abs(t) >= 0.05:
        what = ("the job ended before its last planned slot" if ended_early else
                f"the job ran {overran_s:.0f} s past its plan" if overran_s > 1 else
                "the slots it ran differ from the planned ones (start and pause boundaries)")
        out.append(f"timing {t:+.1f} points: {what}")
    p = diff.get("power_profile_pts")
    if p is not None and abs(p) >= 0.05:
        paused = (f"; {100 * paused_j / (paused_j + run_j):.1f} % of its energy was charged while paused "
                  f"(the plan assumed {plan.idle_w:g} W)") if paused_j > 0 and run_j > 0 else ""
        out.append(f"power profile {p:+.1f} points: measured power varied over the run where the plan assumed "
                   f"{plan.power_w:g} W flat{paused}")
    f = diff.get("forecast_error_pts")
    if f is not None and abs(f) >= 0.05:
        out.append(f"forecast error {f:+.1f} points: the recorded intensity differed from the forecast")
    elif not measured_ci:
        out.append("forecast error not measured: no intensity series recorded for the run")
    return out
