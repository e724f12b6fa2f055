"""`wattwise regions`, `wattwise intensity` and `wattwise run --intensity-file/--provider`, as a user runs them."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest
from ci_payloads import gb_period


def run(cmd, args, env=None, cwd=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([*cmd, *args], capture_output=True, text=True, env=e, timeout=120, cwd=cwd)


def last_json(r):
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_regions_json_sorted_cleanest_first(wattwise_cmd):
    d = last_json(run(wattwise_cmd, ["regions", "--provider", "gcp", "--json"]))
    regs = d["regions"]
    assert len(regs) >= 40 and all(r["id"].startswith("gcp:") for r in regs)
    gs = [r["g_per_kwh"] for r in regs]
    assert gs == sorted(gs)
    for r in regs:
        assert {"id", "name", "g_per_kwh", "source", "year", "zone", "pue", "license", "signal"} <= set(r)
        if "google_year" in r:
            assert isinstance(r["google_cfe_pct"], (int, float)) and isinstance(r["google_g_per_kwh"], (int, float))


def test_regions_table_and_kinds(wattwise_cmd):
    r = run(wattwise_cmd, ["regions", "--kind", "zone"])
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0].split()[:3] == ["id", "name", "gCO2e/kWh"] and len(lines) > 50
    assert "regions; annual averages in gCO2e/kWh" in r.stderr
    d = last_json(run(wattwise_cmd, ["regions", "--kind", "country", "--json"]))
    assert d["count"] >= 200


def test_intensity_by_human_name(wattwise_cmd):
    d = last_json(run(wattwise_cmd, ["intensity", "Quebec", "--json"]))
    assert d["zone"] == "CA-QC" and d["signal"] == "average" and d["year"] and d["source"]
    assert d["method"] == "annual" and "why" in d


def test_intensity_cloud_region_reports_google_figures(wattwise_cmd):
    d = last_json(run(wattwise_cmd, ["intensity", "gcp:europe-west1", "--json"]))
    assert d["zone"] == "BE" and d["region"] == "gcp:europe-west1"
    assert d["google_cfe_pct"] == 84 and d["google_g_per_kwh"] == 103.37 and d["google_year"] == 2024
    assert d["g_per_kwh"] == last_json(run(wattwise_cmd, ["intensity", "BE", "--json"]))["g_per_kwh"]
    r = run(wattwise_cmd, ["intensity", "gcp:europe-west1"])
    assert "Google CFE 84%" in r.stdout and "gCO2e/kWh" in r.stdout


def test_unknown_region_suggests_the_cloud_id(wattwise_cmd):
    r = run(wattwise_cmd, ["intensity", "us-east1"])
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("wattwise: error: unknown region 'us-east1'; did you mean 'gcp:us-east1'")
    assert len(r.stderr.strip().splitlines()) == 1


def test_forecast_without_a_source_is_a_usage_error(wattwise_cmd):
    r = run(wattwise_cmd, ["intensity", "FR", "--forecast"])
    assert r.returncode == 2 and "--provider" in r.stderr and "Traceback" not in r.stderr


def test_intensity_at_a_time_from_a_series_file(wattwise_cmd, tmp_path):
    f = tmp_path / "de.csv"
    f.write_text("datetime,g_per_kwh\n2024-05-01T12:00:00Z,300\n2024-05-01T13:00:00Z,250\n2024-05-01T14:00:00Z,180\n")
    d = last_json(run(wattwise_cmd, ["intensity", "DE", "--series", str(f), "--at", "2024-05-01T13:30Z", "--json"]))
    assert d["g_per_kwh"] == 250 and d["datetime"].startswith("2024-05-01T13:00") and d["method"] == "hourly"
    assert "history value" in d["why"]


def serve_gb(server, start: float, n: int, value=lambda k: 100 + 10 * (k % 6)):
    periods = [gb_period(start + k * 1800, value(k) + 5, value(k)) for k in range(n)]
    server.expect_request(re.compile(r"^/intensity/.*/fw48h$")).respond_with_json({"data": periods})
    server.expect_request(re.compile(r"^/intensity/[^/]+/[^/]+$")).respond_with_json({"data": periods})
    server.expect_request("/intensity").respond_with_json({"data": periods[-1:]})
    return periods


def test_intensity_live_latest_and_forecast_from_the_gb_api(wattwise_cmd, server):
    now = time.time()
    start = now - now % 1800 - 4 * 1800
    periods = serve_gb(server, start, 12)
    e = {k: v for k, v in os.environ.items() if k != "WATTWISE_OFFLINE"}
    e["WATTWISE_UKGRID_URL"] = server.url_for("")
    r = subprocess.run([*wattwise_cmd, "intensity", "GB", "--provider", "ukgrid", "--json"], capture_output=True,
                       text=True, env=e, timeout=60)
    d = last_json(r)
    assert d["method"] == "hourly" and d["g_per_kwh"] == periods[-1]["intensity"]["actual"]
    assert "latest value" in d["why"] and d["annual_g_per_kwh"] > 0
    r = subprocess.run([*wattwise_cmd, "intensity", "GB", "--provider", "ukgrid", "--forecast", "--json"],
                       capture_output=True, text=True, env=e, timeout=60)
    d = last_json(r)
    assert len(d["forecast"]) == 12 and d["forecast"][0]["g_per_kwh"] == periods[0]["intensity"]["actual"]


def test_run_with_intensity_file_is_hourly(wattwise_cmd, tmp_path):
    now = time.time()
    h = now - now % 3600
    rows = ["datetime,g_per_kwh"] + [f"{datetime.fromtimestamp(h + k * 900, timezone.utc).isoformat()},{200 + 40 * k}"
                                     for k in range(-4, 8)]
    f = tmp_path / "ci.csv"
    f.write_text("\n".join(rows) + "\n")
    d = last_json(run(wattwise_cmd, ["run", "--region", "FR", "--no-store", "--interval", "0.2", "--intensity-file",
                                     str(f), "--json", "--", sys.executable, "-c", "sum(range(3_000_000))"]))
    i = d["intensity"]
    assert i["method"] == "hourly" and i["source"] == "file ci.csv" and i["resolution_s"] == 900
    assert i["coverage_pct"] == 100.0
    assert d["emissions_gco2e"] == pytest.approx(d["facility_energy_kwh"] * i["g_per_kwh"], rel=1e-6)
    assert 200 - 40 * 4 <= i["g_per_kwh"] <= 200 + 40 * 7


def test_run_with_the_gb_provider(wattwise_cmd, server):
    now = time.time()
    start = now - now % 1800 - 2 * 1800
    serve_gb(server, start, 8, value=lambda k: 123)
    e = {k: v for k, v in os.environ.items() if k != "WATTWISE_OFFLINE"}
    e["WATTWISE_UKGRID_URL"] = server.url_for("")
    r = subprocess.run([*wattwise_cmd, "run", "--region", "GB", "--provider", "ukgrid", "--no-store", "--interval", "0.2",
                        "--json", "--", sys.executable, "-c", "pass"], capture_output=True, text=True, env=e, timeout=60)
    d = last_json(r)
    assert d["intensity"]["method"] == "hourly" and d["intensity"]["g_per_kwh"] == pytest.approx(123)
    assert any(req.path.startswith("/intensity/") for req, _ in server.log)


def test_run_rejects_fixed_value_with_a_series(wattwise_cmd, tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("datetime,g_per_kwh\n2024-01-01T00:00Z,1\n")
    r = run(wattwise_cmd, ["run", "--intensity", "50", "--intensity-file", str(f), "--no-store", "--", "true"])
    assert r.returncode == 2 and "cannot be combined" in r.stderr


def test_run_with_a_bad_series_file_is_a_one_line_error(wattwise_cmd, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("when,what\n1,2\n")
    r = run(wattwise_cmd, ["run", "--intensity-file", str(f), "--no-store", "--", "true"])
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "bad.csv" in r.stderr


def test_run_strict_with_an_unusable_provider_exits_2(wattwise_cmd):
    e = {k: v for k, v in os.environ.items() if k not in ("WATTWISE_OFFLINE", "WATTWISE_ELECTRICITYMAPS_TOKEN")}
    r = subprocess.run([*wattwise_cmd, "run", "--provider", "electricitymaps", "--strict", "--no-store", "--", "true"],
                       capture_output=True, text=True, env=e, timeout=60)
    assert r.returncode == 2 and "WATTWISE_ELECTRICITYMAPS_TOKEN" in r.stderr and "Traceback" not in r.stderr
    r = run(wattwise_cmd, ["run", "--provider", "electricitymaps", "--no-store", "--json", "--", "true"])
    assert "WATTWISE_OFFLINE=1" in last_json(r)["intensity"]["note"]  # without --strict: annual, with a note
