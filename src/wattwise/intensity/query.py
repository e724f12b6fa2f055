"""What intensity would be used for a region, at a time, and why (``wattwise intensity``)."""
from __future__ import annotations

import dataclasses
import os
import time
from datetime import datetime
from typing import Any

from ..errors import UsageError
from ..result import Intensity
from ..units import iso, parse_time
from .base import HOUR, ProviderError

FORECAST_HINT = ("configure a live provider (--provider electricitymaps|watttime|ukgrid, or set "
                 "WATTWISE_ELECTRICITYMAPS_TOKEN) or pass --series FILE")


def _annual_why(i: Intensity) -> str:
    if i.method == "user":
        return "the value you gave"
    yr = f" ({i.year})" if i.year else ""
    return f"bundled annual average for {i.zone}{yr}, see source"


def query(region: str | None = None, *, at: Any = None, forecast: bool = False, provider: str | None = None,
          series: str | os.PathLike | None = None, hours: float = 24.0, clock=time.time, basis: str | None = None,
          **provider_kw: Any) -> Intensity:
    from . import _matched, make_provider, provider_name
    from .static import static_intensity

    annual = static_intensity(region, region_from="argument" if region else None, basis=basis)
    when = _when(at, clock) if at is not None else None
    series = series or os.environ.get("WATTWISE_INTENSITY_FILE") or None
    name = None if series else provider_name(provider)
    if series is None and name is None:
        if forecast:
            raise UsageError(f"no forecast without a time series: the bundled figure for {annual.zone} is an annual "
                             f"average; {FORECAST_HINT}")
        why = _annual_why(annual) + "; no live provider is configured, so nothing was fetched"
        if when is not None:
            why += f"; an annual figure applies to any time, including {iso(when)}"
        return dataclasses.replace(annual, extra={**annual.extra, "why": why})

    try:
        if series:
            from .userfile import SeriesFile

            src = SeriesFile(series, clock=clock, basis=basis or annual.basis)
        else:
            src = make_provider(name, clock=clock, basis=basis, **provider_kw)
        annual = _matched(annual, src, basis, name or f"the series file {series}")
        return _live(src, annual, when, forecast, hours, clock)
    except ProviderError as e:
        note = f"live intensity unavailable ({e}); used the bundled annual figure"
        extra = {**annual.extra, "why": _annual_why(annual) + " (fallback)", "provider": name or "file"}
        if forecast:
            extra["forecast"] = []
        return dataclasses.replace(annual, note=f"{annual.note}; {note}" if annual.note else note, extra=extra)


def _when(at: Any, clock) -> float:
    if isinstance(at, (int, float)):
        return float(at)
    if isinstance(at, datetime):
        return at.timestamp()
    from datetime import timezone

    return parse_time(str(at), what="--at time", now=datetime.fromtimestamp(clock(), timezone.utc)).timestamp()


def _live(src, annual: Intensity, when: float | None, forecast: bool, hours: float, clock) -> Intensity:
    zone = annual.zone
    now = clock()
    base_extra = {"provider": src.name, "annual_g_per_kwh": annual.g_per_kwh, "annual_source": annual.source}
    if annual.year is not None:
        base_extra["annual_year"] = annual.year

    def make(t: float, g: float, source: str, signal: str, why: str, res: float, **extra) -> Intensity:
        series_zone = src.series.zone if src.name == "file" else None
        return Intensity(zone=series_zone or zone, g_per_kwh=float(g), source=source, signal=signal, datetime=iso(t), method="hourly",
                         license=src.license, name=annual.name, region=annual.region, region_from=annual.region_from,
                         estimated=annual.estimated, note=annual.note, basis=getattr(src, "basis", None),
                         extra={**base_extra, "resolution_s": res, "why": why, **extra})

    if forecast:
        s = src.forecast(zone, hours=hours)
        t0 = now if when is None else when
        v = s.value_at(t0)
        t_v = t0
        if v is None:
            t_v, v = s.t[0], s.g[0]
        pts = [{"datetime": iso(t), "g_per_kwh": g} for t, g in zip(s.t, s.g)]
        why = f"forecast from {s.source}, value for the interval containing {iso(t_v)}"
        return make(t_v, v, s.source, s.signal, why, s.resolution_s, forecast=pts, forecast_end=iso(s.end))
    if when is None:
        r = src.latest(zone)
        why = f"latest value from {r.source}" + (" (estimated by the provider)" if r.estimated else "")
        return make(r.t, r.g_per_kwh, r.source, r.signal, why, r.resolution_s, **r.extra)
    if when <= now:
        s = src.history(zone, when, when + 1.0)
        what = "history"
    else:
        s = src.forecast(zone, hours=max(1.0, (when - now) / HOUR + 1.0))
        what = "forecast"
    v = s.value_at(when)
    if v is None:
        raise ProviderError(f"{s.source} has no value at {iso(when)}")
    i = max(k for k, t in enumerate(s.t) if t <= when)
    why = f"{what} value from {s.source} for the interval starting {iso(s.t[i])}"
    return make(s.t[i], v, s.source, s.signal, why, s.resolution_s, at=iso(when))
