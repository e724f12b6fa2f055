"""countries.csv: annual carbon intensity of electricity per country, on each basis.

- lifecycle: OWID / Ember / Energy Institute, latest year (ci-country-annual-owid, file 1 for
  countries, file 2 for the World row);
- direct: Google region-carbon-info (2021 on, operational) for a country that is itself the grid
  zone of a GCP region, else Green Algorithms' carbonfootprint.com factor; the newest year wins
  (see _figures.py). Most countries have no direct figure here: the cell says so.
"""
from __future__ import annotations

import csv
from pathlib import Path

from . import _figures
from ._figures import Figure
from ._util import write_csv

OUTPUTS = ["countries.csv"]
SOURCE = "Ember; Energy Institute Statistical Review of World Energy; Our World in Data (2025 release)"
SOURCE_WORLD = "Ember; Energy Institute; Our World in Data (2024 release), World aggregate"
LICENSE = "CC BY 4.0"
COL = "Carbon intensity of electricity - gCO2/kWh"
HEADER = ["id", "alpha3", "name", *_figures.columns(), "signal"]


def _zero_note(zeros: dict[str, list[int]], a3: str, year: int) -> str:
    later = sorted(y for y in zeros.get(a3, []) if y > year)
    if not later:
        return ""
    span = f"{later[0]}-{later[-1]}" if len(later) > 1 else str(later[0])
    return (f"OWID reports 0 gCO2e/kWh for {span} (a tiny fossil share rounded away; no mix is zero over "
            f"its life cycle); the latest non-zero year, {year}, is used")


def _world(shared: Path) -> Figure:
    path = shared / "ci-country-annual-owid" / "owid_carbon_intensity_electricity_with_aggregates_1990_2023.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["Code"] == "OWID_WRL" and r[COL].strip()]
    r = max(rows, key=lambda r: int(r["Year"]))
    return Figure(float(r[COL]), int(r["Year"]), SOURCE_WORLD, LICENSE, "lifecycle")


def country_table(shared: Path) -> dict[str, dict]:
    """alpha-2 (and WORLD) -> {"alpha3", "name", "lifecycle": Figure|None, "direct": Figure|None, "reasons"}."""
    import pycountry

    from . import _cloudmap

    zeros: dict[str, list[int]] = {}
    ember = _figures.ember_countries(shared, zeros)
    regions = _cloudmap.cloud_regions(shared)
    direct_own: dict[str, list[Figure]] = {}
    for src in (_figures.google_zones(shared, regions, "direct"), _figures.green_algorithms_direct(shared)):
        for zid, fig in src.items():
            direct_own.setdefault(zid, []).append(fig)
    out: dict[str, dict] = {}
    for a3, (entity, fig) in ember.items():
        if a3.startswith("OWID_") and a3 != "OWID_KOS":
            continue
        if a3 == "OWID_KOS":  # Kosovo: user-assigned XK
            a2, name = "XK", entity
        else:
            c = pycountry.countries.get(alpha_3=a3)
            if c is None:
                continue
            a2, name = c.alpha_2, getattr(c, "common_name", None) or entity
        life = Figure(round(fig.g, 2), fig.year, fig.source, fig.license, "lifecycle", _zero_note(zeros, a3, fig.year))
        out[a2] = {"alpha3": a3, "name": name, "lifecycle": life, "direct": _figures.choose(direct_own.get(a2, [])),
                   "reasons": {"direct": f"no bundled direct figure for {a2} (only Google's GCP regions and Green "
                                         f"Algorithms' factors are shipped on this basis)"}}
    out["WORLD"] = {"alpha3": "OWID_WRL", "name": "World", "lifecycle": _world(shared),
                    "direct": _figures.choose(direct_own.get("WORLD", [])), "reasons": {}}
    return out


def build(shared: Path, out: Path) -> None:
    rows = []
    for a2, c in country_table(shared).items():
        rows.append([a2, c["alpha3"], c["name"], *_figures.cells(c, c["reasons"]), "average"])
    rows.sort(key=lambda r: r[0])
    write_csv(
        out / "countries.csv", HEADER, rows,
        comment=(
            "Annual carbon intensity of electricity per country, gCO2e/kWh, latest year available, on two bases:\n"
            "lifecycle_* (OWID/Ember, every country) and direct_* (operational: Google region-carbon-info, Green\n"
            "Algorithms; where published). An empty figure's note says why. Derived by scripts/wwtables/countries.py\n"
            "from ../shared/data; do not edit by hand."
        ),
    )
