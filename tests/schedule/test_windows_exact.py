"""Every plan is optimal over continuous start and end times: checked against schedule_ref, an
exhaustive search on a grid that holds every breakpoint (see its docstring), on real and
random series with continuous values, planned on and off the forecast's grid."""
from __future__ import annotations

import math
import random

import pytest
import schedule_ref as ref
from schedule_helpers import ZONE_DIRS

from wattwise.schedule import windows
from wattwise.schedule.grid import densify
from wattwise.schedule.profile import Profile
from wattwise.series import from_points, read_series

H = 3600.0
T0 = 1_704_067_200.0  # 2024-01-01T00:00Z


def _series(vals, step=H, t0=T0):
    return from_points([(t0 + i * step, v) for i, v in enumerate(vals)])


def _profile(D, knots=None):
    if knots is None:
        return Profile.flat(1000, D), ref.Power.flat(1000, D)
    kt, ke = knots
    return Profile(D, tuple(kt), tuple(ke), "test profile"), ref.Power(kt, ke)


def _feasible(slots, now, D, end, min_run=None, max_pauses=None):
    assert sum(b - a for a, b in slots) == pytest.approx(D, abs=1e-6)
    assert slots[0][0] >= now - 1e-6 and slots[-1][1] <= end + 1e-6
    assert all(b0 < a1 for (_, b0), (a1, _) in zip(slots, slots[1:]))  # merged, in order
    if max_pauses is not None:
        assert len(slots) - 1 <= max_pauses
    if min_run:
        assert all(b - a >= min(min_run, D) - 1e-6 for a, b in slots)


def _check(s, now, D, N, g, *, knots=None, idle_w=0.0, min_run=None, max_pauses=None, exact_pr=True):
    """Plan both policies; each must cost what an independent costing of its slots says, be
    feasible, and equal the continuous optimum (Pause & Resume with a measured profile: never
    worse than the best single block, never better than the optimum)."""
    d = densify(s)
    prof, power = _profile(D, knots)
    end = now + D + N
    fs = windows.best_flexible_start(d, now, end, D, N, prof)
    opt_fs, _ = ref.flexible_start(s, now, D, N, power, g)
    assert fs.total_g == pytest.approx(sum(ref.cost_of(s, fs.slots, power)), rel=1e-9)
    assert fs.total_g == pytest.approx(opt_fs, rel=1e-9), "Flexible Start is not the continuous optimum"
    assert len(fs.slots) == 1 and fs.start - now <= N + 1e-6
    _feasible(fs.slots, now, D, end)
    pr = windows.best_pause_resume(d, now, end, D, prof, idle_w=idle_w, min_run_s=min_run, max_pauses=max_pauses)
    opt_pr, opt_slots = ref.pause_resume(s, now, D, N, power, g, idle_w=idle_w, min_run=min_run or 0.0,
                                         max_pauses=max_pauses)
    run, idle = ref.cost_of(s, pr.slots, power, idle_w)
    assert pr.total_g == pytest.approx(run + idle, rel=1e-9, abs=1e-12)
    assert pr.idle_g == pytest.approx(idle, rel=1e-9, abs=1e-12)
    _feasible(pr.slots, now, D, end, min_run, max_pauses)
    assert pr.total_g >= opt_pr * (1 - 1e-9)
    if exact_pr:
        assert pr.total_g == pytest.approx(opt_pr, rel=1e-9, abs=1e-12), (
            f"Pause & Resume {pr.slots} is not the continuous optimum {opt_slots}")
    else:
        assert pr.total_g <= fs.total_g * (1 + 1e-9)  # one block is a Pause & Resume plan
    if not idle_w and not min_run and max_pauses is None:
        assert pr.total_g <= fs.total_g * (1 + 1e-9)  # Dodge et al.: FS's saving bounds P&R's from below
    return fs, pr


