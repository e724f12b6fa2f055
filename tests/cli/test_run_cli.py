"""`wattwise run` through the real entry point, as a subprocess."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

PY = sys.executable


def ww(args, **kw):
    return subprocess.run([PY, "-m", "wattwise", *args], capture_output=True, text=True, timeout=120, **kw)


def test_run_stores_and_prints_contract_json(tmp_path):
    db = tmp_path / "r.db"
    p = ww(["run", "--region", "FR", "--interval", "0.2", "--store", str(db), "--project", "demo", "--json", "--",
            PY, "-c", "print('hello from the job'); sum(range(3_000_000))"])
    assert p.returncode == 0, p.stderr
    lines = p.stdout.strip().splitlines()
    assert lines[0] == "hello from the job"  # the command's own output passes through unchanged
    d = json.loads(lines[-1])
    for k in ("run_id", "duration_s", "energy_kwh", "facility_energy_kwh", "emissions_gco2e", "components",
              "intensity", "pue", "scope", "exit_code"):
        assert k in d, k
    assert d["exit_code"] == 0 and d["scope"] == "process" and d["intensity"]["zone"] == "FR"
    cpu = next(c for c in d["components"] if c["name"] == "cpu")
    assert cpu["method"] == "modelled" and cpu["energy_kwh"] > 0
    assert "energy" in p.stderr and "gCO2e" in p.stderr and "not counted" in p.stderr
    lst = json.loads(ww(["runs", "list", "--store", str(db), "--json"]).stdout.strip().splitlines()[-1])
    assert [r["run_id"] for r in lst["runs"]] == [d["run_id"]]
    r = lst["runs"][0]
    assert {"run_id", "project", "start", "duration_s", "energy_kwh", "emissions_gco2e"} <= set(r)
    assert r["project"] == "demo"


def test_exit_code_passthrough(tmp_path):
    p = ww(["run", "--region", "FR", "--store", str(tmp_path / "r.db"), "--", "sh", "-c", "exit 7"])
    assert p.returncode == 7


@pytest.mark.parametrize("args,msg", [
    (["--region", "Frnce", "--", "true"], "did you mean 'FR'"),
    (["--region", "FR", "--", "pyhton3", "x.py"], "command not found: 'pyhton3'"),
    (["--region", "FR", "--interval", "abc", "--", "true"], "invalid interval"),
    (["--region", "FR", "--interval", "0.01", "--", "true"], "out of range"),
    (["--region", "FR"], "no command given"),
    (["--region", "FR", "--pue", "0.5", "--", "true"], "PUE"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, args, msg):
    p = ww(["run", "--store", str(tmp_path / "r.db"), *args])
    assert p.returncode == 2
    assert msg in p.stderr and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_corrupt_store_is_exit_2_before_running(tmp_path):
    db = tmp_path / "bad.db"
    db.write_bytes(b"this is not sqlite" * 100)
    marker = tmp_path / "ran"
    p = ww(["run", "--region", "FR", "--store", str(db), "--", "touch", str(marker)])
    assert p.returncode == 2 and "not a valid SQLite database" in p.stderr and "mv " in p.stderr
    assert not marker.exists()
    assert db.read_bytes().startswith(b"this is not sqlite")  # nothing lost


def _samples(db, run_id=None):
    con = sqlite3.connect(db)
    if run_id is None:
        run_id = con.execute("SELECT run_id FROM runs").fetchone()[0]
    n = con.execute("SELECT COUNT(*) FROM samples WHERE run_id=?", (run_id,)).fetchone()[0]
    return run_id, n


def test_kill_9_of_the_job_is_recorded(tmp_path):
    db = tmp_path / "r.db"
    p = subprocess.Popen([PY, "-m", "wattwise", "run", "--region", "FR", "--interval", "0.1", "--store", str(db), "--json",
                          "--", PY, "-c", "import os,time; open(os.environ['M'],'w').write(str(os.getpid())); time.sleep(60)"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "M": str(tmp_path / "pid")})
    for _ in range(100):
        if (tmp_path / "pid").exists() and (tmp_path / "pid").read_text():
            break
        time.sleep(0.05)
    time.sleep(0.6)
    os.kill(int((tmp_path / "pid").read_text()), signal.SIGKILL)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 137
    d = json.loads(out.strip().splitlines()[-1])
    assert d["exit_code"] == 137 and d["status"] == "finished"
    assert _samples(db)[1] > 0


def test_kill_9_of_wattwise_keeps_samples(tmp_path):
    db = tmp_path / "r.db"
    p = subprocess.Popen([PY, "-m", "wattwise", "run", "--region", "FR", "--interval", "0.1", "--flush-interval", "0.5",
                          "--store", str(db), "--", PY, "-c", "import time; time.sleep(3)"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(2.0)
    p.kill()
    p.wait()
    run_id, n = _samples(db)
    # at most one flush interval (0.5 s here) of samples is lost: ~1.5 s x 10 samples/s x 2 components stored
    assert n >= 20
    lst = json.loads(ww(["runs", "list", "--store", str(db), "--json"]).stdout.strip().splitlines()[-1])
    assert lst["runs"][0]["status"] == "interrupted"
    show = json.loads(ww(["runs", "show", run_id[:6], "--store", str(db), "--json"]).stdout.strip().splitlines()[-1])
    assert show["status"] == "interrupted" and show["energy_kwh"] > 0
    assert "rebuilt from the samples" in show["warnings"][0]
    time.sleep(1.5)  # the orphaned job finishes on its own


def test_sigterm_is_forwarded_and_run_recorded(tmp_path):
    db = tmp_path / "r.db"
    code = ("import signal,sys,time\n"
            "signal.signal(signal.SIGTERM, lambda *a: (print('child got TERM', flush=True), sys.exit(5)))\n"
            "print('ready', flush=True)\ntime.sleep(30)\n")
    p = subprocess.Popen([PY, "-m", "wattwise", "run", "--region", "FR", "--interval", "0.1", "--store", str(db), "--",
                          PY, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    assert "child got TERM" in out
    assert p.returncode == 5
    con = sqlite3.connect(db)
    assert con.execute("SELECT status, exit_code FROM runs").fetchone() == ("finished", 5)


def test_16_concurrent_runs_on_one_store(tmp_path):
    db = tmp_path / "shared.db"

    def one(i):
        return ww(["run", "--region", "DE", "--interval", "0.1", "--store", str(db), "--project", f"p{i}", "--",
                   PY, "-c", "import time; time.sleep(0.5)"])

    with ThreadPoolExecutor(16) as ex:
        results = list(ex.map(one, range(16)))
    errors = [r.stderr for r in results if r.returncode != 0 or "warning" in r.stderr.lower()]
    assert errors == []
    con = sqlite3.connect(db)
    rows = con.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall()
    assert rows == [("finished", 16)]
    assert con.execute("SELECT COUNT(DISTINCT run_id) FROM samples").fetchone()[0] == 16
    assert con.execute("SELECT COUNT(*) FROM runs WHERE energy_j IS NULL OR result_json IS NULL").fetchone()[0] == 0


def test_help_has_examples():
    for cmd in (["run"], ["runs"], ["doctor"], ["runs", "export"]):
        p = ww([*cmd, "--help"])
        assert p.returncode == 0 and "example" in p.stdout


FAKE_NVML_MODULE = """
from wattwise.testing import FakeGpu, FakeNVML
broken = FakeNVML([FakeGpu()], init_error=FakeNVML.NVML_ERROR_DRIVER_NOT_LOADED)
working = FakeNVML([FakeGpu(name="NVIDIA H100 80GB HBM3"), FakeGpu(name="NVIDIA H100 80GB HBM3")])
"""


def test_broken_nvml_is_exit_2_with_fix_and_no_gpu_escape(tmp_path):
    (tmp_path / "fake_nvml_mod.py").write_text(FAKE_NVML_MODULE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path]),
           "WATTWISE_NVML_MODULE": "fake_nvml_mod:broken"}
    marker = tmp_path / "ran"
    db = tmp_path / "r.db"
    p = subprocess.run([PY, "-m", "wattwise", "run", "--region", "FR", "--store", str(db), "--", "touch", str(marker)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 2 and "Driver Not Loaded" in p.stderr and "--no-gpu" in p.stderr
    assert not marker.exists()
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0
    p = subprocess.run([PY, "-m", "wattwise", "run", "--no-gpu", "--region", "FR", "--store", str(db), "--", "touch",
                        str(marker)], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0 and marker.exists()


def test_visible_gpus_are_measured_via_cli(tmp_path):
    (tmp_path / "fake_nvml_mod.py").write_text(FAKE_NVML_MODULE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path]),
           "WATTWISE_NVML_MODULE": "fake_nvml_mod:working", "CUDA_VISIBLE_DEVICES": "1"}
    p = subprocess.run([PY, "-m", "wattwise", "run", "--region", "FR", "--store", str(tmp_path / "r.db"), "--json", "--",
                        "true"], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout.strip().splitlines()[-1])
    gpus = [c for c in d["components"] if c["name"].startswith("gpu")]
    assert [g["name"] for g in gpus] == ["gpu:1"] and gpus[0]["method"] == "measured"
    assert d["hardware"]["gpus"][0]["name"] == "NVIDIA H100 80GB HBM3"


def test_short_job_ram_is_not_zero(tmp_path):
    """A job shorter than one interval used to get 0 J of RAM: its memory was never sampled."""
    p = ww(["run", "--region", "FR", "--interval", "5", "--store", str(tmp_path / "r.db"), "--json", "--",
            PY, "-c", "x = bytearray(200_000_000); import time; time.sleep(0.3)"])
    d = json.loads(p.stdout.strip().splitlines()[-1])
    ram = next(c for c in d["components"] if c["name"] == "ram")
    # >= 200 MB held for >= 0.3 s at 0.3725 W/GB (trapezoid from ~0 at exec): well above 0.01 J
    assert ram["energy_kwh"] * 3.6e6 > 0.01
