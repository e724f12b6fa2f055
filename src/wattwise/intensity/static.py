"""The bundled annual table: offline, attributed, the default provider.

Every figure is on one basis (``lifecycle`` by default, or ``direct``): a region without a
bundled figure on the asked basis is a UsageError that says so, never another basis's figure.
"""
from __future__ import annotations

from .. import regions
from ..errors import UsageError
from ..result import Intensity


# Region columns worth carrying into a result: the provider's own figures and the zone provenance.
CARRIED = ("provider_g_per_kwh", "provider_basis", "provider_year", "provider_source", "cfe_pct",
           "google_g_per_kwh", "google_cfe_pct", "google_year", "zone_source", "access")


def _from_region(reg: regions.Region, *, asked: str | None, region_from: str | None, estimated: bool = False,
                 note: str | None = None) -> Intensity:
    if reg.g_per_kwh is None:
        other = "direct" if reg.basis == "lifecycle" else "lifecycle"
        raise UsageError(f"no bundled {reg.basis} intensity for region '{reg.id}' ({reg.note}); pass --basis {other} "
                         f"if that basis will do, or --intensity G (gCO2e/kWh)")
    extra = {k: reg.extra[k] for k in CARRIED if k in reg.extra and not (k == "access" and reg.extra[k] == "public")}
    region = reg.id if reg.zone else None  # a cloud region keeps its canonical id; its figure belongs to the zone
    return Intensity(
        zone=reg.zone or reg.id, g_per_kwh=reg.g_per_kwh, source=reg.source, signal=reg.signal, year=reg.year,
        method="annual", license=reg.license, name=reg.name, region=region,
        region_from=region_from, estimated=estimated, note=_join(note, reg.note), extra=extra, basis=reg.basis,
    )


def world_average(reason: str, basis: str | None = None) -> Intensity:
    reg = regions.get(regions.WORLD, basis)
    return _from_region(reg, asked=None, region_from=reason, estimated=True,
                        note="WORLD AVERAGE USED: the region is unknown; pass --region or set WATTWISE_REGION")


def static_intensity(region: str | None, *, region_from: str | None = None, basis: str | None = None) -> Intensity:
    """Annual intensity on ``basis`` (default lifecycle) for an explicit region, or for the offline guess."""
    basis = regions.check_basis(basis)
    if region:
        reg = regions.resolve(region, basis)
        return _from_region(reg, asked=region, region_from=region_from or "explicit")
    from ..location import guess_region

    rid, how = guess_region()
    if rid is None:
        return world_average(how, basis)
    try:
        reg = regions.resolve(rid, basis)
    except UsageError:
        if how.startswith("guessed"):
            return world_average(f"{how}; but '{rid}' has no bundled figure", basis)
        raise
    if reg.g_per_kwh is None and how.startswith("guessed"):
        return world_average(f"{how}; but '{rid}' has no bundled {basis} figure", basis)
    return _from_region(reg, asked=rid, region_from=how, estimated=how.startswith("guessed"))


def user_intensity(g_per_kwh: float, region: str | None = None, basis: str | None = None) -> Intensity:
    """A value the user typed; its basis is what they say it is (None: not stated)."""
    from ..series import check_value

    check_value(float(g_per_kwh), "--intensity")
    return Intensity(zone=region or "user", g_per_kwh=float(g_per_kwh), source="user-supplied value",
                     signal="average", method="user", region_from="--intensity",
                     basis=None if basis is None else regions.check_basis(basis))


def _join(a: str | None, b: str | None) -> str | None:
    return f"{a}; {b}" if a and b else (a or b)
