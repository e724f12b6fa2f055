"""Scheduler benchmarks: a year of replays against a straightforward NumPy implementation, and single plans.

    python bench/bench_schedule.py [--data ../shared/data/ci-hourly-greendcc-em-2021-2024] [--year 2023]
                                   [--repeat 3] [--src PATH]

1. Replay: every hourly start of a year x 16 zones x Dodge et al.'s 8 windows (+6/12/18/24 h,
   +25/50/75/100 % of a 6 h job), Flexible Start and Pause & Resume with their statistics (mean,
   median, p10, p90, min, max and total saving, pauses per hour): ``wattwise.simulate`` on
   series already read, against ``numpy_reference`` below, a straightforward vectorised NumPy
   implementation of the same policies (each candidate start's cost from prefix sums, each
   window sorted for Pause & Resume, the statistics with NumPy). Results are checked equal and
   the ratio printed (best of --repeat runs each). The pure-Python engine is timed on 2 zones
   and scaled. ``--src`` times another checkout's ``wattwise.simulate`` (e.g. an older
   version) against the same reference; its results then differ where its model does.
2. One plan over a 48 h forecast (GB, 2023-06-01, planned at 00:10, off the hour):
   ``wattwise.schedule`` end to end, median of many runs, against a straightforward planner on
   the same candidates from the Series (Flexible Start: every start where the cost can bend,
   each costed afresh; Pause & Resume: the window cut at the hours, sorted, filled).

Wall-clock figures depend on the machine; nothing here passes or fails.
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
H = 3600.0
ZONES = ("AU-NSW", "AU-VIC", "BR-SP", "CA-ON", "CL-SIC", "DE-LU", "GB", "IN-WE", "JP-TK", "KR", "SG",
         "US-CAL-CISO", "US-MIDA-PJM", "US-NY-NYIS", "US-TEX-ERCO", "ZA")
WINDOWS = ("6h", "12h", "18h", "24h", "25%", "50%", "75%", "100%")


def window_s(label: str, D: float) -> float:
    return D * float(label[:-1]) / 100 if label.endswith("%") else float(label[:-1]) * H


# -- 1. the NumPy reference --------------------------------------------------------------------
def numpy_reference(values: dict, step: float, D: float, windows=WINDOWS) -> dict:
    """(zone, window) -> {policy: stats}: every start t of the series, window [t, t + D + N].

    Flexible Start: candidate starts t + k*step, t + k*step + step - rho (the job ends on a
    boundary) and t + N, each costed as F(start + D) - F(start) with F the intensity's integral
    from prefix sums; the cheapest. Pause & Resume: the window's intervals (the last one partial)
    sorted by intensity, filled cheapest first; runs counted from the selection in time order."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view as swv

    out = {}
    m = int(D // step)
    rho = D - m * step
    for zone, v in values.items():
        v = np.asarray(v, dtype=float)
        cum = np.concatenate(([0.0], np.cumsum(v) * step))
        for w in windows:
            N = window_s(w, D)
            need = int(math.ceil((D + N) / step - 1e-9))
            nf = int((D + N) // step + 1e-9)
            lam = D + N - nf * step
            T = np.arange(len(v) - need + 1)

            def F(x):
                i = min(int(x / step + 1e-9), need - 1)
                return cum[T + i] + (x - i * step) * v[T + i]

            cands = sorted({k * step for k in range(int(N // step + 1e-9) + 1)}
                           | ({k * step + step - rho for k in range(int(N // step) + 1) if k * step + step - rho <= N}
                              if rho else set()) | {N})
            costs = np.stack([F(a + D) - F(a) for a in cands])
            base, fs = costs[0], costs.min(axis=0)
            X = swv(v, need)[T]
            lens = np.full(need, step)
            if lam > 1e-3:
                lens[-1] = lam
            order = np.argsort(X, axis=1, kind="stable")
            L = lens[order]
            take = np.clip(D - (np.cumsum(L, axis=1) - L), 0.0, L)
            take[take <= 1e-6] = 0.0
            pr = (np.take_along_axis(X, order, axis=1) * take).sum(axis=1)
            whole = np.zeros(X.shape, dtype=bool)
            np.put_along_axis(whole, order, take >= L - 1e-6, axis=1)
            part_s = (take > 0) & (take < L - 1e-6)
            part = np.take_along_axis(order, part_s.argmax(axis=1)[:, None], axis=1)[:, 0]
            runs = whole[:, 0] + np.count_nonzero(whole[:, 1:] & ~whole[:, :-1], axis=1)
            pad = np.pad(whole, ((0, 0), (1, 1)))
            r = np.arange(len(T))
            runs = runs + (part_s.any(axis=1) & ~(pad[r, part] | pad[r, part + 2]))
            res = {}
            for pol, plan, ch in (("flexible-start", fs, None), ("pause-resume", pr, runs)):
                sav = 100 * (1 - plan / base)
                q = np.percentile(sav, [50, 10, 90])
                res[pol] = {"mean": sav.mean(), "median": q[0], "p10": q[1], "p90": q[2], "min": sav.min(),
                            "max": sav.max(), "total": 100 * (1 - plan.sum() / base.sum()),
                            "pph": 0.0 if ch is None else (ch.mean() - 1) / (D / H), "n": len(T)}
            out[(zone, w)] = res
    return out


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, res = math.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        res = fn()
        best = min(best, time.perf_counter() - t)
    return best, res


def replay_part(series: dict, D: float, repeat: int) -> None:
    import numpy as np

    from wattwise.schedule import simulate

    values = {z: np.asarray(s.g, dtype=float) for z, s in series.items()}
    plans = sum(2 * (len(s.g) - int(math.ceil((D + window_s(w, D)) / H - 1e-9)) + 1) for s in series.values() for w in WINDOWS)
    numpy_reference({z: v[:500] for z, v in list(values.items())[:1]}, H, D)  # warm-up
    simulate({"w": list(series.values())[0]}, D, "6h")
    t_ref, ref = best_of(lambda: numpy_reference(values, H, D), repeat)
    t_sim, sim = best_of(lambda: simulate(series, D, list(WINDOWS)), repeat)
    two = dict(list(series.items())[:2])
    t_py, _ = best_of(lambda: simulate(two, D, list(WINDOWS), engine="python"), 1) if _has_engine_arg() else (math.nan, None)
    bad = 0
    for r in sim.rows:
        z = next(k for k, s in series.items() if (s.zone or k) == r.region or k == r.region)
        x = ref[(z, r.window.lstrip("+"))][r.strategy]
        for key, mine in (("mean", "mean_savings_pct"), ("median", "median_savings_pct"), ("p10", "p10_savings_pct"),
                          ("p90", "p90_savings_pct"), ("max", "max_savings_pct"), ("total", "total_savings_pct")):
            got = r.stats.get(mine)
            if got is None or not math.isclose(got, x[key], rel_tol=1e-9, abs_tol=1e-9):
                bad += 1
        if not math.isclose(r.pauses_per_hour, x["pph"], rel_tol=1e-9, abs_tol=1e-12) or r.n != x["n"]:
            bad += 1
    print(f"## 1. year replay: {plans:,} plans (every hourly start x {len(series)} zones x {len(WINDOWS)} windows x FS and P&R), "
          "with statistics")
    print(f"{'implementation':<58} {'seconds':>8} {'vs NumPy reference':>19}")
    print(f"{'wattwise.simulate (series already read)':<58} {t_sim:>8.3f} {t_sim / t_ref:>18.2f}x")
    print(f"{'straightforward vectorised NumPy reference (numpy_reference)':<58} {t_ref:>8.3f} {1:>18.2f}x")
    if not math.isnan(t_py):
        scaled = t_py * len(series) / 2
        print(f"{'wattwise.simulate, pure-Python engine (2 zones, scaled)':<58} {scaled:>8.2f} {scaled / t_ref:>18.1f}x")
    print(f"results equal to the reference (mean, median, p10, p90, max, total, pauses/h, starts): "
          f"{'yes' if not bad else f'NO ({bad} differ; expected for a version with another model)'}")


def _has_engine_arg() -> bool:
    import inspect

    from wattwise.schedule import replay

    return "engine" in inspect.signature(replay.simulate).parameters


# -- 2. single plans ---------------------------------------------------------------------------
def reference_plan(series, now: float, D: float, N: float, pause_resume: bool):
    """Straightforward planner from the Series: Flexible Start tries now, now + N, every hour and
    every hour - D inside [now, now + N], each costed afresh with Series.mean_over; Pause & Resume
    cuts [now, now + N + D] at the hours, sorts the pieces and fills the cheapest (ties: earlier)."""
    end = now + N + D
    hours = [math.ceil(now / H) * H + k * H for k in range(int((N + D) / H) + 2)]
    if not pause_resume:
        starts = sorted({now, now + N} | {b for b in hours if now < b < now + N} | {b - D for b in hours if now < b - D < now + N})
        best = min(starts, key=lambda s: (series.mean_over(s, s + D)[0], s))
        return [(best, best + D)]
    pts = sorted({now, end} | {b for b in hours if now < b < end})
    pieces = sorted(((series.mean_over(a, b)[0], a, b) for a, b in zip(pts, pts[1:])))
    left, chosen, part = D, [], None
    for _, a, b in pieces:
        if left <= 1e-6:
            break
        if b - a <= left + 1e-6:
            chosen.append((a, b))
            left -= b - a
        else:
            part, left = (a, b, left), 0.0
    if part is not None:  # next to a running neighbour when there is one (one pause fewer)
        a, b, r = part
        ends, starts_ = {y for _, y in chosen}, {x for x, _ in chosen}
        chosen.append((b - r, b) if b in starts_ and a not in ends else (a, a + r))
    slots: list[list[float]] = []
    for a, b in sorted(chosen):
        if slots and abs(slots[-1][1] - a) < 1e-6:
            slots[-1][1] = b
        else:
            slots.append([a, b])
    return [tuple(s) for s in slots]


def plan_part(data: Path, year: int) -> None:
    from wattwise.schedule import schedule
    from wattwise.series import from_points, read_series

    gb = read_series(data / "GB" / f"GB_{year}_hourly.csv.gz")
    t0 = gb.t[0] + 151 * 24 * H  # June 1st
    fc = from_points([(t, g) for t, g in zip(gb.t, gb.g) if t0 <= t < t0 + 48 * H], source="GB 48 h")
    now = t0 + 600
    cases = [
        ("flexible start, 12 h job within +24 h", dict(pause_resume=False)),
        ("pause & resume, 12 h job within +24 h", dict(pause_resume=True)),
        ("P&R + min run 2 h, max 3 pauses, idle 50 W", dict(pause_resume=True, min_run="2h", max_pauses=3, idle_w=50)),
        ("P&R + min run 90 min, idle 50 W", dict(pause_resume=True, min_run="90min", idle_w=50)),
    ]
    print()
    print("## 2. one plan over a 48 h forecast (hourly, GB June 2023, planned at 00:10), wattwise.schedule() end to end")
    print(f"{'plan':<46} {'median ms':>10} {'reference ms':>13} {'ratio':>7}")
    for name, kw in cases:
        times = []
        for _ in range(50 if "min run" in name else 200):
            t = time.perf_counter()
            p = schedule("12h", "24h", region="GB", forecast=fc, now=now, **kw)
            times.append(time.perf_counter() - t)
        med = statistics.median(times) * 1000
        ref = ratio = ""
        if "min run" not in name:
            rt = []
            for _ in range(50):
                t = time.perf_counter()
                r_slots = reference_plan(fc, now, 12 * H, 24 * H, kw.get("pause_resume", False))
                rt.append(time.perf_counter() - t)
            assert [tuple(round(x) for x in s_) for s_ in r_slots] == [tuple(round(x) for x in s_) for s_ in p.slots], (
                r_slots, p.slots)
            r = statistics.median(rt) * 1000
            ref, ratio = f"{r:.3f}", f"{r / med:.1f}x"
        print(f"{name:<46} {med:>10.3f} {ref:>13} {ratio:>7}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.environ.get("WATTWISE_SHARED_DATA", str(HERE.parents[2] / "shared" / "data"))
                    + "/ci-hourly-greendcc-em-2021-2024")
    ap.add_argument("--year", type=int, default=2023)
    ap.add_argument("--duration", default="6h")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--src", default=str(HERE.parents[1] / "src"), help="the wattwise source tree to time")
    ap.add_argument("--replay-only", action="store_true")
    a = ap.parse_args()
    sys.path.insert(0, a.src)
    data = Path(a.data)
    if not data.is_dir():
        print(f"data not found: {data} (skipped)", file=sys.stderr)
        return 0
    import numpy

    from wattwise.series import read_series

    t = time.perf_counter()
    series = {z: read_series(data / z / f"{z}_{a.year}_hourly.csv.gz") for z in ZONES}
    load_s = time.perf_counter() - t
    D = float(a.duration[:-1]) * H
    print(f"# wattwise scheduler benchmark ({a.src}): {len(ZONES)} zones x {a.year} hourly x {len(WINDOWS)} windows, "
          f"{D / H:g} h job; Python {sys.version.split()[0]}, NumPy {numpy.__version__}, {os.cpu_count()} CPUs")
    print(f"reading 16 zone-years (CSV.gz): {load_s:.2f} s (not included below)")
    replay_part(series, D, a.repeat)
    if not a.replay_only:
        plan_part(data, a.year)
    return 0


if __name__ == "__main__":
    sys.exit(main())
