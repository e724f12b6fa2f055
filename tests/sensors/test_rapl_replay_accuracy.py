"""Energy error on a replayed RAPL counter trace with wraparounds (target: <= 0.1 %).

A kernel-like powercap tree (two sockets, each package with ``core`` and ``dram``
sub-zones) is advanced step by step from a synthetic training-like power trace, with a
``max_energy_range_uj`` small enough that every counter wraps several times, while a
node-scope Tracker reads it through ``powercap_root`` (its sampler thread at 0.1 s, plus one
read per step through a per-step window). The truth is the packages plus DRAM of the trace;
``core`` lies inside its package and must not be added.
"""
from __future__ import annotations

import math

import pytest

import wattwise
from wattwise.testing import FakePowercap

RANGE_UJ = 20_000_000  # 20 J; a step adds at most ~2.2 J, so no wrap can go unseen between reads
STEP_S = 0.01


def _trace(n_steps: int, sockets: int):
    """Per step, (socket, package J, dram J, core J) for each socket: 60/200 W square wave with ripple."""
    for i in range(n_steps):
        t = i * STEP_S
        step = []
        for s in range(sockets):
            busy = (int(t / 0.35) + s) % 2 == 0
            pkg_w = (200.0 if busy else 60.0) + 15.0 * math.sin(2 * math.pi * 3.0 * t + s)
            dram_w = 12.0 if busy else 6.5
            step.append((s, pkg_w * STEP_S, dram_w * STEP_S, 0.75 * pkg_w * STEP_S))
        yield step


def test_replayed_trace_with_wraparounds_is_within_0_1_percent(tmp_path):
    sockets, steps = 2, 500  # 5 s of trace: ~650 J per package, ~32 wraps each
    fake = FakePowercap(tmp_path, sockets=sockets, core=True, dram=True, max_energy_range_uj=RANGE_UJ,
                        start_uj=RANGE_UJ - 123_456)  # every counter starts just before a wrap
    with wattwise.track(project="replay", region="FR", store=False, scope="node", gpu=False,
                        powercap_root=str(fake.root), interval=0.1, install_handlers=False) as run:
        for i, step in enumerate(_trace(steps, sockets)):
            with run.window(f"step-{i}"):
                for s, pkg_j, dram_j, core_j in step:
                    fake.advance(s, package_j=pkg_j, dram_j=dram_j, core_j=core_j)
    m = run.result

    true_pkg = fake.true_energy_j("package")
    true_dram = fake.true_energy_j("dram")
    true_core = fake.true_energy_j("core")
    wraps = int((true_pkg + true_dram + true_core) * 1e6 // RANGE_UJ)
    assert wraps >= 50, "the trace must wrap the counters many times"

    cpu, dram = m.component("cpu"), m.component("dram")
    assert cpu.method == dram.method == "measured"
    assert cpu.source == "rapl:package-0+package-1"
    truth = true_pkg + true_dram
    got = cpu.energy_j + dram.energy_j
    err = abs(got - truth) / truth
    assert err <= 1e-3, f"energy error {err:.4%} (measured {got:.3f} J, true {truth:.3f} J)"
    # adding core would have overcounted by ~75 % of the package energy: make sure it did not
    assert got < truth + 0.5 * true_core
    # per-step windows cover the trace: together they hold the same energy
    steps_j = sum(w.energy_j for w in m.windows if w.name.startswith("step-"))
    assert steps_j == pytest.approx(truth, rel=1e-3)


def test_a_missed_wrap_would_show(tmp_path):
    """The accuracy test can fail: reading only at start and stop across a wrap loses a range."""
    fake = FakePowercap(tmp_path, sockets=1, max_energy_range_uj=RANGE_UJ, start_uj=RANGE_UJ - 1_000_000)
    t = wattwise.Tracker(region="FR", store=False, scope="node", gpu=False, powercap_root=str(fake.root),
                         interval=3600, install_handlers=False).start()
    for _ in range(3):  # 3 x 30 J = 90 J > 20 J range, with no read in between: wraps are lost
        fake.advance(0, package_j=30.0, dram_j=0.0)
    m = t.stop()
    truth = fake.true_energy_j("package")
    err = abs(m.component("cpu").energy_j - truth) / truth
    assert err > 0.1
