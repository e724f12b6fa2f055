"""The sampler: reads sensors on a daemon thread, attributes, integrates, and hands samples on.

Totals come from the sensors' cumulative counters, not from sampled power: each tick adds
the counter delta since the previous tick. Deltas of node-wide counters (RAPL, the CPU and
RAM models) become the job's through the one attribution rule of the run's scope
(``wattwise.measure.attribution``), fed with the tick's usage: the tracked processes' and
the machine's busy CPU time, resident and installed memory. A sensor that never produced a
reading is listed in ``never_read`` (its energy is unknown, not 0). Any exception raised by a
sensor or the sink is recorded and never reaches the host program.
"""
from __future__ import annotations

import threading
import time
from array import array
from typing import Callable

from .measure.attribution import Attribution, Tick
from .procs import NodeUsage, ProcessTree

Row = tuple  # (t_wall, component, cumulative J, power W)


class Meter:
    def __init__(self, sensors: list, tree: ProcessTree, scope: str, interval: float, *,
                 sink: Callable[[list[Row]], None] | None = None, flush_interval: float | None = None,
                 clock: Callable[[], float] = time.time, mono: Callable[[], float] = time.monotonic,
                 node: NodeUsage | None = None, attribution: Attribution | None = None):
        self.sensors = list(sensors)
        self.tree, self.scope, self.interval = tree, scope, float(interval)
        self.sink = sink
        self.flush_interval = max(self.interval, 5.0) if flush_interval is None else flush_interval
        self._clock, self._mono = clock, mono
        self._lock = threading.RLock()  # re-entrant: a signal handler may read while the main thread holds it
        # Held while sampling; stop() releases it. Waiting on a plain lock with a timeout is one C
        # call per tick, where Event.wait runs a Condition in Python: half the idle CPU cost.
        self._running = threading.Lock()
        self._running.acquire()
        self._thread: threading.Thread | None = None
        self.components = [s.component for s in self.sensors]
        self.acc = {c: 0.0 for c in self.components}
        self.failed: dict[str, str] = {}
        self.never_read: set[str] = set()  # components whose sensor failed its first reading
        self.errors: list[str] = []
        self.rule = attribution if attribution is not None else Attribution(scope)
        kinds = [getattr(s, "attribution", "none") for s in self.sensors]
        self._needs_usage = self.rule.needs_usage(kinds)
        self.node = node if node is not None or not self._needs_usage else NodeUsage()
        # (sensor, component, kind, node idle W) resolved once, not on every tick
        self._plan = [(s, s.component, k, getattr(s, "idle_w", None)) for s, k in zip(self.sensors, kinds)]
        self.rules = {s.component: self.rule.rule(k) for s, k in zip(self.sensors, kinds)}  # component -> attribution id
        self._buf: list[Row] = []
        self._last_flush = 0.0
        # compact timeline for emissions accounting: wall time and cumulative total J
        self.timeline_t = array("d")
        self.timeline_e = array("d")
        self.ticks = 0
        self.started_at = self.stopped_at = None

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            self.tree.poll()
            if self.node is not None:
                self.node.poll()
            self._raw = {}
            for s in self.sensors:
                try:
                    self._raw[s.component] = s.read_energy_j()
                except Exception as e:  # noqa: BLE001
                    self._fail(s.component, e)
                    self.never_read.add(s.component)
                    self._raw[s.component] = 0.0
            self._recorded = [c for c in self.components if c not in self.never_read]
            self._pc = self.tree.cpu_s
            self._nb = self.node.cpu_busy_s if self.node is not None else 0.0
            self.started_at = self._clock()
            self._last_m = self._m_read = self._mono()
            self._last_acc = dict(self.acc)
            self._last_flush = self._last_m
            self.timeline_t.append(self.started_at)
            self.timeline_e.append(0.0)
        self._thread = threading.Thread(target=self._run, name="wattwise-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, float]:
        """Stop sampling, take a final reading, flush; idempotent. Returns cumulative J per component."""
        if self.stopped_at is not None:
            return dict(self.acc)
        try:
            self._running.release()
        except RuntimeError:  # already released by a concurrent stop()
            pass
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=max(5.0, self.interval * 2))
        try:
            self._tick(record=True)
        except Exception as e:  # noqa: BLE001
            self.errors.append(f"final reading failed: {e!r}")
        self.stopped_at = self._clock()
        self._flush(force=True)
        return dict(self.acc)

    def _run(self) -> None:
        # Each clock read or syscall costs microseconds when the caches are cold, as they are
        # once a second: one monotonic read per loop, reused for the flush and the schedule.
        mono, interval, wait = self._mono, self.interval, self._running.acquire
        now = mono()
        next_t = now + interval
        while not wait(True, max(0.0, next_t - now)):
            try:
                self._tick(record=True)
                now = self._last_m  # the tick's own monotonic reading
            except Exception as e:  # noqa: BLE001 - never let the sampler die loudly
                if len(self.errors) < 20:
                    self.errors.append(f"sampler: {e!r}")
                now = mono()
            try:
                if now - self._last_flush >= self.flush_interval:
                    self._flush()
            except Exception as e:  # noqa: BLE001
                if len(self.errors) < 20:
                    self.errors.append(f"sampler: {e!r}")
            next_t += interval
            if next_t < now:  # fell behind (suspended, overloaded): skip missed ticks
                next_t = now + interval

    # -- readings -------------------------------------------------------------------------
    def _fail(self, comp: str, e: BaseException) -> None:
        if comp not in self.failed:
            self.failed[comp] = f"sensor stopped answering: {e!r}"

    def snapshot(self) -> tuple[float, dict[str, float]]:
        """Read every sensor now (for window boundaries); does not add a timeline sample."""
        if self.stopped_at is not None:
            return self.stopped_at, dict(self.acc)
        self._tick(record=False)
        return self._clock(), dict(self.acc)

    def mark(self) -> None:
        """A recorded reading now, so that a segment ends exactly here (a pause or a resume): the
        energy before a pause is then never spread over the paused time. Never raises."""
        try:
            self._tick(record=True)
        except Exception as e:  # noqa: BLE001
            if len(self.errors) < 20:
                self.errors.append(f"sampler: {e!r}")

    def _tick(self, record: bool) -> None:
        with self._lock:
            if self.stopped_at is not None:
                return
            tree, node = self.tree, self.node
            tree.poll()
            if node is not None:
                node.poll()  # before the sensors: the CPU model reads the node's busy time from it
            tick = None
            if self._needs_usage:
                m, pc, nb = self._mono(), tree.cpu_s, node.cpu_busy_s
                # The machine's busy time (/proc/stat) is sampled at the clock tick; the job's final
                # figure is exact (rusage). CPU time the machine has not registered yet waits for a
                # later tick instead of claiming a whole tick of the machine's energy now.
                job, busy = pc - self._pc, nb - self._nb
                used = min(job, busy) if busy > 0 else 0.0
                tick = Tick(m - self._m_read, used, busy, tree.rss_bytes, node.mem_total_bytes)
                self._m_read, self._pc, self._nb = m, self._pc + max(0.0, used), nb
            rule = self.rule
            acc, raws, failed = self.acc, self._raw, self.failed
            for s, c, kind, idle_w in self._plan:
                if failed and c in failed:
                    continue
                try:
                    raw = s.read_energy_j()
                except Exception as e:  # noqa: BLE001
                    self._fail(c, e)
                    continue
                d = raw - raws[c]
                raws[c] = raw
                if d < 0:
                    d = 0.0
                if tick is not None:
                    d = rule.job_j(kind, d, tick, idle_w)
                acc[c] += d
            if not record:
                return
            t, m = self._clock(), self._mono()
            dt = m - self._last_m
            last, buf = self._last_acc, self._buf
            total = 0.0
            for c in self._recorded:  # a sensor that never read has no samples: unknown, not 0
                a = acc[c]
                buf.append((t, c, a, (a - last[c]) / dt if dt > 0 else None))
                last[c] = a  # in place: no new dict per tick
                total += a
            self._last_m = m
            self.timeline_t.append(t)
            self.timeline_e.append(total)
            self.ticks += 1

    def _flush(self, force: bool = False) -> None:
        with self._lock:
            rows, self._buf = self._buf, []
            self._last_flush = self._mono()
        if rows and self.sink is not None:
            try:
                self.sink(rows)
            except Exception as e:  # noqa: BLE001
                if len(self.errors) < 20:
                    self.errors.append(f"could not store samples: {e}")

    def segments(self) -> list[tuple[float, float, float]]:
        """(t0, t1, device J) per tick: the input of hour-by-hour accounting."""
        t, e = self.timeline_t, self.timeline_e
        return [(t[i - 1], t[i], e[i] - e[i - 1]) for i in range(1, len(t))]

    def mean_power(self) -> dict[str, float | None]:
        if self.started_at is None or self.stopped_at is None:
            return {}
        dur = self.stopped_at - self.started_at
        return {c: (self.acc[c] / dur if dur > 0 else None) for c in self.components}
