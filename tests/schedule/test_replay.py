"""Replays agree with the planner start by start, under every forecast, and the simulate command reports them."""
from __future__ import annotations

import json
import math
import random
import subprocess
import sys

import pytest
import schedule_ref as ref
from schedule_helpers import ZONE_DIRS, write_series

from wattwise.errors import UsageError
from wattwise.schedule import engine, replay, schedule, simulate, windows
from wattwise.schedule.grid import Dense, densify
from wattwise.schedule.history import valid_starts
from wattwise.schedule.profile import Profile
from wattwise.series import from_points, read_series

H = 3600.0
T0 = 1_704_067_200.0
K = 1000 / 3.6e6  # g per (g/kWh * s) at the planner's 1 kW


def _engines():
    try:
        import numpy  # noqa: F401
        return ["python", "numpy"]
    except ImportError:
        return ["python"]


def _forecast_dense(d: Dense, spec, now: float, horizon: float) -> Dense:
    if spec is None:
        return d
    if spec[0] == "series":
        return Dense(d.t0, d.step, tuple(spec[1]))
    return replay.persistence_at(d, now, horizon, "1d")


@pytest.mark.parametrize("engine_name", _engines())
@pytest.mark.parametrize("zone", ZONE_DIRS)
def test_replay_matches_planner_on_every_zone(hourly_dir, zone, engine_name):
    """Claimed (on the forecast) and realised (on the series) costs, and runs, equal the planner's,
    for an oracle, a noisy forecast and wattwise's persistence forecast."""
    d = densify(read_series(hourly_dir / zone / f"{zone}_2023_hourly.csv.gz"))
    rng = random.Random(zone)
    for D, N in ((6 * H, 12 * H), (5.5 * H, 1.5 * H), (0.5 * H, 2.25 * H), (6 * H, 4.5 * H)):
        for spec in (None, ("series", replay.noisy(d.v, 0.1, 3)), ("persistence", 24)):
            st = valid_starts(len(d.v), d.step, D, N, None, 24)
            c = engine.costs(d.v, engine.geometry(d.step, D, N), st, spec, engine_name)
            prof = Profile.flat(1000, D)
            for i in rng.sample(range(len(st)), 8):
                now = d.t0 + st[i] * d.step
                fd = _forecast_dense(d, spec, now, D + N + H)
                fs = windows.best_flexible_start(fd, now, now + D + N, D, N, prof)  # what wattwise.schedule plans
                pr = windows.best_pause_resume(fd, now, now + D + N, D, prof)
                assert fs.total_g == pytest.approx(c.fs_f[i] * K, rel=1e-9)
                assert pr.total_g == pytest.approx(c.pr_f[i] * K, rel=1e-9)
                assert sum(windows.evaluate(d, fs.slots, prof)) == pytest.approx(c.fs[i] * K, rel=1e-9)
                assert sum(windows.evaluate(d, pr.slots, prof)) == pytest.approx(c.pr[i] * K, rel=1e-9)
                assert sum(windows.evaluate(d, ((now, now + D),), prof)) == pytest.approx(c.base[i] * K, rel=1e-9)
                assert len(pr.slots) == c.chunks[i]
            if spec is None:  # FS never beats P&R (rounding aside); with a forecast either may win on the series
                assert all(p <= f * (1 + 1e-9) for p, f in zip(c.pr, c.fs))


def test_engines_identical_on_full_year(hourly_dir):
    if len(_engines()) < 2:
        pytest.skip("numpy not installed")
    d = densify(read_series(hourly_dir / "GB" / "GB_2023_hourly.csv.gz"))
    for D, N in ((6 * H, 24 * H), (2.5 * H, 0.75 * 2.5 * H)):
        for spec in (None, ("series", replay.noisy(d.v, 0.05, 1)), ("persistence", 168)):
            g = engine.geometry(d.step, D, N)
            st = valid_starts(len(d.v), d.step, D, N, None, 168)
            a = engine.costs(d.v, g, st, spec, "python")
            b = engine.costs(d.v, g, st, spec, "numpy")
            for k in ("base", "fs", "pr", "base_f", "fs_f", "pr_f"):
                assert list(getattr(a, k)) == pytest.approx(list(getattr(b, k)), rel=1e-10)  # sums in another order
            assert list(a.chunks) == list(b.chunks)


