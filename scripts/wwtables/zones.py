"""zones.csv: annual carbon intensity of sub-national grid zones, on each basis.

Ids are Electricity Maps zone ids where one exists (``US-CAL-CISO``, ``CA-QC``, ``AU-NSW``,
``SE-SE3``, ``JP-TK``, ``IN-WE``), otherwise ISO 3166-2 codes (US states such as ``US-CA``).
Country ids stay in countries.csv and are never repeated here.

Zones come from Green Algorithms (US states, Canadian provinces, Australian states), CodeCarbon's
Nordic bidding zones (names only: its flat 18 g figure states no basis, so it is not shipped) and
the zone of every GCP region. Figures, per basis (see _figures.py for the rule):

- lifecycle: Google region-carbon-info 2019-2020 ("Lifecycle grid carbon intensity", Apache-2.0)
  for the zones of the GCP regions of those years; every other zone uses its country's
  OWID/Ember figure, labelled "national figure used for zone X";
- direct: Google region-carbon-info 2021 on (operational, Apache-2.0) and Green Algorithms'
  carbonfootprint.com factors (CC BY 4.0); the newest year wins; without one, the country's
  direct figure, labelled; without that, an empty cell with the reason.

'superseded' lists the zone's other own figures. Electricity Maps series (ODbL) are never used.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import _cloudmap, _figures
from ._figures import Figure
from ._util import write_csv

OUTPUTS = ["zones.csv"]

GA_SKIP = {"CN-HK", "CN-HK2", "TW"}  # Hong Kong and Taiwan are countries in countries.csv
STALE_YEARS = 3  # a zone's own figure this much older than its country's says so in its note

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
class Zone:
    name: str
    country: str
    aliases: list[str] = field(default_factory=list)
    rank: int = 0  # whose name wins when several sources name a zone


def green_algorithms_zones(shared: Path) -> dict[str, Zone]:
    out = {}
    for r in _figures.green_algorithms_rows(shared):
        if r["Type"] != "Region" or r["location"] in GA_SKIP:
            continue
        code = r["location"].strip()
        zid = _figures.GA_IDS.get(code, code)
        region, country_name = r["regionName"].strip(), r["countryName"].strip()
        if region == "Mississip":  # upstream typo
            region = "Mississippi"
        cc = code.split("-")[0]
        aliases = [region] + ([code] if zid != code else []) + ([f"{region} (US state)"] if cc == "US" else [])
        out[zid] = Zone(f"{region}, {'United States' if cc == 'US' else country_name}", cc, aliases, rank=1)
    return out


def nordic_zones(shared: Path) -> dict[str, Zone]:
    d = json.loads((shared / "codecarbon-reference" / "nordic_emissions.json").read_text(encoding="utf-8"))
    out = {}
    for key in d["data"]:
        if not re.fullmatch(r"(SE|NO)\d", key):
            continue  # FI is a country (countries.csv)
        country = "Sweden" if key.startswith("SE") else "Norway"
        out[f"{key[:2]}-{key}"] = Zone(f"{country}, bidding zone {key} ({NORDIC_AREAS[key]})", key[:2], [key])
    return out


def google_zone_names(regions) -> dict[str, Zone]:
    out = {}
    for r in regions:
        if r.provider == "gcp" and r.zone and "-" in r.zone and r.zone not in out:
            name, aliases = EM_NAMES.get(r.zone, (r.zone, ""))
            out[r.zone] = Zone(name, _cloudmap.zone_country(r.zone) or "", [a for a in aliases.split("|") if a], rank=2)
    return out


def own_figures(shared: Path, regions) -> dict[str, dict[str, list[Figure]]]:
    """zone -> basis -> the zone's own figures (not its country's)."""
    own: dict[str, dict[str, list[Figure]]] = {}
    ga = {k: v for k, v in _figures.green_algorithms_direct(shared).items() if "-" in k and k not in GA_SKIP}
    for src in (_figures.google_zones(shared, regions, "lifecycle"), _figures.google_zones(shared, regions, "direct"), ga):
        for zid, fig in src.items():
            if "-" in zid:
                own.setdefault(zid, {}).setdefault(fig.basis, []).append(fig)
    return own


def figures_for(zid: str, own: dict[str, list[Figure]], country: str, countries: dict[str, dict]) -> tuple[dict, dict]:
    """(basis -> Figure or None, basis -> reason) for one zone: its own newest, else its country's, labelled."""
    figs, reasons = {}, {}
    for b in _figures.BASES:
        fig = _figures.choose(own.get(b, []))
        nat = countries[country][b] if country in countries else None
        if fig is None and nat is not None:
            fig = _figures.national(nat, zid, country)
        elif fig is not None and nat is not None and (fig.year or 0) + STALE_YEARS <= (nat.year or 0):
            fig = _figures.stale(fig, nat, country)
        figs[b] = fig
        if fig is None:
            reasons[b] = f"no bundled {b} figure for zone {zid} or its country {country or '(unknown)'}"
    return figs, reasons


def zone_table(shared: Path) -> dict[str, dict]:
    """id -> {"name", "country", "aliases", "lifecycle", "direct", "reasons", "superseded"}."""
    from .countries import country_table

    regions = _cloudmap.cloud_regions(shared)
    countries = country_table(shared)
    named: dict[str, list[Zone]] = {}
    for src in (green_algorithms_zones(shared), nordic_zones(shared), google_zone_names(regions)):
        for zid, z in src.items():
            named.setdefault(zid, []).append(z)
    own = own_figures(shared, regions)
    table = {}
    for zid, zs in named.items():
        best = max(zs, key=lambda z: z.rank)
        aliases: list[str] = []
        for z in sorted(zs, key=lambda z: -z.rank):
            for a in z.aliases + ([z.name] if z.name != best.name else []):
                if a and a not in aliases and a not in (zid, best.name):
                    aliases.append(a)
        figs, reasons = figures_for(zid, own.get(zid, {}), best.country, countries)
        others = [f"{f.basis} {f.g:g} ({f.year}, {f.source.split(' (')[0]})"
                  for b, fs in own.get(zid, {}).items() for f in fs if f is not _figures.choose(fs)]
        table[zid] = {"name": best.name, "country": best.country, "aliases": "|".join(aliases), **figs,
                      "reasons": reasons, "superseded": "; ".join(others)}
    return table


HEADER = ["id", "kind", "name", "country", *_figures.columns(), "signal", "aliases", "superseded"]


def build(shared: Path, out: Path) -> None:
    rows = [[zid, "zone", z["name"], z["country"], *_figures.cells(z, z["reasons"]), "average", z["aliases"],
             z["superseded"]] for zid, z in zone_table(shared).items()]
    rows.sort(key=lambda r: r[0])
    write_csv(
        out / "zones.csv", HEADER, rows,
        comment=(
            "Annual carbon intensity of sub-national grid zones, gCO2e/kWh (average signal), on two bases: lifecycle_*\n"
            "and direct_* (operational). A zone without its own figure on a basis uses its country's, and its note says\n"
            "so. Derived by scripts/wwtables/zones.py from ../shared/data (Google region-carbon-info Apache-2.0, Green\n"
            "Algorithms CC BY 4.0, OWID/Ember CC BY 4.0; CodeCarbon MIT for Nordic zone names). Do not edit."
        ),
    )
