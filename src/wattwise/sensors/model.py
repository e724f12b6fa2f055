"""Labelled estimates where no energy counter exists. Both model the whole node; the meter's
attribution rule (``wattwise.measure.attribution``) gives the job its share, exactly as it
does for RAPL's node-wide counters.

CPU: E = n_vcpu x P_min x elapsed + (P_max - P_min) x busy CPU-seconds, for all the machine's
vCPUs and its busy time (/proc/stat), with per-vCPU P_min/P_max from
``cpuinfo.cpu_power_model``. This is linear in utilisation between idle and full load, the
model SPECpower-derived coefficients were fitted for.

RAM: E = W/GB x installed GB x elapsed. 0.3725 W/GB is Green Algorithms' figure (Lannelongue
et al. 2021, after Karyakin & Salem 2017); CodeCarbon uses 3 W per 8 GB = 0.375 W/GB. In
process scope the job is charged its resident set's part of it, in allocation scope its
memory limit's part.
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
    """The machine's CPU energy, modelled from its vCPUs and busy time (``busy_s``: CPU-seconds)."""

    method = "modelled"
    attribution = "cpu-share"
    component = "cpu"

    def __init__(self, power: CpuPowerModel, vcpus: float, busy_s: Callable[[], float], scope: str = "node",
                 clock: Callable[[], float] = time.monotonic):
        self.power, self.vcpus, self._busy, self._clock = power, vcpus, busy_s, clock
        self._t0 = clock()
        self._b0 = busy_s()
        self.idle_w = vcpus * power.min_w_per_vcpu  # the node's idle and full-load power: allocation scope, plans
        self.busy_w = vcpus * power.max_w_per_vcpu
        self.source = f"{power.source}; x {vcpus:g} vCPU(s) of the machine idle + its CPU time (/proc/stat) above idle"

    def read_energy_j(self) -> float:
        elapsed = self._clock() - self._t0
        busy = max(0.0, self._busy() - self._b0)
        busy = min(busy, self.vcpus * elapsed) if elapsed > 0 else busy
        return self.vcpus * self.power.min_w_per_vcpu * elapsed + (self.power.max_w_per_vcpu - self.power.min_w_per_vcpu) * busy


class RamModelSensor:
    """Integrates W/GB x allocation over time (trapezoid between reads)."""

    method = "modelled"
    attribution = "memory-share"
    component = "ram"

    def __init__(self, alloc_bytes: Callable[[], float], basis: str, w_per_gb: float = RAM_W_PER_GB,
                 clock: Callable[[], float] = time.monotonic):
        self._alloc, self._clock, self.w_per_gb = alloc_bytes, clock, w_per_gb
        self._lock = threading.Lock()
        self._t = clock()
        self._b = alloc_bytes()
        self._total = 0.0
        self.idle_w = w_per_gb * self._b / GB  # memory has no busy state: its power is its idle power
        src = RAM_SOURCE if w_per_gb == RAM_W_PER_GB else f"user {w_per_gb:g} W/GB"
        self.source = f"{src} x {basis}"

    def read_energy_j(self) -> float:
        with self._lock:
            t, b = self._clock(), self._alloc()
            self._total += self.w_per_gb * (b + self._b) / 2 / GB * (t - self._t)
            self._t, self._b = t, b
            return self._total
