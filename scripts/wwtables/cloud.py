"""cloud_regions.csv: every AWS, GCP and Azure region found in the sources, its grid zone,
an annual figure, and the provider's default PUE.

The annual figure, in order of preference (``source`` says which was used):
1. the grid zone's figure from zones.py;
2. the state/province figure of Green Algorithms' data-centre location (e.g. Azure westus3 ->
   US-AZ) when the zone itself has no bundled figure;
3. the country figure (same derivation as countries.py: OWID/Ember, CC BY 4.0);
4. the provider's published figure: Google's for GCP, otherwise the factor collected by Cloud
   Carbon Footprint (Apache-2.0).
So regions of different providers on one grid carry one figure, and a ranking compares grids,
not data sources. GCP rows carry Google's own figures as published besides: ``google_g_per_kwh``
(location-based grid intensity, direct emissions since 2021), ``google_cfe_pct`` and ``google_year``. ``ccf_g_per_kwh`` is CCF's factor for cross-checks. PUE: Google's trailing-12-month
per-region PUE via CCF where published, else Green Algorithms' per-region PUE, else the Green
Algorithms v3 provider default (gcp 1.12, aws 1.2, azure 1.12).
"""
from __future__ import annotations

import csv
from pathlib import Path

from . import _cloudmap, zones
from ._util import write_csv

OUTPUTS = ["cloud_regions.csv"]

CCF_CONST_SRC = "Cloud Carbon Footprint constants (cloud-carbon-footprint@b7a049c)"
GA_PUE_SRC = "Green Algorithms v3 defaults_PUE.csv"
GOOGLE_SRC = "Google Cloud region-carbon-info (GoogleCloudPlatform/region-carbon-info@49f3f26)"
COUNTRY_SRC = "Ember; Energy Institute Statistical Review of World Energy; Our World in Data (2025 release)"


def _countries(shared: Path) -> dict[str, tuple[float, int]]:
    import pycountry

    from .countries import _latest

    base = shared / "ci-country-annual-owid"
    out = {}
    for a3, (_, year, g) in _latest(base / "owid_carbon_intensity_electricity_countries_2000_2024.csv").items():
        c = pycountry.countries.get(alpha_3=a3)
        if c is not None:
            out[c.alpha_2] = (round(g, 2), year)
    return out


def _ccf_constants(shared: Path) -> tuple[dict, dict, dict]:
    p = shared / "cloud-carbon-footprint" / "ccf-app-constants" / "ccf_constants.csv"
    factors, pue_region, pue_avg = {}, {}, {}
    with p.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key = (r["provider"], r["key"].lower())
            if r["metric"] == "grid_emission_factor":
                factors[key] = float(r["value"]) * 1e6  # tCO2e/kWh -> gCO2e/kWh
            elif r["metric"] == "pue_trailing_twelve_month":
                pue_region[key] = float(r["value"])
            elif r["metric"] == "pue_average":
                pue_avg[r["provider"]] = float(r["value"])
    return factors, pue_region, pue_avg


def _ga_pue(shared: Path) -> tuple[dict, dict]:
    base = shared / "green-algorithms-v3"
    with (base / "defaults_PUE.csv").open(newline="", encoding="utf-8") as f:
        defaults = {r["provider"]: (float(r["PUE"]), r["source"]) for r in csv.DictReader(f.read().splitlines()[1:])}
    per_region = {}
    with (base / "cloudProviders_datacenters.csv").open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f.read().splitlines()[1:]):
            if r["PUE"].strip():
                per_region[(r["provider"], r["Name"].strip())] = (float(r["PUE"]), r["source_PUE"].strip())
    return defaults, per_region


HEADER = ["id", "kind", "provider", "name", "zone", "zone_source", "country", "g_per_kwh", "year", "source", "license",
          "signal", "basis", "pue", "pue_source", "google_g_per_kwh", "google_cfe_pct", "google_year", "ccf_g_per_kwh",
          "access"]


