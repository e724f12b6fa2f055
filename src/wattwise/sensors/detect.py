"""Ordered availability probes: RAPL, NVML, then labelled models for what has no counter."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import StrictModeError
from ..procs import ProcessTree, allocated_cpus, host_cpus, host_memory_bytes, memory_limit_bytes, node_cpu_busy_s
from . import Probe, SensorUnavailable
from .model import CpuModelSensor, RamModelSensor


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
           visible_gpus=...) -> Detection:
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

    # 3. Models for what has no counter
    if "cpu" not in have:
        if strict:
            raise StrictModeError("strict mode: no CPU energy counter (RAPL) is readable, and strict forbids the "
                                  "modelled estimate" + (f"; {d.probes[0].fix}" if d.probes[0].fix else ""))
        power = cpu_power_model(info, tdp_w=cpu_tdp_w)
        if scope == "process":
            vcpus, how = allocated_cpus()
            busy = lambda: tree.cpu_s  # noqa: E731 - refreshed by the meter once per tick
        else:
            vcpus, how = float(host_cpus()), "all CPUs"
            busy = node_cpu_busy_s
        d.sensors.append(CpuModelSensor(power, vcpus, busy, scope))
        d.probes.append(Probe("cpu-model", True, d.sensors[-1].source))
        d.hardware["cpu"]["power_model"] = {"min_w_per_vcpu": power.min_w_per_vcpu, "max_w_per_vcpu": power.max_w_per_vcpu,
                                            "basis": power.basis, "vcpus": vcpus, "vcpus_from": how, **power.details}
    if "dram" not in have:
        if strict:
            raise StrictModeError("strict mode: no DRAM energy counter (RAPL dram domain), and strict forbids the RAM model")
        limit, where = memory_limit_bytes()
        host = host_memory_bytes()
        kw = {"w_per_gb": ram_w_per_gb} if ram_w_per_gb else {}
        if limit:
            sensor = RamModelSensor(lambda: limit, f"cgroup memory limit {limit / 1e9:.2f} GB ({where})", **kw)
        elif scope == "process":
            sensor = RamModelSensor(lambda: tree.rss_bytes, "resident set of the tracked processes (sampled)", **kw)
        else:
            sensor = RamModelSensor(lambda: host or 0, f"host RAM {(host or 0) / 1e9:.2f} GB", **kw)
        d.sensors.append(sensor)
        d.probes.append(Probe("ram-model", True, sensor.source))
        d.hardware["ram_gb_host"] = None if host is None else round(host / 1e9, 3)
        if limit:
            d.hardware["ram_gb_limit"] = round(limit / 1e9, 3)
    return d
