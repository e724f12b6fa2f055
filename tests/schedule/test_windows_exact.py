"""Every plan equals an exhaustive search (schedule_brute), on real and adversarial series."""
from __future__ import annotations

import math
import random

import pytest
import schedule_brute as bf
from schedule_helpers import ZONE_DIRS

from wattwise.schedule import windows
from wattwise.schedule.grid import cells, densify
from wattwise.schedule.profile import Profile
from wattwise.series import from_points, read_series

H = 3600.0
T0 = 1_704_067_200.0  # 2024-01-01T00:00Z


def _series(vals, step=H, t0=T0):
    return from_points([(t0 + i * step, v) for i, v in enumerate(vals)])


def _check(s, now, D, N, *, prof=None, idle_w=0.0, min_run=None, max_pauses=None, end=None):
    """Plan FS and P&R and compare both with brute force; return (fs, pr) placements."""
    d = densify(s)
    step = d.step
    prof = prof or Profile.flat(1000, D)
    energy = prof.energy
    end = min(now + D + N, d.end) if end is None else end
    c = cells(d, now, end)
    fs = windows.flexible_start(c, d, D, N, prof)
    b_fs = bf.flexible_start(s, now, step, D, N, end, energy)
    assert (fs is None) == (b_fs[1] is None)
    if fs is not None:
        assert fs.total_g == pytest.approx(b_fs[0], rel=1e-9)
        assert fs.pauses == 0 and fs.end - fs.start == pytest.approx(D)
        assert fs.start - now <= N + 1e-6
    pr = windows.pause_resume(c, d, D, prof, idle_w=idle_w, min_run_s=min_run, max_pauses=max_pauses)
    b_pr = bf.pause_resume(s, now, step, D, end, energy, idle_w=idle_w, min_run=min_run or 0.0, max_pauses=max_pauses)
    assert (pr is None) == (b_pr[1] is None)
    if pr is not None:
        assert pr.total_g == pytest.approx(b_pr[0], rel=1e-9, abs=1e-12)
        run, idle = windows.evaluate(d, now, step, pr.slots, prof, idle_w)
        assert run + idle == pytest.approx(pr.total_g, rel=1e-9, abs=1e-12)
        assert sum(b - a for a, b in pr.slots) == pytest.approx(D)
        assert pr.slots[0][0] >= now - 1e-6 and pr.slots[-1][1] <= end + 1e-6
        if max_pauses is not None:
            assert pr.pauses <= max_pauses
        if min_run:
            assert all(b - a >= min(min_run, D) - 1e-6 for a, b in pr.slots)
    if fs is not None and pr is not None and not idle_w and not min_run and max_pauses is None:
        assert pr.total_g <= fs.total_g + 1e-9  # Dodge et al.: FS is a lower bound of P&R's saving
    return fs, pr


# -- real series: all 16 zones of the Electricity Maps hourly exports ----------------------
@pytest.mark.parametrize("zone", ZONE_DIRS)
def test_real_zone_against_brute_force(hourly_dir, zone):
    s = read_series(hourly_dir / zone / f"{zone}_2023_hourly.csv.gz")
    assert len(s) == 8760
    rng = random.Random(zone)
    d = densify(s)
    n_checked = 0
    for _ in range(4):
        i = rng.randrange(0, 8760 - 80)
        now = s.t[i] + rng.choice([0.0, 0.0, 1200.0])  # on and off the hour
        # Flexible Start over Dodge's 8 windows for a 6 h job
        for N in (6 * H, 12 * H, 18 * H, 24 * H, 0.25 * 6 * H, 0.5 * 6 * H, 0.75 * 6 * H, 6 * H):
            c = cells(d, now, now + 6 * H + N)
            fs = windows.flexible_start(c, d, 6 * H, N, Profile.flat(1000, 6 * H))
            b = bf.flexible_start(s, now, H, 6 * H, N, now + 6 * H + N, bf.flat(1000))
            assert fs.total_g == pytest.approx(b[0], rel=1e-9)
            n_checked += 1
        # Pause & Resume, exhaustive: unconstrained, fractional duration, constrained with idle power
        _check(s, now, 5 * H, 6 * H)
        _check(s, now, 4.5 * H, 4 * H)
        _check(s, now, 5 * H, 5 * H, idle_w=150, min_run=2 * H, max_pauses=1)
        _check(s, now, 4 * H, 6 * H, max_pauses=1)
        n_checked += 4
    assert n_checked == 48