def build(shared: Path, out: Path) -> None:
    regions = _cloudmap.cloud_regions(shared)
    zone_tab = zones.zone_table(shared)
    ga_zones = zones.green_algorithms(shared)
    countries = _countries(shared)
    google = _cloudmap.google_years(shared)
    gyear = max(google)
    factors, pue_region, _ = _ccf_constants(shared)
    ga_pue_default, ga_pue_region = _ga_pue(shared)

    rows = []
    for r in regions:
        zone, cc = r.zone, _cloudmap.zone_country(r.zone)
        goog = google[gyear].get(r.region) if r.provider == "gcp" else None
        if goog is None and r.provider == "gcp":  # a region Google stopped (or has not started) publishing
            for y in sorted(google, reverse=True):
                if r.region in google[y]:
                    goog, gy = google[y][r.region], y
                    break
        else:
            gy = gyear
        if zone in zone_tab:
            z = zone_tab[zone]
            g, year, lic, basis = z["g_per_kwh"], z["year"], z["license"], z["basis"]
            src = f"grid zone {zone}: {z['source']}"
        elif r.ga_location and r.ga_location in ga_zones:
            c = ga_zones[r.ga_location]
            g, year, lic, basis = c.g, c.year, c.license, c.basis
            src = f"{r.ga_location} (zone {zone} has no bundled figure; Green Algorithms data-centre location): {c.source}"
        elif cc and cc in countries:
            g, year = countries[cc]
            lic, basis = "CC BY 4.0", "lifecycle"
            src = (f"country {cc}" + (f" (zone {zone} has no bundled figure)" if zone != cc else "") + f": {COUNTRY_SRC}")
        elif goog and goog.get("g") is not None:
            lifecycle = "lifecycle" in goog["column"].lower()
            g, year, lic = goog["g"], gy, "Apache-2.0"
            src = f"{GOOGLE_SRC} {gy}: Google's location-based grid intensity for gcp:{r.region} ({goog['location']})"
            basis = "lifecycle" if lifecycle else "direct (operational)"
        elif (r.provider, r.region) in factors:
            g, year, lic, basis = factors[(r.provider, r.region)], None, "Apache-2.0", "as published by the provider"
            src = f"{CCF_CONST_SRC}: provider-published factor for {r.provider}:{r.region}"
        else:
            raise SystemExit(f"no annual figure for {r.id} (zone {zone})")

        if (r.provider, r.region) in pue_region:
            pue, pue_src = pue_region[(r.provider, r.region)], f"{CCF_CONST_SRC}: Google trailing-twelve-month PUE"
        elif (r.provider, r.region) in ga_pue_region:
            pue, s = ga_pue_region[(r.provider, r.region)]
            pue_src = f"Green Algorithms cloudProviders_datacenters.csv citing {s}"
        else:
            pue, s = ga_pue_default[r.provider]
            pue_src = f"{GA_PUE_SRC}: {r.provider} default, citing {s}"

        g_goog = cfe = gy_out = None
        if r.provider == "gcp" and goog:
            g_goog = goog.get("g")
            cfe = None if goog.get("cfe") is None else round(goog["cfe"] * 100, 1)
            gy_out = gy
        ccf_g = factors.get((r.provider, r.region))
        rows.append([r.id, "cloud", r.provider, r.name, zone, r.zone_source, cc, round(g, 2), year, src, lic, "average",
                     basis, pue, pue_src, g_goog, cfe, gy_out, None if ccf_g is None else round(ccf_g, 2),
                     r.restricted or "public"])
    rows.sort(key=lambda x: x[0])
    write_csv(
        out / "cloud_regions.csv", HEADER, rows,
        comment=(
            "Cloud regions -> grid zone, annual intensity (gCO2e/kWh, average signal) and default PUE.\n"
            "Derived by scripts/wwtables/cloud.py from ../shared/data (Google region-carbon-info Apache-2.0, Cloud Carbon\n"
            "Footprint Apache-2.0, Green Algorithms CC BY 4.0, GSF Carbon Aware SDK MIT, OWID/Ember CC BY 4.0; zone ids\n"
            "also from Electricity Maps' data_centers.json as facts). 'source' says which figure was used. Do not edit."
        ),
    )
