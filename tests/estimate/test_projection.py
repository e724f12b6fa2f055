"""Early prediction: Tracker.progress()/epoch_end(), the projection maths, and the `wattwise run` file channel."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import wattwise
from wattwise.errors import UsageError
from wattwise.projection import ENV_FILE, Point, ProgressChannel, parse_line, project, report_epoch, report_progress


class CounterSensor:
    """A sensor whose cumulative energy the test sets: makes projections exact."""

    method = "measured"
    attribution = "none"
    component = "gpu:0"
    source = "test counter"

    def __init__(self):
        self.j = 0.0

    def read_energy_j(self) -> float:
        return self.j


def _tracker(tmp_path, **kw):
    s = CounterSensor()
    t = wattwise.Tracker(region="FR", interval=3600, store=str(tmp_path / "runs.db"), sensors=[s],
                         install_handlers=False, **kw)
    return t, s


def test_project_is_linear_in_progress_with_a_range():
    pts = [Point(10.0, 1, 100.0, 5.0), Point(20.0, 2, 300.0, 15.0)]
    p = project(pts, total=10, start_ts=0.0, pue=1.5)
    assert p.projected_energy_j == pytest.approx(300 / 2 * 10)
    assert p.projected_emissions_g == pytest.approx(15 / 2 * 10)
    assert p.projected_duration_s == pytest.approx(20 / 2 * 10)
    assert p.remaining_s == pytest.approx(80)
    # slowest and fastest observed rates (100 J and 200 J per unit) for the 8 units left
    assert p.range_energy_j == (pytest.approx(300 + 100 * 8), pytest.approx(300 + 200 * 8))
    d = p.to_dict()
    assert d["projected_facility_energy_kwh"] == pytest.approx(1500 * 1.5 / 3.6e6)
    assert d["fraction"] == 0.2 and "carbontracker" in d["method"]
    assert project([Point(1.0, 0, 5.0, None)], total=10, start_ts=0.0, pue=1) is None  # nothing done yet


def test_tracker_progress_projects_and_stores(tmp_path):
    t, s = _tracker(tmp_path)
    with t:
        s.j = 1000.0
        p1 = t.progress(1, 4)
        assert p1.projected_energy_j == pytest.approx(4000.0)
        assert p1.projected_emissions_g == pytest.approx(4000 / 3.6e6 * t.pue * t.intensity.g_per_kwh)
        s.j = 3000.0
        p2 = t.progress(2)  # the total is remembered
        assert p2.projected_energy_j == pytest.approx(6000.0)
        assert t.projection is p2
    r = t.result.to_dict()
    assert r["projection"]["done"] == 2 and r["projection"]["total"] == 4
    assert r["projection"]["projected_energy_kwh"] == pytest.approx(6000 / 3.6e6)
    assert [h["done"] for h in r["projection_history"]] == [1, 2]
    from wattwise.store import open_store

    stored = open_store(str(tmp_path / "runs.db")).get_run(t.run_id)["result"]
    assert stored["projection"]["projected_energy_kwh"] == pytest.approx(6000 / 3.6e6)


def test_epoch_end_with_the_epochs_hint(tmp_path):
    t, s = _tracker(tmp_path, epochs=5)
    with t:
        for i in range(1, 3):
            s.j = 500.0 * i
            p = t.epoch_end()
        assert (p.done, p.total, p.unit) == (2, 5, "epoch")
        assert p.projected_energy_j == pytest.approx(2500.0)


def test_bad_progress_warns_and_never_raises(tmp_path):
    t, s = _tracker(tmp_path)
    with t:
        assert t.epoch_end() is None  # no epochs hint, no total
        assert t.progress(1) is None  # no total
        assert t.progress(-1, 10) is None
        assert t.progress(11, 10) is None
        s.j = 10.0
        assert t.progress(5, 10) is not None
        assert t.progress(3, 10) is None  # backwards
    assert any("needs the number of epochs" in w for w in t.result.warnings)
    assert any("went backwards" in w for w in t.result.warnings)


def test_nonsense_epochs_hint_is_ignored_with_a_warning(tmp_path):
    t, s = _tracker(tmp_path, epochs=-3)
    with t:
        s.j = 5.0
        assert t.epoch_end() is None
    assert any("epochs=-3 ignored" in w for w in t.result.warnings)


def test_strict_mode_raises(tmp_path):
    t, _ = _tracker(tmp_path, strict=True)
    with t:
        with pytest.raises(UsageError, match="exceeds the total"):
            t.progress(11, 10)


def test_progress_before_start_is_ignored(tmp_path):
    t, _ = _tracker(tmp_path)
    assert t.progress(1, 2) is None


@pytest.mark.parametrize("line,msg", [
    ('{"done": 3, "total": 10}', {"done": 3, "total": 10}),
    ("3/10", {"done": 3.0, "total": 10.0}),
    ("7", {"done": 7.0, "total": None}),
    ('{"t": 1, "epoch_end": true}', {"epoch_end": True}),
    ("epoch", {"epoch_end": True}),
    ("hello", None),
    ("{bad json", None),
])
def test_parse_line(line, msg):
    assert parse_line(line) == msg


def test_report_helpers_outside_wattwise_run(monkeypatch):
    monkeypatch.delenv(ENV_FILE, raising=False)
    assert report_progress(1, 2) is False and report_epoch() is False


def test_report_helpers_write_lines_and_skip_other_ranks(monkeypatch, tmp_path):
    f = tmp_path / "p.jsonl"
    monkeypatch.setenv(ENV_FILE, str(f))
    assert report_progress(1, 4) is True and report_epoch() is True
    monkeypatch.setenv("RANK", "3")
    assert report_progress(2, 4) is False
    lines = [json.loads(x) for x in f.read_text().splitlines()]
    assert lines[0]["done"] == 1 and lines[0]["total"] == 4 and lines[1]["epoch_end"] is True and len(lines) == 2


def test_channel_feeds_the_tracker(tmp_path):
    t, s = _tracker(tmp_path)
    seen = []
    with t:
        ch = ProgressChannel(t, epochs=4, on_projection=seen.append, directory=str(tmp_path))
        assert ch.env[ENV_FILE] == ch.path and ch.env["WATTWISE_EPOCHS"] == "4"
        with open(ch.path, "a") as f:
            s.j = 100.0
            f.write('{"epoch_end": true}\n')
            f.flush()
            ch.poll()
            s.j = 250.0
            f.write("epoch\nnot a report\n")
            f.write("3/4")  # no trailing newline: read at close
        ch.close()
    assert [p.done for p in seen] == [1, 2, 3]
    assert seen[-1].projected_energy_j == pytest.approx(250 / 3 * 4)
    assert ch.bad_lines == 1 and ch.reports == 3
    assert ch.missing_note() is None
    import os

    assert not os.path.exists(ch.path)


JOB = textwrap.dedent("""
    import time, wattwise
    for e in range(3):
        t = time.time()
        while time.time() - t < 0.3:
            pass
        assert wattwise.report_epoch()
