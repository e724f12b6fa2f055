"""Airports by IATA code (bundled table derived from the airportsdata package, MIT).

An unknown code is an error with the closest codes, never a guess: a city code (LON, NYC)
lists its airports, a city name lists the airports of that city, and a typo lists codes one
letter away or with two letters swapped.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .._data import table
from ..errors import UsageError

MAX_SUGGESTIONS = 6


@dataclass(frozen=True)
class Airport:
    iata: str
    name: str
    city: str
    country: str  # ISO 3166-1 alpha-2 (XK for Kosovo)
    lat: float
    lon: float
    city_code: str = ""

    def label(self) -> str:
        return f"{self.iata} ({self.name}, {self.country})"


@functools.lru_cache(maxsize=1)
def airports() -> dict[str, Airport]:
    return {r["iata"]: Airport(r["iata"], r["name"], r["city"], r["country"], float(r["lat"]), float(r["lon"]),
                               r["city_code"]) for r in table("airports.csv")}


def airport(code: str) -> Airport:
    """The airport with this IATA code, or a UsageError naming the closest ones."""
    text = str(code or "").strip()
    a = airports().get(text.upper())
    if a is not None:
        return a
    raise UsageError(f"unknown airport code '{text}'; {_suggest(text)}")


def _suggest(text: str) -> str:
    table_ = airports()
    up, low = text.upper(), text.lower()
    in_city = sorted((a for a in table_.values() if a.city_code == up), key=lambda a: a.iata)
    if in_city:
        return f"{up} is a city code: use one of its airports: {_labels(in_city)}"
    if low:
        named = sorted((a for a in table_.values() if a.city.lower() == low), key=lambda a: a.iata)
        if named:
            return f"airports in {named[0].city}: {_labels(named)}"
    if not re.fullmatch(r"[A-Za-z]{3}", text):
        return "give a 3-letter IATA code, e.g. LHR, JFK, CDG"
    near = [c for c in _neighbours(up) if c in table_]
    if not near:
        return "no airport code is one letter away; check the code (e.g. on the boarding pass)"
    return f"did you mean {_labels(table_[c] for c in near)}?"


def _neighbours(code: str) -> list[str]:
    """Codes with two adjacent letters swapped, then codes one letter away: the last letter changed
    first (codes of one region often share their first letters), airports with a city first."""
    table_ = airports()
    swaps = [code[:i] + code[i + 1] + code[i] + code[i + 2:] for i in range(len(code) - 1)]
    out = [c for c in swaps if c != code and c in table_]
    for i in reversed(range(len(code))):
        one = [code[:i] + ch + code[i + 1:] for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if ch != code[i]]
        out += sorted((c for c in one if c in table_), key=lambda c: (not table_[c].city, c))
    return list(dict.fromkeys(out))[:MAX_SUGGESTIONS]


def _labels(items) -> str:
    items = list(items)
    shown = ", ".join(a.label() for a in items[:MAX_SUGGESTIONS])
    return shown + (f" and {len(items) - MAX_SUGGESTIONS} more" if len(items) > MAX_SUGGESTIONS else "")
