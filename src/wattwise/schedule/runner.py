"""Execute a plan for ``wattwise run --within``: wait for the start, pause and resume, record.

- ``wait_for_start``: plan, say why and how long on stderr (a countdown), sleep, and re-plan
  when the forecast source changes (a rewritten file, or a provider re-fetched every 30 min).
- ``run_pause_resume``: SIGSTOP/SIGCONT the job's whole process group at the planned slot
  boundaries. A job that exits early ends the plan; one that outlives its last slot keeps
  running. Ctrl-C / SIGTERM resume the job and pass the signal on. A watchdog process (holding
  the read end of a pipe only wattwise writes to) resumes the group if wattwise dies, even
  by SIGKILL, so a paused job is never left stopped.
- ``annotate``: the stored run records the plan, the slots it actually ran, and the plan's
  promised saving beside the realised one and why they differ (``schedule.realised``).

Plan and account use one rule: unless ``--idle-w`` is given, the power a paused job draws in
the plan is what the run's scope charges a paused job (``Attribution.paused_power``: 0 W in
process scope, the reserved resources' idle power in allocation scope, the machine's in node
scope), and the run says so.
"""
from __future__ import annotations

import dataclasses
import os
import select
import signal
import subprocess
import sys
import time
from typing import Any

from ..errors import UsageError
from ..units import format_duration, format_mass_g, iso

FILE_CHECK_S = 2.0
PROVIDER_REFRESH_S = 1800.0

WATCHDOG = r"""
import os, signal, sys
pg = int(sys.argv[1])
try:
    d = os.read(0, 1)
except OSError:
    d = b""
if d != b"x":
    try:
        os.killpg(pg, signal.SIGCONT)
    except OSError:
        pass
"""


def _say(msg: str) -> None:
    sys.stderr.write(f"wattwise: {msg}\n")
    sys.stderr.flush()


@dataclasses.dataclass(frozen=True)
class PlanRequest:
    """What ``wattwise run --within/--by`` asks of the scheduler, as typed values (no argparse)."""

    duration_s: float | None
    within_s: float = 0.0
    by: str | None = None  # ISO 8601 or +24h: the job must finish by then
    region: str | None = None  # None: the tracker's resolved region
    forecast: tuple[str, ...] = ()  # series files / providers / REGION=FILE
    pause_resume: bool = False
    min_run_s: float | None = None
    max_pauses: int | None = None
    idle_w: float | None = None  # None: what the run's scope charges a paused job
    power_w: float | None = None
    persistence: str = "1d"


def _region(req: PlanRequest, tracker) -> str:
    i = getattr(tracker, "intensity", None)
    return req.region or (i.region or i.zone if i is not None else None) or "WORLD"


def _forecast_spec(req: PlanRequest):
    fc = list(req.forecast)
    if not fc:
        return None
    return fc[0] if len(fc) == 1 and "=" not in fc[0] else fc


def _plan(req: PlanRequest, region: str, now: float, within: float, deadline: float | None):
    from .plan import schedule

    return schedule(req.duration_s, within, by=deadline, region=region, forecast=_forecast_spec(req),
                    pause_resume=req.pause_resume, min_run=req.min_run_s, max_pauses=req.max_pauses,
                    idle_w=req.idle_w or 0.0, power_w=req.power_w, now=now, persistence=req.persistence or "1d")


