"""wattwise schedule: when (and where) to run a job so that it emits least."""
from __future__ import annotations

import argparse
import sys

from ..errors import UsageError
from ..schedule.plan import span
from ._common import add_json, add_store, duration, positive_float

EPILOG = """examples:
  wattwise schedule --duration 6h --within 12h --region GB --forecast gb-48h.csv
  wattwise schedule --duration 6h --within 12h --region GB --forecast gb.csv --pause-resume --min-run 1h --max-pauses 3
  wattwise schedule --duration 4h --by 2024-05-02T08:00Z --regions DE,FR,GB --forecast ../shared/data/ci-hourly-greendcc-em-2021-2024
  wattwise schedule --duration 6h --within 12h --region GB --forecast ukgrid --format slurm -- train.sbatch
  wattwise schedule --duration 2h --within 1d --region DE --forecast history.csv --persistence 7d --json
  wattwise schedule --duration 2h --at 02:00 --flex 3h --region GB --forecast gb.csv   # tonight's run, +-3 h

Flexible Start may begin anywhere in [now, now + WITHIN]; with --pause-resume the job's slots
lie in [now, now + WITHIN + DURATION] (Dodge et al. 2022). Planned emissions are an estimate:
the job's power (--power-w, --like RUN_ID, or 1 kW assumed) x the forecast intensity.
"""