def test_real_zone_pause_resume_wide_windows(hourly_dir):
    """Dodge's +24 h window on a 6 h job (30 cells): greedy equals the DP, and FS <= P&R."""
    s = read_series(hourly_dir / "US-CAL-CISO" / "US-CAL-CISO_2023_hourly.csv.gz")
    d = densify(s)
    rng = random.Random(7)
    for _ in range(25):
        now = s.t[rng.randrange(0, 8700)]
        c = cells(d, now, now + 30 * H)
        prof = Profile.flat(300, 6 * H)
        g = windows.pause_resume_greedy(c, d, 6 * H, prof)
        dp = windows.pause_resume_dp(c, d, 6 * H, prof)
        fs = windows.flexible_start(c, d, 6 * H, 24 * H, prof)
        assert g.total_g == pytest.approx(dp.total_g, rel=1e-9)
        assert g.total_g <= fs.total_g + 1e-9
        # the greedy's cost is the m cheapest hours, computed independently here
        hours = sorted(s.mean_over(now + k * H, now + (k + 1) * H)[0] for k in range(30))
        assert g.total_g == pytest.approx(300 * H * sum(hours[:6]) / 3.6e6, rel=1e-9)


# -- adversarial synthetic series -----------------------------------------------------------
def test_ties_and_plateaus_pick_earliest():
    s = _series([100.0] * 30)
    fs, pr = _check(s, T0, 3 * H, 6 * H)
    assert fs.start == T0  # all equal: start now
    assert pr.slots == ((T0, T0 + 3 * H),)  # and no needless pause
    s = _series([200, 200, 50, 50, 50, 50, 200, 50, 50, 50, 200, 200, 200] + [300] * 10)
    fs, pr = _check(s, T0, 3 * H, 8 * H)
    assert fs.start == T0 + 2 * H  # first of two equal plateaus
    assert pr.slots == ((T0 + 2 * H, T0 + 5 * H),)


def test_plateau_with_fraction_keeps_chunk_together():
    s = _series([300, 80, 80, 80, 300, 300, 300, 300] * 3)
    fs, pr = _check(s, T0, 2.5 * H, 3 * H)
    assert pr.pauses == 0


def test_gaps_are_interpolated_and_reported(tmp_path):
    from wattwise.schedule import schedule

    # hours 3..6 missing: filled linearly between 100 (h2) and 500 (h7)
    vals = {0: 400, 1: 400, 2: 100, 7: 500, 8: 20, 9: 20, 10: 400, 11: 400, 12: 400, 13: 400}
    gappy = from_points([(T0 + h * H, v) for h, v in vals.items()])
    assert gappy.gaps
    filled = _series([400, 400, 100, 180, 260, 340, 420, 500, 20, 20, 400, 400, 400, 400])
    d = densify(gappy)
    assert d.v == pytest.approx(densify(filled).v)
    _check(filled, T0, 3 * H, 6 * H)
    plan = schedule(3 * H, 6 * H, region="DE", forecast=gappy, now=T0, pause_resume=True)
    exp = bf.pause_resume(filled, T0, H, 3 * H, T0 + 9 * H, bf.flat(1000))
    assert plan.emissions_g == pytest.approx(exp[0])
    assert any("gap" in n and "interpolation" in n for n in plan.notes)


def test_dst_changes_in_local_offsets(tmp_path):
    """Timestamps written in local time with offsets across both 2024 Europe/Berlin changes."""
    from datetime import datetime, timedelta, timezone

    from wattwise.schedule import schedule

    rows = ["datetime,g_per_kwh"]
    vals = []
    for start in ("2024-03-30T20:00:00+00:00", "2024-10-26T20:00:00+00:00"):
        t = datetime.fromisoformat(start)
        for i in range(30):
            u = t + timedelta(hours=i)
            local_off = 1 if (u < datetime(2024, 3, 31, 1, tzinfo=timezone.utc) or u >= datetime(2024, 10, 27, 1, tzinfo=timezone.utc)) else 2
            loc = u.astimezone(timezone(timedelta(hours=local_off)))
            v = 100 + (37 * i) % 250
            rows.append(f"{loc.isoformat()},{v}")
            vals.append((u.timestamp(), v))
    p = tmp_path / "berlin.csv"
    p.write_text("\n".join(rows) + "\n")
    s = read_series(p)
    assert s.resolution_s == H
    # the local clock repeats 02:00-03:00 in October and skips it in March; UTC is continuous
    for start in (datetime(2024, 3, 30, 22, tzinfo=timezone.utc), datetime(2024, 10, 26, 22, tzinfo=timezone.utc)):
        now = start.timestamp()
        seg = from_points([(t, v) for t, v in vals if now - H <= t < now + 40 * H])
        _check(seg, now, 5 * H, 6 * H)
        plan = schedule("5h", "6h", region="DE", forecast=str(p), now=now, pause_resume=True)
        exp = bf.pause_resume(seg, now, H, 5 * H, now + 11 * H, bf.flat(1000))
        assert plan.emissions_g == pytest.approx(exp[0])


