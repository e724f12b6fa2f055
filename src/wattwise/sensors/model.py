"""Labelled estimates where no energy counter exists.

CPU: E = n_vcpu x P_min x elapsed + (P_max - P_min) x busy CPU-seconds, with per-vCPU
P_min/P_max from ``cpuinfo.cpu_power_model``. In process scope, n_vcpu is the job's
allocation (affinity, cgroup quota) and busy time is the process tree's CPU time; in node
scope, all vCPUs and the machine's busy time. This is linear in utilisation between idle
and full load, the model SPECpower-derived coefficients were fitted for.

RAM: E = W/GB x allocated GB x elapsed, where the allocation is the cgroup memory limit
when one is set, else the tracked processes' resident set (process scope) or the host's
RAM (node scope). 0.3725 W/GB is Green Algorithms' figure (Lannelongue et al. 2021, after
Karyakin & Salem 2017); CodeCarbon uses 3 W per 8 GB = 0.375 W/GB.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

from ..cpuinfo import CpuPowerModel

RAM_W_PER_GB = 0.3725
RAM_SOURCE = "Green Algorithms 0.3725 W/GB (Lannelongue et al. 2021, CC BY 4.0)"
GB = 1e9


class CpuModelSensor:
    method = "modelled"
    attribution = "none"
    component = "cpu"

    def __init__(self, power: CpuPowerModel, vcpus: float, busy_s: Callable[[], float], scope: str,
                 clock: Callable[[], float] = time.monotonic):
        self.power, self.vcpus, self._busy, self._clock = power, vcpus, busy_s, clock
        self._t0 = clock()
        self._b0 = busy_s()
        what = "process tree CPU time" if scope == "process" else "machine CPU time (/proc/stat)"
        self.source = f"{power.source}; x {vcpus:g} vCPU(s) idle + {what} above idle"

    def read_energy_j(self) -> float:
        elapsed = self._clock() - self._t0
        busy = max(0.0, self._busy() - self._b0)
        busy = min(busy, self.vcpus * elapsed) if elapsed > 0 else busy
        return self.vcpus * self.power.min_w_per_vcpu * elapsed + (self.power.max_w_per_vcpu - self.power.min_w_per_vcpu) * busy


class RamModelSensor:
    """Integrates W/GB x allocation over time (trapezoid between reads)."""

    method = "modelled"
    attribution = "none"
    component = "ram"

    def __init__(self, alloc_bytes: Callable[[], float], basis: str, w_per_gb: float = RAM_W_PER_GB,
                 clock: Callable[[], float] = time.monotonic):
        self._alloc, self._clock, self.w_per_gb = alloc_bytes, clock, w_per_gb
        self._lock = threading.Lock()
        self._t = clock()
        self._b = alloc_bytes()
        self._total = 0.0
        src = RAM_SOURCE if w_per_gb == RAM_W_PER_GB else f"user {w_per_gb:g} W/GB"
        self.source = f"{src} x {basis}"

    def read_energy_j(self) -> float:
        with self._lock:
            t, b = self._clock(), self._alloc()
            self._total += self.w_per_gb * (b + self._b) / 2 / GB * (t - self._t)
            self._t, self._b = t, b
            return self._total