# -- the cases of the issue ------------------------------------------------------------------
def test_window_end_and_starts_that_end_on_a_boundary():
    """A 90-minute window, a 90-minute job, an off-the-hour now: the best start is the window's end,
    or the start that ends the job on a boundary; neither is on the grid of whole hours from now."""
    s = _series([400.0, 300.0, 80.0, 500.0, 500.0, 500.0])
    fs, _ = _check(s, T0, 1.5 * H, 1.5 * H, 1800)
    assert fs.start == T0 + 1.5 * H  # the window's end: the clean hour's second half
    fs, _ = _check(s, T0 + 1200, 1.5 * H, 3 * H, 600)
    assert fs.slots == ((T0 + 1.5 * H, T0 + 3 * H),)  # ends when the clean hour does


def test_pause_resume_uses_a_partial_last_cell():
    """Window 02:00-03:50: the clean 03:00 hour is only partly inside; the old cell model could not use it."""
    s = _series([522, 582, 541, 40, 67, 85])
    _, pr = _check(s, T0 + 2 * H, H, 50 * 60, 600)
    assert pr.slots == ((T0 + 2 * H + 50 * 60, T0 + 3 * H + 50 * 60),)


def test_minimum_run_shorter_than_a_cell_uses_partial_cells():
    """Two 1.5 h runs, each starting on a clean hour, beat any plan of whole cells."""
    s = _series([500, 60, 70, 500, 500, 65, 75, 500, 500, 500])
    _check(s, T0, 3 * H, 6 * H, 1800, min_run=1.5 * H, max_pauses=1, idle_w=300)


# -- real series: all 16 zones of the Electricity Maps hourly exports ----------------------
@pytest.mark.parametrize("zone", ZONE_DIRS)
def test_real_zone_against_continuous_reference(hourly_dir, zone):
    s = read_series(hourly_dir / zone / f"{zone}_2023_hourly.csv.gz")
    assert len(s) == 8760
    rng = random.Random(zone)
    checked = 0
    for _ in range(3):
        i = rng.randrange(0, 8760 - 80)
        now = s.t[i] + rng.choice([0.0, 1200.0, 2400.0])  # on and off the hour, on a 20-minute grid
        d = densify(s)
        for N in (6 * H, 12 * H, 18 * H, 24 * H, 1.5 * H, 3 * H, 4.5 * H):  # Dodge's windows for a 6 h job
            fs = windows.best_flexible_start(d, now, now + 6 * H + N, 6 * H, N, Profile.flat(1000, 6 * H))
            assert fs.total_g == pytest.approx(ref.flexible_start(s, now, 6 * H, N, ref.Power.flat(1000, 6 * H), 600)[0],
                                               rel=1e-9)
            checked += 1
        _check(s, now, 4 * H + 1200, 2 * H, 1200)
        _check(s, now, 3 * H, 3 * H + 2400, 1200, idle_w=150, min_run=H + 1200, max_pauses=1)
        _check(s, now, 4 * H, 4 * H, 1200, max_pauses=1)
        _check(s, now, 3 * H, 4 * H, 1200, idle_w=60)
        checked += 4
    assert checked == 33


def test_real_zone_pause_resume_wide_window(hourly_dir):
    """Dodge's +24 h window on a 6 h job: the plan is the 6 cheapest hours (computed here from the Series)."""
    s = read_series(hourly_dir / "US-CAL-CISO" / "US-CAL-CISO_2023_hourly.csv.gz")
    d = densify(s)
    rng = random.Random(7)
    for _ in range(25):
        now = s.t[rng.randrange(0, 8700)]
        prof = Profile.flat(300, 6 * H)
        pr = windows.best_pause_resume(d, now, now + 30 * H, 6 * H, prof)
        fs = windows.best_flexible_start(d, now, now + 30 * H, 6 * H, 24 * H, prof)
        hours = sorted(s.mean_over(now + k * H, now + (k + 1) * H)[0] for k in range(30))
        assert pr.total_g == pytest.approx(300 * H * sum(hours[:6]) / 3.6e6, rel=1e-9)
        assert pr.total_g <= fs.total_g + 1e-9


