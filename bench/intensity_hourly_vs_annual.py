#!/usr/bin/env python3
"""How far is one annual number from the hours a job actually ran? (prints a table; no pass/fail)

For each zone with an hourly 2024 series in ../shared/data/ci-hourly-greendcc-em-2021-2024
(Electricity Maps data, ODbL: a benchmark input only), a constant 1 kW, 8-hour job is started at
00:00, 06:00, 12:00 and 18:00 UTC on every day of the year. Each run is accounted hour by hour
with wattwise's HourlyAccount (the series read by read_series, 60 s sampler ticks) and compared
with the bundled annual figure for the same zone. Also prints the accounting throughput.

    python bench/intensity_hourly_vs_annual.py [--shared ../shared/data] [--year 2024]
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

from wattwise import regions
from wattwise.intensity import resolve_intensity
from wattwise.intensity.accounting import HourlyAccount
from wattwise.series import read_series

HERE = Path(__file__).resolve().parent


class Fixed:
    name, license = "file", "ODbL (Electricity Maps), benchmark only"

    def __init__(self, series):
        self.series, self.signal = series, series.signal

    def history(self, zone, start, end):
        return self.series


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared" / "data")
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--hours", type=float, default=8.0)
    args = ap.parse_args()
    base = args.shared / "ci-hourly-greendcc-em-2021-2024"
    if not base.is_dir():
        print(f"hourly series not found at {base}; pass --shared")
        return 2
    y0 = datetime(args.year, 1, 1, tzinfo=timezone.utc).timestamp()
    dur = args.hours * 3600
    print(f"constant 1 kW job, {args.hours:g} h, started 4x a day through {args.year}; gCO2e/kWh")
    print(f"{'zone':<13} {'bundled':>8} {'year':>4} {'EM mean':>8} {'runs':>5} {'mean':>7} {'min':>7} {'max':>7}"
          f" {'|err| mean':>10} {'|err| max':>9}  bundled source")
    total_segs = 0
    t_acc = 0.0
    for d in sorted(p for p in base.iterdir() if p.is_dir()):
        f = d / f"{d.name}_{args.year}_hourly.csv.gz"
        if not f.exists():
            continue
        zone = {"DE-LU": "DE", "BR-SP": "BR-CS", "CL-SIC": "CL-SEN", "US-NY-NYIS": "US-NY"}.get(d.name, d.name)
        if regions.get(zone) is None:
            continue
        annual = resolve_intensity(zone)
        s = read_series(f)
        acct = HourlyAccount(annual, Fixed(s))
        per_run = []
        for day in range(365):
            for h0 in (0, 6, 12, 18):
                a = y0 + day * 86400 + h0 * 3600
                if a + dur > s.end:
                    continue
                segs = [(a + k * 60.0, a + (k + 1) * 60.0, 60.0 * 1000.0) for k in range(int(dur // 60))]
                t0 = time.perf_counter()
                i = acct.result_intensity(segs)
                t_acc += time.perf_counter() - t0
                total_segs += len(segs)
                per_run.append(i.g_per_kwh)
        em_mean = statistics.fmean(s.g)
        errs = [abs(annual.g_per_kwh - g) / g * 100 for g in per_run if g > 0]
        print(f"{zone:<13} {annual.g_per_kwh:>8.1f} {annual.year or '':>4} {em_mean:>8.1f} {len(per_run):>5}"
              f" {statistics.fmean(per_run):>7.1f} {min(per_run):>7.1f} {max(per_run):>7.1f}"
              f" {statistics.fmean(errs):>9.1f}% {max(errs):>8.1f}%  {annual.source[:60]}")
    if total_segs:
        print(f"\naccounting throughput: {total_segs / t_acc:,.0f} sampler ticks/s ({total_segs:,} ticks in {t_acc:.2f} s)")
    print("EM mean: unweighted mean of the hourly Electricity Maps LCA series (ODbL; benchmark input, not shipped).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
