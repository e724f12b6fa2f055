"""`wattwise run --within`: real children, really waited for, stopped and continued.

Forecasts here have a 1-second resolution so that a plan with a pause fits in a few seconds.
The child writes a timestamp every 50 ms; a stopped child writes nothing, so the planned
pauses must show up as gaps in its timestamps, and nowhere else.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from schedule_helpers import write_series

CHILD = r"""
import os, sys, time
out, work = sys.argv[1], float(sys.argv[2])
code = int(sys.argv[3]) if len(sys.argv) > 3 else 0
with open(out + ".pid", "w") as f:
    f.write(str(os.getpid()))
try:
    with open(out, "a") as f:
        for _ in range(int(work / 0.05)):
            f.write(f"{time.time():.4f}\n")
            f.flush()
            time.sleep(0.05)
except KeyboardInterrupt:
    open(out + ".int", "w").write("1")
    sys.exit(130)
sys.exit(code)
"""


@pytest.fixture
def child(tmp_path) -> Path:
    p = tmp_path / "child.py"
    p.write_text(CHILD)
    return p


def _forecast(tmp_path, pattern: dict[tuple[int, int], float], base: float = 900.0, span: int = 60) -> tuple[Path, float]:
    """1-second series from now-2 s; pattern maps (from, to) seconds after T to a value."""
    T = float(int(time.time()))
    vals = []
    for k in range(-2, span):
        v = base
        for (a, b), x in pattern.items():
            if a <= k < b:
                v = x
        vals.append(v)
    return write_series(tmp_path / "f.csv", T - 2, 1.0, vals), T


def _stamps(path: Path) -> list[float]:
    return [float(x) for x in path.read_text().split()] if path.exists() else []


def _gaps(ts, min_gap=0.5):
    return [(a, b) for a, b in zip(ts, ts[1:]) if b - a > min_gap]


def _json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def _stopped(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "T"
    except (OSError, IndexError):
        return False


def _alive(pid: int) -> bool:
    try:
        st = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return st != "Z"
    except OSError:
        return False


def test_pause_resume_really_stops_and_continues(tmp_path, child, wattwise_cmd):
    f, T = _forecast(tmp_path, {(5, 7): 100, (10, 13): 100})
    out = tmp_path / "ts.txt"
    db = tmp_path / "runs.db"
    p = subprocess.run([*wattwise_cmd, "run", "--store", str(db), "--region", "GB", "--interval", "0.2", "--within", "10s",
                        "--duration", "4s", "--forecast", str(f), "--pause-resume", "--json", "--",
                        "python3", str(child), str(out), "4"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    rec = _json(p.stdout)["schedule"]
    plan = rec["plan"]
    from wattwise.units import parse_time

    slots = [(parse_time(s["start"]).timestamp(), parse_time(s["end"]).timestamp()) for s in plan["slots"]]
    assert len(slots) >= 2 and rec["actual_pauses"] == len(slots) - 1
    ts = _stamps(out)
    assert ts[0] >= slots[0][0] - 0.05  # waited for the first slot
    for (a0, b0), (a1, b1) in zip(slots, slots[1:]):
        inside = [t for t in ts if b0 + 0.15 < t < a1 - 0.15]
        assert not inside, f"child ran during the planned pause {b0}-{a1}: {inside[:3]}"
    gaps = _gaps(ts)
    assert len(gaps) == len(slots) - 1
    for (ga, gb), (s0, s1) in zip(gaps, zip(slots, slots[1:])):
        assert gb - ga == pytest.approx(s1[0] - s0[1], abs=0.35)
    assert "paused until" in p.stderr and "resumed" in p.stderr
    # the stored run records plan, actual slots and the by-forecast comparison
    from wattwise.store import open_store

    st = open_store(str(db))
    run = st.get_run(_json(p.stdout)["run_id"])
    st.close()
    saved = run["result"]["schedule"]
    assert saved["actual_slots"] == rec["actual_slots"]
    assert saved["baseline_emissions_by_forecast_gco2e"] > saved["actual_emissions_by_forecast_gco2e"] > 0
    assert saved["savings_pct"] > 0


def test_paused_child_resumed_when_wattwise_is_killed(tmp_path, child, wattwise_cmd):
    f, T = _forecast(tmp_path, {(4, 6): 100, (12, 14): 100})
    out = tmp_path / "ts.txt"
    w = subprocess.Popen([*wattwise_cmd, "run", "--no-store", "--region", "GB", "--within", "10s", "--duration", "3s",
                          "--forecast", str(f), "--pause-resume", "--", "python3", str(child), str(out), "3"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pidf = Path(str(out) + ".pid")
    pid = None
    deadline = time.time() + 30
    # wait until the child is stopped by the plan
    while time.time() < deadline:
        if pid is None and pidf.exists() and pidf.read_text():
            pid = int(pidf.read_text())
        if pid is not None and _stopped(pid):
            break
        time.sleep(0.05)
    assert pid is not None and _stopped(pid), "the plan never paused the child"
    n_before = len(_stamps(out))
    w.send_signal(signal.SIGKILL)
    w.wait(timeout=10)
    t_kill = time.time()
    while _stopped(pid) and time.time() - t_kill < 5:
        time.sleep(0.05)
    assert not _stopped(pid), "child left stopped after wattwise died"
    while _alive(pid) and time.time() - t_kill < 15:
        time.sleep(0.1)
    ts = _stamps(out)
    assert len(ts) > n_before  # it went on working after wattwise's death
    assert ts[n_before] - t_kill < 1.5


def test_ctrl_c_during_pause_stops_cleanly(tmp_path, child, wattwise_cmd):
    f, T = _forecast(tmp_path, {(4, 6): 100, (12, 14): 100})
    out = tmp_path / "ts.txt"
    w = subprocess.Popen([*wattwise_cmd, "run", "--no-store", "--region", "GB", "--within", "10s", "--duration", "3s",
                          "--forecast", str(f), "--pause-resume", "--json", "--", "python3", str(child), str(out), "3"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pidf = Path(str(out) + ".pid")
    deadline = time.time() + 30
    pid = None
    while time.time() < deadline:
        if pid is None and pidf.exists() and pidf.read_text():
            pid = int(pidf.read_text())
        if pid is not None and _stopped(pid):
            break
        time.sleep(0.05)
    assert pid is not None and _stopped(pid)
    w.send_signal(signal.SIGINT)
    so, se = w.communicate(timeout=20)
    assert w.returncode == 130, se
    assert Path(str(out) + ".int").exists()  # the child was resumed and got the interrupt
    assert not _alive(pid)
    assert _json(so)["schedule"]["interrupted"] is True


def test_job_that_exits_early_ends_the_plan(tmp_path, child, wattwise_cmd):
    f, T = _forecast(tmp_path, {(3, 5): 100, (12, 14): 100})
    out = tmp_path / "ts.txt"
    t0 = time.time()
    p = subprocess.run([*wattwise_cmd, "run", "--no-store", "--region", "GB", "--within", "12s", "--duration", "4s",
                        "--forecast", str(f), "--pause-resume", "--json", "--", "python3", str(child), str(out), "1", "3"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 3
    rec = _json(p.stdout)["schedule"]
    assert rec["ended_early"] is True and rec["actual_pauses"] == 0
    assert time.time() - t0 < 12  # did not sit through the rest of the plan


def test_flexible_start_waits_with_a_countdown(tmp_path, child, wattwise_cmd):
    f, T = _forecast(tmp_path, {(5, 7): 50})
    out = tmp_path / "ts.txt"
    p = subprocess.run([*wattwise_cmd, "run", "--no-store", "--region", "GB", "--within", "8s", "--duration", "1s",
                        "--forecast", str(f), "--json", "--", "python3", str(child), str(out), "0.5"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "cleanest window for a 1.0 s job in GB starts" in p.stderr and "starting now" in p.stderr
    plan = _json(p.stdout)["schedule"]["plan"]
    from wattwise.units import parse_time

    start = parse_time(plan["start"]).timestamp()
    assert T + 4 <= start <= T + 6
    ts = _stamps(out)
    assert ts[0] >= start - 0.05 and ts[0] - start < 1.5
    assert not _gaps(ts)


def test_fresher_forecast_replans_before_start(tmp_path, child, wattwise_cmd):
    f, T = _forecast(tmp_path, {(12, 14): 50}, span=40)
    out = tmp_path / "ts.txt"
    w = subprocess.Popen([*wattwise_cmd, "run", "--no-store", "--region", "GB", "--within", "14s", "--duration", "1s",
                          "--forecast", str(f), "--", "python3", str(child), str(out), "0.3"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    # a new forecast: the cleanest hour is now, and the old one is not clean any more
    vals = [900.0] * 2 + [10.0] * 6 + [900.0] * 40
    tmp = tmp_path / "f.tmp"
    write_series(tmp, T - 2, 1.0, vals)
    os.replace(tmp, f)
    so, se = w.communicate(timeout=40)
    assert w.returncode == 0, se
    assert "fresher forecast: re-planned" in se
    ts = _stamps(out)
    assert ts and ts[0] < T + 9  # started well before the originally planned T+12


def test_no_forecast_runs_now(tmp_path, child, wattwise_cmd):
    out = tmp_path / "ts.txt"
    t0 = time.time()
    p = subprocess.run([*wattwise_cmd, "run", "--no-store", "--region", "GB", "--within", "1h", "--duration", "1s",
                        "--", "python3", str(child), str(out), "0.2"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0
    assert "no forecast available" in p.stderr and "starting now" in p.stderr
    assert _stamps(out)[0] - t0 < 5


def test_within_needs_a_duration(tmp_path, child, wattwise_cmd):
    db = tmp_path / "runs.db"
    p = subprocess.run([*wattwise_cmd, "run", "--store", str(db), "--region", "GB", "--within", "1h", "--",
                        "python3", str(child), str(tmp_path / "ts.txt"), "0.2"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "add --duration" in p.stderr
    from wattwise.store import open_store

    st = open_store(str(db))
    assert st.count_runs() == 0  # nothing half-recorded
    st.close()
