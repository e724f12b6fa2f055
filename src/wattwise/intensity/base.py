"""The small protocol every intensity provider follows, and the shared fetch-and-cache logic.

A provider answers three questions for one grid zone: the latest value, the values over a past
span (``history``) and the coming values (``forecast``), as :class:`~wattwise.series.Series` of
gCO2e/kWh. Live providers inherit :class:`FetchingProvider`, which splits long spans into the
provider's single-request window, keeps every settled hour in the on-disk cache (so an hour is
never fetched twice) and turns any failure into :class:`ProviderError`, which callers turn into
the bundled annual figure with a visible note.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

from ..errors import WattwiseError
from ..series import Series, from_points

HOUR = 3600.0


class ProviderError(WattwiseError):
    """A live source could not answer (offline, no credentials, HTTP error, bad payload)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status  # the HTTP status when the server answered with an error


@dataclass(frozen=True)
class Reading:
    """One value: the interval [t, t + resolution_s) it holds for, and where it came from."""

    t: float
    g_per_kwh: float
    resolution_s: float
    source: str
    signal: str = "average"
    zone: str | None = None
    estimated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class Provider(Protocol):
    name: str
    signal: str
    basis: str | None
    license: str
    max_span_s: float  # the longest span one history request may cover

    def latest(self, zone: str) -> Reading: ...

    def history(self, zone: str, start: float, end: float) -> Series: ...

    def forecast(self, zone: str, hours: float = 24.0) -> Series: ...


def offline() -> bool:
    return os.environ.get("WATTWISE_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


class FetchingProvider:
    """History through the hour cache; subclasses implement ``_fetch_points`` and friends.

    ``clock`` returns epoch seconds (tests pass a fixed one); ``settle_s`` is how long after an
    hour ends its data is taken as final and cached for good; an hour with no data at all is
    cached as a gap only after ``GAP_SETTLE_S``.
    """

    name = "provider"
    signal = "average"
    basis: str | None = None  # lifecycle | direct (see intensity.basis)
    license = ""
    max_span_s = 10 * 86400.0
    settle_s = HOUR
    GAP_SETTLE_S = 6 * HOUR
    default_resolution_s = HOUR

    def __init__(self, *, client=None, cache=None, clock: Callable[[], float] = time.time):
        self.client = client
        self.cache = cache
        self.clock = clock
        self.requests = 0  # history requests made (tests and the bench read it)

    # -- to implement --------------------------------------------------------------------
    def _fetch_points(self, zone: str, start: float, end: float) -> tuple[list[tuple[float, float]], dict]:
        """Points (t, g/kWh) for [start, end) in one request, plus metadata (resolution_s, ...)."""
        raise ProviderError(f"{self.name}: history is not available")

    def cache_key(self, zone: str) -> str:
        return f"{self.name}/{zone}/{self.signal}"

    def source_label(self, what: str) -> str:
        return f"{self.name} ({what})"

    # -- shared ---------------------------------------------------------------------------
    def history(self, zone: str, start: float, end: float) -> Series:
        if end <= start:
            end = start + 1.0
        now = self.clock()
        h0 = math.floor(start / HOUR) * HOUR
        h1 = math.ceil(end / HOUR) * HOUR
        hours = [h0 + k * HOUR for k in range(int(round((h1 - h0) / HOUR)))]
        key = self.cache_key(zone)
        have: dict[float, list[tuple[float, float]]] = {}
        meta: dict[str, Any] = {}
        if self.cache is not None:
            for h in hours:
                pts = self.cache.get_hour(key, h)
                if pts is not None:
                    have[h] = pts
            meta.update(self.cache.get_meta(key))
        missing = [h for h in hours if h not in have]
        for a, b in _runs(missing):
            t = a
            while t < b and t < now:  # hours still to come are the forecast's job
                u = min(b, t + self.max_span_s)
                pts, m = self._fetch_points(zone, t, min(u, now))
                self.requests += 1
                meta.update({k: v for k, v in m.items() if v is not None})
                by_hour: dict[float, list[tuple[float, float]]] = {}
                for p in pts:
                    by_hour.setdefault(math.floor(p[0] / HOUR) * HOUR, []).append(p)
                settled: dict[float, list[tuple[float, float]]] = {}
                hh = t
                while hh < u:
                    got = sorted(by_hour.get(hh, []))
                    have[hh] = got
                    if (got and hh + HOUR <= now - self.settle_s) or hh + HOUR <= now - self.GAP_SETTLE_S:
                        settled[hh] = got
                    hh += HOUR
                if self.cache is not None and settled:
                    self.cache.put_hours(key, settled)
                t = u
        if self.cache is not None and meta:
            self.cache.put_meta(key, meta)
        points = [p for h in hours for p in have.get(h, [])]
        if not points:
            raise ProviderError(f"{self.name}: no data for zone {zone} between {_iso(start)} and {_iso(end)}")
        return _series(points, self.source_label("history"), zone, self.signal, meta.get("resolution_s"))


def _runs(hours: Sequence[float]) -> list[tuple[float, float]]:
    """Contiguous [start, end) spans of missing hours."""
    out: list[tuple[float, float]] = []
    for h in hours:
        if out and abs(out[-1][1] - h) < 1e-6:
            out[-1] = (out[-1][0], h + HOUR)
        else:
            out.append((h, h + HOUR))
    return out


def _series(points, source: str, zone: str | None, signal: str, resolution_s: float | None) -> Series:
    """Build a Series; an empty or broken payload is a provider failure, not a usage error."""
    from ..errors import UsageError

    try:
        return from_points(points, source=source, zone=zone, signal=signal, resolution_s=resolution_s, what=source)
    except UsageError as e:
        raise ProviderError(str(e)) from None


def _iso(t: float) -> str:
    from ..units import iso

    return iso(t) or ""


def series_from_points(points, source: str, zone: str | None, signal: str, resolution_s: float | None = None) -> Series:
    return _series(points, source, zone, signal, resolution_s)


def check_g(v: float, what: str) -> float:
    """A provider's value checked like any series value (``wattwise.series.check_value``): a
    payload with an impossible intensity (inf, nan, negative, in g/MWh) is a ProviderError."""
    from ..errors import UsageError
    from ..series import check_value

    try:
        return check_value(v, what)
    except UsageError as e:
        raise ProviderError(str(e)) from None


def parse_ts(text: Any) -> float:
    """ISO 8601 (Z or offset; UTC when none) -> epoch seconds; ProviderError on junk."""
    from ..series import _parse_ts

    try:
        return _parse_ts(str(text))
    except (ValueError, TypeError):
        raise ProviderError(f"unreadable timestamp {text!r} in the response") from None


def utc_minute(t: float) -> str:
    """2024-05-01T14:00Z: the format the GB API puts in its paths."""
    from datetime import datetime, timezone

    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def utc_iso(t: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
