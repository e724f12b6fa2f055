"""country_locations.csv: reference points per country, for "nearby countries".

The cleaner-alternatives list for a country or grid zone compares nearby countries, so it
needs rough locations. The IANA time zone database (public domain) lists each zone's
principal city with coordinates (zone.tab): one point for France, a dozen spread across the
United States or Canada. Two countries' distance is that of their closest pair of points, so
large neighbours (US and Canada) count as near. Continent comes from the zone name.
Upstream: the system tzdata (/usr/share/zoneinfo/zone.tab), not ../shared/data.
"""
from __future__ import annotations

import re
from pathlib import Path

from ._util import write_csv

OUTPUTS = ["country_locations.csv"]
ZONE_TAB = Path("/usr/share/zoneinfo/zone.tab")
SOURCE = "IANA time zone database zone.tab"


def _dms(s: str, deg_digits: int) -> float:
    sign = -1.0 if s[0] == "-" else 1.0
    s = s[1:]
    d, rest = int(s[:deg_digits]), s[deg_digits:]
    m = int(rest[:2])
    sec = int(rest[2:4]) if len(rest) >= 4 else 0
    return sign * (d + m / 60 + sec / 3600)


def build(shared: Path, out: Path, zone_tab: Path = ZONE_TAB) -> None:
    rows = []
    for line in zone_tab.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        cc, coords, tz = line.split("\t")[:3]
        m = re.fullmatch(r"([+-]\d+)([+-]\d+)", coords)
        lat = _dms(m.group(1), 2)
        lon = _dms(m.group(2), 3)
        rows.append([cc, round(lat, 3), round(lon, 3), tz.split("/")[0], tz, SOURCE, "public domain"])
    write_csv(out / "country_locations.csv", ["country", "lat", "lon", "continent", "tz", "source", "license"],
              sorted(rows, key=lambda r: (r[0], r[4])),
              comment=("Principal city of each time zone, per country, for nearby-country search (closest pair of points).\n"
                       "Derived by scripts/wwtables/country_locations.py from the IANA tz database; do not edit."))