""")


def test_wattwise_run_epochs_end_to_end(tmp_path):
    job = tmp_path / "job.py"
    job.write_text(JOB)
    p = subprocess.run([sys.executable, "-m", "wattwise", "run", "--epochs", "3", "--region", "FR", "--interval", "0.1",
                        "--store", str(tmp_path / "runs.db"), "--json", "--", sys.executable, str(job)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout.strip().splitlines()[-1])
    assert d["projection"]["done"] == 3 and d["projection"]["total"] == 3
    assert d["projection"]["source"] == ENV_FILE
    assert len(d["projection_history"]) == 3
    first = d["projection_history"][0]
    assert first["done"] == 1 and first["projected_energy_kwh"] > 0
    assert "projection after 1/3 epochs" in p.stderr


def test_wattwise_run_epochs_without_reports_says_how(tmp_path):
    p = subprocess.run([sys.executable, "-m", "wattwise", "run", "--epochs", "3", "--region", "FR", "--no-store",
                        "--", sys.executable, "-c", "pass"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "reported no progress" in p.stderr and "wattwise.report_epoch()" in p.stderr


def test_wattwise_run_shell_job_reports_plain_text(tmp_path):
    p = subprocess.run([sys.executable, "-m", "wattwise", "run", "--region", "FR", "--no-store", "--json", "--", "sh", "-c",
                        'echo 1/2 >> "$WATTWISE_PROGRESS_FILE"; sleep 0.3; echo 2/2 >> "$WATTWISE_PROGRESS_FILE"'],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout.strip().splitlines()[-1])
    assert d["projection"]["done"] == 2 and d["projection"]["total"] == 2


def test_wattwise_run_rejects_zero_epochs():
    p = subprocess.run([sys.executable, "-m", "wattwise", "run", "--epochs", "0", "--no-store", "--", "true"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "--epochs 0 must be >= 1" in p.stderr
