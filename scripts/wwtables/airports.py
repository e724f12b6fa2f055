"""airports.csv: IATA code -> name, city, country and coordinates, for flight distances.

Upstream: the ``airportsdata`` package (PyPI, MIT; data from mwgg/Airports, MIT), pinned below
so the table rebuilds identically: a different version is refused rather than silently
giving different coordinates. Deriving a compact table keeps wattwise free of run-time
dependencies (airportsdata also needs Python >= 3.11). Coordinates are rounded to 4 decimals
(about 11 m, far below what a great-circle flight distance can resolve). ``city_code`` is the
IATA multi-airport city code (LON, NYC, PAR, ...) where the airport belongs to one, so a city
code can be answered with its airports.

To update: pip install airportsdata==NEW, set VERSION, rebuild, and commit the table.
"""
from __future__ import annotations

from pathlib import Path

from ._util import write_csv

OUTPUTS = ["airports.csv", "airports.LICENSE.md"]
VERSION = "20260905"
SOURCE = f"airportsdata {VERSION}"
LICENSE = "MIT"


def _airportsdata():
    try:
        import airportsdata
        from importlib.metadata import version
    except ImportError:
        raise SystemExit(f"the airports table needs the airportsdata package: pip install airportsdata=={VERSION} "
                         "(Python >= 3.11)") from None
    have = version("airportsdata")
    if have != VERSION:
        raise SystemExit(f"airportsdata {have} is installed but the table is pinned to {VERSION}: "
                         f"pip install airportsdata=={VERSION}, or update VERSION in {__file__} and rebuild")
    return airportsdata


def _license_text() -> str:
    from importlib.metadata import distribution

    d = distribution("airportsdata")
    f = next(f for f in d.files if f.name.upper().startswith("LICENSE"))
    return f.read_text(encoding="utf-8")


def build(shared: Path, out: Path) -> None:
    ad = _airportsdata()
    out.mkdir(parents=True, exist_ok=True)
    (out / "airports.LICENSE.md").write_text(
        f"airports.csv is derived from airportsdata {VERSION} (https://github.com/mborsetti/airportsdata), "
        f"under this licence:\n\n```\n{_license_text().strip()}\n```\n", encoding="utf-8")
    city_of = {code: mac for mac, m in ad.load_iata_macs().items() for code in m["airports"]}
    rows = []
    for code, a in sorted(ad.load("IATA").items()):
        rows.append([code, a["name"], a["city"], a["country"], round(float(a["lat"]), 4), round(float(a["lon"]), 4),
                     city_of.get(code, ""), SOURCE, LICENSE])
    write_csv(out / "airports.csv", ["iata", "name", "city", "country", "lat", "lon", "city_code", "source", "license"],
              rows, comment=(f"Airports with an IATA code: coordinates (decimal degrees, airport reference point), "
                             f"from airportsdata {VERSION}\n(MIT; Copyright (c) 2020- Mike Borsetti, data Copyright "
                             "(c) 2014 mwgg). Derived by scripts/wwtables/airports.py; do not edit by hand."))
