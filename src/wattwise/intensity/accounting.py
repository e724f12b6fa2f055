"""Hour-by-hour emissions: each slice of energy times the intensity of the moment it was used.

Segments are ``(t_start, t_end, energy J)`` per sampler tick. A series value holds for its
interval [t, t + resolution); a segment spanning several intervals is split in proportion to
time. Energy that falls outside the series (before it starts, after it ends, or in a gap) is
counted at the annual figure and reported, never dropped. If the source fails altogether, the
whole run uses the annual figure and the result carries a note saying why. The annual figure
given is on the source's basis (``account_for`` sees to it), so the two never mix.
"""
from __future__ import annotations

import bisect
import dataclasses
import time
from typing import Any, Sequence

from ..result import Intensity
from ..series import Series
from ..units import J_PER_KWH, iso
from .base import ProviderError

REFETCH_MIN_S = 60.0  # a source is asked at most once a minute while a run is going
RETRY_AFTER_FAILURE_S = 600.0  # and, after it failed, not again for ten minutes


@dataclasses.dataclass
class Evaluation:
    grams: float
    energy_j: float
    covered_j: float
    gap_j: float
    gap_s: float
    start: float
    end: float
    time_mean: float | None  # time-weighted mean intensity over the span (for zero-energy spans)


def integrate(series: Series | None, segments: Sequence[tuple[float, float, float]], fallback_g: float) -> Evaluation:
    """Σ energy × intensity, splitting segments at interval edges; gaps use ``fallback_g``."""
    grams = energy = covered = gap_j = gap_s = 0.0
    tw = tw_s = 0.0
    t0 = min((a for a, _, _ in segments), default=0.0)
    t1 = max((b for _, b, _ in segments), default=0.0)
    ts = series.t if series is not None else ()
    res = series.resolution_s if series is not None else 0.0
    for a, b, e in segments:
        energy += e
        if b <= a:
            v = series.value_at(a) if series is not None else None
            g = fallback_g if v is None else v
            grams += e / J_PER_KWH * g
            if v is None:
                gap_j += e
            else:
                covered += e
            continue
        span = b - a
        pos = a
        while pos < b:
            i = bisect.bisect_right(ts, pos) - 1
            if i >= 0 and pos < ts[i] + res:
                nxt = min(b, ts[i] + res)
                v = series.g[i]
            else:
                nxt = min(b, ts[i + 1]) if i + 1 < len(ts) else b
                v = None
            frac = (nxt - pos) / span
            piece = e * frac
            g = fallback_g if v is None else v
            grams += piece / J_PER_KWH * g
            tw += g * (nxt - pos)
            tw_s += nxt - pos
            if v is None:
                gap_j += piece
                gap_s += nxt - pos
            else:
                covered += piece
            pos = nxt
    return Evaluation(grams, energy, covered, gap_j, gap_s, t0, t1, tw / tw_s if tw_s > 0 else None)


class HourlyAccount:
    """Emissions from a time series (a live provider or the user's file), annual figure for gaps."""

    def __init__(self, intensity: Intensity, source: Any, *, zone: str | None = None, strict: bool = False,
                 clock=time.time):
        self.intensity = intensity  # the annual (fallback) figure and the region provenance
        self.source = source
        self.zone = zone or intensity.zone
        self.strict = strict
        self.clock = clock
        self.series: Series | None = None
        self.error: str | None = None
        self._fetched_at: float | None = None
        self._asked: tuple[float, float] | None = None

    # -- fetching -------------------------------------------------------------------------
    def _ensure(self, start: float, end: float) -> None:
        covered = self._asked is not None and self._asked[0] <= start and end <= self._asked[1]
        if covered or (self.series is not None and self.series.start <= start and end <= self.series.end):
            return
        now = self.clock()
        if self._fetched_at is not None and self._asked is not None and self._asked[0] <= start:
            wait = RETRY_AFTER_FAILURE_S if self.error else REFETCH_MIN_S
            if now - self._fetched_at < wait:
                return  # asked recently; the newest seconds count at the annual figure until the next ask
        self._fetched_at = now
        try:
            self.series = self.source.history(self.zone, start, end)
            self.error = None
            self._asked = (start, end)
        except ProviderError as e:
            if self.strict:
                from ..errors import StrictModeError

                raise StrictModeError(f"hour-by-hour intensity unavailable: {e}") from e
            self.error = str(e)
            self._asked = (start, end)

    def evaluate(self, segments: Sequence[tuple[float, float, float]]) -> Evaluation:
        segs = list(segments)
        if segs:
            self._ensure(min(a for a, _, _ in segs), max(b for _, b, _ in segs))
        return integrate(self.series, segs, self.intensity.g_per_kwh)

    # -- the account interface the tracker uses ------------------------------------------
    def emissions_g(self, segments: Sequence[tuple[float, float, float]]) -> float:
        return self.evaluate(segments).grams

    def result_intensity(self, segments: Sequence[tuple[float, float, float]]) -> Intensity:
        ev = self.evaluate(segments)
        annual = self.intensity
        label = getattr(self.source, "name", "provider")
        if self.series is None or ev.covered_j <= 0 and (ev.energy_j > 0 or ev.gap_s > 0):
            why = self.error or (f"{self.series.source} does not cover the run ({iso(ev.start)} to {iso(ev.end)})"
                                 if self.series is not None else "no data")
            note = f"hour-by-hour intensity unavailable ({why}); used the bundled annual figure"
            return dataclasses.replace(annual, note=_join(annual.note, note),
                                       extra={**annual.extra, "hourly_source": label})
        s = self.series
        if ev.energy_j > 0:
            g = ev.grams / (ev.energy_j / J_PER_KWH)
        else:
            g = ev.time_mean if ev.time_mean is not None else annual.g_per_kwh
        coverage = 100.0 * (ev.covered_j / ev.energy_j) if ev.energy_j > 0 else 100.0 * (1 - ev.gap_s / max(ev.end - ev.start, 1e-9))
        extra: dict[str, Any] = {
            "start": iso(ev.start), "end": iso(ev.end), "resolution_s": s.resolution_s, "provider": label,
            "coverage_pct": round(coverage, 3), "gap_s": round(ev.gap_s, 3),
            "gap_energy_kwh": ev.gap_j / J_PER_KWH,
            "annual_g_per_kwh": annual.g_per_kwh, "annual_source": annual.source,
        }
        if annual.year is not None:
            extra["annual_year"] = annual.year
        note = annual.note
        if ev.gap_s > 0 or ev.gap_j > 0:
            note = _join(note, f"{100 - coverage:.1f}% of the energy ({ev.gap_s:.0f} s) fell outside {s.source} and was "
                               f"counted at the annual figure {annual.g_per_kwh:g} gCO2e/kWh"
                               + (f" ({annual.year})" if annual.year else ""))
        if self.error:
            note = _join(note, f"last refresh failed: {self.error}")
        return Intensity(
            zone=annual.zone if label != "file" else (s.zone or annual.zone), g_per_kwh=g, source=s.source,
            signal=s.signal, year=None, datetime=iso(ev.start), method="hourly",
            license=getattr(self.source, "license", None), name=annual.name, region=annual.region,
            region_from=annual.region_from, estimated=annual.estimated, note=note, extra=extra,
            basis=getattr(self.source, "basis", None))


def _join(a: str | None, b: str | None) -> str | None:
    if a and b:
        return f"{a}; {b}"
    return a or b
