"""Replays agree with the planner start by start, and the simulate command reports them."""
from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest
from schedule_helpers import ZONE_DIRS, write_series

from wattwise.errors import UsageError
from wattwise.schedule import replay, simulate, windows
from wattwise.schedule.grid import cells, densify
from wattwise.schedule.profile import Profile
from wattwise.series import from_points, read_series

H = 3600.0
T0 = 1_704_067_200.0


def _engines():
    try:
        import numpy  # noqa: F401
        return ["python", "numpy"]
    except ImportError:
        return ["python"]


@pytest.mark.parametrize("engine", _engines())
@pytest.mark.parametrize("zone", ZONE_DIRS)
def test_replay_matches_planner_on_every_zone(hourly_dir, zone, engine):
    d = densify(read_series(hourly_dir / zone / f"{zone}_2023_hourly.csv.gz"))
    rng = random.Random(zone)
    for D, N in ((6 * H, 12 * H), (5.5 * H, 1.5 * H), (0.5 * H, 6 * H)):
        st = replay.valid_starts(len(d.v), d.step, D, N)
        c = replay.replay_costs(d.v, d.step, D, N, st, engine)
        prof = Profile.flat(1000, D)
        k = 1000 * d.step / 3.6e6
        for i in rng.sample(range(len(st)), 30):
            now = d.t0 + st[i] * d.step
            cl = cells(d, now, now + D + N)
            fs = windows.flexible_start(cl, d, D, N, prof)
            pr = windows.pause_resume(cl, d, D, prof)
            base = windows.flexible_start(cl, d, D, 0, prof)
            assert fs.total_g == pytest.approx(c.fs[i] * k, rel=1e-9)
            assert pr.total_g == pytest.approx(c.pr[i] * k, rel=1e-9)
            assert base.total_g == pytest.approx(c.base[i] * k, rel=1e-9)
            assert pr.pauses + 1 == c.chunks[i]
        assert all(p <= f * (1 + 1e-9) for p, f in zip(c.pr, c.fs))  # FS never beats P&R (prefix-sum rounding aside)


def test_engines_identical_on_full_year(hourly_dir):
    if len(_engines()) < 2:
        pytest.skip("numpy not installed")
    d = densify(read_series(hourly_dir / "GB" / "GB_2023_hourly.csv.gz"))
    for D, N in ((6 * H, 24 * H), (2.5 * H, 0.75 * 2.5 * H)):
        st = replay.valid_starts(len(d.v), d.step, D, N)
        a = replay.replay_costs(d.v, d.step, D, N, st, "python")
        b = replay.replay_costs(d.v, d.step, D, N, st, "numpy")
        assert a.fs == pytest.approx(b.fs, rel=1e-12)
        assert a.pr == pytest.approx(b.pr, rel=1e-12)
        assert a.chunks == b.chunks


def test_simulate_api_and_invariants(hourly_dir):
    sim = simulate(hourly_dir / "DE-LU", "6h", ["12h", "50%"], start="2023-01-01", end="2024-01-01")
    rows = {(r.strategy, r.window): r for r in sim.rows}
    assert set(rows) == {("flexible-start", "+12h"), ("pause-resume", "+12h"), ("flexible-start", "+50%"),
                         ("pause-resume", "+50%")}
    for w in ("+12h", "+50%"):
        fs, pr = rows[("flexible-start", w)], rows[("pause-resume", w)]
        assert 0 < fs.stats["mean_savings_pct"] <= pr.stats["mean_savings_pct"] < 100
        assert fs.pauses_per_hour == 0 and pr.pauses_per_hour > 0
        assert fs.stats["min_savings_pct"] >= 0  # starting now is always a candidate
    assert rows[("flexible-start", "+12h")].stats["mean_savings_pct"] > rows[("flexible-start", "+50%")].stats["mean_savings_pct"]
    assert rows[("pause-resume", "+50%")].window_s == 3 * H
    assert rows[("pause-resume", "+12h")].n == 8760 - 18 + 1


def test_sample_five_per_month(hourly_dir):
    sim = simulate(hourly_dir / "GB", "6h", "12h", sample="5/month", seed=3, start="2023-01-01", end="2024-01-01",
                   pause_resume=True)
    assert sim.rows[0].n == 60  # Dodge et al.: 5 start times a month
    again = simulate(hourly_dir / "GB", "6h", "12h", sample="5/month", seed=3, start="2023-01-01", end="2024-01-01",
                     pause_resume=True)
    assert again.rows[0].stats == sim.rows[0].stats


