"""Planned off the hour: plans start and pause on the forecast's own interval boundaries, or
now, or where the window ends: wherever the cost can change, and nowhere else."""
from __future__ import annotations

import json
import subprocess

import pytest
import schedule_ref as ref
from schedule_helpers import write_series

from wattwise.schedule import schedule, windows
from wattwise.schedule.grid import cut, densify, next_boundary
from wattwise.schedule.profile import Profile
from wattwise.series import from_points

H = 3600.0
T0 = 1_704_067_200.0  # 2024-01-01T00:00Z
NOW = T0 + 3 * H + 57 * 60 + 37  # 03:57:37, off the hour
K = 1 / 3.6e6


def _series(vals, step=H, t0=T0):
    return from_points([(t0 + i * step, v) for i, v in enumerate(vals)])


def _dip(n=48, clean=(9, 10), dirty=400.0):
    """Rising dirty hours with a clean 80 g/kWh dip over the given hours."""
    return [80.0 if k in clean else dirty + k for k in range(n)]


def test_planning_cells_are_the_forecast_intervals_from_now():
    d = densify(_series(_dip()))
    c = cut(d, NOW, NOW + 14 * H)
    assert c.starts[:3] == (NOW, T0 + 4 * H, T0 + 5 * H)
    assert c.lengths[0] == pytest.approx(143.0) and c.lengths[1:-1] == (H,) * (len(c) - 2)
    assert c.cuts[-1] == pytest.approx(NOW + 14 * H) and c.lengths[-1] == pytest.approx(H - 143.0)
    assert c.mean[0] == 403.0  # the rest of the 03:00 interval, not a mix with the next
    # on a boundary (or within a millisecond of one) the cells are whole steps from now
    for now in (T0 + 4 * H, T0 + 4 * H - 0.0004, T0 + 4 * H + 0.0004):
        assert next_boundary(d, now) == now
        assert cut(d, now, now + 6 * H).starts == tuple(now + k * H for k in range(6))


def test_flexible_start_begins_exactly_when_the_dip_does():
    s = _series(_dip())
    d = densify(s)
    end = NOW + 2 * H + 12 * H
    fs = windows.best_flexible_start(d, NOW, end, 2 * H, 12 * H, Profile.flat(1000, 2 * H))
    assert fs.slots == ((T0 + 9 * H, T0 + 11 * H),)
    assert fs.total_g == pytest.approx(K * 1000 * 2 * H * 80)  # not a second in a dirty hour
    # whole hours from now (the cell model of earlier versions) could only straddle the dip's edges
    grid_from_now = min(K * 1000 * s.mean_over(NOW + k * H, NOW + (k + 2) * H)[0] * 2 * H for k in range(13))
    assert grid_from_now > fs.total_g
    assert fs.total_g == pytest.approx(ref.flexible_start(s, NOW, 2 * H, 12 * H, ref.Power.flat(1000, 2 * H), 1)[0])


def test_pause_resume_uses_whole_forecast_intervals():
    s = _series(_dip(clean=(6, 9, 10)))
    plan = schedule("3h", "12h", region="DE", forecast=s, now=NOW, pause_resume=True)
    assert plan.slots == ((T0 + 6 * H, T0 + 7 * H), (T0 + 9 * H, T0 + 11 * H))
    assert plan.emissions_g == pytest.approx(K * 1000 * 3 * H * 80)
    # with constraints (the dynamic programme) the chunks still sit on hour boundaries
    one = schedule("3h", "12h", region="DE", forecast=s, now=NOW, pause_resume=True, max_pauses=0, idle_w=100)
    assert one.slots == ((T0 + 8 * H, T0 + 11 * H),) or one.slots == ((T0 + 9 * H, T0 + 12 * H),)
    assert all(a % H == 0 and b % H == 0 for a, b in one.slots)


def test_fractional_job_partial_piece_sits_at_an_interval_edge():
    vals = _dip(clean=(9, 10))
    vals[14] = 100.0  # a fairly clean hour later on: the half hour goes there
    s = _series(vals)
    plan = schedule("2.5h", "12h", region="DE", forecast=s, now=NOW, pause_resume=True)
    assert plan.slots == ((T0 + 9 * H, T0 + 11 * H), (T0 + 14 * H, T0 + 14.5 * H))
    assert plan.emissions_g == pytest.approx(K * 1000 * (2 * H * 80 + 0.5 * H * 100))