def _source_stamp(req: PlanRequest) -> Any:
    """Something that changes when the forecast source has fresher data."""
    out = []
    for s in req.forecast:
        path = s.split("=", 1)[1] if "=" in s and not os.path.exists(s) else s
        if os.path.exists(path):
            try:
                st = os.stat(path)
                out.append((path, st.st_mtime_ns, st.st_size))
            except OSError:
                pass
        else:
            out.append((path, int(time.time() // PROVIDER_REFRESH_S)))
    return tuple(out)


def _reason(plan) -> str:
    f = plan.forecast
    src = f"{f.source} ({f.method})" if f else "no forecast"
    sv = plan.savings_pct
    gain = (f"planned {format_mass_g(plan.emissions_g)} vs {format_mass_g(plan.baseline_emissions_g)} if started now"
            + (f" ({sv:.1f} % less)" if sv is not None else "")) if plan.emissions_g is not None else ""
    what = "cleanest window" if plan.policy != "pause-resume" else f"cleanest {len(plan.slots)} slot(s)"
    return f"{what} for a {format_duration(plan.duration_s)} job in {plan.region} starts {iso(plan.start)}; {gain} [forecast: {src}; estimate at {plan.power_w:g} W]"


def wait_for_start(req: PlanRequest, tracker, *, clock=time.time, sleep=time.sleep):
    """Plan and sleep until the planned start; the plan, or None to run now (no forecast)."""
    try:
        return _wait_for_start(req, tracker, clock, sleep)
    except (UsageError, KeyboardInterrupt) as e:
        store = getattr(tracker, "store", None)
        if store is not None:
            try:
                store.delete_run(tracker.run_id)
            except Exception:  # noqa: BLE001
                pass
        if isinstance(e, KeyboardInterrupt):
            _say("cancelled while waiting for the planned start; nothing ran")
        raise


def scope_defaults(req: PlanRequest, tracker) -> tuple[PlanRequest, dict[str, Any]]:
    """``idle_w`` (and, when that is not 0 W, ``power_w``) from the run's attribution rule, unless given."""
    if req.idle_w is not None:
        return req, {"w": req.idle_w, "from": "--idle-w"}
    rule = getattr(tracker, "attribution", None)
    if rule is None:
        return dataclasses.replace(req, idle_w=0.0), {"w": 0.0, "from": "no attribution rule: 0 W"}
    sp = rule.paused_power(getattr(tracker, "sensors", None) or [])
    power = req.power_w if req.power_w is not None else sp.running_w
    info: dict[str, Any] = {"w": sp.paused_w, "from": f"{sp.scope} scope", "notes": list(sp.notes)}
    if power is not None and req.power_w is None:
        info["running_w"] = power  # modelled on the same basis, so the plan's paused/running ratio is the rule's
    return dataclasses.replace(req, idle_w=sp.paused_w, power_w=power), info


def machine_scope_power(scope: str):
    """What ``scope`` charges a paused job on this machine (for ``wattwise schedule``, which has no
    run): 0 W in process scope without looking; otherwise this machine's sensors and allocation."""
    from ..measure.attribution import Attribution, ScopePower

    if scope == "process":
        return ScopePower("process", 0.0, None, ("a paused job uses no CPU time; GPUs it is given are charged whole"
                                                 " (pass --idle-w for their idle power)",))
    from ..procs import NodeUsage, ProcessTree, allocation
    from ..sensors import close_all
    from ..sensors.detect import detect

    d = detect(scope, ProcessTree(), node=NodeUsage())
    try:
        sp = Attribution(scope, allocation() if scope == "allocation" else None).paused_power(d.sensors)
    finally:
        close_all(d.sensors)
    return dataclasses.replace(sp, notes=sp.notes + ("modelled on this machine: pass --idle-w if the job runs elsewhere",))


def _wait_for_start(req: PlanRequest, tracker, clock, sleep):
    if req.duration_s is None:
        raise UsageError("--within needs the job's expected run time: add --duration D (e.g. --duration 2h)")
    req, paused = scope_defaults(req, tracker)
    region = _region(req, tracker)
    t_req = clock()
    within = float(req.within_s or 0.0)
    deadline = None
    if req.by:
        from .plan import _ts

        deadline = _ts(req.by, "--by", t_req)
        if not within:
            within = max(0.0, deadline - t_req - req.duration_s)
    latest_start = t_req + within
    plan = _plan(req, region, t_req, within, deadline)
    state: dict[str, Any] = {"requested_at": t_req, "replans": 0, "paused_power": paused}
    tracker.schedule_state = state
    if req.pause_resume:
        _say(f"paused power in the plan: {paused['w']:.3g} W ({paused['from']}"
             + (f"; {'; '.join(paused['notes'])}" if paused.get("notes") else "") + ")")
    if not plan.available:
        _say(f"{'; '.join(plan.notes)}: starting now")
        state["started_at"] = clock()
        return None
    for n in plan.notes:
        _say(f"note: {n}")
    _say(_reason(plan))
    stamp = _source_stamp(req)
    tty = sys.stderr.isatty()
    last_print = clock()
    last_check = clock()
    while True:
        now = clock()
        remaining = plan.start - now
        if remaining <= 0:
            break
        if tty:
            sys.stderr.write(f"\rwattwise: starting in {format_duration(remaining)} (Ctrl-C to cancel)   ")
            sys.stderr.flush()
        elif now - last_print >= min(600.0, max(60.0, remaining / 10)):
            _say(f"starting in {format_duration(remaining)}")
            last_print = now
        if now - last_check >= FILE_CHECK_S:
            last_check = now
            s2 = _source_stamp(req)
            if s2 != stamp:
                stamp = s2
                try:
                    new = _plan(req, region, now, max(0.0, latest_start - now), deadline)
                except UsageError as e:
                    _say(f"warning: fresher forecast not usable ({e}); keeping the plan")
                    new = None
                if new is not None and new.available:
                    state["replans"] += 1
                    if tty:
                        sys.stderr.write("\n")
                    moved = "" if abs(new.start - plan.start) < 1e-3 else f" (was {iso(plan.start)})"
                    _say(f"fresher forecast: re-planned{moved}: {_reason(new)}")
                    plan = new
                    continue
        sleep(max(0.0, min(1.0, remaining)))
    if tty:
        sys.stderr.write("\n")
    _say("starting now" + (f" ({len(plan.slots)} slot(s), {plan.pauses} pause(s) planned)" if plan.policy == "pause-resume" else ""))
    state["started_at"] = clock()
    return plan


# -- pause & resume ------------------------------------------------------------------------
class _Watchdog:
    """A separate process that SIGCONTs the job's group unless told (b'x') that all is well."""

    def __init__(self, pgid: int):
        r, w = os.pipe()
        try:
            self.proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", WATCHDOG, str(pgid)], stdin=r,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        finally:
            os.close(r)
        self.w = w

    def release(self) -> None:
        try:
            os.write(self.w, b"x")
        except OSError:
            pass
        try:
            os.close(self.w)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except Exception:  # noqa: BLE001
            pass


def _killpg(pgid: int, sig: int) -> bool:
    try:
        os.killpg(pgid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def run_pause_resume(plan, child, tracker, *, clock=time.time) -> int:
    """Follow the plan's slots with SIGSTOP/SIGCONT on the child's process group; return its exit code."""
    pgid = child.pid  # started with start_new_session=True: its own group
    state = getattr(tracker, "schedule_state", None)
    if state is None:
        state = tracker.schedule_state = {}
    started = state.get("started_at") or clock()
    runs: list[list[float]] = [[started, started]]
    state["runs"] = runs
    slots = list(plan.slots)
    flags = {"stop_plan": False, "paused": False}
    dog = _Watchdog(pgid)

    def on_signal(signum, frame):
        flags["stop_plan"] = True
        if flags["paused"]:
            _killpg(pgid, signal.SIGCONT)
        _killpg(pgid, signum)

    old = {}
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        try:
            old[s] = signal.signal(s, on_signal)
        except (ValueError, OSError):
            pass
    try:
        pidfd = os.pidfd_open(child.pid) if hasattr(os, "pidfd_open") else None
    except OSError:
        pidfd = None
    idx = 0
    result = None
    try:
        while result is None:
            if flags["stop_plan"]:
                event = None
            elif not flags["paused"]:
                event = slots[idx][1] if idx < len(slots) - 1 else None
            else:
                event = slots[idx + 1][0]
            result = _wait_exit(child, pidfd, None if event is None else max(0.0, event - clock()))
            if result is not None:
                break
            if flags["stop_plan"]:
                if flags["paused"]:
                    _killpg(pgid, signal.SIGCONT)
                    flags["paused"] = False
                    runs.append([clock(), clock()])
                continue
            if event is None or clock() < event - 1e-3:
                continue
            if not flags["paused"]:
                if _killpg(pgid, signal.SIGSTOP):
                    flags["paused"] = True
                    runs[-1][1] = clock()
                    _mark(tracker)
                    _say(f"paused until {iso(slots[idx + 1][0])} (slot {idx + 1} of {len(slots)} done)")
            else:
                _killpg(pgid, signal.SIGCONT)
                flags["paused"] = False
                idx += 1
                runs.append([clock(), clock()])
                _mark(tracker)
                _say(f"resumed (slot {idx + 1} of {len(slots)})")
    finally:
        if flags["paused"]:
            _killpg(pgid, signal.SIGCONT)
        dog.release()
        for s, h in old.items():
            try:
                signal.signal(s, h)
            except (ValueError, OSError):
                pass
        if pidfd is not None:
            os.close(pidfd)
    end = clock()
    if not flags["paused"]:
        runs[-1][1] = end
    state["ended_at"] = end
    state["ended_early"] = idx < len(slots) - 1
    state["interrupted"] = flags["stop_plan"]
    status, ru = result
    tracker.tree.finalize(ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024)  # Linux reports KiB
    child.returncode = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else (status >> 8)
    rc = child.returncode
    return 128 - rc if rc < 0 else rc


def _mark(tracker) -> None:
    """End a measurement segment at a pause or resume, so no energy is spread across the boundary."""
    meter = getattr(tracker, "meter", None)
    if meter is not None and hasattr(meter, "mark"):
        meter.mark()


def _wait_exit(child, pidfd, timeout: float | None):
    """(status, rusage) once the child exits, or None after ``timeout`` seconds (None: no limit)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        try:
            pid, status, ru = os.wait4(child.pid, os.WNOHANG)
        except ChildProcessError:
            import resource

            return (0, resource.getrusage(resource.RUSAGE_CHILDREN))
        except InterruptedError:
            continue
        if pid:
            return status, ru
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return None
        wait = 0.2 if left is None else min(0.2, left)
        try:
            if pidfd is not None:
                select.select([pidfd], [], [], wait)
            else:
                time.sleep(min(wait, 0.05))
        except InterruptedError:
            pass
        except OSError:
            time.sleep(min(wait, 0.05))


# -- the record ----------------------------------------------------------------------------
def annotate(m, plan, tracker):
    """The Measurement with the schedule recorded (and re-saved to the store)."""
    from .realised import compare

    state = getattr(tracker, "schedule_state", {}) or {}
    started = state.get("started_at", m.start)
    runs = state.get("runs") or [[started, m.end]]
    runs = [(a, b if b > a else m.end if i == len(runs) - 1 else b) for i, (a, b) in enumerate(runs)]
    req = state.get("requested_at", plan.planned_at)
    segs = tracker.meter.segments() if getattr(tracker, "meter", None) is not None else []
    rec: dict[str, Any] = {
        "policy": plan.policy,
        "requested_at": iso(req),
        "plan": plan.to_dict(),
        "actual_slots": [{"start": iso(a), "end": iso(b)} for a, b in runs],
        "actual_pauses": max(0, len(runs) - 1),
        "replans": state.get("replans", 0),
        "ended_early": bool(state.get("ended_early", False)),
        "interrupted": bool(state.get("interrupted", False)),
        "planned_emissions_gco2e": plan.emissions_g,
        "planned_baseline_emissions_gco2e": plan.baseline_emissions_g,
    }
    if state.get("paused_power"):
        rec["paused_power"] = state["paused_power"]
    overran = m.end - plan.slots[-1][1] if plan.slots else 0.0
    if overran > 1.0:
        rec["ran_past_plan_s"] = overran
    if plan.forecast is not None and segs:
        rec.update(compare(plan, requested_at=req, runs=runs, segments=segs, pue=m.pue,
                           account=getattr(tracker, "account", None), ended_early=rec["ended_early"],
                           overran_s=max(0.0, overran)))
        rec["savings_pct"] = rec["realised_savings_pct"]
        rec["method"] = ("measured energy (attributed by the run's scope) x the intensity when the job ran, against "
                         "the same energy had it started at the request time without pauses (estimate)")
        pl, sv = rec["planned_savings_pct"], rec["savings_pct"]
        _say(f"schedule: ran in {len(runs)} slot(s) ({len(runs) - 1} pause(s)); saving planned "
             + (f"{pl:.1f} %" if pl is not None else "unknown") + ", realised "
             + (f"{sv:.1f} %" if sv is not None else "unknown") + " (estimate)"
             + (f"; {'; '.join(rec['why'])}" if rec.get("why") else ""))
    m2 = dataclasses.replace(m, extra={**m.extra, "schedule": rec})
    store = getattr(tracker, "store", None)
    if store is not None:
        try:
            store.finish_run(m2)
        except Exception as e:  # noqa: BLE001
            _say(f"warning: schedule not stored: {e}")
    return m2
