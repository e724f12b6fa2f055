"""travel_factors.csv and flight_hauls.csv: DESNZ 2025 business-travel factors and haul definitions.

Upstream: travel-factors-desnz (UK Government GHG Conversion Factors for Company Reporting 2025,
flat file v1.0, and the "Haul definition" sheet of the 2025 full set). Open Government Licence
v3.0: shippable with attribution. One year only (2025): the 2024 air factors differ a lot
(new CAA data), so the two are never mixed. Air factors already include DESNZ's 8 % uplift on
great-circle distance: multiply the plain great-circle km by them.

Only the total kg CO2e rows (ID ending in ``_1``) are kept, per km (not per mile), rounded to 5
decimals (what the workbook displays; some stored values carry binary noise). Rows without a
published value are left out, so an unknown factor is an error, never 0.
"""
from __future__ import annotations

import csv
from pathlib import Path

from ._util import write_csv

OUTPUTS = ["travel_factors.csv", "flight_hauls.csv"]
YEAR = 2025
SOURCE = "DESNZ GHG Conversion Factors for Company Reporting 2025 (flat file v1.0)"
SOURCE_HAUL = "DESNZ GHG Conversion Factors 2025, full set, sheet 'Haul definition'"
LICENSE = "OGL-3.0"

HAULS = {"Domestic, to/from UK": "domestic", "Short-haul, to/from UK": "short", "Long-haul, to/from UK": "long",
         "International, to/from non-UK": "international"}
CLASSES = {"Average passenger": "average", "Economy class": "economy", "Premium economy class": "premium",
           "Business class": "business", "First class": "first"}
RAIL = {"National rail": "national", "International rail": "international", "Light rail and tram": "tram",
        "London Underground": "underground"}
BUS = {"Local bus (not London)": "local", "Local London bus": "london", "Average local bus": "average", "Coach": "coach"}
TAXI = {"Regular taxi": "regular", "Black cab": "black-cab"}
FERRY = {"Foot passenger": "foot", "Car passenger": "car", "Average (all passenger)": "average"}
CAR_SIZE = {"Small car": "small", "Medium car": "medium", "Large car": "large", "Average car": "average"}
FUEL = {"Diesel": "diesel", "Petrol": "petrol", "Hybrid": "hybrid", "CNG": "cng", "LPG": "lpg", "Unknown": "unknown",
        "Plug-in Hybrid Electric Vehicle": "phev", "Battery Electric Vehicle": "bev"}
# DESNZ hotel names that pycountry does not resolve by name
HOTEL_CODES = {"UK": "GB", "UK (London)": "GB-LND", "Korea": "KR", "Hong Kong, China": "HK", "Macau, China": "MO",
               "Taiwan, China": "TW", "Russian Federation": "RU", "Vietnam": "VN", "Czech Republic": "CZ",
               "Turkey": "TR"}
# Airport countries missing from DESNZ's haul table: all outside Europe, so long-haul by the full set's
# FAQ ("short-haul = to/from Europe, long-haul = outside Europe").
NOT_IN_HAUL_TABLE = ("AQ", "BL", "BQ", "BT", "CC", "CX", "FM", "KI", "MF", "MP", "MS", "NF", "NR", "NU", "PM", "SX",
                     "TV", "WF", "WS", "YT")


def _rows(shared: Path) -> list[dict[str, str]]:
    with (shared / "travel-factors-desnz" / f"travel-factors-{YEAR}.csv").open(newline="", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["ID"].endswith("_1") and r["GHG/Unit"] == "kg CO2e"]


