"""Which basis a live or file intensity is on, and keeping one run, query or plan on one basis.

``lifecycle`` counts the plants' whole life cycle per kWh; ``direct`` only what they emit while
running (operational). What each source publishes:

- Electricity Maps API v3: both; ``lifecycle`` by default, ``direct`` with
  ``emissionFactorType=direct``. Its data-portal exports carry both columns ("(LCA)", "(direct)").
- WattTime (``co2_moer`` marginal, ``co2_aoer`` average): operating emission rates, direct only.
- GB Carbon Intensity API (NESO): per-fuel factors with nuclear, wind, solar and hydro at 0
  g/kWh, i.e. operational: direct only.
- A user's series file: as its column says (an Electricity Maps export), else not stated (None).

A basis asked for explicitly that a source does not publish is a UsageError; with none asked,
a source's own basis (life-cycle where offered) is used, and the bundled annual figure that
fills gaps or stands in on failure is switched to that same basis, so nothing mixes.
"""
from __future__ import annotations

import dataclasses

from .. import regions
from ..errors import UsageError
from ..result import Intensity

EM_COLUMNS = {"lifecycle": "Carbon Intensity gCO₂eq/kWh (LCA)", "direct": "Carbon Intensity gCO₂eq/kWh (direct)"}
PROVIDER_BASES = {"electricitymaps": ("lifecycle", "direct"), "watttime": ("direct",), "ukgrid": ("direct",)}
PROVIDER_NAMES = {"electricitymaps": "Electricity Maps", "watttime": "WattTime", "ukgrid": "the GB Carbon Intensity API"}


def basis_of_column(column: str | None) -> str | None:
    """The basis a series column states: Electricity Maps' "(LCA)" or "(direct)"; None otherwise."""
    c = (column or "").lower()
    if "(lca)" in c or "lifecycle" in c or "life-cycle" in c:
        return "lifecycle"
    if "(direct)" in c:
        return "direct"
    return None


def provider_basis(name: str, basis: str | None = None) -> str:
    """The basis ``name``'s figures will be on: ``basis`` if it publishes it, else its own (lifecycle first)."""
    offered = PROVIDER_BASES.get(name, ())
    if basis is None:
        return offered[0] if offered else regions.DEFAULT_BASIS
    b = regions.check_basis(basis)
    if offered and b not in offered:
        raise UsageError(f"{PROVIDER_NAMES.get(name, name)} publishes {' and '.join(offered)} (operational) "
                         f"intensities only, not {b}; pass --basis {offered[0]}, or use electricitymaps for both")
    return b


def on_basis(i: Intensity, basis: str | None) -> Intensity:
    """The same region's bundled annual figure on ``basis`` (a user's value is kept as given)."""
    if basis is None or i.basis == basis or i.method == "user":
        return i
    from .static import static_intensity, world_average

    if i.zone == regions.WORLD and i.estimated:
        return world_average(i.region_from or "", basis)
    j = static_intensity(i.region or i.zone, region_from=i.region_from, basis=basis)
    return dataclasses.replace(j, estimated=i.estimated)


def switched(i: Intensity, source_basis: str | None, what: str) -> Intensity:
    """``i`` moved to the basis of a live source, with a note; unchanged when the bases agree or one is unknown."""
    if source_basis is None or i.basis is None or source_basis == i.basis or i.method == "user":
        return i
    j = on_basis(i, source_basis)
    note = f"{what} publishes {source_basis} figures, so this result is on the {source_basis} basis throughout"
    return dataclasses.replace(j, note=f"{j.note}; {note}" if j.note else note)
