"""Unknown stays unknown in every export: a sensor that never read gives null, never 0.

What broke: a sensor failing its first read was reported as 0 J "measured", and the CodeCarbon
export wrote 0.0 for a run whose energy and emissions were null.
"""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time

import pytest

import wattwise
from wattwise.testing import ConstantPowerSensor

PY = sys.executable


def ww(*args):
    return subprocess.run([PY, "-m", "wattwise", *args], capture_output=True, text=True, timeout=120)


class LostGpu:
    component, method, source, attribution = "gpu:0", "measured", "nvml:total_energy (test GPU)", "device"

    def read_energy_j(self):
        raise RuntimeError("GPU is lost")


@pytest.fixture
def runs(tmp_path):
    """Two stored runs: one with an unknown GPU beside a known CPU, one with nothing known."""
    db = tmp_path / "r.db"
    out = {}
    for name, sensors in (("partial", [LostGpu(), ConstantPowerSensor("cpu", 40.0)]), ("none", [LostGpu()])):
        with wattwise.track(project="p", region="FR", store=str(db), interval=0.1, sensors=sensors) as run:
            time.sleep(0.25)
        out[name] = run.result.run_id
    return db, out


def _export(db, rid, fmt):
    r = ww("runs", "export", rid, "--store", str(db), "--format", fmt)
    return r


def test_result_json_is_null_with_reason(runs):
    db, ids = runs
    r = ww("runs", "show", ids["none"], "--store", str(db), "--json")
    d = json.loads(r.stdout.strip().splitlines()[-1])
    assert d["energy_kwh"] is None and d["emissions_gco2e"] is None
    gpu = d["components"][0]
    assert gpu["energy_kwh"] is None and gpu["method"] == "unavailable" and "GPU is lost" in gpu["reason"]
    assert "Infinity" not in r.stdout and "NaN" not in r.stdout


@pytest.mark.parametrize("which", ["partial", "none"])
def test_csv_empty_cells_and_reason(runs, which):
    db, ids = runs
    rows = list(csv.DictReader(io.StringIO(_export(db, ids[which], "csv").stdout)))
    assert rows[0]["schema"] == "wattwise-export/1.1"
    run = next(r for r in rows if r["record"] == "run")
    gpu = next(r for r in rows if r["record"] == "component" and r["name"] == "gpu:0")
    assert gpu["energy_kwh"] == "" and gpu["facility_energy_kwh"] == "" and "GPU is lost" in gpu["reason"]
    assert gpu["attribution"] == "whole-device"
    assert not [r for r in rows if r["record"] == "sample" and r["name"] == "gpu:0"]  # no samples, not zeros
    assert "gpu:0 energy unknown" in run["reason"]
    if which == "none":
        assert run["energy_kwh"] == "" and run["emissions_gco2e"] == ""
    else:
        assert float(run["energy_kwh"]) > 0 and "known components only" in run["reason"]


@pytest.mark.parametrize("which", ["partial", "none"])
def test_jsonl_keeps_nulls(runs, which):
    db, ids = runs
    recs = [json.loads(x) for x in _export(db, ids[which], "jsonl").stdout.splitlines()]
    gpu = next(r for r in recs if r["record"] == "component" and r["name"] == "gpu:0")
    assert "energy_kwh" in gpu and gpu["energy_kwh"] is None and "GPU is lost" in gpu["reason"]
    run = next(r for r in recs if r["record"] == "run")
    if which == "none":
        assert run["energy_kwh"] is None and run["emissions_gco2e"] is None and "reason" in run


@pytest.mark.parametrize("which", ["partial", "none"])
def test_codecarbon_leaves_unknown_cells_empty_and_says_why(runs, which):
    db, ids = runs
    r = _export(db, ids[which], "codecarbon")
    row = next(csv.DictReader(io.StringIO(r.stdout)))
    assert row["gpu_energy"] == "" and row["gpu_power"] == ""
    assert row["emissions"] == "" and row["energy_consumed"] == "" and row["emissions_rate"] == ""
    assert "gpu:0 energy unknown: " in r.stderr and "left empty" in r.stderr
    if which == "partial":
        assert float(row["cpu_energy"]) > 0
        assert row["ram_energy"] == "" and row["ram_power"] == ""  # memory was not measured: unknown, not 0


def test_model_card_refuses_without_emissions_and_names_exclusions(runs):
    db, ids = runs
    r = _export(db, ids["none"], "model-card")
    assert r.returncode == 2 and "no emissions figure" in r.stderr and r.stdout == ""
    r = _export(db, ids["partial"], "model-card")
    assert r.returncode == 0 and "excludes unknown gpu:0" in r.stdout and "GPU is lost" in r.stdout


def test_statement_never_writes_a_number_for_unknown(runs):
    db, ids = runs
    text = ww("runs", "statement", ids["none"], "--store", str(db)).stdout
    assert "could not be determined" in text and "unknown of electricity" not in text
    assert " 0 J" not in text and "0.000" not in text
    part = ww("runs", "statement", ids["partial"], "--store", str(db)).stdout
    assert "gpu:0 (no reading: sensor stopped answering" in part and "not included" in part


def test_html_report_says_unknown_and_why(runs, tmp_path):
    pytest.importorskip("jinja2")
    db, ids = runs
    out = tmp_path / "r.html"
    r = ww("runs", "report", ids["none"], "--store", str(db), "-o", str(out))
    assert r.returncode == 0, r.stderr
    html = out.read_text()
    assert "unknown" in html and "GPU is lost" in html and "0.00 J" not in html
