"""The attribution rule (wattwise.measure.attribution) through the real meter, on every sensor path.

Concurrent jobs share one FakeMachine (the CPU time each uses, the node's busy time) and one
fake powercap tree; each job has its own meter and its own sensors, as separate `wattwise run`
processes do. Expected values are worked out here from the machine's power law and the jobs'
rates, not with the module's functions.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

import wattwise
from wattwise.cpuinfo import CpuPowerModel
from wattwise.measure.attribution import RULES, Allocation, Attribution, Tick, cpu_job_j, memory_job_j, rule_for
from wattwise.meter import Meter
from wattwise.sensors.model import RAM_W_PER_GB, CpuModelSensor, RamModelSensor
from wattwise.sensors.rapl import open_rapl
from wattwise.testing import FakeMachine, FakeNVML, FakeGpu, FakePowercap
from wattwise.units import J_PER_KWH

GB = 1e9
# (job rates in CPU-s per s) per step; the rest of the machine uses OTHER; 4 vCPUs
STEPS = [({"a": 1.0, "b": 0.5, "c": 0.0, "d": 1.5}, 0.25),
         ({"a": 1.0, "b": 1.0, "c": 0.0, "d": 0.0}, 0.5),   # d paused: no CPU time
         ({"a": 0.2, "b": 0.0, "c": 0.0, "d": 1.0}, 1.75)]
RSS = {"a": 2e9, "b": 0.5e9, "c": 4e9, "d": 1e9}
DT = 0.7
TICKS_PER_STEP = 3


def _pm() -> CpuPowerModel:
    return CpuPowerModel(min_w_per_vcpu=3.0, max_w_per_vcpu=12.0, source="test model 3-12 W per vCPU", basis="test")


def _run(machine, meters, powercap=None):
    """Advance the machine through STEPS, ticking every meter after each sub-step."""
    jobs = {n: m.tree for n, m in meters.items() if n != "node"}
    for m in meters.values():
        m.start()
    for rates, other in STEPS:
        for _ in range(TICKS_PER_STEP):
            machine.run(DT, {jobs[n]: r for n, r in rates.items()}, other, powercap=powercap)
            for m in meters.values():
                m._tick(record=True)
    return {n: m.stop() for n, m in meters.items()}


def _meters(machine, scope, make_sensors, allocation=None):
    meters = {}
    for name in ("a", "b", "c", "d"):
        job = machine.job(RSS[name])
        meters[name] = Meter(make_sensors(), job, scope, 3600, clock=machine.clock, mono=machine.clock, node=machine.node,
                             attribution=Attribution(scope, allocation))
    meters["node"] = Meter(make_sensors(), machine.job(), "node", 3600, clock=machine.clock, mono=machine.clock,
                           node=machine.node)
    return meters


def _expected_cpu(machine, idle_w, w_per_cpu):
    """Per job: sum over ticks of (its rate / node busy rate) x node package energy."""
    out = {n: 0.0 for n in RSS}
    node = 0.0
    for rates, other in STEPS:
        busy = sum(rates.values()) + other
        e = (idle_w + w_per_cpu * busy) * DT * TICKS_PER_STEP
        node += e
        for n, r in rates.items():
            out[n] += e * r / busy
    return out, node


def test_concurrent_jobs_on_rapl_share_the_node_exactly(tmp_path):
    machine = FakeMachine(cpus=4, mem_bytes=64 * GB, idle_w=20.0, w_per_busy_cpu=10.0, dram_idle_w=3.0, dram_w_per_busy_cpu=0.5)
    fake = FakePowercap(tmp_path, sockets=1, dram=True)
    meters = _meters(machine, "process", lambda: open_rapl(fake.root))
    acc = _run(machine, meters, fake)
    exp, node = _expected_cpu(machine, 20.0, 10.0)
    assert acc["node"]["cpu"] == pytest.approx(node) == pytest.approx(fake.true_energy_j("package"))
    for n in RSS:
        assert acc[n]["cpu"] == pytest.approx(exp[n], rel=1e-9), n
    assert acc["c"]["cpu"] == 0.0  # a sleeping job draws nothing from the CPU
    assert sum(acc[n]["cpu"] for n in RSS) <= acc["node"]["cpu"]
    # DRAM by memory held: resident bytes / the node's 64 GB of the node's DRAM energy
    dram = fake.true_energy_j("dram")
    for n in RSS:
        assert acc[n]["dram"] == pytest.approx(dram * RSS[n] / (64 * GB), rel=1e-6), n
    assert sum(acc[n]["dram"] for n in RSS) <= acc["node"]["dram"] == pytest.approx(dram)
    assert meters["a"].rules == {"cpu": "cpu-time-share", "dram": "memory-share"}
    assert meters["node"].rules == {"cpu": "whole-node", "dram": "whole-node"}


def test_concurrent_jobs_on_the_cpu_model_never_exceed_the_node():
    """The model charged every job its whole allocation's idle power: eight `sleep` runs summed to
    8.4 W on a machine whose model caps at 3.4 W. Now it models the node and shares it like RAPL."""
    machine = FakeMachine(cpus=4, mem_bytes=64 * GB)
    pm = _pm()

    def sensors():
        return [CpuModelSensor(pm, 4, lambda: machine.node.cpu_busy_s, clock=machine.clock),
                RamModelSensor(lambda: 64 * GB, "host RAM 64 GB", clock=machine.clock)]

    meters = _meters(machine, "process", sensors)
    acc = _run(machine, meters)
    # the node model: 4 x 3 W idle + (12 - 3) W per busy CPU
    exp, node = _expected_cpu(machine, 4 * 3.0, 9.0)
    assert acc["node"]["cpu"] == pytest.approx(node)
    for n in RSS:
        assert acc[n]["cpu"] == pytest.approx(exp[n], rel=1e-9), n
    assert acc["c"]["cpu"] == 0.0
    assert sum(acc[n]["cpu"] for n in RSS) <= acc["node"]["cpu"]
    span = DT * TICKS_PER_STEP * len(STEPS)
    for n in RSS:  # RAM: W/GB x resident GB (Green Algorithms' figure), whatever the CPU did
        assert acc[n]["ram"] == pytest.approx(RAM_W_PER_GB * RSS[n] / GB * span, rel=1e-9), n
    assert acc["node"]["ram"] == pytest.approx(RAM_W_PER_GB * 64 * span)


@pytest.mark.parametrize("path", ["rapl", "model"])
def test_allocation_scope_charges_reserved_idle_plus_dynamic_share(tmp_path, path):
    machine = FakeMachine(cpus=4, mem_bytes=64 * GB, idle_w=12.0, w_per_busy_cpu=9.0)
    alloc = Allocation(cpus=1.0, node_cpus=4.0, cpus_from="test cpuset", mem_bytes=16 * GB, node_mem_bytes=64 * GB,
                       mem_from="test limit")
    fake = FakePowercap(tmp_path, sockets=1, dram=True)
    pm = _pm()  # idle 4 x 3 = 12 W, full load 48 W: the same law as the machine's RAPL counters

    def sensors():
        if path == "model":
            return [CpuModelSensor(pm, 4, lambda: machine.node.cpu_busy_s, clock=machine.clock),
                    RamModelSensor(lambda: 64 * GB, "host RAM", clock=machine.clock)]
        s = open_rapl(fake.root)
        s[0].idle_w, s[0].busy_w = 12.0, 48.0
        return s

    meters = _meters(machine, "allocation", sensors, alloc)
    acc = _run(machine, meters, fake)
    span = DT * TICKS_PER_STEP * len(STEPS)
    exp_dyn, _ = _expected_cpu(machine, 0.0, 9.0)  # dynamic energy only, shared by busy time
    mem = "ram" if path == "model" else "dram"
    for n in RSS:
        assert acc[n]["cpu"] == pytest.approx(12.0 / 4 * span + exp_dyn[n], rel=1e-9), n
        assert acc[n][mem] == pytest.approx(acc["node"][mem] / 4, rel=1e-9), n  # 16 of 64 GB reserved
    assert acc["c"]["cpu"] == pytest.approx(3.0 * span)  # idle but reserved: its vCPU's idle power
    assert meters["a"].rules["cpu"] == "allocation-cpu"


def test_tracker_with_pue_and_dram_concurrent_jobs(tmp_path):
    """Facility energy and emissions follow the attributed energy; jobs sum to at most the node."""
    machine = FakeMachine(cpus=4, mem_bytes=32 * GB, idle_w=20.0, w_per_busy_cpu=10.0)
    fake = FakePowercap(tmp_path, sockets=2, dram=True)
    runs = {}
    for name, scope in (("a", "process"), ("b", "process"), ("node", "node")):
        t = wattwise.Tracker(region="FR", store=False, scope=scope, pue=1.5, powercap_root=fake.root, gpu=False,
                             interval=3600, install_handlers=False)
        t.prepare()
        t.tree, t.node = machine.job(1 * GB), machine.node
        runs[name] = t.start()
    a, b = runs["a"].tree, runs["b"].tree
    for rates in ({a: 2.0, b: 1.0}, {a: 0.0, b: 1.0}, {a: 1.5, b: 1.5}):
        machine.run(1.0, rates, 0.5, powercap=fake)
        for t in runs.values():
            t.meter._tick(record=True)
    res = {n: t.stop() for n, t in runs.items()}
    node = res["node"]
    assert node.component("cpu").energy_j == pytest.approx(fake.true_energy_j("package"))
    jobs = [res["a"], res["b"]]
    assert sum(m.energy_j for m in jobs) <= node.energy_j
    assert sum(m.facility_energy_j for m in jobs) <= node.facility_energy_j
    for m in jobs + [node]:
        assert m.pue == 1.5 and m.facility_energy_j == pytest.approx(1.5 * m.energy_j)
        assert m.emissions_g == pytest.approx(m.facility_energy_j / J_PER_KWH * m.intensity.g_per_kwh)
        assert {c.name for c in m.components} == {"cpu", "dram"}
    # a: 2/3.5, 0/1.5 and 1.5/3.5 of 55, 35 and 55 J of package energy (20 W + 10 W per busy CPU)
    assert res["a"].component("cpu").energy_j == pytest.approx(55 * 2 / 3.5 + 55 * 1.5 / 3.5, rel=1e-9)
    assert res["b"].component("cpu").energy_j == pytest.approx(55 * 1 / 3.5 + 35 * 1 / 1.5 + 55 * 1.5 / 3.5, rel=1e-9)
    assert res["a"].component("dram").to_dict()["attribution"] == "memory-share"


def test_rule_ids_are_documented():
    for scope in ("process", "allocation", "node"):
        for kind in ("cpu-share", "memory-share", "device", "none"):
            assert rule_for(scope, kind) in RULES
    text = (Path(__file__).parents[2] / "docs" / "accounting.md").read_text()
    for rule in RULES:
        assert f"`{rule}`" in text, rule


def test_worked_examples_of_the_docs():
    """docs/accounting.md's examples: a 16-vCPU node drawing 160 J over a 1 s tick, idle 64 W."""
    t = Tick(1.0, job_cpu_s=3.0, node_cpu_s=12.0, job_mem_bytes=8 * GB, node_mem_bytes=128 * GB)
    assert cpu_job_j("process", 160.0, t) == pytest.approx(40.0)
    assert cpu_job_j("allocation", 160.0, t, idle_w=64.0, cpu_fraction=4 / 16) == pytest.approx(16.0 + 24.0)
    assert cpu_job_j("node", 160.0, t) == 160.0
    assert memory_job_j("process", 12.8, t) == pytest.approx(0.8)
    assert memory_job_j("allocation", 12.8, t, mem_fraction=32 / 128) == pytest.approx(3.2)
    idle = Tick(1.0, job_cpu_s=0.0, node_cpu_s=12.0)
    assert cpu_job_j("process", 160.0, idle) == 0.0  # sleeping or paused
    assert cpu_job_j("allocation", 160.0, idle, idle_w=64.0, cpu_fraction=4 / 16) == pytest.approx(16.0)
    # never more than the node, even when the job's reading runs ahead of the node's
    assert cpu_job_j("process", 160.0, Tick(1.0, job_cpu_s=5.0, node_cpu_s=4.0)) == 160.0