# -- random instances with continuous values -----------------------------------------------------
def _instance(rng: random.Random):
    step = rng.choice([300.0, 900.0, 1800.0, 3600.0, 3600.0])
    q = rng.choice([1, 2, 3, 4, 5, 6])
    g = step / q
    dg, ng = rng.randint(1, 4 * q), rng.randint(0, 4 * q)
    now = T0 + step * rng.randint(0, 2) + g * rng.randint(0, q - 1)
    n = int((now - T0 + (dg + ng) * g) / step) + 2
    vals = [rng.uniform(5.0, 800.0) for _ in range(n)]
    if rng.random() < 0.25:  # plateaus and exact ties
        vals = [rng.choice(vals[:3]) for _ in vals]
    return _series(vals, step), now, dg * g, ng * g, g


@pytest.mark.parametrize("seed", range(8))
def test_random_instances(seed):
    rng = random.Random(seed)
    for _ in range(30):
        s, now, D, N, g = _instance(rng)
        knots = None
        if rng.random() < 0.3 and D >= 2 * g:
            cut = g * rng.randint(1, int(round(D / g)) - 1)
            p1, p2 = rng.uniform(50, 2000), rng.uniform(50, 2000)
            knots = ([0.0, cut, D], [0.0, p1 * cut, p1 * cut + p2 * (D - cut)])
        _check(s, now, D, N, g, knots=knots, idle_w=rng.choice([0.0, 0.0, rng.uniform(10, 2000)]),
               min_run=rng.choice([None, None, g * rng.randint(1, 8)]), max_pauses=rng.choice([None, None, 0, 1, 2]),
               exact_pr=knots is None)


@pytest.mark.parametrize("seed", range(6))
def test_random_constrained_instances(seed):
    """The dynamic programme's own family: planned off the grid (a short first cell), minimum runs
    that are not whole cells, idle power and pause limits, always at least one of them."""
    rng = random.Random(1000 + seed)
    for _ in range(70):
        step = rng.choice([900.0, 3600.0])
        q = rng.choice([2, 3, 4, 5])
        g = step / q
        dg, ng = rng.randint(2, 3 * q), rng.randint(1, 3 * q)
        now = T0 + step + g * rng.randint(1, q - 1)
        vals = [rng.uniform(5.0, 800.0) for _ in range(int((now - T0 + (dg + ng) * g) / step) + 2)]
        kw = {}
        while not kw:
            kw = {k: v for k, v in (("idle_w", rng.choice([0.0, rng.uniform(10, 3000)])),
                                    ("min_run", rng.choice([None, g * rng.randint(1, 2 * q)])),
                                    ("max_pauses", rng.choice([None, 1, 2]))) if v}
        _check(_series(vals, step), now, dg * g, ng * g, g, **kw)


# -- adversarial synthetic series -----------------------------------------------------------
def test_ties_and_plateaus_pick_earliest():
    s = _series([100.0] * 30)
    fs, pr = _check(s, T0, 3 * H, 6 * H, H)
    assert fs.start == T0  # all equal: start now
    assert pr.slots == ((T0, T0 + 3 * H),)  # and no needless pause
    s = _series([200, 200, 50, 50, 50, 50, 200, 50, 50, 50, 200, 200, 200] + [300] * 10)
    fs, pr = _check(s, T0, 3 * H, 8 * H, H)
    assert fs.start == T0 + 2 * H  # first of two equal plateaus
    assert pr.slots == ((T0 + 2 * H, T0 + 5 * H),)


def test_plateau_with_fraction_keeps_chunk_together():
    s = _series([300, 80, 80, 80, 300, 300, 300, 300] * 3)
    fs, pr = _check(s, T0, 2.5 * H, 3 * H, 1800)
    assert pr.pauses == 0


def test_gaps_are_interpolated_and_reported():
    from wattwise.schedule import schedule

    # hours 3..6 missing: filled linearly between 100 (h2) and 500 (h7)
    vals = {0: 400, 1: 400, 2: 100, 7: 500, 8: 20, 9: 20, 10: 400, 11: 400, 12: 400, 13: 400}
    gappy = from_points([(T0 + h * H, v) for h, v in vals.items()])
    assert gappy.gaps
    filled = _series([400, 400, 100, 180, 260, 340, 420, 500, 20, 20, 400, 400, 400, 400])
    assert densify(gappy).v == pytest.approx(densify(filled).v)
    _check(filled, T0, 3 * H, 6 * H, H)
    plan = schedule(3 * H, 6 * H, region="DE", forecast=gappy, now=T0, pause_resume=True)
    exp = ref.pause_resume(filled, T0, 3 * H, 6 * H, ref.Power.flat(1000, 3 * H), H)
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
        _check(seg, now + 1800, 5 * H, 6 * H, 1800)
        plan = schedule("5h", "6h", region="DE", forecast=str(p), now=now, pause_resume=True)
        exp = ref.pause_resume(seg, now, 5 * H, 6 * H, ref.Power.flat(1000, 5 * H), H)
        assert plan.emissions_g == pytest.approx(exp[0])


