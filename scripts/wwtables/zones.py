"""zones.csv: annual carbon intensity of sub-national grid zones.

Ids are Electricity Maps zone ids where one exists (``US-CAL-CISO``, ``CA-QC``, ``AU-NSW``,
``SE-SE3``, ``JP-TK``, ``IN-WE``), otherwise ISO 3166-2 codes (US states such as ``US-CA``).
Country ids stay in countries.csv and are never repeated here.

Shipped sources only (licenses allow redistribution with attribution):
- Green Algorithms CI_aggregated.csv (CC BY 4.0): US states, Canadian provinces, Australian states;
- CodeCarbon nordic_emissions.json (MIT): Nordic bidding zones;
- Google Cloud region-carbon-info (Apache-2.0): the grid figure Google publishes for each GCP
  region, used as the figure of that region's zone (see _cloudmap.google_zone_figures).

When several sources give a zone a figure, the newest data year wins; on a tie Google's
(hourly-data based) figure wins over the others. A newer year therefore replaces an older one
only by re-running this builder. Electricity Maps series (ODbL) are never used here.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import _cloudmap
from ._util import write_csv

OUTPUTS = ["zones.csv"]

GA_LICENSE = "CC BY 4.0"
CC_LICENSE = "MIT"
GOOGLE_LICENSE = "Apache-2.0"

# Green Algorithms codes that differ from the Electricity Maps / ISO 3166-2 id.
GA_IDS = {"CA-MT": "CA-MB", "AU-WA2": "AU-WA", "AU-WA1": "AU-WA-NWIS", "AU-NT2": "AU-NT-DKIS"}
GA_SKIP = {"CN-HK", "CN-HK2", "TW"}  # Hong Kong and Taiwan are countries in countries.csv

# Human names for Electricity Maps zones that get a figure from Google (facts, written here).
EM_NAMES = {
    "US-MIDA-PJM": ("PJM Interconnection (US Mid-Atlantic)", "PJM"),
    "US-CAL-CISO": ("California Independent System Operator (CAISO)", "CAISO|California ISO"),
    "US-NW-PACW": ("PacifiCorp West (US Northwest)", "PACW|PacifiCorp West"),
    "US-NW-PACE": ("PacifiCorp East (US Northwest)", "PACE|PacifiCorp East"),
    "US-NW-NEVP": ("Nevada Power (US Northwest)", "NEVP|NV Energy"),
    "US-NW-BPAT": ("Bonneville Power Administration (US Northwest)", "BPA|BPAT"),
    "US-CAR-SCEG": ("Dominion Energy South Carolina (US Carolinas)", "SCEG"),
    "US-TEX-ERCO": ("Electric Reliability Council of Texas (ERCOT)", "ERCOT"),
    "US-MIDW-MISO": ("Midcontinent Independent System Operator (MISO)", "MISO"),
    "US-CENT-SWPP": ("Southwest Power Pool (SPP)", "SPP|SWPP"),
    "US-SE-SOCO": ("Southern Company (US Southeast)", "SOCO|Southern Company"),
    "US-SW-AZPS": ("Arizona Public Service", "AZPS"),
    "JP-TK": ("Japan, Tokyo area (TEPCO)", "Tokyo area|TEPCO"),
    "JP-KN": ("Japan, Kansai area", "Kansai|Kansai area"),
    "IN-WE": ("India, Western grid", "Western India"),
    "IN-NO": ("India, Northern grid", "Northern India"),
    "IN-SO": ("India, Southern grid", "Southern India"),
    "IT-NO": ("Italy, North bidding zone", "Northern Italy|North Italy"),
    "BR-CS": ("Brazil, Central-South subsystem", "Central-South Brazil"),
    "CL-SEN": ("Chile, National Electric System (SEN)", "SEN"),
    "SE-SE3": ("Sweden, bidding zone SE3 (Stockholm)", "SE3"),
    "CA-QC": ("Quebec, Canada", "Quebec|Québec"),
    "CA-ON": ("Ontario, Canada", "Ontario"),
    "AU-NSW": ("New South Wales, Australia", "New South Wales|NSW"),
    "AU-VIC": ("Victoria, Australia", "Victoria"),
}


# Nord Pool bidding-area names (the upstream descriptions mislabel SE4 as Stockholm).
NORDIC_AREAS = {"SE1": "Luleå", "SE2": "Sundsvall", "SE3": "Stockholm", "SE4": "Malmö", "NO1": "Oslo",
                "NO2": "Kristiansand", "NO3": "Trondheim", "NO4": "Tromsø", "NO5": "Bergen"}


@dataclass
class Cand:
    g: float
    year: int
    source: str
    license: str
    basis: str
    name: str
    country: str
    aliases: list[str] = field(default_factory=list)
    rank: int = 0  # higher wins a tie on year


def _data_year(*texts: str) -> int | None:
    for t in texts:
        m = re.search(r"data from (\d{4})", t, re.I)
        if m:
            return int(m.group(1))
    for t in texts:
        ys = re.findall(r"(?<!\d)(20\d{2})(?!\d)", t)
        if ys:
            return int(ys[-1])
    return None


def green_algorithms(shared: Path) -> dict[str, Cand]:
    p = shared / "green-algorithms-v3" / "CI_aggregated.csv"
    with p.open(newline="", encoding="utf-8") as f:
        lines = f.read().splitlines()[1:]
    out = {}
    for r in csv.DictReader(lines):
        if r["Type"] != "Region" or r["location"] in GA_SKIP:
            continue
        code = r["location"].strip()
        zid = GA_IDS.get(code, code)
        region, country_name = r["regionName"].strip(), r["countryName"].strip()
        if region == "Mississip":  # upstream typo
            region = "Mississippi"
        year = _data_year(r["source"], r["comments"])
        cc = code.split("-")[0]
        aliases = [region]
        if zid != code:
            aliases.append(code)
        if cc == "US":
            aliases.append(f"{region} (US state)")
        out[zid] = Cand(
            g=float(r["carbonIntensity"]), year=year, license=GA_LICENSE, basis="generation (+T&D where stated)",
            source=f"Green Algorithms CI_aggregated.csv (green-algorithms-tool@30df2fe) citing {r['source'].strip()}",
            name=f"{region}, {'United States' if cc == 'US' else country_name}", country=cc, aliases=aliases, rank=1)
    return out


def codecarbon_nordic(shared: Path) -> dict[str, Cand]:
    d = json.loads((shared / "codecarbon-reference" / "nordic_emissions.json").read_text(encoding="utf-8"))
    meta = d["metadata"]
    out = {}
    for key, v in d["data"].items():
        if not re.fullmatch(r"(SE|NO)\d", key):
            continue  # FI is a country (countries.csv)
        zid = f"{key[:2]}-{key}"
        country = "Sweden" if key.startswith("SE") else "Norway"
        out[zid] = Cand(
            g=float(v["emission_factor"]), year=int(v["year"]), license=CC_LICENSE, basis="unspecified (ENTSO-E averages)",
            source=(f"CodeCarbon nordic_emissions.json (mlco2/codecarbon@b05965e): {meta['source']}, "
                    f"last updated {meta['last_updated']}"),
            name=f"{country}, bidding zone {key} ({NORDIC_AREAS[key]})", country=key[:2], aliases=[key], rank=0)
    return out


def google_zones(shared: Path) -> dict[str, Cand]:
    regions = _cloudmap.cloud_regions(shared)
    out = {}
    for zone, v in _cloudmap.google_zone_figures(shared, regions).items():
        name, aliases = EM_NAMES.get(zone, (zone, ""))
        out[zone] = Cand(
            g=v["g"], year=v["year"], license=GOOGLE_LICENSE, basis="direct (operational)",
            source=(f"Google Cloud region-carbon-info {v['year']} (GoogleCloudPlatform/region-carbon-info@49f3f26): "
                    f"grid carbon intensity published for {v['regions']} ({v['location']})"),
            name=name, country=_cloudmap.zone_country(zone) or "", aliases=[a for a in aliases.split("|") if a], rank=2)
    return out


def zone_table(shared: Path) -> dict[str, dict]:
    """id -> chosen row (newest year, then source rank); aliases merged from every source."""
    cands: dict[str, list[Cand]] = {}
    for src in (green_algorithms(shared), codecarbon_nordic(shared), google_zones(shared)):
        for zid, c in src.items():
            cands.setdefault(zid, []).append(c)
    table = {}
    for zid, cs in cands.items():
        best = max(cs, key=lambda c: (c.year or 0, c.rank))
        name = EM_NAMES.get(zid, (best.name, ""))[0] if zid in EM_NAMES else best.name
        aliases: list[str] = []
        for c in sorted(cs, key=lambda c: -c.rank):
            for a in c.aliases + ([c.name] if c.name != name else []):
                if a and a not in aliases and a != zid and a != name:
                    aliases.append(a)
        others = [f"{c.g:g} ({c.year}, {c.source.split(' (')[0]})" for c in cs if c is not best]
        table[zid] = {
            "id": zid, "name": name, "country": best.country, "g_per_kwh": round(best.g, 2), "year": best.year,
            "source": best.source, "license": best.license, "signal": "average", "basis": best.basis,
            "aliases": "|".join(aliases), "superseded": "; ".join(others),
        }
    return table


HEADER = ["id", "kind", "name", "country", "g_per_kwh", "year", "source", "license", "signal", "basis", "aliases",
          "superseded"]


def build(shared: Path, out: Path) -> None:
    table = zone_table(shared)
    rows = [[r["id"], "zone", r["name"], r["country"], r["g_per_kwh"], r["year"], r["source"], r["license"],
             r["signal"], r["basis"], r["aliases"], r["superseded"]] for r in table.values()]
    rows.sort(key=lambda r: r[0])
    write_csv(
        out / "zones.csv", HEADER, rows,
        comment=(
            "Annual carbon intensity of sub-national grid zones, gCO2e/kWh (average signal), one figure per zone.\n"
            "Derived by scripts/wwtables/zones.py from ../shared/data (Green Algorithms CC BY 4.0, CodeCarbon MIT,\n"
            "Google region-carbon-info Apache-2.0); newest data year wins. 'superseded' lists older figures. Do not edit."
        ),
    )
