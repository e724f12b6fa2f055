"""wattwise simulate: replay history to see what a scheduling policy would have saved."""
from __future__ import annotations

import argparse
import sys

from ..errors import UsageError
from ._common import add_json, add_store, duration, positive_float

EPILOG = """examples:
  wattwise simulate --series ../shared/data/ci-hourly-greendcc-em-2021-2024 --duration 6h --from 2023-01-01 --to 2024-01-01
  wattwise simulate --series gb.csv --duration 6h --window 12h --pause-resume --json
  wattwise simulate --series de.csv --series fr.csv --duration 1h,6h,24h --window 6h,50% --region-choice
  wattwise simulate --series DIR --duration 6h --sample 5/month --seed 1     # Dodge et al.'s sampling
  wattwise simulate --series DIR --duration 6h --window 12h --forecast persistence-1d   # plans on wattwise's own forecast
  wattwise simulate --series DIR --duration 6h --window 12h --forecast-error 5% --seeds 10
  wattwise simulate --series DIR --duration 2h --daily 02:00 --flex 3h      # a nightly job, start within +-3 h

Default windows: Dodge et al.'s +6h,+12h,+18h,+24h and +25%,+50%,+75%,+100% of the duration.
By default plans know the series (an oracle, as in Dodge et al.): an upper bound on what a
forecast achieves. With --forecast or --forecast-error, plans are made on that forecast and
costed on the series: the result shows the realised saving, what the plans claimed, and how
often a plan emitted more than starting now.
"""