def test_relative_windows_keep_the_whole_saving(hourly_dir):
    """+25 % of 6 h is 1.5 h: the best start may be the window's end, or end the job on the hour.
    The replay's costs equal the continuous optimum (a search over every half hour)."""
    s = read_series(hourly_dir / "DE-LU" / "DE-LU_2023_hourly.csv.gz")
    d = densify(s)
    rng = random.Random(4)
    for D, N in ((6 * H, 1.5 * H), (2.5 * H, 1.25 * H)):
        st = valid_starts(len(d.v), d.step, D, N)
        c = engine.costs(d.v, engine.geometry(d.step, D, N), st)
        power = ref.Power.flat(1000, D)
        for i in rng.sample(range(len(st)), 40):
            now = d.t0 + st[i] * d.step
            assert c.fs[i] * K == pytest.approx(ref.flexible_start(s, now, D, N, power, 900)[0], rel=1e-9)
            assert c.pr[i] * K == pytest.approx(ref.pause_resume(s, now, D, N, power, 900)[0], rel=1e-9)


def test_persistence_replay_is_the_forecast_schedule_makes(hourly_dir, tmp_path):
    """The replay's persistence forecast at t is the one `wattwise schedule` builds from history ending at t."""
    s = read_series(hourly_dir / "GB" / "GB_2023_hourly.csv.gz")
    d = densify(s)
    for k in (30 * 24 + 7, 200 * 24 + 19):
        now = d.t0 + k * H
        hist = write_series(tmp_path / f"h{k}.csv", d.t0 + (k - 48) * H, H, d.v[k - 48:k])
        plan = schedule("4h", "10h", region="GB", forecast=str(hist), now=now, pause_resume=True, track_record=False)
        assert plan.forecast.method == "persistence-1d"
        fd = replay.persistence_at(d, now, 14 * H + H, "1d")
        mine = windows.best_pause_resume(fd, now, now + 14 * H, 4 * H, Profile.flat(1000, 4 * H))
        assert plan.slots == mine.slots and plan.emissions_g == pytest.approx(mine.total_g)


def test_noisy_plans_never_beat_the_oracle_and_are_reproducible(hourly_dir):
    d = densify(read_series(hourly_dir / "US-CAL-CISO" / "US-CAL-CISO_2023_hourly.csv.gz"))
    st = valid_starts(len(d.v), d.step, 6 * H, 12 * H)
    g = engine.geometry(d.step, 6 * H, 12 * H)
    oracle = engine.costs(d.v, g, st)
    noisy = engine.costs(d.v, g, st, ("series", replay.noisy(d.v, 0.3, 2)))
    for a, b in ((noisy.fs, oracle.fs), (noisy.pr, oracle.pr)):
        assert all(x >= y * (1 - 1e-12) for x, y in zip(a, b))  # the oracle is optimal on the series
    assert replay.noisy(d.v, 0.3, 2) == replay.noisy(d.v, 0.3, 2) != replay.noisy(d.v, 0.3, 3)
    sim = simulate(hourly_dir / "US-CAL-CISO", "6h", "12h", forecast_error="30%", seeds=3, start="2023-01-01",
                   end="2024-01-01")
    rows = {r.strategy: r for r in sim.rows}
    o = {r.strategy: r for r in simulate(hourly_dir / "US-CAL-CISO", "6h", "12h", start="2023-01-01", end="2024-01-01").rows}
    for p in ("flexible-start", "pause-resume"):
        r = rows[p].to_dict()
        assert r["seeds"] == 3 and r["starts"] == o[p].n and r["forecast"] == "error 30%"
        assert r["mean_savings_pct"] < o[p].stats["mean_savings_pct"]
        assert r["claimed_minus_realised_pct"] > 0 and r["worse_than_now_pct"] > 0
        assert o[p].stats["worse_than_now_pct"] == 0 and o[p].to_dict()["claimed_minus_realised_pct"] == pytest.approx(0, abs=1e-9)


