"""What an estimate compares to: the same job in cleaner regions, and everyday equivalents.

Cloud regions are compared with the same provider's other regions (moving a job within a
provider is the realistic choice); countries and grid zones with those within 1,500 km, taking
the closest pair of the two countries' reference points (the principal city of each of their
time zones, IANA tz database), so large neighbours such as the US and Canada count as near.
Each alternative keeps the hardware, hours and embodied emissions and changes only intensity
and PUE (a cloud region's own PUE, or the user's when one was given). Every figure compared is
on the basis of the job's own intensity (life-cycle by default): a region without a figure on
that basis is left out and counted in the note, never priced with another basis's figure.
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable

from ._data import table

NEARBY_KM = 1500.0


@functools.lru_cache(maxsize=1)
def country_locations() -> dict[str, tuple[tuple[float, float], ...]]:
    """ISO country -> its reference points (lat, lon): the principal city of each of its time zones."""
    out: dict[str, list[tuple[float, float]]] = {}
    for r in table("country_locations.csv"):
        out.setdefault(r["country"], []).append((float(r["lat"]), float(r["lon"])))
    return {k: tuple(v) for k, v in out.items()}


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine, mean Earth radius 6,371 km)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def country_distance_km(a: str, b: str) -> float | None:
    """Distance between two countries' closest reference points; None when either is unknown."""
    locs = country_locations()
    if a not in locs or b not in locs:
        return None
    if a == b:
        return 0.0
    return min(distance_km(p, q) for p in locs[a] for q in locs[b])


def _access(r) -> str:
    return str((r.extra or {}).get("access") or "public")


def candidates(reg, all_regions) -> tuple[list[tuple[Any, dict[str, Any]]], str]:
    """(regions to compare with extra fields, what they are) for a cloud region, country or zone.

    Regions without a figure are kept (the caller counts and drops them)."""
    if reg.kind == "cloud" and reg.provider:
        acc = _access(reg)  # GovCloud, China or Jio regions need separate accounts: compare like with like
        return ([(r, {}) for r in all_regions
                 if r.kind == "cloud" and r.provider == reg.provider and r.id != reg.id and _access(r) == acc],
                f"other {reg.provider} regions" + ("" if acc == "public" else f" ({acc})"))
    home = reg.country or (reg.id if reg.kind == "country" else None)
    if home not in country_locations():
        return [], f"regions near {reg.id} (no location known for it)"
    near = []
    for r in all_regions:
        if r.id == reg.id or r.kind not in ("country", "zone"):
            continue
        c = r.country or (r.id if r.kind == "country" else None)
        dist = country_distance_km(home, c) if c else None
        if dist is not None:
            near.append((dist, r))
    near.sort(key=lambda x: (x[0], x[1].id))
    pool = [x for x in near if x[0] <= NEARBY_KM]
    what = f"countries and grid zones within {NEARBY_KM:,.0f} km of {home}"
    if not pool:
        pool, what = near[:12], f"the 12 countries nearest to {home}"
    return [(r, {"distance_km": round(dist)}) for dist, r in pool], what


def alternatives(reg, *, energy_kwh: float, embodied_g: float, current_g: float, pue: float, pue_source: str,
                 user_pue: float | None, pue_for: Callable[[Any], tuple[float, str]], n: int = 3,
                 all_regions=None, basis: str | None = "lifecycle") -> tuple[list[dict[str, Any]], str]:
    """The ``n`` cleanest alternatives that emit less than ``current_g``, cleanest first, and a note saying what
    was compared. ``basis`` is that of ``current_g``'s intensity; None (a value of unstated basis) compares nothing."""
    from . import regions

    if not n:
        return [], "alternatives not requested"
    if reg is None:
        return [], "no region given (only an intensity), so no cleaner region can be compared"
    if reg.id == regions.WORLD:
        return [], "the region is the world average; pass --region to compare cleaner regions"
    if basis is None:
        return [], ("the intensity given states no basis, so it is not ranked against regions' figures; state it "
                    "(--basis lifecycle or direct) to compare")
    pool = regions.all_regions(basis) if all_regions is None else [r.on(basis) for r in all_regions]
    cands, what = candidates(reg, pool)
    missing = [r.id for r, _ in cands if r.g_per_kwh is None]
    cands = [(r, extra) for r, extra in cands if r.g_per_kwh is not None]
    what += f", {basis} figures" + (f" ({len(missing)} without a {basis} figure left out: "
                                    f"{', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''})" if missing else "")
    out = []
    for r, extra in cands:
        if user_pue is not None:
            p, psrc = user_pue, "user"
        elif r.kind == "cloud":
            p, psrc = pue_for(r)
        else:
            p, psrc = pue, pue_source
        g = energy_kwh * p * r.g_per_kwh + embodied_g
        if g >= current_g:
            continue
        d = {"region": r.id, "name": r.name, "kind": r.kind, "g_per_kwh": r.g_per_kwh, "pue": p, "emissions_gco2e": g,
             "saving_gco2e": current_g - g, "saving_pct": 100.0 * (current_g - g) / current_g if current_g else 0.0,
             "source": r.source, "year": r.year, "basis": r.basis}
        if r.note:
            d["note"] = r.note
        if r.country:
            d["country"] = r.country
        if psrc != pue_source:
            d["pue_source"] = psrc
        d.update(extra)
        out.append(d)
    out.sort(key=lambda d: (d["emissions_gco2e"], d["region"]))
    if reg.kind != "cloud":  # one entry per other country (its cleanest zone or itself): options, not one country
        home = reg.country or reg.id
        seen: set[str] = set()
        kept = []
        for d in out:
            c = d.get("country") or d["region"]
            if c == home:
                d["same_country"] = True
            elif c in seen:
                continue
            seen.add(c)
            kept.append(d)
        out = kept
    if not out:
        return [], f"no cleaner region among {what}"
    best = out[:n]
    home = reg.country
    if reg.kind == "cloud" and home and not any(d.get("country") == home for d in best):
        same = [d for d in out if d.get("country") == home]
        if same:  # data often has to stay in the country: show its cleanest option too
            best.append({**same[0], "same_country": True})
    return best, f"the cleanest of {what}; same hardware, hours and embodied emissions"


EQUIVALENTS = (  # (factor key, unit phrase)
    ("equiv:car_g_per_km", "km driven by an average US passenger car"),
    ("equiv:phone_charge_g", "smartphone charges"),
    ("equiv:flight_par-lon_g", "one-passenger flights Paris-London"),
    ("equiv:flight_ny-sf_g", "one-passenger flights New York-San Francisco"),
    ("equiv:tree_month_g", "tree-months of CO2 uptake"),
)


def equivalents(g: float) -> list[dict[str, Any]]:
    """What ``g`` grams CO2e compare to, each with its factor and source (one flight line: the fitting scale)."""
    from .estimate import factors

    f = factors()
    big = g >= f["equiv:flight_ny-sf_g"].value
    out = []
    for key, unit in EQUIVALENTS:
        if key == "equiv:flight_par-lon_g" and big or key == "equiv:flight_ny-sf_g" and not big:
            continue
        fac = f[key]
        out.append({"key": key.split(":", 1)[1], "value": g / fac.value, "unit": unit, "factor": fac.value,
                    "factor_unit": fac.unit, "source": fac.source, "license": fac.license, "year": fac.year})
    return out


__all__ = ["alternatives", "candidates", "equivalents", "country_locations", "country_distance_km", "distance_km",
           "NEARBY_KM"]