def test_start_now_is_still_a_candidate():
    """The current interval is the cleanest: the plan starts now and runs the rest of it first."""
    vals = [400.0] * 48
    vals[3] = 10.0  # 03:00-04:00, the interval we are in
    s = _series(vals)
    fs = schedule("1h", "6h", region="DE", forecast=s, now=NOW)
    assert fs.start == NOW and fs.wait_s == 0
    assert fs.emissions_g == pytest.approx(K * 1000 * (143 * 10 + (H - 143) * 400))
    assert fs.savings_pct == pytest.approx(0.0, abs=1e-9)


def test_partial_first_slot_starting_now():
    """Pause & Resume may take the rest of the current clean interval as a short first slot."""
    now = T0 + 3.5 * H
    vals = [400.0] * 48
    vals[3], vals[6] = 10.0, 50.0
    s = _series(vals)
    pr = windows.best_pause_resume(densify(s), now, now + 1.5 * H + 6 * H, 1.5 * H, Profile.flat(1000, 1.5 * H))
    assert pr.slots == ((now, T0 + 4 * H), (T0 + 6 * H, T0 + 7 * H))
    assert pr.total_g == pytest.approx(K * 1000 * (0.5 * H * 10 + H * 50))


def test_ties_prefer_the_earliest_start_which_is_aligned():
    """A clean plateau 08:00-12:00: 08:00 and 08:57:37 cost the same; the earlier, aligned start wins."""
    s = _series(_dip(clean=(8, 9, 10, 11)))
    fs = schedule("2h", "12h", region="DE", forecast=s, now=NOW)
    assert fs.start == T0 + 8 * H
    pr = schedule("2h", "12h", region="DE", forecast=s, now=NOW, pause_resume=True)
    assert pr.slots == ((T0 + 8 * H, T0 + 10 * H),)


def test_quarter_hourly_forecast_aligns_to_quarter_hours():
    vals = [300.0 + i for i in range(96)]
    for i in range(20, 26):  # 05:00-06:30 clean
        vals[i] = 40.0
    s = _series(vals, step=900)
    now = T0 + 2 * H + 7 * 60 + 11  # 02:07:11
    plan = schedule("90min", "6h", region="DE", forecast=s, now=now)
    assert plan.slots == ((T0 + 5 * H, T0 + 6.5 * H),)
    assert plan.forecast.to_dict(now)["resolution_s"] == 900


def test_measured_profile_on_the_aligned_grid():
    """A light first hour and a heavy second one: the heavy hour meets the clean interval exactly."""
    prof = Profile(2 * H, (0.0, H, 2 * H), (0.0, 100 * H, 100 * H + 2000 * H), "test")
    vals = [500.0] * 12
    vals[6] = 20.0
    s = _series(vals)
    now = T0 + 0.5 * H
    fs = windows.best_flexible_start(densify(s), now, now + 2 * H + 5 * H, 2 * H, 5 * H, prof)
    assert fs.slots == ((T0 + 5 * H, T0 + 7 * H),)
    assert fs.total_g == pytest.approx(K * (100 * H * 500 + 2000 * H * 20))
    b = ref.flexible_start(s, now, 2 * H, 5 * H, ref.Power(prof.knots_t, prof.knots_e), 1800)
    assert b == (pytest.approx(fs.total_g), T0 + 5 * H)


def test_flexible_start_never_beats_pause_resume_off_the_hour():
    """Dodge et al.'s ordering holds with both grids, on many planning times within an hour."""
    vals = [100 + (k * 37) % 250 for k in range(60)]
    s = _series(vals)
    d = densify(s)
    for off in range(0, 3600, 97):
        now = T0 + 2 * H + off
        for D in (2 * H, 2.5 * H, 0.75 * H):
            prof = Profile.flat(500, D)
            fs = windows.best_flexible_start(d, now, now + D + 8 * H, D, 8 * H, prof)
            pr = windows.best_pause_resume(d, now, now + D + 8 * H, D, prof)
            assert pr.total_g <= fs.total_g * (1 + 1e-12)