def test_total_savings_is_total_emissions_over_total_baseline(hourly_dir):
    sim = simulate(hourly_dir / "KR", "6h", "6h", start="2023-03-01", end="2023-05-01", forecast="persistence-7d")
    d = densify(read_series(hourly_dir / "KR" / "KR_2023_hourly.csv.gz"))
    from wattwise.schedule.history import span

    d = span(d, 1_677_628_800.0, 1_682_899_200.0)
    st = valid_starts(len(d.v), d.step, 6 * H, 6 * H, None, 168)
    c = engine.costs(d.v, engine.geometry(d.step, 6 * H, 6 * H), st, ("persistence", 168), "python")
    for r in sim.rows:
        plan = c.fs if r.strategy == "flexible-start" else c.pr
        assert r.stats["total_savings_pct"] == pytest.approx(100 * (1 - math.fsum(plan) / math.fsum(c.base)), rel=1e-9)
        per = [100 * (1 - p / b) for p, b in zip(plan, c.base)]
        assert r.stats["mean_savings_pct"] == pytest.approx(math.fsum(per) / len(per), rel=1e-9)
        assert r.stats["worse_than_now_pct"] == pytest.approx(100 * sum(p > b * (1 + 1e-9) for p, b in zip(plan, c.base)) / len(st))


def test_daily_job_against_schedule_at_flex(hourly_dir):
    """One job a day within +-3 h of 02:30 (off the hourly grid), against running at 02:30: each
    day's result is what `wattwise schedule --at --flex` plans knowing the series."""
    sim = simulate(hourly_dir / "ZA", "2h", daily="02:30", flex="3h", start="2023-04-01", end="2023-05-01")
    rows = {r.strategy: r for r in sim.rows}
    assert sim.daily == "02:30" and rows["flexible-start"].window == "±3 h" and rows["flexible-start"].n == 29
    assert rows["flexible-start"].stats["min_savings_pct"] >= 0  # the usual time is a candidate
    assert rows["pause-resume"].stats["mean_savings_pct"] >= rows["flexible-start"].stats["mean_savings_pct"] - 1e-9
    s = read_series(hourly_dir / "ZA" / "ZA_2023_hourly.csv.gz")
    sav = []
    for day in range(1, 30):  # 1 April's window opens on 31 March, before the span
        nominal = 1_680_316_200.0 + day * 86400  # 2023-04-01T02:30Z + days
        p = schedule("2h", at=nominal, flex="3h", region="ZA", forecast=s, now=nominal - 3 * H)
        assert p.baseline_start == nominal and p.start >= nominal - 3 * H - 1e-6 and p.start <= nominal + 3 * H + 1e-6
        sav.append(p.savings_pct)
    assert rows["flexible-start"].stats["mean_savings_pct"] == pytest.approx(sum(sav) / len(sav), rel=1e-9)


def test_measured_profile_and_idle_power_are_planned_start_by_start():
    rng = random.Random(3)
    s = from_points([(T0 + i * H, rng.uniform(50, 500)) for i in range(24 * 6)])
    prof = Profile(3 * H, (0.0, H, 3 * H), (0.0, 200 * H, 200 * H + 1500 * 2 * H), "two-phase")
    sim = simulate(s, None, "6h", profile=prof, idle_w=80, sample="5/month", pause_resume=True)
    assert any("start by start" in n for n in sim.notes)
    row = sim.rows[0]
    d = densify(s)
    st = valid_starts(len(d.v), d.step, 3 * H, 6 * H)
    times = [d.t0 + t * d.step for t in replay.sample_starts(st, d, "5/month", 0)]
    assert row.n == len(times) == 5
    sav = []
    for t in times:
        p = windows.best_pause_resume(d, t, t + 9 * H, 3 * H, prof, idle_w=80)
        real = sum(windows.evaluate(d, p.slots, prof, 80))
        assert real == pytest.approx(p.total_g)
        sav.append(100 * (1 - real / sum(windows.evaluate(d, ((t, t + 3 * H),), prof))))
    assert row.stats["mean_savings_pct"] == pytest.approx(sum(sav) / len(sav), rel=1e-9)