def register(sub) -> None:
    p = sub.add_parser("schedule", help="plan a job in its cleanest window (flexible start, pause & resume, region)",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Plan when (and where) a job should run so that it emits least.")
    p.add_argument("--duration", type=duration("duration"), help="the job's run time, e.g. 6h (default with --like: that run's)")
    p.add_argument("--within", type=duration("window"), metavar="W", help="how long the start may be delayed, e.g. 12h")
    p.add_argument("--by", metavar="TIME", help="deadline: the job must finish by TIME (ISO 8601, or +24h)")
    p.add_argument("--at", metavar="TIME", help="a recurring job's usual start (ISO 8601, or HH:MM today, UTC): "
                   "the baseline; with --flex the start may move either way")
    p.add_argument("--flex", type=duration("flex"), metavar="W", help="with --at: start anywhere within +-W of TIME")
    p.add_argument("--region", help="where the job runs now (the baseline), e.g. GB, US-CAL-CISO, aws:eu-west-2")
    p.add_argument("--regions", metavar="R1,R2,...", help="regions the job may run in (the first is 'here' unless --region)")
    p.add_argument("--forecast", action="append", metavar="FILE|PROVIDER|R=FILE",
                   help="forecast: a series file or directory, a provider (electricitymaps, watttime, ukgrid), "
                        "or REGION=FILE (repeatable)")
    p.add_argument("--persistence", choices=["1d", "7d"], default="1d",
                   help="when the forecast source holds only history: repeat the same time 1 day (default) or 1 week earlier")
    p.add_argument("--max-age", type=duration("maximum history age"), metavar="D",
                   help="history ending longer ago than D is no forecast (default 2d): the answer is to start now")
    p.add_argument("--pause-resume", action="store_true", help="allow pausing through dirty hours")
    p.add_argument("--min-run", type=duration("minimum run"), metavar="D", help="with --pause-resume: shortest chunk, e.g. 1h")
    p.add_argument("--max-pauses", type=int, metavar="N", help="with --pause-resume: at most N pauses")
    p.add_argument("--idle-w", type=positive_float("idle power", 0.0, lo_inclusive=True), metavar="W",
                   help="with --pause-resume: power drawn while paused, counted in the plan (default: what --scope "
                        "charges a paused job)")
    p.add_argument("--scope", choices=["process", "allocation", "node"], default="process",
                   help="the scope the job will be measured in (as wattwise run --scope): a paused job costs 0 W in "
                        "process scope, its reserved resources' idle power in allocation scope, the machine's in node "
                        "scope (see docs/accounting.md)")
    p.add_argument("--power-w", type=positive_float("power"), metavar="W", help="the job's average power (default: 1 kW, assumed)")
    p.add_argument("--like", metavar="RUN_ID", help="use a stored run's measured energy profile")
    add_store(p)
    p.add_argument("--now", metavar="TIME", help="plan as if it were TIME (ISO 8601; default: now)")
    p.add_argument("--format", choices=["at", "slurm", "cron"], help="print the line that submits the job at the planned start")
    add_json(p)
    p.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- COMMAND", help="the command, for --format")
    p.set_defaults(func=main)


def main(args) -> int:
    from ..cli import emit_json
    from ..schedule import schedule, submit_line

    if not args.region and not args.regions:
        raise UsageError("no region given; pass --region R (or --regions R1,R2,... to let wattwise choose)")
    if args.within is None and args.by is None and args.at is None and not args.regions:
        raise UsageError("no window; pass --within W (e.g. 12h), --by TIME (a deadline) or --at TIME --flex W")
    if args.flex is not None and args.at is None:
        raise UsageError("--flex W needs --at TIME (the job's usual start); for a window from now use --within W")
    if args.power_w and args.like:
        raise UsageError("--power-w and --like both set the job's power; give one")
    fc = args.forecast
    if fc and len(fc) == 1 and "=" not in fc[0]:
        fc = fc[0]
    idle_w, power_w = args.idle_w, args.power_w
    if idle_w is None and args.pause_resume:  # plan with what the scope will charge (one rule for plan and account)
        from ..schedule.runner import machine_scope_power

        sp = machine_scope_power(args.scope)
        idle_w = sp.paused_w
        power_w = power_w if power_w is not None or args.like else sp.running_w
        sys.stderr.write(f"wattwise: paused power in the plan: {sp.describe()}\n")
    plan = schedule(args.duration, args.within, by=args.by, region=args.region, regions=args.regions, forecast=fc,
                    pause_resume=args.pause_resume, min_run=args.min_run, max_pauses=args.max_pauses, idle_w=idle_w or 0.0,
                    power_w=power_w, like=args.like, store=args.store, now=args.now, persistence=args.persistence,
                    at=_at(args.at, args.now, args.flex or 0.0), flex=args.flex if args.at is not None else None,
                    max_age=args.max_age)
    cmd = list(args.cmd or [])
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    import shlex

    line = submit_line(plan, args.format, shlex.join(cmd) if cmd else None) if args.format else None
    text = format_plan(plan)
    if args.json:
        sys.stderr.write(text + "\n")
        d = plan.to_dict()
        if line:
            d["submit"] = line
        emit_json(d)
    elif line:
        sys.stderr.write(text + "\n")
        sys.stdout.write(line + "\n")
    else:
        sys.stdout.write(text + "\n")
    return 0


def _at(text: str | None, now: str | None, flex: float):
    """--at TIME: ISO 8601, or HH:MM (UTC): the next such time whose window (+-flex) is still open."""
    if text is None or ":" not in text or len(text) > 5:
        return text
    from datetime import datetime, timezone

    from ..units import parse_time

    try:
        h, m = (int(x) for x in text.split(":"))
        assert 0 <= h < 24 and 0 <= m < 60
    except (ValueError, AssertionError):
        raise UsageError(f"invalid --at '{text}'; give HH:MM (UTC) or an ISO 8601 time") from None
    ref = parse_time(now) if now else datetime.now(timezone.utc)
    t = ref.replace(hour=h, minute=m, second=0, microsecond=0).timestamp()
    return t + 86400 if t + flex < ref.timestamp() else t


def _about(seconds: float) -> str:
    """A span measured from the planning time: its seconds are an artifact of when the command ran
    (rounded to the minute from 10 min on)."""
    return span(seconds, minutes=seconds >= 600)


def _ago(s: float | None) -> str:
    return "age unknown" if s is None else f"{_about(s)} old"


def _t(ts: float, seconds: bool = False) -> str:
    """A clock time in UTC, to the nearest minute (to the second when ``seconds``)."""
    from datetime import datetime, timezone

    if seconds:
        return datetime.fromtimestamp(round(ts), timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return datetime.fromtimestamp(round(ts / 60) * 60, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def format_plan(plan) -> str:
    """The human summary. Times are shown to the minute (plans start on the forecast's interval
    boundaries or at the planning time, whose seconds mean nothing), to the second only for a
    forecast resolved below a minute; spans leave out their zero parts."""
    from ..units import format_mass_g

    lines = []
    if not plan.available:
        lines.append(f"wattwise: {plan.notes[0]}")
        lines.extend(f"  note: {n}" for n in plan.notes[1:])
        return "\n".join(lines)
    if plan.nominal is not None:
        around = f" within +-{span(plan.flex_s or 0.0)} of {_t(plan.nominal)}"
        pol = {"now": f"at {_t(plan.nominal)}", "flexible-start": "flexible start" + around,
               "pause-resume": "pause & resume" + around}[plan.policy]
    else:
        pol = {"now": "start now", "flexible-start": f"flexible start within +{span(plan.window_s)}",
               "pause-resume": f"pause & resume within +{span(plan.window_s)} of its duration"}[plan.policy]
    f = plan.forecast
    src = (f"{f.source}, {f.method}, {_ago(f.age_s(plan.planned_at))} ({f.issued_basis}), {f.signal} intensity"
           if f else "none")
    secs = bool(f) and f.dense.step % 60 != 0
    lines.append(f"Plan for a {span(plan.duration_s)} job in {plan.region} ({pol}; forecast: {src})")
    prev = None
    for a, b in plan.slots:
        if prev is not None:
            lines.append(f"  pause  {_t(prev, secs)} -> {_t(a, secs)}  ({_about(a - prev) if not secs else span(a - prev)})")
        lines.append(f"  run    {_t(a, secs)} -> {_t(b, secs)}  ({span(b - a)})")
        prev = b
    lines.append(f"  starts in {_about(plan.wait_s)}" if plan.wait_s > 0 else "  starts now")
    est = "estimate: " + plan.profile
    lines.append(f"  planned emissions    {format_mass_g(plan.emissions_g)}  ({est})")
    if plan.idle_g:
        lines.append(f"    of which paused    {format_mass_g(plan.idle_g)}  (idle {plan.idle_w:g} W while paused)")
    if plan.baseline_emissions_g is not None:
        sv = plan.savings_pct
        base = (f"at {_t(plan.baseline_start, secs)} in {plan.baseline_region}  " if plan.nominal is not None
                else f"start now in {plan.baseline_region:<8}")
        lines.append(f"  {base}{format_mass_g(plan.baseline_emissions_g)}" + (f"  -> saves {sv:.1f} %" if sv is not None else ""))
    for a in plan.alternatives:
        if a.emissions_g is None:
            lines.append(f"  region {a.region:<12} no plan: {a.reason}")
        else:
            sv = a.to_dict(plan.baseline_emissions_g)["savings_pct"]
            lines.append(f"  region {a.region:<12} {format_mass_g(a.emissions_g)} from {_t(a.start, secs)}"
                         + (f" ({sv:+.1f} % saved)" if sv is not None else "") + (" <- chosen" if a.region == plan.region else ""))
    for n in plan.notes:
        lines.append(f"  note: {n}")
    return "\n".join(lines)
