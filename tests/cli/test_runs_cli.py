"""runs list/show/export and doctor through the real CLI; exports parse as their consumers expect."""
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


def ww(args):
    return subprocess.run([PY, "-m", "wattwise", *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def store_with_run(tmp_path):
    db = tmp_path / "r.db"
    with wattwise.track(project="bert-ft", region="FR", store=str(db), interval=0.1,
                        sensors=[ConstantPowerSensor("gpu:0", 300.0), ConstantPowerSensor("cpu", 50.0, method="modelled")]) as run:
        with run.window("epoch-0"):
            time.sleep(0.3)
    return db, run.result


def test_show_json_and_text(store_with_run):
    db, m = store_with_run
    d = json.loads(ww(["runs", "show", m.run_id[:5], "--store", str(db), "--json"]).stdout.strip().splitlines()[-1])
    assert d["run_id"] == m.run_id and d["emissions_gco2e"] == pytest.approx(m.emissions_g)
    text = ww(["runs", "show", m.run_id, "--store", str(db)]).stdout
    assert "gpu:0" in text and "measured" in text and "modelled" in text and "gCO2e/kWh" in text


def test_unknown_id(store_with_run):
    db, _ = store_with_run
    p = ww(["runs", "show", "zzzz", "--store", str(db)])
    assert p.returncode == 2 and "no run with id 'zzzz'" in p.stderr


def test_export_csv_fixed_schema(store_with_run):
    db, m = store_with_run
    rows = list(csv.DictReader(io.StringIO(ww(["runs", "export", m.run_id, "--store", str(db), "--format", "csv"]).stdout)))
    from wattwise.report.exports import CSV_COLUMNS, EXPORT_SCHEMA

    assert list(rows[0]) == CSV_COLUMNS
    kinds = {r["record"] for r in rows}
    assert kinds == {"run", "component", "window", "sample"}
    run = next(r for r in rows if r["record"] == "run")
    assert run["schema"] == EXPORT_SCHEMA
    assert float(run["energy_kwh"]) == pytest.approx(m.energy_kwh)
    assert float(run["emissions_gco2e"]) == pytest.approx(m.emissions_g)
    comps = {r["name"]: r for r in rows if r["record"] == "component"}
    assert comps["gpu:0"]["method"] == "measured" and comps["cpu"]["method"] == "modelled"


def test_export_jsonl(store_with_run):
    db, m = store_with_run
    lines = [json.loads(x) for x in ww(["runs", "export", m.run_id, "--store", str(db), "--format", "jsonl"]).stdout.splitlines()]
    assert lines[0]["record"] == "run" and lines[0]["result"]["run_id"] == m.run_id
    assert sum(1 for x in lines if x["record"] == "sample") > 0


def test_export_codecarbon_units(store_with_run):
    """CodeCarbon parsers read kg, kWh, W, seconds and an ISO alpha-3 country code."""
    db, m = store_with_run
    out = ww(["runs", "export", m.run_id, "--store", str(db), "--format", "codecarbon"]).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 1
    r = rows[0]
    assert float(r["emissions"]) == pytest.approx(m.emissions_g / 1000)
    assert float(r["energy_consumed"]) == pytest.approx(m.energy_kwh)
    assert float(r["gpu_energy"]) == pytest.approx(m.component("gpu:0").energy_j / 3.6e6)
    assert float(r["duration"]) == pytest.approx(m.duration_s)
    assert r["country_iso_code"] == "FRA" and r["country_name"] == "France"
    assert float(r["gpu_power"]) == pytest.approx(300.0, rel=0.05)
    assert r["tracking_mode"] == "process" and r["on_cloud"] == "N"


def test_export_model_card(store_with_run):
    db, m = store_with_run
    out = ww(["runs", "export", m.run_id, "--store", str(db), "--format", "model-card", "--training-type", "fine-tuning"]).stdout
    lines = out.splitlines()
    assert lines[0] == "co2_eq_emissions:"
    kv = {l.split(":", 1)[0].strip(): l.split(":", 1)[1].strip() for l in lines[1:]}
    assert float(kv["emissions"]) == pytest.approx(m.emissions_g, rel=1e-5)  # grams
    assert json.loads(kv["training_type"]) == "fine-tuning"
    assert json.loads(kv["geographical_location"]) == "France"
    assert "gCO2e/kWh" in json.loads(kv["source"])
    assert set(kv) == {"emissions", "source", "training_type", "geographical_location", "hardware_used"}


def test_bad_format(store_with_run):
    db, m = store_with_run
    p = ww(["runs", "export", m.run_id, "--store", str(db), "--format", "cvs"])
    assert p.returncode == 2 and "did you mean 'csv'" in p.stderr


def test_list_filters(store_with_run):
    db, m = store_with_run
    assert json.loads(ww(["runs", "list", "--store", str(db), "--project", "other", "--json"]).stdout)["runs"] == []
    t = ww(["runs", "list", "--store", str(db)]).stdout
    assert m.run_id in t and "bert-ft" in t


def test_doctor_json():
    p = ww(["doctor", "--json"])
    assert p.returncode == 0
    d = json.loads(p.stdout.strip().splitlines()[-1])
    names = [s["name"] for s in d["sensors"]]
    assert names[:2] == ["rapl", "nvml"]
    assert d["store"]["ok"] and d["offline"] is True