def test_series_shorter_than_the_window():
    from wattwise.schedule import schedule

    s = _series([300, 300, 100, 50, 400, 400])  # 6 h known
    plan = schedule("2h", "12h", region="GB", forecast=s, now=T0)
    assert plan.available and plan.start == T0 + 2 * H
    assert any("horizon" in n for n in plan.notes)
    _check(s, T0, 2 * H, 4 * H, H)  # within what is known
    short = schedule("8h", "12h", region="GB", forecast=s, now=T0)
    assert not short.available and short.policy == "now" and short.emissions_g is None
    assert "shorter than the job" in short.notes[0] and "run now" in short.notes[0]


def test_sub_hourly_and_mixed_resolution():
    """15-min values for the first 6 h, then hourly: resampled to 15 min, plans still exact."""
    pts = [(T0 + i * 900, 100 + (i * 53) % 200) for i in range(24)]
    pts += [(T0 + 6 * H + i * H, 50 + (i * 71) % 300) for i in range(12)]
    s = from_points(pts)
    assert s.resolution_s == 900
    _check(s, T0 + 300, 1.5 * H, 1 * H, 300)
    _check(s, T0 + 5 * H, 1.25 * H, 1.25 * H, 900, max_pauses=1)


def test_idle_power_changes_the_plan():
    """Dodge et al. counted pauses as free; with a large idle draw one block beats two split hours."""
    s = _series([50, 400, 400, 400, 50, 60, 300, 300, 300, 300, 300, 300])
    _, free = _check(s, T0, 2 * H, 4 * H, H)
    assert free.slots == ((T0, T0 + H), (T0 + 4 * H, T0 + 5 * H))
    _, costly = _check(s, T0, 2 * H, 4 * H, H, idle_w=800)
    assert costly.slots == ((T0 + 4 * H, T0 + 6 * H),)
    assert costly.idle_g == 0.0 and free.idle_g == 0.0


def test_measured_profile_prefers_heavy_phase_in_clean_hours():
    # the job draws 100 W for its first hour, then 2 kW: the heavy part should meet the clean hour
    knots = ([0.0, H, 2 * H], [0.0, 100 * H, 100 * H + 2000 * H])
    s = _series([500, 500, 20, 500, 500, 500])
    fs, pr = _check(s, T0, 2 * H, 3 * H, H, knots=knots, exact_pr=False)
    assert fs.start == T0 + H  # light hour at 500, heavy at 20
    assert math.isclose(fs.total_g, (100 * H * 500 + 2000 * H * 20) / 3.6e6)


def test_measured_profile_with_many_knots_sweeps_exactly():
    """A profile with hundreds of knots (a measured run) takes the sweep path; still the optimum."""
    rng = random.Random(5)
    D, g = 2 * H, 60.0
    kt = [i * g for i in range(int(D / g) + 1)]
    ke = [0.0]
    for _ in kt[1:]:
        ke.append(ke[-1] + rng.uniform(100, 900) * g)
    s = _series([rng.uniform(50, 500) for _ in range(20)], step=900)
    d = densify(s)
    now = T0 + 420
    prof = Profile(D, tuple(kt), tuple(ke), "measured")
    fs = windows.best_flexible_start(d, now, now + D + 1.5 * H, D, 1.5 * H, prof)
    opt, start = ref.flexible_start(s, now, D, 1.5 * H, ref.Power(kt, ke), g)
    assert fs.total_g == pytest.approx(opt, rel=1e-9) and fs.start == pytest.approx(start)
