"""Emission factors of activities, from the bundled tables (each row with source, year, licence).

- ``travel_factors.csv``: DESNZ 2025 business travel (air by haul, class and radiative forcing;
  rail, bus, coach, taxi, car, ferry; hotel nights by country). One year only: never mixed.
- ``flight_hauls.csv``: DESNZ 2025 haul of a trip to/from the UK by the other end's country.
- ``digital_factors.csv``: e-mail and video-call figures, most read in secondary sources
  (``read_in`` says so), with the published range where there is one.

A factor is always kg CO2e per unit of activity. A missing factor is an error, never 0.
"""
from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from typing import Any

from .._data import table
from ..errors import UsageError

UK_TERRITORIES_HAUL = "domestic"  # the haul of GB, Guernsey, Jersey and the Isle of Man in DESNZ's table


@dataclass(frozen=True)
class Factor:
    """kg CO2e per unit, where it comes from, and how it was read."""

    key: str
    kg_per_unit: float
    unit: str
    source: str
    year: int | None
    license: str
    low_kg: float | None = None  # published range, where there is one
    high_kg: float | None = None
    read_in: str = "original"  # or "secondary (...)": the figure was read in a source quoting the original
    note: str = ""
    variant: str = ""  # the source's own name for the row (e.g. DESNZ's "Long-haul, to/from UK, Economy class")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"key": self.key, "factor_kg_per_unit": self.kg_per_unit, "unit": self.unit,
                             "source": self.source, "year": self.year, "license": self.license, "read_in": self.read_in}
        if self.low_kg is not None:
            d["range_kg_per_unit"] = [self.low_kg, self.high_kg]
        if self.note:
            d["note"] = self.note
        return d


def _int(s: str | None) -> int | None:
    return int(s) if s else None


@functools.lru_cache(maxsize=1)
def travel_factors() -> dict[str, Factor]:
    return {r["key"]: Factor(r["key"], float(r["factor_kg_per_unit"]), r["unit"], r["source"], _int(r["year"]),
                             r["license"], note=r["note"], variant=r["variant"]) for r in table("travel_factors.csv")}


@functools.lru_cache(maxsize=1)
def digital_factors() -> dict[str, Factor]:
    """Digital figures in kg per unit (the table is in grams, as published)."""
    out = {}
    for r in table("digital_factors.csv"):
        unit = r["unit"].split(" per ", 1)[1]

        def kg(col: str) -> float | None:
            return float(r[col]) / 1000 if r[col] else None
        out[r["key"]] = Factor(r["key"], kg("central"), unit, r["source"], _int(r["year"]), r["license"],
                               kg("low"), kg("high"), r["read_in"], r["note"], r["variant"])
    return out


def travel(key: str) -> Factor | None:
    return travel_factors().get(key)


def digital(key: str) -> Factor:
    return digital_factors()[key]


@functools.lru_cache(maxsize=1)
def hauls() -> dict[str, str]:
    """ISO alpha-2 country -> DESNZ haul (domestic | short | long) of a trip between it and the UK."""
    return {r["country"]: r["haul"] for r in table("flight_hauls.csv")}


def haul_between(country_a: str, country_b: str) -> str:
    """DESNZ's haul of a flight between two countries: domestic, short or long when one end is in the
    UK (by the other end's country), else international (DESNZ's 'to/from non-UK' factors)."""
    h = hauls()
    uk_a, uk_b = h.get(country_a) == UK_TERRITORIES_HAUL, h.get(country_b) == UK_TERRITORIES_HAUL
    if uk_a and uk_b:
        return "domestic"
    if not (uk_a or uk_b):
        return "international"
    other = country_b if uk_a else country_a
    if other not in h:
        raise UsageError(f"DESNZ's haul table has no entry for country '{other}'; pass --haul short|long")
    return h[other]


# -- hotels -------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """Lower-case country names and codes -> the hotel table's code (ISO alpha-2, or GB-LND for London)."""
    names: dict[str, str] = {}
    for r in table("countries.csv"):
        names[r["name"].lower()] = r["id"]
        names[r["alpha3"].lower()] = r["id"]
    for key, f in travel_factors().items():
        if key.startswith("hotel:"):
            code = key.split(":", 1)[1]
            names[code.lower()] = code
            names[f.variant.lower()] = code
    names.update({"uk": "GB", "united kingdom": "GB", "london": "GB-LND", "usa": "US", "us": "US", "south korea": "KR"})
    return names


def hotel(country: str) -> Factor:
    """The DESNZ 2025 factor per room-night in a country (ISO code or name; 'GB-LND' or 'London' for London)."""
    text = str(country or "").strip()
    names = _country_names()
    code = names.get(text.lower()) or (text.upper() if len(text) == 2 else None)
    f = travel(f"hotel:{code}") if code else None
    if f is not None:
        return f
    if code and (code in {r["id"] for r in table("countries.csv")}):
        raise UsageError(f"DESNZ 2025 publishes no hotel factor for '{text}' ({code}); record the stay with "
                         f"--kind other --gco2e G --source TEXT, or choose a comparable country")
    shown = {n: n.title() if n not in ("uk", "usa") else n.upper() for n in names if len(n) > 3}
    close = difflib.get_close_matches(text.lower(), list(shown), n=3, cutoff=0.6)
    hint = (f"did you mean {', '.join(shown[c] for c in close)}?" if close
            else "give an ISO country code (e.g. DE) or a name (e.g. Germany)")
    raise UsageError(f"unknown country '{text}'; {hint}")
