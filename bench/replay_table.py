"""Replay table for the 16 Electricity Maps zones: mean savings by window and policy.

    python bench/replay_table.py [--year 2023] [--duration 6h,24h] [--sample all|5/month] [--markdown]
                                 [--forecast persistence-1d|persistence-7d | --forecast-error 5% [--seeds N]]

Dodge et al. (2022) Tables 4-13 layout: for each window (+6/12/18/24 h, +25/50/75/100 % of the
job's duration), the mean decrease in emissions over every start of the year and over the
zones, for Flexible Start and Pause & Resume, and P&R's pauses per hour of job. Oracle replay
(perfect knowledge of the hourly series, as in the paper): an upper bound for a real forecast.
With --forecast or --forecast-error the plans are made on that forecast and costed on the series:
the table then gives the realised saving, what the plans claimed, and the share of plans that
emitted more than starting now.
Signal: Electricity Maps life-cycle (LCA) average intensity, not WattTime marginal as in the paper.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from wattwise.schedule.replay import DODGE_WINDOWS, simulate  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = Path(__file__).resolve()
    ap.add_argument("--data", default=os.environ.get("WATTWISE_SHARED_DATA", str(here.parents[2] / "shared" / "data"))
                    + "/ci-hourly-greendcc-em-2021-2024")
    ap.add_argument("--year", type=int, default=2023)
    ap.add_argument("--duration", default="6h")
    ap.add_argument("--sample", default="all")
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables")
    ap.add_argument("--forecast", choices=["persistence-1d", "persistence-7d"])
    ap.add_argument("--forecast-error")
    ap.add_argument("--seeds", type=int, default=1)
    a = ap.parse_args()
    if not os.path.isdir(a.data):
        print(f"data not found: {a.data} (skipped)", file=sys.stderr)
        return 0
    t = time.perf_counter()
    sim = simulate(a.data, a.duration, list(DODGE_WINDOWS), start=f"{a.year}-01-01", end=f"{a.year + 1}-01-01",
                   sample=a.sample, forecast=a.forecast, forecast_error=a.forecast_error, seeds=a.seeds)
    took = time.perf_counter() - t
    sep = " | " if a.markdown else "  "

    def row(cells):
        return ("| " + " | ".join(cells) + " |") if a.markdown else sep.join(cells)

    print(f"# Replay {a.year}, {len(sim.regions)} zones ({', '.join(sim.regions)}), starts: {a.sample}; "
          f"{sim.forecast}, Electricity Maps LCA intensity; {took:.1f} s incl. reading")
    means = sim.means()
    if sim.forecast != "oracle":
        return _forecast_table(sim, means, row, a.markdown)
    for D in sorted({m["duration_s"] for m in means}):
        print()
        print(f"## {D / 3600:g} h job: mean decrease in emissions over the zones, %")
        print(row(["window", "Flexible Start", "Pause & Resume", "P&R pauses/h"]))
        if a.markdown:
            print("|---|---:|---:|---:|")
        by = {(m["strategy"], m["window"]): m for m in means if m["duration_s"] == D}
        for w in DODGE_WINDOWS:
            lab = f"+{w}"
            fs, pr = by[("flexible-start", lab)], by[("pause-resume", lab)]
            print(row([lab, f"{fs['mean_savings_pct']:.1f}", f"{pr['mean_savings_pct']:.1f}", f"{pr['pauses_per_hour']:.2f}"]))
        print()
        print(f"## {D / 3600:g} h job: total saving (1 - total emissions / total baseline), %, mean over the zones")
        print(row(["window", "Flexible Start", "Pause & Resume"]))
        if a.markdown:
            print("|---|---:|---:|")
        for w in DODGE_WINDOWS:
            lab = f"+{w}"
            fs, pr = by[("flexible-start", lab)], by[("pause-resume", lab)]
            print(row([lab, f"{fs['total_savings_pct']:.1f}", f"{pr['total_savings_pct']:.1f}"]))
        print()
        print(f"## {D / 3600:g} h job per zone: mean decrease, % (Flexible Start / Pause & Resume)")
        print(row(["zone"] + [f"+{w}" for w in DODGE_WINDOWS]))
        if a.markdown:
            print("|---|" + "---:|" * len(DODGE_WINDOWS))
        rows = {(r.region, r.strategy, r.window): r for r in sim.rows if r.duration_s == D}
        for z in sim.regions:
            cells = [z]
            for w in DODGE_WINDOWS:
                fs = rows[(z, "flexible-start", f"+{w}")].stats["mean_savings_pct"]
                pr = rows[(z, "pause-resume", f"+{w}")].stats["mean_savings_pct"]
                cells.append(f"{fs:.1f}/{pr:.1f}")
            print(row(cells))
    for n in sim.notes:
        print(f"note: {n}")
    return 0


def _forecast_table(sim, means, row, markdown: bool) -> int:
    """Plans on a forecast: realised vs claimed saving and the share of plans worse than starting now."""
    for D in sorted({m["duration_s"] for m in means}):
        print()
        print(f"## {D / 3600:g} h job, plans on {sim.forecast}: mean over the zones (realised on the series)")
        print(row(["window", "FS realised %", "FS claimed %", "FS worse than now %", "P&R realised %", "P&R claimed %",
                   "P&R worse than now %"]))
        if markdown:
            print("|---|---:|---:|---:|---:|---:|---:|")
        by = {(m["strategy"], m["window"]): m for m in means if m["duration_s"] == D}
        for w in DODGE_WINDOWS:
            fs, pr = by[("flexible-start", f"+{w}")], by[("pause-resume", f"+{w}")]
            print(row([f"+{w}"] + [f"{round(m[k], 1) + 0.0:.1f}" for m in (fs, pr)
                                    for k in ("mean_savings_pct", "claimed_mean_savings_pct", "worse_than_now_pct")]))
        rows = [r for r in sim.rows if r.duration_s == D]
        worst = max(rows, key=lambda r: r.stats["worse_than_now_pct"])
        print(f"share of plans worse than now, per zone and window: {min(r.stats['worse_than_now_pct'] for r in rows):.0f}"
              f"-{worst.stats['worse_than_now_pct']:.0f} % (most: {worst.region} {worst.strategy} {worst.window})")
    for n in sim.notes:
        print(f"note: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