def _travel(rows: list[dict[str, str]]) -> list[list]:
    import pycountry

    out: list[list] = []
    value = f"GHG Conversion Factor {YEAR}"

    def add(key, kind, variant, unit, r, note=""):
        path = " / ".join(x for x in (r["Level 1"], r["Level 2"], r["Level 3"], r["Level 4"], r["Column Text"]) if x)
        out.append([key, kind, variant, unit, round(float(r[value]), 5), f"{SOURCE}: {path}", YEAR, LICENSE, r["ID"], note])

    for r in rows:
        if not r[value]:
            continue
        l1, l2, l3, l4, col, uom = r["Level 1"], r["Level 2"], r["Level 3"], r["Level 4"], r["Column Text"], r["UOM"]
        if l1 == "Business travel- air" and l2 == "Flights":
            rf = "rf" if col == "With RF" else "no-rf"
            add(f"flight:{HAULS[l3]}:{CLASSES[l4]}:{rf}", "flight", f"{l3}, {l4}, {col}", "passenger.km", r,
                "includes DESNZ's 8 % uplift on great-circle distance"
                + ("; radiative forcing: CO2 x 1.7" if rf == "rf" else ""))
        elif l1 == "Business travel- land" and l2 == "Rail":
            add(f"train:{RAIL[l3]}", "train", l3, "passenger.km", r)
        elif l1 == "Business travel- land" and l2 == "Bus":
            add(f"bus:{BUS[l3]}", "bus", l3, "passenger.km", r)
        elif l1 == "Business travel- land" and l2 == "Taxis" and uom == "passenger.km":
            add(f"taxi:{TAXI[l3]}", "taxi", l3, "passenger.km", r)
        elif l1 == "Business travel- land" and l2 == "Cars (by size)" and uom == "km":
            add(f"car:{CAR_SIZE[l3]}:{FUEL[col]}", "car", f"{l3}, {col}", "vehicle.km", r,
                "per vehicle km: sharing the car does not multiply it" + ("; includes the electricity and T&D"
                                                                          if FUEL[col] in ("bev", "phev") else ""))
        elif l1 == "Business travel- sea" and l2 == "Ferry":
            add(f"ferry:{FERRY[l3]}", "ferry", l3, "passenger.km", r)
        elif l1 == "Hotel stay":
            code = HOTEL_CODES.get(l3)
            if code is None:
                c = pycountry.countries.get(name=l3) or pycountry.countries.get(common_name=l3)
                if c is None:
                    raise SystemExit(f"hotel country '{l3}' has no ISO code: add it to HOTEL_CODES")
                code = c.alpha_2
            add(f"hotel:{code}", "hotel", l3, "room.night", r,
                "country median, all hotel classes (Cornell Hotel Sustainability Benchmarking Index); unchanged since 2022")
    out.sort(key=lambda x: x[0])
    return out


def _hauls(shared: Path) -> list[list]:
    import pycountry

    out = []
    with (shared / "travel-factors-desnz" / f"haul-definition-{YEAR}.csv").open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            a3 = r["ISO3_Country_Code"]
            c = pycountry.countries.get(alpha_3=a3)
            code = "XK" if a3 == "XKX" else (c.alpha_2 if c else None)
            if code is None:
                raise SystemExit(f"haul territory {r['Territory']} ({a3}) has no ISO alpha-2 code")
            haul = {"Domestic": "domestic", "Short Haul": "short", "Long Haul": "long"}[r["Haul"]]
            out.append([code, r["Territory"], haul, SOURCE_HAUL, YEAR, LICENSE, ""])
    have = {r[0] for r in out}
    for code in NOT_IN_HAUL_TABLE:
        if code in have:
            continue
        c = pycountry.countries.get(alpha_2=code)
        out.append([code, getattr(c, "common_name", None) or c.name, "long", SOURCE_HAUL, YEAR, LICENSE,
                    "not in DESNZ's table; outside Europe, so long-haul by the full set's FAQ"])
    out.sort(key=lambda x: x[0])
    return out


def build(shared: Path, out: Path) -> None:
    rows = _rows(shared)
    write_csv(out / "travel_factors.csv",
              ["key", "kind", "variant", "unit", "factor_kg_per_unit", "source", "year", "license", "desnz_id", "note"],
              _travel(rows),
              comment=("Business-travel emission factors, kg CO2e per unit (GWP100, IPCC AR5): DESNZ 2025 only.\n"
                       "Contains public sector information licensed under the Open Government Licence v3.0\n"
                       "(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/).\n"
                       "Derived by scripts/wwtables/travel_factors.py; do not edit by hand."))
    write_csv(out / "flight_hauls.csv", ["country", "territory", "haul", "source", "year", "license", "note"],
              _hauls(shared),
              comment=("Flight haul of a trip to/from the UK by the other end's country (ISO 3166-1 alpha-2), DESNZ 2025.\n"
                       "Contains public sector information licensed under the Open Government Licence v3.0.\n"
                       "Derived by scripts/wwtables/travel_factors.py; do not edit by hand."))
