"""The constants an estimate assumes (PUE defaults, memory power, embodied factors, equivalents).

One bundled table, ``data/estimate_factors.csv``, built by scripts/wwtables/estimate_factors.py;
each row carries its source, license and year so every assumption can be cited in ``inputs``.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from ._data import table


@dataclass(frozen=True)
class Factor:
    key: str
    value: float
    unit: str
    source: str
    license: str
    year: int | None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = {"value": self.value, "unit": self.unit, "source": self.source, "license": self.license, "year": self.year}
        if self.note:
            d["note"] = self.note
        return d


@functools.lru_cache(maxsize=1)
def factors() -> dict[str, Factor]:
    out = {}
    for r in table("estimate_factors.csv"):
        out[r["key"]] = Factor(r["key"], float(r["value"]), r["unit"], r["source"], r["license"],
                               int(r["year"]) if r.get("year") else None, r.get("note") or "")
    return out


def factor(key: str) -> Factor:
    return factors()[key]
