"""Carbon intensity: where a figure comes from, and how energy becomes emissions.

Providers are plug-ins behind one protocol (:mod:`.base`): the static bundled table (default,
offline), Electricity Maps, WattTime, the GB Carbon Intensity API, a user series file and a fixed
value. An *account* turns a run's energy timeline into grams: ``AnnualAccount`` multiplies by one
figure; ``HourlyAccount`` integrates over time when a provider is configured or a series file is
given. No provider configured (the default) or ``WATTWISE_OFFLINE=1`` means no network at all.

A provider is configured by ``--provider``/``provider=``, ``WATTWISE_PROVIDER``, the config
file's ``provider`` key, or implicitly by credentials (``WATTWISE_ELECTRICITYMAPS_TOKEN``, or
``WATTWISE_WATTTIME_USER`` and ``_PASSWORD``). ``WATTWISE_INTENSITY_FILE`` names a series file.

Every intensity carries its ``basis`` (``lifecycle``, the default, or ``direct``); ``basis=``
everywhere below asks for one, and :mod:`.basis` keeps a run, a query or a forecast on one.
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


def resolve_intensity(region: str | None = None, *, intensity_g: float | None = None, region_from: str | None = None,
                      basis: str | None = None) -> Intensity:
    """The annual figure for a region on ``basis`` (or the user's value), saying how the region was chosen."""
    from .static import user_intensity

    if intensity_g is not None:
        return user_intensity(intensity_g, region, basis)
    return static_intensity(region, region_from=region_from, basis=basis)


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


def make_provider(name: str, *, basis: str | None = None, **kw: Any):
    """A provider instance on ``basis`` (None: its own); ProviderError when it cannot work (offline,
    missing credentials); UsageError when it does not publish the basis asked for."""
    from .base import ProviderError, offline
    from .basis import provider_basis
    from .cache import HourCache

    kw["basis"] = provider_basis(name, basis) if basis is not None else None
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
                column: str | None = None, strict: bool = False, basis: str | None = None, **kw: Any):
    """The account a run should use: hourly when a series file or a live provider is configured.

    The user's fixed value always wins. Building the account makes no network call; the first
    emissions query does. A provider that cannot start (offline, no credentials) gives the annual
    account with a note, unless ``strict``. ``basis`` is the one asked for (None: the default,
    which gives way to a source that publishes only the other basis; the annual figure follows).
    """
    # The hourly machinery (accounting, series, gzip, providers) is imported only when it is
    # used: the offline default returns AnnualAccount, and a tracker's start is budgeted.
    if intensity.method == "user":
        return AnnualAccount(intensity)
    series = series or os.environ.get("WATTWISE_INTENSITY_FILE") or None
    if series:
        from .accounting import HourlyAccount
        from .userfile import SeriesFile

        src = SeriesFile(series, column=column, basis=basis or intensity.basis)
        return HourlyAccount(_matched(intensity, src, basis, f"the series file {src.series.source}"), src, strict=strict)
    name = provider_name(provider)
    if name is None:
        return AnnualAccount(intensity)
    from .accounting import HourlyAccount
    from .base import ProviderError

    try:
        src = make_provider(name, basis=basis, **kw)
    except ProviderError as e:
        if strict:
            from ..errors import StrictModeError

            raise StrictModeError(f"live intensity unavailable: {e}") from e
        return AnnualAccount(dataclasses.replace(intensity, note=_join(intensity.note, f"live intensity not used: {e}")))
    try:
        annual = _matched(intensity, src, basis, name)
    except UsageError as e:  # the region has no bundled figure on the provider's basis to fill gaps with
        return AnnualAccount(dataclasses.replace(intensity, note=_join(intensity.note, f"live intensity not used: {e}")))
    return HourlyAccount(annual, src, strict=strict)


