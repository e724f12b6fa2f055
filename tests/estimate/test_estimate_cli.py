"""`wattwise estimate` through the real entry point (a subprocess)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from wattwise import regions


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "wattwise", "estimate", *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd)


def last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def test_human_report_has_breakdown_sources_and_alternatives():
    p = run("--gpu", "A100-80GB:8", "--hours", "72", "--region", "DE", "--embodied")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "not a measurement" in out
    for word in ("dynamic", "idle", "embodied", "breakdown", "assumptions", "cleaner alternatives", "equivalents"):
        assert word in out
    assert "NVIDIA A100 SXM4 80GB" in out and "'A100-80GB': exact match" in out
    assert "ML CO2 Impact gpus.csv" in out  # the TDP's source
    assert "Cloud Carbon Footprint" in out  # embodied / lifetime sources
    assert "Uptime Institute" in out  # the PUE default's source
    assert "kWh" in out and "kgCO2e" in out and "g/kWh" in out
    assert "saves" in out and "km away" in out


def test_json_is_the_last_line_and_has_the_contract_fields():
    p = run("--gpu", "A100-80GB:8", "--hours", "72", "--region", "FR", "--embodied", "--idle-hours", "5", "--json")
    assert p.returncode == 0, p.stderr
    d = last_json(p.stdout)
    for k in ("energy_kwh", "facility_energy_kwh", "pue", "emissions_gco2e", "breakdown", "inputs", "alternatives"):
        assert k in d
    assert d["breakdown"]["dynamic"]["energy_kwh"] == pytest.approx(230.4)
    assert d["breakdown"]["idle"]["energy_kwh"] == pytest.approx(8 * 46 * 5 / 1000)
    assert d["breakdown"]["embodied"]["emissions_gco2e"] > 0
    assert len(p.stdout.strip().splitlines()) == 1  # nothing else on stdout under --json


def test_power_w_applies_to_the_entry_it_follows():
    p = run("--gpu", "A100-80GB:8", "--power-w", "300", "--gpu", "T4:2", "--hours", "10", "--intensity", "100",
            "--pue", "1", "--json")
    assert p.returncode == 0, p.stderr
    hw = last_json(p.stdout)["inputs"]["hardware"]
    assert (hw[0]["power_w"], hw[1]["power_w"]) == (300, 70)
    assert last_json(p.stdout)["energy_kwh"] == pytest.approx((8 * 300 + 2 * 70) * 10 / 1000)


def test_instance_and_hours_with_unit():
    p = run("--instance", "a2-highgpu-8g", "--hours", "2d", "--intensity", "100", "--pue", "1", "--json")
    assert p.returncode == 0, p.stderr
    d = last_json(p.stdout)
    assert d["hours"] == 48
    assert d["inputs"]["instance"]["accelerator"] == "NVIDIA A100 SXM4 40GB"


def test_user_catalogue(tmp_path):
    f = tmp_path / "hw.csv"
    f.write_text("name,kind,tdp_w,source\nLab Card,gpu,222,our measurements 2025\n")
    p = run("--gpu", "Lab Card:3", "--hours", "1", "--intensity", "1", "--pue", "1", "--catalogue", str(f), "--json")
    assert p.returncode == 0, p.stderr
    d = last_json(p.stdout)
    assert d["energy_kwh"] == pytest.approx(3 * 222 / 1000)
    assert d["inputs"]["hardware"][0]["match"]["confidence"] == "user"


def test_like_from_the_cli(tmp_path):
    from test_estimate_like import _store_run

    db = tmp_path / "runs.db"
    rid = _store_run(db)
    p = run("--like", rid, "--store", str(db), "--hours", "3", "--intensity", "10", "--pue", "1", "--json")
    assert p.returncode == 0, p.stderr
    assert last_json(p.stdout)["energy_kwh"] == pytest.approx(600 * 3 / 1000)


@pytest.mark.parametrize("args,msg", [
    (["--gpu", "B9000", "--hours", "1"], "unknown GPU 'B9000'"),
    (["--gpu", "rtx 5090", "--hours", "1"], "did you mean"),
    (["--gpu", "A100", "--hours", "1", "--region", "Atlantis"], "unknown region 'Atlantis'"),
    (["--gpu", "A100", "--hours", "-5"], "must be > 0"),
    (["--gpu", "A100", "--hours", "9999999"], "more than 100 years"),
    (["--gpu", "A100:0", "--hours", "1"], "whole number >= 1"),
    (["--gpu", "A100", "--hours", "1", "--utilization", "1.5"], "outside (0, 1]"),
    (["--gpu", "A100", "--hours", "1", "--pue", "0.8"], "PUE 0.8 is out of range"),
    (["--power-w", "300", "--gpu", "A100", "--hours", "1"], "--power-w must follow"),
    (["--device", "node", "--hours", "1"], "needs --power-w"),
    (["--gpu", "A100", "--hours", "1", "--region", "FR", "--intensity", "5"], "not allowed with argument"),
    (["--gpu", "A100"], "--hours is required"),
    (["--instance", "p4d.24xl", "--hours", "1"], "did you mean 'p4d.24xlarge'"),
    (["--gpu", "A100", "--hours", "1", "--catalogue", "/nonexistent.csv"], "catalogue file not found"),
])
def test_bad_input_exits_2_with_one_line(args, msg):
    p = run(*args)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wattwise: error:"), p.stderr
    assert msg in lines[0]
    assert "Traceback" not in p.stderr


def test_help_has_examples():
    p = run("--help")
    assert p.returncode == 0
    assert "wattwise estimate --gpu A100-80GB:8 --hours 72 --region aws:us-east-1 --embodied" in p.stdout


@pytest.mark.skipif(regions.get("aws:us-east-1") is None,
                    reason="cloud regions are not bundled yet (data/cloud_regions.csv); this checks the issue's "
                           "'Done when' command once they are")
def test_done_when_command_aws_us_east_1():
    p = run("--gpu", "A100-80GB:8", "--hours", "72", "--region", "aws:us-east-1", "--embodied")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "aws:us-east-1" in out and "embodied" in out and "cleaner alternatives (" in out
    assert "other aws regions" in out
    reg = regions.get("aws:us-east-1")
    d = last_json(run("--gpu", "A100-80GB:8", "--hours", "72", "--region", "aws:us-east-1", "--embodied", "--json").stdout)
    assert d["pue"] == (reg.pue or 1.135)
    assert d["alternatives"] and all(a["region"].startswith("aws:") for a in d["alternatives"])
    assert d["energy_kwh"] == pytest.approx(230.4)
