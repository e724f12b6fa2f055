"""country_locations.csv: one reference point per country, for "nearby countries".

The cleaner-alternatives list for a country or grid zone compares nearby countries, so it
needs a rough location per country. The IANA time zone database (public domain) lists each
zone's principal city with coordinates (zone.tab); the first zone listed for a country is its
most populous, which is where most of its load is. Continent comes from the zone name.
Upstream: the system tzdata (/usr/share/zoneinfo/zone.tab), not ../shared/data.
"""
from __future__ import annotations

import re
from pathlib import Path

from ._util import write_csv

OUTPUTS = ["country_locations.csv"]
ZONE_TAB = Path("/usr/share/zoneinfo/zone.tab")
SOURCE = "IANA time zone database zone.tab (first zone of each country)"


def _dms(s: str, deg_digits: int) -> float:
    sign = -1.0 if s[0] == "-" else 1.0
    s = s[1:]
    d, rest = int(s[:deg_digits]), s[deg_digits:]
    m = int(rest[:2])
    sec = int(rest[2:4]) if len(rest) >= 4 else 0
    return sign * (d + m / 60 + sec / 3600)


def build(shared: Path, out: Path, zone_tab: Path = ZONE_TAB) -> None:
    first: dict[str, list] = {}
    for line in zone_tab.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        cc, coords, tz = line.split("\t")[:3]
        if cc in first:
            continue
        m = re.fullmatch(r"([+-]\d+)([+-]\d+)", coords)
        lat_s, lon_s = m.group(1), m.group(2)
        lat = _dms(lat_s, 2)
        lon = _dms(lon_s, 3)
        first[cc] = [cc, round(lat, 3), round(lon, 3), tz.split("/")[0], tz, SOURCE, "public domain"]
    write_csv(out / "country_locations.csv", ["country", "lat", "lon", "continent", "tz", "source", "license"],
              sorted(first.values()),
              comment=("Reference point (principal city of the country's first time zone) for nearby-country search.\n"
                       "Derived by scripts/datasets/country_locations.py from the IANA tz database; do not edit."))
