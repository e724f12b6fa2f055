"""Labelled estimates where no counter exists."""
from __future__ import annotations

import dataclasses

import pytest

from wattwise.cpuinfo import CpuInfo, cpu_power_model, match_tdp, microarchitecture, read_cpuinfo
from wattwise.sensors.model import RAM_W_PER_GB, CpuModelSensor, RamModelSensor

VM_EPYC = CpuInfo(vendor="AuthenticAMD", model_name="AMD EPYC", family=0x19, model=0x01, logical_cpus=2, hypervisor=True)


def test_bare_amd_epyc_is_not_matched_to_a_server_tdp():
    """Peers matched 'AMD EPYC' to a 180-280 W part; it has no model number, so no TDP match."""
    assert match_tdp("AMD EPYC") is None
    pm = cpu_power_model(VM_EPYC)
    assert pm.basis == "ccf-vcpu"
    assert "EPYC 3rd Gen" in pm.source and "virtual machine" in pm.source


def test_one_busy_core_for_30_s_on_a_2_vcpu_vm_is_a_few_watts():
    t, busy = [0.0], [0.0]
    pm = cpu_power_model(VM_EPYC)
    s = CpuModelSensor(pm, 2, lambda: busy[0], "process", clock=lambda: t[0])
    t[0], busy[0] = 30.0, 30.0
    expected = 2 * pm.min_w_per_vcpu * 30 + (pm.max_w_per_vcpu - pm.min_w_per_vcpu) * 30
    assert s.read_energy_j() == pytest.approx(expected)
    assert 1.0 < expected / 30 < 5.0  # W: CCF per-vCPU coefficients, not a whole socket


def test_busy_time_capped_by_allocation():
    t, busy = [0.0], [0.0]
    pm = cpu_power_model(VM_EPYC)
    s = CpuModelSensor(pm, 1, lambda: busy[0], "process", clock=lambda: t[0])
    t[0], busy[0] = 10.0, 25.0  # impossible: more CPU time than one vCPU allows
    assert s.read_energy_j() == pytest.approx(pm.min_w_per_vcpu * 10 + (pm.max_w_per_vcpu - pm.min_w_per_vcpu) * 10)


@pytest.mark.parametrize("name,model,tdp", [
    ("Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz", "Intel Xeon Gold 6148", 150.0),
    ("Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz", "Intel Core i7-8700K", 95.0),
    ("AMD Ryzen 9 5950X 16-Core Processor", "AMD Ryzen 9 5950X", 105.0),
])
def test_tdp_match_with_confidence(name, model, tdp):
    m = match_tdp(name)
    assert m.model == model and m.tdp_w == tdp and m.confidence in ("exact", "high")


def test_bare_metal_uses_tdp_per_thread():
    info = CpuInfo(vendor="GenuineIntel", model_name="Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz", family=6, model=0x55,
                   stepping=4, logical_cpus=80, sockets=2)
    pm = cpu_power_model(info)
    assert pm.basis == "tdp"
    assert pm.max_w_per_vcpu == pytest.approx(150 * 2 / 80)
    assert 0 < pm.min_w_per_vcpu < pm.max_w_per_vcpu


def test_cpuid_family_model_gives_microarchitecture():
    assert microarchitecture(dataclasses.replace(VM_EPYC, family=0x17, model=0x31))[0] == "EPYC 2nd Gen"
    assert microarchitecture(CpuInfo(vendor="GenuineIntel", model_name="Intel Xeon", family=6, model=0x6A))[0] == "Ice Lake"


def test_unknown_cpu_uses_labelled_average():
    pm = cpu_power_model(CpuInfo(vendor="Weird", model_name="Mystery CPU", logical_cpus=4))
    assert pm.basis == "ccf-average" and "not recognised" in pm.source


def test_read_cpuinfo_parses_fields(tmp_path):
    p = tmp_path / "cpuinfo"
    block = ("processor\t: {i}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nmodel name\t: Intel(R) Xeon(R) "
             "Gold 6148 CPU @ 2.40GHz\nstepping\t: 4\nphysical id\t: {s}\nflags\t\t: fpu vme hypervisor\n\n")
    p.write_text("".join(block.format(i=i, s=i // 2) for i in range(4)))
    info = read_cpuinfo(str(p))
    assert (info.logical_cpus, info.sockets, info.family, info.model, info.hypervisor) == (4, 2, 6, 85, True)


def test_ram_model_integrates_allocation():
    t, b = [0.0], [2e9]
    s = RamModelSensor(lambda: b[0], "test", clock=lambda: t[0])
    t[0] = 10.0
    assert s.read_energy_j() == pytest.approx(RAM_W_PER_GB * 2 * 10)
    b[0] = 4e9
    t[0] = 20.0
    assert s.read_energy_j() == pytest.approx(RAM_W_PER_GB * 2 * 10 + RAM_W_PER_GB * 3 * 10)
