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


BASES = ("lifecycle", "direct")
LICENSES = ("CC BY 4.0", "MIT", "Apache-2.0")


@pytest.mark.parametrize("name", ["countries.csv", "zones.csv", "cloud_regions.csv"])
def test_every_figure_has_provenance_or_a_reason(name):
    for r in rows(name):
        assert r["signal"] == "average"
        for b in BASES:
            g, note = r[f"{b}_g_per_kwh"], r[f"{b}_note"]
            if not g:  # no figure on this basis: the row says why, and carries nothing else
                assert note.startswith("no bundled"), (r["id"], b)
                assert not (r[f"{b}_source"] or r[f"{b}_year"] or r[f"{b}_license"]), (r["id"], b)
                continue
            assert 0 <= float(g) < 1500, (r["id"], b)
            assert r[f"{b}_source"].strip(), (r["id"], b)
            assert r[f"{b}_license"] in LICENSES, (r["id"], b, r[f"{b}_license"])
            assert r[f"{b}_year"] and 2000 <= int(r[f"{b}_year"]) <= 2030, (r["id"], b)
            # ODbL series never feed a shipped figure
            src = r[f"{b}_source"].lower()
            assert "data portal" not in src and "ci-monthly" not in src and "electricitymap" not in src
    assert all(r["lifecycle_g_per_kwh"] for r in rows(name)), "every region has at least its country's life-cycle figure"


@pytest.mark.parametrize("name", ["countries.csv", "zones.csv", "cloud_regions.csv"])
def test_each_basis_column_holds_only_sources_on_that_basis(name):
    """Life-cycle columns cite OWID/Ember or Google's 2019-2020 "Lifecycle" files; direct columns cite Google
    2021 on or Green Algorithms' generation factors. A source on the other basis never fills a column."""
    import re

    for r in rows(name):
        life, direct = r["lifecycle_source"], r["direct_source"]
        if life:
            assert "Green Algorithms" not in life, r["id"]
            m = re.search(r"region-carbon-info@\w+\) (\d{4})", life)
            assert m is None or int(m.group(1)) <= 2020, r["id"]
            assert "Ember" in life or (m and "life-cycle" in life), r["id"]
        if direct:
            assert "Ember" not in direct, r["id"]
            m = re.search(r"region-carbon-info@\w+\) (\d{4})", direct)
            assert m is None or int(m.group(1)) >= 2021, r["id"]
            assert "Green Algorithms" in direct or m, r["id"]


def test_a_borrowed_national_figure_is_labelled():
    """A zone without its own figure on a basis uses its country's: the source says so and the note names the zone."""
    borrowed = 0
    for name in ("zones.csv", "cloud_regions.csv"):
        for r in rows(name):
            for b in BASES:
                if "national figure used for zone" in r[f"{b}_note"]:
                    borrowed += 1
                    assert "country " in r[f"{b}_source"], (r["id"], b)
                    zone = r["id"] if name == "zones.csv" else r["zone"]
                    assert f"zone {zone}:" in r[f"{b}_note"], (r["id"], b)
    assert borrowed >= 20
    z = {r["id"]: r for r in rows("zones.csv")}
    c = {r["id"]: r for r in rows("countries.csv")}
    assert z["US-TEX-ERCO"]["lifecycle_g_per_kwh"] == c["US"]["lifecycle_g_per_kwh"]
    assert "national figure used for zone US-TEX-ERCO" in z["US-TEX-ERCO"]["lifecycle_note"]
    assert "national figure" not in z["US-TEX-ERCO"]["direct_note"]  # it has Google's own direct figure


def test_one_grid_one_figure_across_providers():
    """London on AWS, Azure and GCP draws from one grid, so a ranking on either basis sees one number."""
    for b in BASES:
        by_zone: dict[str, set[str]] = {}
        for r in rows("cloud_regions.csv"):
            by_zone.setdefault(r["zone"], set()).add(r[f"{b}_g_per_kwh"])
        same = [z for z, gs in by_zone.items() if len(gs) == 1]
        assert {"GB", "FR", "US-MIDA-PJM", "CA-QC", "JP-TK"} <= set(same)
        # the only zones with several figures are those whose regions fall back to different states (direct only)
        assert {z for z, gs in by_zone.items() if len(gs) > 1} <= ({"US-NW-BPAT", "US-SW-AZPS"} if b == "direct" else set())
    g = {r["id"]: r for r in rows("cloud_regions.csv")}
    for b in BASES:
        assert g["gcp:europe-west2"][f"{b}_g_per_kwh"] == g["aws:eu-west-2"][f"{b}_g_per_kwh"] \
            == g["azure:uksouth"][f"{b}_g_per_kwh"]
    # Google's own figure is shown beside the grid's life-cycle figure, not instead of it
    assert float(g["gcp:europe-west2"]["provider_g_per_kwh"]) != float(g["gcp:europe-west2"]["lifecycle_g_per_kwh"])
    assert g["gcp:europe-west2"]["provider_basis"] == "direct"


