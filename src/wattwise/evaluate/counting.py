"""Per-request and per-token figures of a tracked service: ``run.count(requests=n, tokens=m)``.

Counts are logged with their wall-clock time, so each window of the run gets the requests
and tokens counted inside it. The figures divide the energy (and emissions) of the whole run,
or of the window, by what was counted there: idle time between requests is included, as it
is in a service's bill, so a busier service costs less per request. The log stays bounded:
after ``MAX_ENTRIES`` entries, counts are merged into buckets of a resolution (doubling from
1 ms) that keep their start time, and the result reports that resolution (``count_resolution_s``;
0 = exact): a window's counts are then off by at most what arrived within one resolution of its edges.
"""
from __future__ import annotations

import threading
import time
from array import array
from bisect import bisect_left, bisect_right

from ..errors import UsageError
from ..units import J_PER_KWH

MAX_ENTRIES = 65536


class CountLog:
    def __init__(self, clock=time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self.t, self.req, self.tok = array("d"), array("d"), array("d")
        self.requests = self.tokens = 0
        self.resolution = 0.0

    def add(self, requests: int = 0, tokens: int = 0) -> None:
        requests, tokens = _count(requests, "requests"), _count(tokens, "tokens")
        if not requests and not tokens:
            return
        with self._lock:
            t = self._clock()
            self.requests += requests
            self.tokens += tokens
            if self.t and t - self.t[-1] < self.resolution or self.t and t <= self.t[-1]:
                self.req[-1] += requests  # into the entry's bucket, which keeps its start time
                self.tok[-1] += tokens
                return
            self.t.append(t)
            self.req.append(requests)
            self.tok.append(tokens)
            if len(self.t) > MAX_ENTRIES:
                self._coarsen()

    def _coarsen(self) -> None:
        self.resolution = max(0.001, self.resolution * 2)
        t, req, tok = array("d"), array("d"), array("d")
        for a, r, k in zip(self.t, self.req, self.tok):
            if t and a - t[-1] < self.resolution:
                req[-1], tok[-1] = req[-1] + r, tok[-1] + k
            else:
                t.append(a)
                req.append(r)
                tok.append(k)
        self.t, self.req, self.tok = t, req, tok

    def between(self, t0: float, t1: float) -> tuple[int, int]:
        """Requests and tokens counted in [t0, t1]."""
        with self._lock:
            i, j = bisect_left(self.t, t0), bisect_right(self.t, t1)
            return int(sum(self.req[i:j])), int(sum(self.tok[i:j]))


def _count(v, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        try:
            if float(v) != int(v):
                raise ValueError
            v = int(v)
        except (TypeError, ValueError):
            raise UsageError(f"{what} must be a whole number, not {v!r}") from None
    if v < 0:
        raise UsageError(f"{what} must be >= 0, not {v}")
    return v


def log_for(tracker) -> CountLog:
    """The tracker's count log, created on first use (thread-safe)."""
    log = getattr(tracker, "_counts", None)
    if log is None:
        with _CREATE:
            log = getattr(tracker, "_counts", None)
            if log is None:
                log = tracker._counts = CountLog()
    return log


_CREATE = threading.Lock()


def per_unit(energy_j: float | None, grams: float | None, requests: int, tokens: int) -> dict:
    """Energy (kWh) and emissions (gCO2e) per request and per 1,000 tokens; null where nothing was counted."""
    def div(x, n, k=1):
        return None if x is None or not n else x / n * k
    kwh = None if energy_j is None else energy_j / J_PER_KWH
    return {"requests": requests, "tokens": tokens,
            "energy_kwh_per_request": div(kwh, requests), "emissions_gco2e_per_request": div(grams, requests),
            "energy_kwh_per_1k_tokens": div(kwh, tokens, 1000), "emissions_gco2e_per_1k_tokens": div(grams, tokens, 1000)}


def usage(log: CountLog, components, emissions_g: float | None, windows) -> dict:
    """The result's ``usage`` block: the run's figures, per component, and per window."""
    known = [c.energy_j for c in components if c.energy_j is not None]
    energy = sum(known) if known else None
    out = per_unit(energy, emissions_g, log.requests, log.tokens)
    out["components"] = [{"name": c.name, "method": c.method,
                          "energy_kwh_per_request": None if c.energy_j is None or not log.requests
                          else c.energy_j / J_PER_KWH / log.requests} for c in components]
    out["windows"] = []
    for w in sorted(windows, key=lambda w: w.start):
        r, k = log.between(w.start, w.end)
        out["windows"].append({"name": w.name, **per_unit(w.energy_j, w.emissions_g, r, k)})
    out["count_resolution_s"] = log.resolution
    out["basis"] = "the run's (or window's) whole energy over the requests and tokens counted in it, idle time included"
    return out
