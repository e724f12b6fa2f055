"""Regret of wattwise's plans against the continuous-time optimum, on random instances and real replays.

    python bench/plan_regret.py [--instances 300] [--seed 1] [--data ../shared/data/ci-hourly-greendcc-em-2021-2024]

1. Random instances with continuous intensities (uniform 20-600 g/kWh), planning times off the
   forecast's grid, durations, windows and minimum runs that are not whole intervals, idle
   power, pause limits and two-phase power profiles. Each plan from ``wattwise.schedule`` is
   costed independently (``tests/schedule/schedule_ref.cost_of``: cut wherever the intensity or
   the power changes) and compared with the continuous optimum (``schedule_ref``: exhaustive
   search on a grid that holds every breakpoint, exact; see its docstring). Regret = plan cost /
   optimum - 1, in %, max and mean per policy; infeasible plans are counted.
2. Replays (``wattwise.simulate``, oracle, hourly Electricity Maps 2023, every hourly start) of
   a 6 h job for Dodge et al.'s windows, against the continuous optimum of the same starts
   (half-hour grid; Pause & Resume: the cheapest half-hours): the share of the achievable
   saving the replay reports.

Uses only the public API, so it measures any version of the planner. Prints plain text.
"""
from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1] / "src"))
sys.path.insert(0, str(HERE.parents[1] / "tests" / "schedule"))

import schedule_ref as ref  # noqa: E402

import wattwise  # noqa: E402
from wattwise.schedule.profile import Profile  # noqa: E402
from wattwise.series import from_points  # noqa: E402

T0 = 1_704_067_200.0  # 2024-01-01T00:00Z
POLICIES = ("flexible start", "flexible start, two-phase power", "pause & resume",
            "pause & resume, constrained", "pause & resume, two-phase power")


def instance(rng: random.Random, policy: str) -> dict:
    """A random instance whose breakpoints lie on a grid of unit g = step / q."""
    step = rng.choice([3600.0, 3600.0, 3600.0, 1800.0, 900.0])
    q = rng.choice([2, 3, 4, 5, 6])
    g = step / q
    dg = rng.randint(1, 4 * q)
    ng = rng.randint(0, 4 * q)
    now = T0 + step * rng.randint(1, 3) + g * rng.randint(0, q - 1)
    n_vals = int((now - T0 + (dg + ng) * g) / step) + 3
    vals = [rng.uniform(20.0, 600.0) for _ in range(n_vals)]
    D, N = dg * g, ng * g
    inst = dict(series=from_points([(T0 + i * step, v) for i, v in enumerate(vals)]), now=now, D=D, N=N, g=g,
                idle_w=0.0, min_run=None, max_pauses=None, knots=([0.0, D], [0.0, 1000.0 * D]))
    if "two-phase" in policy and dg >= 2:
        cut = g * rng.randint(1, dg - 1)
        p1, p2 = rng.uniform(100, 2000), rng.uniform(100, 2000)
        inst["knots"] = ([0.0, cut, D], [0.0, p1 * cut, p1 * cut + p2 * (D - cut)])
    if "constrained" in policy:
        while inst["idle_w"] == 0 and inst["min_run"] is None and inst["max_pauses"] is None:
            inst["idle_w"] = rng.choice([0.0, 0.0, 100.0, 500.0, 1500.0])
            inst["min_run"] = rng.choice([None, g * rng.randint(1, 2 * q)])
            inst["max_pauses"] = rng.choice([None, None, 0, 1, 2])
    return inst


def plan_and_optimum(inst: dict, policy: str):
    s, now, D, N, g = inst["series"], inst["now"], inst["D"], inst["N"], inst["g"]
    kt, ke = inst["knots"]
    power = ref.Power(kt, ke)
    prof = Profile(D, tuple(kt), tuple(ke), "bench profile", False, 1000.0 if len(kt) == 2 else None)
    pr = policy.startswith("pause")
    kw = dict(idle_w=inst["idle_w"], min_run=inst["min_run"], max_pauses=inst["max_pauses"]) if pr else {}
    plan = wattwise.schedule(D, N, region="GB", forecast=s, now=now, pause_resume=pr, profile=prof, **kw)
    got = sum(ref.cost_of(s, plan.slots, power, inst["idle_w"] if pr else 0.0))
    if pr:
        best, _ = ref.pause_resume(s, now, D, N, power, g, idle_w=inst["idle_w"], min_run=inst["min_run"] or 0.0,
                                   max_pauses=inst["max_pauses"])
    else:
        best, _ = ref.flexible_start(s, now, D, N, power, g)
    ok = feasible(plan.slots, now, D, N, pr, inst)
    return got, best, ok, plan