def _matched(intensity: Intensity, src, asked: str | None, what: str) -> Intensity:
    """The annual figure on the basis of ``src``: an explicit, different ``asked`` basis is a UsageError."""
    from .basis import switched

    got = getattr(src, "basis", None)
    if asked is not None and got is not None and got != asked:
        raise UsageError(f"{what} holds {got} figures, not {asked}; pass --basis {got} or a source on the {asked} basis")
    return switched(intensity, got, what)


def _source(provider: str | None, series, basis: str | None = None, **kw: Any):
    from .base import ProviderError

    series = series or os.environ.get("WATTWISE_INTENSITY_FILE") or None
    if series:
        from .userfile import SeriesFile

        return SeriesFile(series, basis=basis)
    name = provider_name(provider)
    if name is None:
        raise ProviderError("no time series: configure a provider (--provider electricitymaps|watttime|ukgrid, "
                            "or WATTWISE_ELECTRICITYMAPS_TOKEN) or give a series file")
    return make_provider(name, basis=basis, **kw)


def _zone(region: str | None) -> str:
    """The grid zone a region draws from (whatever figures it has)."""
    if region:
        from .. import regions

        reg = regions.resolve(region)
        return reg.zone or reg.id
    return static_intensity(None).zone


def forecast_series(region: str | None, *, hours: float = 24.0, provider: str | None = None,
                    series: str | os.PathLike | None = None, basis: str | None = None, **kw: Any):
    """The coming intensities for a region as a Series (for schedulers), on ``basis`` (None: the
    source's own; see :func:`source_basis`). Raises ProviderError (UsageError on a basis conflict)."""
    return _source(provider, series, basis, **kw).forecast(_zone(region), hours=hours)


def history_series(region: str | None, start: float, end: float, *, provider: str | None = None,
                   series: str | os.PathLike | None = None, basis: str | None = None, **kw: Any):
    """Past intensities for a region over [start, end) as a Series (cached), on ``basis``. Raises ProviderError."""
    return _source(provider, series, basis, **kw).history(_zone(region), start, end)


def forecast(region: str | None, *, provider: str | None = None, hours: float = 48.0,
             series: str | os.PathLike | None = None, basis: str | None = None, **kw: Any):
    """The scheduler's entry point (see wattwise.schedule.forecast): a provider's forecast Series.

    Comparing regions needs one basis: pass ``basis="lifecycle"`` (the default elsewhere) and
    label the plan with :func:`source_basis`; a provider that does not publish it raises.
    """
    return forecast_series(region, hours=hours, provider=provider, series=series, basis=basis, **kw)


def history(region: str | None, start: float, end: float, *, provider: str | None = None,
            series: str | os.PathLike | None = None, basis: str | None = None, **kw: Any):
    """The scheduler's fallback for a persistence forecast: the provider's recent history, on ``basis``."""
    return history_series(region, start, end, provider=provider, series=series, basis=basis, **kw)


def source_basis(provider: str | None = None, basis: str | None = None) -> str | None:
    """The basis a provider's figures will be on (``basis`` if it publishes it; UsageError if not)."""
    from .basis import provider_basis

    name = provider_name(provider)
    return None if name is None else provider_basis(name, basis)


def lookup(region: str | None = None, *, at: Any = None, provider: str | None = None,
           series: str | os.PathLike | None = None, basis: str | None = None) -> Intensity:
    """The intensity wattwise would use for ``region`` (now, or ``at``) on ``basis``, with its provenance."""
    from .query import query

    return query(region, at=at, provider=provider, series=series, basis=basis)


def _join(a: str | None, b: str | None) -> str | None:
    return f"{a}; {b}" if a and b else (a or b)


class _CallableModule(types.ModuleType):
    """``wattwise.intensity("FR")`` works whether the name resolves to this package or to lookup."""

    def __call__(self, region: str | None = None, **kw: Any) -> Intensity:
        return lookup(region, **kw)


sys.modules[__name__].__class__ = _CallableModule


__all__ = ["AnnualAccount", "resolve_intensity", "static_intensity", "account_for", "provider_name", "make_provider",
           "lookup", "forecast_series", "history_series", "source_basis", "PROVIDERS"]
