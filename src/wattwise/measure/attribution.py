"""The attribution rule: which part of a node's energy is the job's. Written once, used by every
sensor path (RAPL, the CPU/RAM models, NVML, and sensors added later) and by the planner.

A sensor reports either a node-wide counter or a device's own counter, and says which in its
``attribution`` attribute (its *kind*):

- ``"cpu-share"``: the node's CPU energy (a RAPL package, the CPU model of the whole machine);
- ``"memory-share"``: the node's memory energy (RAPL DRAM, the RAM model of the installed RAM);
- ``"device"``: a whole device the job was given (a GPU it can see);
- ``"none"``: already the job's (a user's sensor, a replayed trace).

Per tick the meter passes each sensor's energy delta and the tick's usage (``Tick``); the
job's joules under each scope are (docs/accounting.md has a worked example of each):

===========  ==============================================================================
scope        rule
===========  ==============================================================================
process      CPU: node J x job busy CPU-s / node busy CPU-s (idle and dynamic alike)
             memory: node J x job resident bytes / node installed bytes
allocation   CPU: reserved vCPUs / node vCPUs x idle J + job's busy share x (node J - idle J)
             memory: node J x reserved bytes / node installed bytes
node         node J
(device)     the whole device's J, in every scope
===========  ==============================================================================

Shares are clipped to [0, 1], so one job is never charged more than its node, and jobs whose
busy CPU time adds up to at most the node's are never charged more than the node together.
A sleeping or paused job uses no CPU time, so it draws nothing from the CPU in process scope.
Memory holds no busy time: DIMMs draw power for all installed capacity, so a job is charged
for the capacity it holds (as Green Algorithms' W/GB figure does); capacity nobody holds
appears in node scope, and in allocation scope when it is reserved for the job.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

SCOPES = ("process", "allocation", "node")
KINDS = ("cpu-share", "memory-share", "device", "none")

# attribution id -> the rule in one sentence (results, summaries, statements and docs use these)
RULES: dict[str, str] = {
    "cpu-time-share": "the node's CPU energy (idle and dynamic) x the job's share of the node's busy CPU time, per tick",
    "memory-share": "the node's memory energy x the job's resident memory / the node's installed memory, per tick",
    "allocation-cpu": "the idle power of the job's reserved vCPUs + the node's dynamic CPU energy x the job's share "
                      "of busy CPU time, per tick",
    "allocation-memory": "the node's memory energy x the job's reserved memory / the node's installed memory",
    "whole-node": "the whole machine's energy",
    "whole-device": "the whole device (a GPU visible to the job), not split among other processes using it",
    "as-reported": "the sensor's reading as it is (already the job's)",
}


@dataclass(frozen=True)
class Tick:
    """What the job and the node used over one sampling tick."""

    dt_s: float
    job_cpu_s: float = 0.0
    node_cpu_s: float = 0.0
    job_mem_bytes: float = 0.0
    node_mem_bytes: float = 0.0


@dataclass(frozen=True)
class Allocation:
    """The resources reserved for the job (cpuset/affinity, CPU quota, Slurm; memory limit)."""

    cpus: float
    node_cpus: float
    cpus_from: str
    mem_bytes: float | None = None
    node_mem_bytes: float | None = None
    mem_from: str = "no memory limit: the node's memory"

    @property
    def cpu_fraction(self) -> float:
        return min(1.0, self.cpus / self.node_cpus) if self.node_cpus > 0 else 1.0

    @property
    def mem_fraction(self) -> float:
        if not self.mem_bytes or not self.node_mem_bytes:
            return 1.0
        return min(1.0, self.mem_bytes / self.node_mem_bytes)

    def to_dict(self) -> dict[str, Any]:
        return {"cpus": self.cpus, "node_cpus": self.node_cpus, "cpus_from": self.cpus_from,
                "mem_gb": None if self.mem_bytes is None else round(self.mem_bytes / 1e9, 3),
                "node_mem_gb": None if self.node_mem_bytes is None else round(self.node_mem_bytes / 1e9, 3),
                "mem_from": self.mem_from}


def share(job: float, node: float) -> float:
    """The job's part of what the node used, in [0, 1] (all of it when only the job shows use)."""
    if node > 0:
        return min(1.0, max(0.0, job / node))
    return 1.0 if job > 0 else 0.0


def cpu_job_j(scope: str, node_j: float, tick: Tick, *, idle_w: float | None = None, cpu_fraction: float = 1.0) -> float:
    """The job's joules of a node's CPU energy ``node_j`` over one tick."""
    if scope == "node":
        return node_j
    s = share(tick.job_cpu_s, tick.node_cpu_s)
    if scope == "allocation" and idle_w is not None:
        idle = min(max(0.0, idle_w * tick.dt_s), node_j)
        return cpu_fraction * idle + s * (node_j - idle)
    return s * node_j