def feasible(slots, now, D, N, pr, inst) -> bool:
    tol = 1e-6
    if abs(sum(b - a for a, b in slots) - D) > tol or slots[0][0] < now - tol:
        return False
    if not pr:
        return len(slots) == 1 and slots[0][0] <= now + N + tol
    if slots[-1][1] > now + N + D + tol:
        return False
    if inst["max_pauses"] is not None and len(slots) - 1 > inst["max_pauses"]:
        return False
    L = min(inst["min_run"] or 0.0, D)
    return all(b - a >= L - tol for a, b in slots)


def random_part(n: int, seed: int) -> None:
    print(f"## 1. random instances ({n} per policy, seed {seed}): regret vs the continuous optimum, %")
    print(f"{'policy':<34} {'max %':>8} {'mean %':>8} {'worse':>7} {'infeasible':>10} {'plan ms':>8}")
    for policy in POLICIES:
        rng = random.Random(f"{seed}-{policy}")
        regrets, bad, worse, ms = [], 0, 0, []
        for _ in range(n):
            inst = instance(rng, policy)
            t = time.perf_counter()
            got, best, ok, _ = plan_and_optimum(inst, policy)
            ms.append((time.perf_counter() - t) * 1000)
            bad += not ok
            r = 100.0 * (got / best - 1.0)
            regrets.append(max(0.0, r) if ok else math.nan)
            worse += r > 1e-7
        good = [r for r in regrets if not math.isnan(r)]
        print(f"{policy:<34} {max(good):>8.2f} {statistics.fmean(good):>8.3f} {worse:>4}/{n:<3}{bad:>10} "
              f"{statistics.median(ms):>8.2f}")


def replay_part(data: Path) -> None:
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view as swv

    from wattwise.series import read_series

    zones = ("DE-LU", "GB", "US-CAL-CISO", "AU-NSW")
    wins = ("6h", "12h", "25%", "50%", "75%", "100%")
    print()
    print("## 2. replay of a 6 h job, every hourly start of 2023 (oracle), mean saving over "
          f"{len(zones)} zones: simulate vs continuous optimum")
    print(f"{'window':>7} {'FS sim %':>9} {'FS opt %':>9} {'kept':>6} {'P&R sim %':>10} {'P&R opt %':>10} {'kept':>6}")
    sim = wattwise.simulate([data / z for z in zones], "6h", list(wins), start="2023-01-01", end="2024-01-01")
    rows = {(r.region, r.strategy, r.window): r for r in sim.rows}
    D = 6 * 3600.0
    for w in wins:
        N = D * float(w[:-1]) / 100 if w.endswith("%") else float(w[:-1]) * 3600
        dg, ng = int(round(D / 1800)), int(round(N / 1800))
        sims = {"flexible-start": [], "pause-resume": []}
        opts = {"flexible-start": [], "pause-resume": []}
        for z in zones:
            s = read_series(data / z / f"{z}_2023_hourly.csv.gz")
            v = np.repeat(np.asarray(s.g, float), 2)  # half-hour slices
            n_starts = (len(s.g) * 2 - (dg + ng)) // 2 + 1
            starts = np.arange(n_starts) * 2
            X = swv(v, dg + ng)[starts]
            base = X[:, :dg].sum(axis=1)
            fs = swv(X, dg, axis=1).sum(axis=2).min(axis=1)
            pr = np.sort(X, axis=1)[:, :dg].sum(axis=1)
            opts["flexible-start"].append(float(np.mean(100 * (1 - fs / base))))
            opts["pause-resume"].append(float(np.mean(100 * (1 - pr / base))))
            for p in sims:
                sims[p].append(rows[(z if z != "DE-LU" else "DE", p, f"+{w}")].stats["mean_savings_pct"])
        a, b = statistics.fmean(sims["flexible-start"]), statistics.fmean(opts["flexible-start"])
        c, d = statistics.fmean(sims["pause-resume"]), statistics.fmean(opts["pause-resume"])
        print(f"{'+' + w:>7} {a:>9.2f} {b:>9.2f} {a / b:>6.0%} {c:>10.2f} {d:>10.2f} {c / d:>6.0%}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--instances", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", default=os.environ.get("WATTWISE_SHARED_DATA", str(HERE.parents[2] / "shared" / "data"))
                    + "/ci-hourly-greendcc-em-2021-2024")
    ap.add_argument("--no-replay", action="store_true")
    a = ap.parse_args()
    random_part(a.instances, a.seed)
    data = Path(a.data)
    if a.no_replay:
        return 0
    if not data.is_dir():
        print(f"\nreplay part skipped: {data} not found", file=sys.stderr)
        return 0
    replay_part(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
