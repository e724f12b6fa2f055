"""CarbonGate sleeps a training loop through the planned pauses, and only through them."""
from __future__ import annotations

import time

import pytest

import wattwise
from wattwise.series import from_points

H = 3600.0
T0 = 1_704_067_200.0


class FakeClock:
    def __init__(self, t):
        self.t = t
        self.slept = []

    def __call__(self):
        return self.t

    def sleep(self, s):
        self.slept.append(s)
        self.t += s


def test_gate_follows_the_plan_with_a_fake_clock():
    s = from_points([(T0 + i * H, v) for i, v in enumerate([50, 400, 400, 60, 70, 500, 500, 500, 500, 500, 500])])
    clk = FakeClock(T0)
    events = []
    gate = wattwise.CarbonGate("3h", "3h", region="GB", forecast=s, clock=clk, sleep=clk.sleep,
                               on_pause=lambda until: events.append(("pause", until)), on_resume=lambda: events.append("resume"),
                               verbose=False)
    assert [(a - T0, b - T0) for a, b in gate.plan.slots] == [(0, H), (3 * H, 5 * H)]
    steps = []
    # a loop of 10-minute steps, 18 of them = 3 h of work
    for _ in range(18):
        slept = gate.wait_if_dirty()
        steps.append((clk.t - T0, slept))
        clk.t += 600
    assert steps[0] == (0, 0.0)
    # after the first hour the gate sleeps exactly until the second slot, once
    assert steps[6] == (3 * H, 2 * H)
    assert sum(x for _, x in steps) == 2 * H and gate.pauses == 1 and gate.paused_s == 2 * H
    assert events == [("pause", T0 + 3 * H), "resume"]
    assert not gate.is_dirty(T0 + 3.5 * H) and gate.is_dirty(T0 + 2 * H)


def test_gate_lets_an_overrunning_job_finish():
    s = from_points([(T0 + i * H, v) for i, v in enumerate([50, 400, 60, 500, 500, 500, 500])])
    clk = FakeClock(T0)
    gate = wattwise.CarbonGate("2h", "1h", region="GB", forecast=s, clock=clk, sleep=clk.sleep, verbose=False)
    clk.t = T0 + 10 * H  # far past the plan
    assert gate.wait_if_dirty() == 0.0 and gate.next_start() is None


def test_gate_without_forecast_never_sleeps(capsys):
    clk = FakeClock(T0)
    gate = wattwise.CarbonGate("2h", "6h", region="GB", clock=clk, sleep=clk.sleep)
    assert "will not pause" in capsys.readouterr().err
    for _ in range(5):
        assert gate.wait_if_dirty() == 0.0
    assert clk.slept == []


def test_gate_replan_moves_the_remaining_work():
    s = from_points([(T0 + i * H, v) for i, v in enumerate([50, 400, 60, 70, 500, 500, 500, 30, 500, 500])])
    clk = FakeClock(T0)
    gate = wattwise.CarbonGate("3h", "3h", region="GB", forecast=s, clock=clk, sleep=clk.sleep, verbose=False)
    clk.t = T0 + H  # one hour done as planned
    plan = gate.replan()
    assert plan.duration_s == 2 * H and plan.slots[0][0] >= T0 + H and plan.slots[-1][1] <= T0 + 6 * H


def test_gate_in_real_time(tmp_path):
    t0 = time.time()  # a forecast aligned with now: clean, dirty, dirty, clean, dirty...
    vals = [10.0, 900.0, 900.0, 10.0] + [900.0] * 20
    s = from_points([(t0 + i, v) for i, v in enumerate(vals)])
    gate = wattwise.CarbonGate("2s", "2s", region="GB", forecast=s, verbose=False)
    assert gate.plan.pauses == 1
    start = time.time()
    ran = 0.0
    while ran < 2.0:
        gate.wait_if_dirty()
        time.sleep(0.05)
        ran += 0.05
    assert gate.paused_s == pytest.approx(2.0, abs=0.3)
    assert time.time() - start == pytest.approx(2.0 + gate.paused_s, abs=0.6)