def test_zone_ids_do_not_shadow_countries():
    countries = {r["id"] for r in rows("countries.csv")}
    assert not countries & {r["id"] for r in rows("zones.csv")}


def test_every_cloud_region_has_zone_pue_and_figure():
    for r in rows("cloud_regions.csv"):
        prov, _, reg = r["id"].partition(":")
        assert prov == r["provider"] and reg
        assert r["zone"], r["id"]
        assert 1.0 <= float(r["pue"]) < 2.0 and r["pue_source"], r["id"]
        for b in BASES:
            reg_obj = regions.get(r["id"], b)
            want = float(r[f"{b}_g_per_kwh"]) if r[f"{b}_g_per_kwh"] else None
            assert reg_obj is not None and reg_obj.basis == b and reg_obj.g_per_kwh == want, (r["id"], b)


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
        assert float(r["provider_g_per_kwh"]) == pytest.approx(float(u["Grid carbon intensity (gCO2eq / kWh)"]))
        assert r["provider_basis"] == "direct"  # "operational gross emissions" since 2021
        if u["Google CFE"].strip():
            assert float(r["cfe_pct"]) == pytest.approx(100 * float(u["Google CFE"]), abs=0.05)
        assert int(r["provider_year"]) == newest
        # the deprecated google_* names still reach the JSON
        assert regions.get(r["id"]).extra["google_g_per_kwh"] == float(r["provider_g_per_kwh"])
        checked += 1
    assert checked >= 40


def test_zone_spot_checks_against_upstream(shared_data):
    """Direct: US states and Canadian provinces from Green Algorithms, zones with a GCP region from Google 2024.
    Life-cycle: Google's 2020 "Lifecycle grid carbon intensity" for the zones of the GCP regions of 2020."""
    ga = {r["location"]: float(r["carbonIntensity"]) for r in csv.DictReader(
        (shared_data / "green-algorithms-v3" / "CI_aggregated.csv").read_text(encoding="utf-8").splitlines()[1:])}
    z = {r["id"]: r for r in rows("zones.csv")}
    for code in ("US-CA", "US-TX", "US-WY", "CA-AB", "CA-BC", "AU-QLD", "AU-TAS"):
        assert float(z[code]["direct_g_per_kwh"]) == pytest.approx(ga[code]), code
        assert "Green Algorithms" in z[code]["direct_source"]
        assert "national figure used" in z[code]["lifecycle_note"]  # no life-cycle figure of its own
    assert float(z["CA-MB"]["direct_g_per_kwh"]) == pytest.approx(ga["CA-MT"])  # Green Algorithms' code for Manitoba

    def google(year: int) -> dict[str, float]:
        with (shared_data / "gcp-region-carbon-info" / f"{year}.csv").open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            col = next(c for c in reader.fieldnames if "carbon intensity" in c.lower())
            return {r["Google Cloud Region"]: float(r[col]) for r in reader if r[col]}

    g24, g20 = google(2024), google(2020)
    assert float(z["US-CAL-CISO"]["direct_g_per_kwh"]) == pytest.approx(g24["us-west2"])
    assert float(z["JP-TK"]["direct_g_per_kwh"]) == pytest.approx(g24["asia-northeast1"])
    assert float(z["US-CAL-CISO"]["lifecycle_g_per_kwh"]) == pytest.approx(g20["us-west2"])
    assert float(z["US-MIDA-PJM"]["lifecycle_g_per_kwh"]) == pytest.approx(g20["us-east4"])
    assert z["US-CAL-CISO"]["lifecycle_year"] == "2020"
    # a newer year replaced Green Algorithms' 2019 figure, and the older one is listed as superseded
    assert z["CA-QC"]["direct_year"] == "2024" and "direct 1.5 (2019" in z["CA-QC"]["superseded"]
    # CodeCarbon's flat Nordic figure states no basis: the zones exist, with their country's figures, labelled
    assert "national figure used for zone NO-NO4" in z["NO-NO4"]["lifecycle_note"]


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

    z = {r["id"]: float(r["direct_g_per_kwh"]) for r in rows("zones.csv")}
    cloud = {r["id"]: r for r in rows("cloud_regions.csv")}
    checks = {"US-MIDA-PJM": z["US-MIDA-PJM"], "US-CAL-CISO": z["US-CAL-CISO"], "US-TEX-ERCO": z["US-TEX-ERCO"],
              "JP-TK": z["JP-TK"], "AU-NSW": z["AU-NSW"], "CA-ON": z["CA-ON"],
              "GB": float(cloud["gcp:europe-west2"]["direct_g_per_kwh"])}
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

        assert build_main(["countries", "zones", "cloud", "--shared", str(shared_data), "--out", str(tmp_path)]) == 0
    finally:
        sys.path.remove(str(REPO / "scripts"))
    for name in ("countries.csv", "zones.csv", "cloud_regions.csv"):
        assert filecmp.cmp(tmp_path / name, DATA / name, shallow=False), f"{name} differs from its builder's output"
