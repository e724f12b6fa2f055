"""Cloud regions and the grid zone each one draws from, shared by the table builders.

Which zone a data centre sits in is a fact, not a figure. Facts are taken, in order, from:

1. ``OVERRIDES`` below (each with its reason: a physical location from a MIT/Apache list, or
   Google's own per-zone figures contradicting an upstream mapping);
2. Electricity Maps' open config ``data_centers.json`` (the most careful mapping, with coordinates).
   The file is AGPL-3.0: only the zone id per region is used (a fact, as its SOURCE.md allows),
   the file is not vendored, and Electricity Maps is attributed in ``zone_source``. About 40
   regions (mostly newer ones) have no other mapping source here;
3. Cloud Carbon Footprint's region -> Electricity Maps zone table (Apache-2.0);
4. the country of Green Algorithms' data-centre location (CC BY 4.0).

Region lists: Electricity Maps' data centres, the GSF Carbon Aware SDK lists (MIT: AWS regions,
Azure ``az account list-locations``), Google region-carbon-info (Apache-2.0) and CCF. Logical,
staging and EUAP regions and multi-regions are left out.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

EM_SRC = "Electricity Maps data_centers.json (electricitymaps-contrib@b354f28; zone fact only)"
CCF_MAP_SRC = "Cloud Carbon Footprint region->zone map (cloud-carbon-footprint@b7a049c, Apache-2.0)"
GA_DC_SRC = "Green Algorithms cloudProviders_datacenters.csv (CC BY 4.0)"

# (provider, region) -> (zone, reason). Each reason cites where the location comes from.
OVERRIDES: dict[tuple[str, str], tuple[str, str]] = {
    ("gcp", "us-central1"): (
        "US-MIDW-MISO",
        "override: Council Bluffs, Iowa is served by MidAmerican Energy (MISO); Google's 2024 figure (412.72) differs "
        "from us-central2's in SPP (372.23), so Google does not place it in SPP; CCF maps MISO"),
    ("gcp", "us-central2"): (
        "US-CENT-SWPP",
        "override: Pryor, Oklahoma (Google region-carbon-info location 'Oklahoma') is in the Southwest Power Pool; "
        "CCF's MISO entry repeats us-central1"),
    ("gcp", "us-east2"): (
        "US-SE-SOCO",
        "override: Google region-carbon-info location 'Georgia' (US) is in Southern Company's balancing area"),
    ("azure", "westindia"): ("IN-WE", "override: Mumbai (GSF az account list-locations) is in India's Western grid"),
    ("azure", "jioindiawest"): (
        "IN-WE", "override: Jamnagar, Gujarat (GSF az account list-locations) is in India's Western grid"),
    ("azure", "jioindiacentral"): (
        "IN-WE", "override: Nagpur, Maharashtra (GSF az account list-locations) is in India's Western grid"),
    ("aws", "cn-north-1"): ("CN", "override: Beijing (GSF aws-regions.json), China"),
    ("aws", "cn-northwest-1"): ("CN", "override: Ningxia (GSF aws-regions.json), China"),
}

# Regions that exist but are not open to every customer; kept, and said so.
RESTRICTED = {
    ("aws", "us-gov-east-1"): "AWS GovCloud (restricted access)",
    ("aws", "us-gov-west-1"): "AWS GovCloud (restricted access)",
    ("aws", "cn-north-1"): "AWS China (separate partition, operated by Sinnet)",
    ("aws", "cn-northwest-1"): "AWS China (separate partition, operated by NWCD)",
    **{("azure", r): "Azure China (operated by 21Vianet)"
       for r in ("chinaeast", "chinaeast2", "chinanorth", "chinanorth2", "chinanorth3")},
    ("azure", "jioindiacentral"): "Jio India (restricted access)",
    ("azure", "jioindiawest"): "Jio India (restricted access)",
}

# AWS's own names for regions newer than the GSF list (public facts).
AWS_NAMES = {
    "ap-south-2": "Asia Pacific (Hyderabad)", "ap-southeast-3": "Asia Pacific (Jakarta)",
    "ap-southeast-4": "Asia Pacific (Melbourne)", "ap-southeast-5": "Asia Pacific (Malaysia)",
    "ap-southeast-6": "Asia Pacific (New Zealand)", "ap-southeast-7": "Asia Pacific (Thailand)",
    "ca-west-1": "Canada West (Calgary)", "eu-central-2": "Europe (Zurich)", "eu-south-2": "Europe (Spain)",
    "il-central-1": "Israel (Tel Aviv)", "me-central-1": "Middle East (UAE)", "mx-central-1": "Mexico (Central)",
}

_NOT_PHYSICAL = re.compile(r"(stage|stg|euap)$|^brazilus$")
_GCP_MULTI = {"asia1", "eur4", "nam4", "us", "europe", "asia", "unknown"}


@dataclass
class CloudRegion:
    provider: str
    region: str
    name: str
    zone: str | None
    zone_source: str
    location: str = ""  # city / state as published
    ga_location: str | None = None  # Green Algorithms location code (e.g. US-AZ, CA-QC, FR)
    restricted: str | None = None

    @property
    def id(self) -> str:
        return f"{self.provider}:{self.region}"


def _unmangle(s: str) -> str:
    """Undo upstream mojibake ('GΣvle' is 'Gävle' read as code page 437)."""
    if any(ord(ch) > 0x24F for ch in s):
        try:
            return s.encode("cp437").decode("latin-1")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return s
    return s


def zone_country(zone: str | None) -> str | None:
    if not zone:
        return None
    head = zone.split("-", 1)[0]
    return head if len(head) == 2 and head.isalpha() else None


def _em_facts(shared: Path) -> dict[tuple[str, str], dict]:
    d = json.loads((shared / "electricitymaps-config" / "data_centers.json").read_text(encoding="utf-8"))
    return {(v["provider"], v["region"]): v for v in d.values() if v["provider"] in ("aws", "gcp", "azure")}


def _ccf_map(shared: Path) -> dict[tuple[str, str], str]:
    p = shared / "cloud-carbon-footprint" / "ccf-app-constants" / "ccf_region_to_electricitymaps_zone.csv"
    with p.open(newline="", encoding="utf-8") as f:
        return {(r["provider"], r["region"].lower()): r["electricitymaps_zone"] for r in csv.DictReader(f)}


def _ga_datacenters(shared: Path) -> dict[tuple[str, str], dict]:
    p = shared / "green-algorithms-v3" / "cloudProviders_datacenters.csv"
    with p.open(newline="", encoding="utf-8") as f:
        lines = f.read().splitlines()[1:]  # line 1 holds notes
    out = {}
    for r in csv.DictReader(lines):
        prov = r["provider"].strip()
        name = r["Name"].strip()
        if prov == "azure":
            name = re.sub(r"\s*\(.*?\)\s*", "", name).replace(" ", "").lower()
        out[(prov, name)] = r
    return out


def _aws_gsf(shared: Path) -> dict[str, dict]:
    p = shared / "cloud-region-locations-gsf" / "aws-regions.json"
    return {r["code"]: r for r in json.loads(p.read_text(encoding="latin-1"))}


def _azure_gsf(shared: Path) -> dict[str, dict]:
    base = shared / "cloud-region-locations-gsf"
    text = (base / "azure-cli-list-locations-2021-11-02.utf16.json").read_text(encoding="utf-16")
    text = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("//"))
    cli = {x["name"]: x for x in json.loads(text) if x["metadata"].get("regionType") == "Physical"}
    latlon = json.loads((base / "azure-regions-latlon.json").read_text(encoding="utf-8"))
    for name in latlon:
        cli.setdefault(name, {"name": name, "displayName": name, "metadata": {}})
    return {k: v for k, v in cli.items() if not _NOT_PHYSICAL.search(k)}


def cloud_regions(shared: Path) -> list[CloudRegion]:
    """Every physical AWS/GCP/Azure region found in the sources, with its grid zone."""
    em = _em_facts(shared)
    ccf = _ccf_map(shared)
    ga = _ga_datacenters(shared)
    from ._figures import google_years

    google = {y: rows for y, (_, rows) in google_years(shared).items()}
    latest_google = google[max(google)]
    aws = _aws_gsf(shared)
    az = _azure_gsf(shared)

    names: dict[tuple[str, str], tuple[str, str]] = {}  # key -> (name, location)
    for code, full in AWS_NAMES.items():
        names[("aws", code)] = (f"AWS {full}", full.split("(")[-1].rstrip(")"))
    for code, r in aws.items():
        full = r["full_name"] if r["full_name"].startswith("AWS") else f"AWS {r['full_name']}"
        names[("aws", code)] = (full, r["name"])
    for code, r in az.items():
        loc = _unmangle((r.get("metadata") or {}).get("physicalLocation") or "")
        disp = r.get("displayName") or code
        if disp == code and ("azure", code) in em:
            disp = em[("azure", code)]["displayName"]
        names[("azure", code)] = (f"Azure {disp}" + (f" ({loc})" if loc and loc not in disp else ""), loc)
    for year in sorted(google):
        for code, r in google[year].items():
            names[("gcp", code)] = (f"GCP {code} ({r['location']})", r["location"])
    for key, v in em.items():
        if key not in names:
            prov = {"aws": "AWS", "gcp": "GCP", "azure": "Azure"}[key[0]]
            names[key] = (f"{prov} {v['displayName']}" if key[0] != "gcp" else f"GCP {key[1]} ({v['displayName']})",
                          v["displayName"])

    keys: set[tuple[str, str]] = set(em) | {("aws", c) for c in aws} | {("azure", c) for c in az}
    keys |= {("gcp", c) for c in latest_google}
    for (prov, reg), zone in ccf.items():
        if prov == "aws" and reg != "unknown":
            keys.add((prov, reg))
        elif prov == "gcp" and reg not in _GCP_MULTI:
            keys.add((prov, reg))
        # CCF's Azure list mixes logical, staging and legacy names; physical ones come from GSF/EM.

    out = []
    for key in sorted(keys):
        prov, reg = key
        if key in OVERRIDES:
            zone, zsrc = OVERRIDES[key]
        elif key in em and em[key].get("zoneKey"):
            zone, zsrc = em[key]["zoneKey"], EM_SRC
        elif ccf.get(key):
            zone, zsrc = ccf[key], CCF_MAP_SRC
        elif key in ga and ga[key]["location"].strip():
            zone, zsrc = zone_country(ga[key]["location"].strip()) or ga[key]["location"].strip(), GA_DC_SRC
        else:
            raise SystemExit(f"no grid zone known for {prov}:{reg}; add it to OVERRIDES with a reason")
        name, loc = names.get(key, (f"{prov.upper()} {reg}", ""))
        gal = ga.get(key, {}).get("location", "").strip() or None
        out.append(CloudRegion(prov, reg, name, zone, zsrc, loc, gal, RESTRICTED.get(key)))
    return out
