"""wattwise simulate: replay history to see what a scheduling policy would have saved."""
from __future__ import annotations

import argparse
import sys

from ..errors import UsageError
from ._common import add_json

EPILOG = """examples:
  wattwise simulate --series ../shared/data/ci-hourly-greendcc-em-2021-2024 --duration 6h --from 2023-01-01 --to 2024-01-01
  wattwise simulate --series gb.csv --duration 6h --window 12h --pause-resume --json
  wattwise simulate --series de.csv --series fr.csv --duration 1h,6h,24h --window 6h,50% --region-choice
  wattwise simulate --series DIR --duration 6h --sample 5/month --seed 1     # Dodge et al.'s sampling

Default windows: Dodge et al.'s +6h,+12h,+18h,+24h and +25%,+50%,+75%,+100% of the duration.
Savings are against starting at once in the same region, with perfect knowledge of the series
(an oracle, as in Dodge et al.): an upper bound on what a forecast achieves.
"""


def register(sub) -> None:
    p = sub.add_parser("simulate", help="replay history: savings of flexible start, pause & resume, region choice",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Replay scheduling policies over historical intensity series.")
    p.add_argument("--series", action="append", required=True, metavar="PATH",
                   help="a series file, a directory of one zone's files, or a directory of per-zone folders (repeatable)")
    p.add_argument("--duration", action="append", required=True, metavar="D", help="job duration(s): 6h, or 1h,6h,24h")
    p.add_argument("--window", action="append", metavar="W",
                   help="window(s): 12h, or a share of the duration: 50%% (default: 6h,12h,18h,24h,25%%,50%%,75%%,100%%)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--pause-resume", action="store_true", help="replay only Pause & Resume")
    g.add_argument("--flexible-start", action="store_true", help="replay only Flexible Start")
    p.add_argument("--region-choice", action="store_true", help="also move the job to the cleanest region (needs 2+ regions)")
    p.add_argument("--sample", default="all", help="start times: all (default) or N/month, random with --seed")
    p.add_argument("--seed", type=int, default=0, help="seed for --sample N/month (default 0)")
    p.add_argument("--from", dest="start", metavar="TIME", help="first start time (ISO 8601)")
    p.add_argument("--to", dest="end", metavar="TIME", help="end of the replayed span (ISO 8601)")
    p.add_argument("--column", help="value column to read (default: g_per_kwh, or the LCA column of Electricity Maps exports)")
    p.add_argument("--engine", choices=["auto", "numpy", "python"], default="auto", help=argparse.SUPPRESS)
    add_json(p)
    p.set_defaults(func=main)


def main(args) -> int:
    from ..cli import emit_json
    from ..schedule.replay import DODGE_WINDOWS, simulate

    if args.engine == "numpy":
        try:
            import numpy  # noqa: F401
        except ImportError:
            from ..errors import MissingExtraError

            raise MissingExtraError("fast", "numpy", "the NumPy replay engine") from None
    pr = True if args.pause_resume else (False if args.flexible_start else None)
    sim = simulate(args.series, args.duration, args.window or list(DODGE_WINDOWS), pause_resume=pr,
                   region_choice=args.region_choice, sample=args.sample, seed=args.seed, start=args.start, end=args.end,
                   column=args.column, engine=args.engine)
    if not sim.rows:
        raise UsageError("nothing to replay: " + ("; ".join(sim.notes) or "the series are shorter than the windows"))
    text = format_table(sim)
    if args.json:
        sys.stderr.write(text + "\n")
        emit_json(sim.to_dict())
    else:
        sys.stdout.write(text + "\n")
    return 0


def _h(s: float) -> str:
    return f"{s / 3600:g} h" if s >= 3600 else f"{s / 60:g} min"


def _f(x, nd=1):
    return "-" if x is None else f"{x:.{nd}f}"


def format_table(sim) -> str:
    from ..units import iso

    out = [f"Replay {iso(sim.span[0])[:10]} .. {iso(sim.span[1])[:10]}, starts: {sim.sample}; savings in % vs starting at once "
           "(oracle: perfect knowledge of the series)"]
    hdr = f"{'region':<14} {'strategy':<22} {'job':>8} {'window':>7} {'mean %':>7} {'p10 %':>6} {'med %':>6} {'p90 %':>6} {'max %':>6} {'pauses/h':>8} {'starts':>7}"
    out.append(hdr)
    order = {w: i for i, w in enumerate(dict.fromkeys(r.window for r in sim.rows))}
    regs = {k: i for i, k in enumerate(sim.regions)}
    for r in sorted(sim.rows, key=lambda r: (regs.get(r.region, 0), r.duration_s, r.strategy, order[r.window])):
        s = r.stats
        out.append(f"{r.region:<14} {r.strategy:<22} {_h(r.duration_s):>8} {r.window:>7} "
                   f"{_f(s['mean_savings_pct']):>7} {_f(s['p10_savings_pct']):>6} {_f(s['median_savings_pct']):>6} "
                   f"{_f(s['p90_savings_pct']):>6} {_f(s['max_savings_pct']):>6} {_f(r.pauses_per_hour, 2):>8} {r.n:>7}")
    if len(sim.regions) > 1:
        out.append("")
        out.append(f"Mean over {len(sim.regions)} regions")
        out.append(f"{'strategy':<22} {'job':>8} {'window':>7} {'mean %':>7} {'pauses/h':>8}")
        for m in sim.means():
            out.append(f"{m['strategy']:<22} {_h(m['duration_s']):>8} {m['window']:>7} "
                       f"{_f(m['mean_savings_pct']):>7} {_f(m['pauses_per_hour'], 2):>8}")
    for n in sim.notes:
        out.append(f"note: {n}")
    return "\n".join(out)