# -- the command's human output --------------------------------------------------------------
def test_cli_prints_whole_minutes_and_spans_without_zero_parts(tmp_path, wattwise_cmd):
    f = write_series(tmp_path / "dip.csv", T0, H, _dip())
    args = [*wattwise_cmd, "schedule", "--duration", "2h", "--within", "12h", "--region", "DE", "--forecast", str(f),
            "--now", "2024-01-01T03:57:37Z"]
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "Plan for a 2 h job in DE (flexible start within +12 h;" in out
    assert "  run    2024-01-01 09:00 UTC -> 2024-01-01 11:00 UTC  (2 h)\n" in out
    assert "  starts in 5 h 2 min\n" in out  # 5 h 2 min 23 s: the seconds come from the planning time
    assert " 0 min" not in out and "min 0 s" not in out and ":37" not in out
    p = subprocess.run([*args, "--json"], capture_output=True, text=True, timeout=60)
    d = json.loads(p.stdout.strip().splitlines()[-1])
    assert d["start"] == "2024-01-01T09:00:00.000+00:00" and d["wait_s"] == pytest.approx(5 * H + 2 * 60 + 23)


def test_cli_start_now_and_partial_slot(tmp_path, wattwise_cmd):
    vals = [400.0] * 48
    vals[3], vals[6] = 10.0, 50.0
    f = write_series(tmp_path / "now.csv", T0, H, vals)
    p = subprocess.run([*wattwise_cmd, "schedule", "--duration", "1h30min", "--within", "6h", "--region", "DE",
                        "--forecast", str(f), "--now", "2024-01-01T03:30:20Z", "--pause-resume"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    # the rest of the clean current hour (03:30:20-04:00) and the 20 s the whole hours leave over,
    # then 06:00-07:00; the pause (1 h 59 min 40 s) is shown to the minute
    assert "  run    2024-01-01 03:30 UTC -> 2024-01-01 04:00 UTC  (30 min)\n" in out
    assert "  pause  2024-01-01 04:00 UTC -> 2024-01-01 06:00 UTC  (2 h)\n" in out
    assert "  run    2024-01-01 06:00 UTC -> 2024-01-01 07:00 UTC  (1 h)\n" in out
    assert "  starts now\n" in out and "saves 86.0 %" in out


def test_cli_sub_minute_forecast_keeps_seconds(tmp_path, wattwise_cmd):
    vals = [300.0] * 200
    for i in range(90, 120):
        vals[i] = 20.0
    f = write_series(tmp_path / "secs.csv", T0, 10, vals)
    p = subprocess.run([*wattwise_cmd, "schedule", "--duration", "5min", "--within", "20min", "--region", "DE",
                        "--forecast", str(f), "--now", "2024-01-01T00:00:03Z"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "  run    2024-01-01 00:15:00 UTC -> 2024-01-01 00:20:00 UTC  (5 min)\n" in p.stdout


@pytest.mark.parametrize("zone", ["US-CAL-CISO", "DE-LU", "AU-NSW"])
def test_never_costlier_than_whole_steps_from_now(hourly_dir, zone):
    """Real hourly data planned at random seconds: never costlier than any plan on whole steps
    from now (the cell model of earlier versions, costed here from the Series), and often cheaper."""
    import random

    from wattwise.series import read_series

    s = read_series(hourly_dir / zone / f"{zone}_2023_hourly.csv.gz")
    d = densify(s)
    rng = random.Random(zone)
    wins = 0
    for _ in range(40):
        now = d.t0 + rng.randrange(0, 8600) * H + rng.uniform(1, 3599)
        D, N = rng.choice([2, 3, 6]) * H, rng.choice([3, 12]) * H
        prof = Profile.flat(1000, D)
        hours = [s.mean_over(now + k * H, now + (k + 1) * H)[0] for k in range(int((D + N) / H))]
        m = int(D / H)
        old_fs = min(sum(hours[k:k + m]) for k in range(int(N / H) + 1)) * K * 1000 * H
        old_pr = sum(sorted(hours)[:m]) * K * 1000 * H
        fs = windows.best_flexible_start(d, now, now + D + N, D, N, prof)
        pr = windows.best_pause_resume(d, now, now + D + N, D, prof)
        for new, old in ((fs.total_g, old_fs), (pr.total_g, old_pr)):
            assert new <= old * (1 + 1e-12)
            wins += new < old * (1 - 1e-9)
    assert wins >= 20  # of 80 plans: the boundaries matter, they are not a formality
