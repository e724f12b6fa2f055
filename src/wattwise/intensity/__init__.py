"""Carbon intensity: where a figure comes from, and how energy becomes emissions.

Providers are plug-ins behind one protocol (:mod:`.base`): the static bundled table (default,
offline), Electricity Maps, WattTime, the GB Carbon Intensity API, a user series file and a fixed
value. An *account* turns a run's energy timeline into grams: ``AnnualAccount`` multiplies by one
figure; ``HourlyAccount`` integrates over time when a provider is configured or a series file is
given. No provider configured (the default) or ``WATTWISE_OFFLINE=1`` means no network at all.

A provider is configured by ``--provider``/``provider=``, ``WATTWISE_PROVIDER``, the config
file's ``provider`` key, or implicitly by credentials (``WATTWISE_ELECTRICITYMAPS_TOKEN``, or
``WATTWISE_WATTTIME_USER`` and ``_PASSWORD``). ``WATTWISE_INTENSITY_FILE`` names a series file.
"""
from __future__ import annotations

import dataclasses
import os
import sys
import types
from typing import Any

from ..errors import UsageError
from ..result import Intensity
from ..units import J_PER_KWH
from .static import static_intensity

PROVIDERS = ("electricitymaps", "watttime", "ukgrid")
ALIASES = {"em": "electricitymaps", "electricitymap": "electricitymaps", "electricity-maps": "electricitymaps",
           "wt": "watttime", "gb": "ukgrid", "uk": "ukgrid", "carbonintensity": "ukgrid", "neso": "ukgrid",
           "static": None, "none": None, "annual": None, "off": None}


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


def provider_name(name: str | None = None) -> str | None:
    """The configured live provider, or None (the offline default). Unknown names are a UsageError."""
    how = "--provider"
    if not name:
        name, how = os.environ.get("WATTWISE_PROVIDER"), "WATTWISE_PROVIDER"
    if not name:
        from ..config import load_config

        name, how = load_config().get("provider"), "config file 'provider'"
    if not name:
        if os.environ.get("WATTWISE_ELECTRICITYMAPS_TOKEN"):
            return "electricitymaps"
        if os.environ.get("WATTWISE_WATTTIME_USER") and os.environ.get("WATTWISE_WATTTIME_PASSWORD"):
            return "watttime"
        return None
    key = str(name).strip().lower()
    if key in PROVIDERS:
        return key
    if key in ALIASES:
        return ALIASES[key]
    import difflib

    close = difflib.get_close_matches(key, list(PROVIDERS) + list(ALIASES), n=1, cutoff=0.6)
    hint = f"; did you mean '{ALIASES.get(close[0], close[0]) or 'static'}'?" if close else ""
    raise UsageError(f"unknown intensity provider '{name}' ({how}){hint} (choose from: {', '.join(PROVIDERS)}, static)")


def make_provider(name: str, **kw: Any):
    """A provider instance; ProviderError when it cannot work (offline, missing credentials)."""
    from .base import ProviderError, offline
    from .cache import HourCache

    if offline():
        raise ProviderError(f"{name}: not used because WATTWISE_OFFLINE=1")
    kw.setdefault("cache", HourCache())
    if name == "electricitymaps":
        from .electricitymaps import ElectricityMaps

        return ElectricityMaps(**kw)
    if name == "watttime":
        from .watttime import WattTime

        return WattTime(**kw)
    if name == "ukgrid":
        from .ukgrid import UKGrid

        return UKGrid(**kw)
    raise UsageError(f"unknown intensity provider '{name}'")


def account_for(intensity: Intensity, *, provider: str | None = None, series: str | os.PathLike | None = None,
                column: str | None = None, strict: bool = False, **kw: Any):
    """The account a run should use: hourly when a series file or a live provider is configured.

    The user's fixed value always wins. Building the account makes no network call; the first
    emissions query does. A provider that cannot start (offline, no credentials) gives the annual
    account with a note, unless ``strict``.
    """
    # The hourly machinery (accounting, series, gzip, providers) is imported only when it is
    # used: the offline default returns AnnualAccount, and a tracker's start is budgeted.
    if intensity.method == "user":
        return AnnualAccount(intensity)
    series = series or os.environ.get("WATTWISE_INTENSITY_FILE") or None
    if series:
        from .accounting import HourlyAccount
        from .userfile import SeriesFile

        return HourlyAccount(intensity, SeriesFile(series, column=column), strict=strict)
    name = provider_name(provider)
    if name is None:
        return AnnualAccount(intensity)
    from .accounting import HourlyAccount
    from .base import ProviderError

    try:
        src = make_provider(name, **kw)
    except ProviderError as e:
        if strict:
            from ..errors import StrictModeError

            raise StrictModeError(f"live intensity unavailable: {e}") from e
        return AnnualAccount(dataclasses.replace(intensity, note=_join(intensity.note, f"live intensity not used: {e}")))
    return HourlyAccount(intensity, src, strict=strict)


def _source(provider: str | None, series, **kw: Any):
    from .base import ProviderError

    series = series or os.environ.get("WATTWISE_INTENSITY_FILE") or None
    if series:
        from .userfile import SeriesFile

        return SeriesFile(series)
    name = provider_name(provider)
    if name is None:
        raise ProviderError("no time series: configure a provider (--provider electricitymaps|watttime|ukgrid, "
                            "or WATTWISE_ELECTRICITYMAPS_TOKEN) or give a series file")
    return make_provider(name, **kw)


def forecast_series(region: str | None, *, hours: float = 24.0, provider: str | None = None,
                    series: str | os.PathLike | None = None, **kw: Any):
    """The coming intensities for a region as a Series (for schedulers). Raises ProviderError."""
    zone = static_intensity(region).zone
    return _source(provider, series, **kw).forecast(zone, hours=hours)


def history_series(region: str | None, start: float, end: float, *, provider: str | None = None,
                   series: str | os.PathLike | None = None, **kw: Any):
    """Past intensities for a region over [start, end) as a Series (cached). Raises ProviderError."""
    zone = static_intensity(region).zone
    return _source(provider, series, **kw).history(zone, start, end)


def forecast(region: str | None, *, provider: str | None = None, hours: float = 48.0,
             series: str | os.PathLike | None = None, **kw: Any):
    """The scheduler's entry point (see wattwise.schedule.forecast): a provider's forecast Series."""
    return forecast_series(region, hours=hours, provider=provider, series=series, **kw)


def history(region: str | None, start: float, end: float, *, provider: str | None = None,
            series: str | os.PathLike | None = None, **kw: Any):
    """The scheduler's fallback for a persistence forecast: the provider's recent history."""
    return history_series(region, start, end, provider=provider, series=series, **kw)


def lookup(region: str | None = None, *, at: Any = None, provider: str | None = None,
           series: str | os.PathLike | None = None) -> Intensity:
    """The intensity wattwise would use for ``region`` (now, or ``at``), with its provenance."""
    from .query import query

    return query(region, at=at, provider=provider, series=series)


def _join(a: str | None, b: str | None) -> str | None:
    return f"{a}; {b}" if a and b else (a or b)


class _CallableModule(types.ModuleType):
    """``wattwise.intensity("FR")`` works whether the name resolves to this package or to lookup."""

    def __call__(self, region: str | None = None, **kw: Any) -> Intensity:
        return lookup(region, **kw)


sys.modules[__name__].__class__ = _CallableModule


__all__ = ["AnnualAccount", "resolve_intensity", "static_intensity", "account_for", "provider_name", "make_provider",
           "lookup", "forecast_series", "history_series", "PROVIDERS"]