def test_sensor_failing_its_first_reading_is_unknown_not_zero():
    class Dead:
        component, method, source, attribution = "gpu:0", "measured", "nvml:test", "device"

        def read_energy_j(self):
            raise RuntimeError("GPU is lost")

    from wattwise.testing import ConstantPowerSensor

    with wattwise.track(region="FR", store=False, interval=0.1, sensors=[Dead(), ConstantPowerSensor("cpu", 10.0)]) as run:
        time.sleep(0.15)
    m = run.result
    c = m.component("gpu:0")
    assert c.energy_j is None and c.method == "unavailable" and "GPU is lost" in c.reason
    assert c.to_dict()["energy_kwh"] is None
    assert m.energy_j == pytest.approx(m.component("cpu").energy_j)  # the known part, said to be partial
    assert any("gpu:0" in w and "unknown" in w for w in m.warnings)


def test_paused_power_by_scope(tmp_path):
    """What each scope charges a paused job: the planner's --idle-w default."""
    pm = _pm()
    cpu = CpuModelSensor(pm, 4, lambda: 0.0)
    ram = RamModelSensor(lambda: 64 * GB, "host")
    gpu_mod = FakeNVML([FakeGpu(power_w=55.0)])
    from wattwise.sensors.nvml import open_gpus

    gpus = open_gpus(gpu_mod, visible=None)
    alloc = Allocation(1.0, 4.0, "test", 16 * GB, 64 * GB, "test")
    assert Attribution("process").paused_power([cpu, ram]).paused_w == 0.0
    assert Attribution("process").paused_power([cpu, ram]).running_w is None
    sp = Attribution("allocation", alloc).paused_power([cpu, ram])
    assert sp.paused_w == pytest.approx(3.0 + RAM_W_PER_GB * 16)
    assert sp.running_w == pytest.approx(12.0 + RAM_W_PER_GB * 16)  # its vCPU at full load
    assert Attribution("node").paused_power([cpu, ram]).paused_w == pytest.approx(12.0 + RAM_W_PER_GB * 64)
    # a GPU the job owns is charged whole, so its draw counts while paused, even in process scope
    sp = Attribution("process").paused_power([cpu, ram, *gpus])
    assert sp.paused_w == pytest.approx(55.0) and sp.running_w is None


