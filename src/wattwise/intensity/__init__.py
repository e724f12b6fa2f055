"""Carbon intensity: where a figure comes from, and how energy becomes emissions.

Providers are plug-ins; the static bundled table is the offline default. An *account*
turns a run's energy timeline into grams: ``AnnualAccount`` multiplies by one figure,
hour-by-hour accounts (when a series covers the run) integrate over time.
"""
from __future__ import annotations

from ..result import Intensity
from ..units import J_PER_KWH
from .static import static_intensity


class AnnualAccount:
    """Emissions with one intensity for the whole run."""

    def __init__(self, intensity: Intensity):
        self.intensity = intensity

    def emissions_g(self, segments: list[tuple[float, float, float]]) -> float:
        """segments: (t_start, t_end, facility energy J)."""
        return sum(e for _, _, e in segments) / J_PER_KWH * self.intensity.g_per_kwh

    def result_intensity(self, segments) -> Intensity:
        return self.intensity


def resolve_intensity(region: str | None = None, *, intensity_g: float | None = None, region_from: str | None = None) -> Intensity:
    """The annual figure for a region (or the user's value), saying how the region was chosen."""
    from .static import user_intensity

    if intensity_g is not None:
        return user_intensity(intensity_g, region)
    return static_intensity(region, region_from=region_from)


__all__ = ["AnnualAccount", "resolve_intensity", "static_intensity"]