def test_region_choice(hourly_dir):
    sim = simulate([hourly_dir / "DE-LU", hourly_dir / "GB"], "6h", "12h", region_choice=True,
                   start="2023-01-01", end="2023-03-01")
    r = {(x.region, x.strategy): x.stats["mean_savings_pct"] for x in sim.rows}
    for z in ("DE", "GB"):
        assert r[(z, "region+pause-resume")] >= r[(z, "region+flexible-start")] - 1e-9
        assert r[(z, "region+flexible-start")] >= r[(z, "flexible-start")] - 1e-9
        assert r[(z, "region+flexible-start")] >= r[(z, "region")] - 1e-9
        assert r[(z, "region")] >= 0
    assert r[("DE", "region")] > 20  # GB's grid was much cleaner than Germany's in early 2023


def test_gappy_series_skips_windows_over_gaps(tmp_path):
    vals = {h: 100 + (h * 37) % 200 for h in range(60) if not 20 <= h < 25}
    s = from_points([(T0 + h * H, v) for h, v in vals.items()])
    sim = simulate(s, "3h", "3h")
    assert any("missing" in n for n in sim.notes)
    full = len(replay.valid_starts(60, H, 3 * H, 3 * H))
    assert sim.rows[0].n == full - (5 + 6 - 1)  # starts whose 6 h window touches hours 20-24


def test_bad_inputs(tmp_path):
    with pytest.raises(UsageError, match="window"):
        replay.parse_window("soon")
    with pytest.raises(UsageError, match="sample"):
        simulate(from_points([(T0 + i * H, 1.0 + i) for i in range(48)]), "2h", "2h", sample="often")
    with pytest.raises(UsageError, match="duration"):
        simulate(from_points([(T0 + i * H, 1.0 + i) for i in range(48)]), "0h", "2h")


# -- the command ----------------------------------------------------------------------------
def test_simulate_cli_table_and_json(hourly_dir, wattwise_cmd):
    args = [*wattwise_cmd, "simulate", "--series", str(hourly_dir / "GB"), "--series", str(hourly_dir / "CA-ON"),
            "--duration", "6h", "--window", "6h,100%", "--from", "2023-01-01", "--to", "2024-01-01"]
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "mean %" in p.stdout and "pauses/h" in p.stdout and "Mean over 2 regions" in p.stdout
    assert "GB" in p.stdout and "CA-ON" in p.stdout
    p = subprocess.run([*args, "--json"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout.strip().splitlines()[-1])
    assert {"results", "mean_over_regions", "by_region"} <= set(d)
    for reg in ("GB", "CA-ON"):
        for strat, v in d["by_region"][reg].items():
            assert isinstance(v["mean_savings_pct"], float) and isinstance(v["pauses_per_hour"], float)
    assert len(d["results"]) == 2 * 2 * 2


def test_simulate_cli_bad_series(tmp_path, wattwise_cmd):
    empty = tmp_path / "empty.csv"
    empty.write_text("datetime,g_per_kwh\n")
    bad = tmp_path / "bad.csv"
    write_series(bad, T0, H, [100, 200, 300])
    bad.write_text(bad.read_text() + f"{T0 + 3 * H:.0f},lots\n")
    for f, want in ((empty, "no data rows"), (bad, "line 5, column 2"), (tmp_path / "none.csv", "not found")):
        p = subprocess.run([*wattwise_cmd, "simulate", "--series", str(f), "--duration", "1h", "--window", "1h"],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 2
        assert want in p.stderr and "Traceback" not in p.stderr
        assert len(p.stderr.strip().splitlines()) == 1
    short = write_series(tmp_path / "short.csv", T0, H, [100, 200, 300])
    p = subprocess.run([*wattwise_cmd, "simulate", "--series", str(short), "--duration", "6h"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 2 and "too short" in p.stderr


def test_works_without_numpy(monkeypatch):
    """The package must not need NumPy: with it hidden, replays use the pure-Python engine."""
    monkeypatch.setitem(sys.modules, "numpy", None)
    assert not replay._have_numpy()
    s = from_points([(T0 + i * H, 100 + (i * 37) % 300) for i in range(24 * 10)])
    sim = simulate(s, "3h", "6h")
    fs, pr = sorted(sim.rows, key=lambda r: r.strategy)
    assert 0 < fs.stats["mean_savings_pct"] <= pr.stats["mean_savings_pct"]