def test_simulate_api_and_invariants(hourly_dir):
    sim = simulate(hourly_dir / "DE-LU", "6h", ["12h", "50%"], start="2023-01-01", end="2024-01-01")
    rows = {(r.strategy, r.window): r for r in sim.rows}
    assert set(rows) == {("flexible-start", "+12h"), ("pause-resume", "+12h"), ("flexible-start", "+50%"),
                         ("pause-resume", "+50%")}
    for w in ("+12h", "+50%"):
        fs, pr = rows[("flexible-start", w)], rows[("pause-resume", w)]
        assert 0 < fs.stats["mean_savings_pct"] <= pr.stats["mean_savings_pct"] < 100
        assert 0 < fs.stats["total_savings_pct"] <= pr.stats["total_savings_pct"] < 100
        assert fs.pauses_per_hour == 0 and pr.pauses_per_hour > 0
        assert fs.stats["min_savings_pct"] >= 0  # starting now is always a candidate
    assert rows[("flexible-start", "+12h")].stats["mean_savings_pct"] > rows[("flexible-start", "+50%")].stats["mean_savings_pct"]
    assert rows[("pause-resume", "+50%")].window_s == 3 * H
    assert rows[("pause-resume", "+12h")].n == 8760 - 18 + 1
    assert all("total_savings_pct" in r for r in sim.to_dict()["results"])


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
    fc = simulate([hourly_dir / "DE-LU", hourly_dir / "GB"], "6h", "12h", region_choice=True, start="2023-01-01",
                  end="2023-03-01", forecast="persistence-1d")
    worse = {(x.region, x.strategy): x.stats["worse_than_now_pct"] for x in fc.rows}
    assert worse[("GB", "region")] > 0  # a forecast can send the job to the dirtier region


def test_gappy_series_skips_windows_over_gaps():
    vals = {h: 100 + (h * 37) % 200 for h in range(60) if not 20 <= h < 25}
    s = from_points([(T0 + h * H, v) for h, v in vals.items()])
    sim = simulate(s, "3h", "3h")
    assert any("missing" in n for n in sim.notes)
    full = len(valid_starts(60, H, 3 * H, 3 * H))
    assert sim.rows[0].n == full - (5 + 6 - 1)  # starts whose 6 h window touches hours 20-24


def test_bad_inputs():
    s = from_points([(T0 + i * H, 1.0 + i) for i in range(48)])
    with pytest.raises(UsageError, match="window"):
        replay.parse_window("soon")
    with pytest.raises(UsageError, match="sample"):
        simulate(s, "2h", "2h", sample="often")
    with pytest.raises(UsageError, match="duration"):
        simulate(s, "0h", "2h")
    with pytest.raises(UsageError, match="forecast-error"):
        simulate(s, "2h", "2h", forecast_error="lots")
    with pytest.raises(UsageError, match="persistence-1d"):
        simulate(s, "2h", "2h", forecast="tomorrow")
    with pytest.raises(UsageError, match="--daily"):
        simulate(s, "2h", daily="25:00", flex="1h")
    with pytest.raises(UsageError, match="needs --flex"):
        simulate(s, "2h", daily="02:00")
    with pytest.raises(UsageError, match="goes with --daily"):
        simulate(s, "2h", "2h", flex="1h")