def test_series_shorter_than_the_window():
    from wattwise.schedule import schedule

    s = _series([300, 300, 100, 50, 400, 400])  # 6 h known
    plan = schedule("2h", "12h", region="GB", forecast=s, now=T0)
    assert plan.available and plan.start == T0 + 2 * H
    assert any("horizon" in n for n in plan.notes)
    _check(s, T0, 2 * H, 12 * H)  # brute force within what is known
    short = schedule("8h", "12h", region="GB", forecast=s, now=T0)
    assert not short.available and short.policy == "now" and short.emissions_g is None
    assert "shorter than the job" in short.notes[0] and "run now" in short.notes[0]


def test_sub_hourly_and_mixed_resolution():
    """15-min values for the first 6 h, then hourly: resampled to 15 min, plans still exact."""
    pts = [(T0 + i * 900, 100 + (i * 53) % 200) for i in range(24)]
    pts += [(T0 + 6 * H + i * H, 50 + (i * 71) % 300) for i in range(12)]
    s = from_points(pts)
    assert s.resolution_s == 900
    _check(s, T0 + 300, 1.5 * H, 1 * H)
    _check(s, T0 + 5 * H, 1.25 * H, 1.25 * H, max_pauses=1)


@pytest.mark.parametrize("seed", range(6))
def test_random_instances(seed):
    """Random small instances with ties, unaligned starts, fractions, profiles and all constraints."""
    rng = random.Random(seed)
    for _ in range(60):
        step = rng.choice([300.0, 1800.0, 3600.0])
        vals = [rng.choice([10, 20, 20, 30, 50, 80, 100, 100]) for _ in range(36)]
        s = _series(vals, step)
        now = T0 + step * (rng.randint(0, 2) + rng.choice([0, 0, 0.3, 0.5]))
        D = step * rng.choice([0.5, 1, 2, 2.5, 3, 3.25, 4])
        N = step * rng.choice([0, 1, 1.5, 2, 3, 4, 2.75])
        prof = None
        if rng.random() < 0.3:
            prof = Profile(D, (0.0, D / 3, D), (0.0, 500 * D / 3, 500 * D / 3 + 4000 * D / 3), "two-phase")
        _check(s, now, D, N, prof=prof, idle_w=rng.choice([0, 0, 200, 1000]),
               min_run=rng.choice([None, None, step, 1.5 * step, 2 * step]), max_pauses=rng.choice([None, None, 0, 1, 2]))


def test_idle_power_changes_the_plan():
    """Dodge et al. counted pauses as free; with a large idle draw one block beats two split hours."""
    s = _series([50, 400, 400, 400, 50, 60, 300, 300, 300, 300, 300, 300])
    _, free = _check(s, T0, 2 * H, 4 * H)
    assert free.slots == ((T0, T0 + H), (T0 + 4 * H, T0 + 5 * H))
    _, costly = _check(s, T0, 2 * H, 4 * H, idle_w=800)
    assert costly.slots == ((T0 + 4 * H, T0 + 6 * H),)
    assert costly.idle_g == 0.0 and free.idle_g == 0.0


def test_measured_profile_prefers_heavy_phase_in_clean_hours():
    # the job draws 100 W for its first hour, then 2 kW: the heavy part should meet the clean hour
    prof = Profile(2 * H, (0.0, H, 2 * H), (0.0, 100 * H, 100 * H + 2000 * H), "test")
    s = _series([500, 500, 20, 500, 500, 500])
    fs, pr = _check(s, T0, 2 * H, 3 * H, prof=prof)
    assert fs.start == T0 + H  # light hour at 500, heavy at 20
    assert math.isclose(fs.total_g, (100 * H * 500 + 2000 * H * 20) / 3.6e6)