def memory_job_j(scope: str, node_j: float, tick: Tick, *, mem_fraction: float = 1.0) -> float:
    """The job's joules of a node's memory energy ``node_j`` over one tick."""
    if scope == "node":
        return node_j
    if scope == "allocation":
        return mem_fraction * node_j
    return share(tick.job_mem_bytes, tick.node_mem_bytes) * node_j


def rule_for(scope: str, kind: str) -> str:
    """The attribution id a component measured by a sensor of ``kind`` gets under ``scope``."""
    if kind == "device":
        return "whole-device"
    if kind not in ("cpu-share", "memory-share"):
        return "as-reported"
    if scope == "node":
        return "whole-node"
    if scope == "allocation":
        return "allocation-cpu" if kind == "cpu-share" else "allocation-memory"
    return "cpu-time-share" if kind == "cpu-share" else "memory-share"


class Attribution:
    """The rule for one run: its scope and, in allocation scope, what was reserved."""

    def __init__(self, scope: str, allocation: Allocation | None = None):
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}")
        self.scope, self.allocation = scope, allocation

    def needs_usage(self, kinds: Iterable[str]) -> bool:
        """Whether ticks need the job's and node's usage (no: node scope, or only device readings)."""
        return self.scope != "node" and any(k in ("cpu-share", "memory-share") for k in kinds)

    def job_j(self, kind: str, node_j: float, tick: Tick, idle_w: float | None = None) -> float:
        a = self.allocation
        if kind == "cpu-share":
            return cpu_job_j(self.scope, node_j, tick, idle_w=idle_w, cpu_fraction=a.cpu_fraction if a else 1.0)
        if kind == "memory-share":
            return memory_job_j(self.scope, node_j, tick, mem_fraction=a.mem_fraction if a else 1.0)
        return node_j

    def rule(self, kind: str) -> str:
        return rule_for(self.scope, kind)

    def paused_power(self, sensors) -> "ScopePower":
        """What this rule charges a job while it is paused (SIGSTOP), and, when that is not zero, a
        modelled running power on the same basis: the planner's defaults (``--idle-w``, ``--power-w``)."""
        paused, running, notes, running_known = 0.0, 0.0, [], True
        for s in sensors:
            p, r, note = self._paused_and_running(s)
            paused += p or 0.0
            if r is None:
                running_known = False
            else:
                running += r
            if note:
                notes.append(f"{s.component}: {note}")
        return ScopePower(self.scope, paused, running if running_known and paused > 0 else None, tuple(notes))

    def _paused_and_running(self, s) -> tuple[float | None, float | None, str | None]:
        """(W charged while paused, W while running at full load, a note) for one sensor."""
        kind, idle, busy = getattr(s, "attribution", "none"), getattr(s, "idle_w", None), getattr(s, "busy_w", None)
        a = self.allocation if self.scope == "allocation" else None
        if kind == "cpu-share":
            frac = a.cpu_fraction if a else 1.0
            if idle is None or busy is None:
                return 0.0, None, (None if self.scope == "process" else "idle power unknown, counted as 0 W")
            running = frac * busy if a else idle + frac * (busy - idle)
            if self.scope == "process":
                return 0.0, running, "0 W while paused (no CPU time, no share)"
            return (frac * idle if a else idle), running, None
        if kind == "memory-share":
            if self.scope == "process":
                return 0.0, 0.0, ("the memory the job holds while paused is charged (W/GB x resident GB); not known "
                                  "before it runs, counted as 0 W")
            if idle is None:
                return 0.0, 0.0, "memory power unknown, counted as 0 W"
            w = idle * (a.mem_fraction if a else 1.0)
            return w, w, None
        if kind == "device":  # charged whole: its draw before the job starts stands for its paused draw
            try:
                w = float(s.power_now_w())
            except Exception:  # noqa: BLE001 - no such method, or a device that does not answer
                return 0.0, None, "power while paused unknown, counted as 0 W"
            return w, None, f"{w:.3g} W while paused (its draw before the job started)"
        return 0.0, None, None


@dataclass(frozen=True)
class ScopePower:
    """The planner's view of a scope: W charged while paused, W while running (None: not modelled)."""

    scope: str
    paused_w: float
    running_w: float | None
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        s = f"{self.paused_w:.3g} W while paused (what {self.scope} scope charges a paused job"
        return s + (f"; {'; '.join(self.notes)})" if self.notes else ")")
