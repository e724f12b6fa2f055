"""CarbonGate: Pause & Resume from inside a training loop that can stop at step boundaries.

Where SIGSTOP is unwelcome (a job holding NCCL connections, a notebook), the loop asks the gate
at each step; the gate sleeps through the plan's pauses (after an optional ``on_pause`` hook,
e.g. to save a checkpoint) and returns at once inside a planned slot::

    gate = wattwise.CarbonGate(duration="6h", within="12h", region="GB", forecast="gb.csv")
    for batch in loader:
        gate.wait_if_dirty()
        train_step(batch)

With no usable forecast the gate never sleeps (and says so once). After the last planned
slot it lets the loop run on: an overrun job is finished, not stalled.
"""
from __future__ import annotations

import sys
import time
from typing import Any, Callable

from ..units import format_duration, iso


class CarbonGate:
    def __init__(self, duration: Any = None, within: Any = None, *, region: str | None = None, forecast: Any = None,
                 by: Any = None, min_run: Any = None, max_pauses: int | None = None, idle_w: float = 0.0,
                 power_w: float | None = None, plan: Any = None, on_pause: Callable[[float], Any] | None = None,
                 on_resume: Callable[[], Any] | None = None, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Any] = time.sleep, verbose: bool = True):
        self._clock, self._sleep = clock, sleep
        self.on_pause, self.on_resume = on_pause, on_resume
        self.verbose = verbose
        self._kw = dict(region=region, forecast=forecast, by=by, min_run=min_run, max_pauses=max_pauses, idle_w=idle_w,
                        power_w=power_w)
        if plan is None:
            from .plan import schedule

            plan = schedule(duration, within, pause_resume=True, now=clock(), **self._kw)
        self.plan = plan
        self.paused_s = 0.0
        self.pauses = 0
        self._window_end = plan.planned_at + plan.window_s + plan.duration_s
        if not plan.available:
            self._say(f"{'; '.join(plan.notes)}; the gate will not pause")

    def _say(self, msg: str) -> None:
        if self.verbose:
            sys.stderr.write(f"wattwise: gate: {msg}\n")
            sys.stderr.flush()

    def next_start(self, now: float | None = None) -> float | None:
        """When the job may run next: ``now`` inside a slot, the next slot's start in a pause, None after the plan."""
        now = self._clock() if now is None else now
        if not self.plan.available:
            return now
        for a, b in self.plan.slots:
            if now < a:
                return a
            if now < b:
                return now
        return None

    def is_dirty(self, now: float | None = None) -> bool:
        """True inside a planned pause (or before the first slot)."""
        now = self._clock() if now is None else now
        nxt = self.next_start(now)
        return nxt is not None and nxt > now

    def wait_if_dirty(self) -> float:
        """Sleep until the next planned slot if the grid is in a planned pause; return the seconds slept."""
        now = self._clock()
        nxt = self.next_start(now)
        if nxt is None or nxt <= now:
            return 0.0
        self._say(f"pausing {format_duration(nxt - now)} until {iso(nxt)} (planned)")
        if self.on_pause is not None:
            self.on_pause(nxt)
        t0 = now
        while True:
            left = nxt - self._clock()
            if left <= 0:
                break
            self._sleep(min(left, 5.0))
        slept = self._clock() - t0
        self.paused_s += slept
        self.pauses += 1
        if self.on_resume is not None:
            self.on_resume()
        self._say("resuming")
        return slept

    def replan(self, remaining: Any = None) -> Any:
        """Plan the remaining work (default: the planned duration minus the slot time already past) in what is left of the window."""
        from .plan import _secs, schedule

        now = self._clock()
        if remaining is None:
            done = sum(max(0.0, min(b, now) - a) for a, b in self.plan.slots if a < now)
            rem = max(0.0, self.plan.duration_s - done)
        else:
            rem = _secs(remaining, "remaining work") or 0.0
        if rem <= 0:
            return self.plan
        within = max(0.0, self._window_end - now - rem)
        self.plan = schedule(rem, within, pause_resume=True, now=now, **self._kw)
        return self.plan
