"""Ordered availability probes: RAPL, NVML, then labelled models for what has no counter.

Every CPU and memory sensor reports the whole node; the meter applies the scope's
attribution rule (``wattwise.measure.attribution``), whichever sensor it is.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import StrictModeError
from ..procs import NodeUsage, ProcessTree, host_cpus, host_memory_bytes
from . import Probe, SensorUnavailable
from .model import RAM_W_PER_GB, CpuModelSensor, RamModelSensor


@dataclass
class Detection:
    """What the probes found: the sensors to read, and why each missing component is missing."""

    sensors: list = field(default_factory=list)
    probes: list[Probe] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)  # component -> reason (energy null)
    warnings: list[str] = field(default_factory=list)
    hardware: dict[str, Any] = field(default_factory=dict)


def detect(scope: str, tree: ProcessTree, *, powercap_root=None, nvml=None, gpu: bool = True,
           strict: bool = False, cpu_info=None, cpu_tdp_w: float | None = None, ram_w_per_gb: float | None = None,
           visible_gpus=..., node: NodeUsage | None = None) -> Detection:
    from ..cpuinfo import cpu_power_model, read_cpuinfo
    from .nvml import open_gpus
    from .rapl import open_rapl

    d = Detection()
    info = cpu_info or read_cpuinfo()
    d.hardware["cpu"] = info.to_dict()

    # 1. RAPL
    rapl = []
    try:
        rapl = open_rapl(powercap_root)
        d.probes.append(Probe("rapl", True, ", ".join(s.source for s in rapl)))
    except SensorUnavailable as e:
        d.probes.append(Probe("rapl", False, str(e), e.fix, e.present))
        if e.present:
            d.warnings.append(f"CPU energy counters unreadable: {e}. Fix: {e.fix}" if e.fix else f"RAPL: {e}")
    d.sensors.extend(rapl)
    have = {s.component for s in rapl}

    # 2. NVML
    if gpu:
        try:
            gpus = open_gpus(nvml, visible_gpus)
            d.sensors.extend(gpus)
            d.probes.append(Probe("nvml", True, "; ".join(g.source for g in gpus)))
            d.hardware["gpus"] = [g.describe() for g in gpus]
        except SensorUnavailable as e:
            d.probes.append(Probe("nvml", False, str(e), e.fix, e.present))
            if e.present:
                d.unavailable["gpu"] = str(e)
                d.warnings.append(f"GPU energy not measured: {e}" + (f". Fix: {e.fix}" if e.fix else ""))
                if strict:
                    raise StrictModeError(f"strict mode: GPU present but not measurable: {e}")
    else:
        d.probes.append(Probe("nvml", False, "disabled (--no-gpu)"))

    # 3. Models for what has no counter (the whole node; the meter attributes)
    node = node if node is not None else NodeUsage()
    if "cpu" not in have:
        if strict:
            raise StrictModeError("strict mode: no CPU energy counter (RAPL) is readable, and strict forbids the "
                                  "modelled estimate" + (f"; {d.probes[0].fix}" if d.probes[0].fix else ""))
        power = cpu_power_model(info, tdp_w=cpu_tdp_w)
        vcpus = float(host_cpus())
        d.sensors.append(CpuModelSensor(power, vcpus, lambda: node.cpu_busy_s, scope))  # polled once per tick
        d.probes.append(Probe("cpu-model", True, d.sensors[-1].source))
        d.hardware["cpu"]["power_model"] = {"min_w_per_vcpu": power.min_w_per_vcpu, "max_w_per_vcpu": power.max_w_per_vcpu,
                                            "basis": power.basis, "vcpus": vcpus, "vcpus_from": "all vCPUs of the machine",
                                            **power.details}
    elif scope != "process":  # allocation scope and plans split RAPL's energy at the node's (modelled) idle power
        power = cpu_power_model(info, tdp_w=cpu_tdp_w)
        for sn in rapl:
            if sn.component == "cpu":
                sn.idle_w, sn.busy_w = host_cpus() * power.min_w_per_vcpu, host_cpus() * power.max_w_per_vcpu
    host = host_memory_bytes()
    if "dram" in have and host and scope != "process":
        for sn in rapl:
            if sn.component == "dram":
                sn.idle_w = (ram_w_per_gb or RAM_W_PER_GB) * host / 1e9
    if "dram" not in have:
        if strict:
            raise StrictModeError("strict mode: no DRAM energy counter (RAPL dram domain), and strict forbids the RAM model")
        kw = {"w_per_gb": ram_w_per_gb} if ram_w_per_gb else {}
        if host:
            sensor = RamModelSensor(lambda: host, f"host RAM {host / 1e9:.2f} GB", **kw)
            d.sensors.append(sensor)
            d.probes.append(Probe("ram-model", True, sensor.source))
        else:
            d.unavailable["ram"] = "the machine's memory size is unknown (/proc/meminfo unreadable)"
            d.probes.append(Probe("ram-model", False, d.unavailable["ram"]))
        d.hardware["ram_gb_host"] = None if host is None else round(host / 1e9, 3)
    return d
