"""Scheduler benchmarks: a year of replays and a single plan, against straightforward references.

    python bench/bench_schedule.py [--data ../shared/data/ci-hourly-greendcc-em-2021-2024] [--year 2023]

1. Flexible Start and Pause & Resume for every hourly start of a year x 16 zones x Dodge et al.'s
   8 windows (+6/12/18/24 h, +25/50/75/100 % of a 6 h job): the replay engine (NumPy when
   installed, and the pure-Python one), against a straightforward reference (for each start:
   every candidate start summed afresh; the window sorted) measured on 2 zones in the same run
   and scaled to 16. Results are checked equal.
2. One plan over a 48 h forecast (GB, 2023-06-01): ``wattwise.schedule`` end to end, median of
   many runs, against a straightforward planner (every start summed afresh, every subset of
   cells for P&R is out of reach, so: the window sorted).

Targets from issue 5: (1) <= 2 s total; (2) <= 5 ms. Wall-clock figures depend on the machine;
nothing here passes or fails.
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from wattwise.schedule import replay, schedule  # noqa: E402
from wattwise.schedule.grid import densify  # noqa: E402
from wattwise.series import read_series  # noqa: E402

H = 3600.0
ZONES = ("AU-NSW", "AU-VIC", "BR-SP", "CA-ON", "CL-SIC", "DE-LU", "GB", "IN-WE", "JP-TK", "KR", "SG",
         "US-CAL-CISO", "US-MIDA-PJM", "US-NY-NYIS", "US-TEX-ERCO", "ZA")
WINDOWS = ("6h", "12h", "18h", "24h", "25%", "50%", "75%", "100%")


def reference_costs(v, m, kmax, nf, starts):
    """For each start: FS = min over candidate starts of a fresh sum; P&R = the window sorted, its chunks counted."""
    fs, pr, chunks = [], [], []
    for t in starts:
        best = math.inf
        for k in range(kmax + 1):
            s = 0.0
            for i in range(t + k, t + k + m):
                s += v[i]
            if s < best:
                best = s
        fs.append(best)
        pick = sorted((v[i], i) for i in range(t, t + nf))[:m]
        pr.append(sum(x for x, _ in pick))
        idx = sorted(i for _, i in pick)
        chunks.append(1 + sum(1 for a, b in zip(idx, idx[1:]) if b != a + 1))
    return fs, pr, chunks


def reference_plan(series, now, m, n_window, pause_resume):
    """Straightforward planner from the Series: hourly cells from now, each start summed afresh / cells sorted."""
    cells = [series.mean_over(now + k * H, now + (k + 1) * H)[0] for k in range(m + n_window)]
    if pause_resume:
        pick = sorted(i for _, i in sorted((v, i) for i, v in enumerate(cells))[:m])
        slots = []
        for i in pick:
            if slots and slots[-1][1] == now + i * H:
                slots[-1][1] += H
            else:
                slots.append([now + i * H, now + (i + 1) * H])
        return slots
    best = min(range(n_window + 1), key=lambda k: (sum(cells[k:k + m]), k))
    return [[now + best * H, now + (best + m) * H]]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = Path(__file__).resolve()
    ap.add_argument("--data", default=os.environ.get("WATTWISE_SHARED_DATA", str(here.parents[2] / "shared" / "data"))
                    + "/ci-hourly-greendcc-em-2021-2024")
    ap.add_argument("--year", type=int, default=2023)
    ap.add_argument("--duration", default="6h")
    ap.add_argument("--reference-zones", type=int, default=2)
    a = ap.parse_args()
    data = Path(a.data)
    if not data.is_dir():
        print(f"data not found: {data}", file=sys.stderr)
        return 2
    t = time.perf_counter()
    series = {z: densify(read_series(data / z / f"{z}_{a.year}_hourly.csv.gz")) for z in ZONES}
    load_s = time.perf_counter() - t
    D = replay.parse_duration(a.duration)
    wins = [replay.parse_window(w) for w in WINDOWS]
    try:
        import numpy

        engines = ["numpy", "python"]
        npv = numpy.__version__
    except ImportError:
        engines, npv = ["python"], None
    print(f"# wattwise scheduler benchmark: {len(ZONES)} zones x {a.year} hourly x {len(wins)} windows, "
          f"{D / H:g} h job; Python {sys.version.split()[0]}, NumPy {npv or 'not installed'}, {os.cpu_count()} CPUs")
    print(f"loading 16 zone-years (CSV.gz parse + grid): {load_s:.2f} s (not included below)")
    results = {}
    plans = 0
    for eng in engines:
        replay.replay_costs(series["GB"].v, H, D, 6 * H, [0, 1, 2], eng)  # warm-up (imports)
        t = time.perf_counter()
        out = {}
        n = 0
        for z, d in series.items():
            for w in wins:
                N = w.for_duration(D)
                st = replay.valid_starts(len(d.v), d.step, D, N)
                c = replay.replay_costs(d.v, d.step, D, N, st, eng)
                out[(z, w.label)] = c
                n += len(st)
        results[eng] = (time.perf_counter() - t, out)
        plans = n
    # reference on a few zones, scaled
    ref_z = ZONES[:a.reference_zones]
    t = time.perf_counter()
    ref_n = 0
    mismatches = 0
    for z in ref_z:
        d = series[z]
        for w in wins:
            N = w.for_duration(D)
            m = int(math.floor(D / H + 1e-9))
            kmax = int(math.floor(N / H + 1e-9))
            nf = int(math.floor((D + N) / H + 1e-9))
            st = replay.valid_starts(len(d.v), d.step, D, N)
            fs, pr, ch = reference_costs(d.v, m, kmax, nf, st)
            ref_n += len(st)
            fast = results[engines[0]][1][(z, w.label)]
            mismatches += sum(1 for x, y in zip(fs, fast.fs) if not math.isclose(x, y, rel_tol=1e-9))
            mismatches += sum(1 for x, y in zip(pr, fast.pr) if not math.isclose(x, y, rel_tol=1e-9))
            mismatches += sum(1 for x, y in zip(ch, fast.chunks) if x != y)
    ref_s = time.perf_counter() - t
    ref_scaled = ref_s * plans / ref_n
    print()
    print(f"## 1. year replay: {plans:,} starts, each planned with Flexible Start and Pause & Resume ({2 * plans:,} plans)")
    print(f"{'implementation':<44} {'seconds':>9} {'plans/s':>12} {'vs reference':>13}")
    for eng in engines:
        s = results[eng][0]
        print(f"{'wattwise replay engine (' + eng + ')':<44} {s:>9.3f} {2 * plans / s:>12,.0f} {ref_scaled / s:>12.0f}x")
    print(f"{'reference (measured on ' + str(len(ref_z)) + ' zones, scaled to 16)':<44} {ref_scaled:>9.2f} "
          f"{2 * plans / ref_scaled:>12,.0f} {1:>12.0f}x")
    print(f"results (costs and pauses) equal to the reference on {ref_n:,} starts x 2 policies: {'yes' if not mismatches else f'NO ({mismatches} differ)'}")
    same = all(math.isclose(x, y, rel_tol=1e-9) for k in results[engines[0]][1]
               for x, y in zip(results[engines[0]][1][k].pr, results[engines[-1]][1][k].pr))
    if len(engines) > 1:
        print(f"numpy and pure-Python engines agree: {'yes' if same else 'NO'}")
    print("target: <= 2 s total")

    # -- 2. a single plan over a 48 h forecast ------------------------------------------------
    from wattwise.series import from_points

    gb = read_series(data / "GB" / f"GB_{a.year}_hourly.csv.gz")
    t0 = gb.t[0] + 151 * 24 * H  # June 1st
    fc = from_points([(t, g) for t, g in zip(gb.t, gb.g) if t0 <= t < t0 + 48 * H], source="GB 48 h")
    now = t0 + 600
    cases = [
        ("flexible start, 12 h job within 24 h", dict(pause_resume=False)),
        ("pause & resume, 12 h job within +24 h", dict(pause_resume=True)),
        ("P&R + min run 2 h, max 3 pauses, idle 50 W", dict(pause_resume=True, min_run="2h", max_pauses=3, idle_w=50)),
    ]
    print()
    print("## 2. one plan over a 48 h forecast (hourly, GB June 2023), wattwise.schedule() end to end")
    print(f"{'plan':<46} {'median ms':>10} {'reference ms':>13} {'ratio':>7}")
    for name, kw in cases:
        times = []
        for _ in range(200):
            t = time.perf_counter()
            p = schedule("12h", "24h", region="GB", forecast=fc, now=now, **kw)
            times.append(time.perf_counter() - t)
        med = statistics.median(times) * 1000
        ref = ratio = ""
        if "min run" not in name:
            rt = []
            for _ in range(50):
                t = time.perf_counter()
                r_slots = reference_plan(fc, now, 12, 24, kw.get("pause_resume", False))
                rt.append(time.perf_counter() - t)
            assert [tuple(round(x) for x in s_) for s_ in r_slots] == [tuple(round(x) for x in s_) for s_ in p.slots]
            r = statistics.median(rt) * 1000
            ref, ratio = f"{r:.3f}", f"{r / med:.1f}x"
        print(f"{name:<46} {med:>10.3f} {ref:>13} {ratio:>7}")
    t = time.perf_counter()
    for _ in range(50):
        schedule("12h", "24h", regions="DE,GB,US-CAL-CISO", forecast=str(data), now=1_685_577_600.0 + 600, pause_resume=True)
    print(f"{'region choice, 3 zones from files (incl. reading 3 years of CSV.gz)':<46} {(time.perf_counter() - t) / 50 * 1000:>10.1f}")
    print("target: <= 5 ms per plan. The reference plans from the Series directly (same slots, checked) without "
          "forecast handling, baseline, notes or provenance.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