def register(sub) -> None:
    p = sub.add_parser("simulate", help="replay history: savings of flexible start, pause & resume, region choice",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Replay scheduling policies over historical intensity series.")
    p.add_argument("--series", action="append", required=True, metavar="PATH",
                   help="a series file, a directory of one zone's files, or a directory of per-zone folders (repeatable)")
    p.add_argument("--duration", action="append", metavar="D",
                   help="job duration(s): 6h, or 1h,6h,24h (default with --like: that run's)")
    p.add_argument("--window", action="append", metavar="W",
                   help="window(s): 12h, or a share of the duration: 50%% (default: 6h,12h,18h,24h,25%%,50%%,75%%,100%%)")
    p.add_argument("--daily", metavar="HH:MM", help="a recurring job: one run a day, usually at HH:MM (UTC); needs --flex")
    p.add_argument("--flex", type=duration("flex"), metavar="W",
                   help="with --daily: the start may move up to W earlier or later (known W before the usual time)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--pause-resume", action="store_true", help="replay only Pause & Resume")
    g.add_argument("--flexible-start", action="store_true", help="replay only Flexible Start")
    p.add_argument("--region-choice", action="store_true", help="also move the job to the cleanest region (needs 2+ regions)")
    f = p.add_mutually_exclusive_group()
    f.add_argument("--forecast", choices=["persistence-1d", "persistence-7d"],
                   help="plan on wattwise's persistence forecast made at each start (default: an oracle)")
    f.add_argument("--forecast-error", metavar="PCT",
                   help="plan on the series plus Gaussian error, sigma = PCT of the series mean (e.g. 5%%)")
    p.add_argument("--seeds", type=int, default=1, metavar="N", help="with --forecast-error: N error draws, pooled (default 1)")
    p.add_argument("--like", metavar="RUN_ID", help="use a stored run's measured energy profile (planned start by start)")
    add_store(p)
    p.add_argument("--idle-w", type=positive_float("idle power", 0.0, lo_inclusive=True), default=0.0, metavar="W",
                   help="pause & resume: power drawn while paused, counted in plan and result (default 0)")
    p.add_argument("--sample", default="all", help="start times: all (default) or N/month, random with --seed")
    p.add_argument("--seed", type=int, default=0, help="seed for --sample N/month and --forecast-error (default 0)")
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
    if args.seeds != 1 and not args.forecast_error:
        raise UsageError("--seeds N goes with --forecast-error PCT (N error draws)")
    if args.daily and args.window:
        raise UsageError("--daily HH:MM --flex W sets the window itself; drop --window")
    profile = None
    if args.like:
        from ..schedule.profile import from_run

        profile = from_run(args.like, args.store)
    if not args.duration and profile is None:
        raise UsageError("no job duration; pass --duration D (e.g. 6h) or --like RUN_ID")
    if (profile is not None or args.idle_w) and args.sample == "all" and not args.daily:
        sys.stderr.write("wattwise: a measured profile or idle power is planned start by start; for a year of "
                         "starts this takes a while (--sample 5/month is Dodge et al.'s sampling)\n")
    pr = True if args.pause_resume else (False if args.flexible_start else None)
    sim = simulate(args.series, args.duration, args.window or list(DODGE_WINDOWS), pause_resume=pr,
                   region_choice=args.region_choice, sample=args.sample, seed=args.seed, start=args.start, end=args.end,
                   column=args.column, engine=args.engine, forecast=args.forecast, forecast_error=args.forecast_error,
                   seeds=args.seeds, daily=args.daily, flex=args.flex, profile=profile, idle_w=args.idle_w)
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


def _header(sim) -> str:
    from ..units import iso

    what = ("oracle: perfect knowledge of the series" if sim.forecast == "oracle" else
            f"plans made on a forecast ({sim.forecast}), emissions counted on the series")
    base = "running at the usual time" if sim.daily else "starting at once"
    return (f"Replay {iso(sim.span[0])[:10]} .. {iso(sim.span[1])[:10]}, starts: {sim.sample}; savings in % vs {base} "
            f"({what}; {sim.signal} intensity)")


def format_table(sim) -> str:
    out = [_header(sim)]
    fc = sim.forecast != "oracle"
    if fc:
        out.append(f"{'region':<14} {'strategy':<22} {'job':>8} {'window':>7} {'realised %':>10} {'total %':>7} "
                   f"{'claimed %':>9} {'gap':>5} {'worse %':>7} {'pauses/h':>8} {'starts':>7}")
    else:
        out.append(f"{'region':<14} {'strategy':<22} {'job':>8} {'window':>7} {'mean %':>7} {'total %':>7} {'p10 %':>6} "
                   f"{'med %':>6} {'p90 %':>6} {'max %':>6} {'pauses/h':>8} {'starts':>7}")
    order = {w: i for i, w in enumerate(dict.fromkeys(r.window for r in sim.rows))}
    regs = {k: i for i, k in enumerate(sim.regions)}
    for r in sorted(sim.rows, key=lambda r: (regs.get(r.region, 0), r.duration_s, r.strategy, order[r.window])):
        s = r.stats
        lead = f"{r.region:<14} {r.strategy:<22} {_h(r.duration_s):>8} {r.window:>7} "
        if fc:
            gap = None if s["claimed_mean_savings_pct"] is None else s["claimed_mean_savings_pct"] - s["mean_savings_pct"]
            out.append(lead + f"{_f(s['mean_savings_pct']):>10} {_f(s['total_savings_pct']):>7} "
                       f"{_f(s['claimed_mean_savings_pct']):>9} {_f(gap):>5} {_f(s['worse_than_now_pct']):>7} "
                       f"{_f(r.pauses_per_hour, 2):>8} {r.n:>7}")
        else:
            out.append(lead + f"{_f(s['mean_savings_pct']):>7} {_f(s['total_savings_pct']):>7} {_f(s['p10_savings_pct']):>6} "
                       f"{_f(s['median_savings_pct']):>6} {_f(s['p90_savings_pct']):>6} {_f(s['max_savings_pct']):>6} "
                       f"{_f(r.pauses_per_hour, 2):>8} {r.n:>7}")
    if len(sim.regions) > 1:
        out += ["", f"Mean over {len(sim.regions)} regions"]
        extra = f" {'claimed %':>9} {'worse %':>7}" if fc else ""
        out.append(f"{'strategy':<22} {'job':>8} {'window':>7} {'mean %':>7} {'total %':>7}{extra} {'pauses/h':>8}")
        for m in sim.means():
            extra = f" {_f(m['claimed_mean_savings_pct']):>9} {_f(m['worse_than_now_pct']):>7}" if fc else ""
            out.append(f"{m['strategy']:<22} {_h(m['duration_s']):>8} {m['window']:>7} {_f(m['mean_savings_pct']):>7} "
                       f"{_f(m['total_savings_pct']):>7}{extra} {_f(m['pauses_per_hour'], 2):>8}")
    if fc:
        out.append("realised: mean saving per start on the series; total: 1 - total emissions / total baseline; claimed: "
                   "what the plans promised on the forecast; gap: claimed - realised (points); worse: share of plans that "
                   "emitted more than the baseline")
    for n in sim.notes:
        out.append(f"note: {n}")
    return "\n".join(out)
