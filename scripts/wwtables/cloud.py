"""cloud_regions.csv: every AWS, GCP and Azure region found in the sources, its grid zone,
the zone's annual figure on each basis, the provider's own figure beside it, and default PUE.

A region's figure on a basis is its grid's (``source`` says which was used):
1. the grid zone's figure from zones.py (its own, or its country's, labelled), or the country's
   from countries.py when the zone is a whole country;
2. for a zone without a row: on the direct basis, the state/province figure of Green
   Algorithms' data-centre location (e.g. Azure westus3 -> US-AZ); else the country's figure on
   that basis, labelled "national figure used for zone X";
3. otherwise an empty figure and the reason. A provider's own figure never stands in for the grid's.
So regions of different providers on one grid carry one figure per basis, and a ranking compares
grids on one basis. GCP rows carry Google's own newest figure beside, as published:
``provider_g_per_kwh`` (location-based grid intensity; ``provider_basis`` direct since 2021),
``provider_year``, ``provider_source`` and ``cfe_pct`` (Google CFE %). ``ccf_g_per_kwh`` is Cloud
Carbon Footprint's factor, for cross-checks only. PUE: Google's trailing-12-month per-region PUE
via CCF where published, else Green Algorithms' per-region PUE, else the Green Algorithms v3
provider default (gcp 1.12, aws 1.2, azure 1.12).
"""
from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

from . import _cloudmap, _figures, zones
from ._util import write_csv

OUTPUTS = ["cloud_regions.csv"]

CCF_CONST_SRC = "Cloud Carbon Footprint constants (cloud-carbon-footprint@b7a049c)"
GA_PUE_SRC = "Green Algorithms v3 defaults_PUE.csv"


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


HEADER = ["id", "kind", "provider", "name", "zone", "zone_source", "country", *_figures.columns(), "signal", "pue",
          "pue_source", "provider_g_per_kwh", "provider_basis", "provider_year", "provider_source", "cfe_pct",
          "ccf_g_per_kwh", "access"]


def grid_figures(r, zone_tab: dict, countries: dict, ga_direct: dict) -> tuple[dict, dict]:
    """(basis -> Figure or None, basis -> reason): the figures of the grid a cloud region draws from."""
    zone, cc = r.zone, _cloudmap.zone_country(r.zone)
    figs, reasons = {}, {}
    for b in _figures.BASES:
        fig = None
        if zone in zone_tab:
            z = zone_tab[zone]
            fig = z[b] and dataclasses.replace(z[b], source=f"grid zone {zone}: {z[b].source}")
            reason = z["reasons"].get(b)
        elif zone in countries:
            fig = countries[zone][b] and dataclasses.replace(countries[zone][b], source=f"country {zone}: "
                                                             f"{countries[zone][b].source}")
            reason = countries[zone]["reasons"].get(b)
        else:
            reason = f"no bundled {b} figure for zone {zone} or its country {cc or '(unknown)'}"
            state = ga_direct.get(r.ga_location or "") if b == "direct" and "-" in (r.ga_location or "") else None
            if state is not None:  # the data centre's state or province (Green Algorithms' location)
                fig = dataclasses.replace(state, source=f"{r.ga_location} (zone {zone} has no bundled figure; Green "
                                                        f"Algorithms data-centre location): {state.source}")
            elif cc in countries and countries[cc][b] is not None:
                fig = _figures.national(countries[cc][b], zone, cc)
        figs[b] = fig
        if fig is None:
            reasons[b] = reason or f"no bundled {b} figure for zone {zone}"
    return figs, reasons


def provider_figure(r, google: dict) -> list:
    """Google's own newest figure for a GCP region, shown beside the grid's, never instead of it."""
    if r.provider != "gcp":
        return [None] * 5
    for y in sorted(google, reverse=True):
        basis, rows = google[y]
        if r.region in rows and rows[r.region]["g"] is not None:
            v = rows[r.region]
            cfe = None if v["cfe"] is None else round(v["cfe"] * 100, 1)
            src = (f"{_figures.GOOGLE_SRC} {y}: Google's location-based grid intensity for gcp:{r.region} "
                   f"({v['location']}), {_figures.GOOGLE_LICENSE}")
            return [v["g"], basis, y, src, cfe]
    return [None] * 5


def build(shared: Path, out: Path) -> None:
    from .countries import country_table

    regions = _cloudmap.cloud_regions(shared)
    zone_tab = zones.zone_table(shared)
    countries = country_table(shared)
    ga_direct = _figures.green_algorithms_direct(shared)
    google = _figures.google_years(shared)
    factors, pue_region, _ = _ccf_constants(shared)
    ga_pue_default, ga_pue_region = _ga_pue(shared)

    rows = []
    for r in regions:
        figs, reasons = grid_figures(r, zone_tab, countries, ga_direct)
        if (r.provider, r.region) in pue_region:
            pue, pue_src = pue_region[(r.provider, r.region)], f"{CCF_CONST_SRC}: Google trailing-twelve-month PUE"
        elif (r.provider, r.region) in ga_pue_region:
            pue, s = ga_pue_region[(r.provider, r.region)]
            pue_src = f"Green Algorithms cloudProviders_datacenters.csv citing {s}"
        else:
            pue, s = ga_pue_default[r.provider]
            pue_src = f"{GA_PUE_SRC}: {r.provider} default, citing {s}"
        ccf_g = factors.get((r.provider, r.region))
        rows.append([r.id, "cloud", r.provider, r.name, r.zone, r.zone_source, _cloudmap.zone_country(r.zone),
                     *_figures.cells(figs, reasons), "average", pue, pue_src, *provider_figure(r, google),
                     None if ccf_g is None else round(ccf_g, 2), r.restricted or "public"])
    rows.sort(key=lambda x: x[0])
    write_csv(
        out / "cloud_regions.csv", HEADER, rows,
        comment=(
            "Cloud regions -> grid zone, the zone's annual intensity on two bases (lifecycle_*, direct_*; gCO2e/kWh,\n"
            "average signal), the provider's own figure beside it (provider_*, cfe_pct: Google's) and default PUE.\n"
            "Derived by scripts/wwtables/cloud.py from ../shared/data (Google region-carbon-info Apache-2.0, Cloud Carbon\n"
            "Footprint Apache-2.0, Green Algorithms CC BY 4.0, GSF Carbon Aware SDK MIT, OWID/Ember CC BY 4.0; zone ids\n"
            "also from Electricity Maps' data_centers.json as facts). 'source' says which figure was used. Do not edit."
        ),
    )
