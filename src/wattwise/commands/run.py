"""wattwise run: run a command and measure it."""
from __future__ import annotations

import argparse
import difflib
import os
import shutil
import signal
import sys

from ..errors import UsageError
from ..series import MAX_G_PER_KWH
from ._common import add_basis, add_json, add_store, duration, positive_float

EPILOG = """examples:
  wattwise run --region FR -- python train.py
  wattwise run --project bert --interval 1 --json -- python train.py --epochs 3
  wattwise run --within 12h --duration 3h --region GB --forecast ukgrid -- python train.py   # cleanest window
  wattwise run --within 12h --duration 3h --region GB --forecast gb.csv --pause-resume -- python train.py
"""


def register(sub) -> None:
    p = sub.add_parser("run", help="run a command and measure its energy and emissions", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Run COMMAND, measure its energy (RAPL, NVML, labelled models) and emissions, store the run.")
    p.add_argument("--project", help="project name to group runs")
    p.add_argument("--name", help="a name for this run")
    p.add_argument("--region", help="grid region: FR, US-CAL-CISO, aws:us-east-1 ... (default: $WATTWISE_REGION, "
                   "config, or a labelled guess from the time zone)")
    p.add_argument("--interval", type=duration("interval"), default=5.0, help="sampling interval (default 5s; 0.1s-1h)")
    p.add_argument("--flush-interval", type=duration("flush interval"), metavar="S",
                   help="write samples to the store at least this often (default max(interval, 5s)); "
                        "a killed run loses at most this much")
    p.add_argument("--scope", choices=["process", "allocation", "node"], default="process",
                   help="process: this command's share of the machine by its CPU time and memory (default); "
                        "allocation: the idle power of the CPUs/memory/GPUs reserved for it plus its share of the rest; "
                        "node: the whole machine (see docs/accounting.md)")
    add_store(p)
    p.add_argument("--no-store", action="store_true", help="do not store the run")
    p.add_argument("--pue", type=positive_float("PUE", 1.0, 3.0, lo_inclusive=True), help="power usage effectiveness (default 1.0, or the cloud provider's)")
    p.add_argument("--intensity", type=positive_float("intensity", 0.0, MAX_G_PER_KWH, lo_inclusive=True), metavar="G_PER_KWH",
                   help="use this grid intensity (gCO2e/kWh) instead of the region's")
    p.add_argument("--intensity-file", metavar="FILE",
                   help="intensity time series (CSV/JSON with datetime,g_per_kwh) for hour-by-hour emissions")
    p.add_argument("--provider", metavar="NAME",
                   help="live intensity for hour-by-hour emissions: electricitymaps, watttime, ukgrid or static "
                        "(default: $WATTWISE_PROVIDER, config, or implied by credentials)")
    add_basis(p)
    p.add_argument("--strict", action="store_true", help="fail instead of estimating when a counter is missing")
    p.add_argument("--no-gpu", action="store_true", help="do not measure GPUs")
    p.add_argument("--within", type=duration("window"), metavar="DURATION",
                   help="start in the cleanest window within DURATION (carbon-aware start)")
    p.add_argument("--pause-resume", action="store_true", help="with --within: pause the job through dirty hours")
    sched = p.add_argument_group("carbon-aware start (with --within or --by; see: wattwise schedule --help)")
    sched.add_argument("--duration", type=duration("duration"), metavar="D", help="the job's expected run time, e.g. 2h")
    sched.add_argument("--by", metavar="TIME", help="deadline: the job must finish by TIME (ISO 8601, or +24h)")
    sched.add_argument("--forecast", action="append", metavar="FILE|PROVIDER",
                       help="intensity forecast: a series file or a provider (electricitymaps, watttime, ukgrid)")
    sched.add_argument("--idle-w", type=positive_float("idle power", 0.0, lo_inclusive=True), metavar="W",
                       help="with --pause-resume: power drawn while paused, counted in the plan (default: what --scope "
                            "charges a paused job: 0 W in process scope, the reserved resources' idle power in "
                            "allocation scope, the machine's in node scope)")
    sched.add_argument("--min-run", type=duration("minimum run"), metavar="D", help="with --pause-resume: shortest chunk")
    sched.add_argument("--max-pauses", type=int, metavar="N", help="with --pause-resume: at most N pauses")
    p.add_argument("--epochs", type=int, help="expected epochs (for a projection when the job reports progress)")
    add_json(p)
    p.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- COMMAND", help="the command to run")
    p.set_defaults(func=main)


def _check_command(cmd: list[str]) -> None:
    if not cmd:
        raise UsageError("no command given; usage: wattwise run [options] -- COMMAND [ARGS...]")
    exe = cmd[0]
    if os.sep in exe:
        if not os.path.exists(exe):
            raise UsageError(f"command not found: '{exe}' (no such file)")
        if os.path.isdir(exe) or not os.access(exe, os.X_OK):
            raise UsageError(f"command '{exe}' is not executable; try: chmod +x {exe}")
        return
    if shutil.which(exe) is None:
        names = set()
        for d in os.environ.get("PATH", "").split(os.pathsep):
            try:
                names.update(os.listdir(d))
            except OSError:
                pass
        close = difflib.get_close_matches(exe, sorted(names), n=1, cutoff=0.75)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise UsageError(f"command not found: '{exe}'{hint}")


def main(args) -> int:
    import shlex
    import subprocess

    from ..tracker import Tracker

    cmd = list(args.cmd)
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    _check_command(cmd)
    if args.epochs is not None and args.epochs < 1:
        raise UsageError(f"--epochs {args.epochs} must be >= 1 (the number of epochs the job will run)")
    if args.pause_resume and not (args.within or args.by):
        raise UsageError("--pause-resume needs --within DURATION (the window to fit the job's slots in)")

    store = False
    store_label = None
    if not args.no_store:
        from ..store import open_store

        store = open_store(args.store)  # StoreError (a UsageError) -> exit 2 before the command starts
        store_label = store.url

    # before anything is stored: a bad --intensity-file exits 2 here
    account = _intensity_account(args.region, args.intensity, args.intensity_file, args.provider, args.strict, args.basis)
    tracker = Tracker(project=args.project, region=args.region, interval=args.interval, scope=args.scope, store=store,
                      strict=args.strict, name=args.name, pue=args.pue, intensity=args.intensity,
                      command=shlex.join(cmd), pid="later", gpu=not args.no_gpu, install_handlers=False,
                      region_from="--region" if args.region else None, flush_interval=args.flush_interval,
                      account=account, basis=args.basis)  # hour-by-hour from --intensity-file / --provider, else annual
    from ..errors import StrictModeError

    try:
        tracker.prepare()
    except StrictModeError as e:
        raise UsageError(str(e)) from None
    gpu_problem = tracker.unavailable.get("gpu")
    if gpu_problem and not args.no_gpu:
        if store:
            store.delete_run(tracker.run_id)
        raise UsageError(f"GPU present but not measurable: {gpu_problem}; fix NVML or pass --no-gpu")

    plan = None
    if args.within or args.by:
        try:
            from ..schedule import runner
        except ImportError:
            raise UsageError("carbon-aware scheduling (--within) is not available in this build") from None
        plan = runner.wait_for_start(_plan_request(args), tracker)  # prints a countdown; the plan, or None: run now

    for w in tracker.warnings:
        sys.stderr.write(f"wattwise: warning: {w}\n")
    sys.stderr.write(f"wattwise: measuring run {tracker.run_id} ({tracker.scope} scope, {tracker.intensity.zone}"
                     f" {tracker.intensity.g_per_kwh:g} gCO2e/kWh)\n")
    sys.stderr.flush()

    from ..projection import ProgressChannel, stderr_printer

    progress = ProgressChannel(tracker, args.epochs, on_projection=stderr_printer())  # $WATTWISE_PROGRESS_FILE
    try:
        child = subprocess.Popen(cmd, start_new_session=bool(plan and args.pause_resume), env=progress.env)
    except OSError as e:
        progress.close()
        if store:
            store.delete_run(tracker.run_id)
        raise UsageError(f"could not start '{cmd[0]}': {e.strerror}") from None
    tracker.attach(child.pid)
    progress.start()

    def forward(signum, frame):
        if signum == signal.SIGINT and _terminal_delivered_to_group():
            return  # the terminal already sent it to the child (same foreground process group)
        try:
            child.send_signal(signum)
        except ProcessLookupError:
            pass

    old = {}
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        try:
            old[s] = signal.signal(s, forward)
        except (ValueError, OSError):
            pass
    try:
        if plan is not None and args.pause_resume:
            code = runner.run_pause_resume(plan, child, tracker)
        else:
            code = _wait(child, tracker)
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    progress.close()
    if progress.missing_note():
        sys.stderr.write(f"wattwise: note: {progress.missing_note()}\n")
    m = tracker.stop(exit_code=code)
    if plan is not None:
        try:
            m = runner.annotate(m, plan, tracker)
        except Exception as e:  # noqa: BLE001
            sys.stderr.write(f"wattwise: warning: schedule details not recorded: {e}\n")
    from ..report.summary import format_summary

    sys.stderr.write(format_summary(m, store_label) + "\n")
    sys.stderr.flush()
    if args.json:
        from ..cli import emit_json

        emit_json(m.to_dict())
    return code


def _plan_request(args):
    from ..schedule.runner import PlanRequest

    return PlanRequest(duration_s=args.duration, within_s=args.within or 0.0, by=args.by, region=args.region,
                       forecast=tuple(args.forecast or ()), pause_resume=args.pause_resume, min_run_s=args.min_run,
                       max_pauses=args.max_pauses, idle_w=args.idle_w)


def _intensity_account(region: str | None, intensity: float | None, intensity_file: str | None,
                       provider: str | None, strict: bool, basis: str | None = None):
    """Hour-by-hour accounting from --intensity-file / --provider; None leaves the tracker's default."""
    if not (intensity_file or provider):
        return None
    if intensity is not None:
        raise UsageError("--intensity (a fixed value) cannot be combined with --intensity-file or --provider")
    from ..errors import StrictModeError
    from ..intensity import account_for, resolve_intensity

    annual = resolve_intensity(region, region_from="--region" if region else None, basis=basis)
    try:
        return account_for(annual, provider=provider, series=intensity_file, strict=strict, basis=basis)
    except StrictModeError as e:
        raise UsageError(f"{e} (--strict)") from None


def _terminal_delivered_to_group() -> bool:
    try:
        fd = sys.stdin.fileno()
        return os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp()
    except (OSError, ValueError, AttributeError):
        return False


def _wait(child, tracker) -> int:
    while True:
        try:
            _, status, ru = os.wait4(child.pid, 0)
            break
        except ChildProcessError:
            return child.returncode if child.returncode is not None else 1
        except InterruptedError:
            continue
    tracker.tree.finalize(ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024)  # Linux reports KiB
    child.returncode = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else (status >> 8)
    rc = child.returncode
    return 128 - rc if rc < 0 else rc
