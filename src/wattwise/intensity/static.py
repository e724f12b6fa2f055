"""The bundled annual table: offline, attributed, the default provider."""
from __future__ import annotations

from .. import regions
from ..errors import UsageError
from ..result import Intensity


def _from_region(reg: regions.Region, *, asked: str | None, region_from: str | None, estimated: bool = False,
                 note: str | None = None) -> Intensity:
    if reg.g_per_kwh is None:
        raise UsageError(f"no bundled intensity for region '{reg.id}'; pass --intensity G (gCO2e/kWh)")
    return Intensity(
        zone=reg.zone or reg.id, g_per_kwh=reg.g_per_kwh, source=reg.source, signal=reg.signal, year=reg.year,
        method="annual", license=reg.license, name=reg.name,
        region=asked if asked and asked != (reg.zone or reg.id) else (reg.id if reg.zone else None),
        region_from=region_from, estimated=estimated, note=note,
    )


def world_average(reason: str) -> Intensity:
    reg = regions.get(regions.WORLD)
    return _from_region(reg, asked=None, region_from=reason, estimated=True,
                        note="WORLD AVERAGE USED: the region is unknown; pass --region or set WATTWISE_REGION")


def static_intensity(region: str | None, *, region_from: str | None = None) -> Intensity:
    """Annual intensity for an explicit region, or for the offline guess when none is given."""
    if region:
        reg = regions.resolve(region)
        return _from_region(reg, asked=region, region_from=region_from or "explicit")
    from ..location import guess_region

    rid, how = guess_region()
    if rid is None:
        return world_average(how)
    try:
        reg = regions.resolve(rid)
    except UsageError:
        if how.startswith("guessed"):
            return world_average(f"{how}; but '{rid}' has no bundled figure")
        raise
    return _from_region(reg, asked=rid, region_from=how, estimated=how.startswith("guessed"))


def user_intensity(g_per_kwh: float, region: str | None = None) -> Intensity:
    if not (0 <= g_per_kwh < 5000):
        raise UsageError(f"intensity {g_per_kwh} gCO2e/kWh is out of range; use 0-5000 (e.g. --intensity 56)")
    return Intensity(zone=region or "user", g_per_kwh=float(g_per_kwh), source="user-supplied value",
                     signal="average", method="user", region_from="--intensity")
