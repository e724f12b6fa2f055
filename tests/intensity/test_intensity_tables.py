"""The shipped zone and cloud tables: coverage, provenance, and spot checks against upstream files."""
from __future__ import annotations

import csv
import filecmp
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from wattwise import regions

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "src" / "wattwise" / "data"


def rows(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def test_coverage_counts():
    kinds = Counter(r.kind for r in regions.all_regions())
    assert kinds["country"] >= 200
    assert kinds["zone"] >= 50
    cloud = Counter(r.provider for r in regions.all_regions() if r.kind == "cloud")
    assert cloud["aws"] >= 30 and cloud["gcp"] >= 40 and cloud["azure"] >= 50, cloud


@pytest.mark.parametrize("name", ["zones.csv", "cloud_regions.csv"])
def test_every_row_has_provenance(name):
    for r in rows(name):
        assert r["g_per_kwh"] and 0 <= float(r["g_per_kwh"]) < 1500, r["id"]
        assert r["source"].strip(), r["id"]
        assert r["license"] in ("CC BY 4.0", "MIT", "Apache-2.0"), (r["id"], r["license"])
        assert r["signal"] == "average"
        assert r["year"] and 2015 <= int(r["year"]) <= 2030, r["id"]
        # ODbL series never feed a shipped figure
        assert "data portal" not in r["source"].lower() and "ci-monthly" not in r["source"]


def test_one_grid_one_figure_across_providers():
    """London on AWS, Azure and GCP draws from one grid, so the ranking sees one number."""
    by_zone: dict[str, set[float]] = {}
    for r in rows("cloud_regions.csv"):
        by_zone.setdefault(r["zone"], set()).add(float(r["g_per_kwh"]))
    same = [z for z, gs in by_zone.items() if len(gs) == 1]
    assert {"GB", "FR", "US-MIDA-PJM", "CA-QC", "JP-TK"} <= set(same)
    # the only zones with several figures are those whose regions fall back to different states
    assert {z for z, gs in by_zone.items() if len(gs) > 1} <= {"US-NW-BPAT", "US-SW-AZPS"}
    g = {r["id"]: r for r in rows("cloud_regions.csv")}
    assert g["gcp:europe-west2"]["g_per_kwh"] == g["aws:eu-west-2"]["g_per_kwh"] == g["azure:uksouth"]["g_per_kwh"]
    assert float(g["gcp:europe-west2"]["google_g_per_kwh"]) != float(g["gcp:europe-west2"]["g_per_kwh"])


def test_zone_ids_do_not_shadow_countries():
    countries = {r["id"] for r in rows("countries.csv")}
    assert not countries & {r["id"] for r in rows("zones.csv")}


def test_every_cloud_region_has_zone_pue_and_figure():
    for r in rows("cloud_regions.csv"):
        prov, _, reg = r["id"].partition(":")
        assert prov == r["provider"] and reg
        assert r["zone"], r["id"]
        assert 1.0 <= float(r["pue"]) < 2.0 and r["pue_source"], r["id"]
        reg_obj = regions.get(r["id"])
        assert reg_obj is not None and reg_obj.g_per_kwh == float(r["g_per_kwh"])


def test_gcp_rows_carry_googles_figures(shared_data):
    """Spot check: every GCP row equals Google's newest published grid intensity and CFE."""
    newest = max(int(p.stem) for p in (shared_data / "gcp-region-carbon-info").glob("*.csv"))
    with (shared_data / "gcp-region-carbon-info" / f"{newest}.csv").open(encoding="utf-8-sig", newline="") as f:
        upstream = {r["Google Cloud Region"]: r for r in csv.DictReader(f)}
    checked = 0
    for r in rows("cloud_regions.csv"):
        if r["provider"] != "gcp" or r["id"].split(":")[1] not in upstream:
            continue
        u = upstream[r["id"].split(":")[1]]
        assert float(r["google_g_per_kwh"]) == pytest.approx(float(u["Grid carbon intensity (gCO2eq / kWh)"]))
        if u["Google CFE"].strip():
            assert float(r["google_cfe_pct"]) == pytest.approx(100 * float(u["Google CFE"]), abs=0.05)
        assert int(r["google_year"]) == newest
        checked += 1
    assert checked >= 40


def test_zone_spot_checks_against_upstream(shared_data):
    """US states and Canadian provinces from Green Algorithms; Nordic zones from CodeCarbon; Google zones."""
    with (shared_data / "green-algorithms-v3" / "CI_aggregated.csv").open(encoding="utf-8") as f:
        ga = {r["location"]: float(r["carbonIntensity"]) for r in csv.DictReader(f.read().splitlines()[1:])}
    z = {r["id"]: r for r in rows("zones.csv")}
    for code in ("US-CA", "US-TX", "US-WY", "CA-AB", "CA-BC", "AU-QLD", "AU-TAS"):
        assert float(z[code]["g_per_kwh"]) == pytest.approx(ga[code]), code
        assert "Green Algorithms" in z[code]["source"]
    assert float(z["CA-MB"]["g_per_kwh"]) == pytest.approx(ga["CA-MT"])  # Green Algorithms' code for Manitoba
    nordic = json.loads((shared_data / "codecarbon-reference" / "nordic_emissions.json").read_text())["data"]
    assert float(z["NO-NO4"]["g_per_kwh"]) == pytest.approx(nordic["NO4"]["emission_factor"])
    with (shared_data / "gcp-region-carbon-info" / "2024.csv").open(encoding="utf-8-sig", newline="") as f:
        g24 = {r["Google Cloud Region"]: float(r["Grid carbon intensity (gCO2eq / kWh)"]) for r in csv.DictReader(f)}
    assert float(z["US-CAL-CISO"]["g_per_kwh"]) == pytest.approx(g24["us-west2"])
    assert float(z["JP-TK"]["g_per_kwh"]) == pytest.approx(g24["asia-northeast1"])
    # a newer year replaced Green Algorithms' 2019 figure, and the older one is listed as superseded
    assert z["CA-QC"]["year"] == "2024" and "1.5 (2019" in z["CA-QC"]["superseded"]


def test_zone_mapping_agrees_with_electricity_maps_except_documented_overrides(shared_data):
    """The shipped region -> zone facts match Electricity Maps' own table, or carry a written reason."""
    dc = json.loads((shared_data / "electricitymaps-config" / "data_centers.json").read_text(encoding="utf-8"))
    em = {f"{v['provider']}:{v['region']}": v["zoneKey"] for v in dc.values() if v["provider"] in ("aws", "gcp", "azure")}
    mismatches = []
    for r in rows("cloud_regions.csv"):
        if r["id"] in em and em[r["id"]] != r["zone"]:
            mismatches.append(r["id"])
            assert r["zone_source"].startswith("override:"), r["id"]
    assert mismatches == ["gcp:us-central1"]


def test_google_figures_match_electricity_maps_direct_means(shared_data):
    """Cross-check (ODbL series, test-only): the zone figures taken from Google's 2024 data equal
    Electricity Maps' 2024 mean *direct* intensity of the zone we mapped the region to, within 2 %.
    This confirms both the region -> zone mapping and that Google's figures are direct emissions."""
    import gzip
    import statistics

    z = {r["id"]: float(r["g_per_kwh"]) for r in rows("zones.csv")}
    cloud = {r["id"]: r for r in rows("cloud_regions.csv")}
    checks = {"US-MIDA-PJM": z["US-MIDA-PJM"], "US-CAL-CISO": z["US-CAL-CISO"], "US-TEX-ERCO": z["US-TEX-ERCO"],
              "JP-TK": z["JP-TK"], "AU-NSW": z["AU-NSW"], "CA-ON": z["CA-ON"],
              "GB": float(cloud["gcp:europe-west2"]["google_g_per_kwh"])}
    for zone, ours in checks.items():
        path = shared_data / "ci-hourly-greendcc-em-2021-2024" / zone / f"{zone}_2024_hourly.csv.gz"
        with gzip.open(path, "rt", encoding="utf-8") as f:
            direct = [float(r["Carbon Intensity gCO₂eq/kWh (direct)"]) for r in csv.DictReader(f)
                      if r["Carbon Intensity gCO₂eq/kWh (direct)"]]
        assert ours == pytest.approx(statistics.fmean(direct), rel=0.02), zone


def test_builders_reproduce_the_shipped_tables(shared_data, tmp_path):
    """A figure changes only through the builder: rebuilding from upstream gives the committed files."""
    pytest.importorskip("pycountry")
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from build_data import main as build_main

        assert build_main(["zones", "cloud", "--shared", str(shared_data), "--out", str(tmp_path)]) == 0
    finally:
        sys.path.remove(str(REPO / "scripts"))
    for name in ("zones.csv", "cloud_regions.csv"):
        assert filecmp.cmp(tmp_path / name, DATA / name, shallow=False), f"{name} differs from its builder's output"