def test_cpu_time_the_machine_has_not_registered_waits_for_a_later_tick(tmp_path):
    """The job's final CPU time is exact (rusage) while /proc/stat counts clock ticks: a job whose
    last 5 ms the machine had not counted yet took a whole tick of the machine's energy (share 1)."""
    machine = FakeMachine(cpus=2, mem_bytes=8 * GB, idle_w=10.0, w_per_busy_cpu=10.0)
    fake = FakePowercap(tmp_path)
    job = machine.job()
    meter = Meter(open_rapl(fake.root), job, "process", 3600, clock=machine.clock, mono=machine.clock, node=machine.node)
    meter.start()
    machine.run(1.0, {job: 0.5}, 0.5, powercap=fake)
    meter._tick(record=True)
    first = meter.acc["cpu"]
    assert first == pytest.approx(0.5 * 20.0)  # half the busy time of 10 W + 10 W x 1 busy CPU
    job.cpu_s += 0.005  # the machine shows no busy time for it in this tick
    machine.run(1.0, {}, 0.0, powercap=fake)  # 10 J of idle energy
    meter._tick(record=True)
    assert meter.acc["cpu"] == pytest.approx(first)  # not the whole 10 J
    machine.run(1.0, {job: 0.0}, 0.02, powercap=fake)  # now the machine has counted it (and 15 ms of others)
    meter._tick(record=True)
    assert meter.acc["cpu"] == pytest.approx(first + 10.2 * 0.005 / 0.02)