# -- the command ----------------------------------------------------------------------------
def test_simulate_cli_table_and_json(hourly_dir, wattwise_cmd):
    args = [*wattwise_cmd, "simulate", "--series", str(hourly_dir / "GB"), "--series", str(hourly_dir / "CA-ON"),
            "--duration", "6h", "--window", "6h,100%", "--from", "2023-01-01", "--to", "2024-01-01"]
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "mean %" in p.stdout and "total %" in p.stdout and "pauses/h" in p.stdout and "Mean over 2 regions" in p.stdout
    assert "GB" in p.stdout and "CA-ON" in p.stdout and "oracle" in p.stdout
    p = subprocess.run([*args, "--json"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout.strip().splitlines()[-1])
    assert {"results", "mean_over_regions", "by_region"} <= set(d) and d["forecast"] == "oracle"
    for reg in ("GB", "CA-ON"):
        for strat, v in d["by_region"][reg].items():
            assert isinstance(v["mean_savings_pct"], float) and isinstance(v["total_savings_pct"], float)
    assert len(d["results"]) == 2 * 2 * 2


def test_simulate_cli_forecasts_and_daily(hourly_dir, wattwise_cmd):
    base = [*wattwise_cmd, "simulate", "--series", str(hourly_dir / "DE-LU"), "--duration", "6h", "--from", "2023-01-01",
            "--to", "2023-07-01"]
    p = subprocess.run([*base, "--window", "12h", "--forecast", "persistence-1d", "--json"], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "realised %" in p.stderr and "claimed %" in p.stderr and "worse %" in p.stderr
    d = json.loads(p.stdout.strip().splitlines()[-1])
    assert d["forecast"] == "persistence-1d" and "realised" in d["method"]
    for r in d["results"]:
        assert r["claimed_mean_savings_pct"] > r["mean_savings_pct"] and 0 < r["worse_than_now_pct"] < 100
    p = subprocess.run([*base, "--window", "12h", "--forecast-error", "5%", "--seeds", "2"], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0 and "error 5%" in p.stdout
    p = subprocess.run([*base, "--daily", "02:00", "--flex", "3h"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "running at the usual time" in p.stdout and "±3 h" in p.stdout


@pytest.mark.parametrize("args, want", [
    (["--window", "6h", "--seeds", "3"], "--seeds N goes with --forecast-error"),
    (["--daily", "02:00", "--flex", "1h", "--window", "6h"], "drop --window"),
    (["--window", "6h", "--forecast-error", "five"], "invalid --forecast-error 'five'"),
    (["--window", "6h", "--forecast", "persistence-2d"], "invalid choice"),
])
def test_simulate_cli_bad_options(tmp_path, wattwise_cmd, args, want):
    f = write_series(tmp_path / "s.csv", T0, H, [100 + (i * 37) % 300 for i in range(24 * 10)])
    p = subprocess.run([*wattwise_cmd, "simulate", "--series", str(f), "--duration", "2h", *args], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 2 and want in p.stderr and "Traceback" not in p.stderr, p.stderr


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
    """The package must not need NumPy: with it hidden, replays and statistics use pure Python."""
    s = from_points([(T0 + i * H, 100 + (i * 37) % 300) for i in range(24 * 10)])
    with_numpy = simulate(s, "3h", "6h", forecast="persistence-1d")
    monkeypatch.setitem(sys.modules, "numpy", None)
    assert not engine.have_numpy()
    sim = simulate(s, "3h", "6h", forecast="persistence-1d")
    fs, pr = sorted(sim.rows, key=lambda r: r.strategy)
    assert fs.stats["total_savings_pct"] is not None and pr.stats["worse_than_now_pct"] is not None
    for a, b in zip(sim.rows, with_numpy.rows):
        for k, v in a.stats.items():
            assert v == pytest.approx(b.stats[k], rel=1e-9, abs=1e-9), k


def test_simulate_cli_like_a_stored_run_with_idle_power(tmp_path, wattwise_cmd):
    """--like RUN_ID replays a stored run's measured profile (its duration by default), --idle-w charges pauses."""
    from wattwise.store import open_store

    db = tmp_path / "runs.db"
    st = open_store(str(db))
    st.create_run("abc123def456", start_ts=T0, scope="process", region="GB", pue=1.0)
    st.append_samples("abc123def456", [(T0 + k * 600, "gpu", (100 * min(k * 600, H) + 1000 * max(0, k * 600 - H)), None)
                                       for k in range(13)])
    st.close()
    f = write_series(tmp_path / "s.csv", T0, H, [100 + (i * 37) % 300 for i in range(24 * 40)])
    base = [*wattwise_cmd, "simulate", "--series", str(f), "--like", "abc123", "--store", str(db), "--window", "6h",
            "--pause-resume", "--sample", "2/month", "--json"]
    runs = {}
    for idle in ("0", "400"):
        p = subprocess.run([*base, "--idle-w", idle], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        r = json.loads(p.stdout.strip().splitlines()[-1])["results"][0]
        assert r["duration_s"] == 2 * H and r["starts"] == 4
        runs[idle] = r
    assert "start by start" in p.stderr
    assert runs["400"]["mean_savings_pct"] <= runs["0"]["mean_savings_pct"] + 1e-9  # pauses now cost
    assert runs["400"]["pauses_per_hour"] <= runs["0"]["pauses_per_hour"]
