"""countries.csv: latest annual carbon intensity of electricity per country (OWID / Ember / EI).

Upstream: ci-country-annual-owid (file 1 for countries, file 2 for the World fallback).
"""
from __future__ import annotations

import csv
from pathlib import Path

from ._util import write_csv

OUTPUTS = ["countries.csv"]
SOURCE = "Ember; Energy Institute Statistical Review of World Energy; Our World in Data (2025 release)"
SOURCE_WORLD = "Ember; Energy Institute; Our World in Data (2024 release), World aggregate"
LICENSE = "CC BY 4.0"
COL = "Carbon intensity of electricity - gCO2/kWh"


def _latest(path: Path, zeros: dict[str, list[int]] | None = None) -> dict[str, tuple[str, int, float]]:
    """Latest year per entity. A reported 0 gCO2e/kWh is skipped: no mix is zero over its life cycle
    (hydro alone is ~24 g); OWID prints 0 where a tiny fossil share rounds away. Skipped years are
    collected in `zeros` so the table can say which figure was used instead."""
    best: dict[str, tuple[str, int, float]] = {}
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code, val = row["Code"].strip(), row[COL].strip()
            if not code or not val:
                continue
            year = int(row["Year"])
            if float(val) <= 0:
                if zeros is not None:
                    zeros.setdefault(code, []).append(year)
                continue
            if code not in best or year > best[code][1]:
                best[code] = (row["Entity"], year, float(val))
    return best


def _note(zeros: dict[str, list[int]], a3: str, year: int) -> str:
    later = sorted(y for y in zeros.get(a3, []) if y > year)
    if not later:
        return ""
    span = f"{later[0]}-{later[-1]}" if len(later) > 1 else str(later[0])
    return (f"OWID reports 0 gCO2e/kWh for {span} (a tiny fossil share rounded away; no mix is zero over "
            f"its life cycle); the latest non-zero year, {year}, is used")


def build(shared: Path, out: Path) -> None:
    import pycountry

    base = shared / "ci-country-annual-owid"
    zeros: dict[str, list[int]] = {}
    latest = _latest(base / "owid_carbon_intensity_electricity_countries_2000_2024.csv", zeros)
    older = _latest(base / "owid_carbon_intensity_electricity_with_aggregates_1990_2023.csv")
    rows = []
    for a3, (entity, year, g) in latest.items():
        if a3.startswith("OWID_"):
            if a3 == "OWID_KOS":  # Kosovo: user-assigned XK
                rows.append(["XK", "XKX", entity, round(g, 2), year, SOURCE, LICENSE, "average", _note(zeros, a3, year)])
            continue
        c = pycountry.countries.get(alpha_3=a3)
        if c is None:
            continue
        rows.append([c.alpha_2, a3, getattr(c, "common_name", None) or entity, round(g, 2), year, SOURCE, LICENSE,
                     "average", _note(zeros, a3, year)])
    w = older["OWID_WRL"]
    rows.append(["WORLD", "OWID_WRL", "World", round(w[2], 2), w[1], SOURCE_WORLD, LICENSE, "average", ""])
    rows.sort(key=lambda r: r[0])
    write_csv(
        out / "countries.csv",
        ["id", "alpha3", "name", "g_per_kwh", "year", "source", "license", "signal", "note"],
        rows,
        comment=(
            "Annual life-cycle carbon intensity of electricity generation per country, gCO2e/kWh, latest year available.\n"
            "Derived by scripts/wwtables/countries.py from ../shared/data/ci-country-annual-owid; do not edit by hand."
        ),
    )
