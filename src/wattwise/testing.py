"""Test doubles that behave like the real thing, for wattwise's tests and for yours.

- ``FakePowercap``: a sysfs tree laid out like the kernel's powercap (``devices/virtual/
  powercap/intel-rapl/intel-rapl:N[/intel-rapl:N:M]`` with ``name``, ``energy_uj``,
  ``max_energy_range_uj``, and ``class/powercap/*`` symlinks); counters advance and wrap
  exactly as RAPL's do. Pass ``fake.root`` as ``powercap_root=`` or WATTWISE_POWERCAP_ROOT.
- ``FakeNVML``: a module-like object with pynvml's function names, error type and units
  (energy in mJ, power in mW); pass it as ``nvml=``.
- ``ReplaySensor``: replays a recorded cumulative-energy trace on a clock.
- ``FakeMachine``: a node whose jobs use the CPU time you decide, on a clock you advance: its
  ``node`` and ``job()`` objects are what the meter polls (``NodeUsage``/``ProcessTree``
  shaped), and it can drive a ``FakePowercap`` as a CPU package would (idle + W per busy CPU).

Example::

    from wattwise.testing import FakePowercap
    fake = FakePowercap(tmp_path, sockets=2)
    with wattwise.track(scope="node", powercap_root=fake.root, store=False) as run:
        fake.advance(0, package_j=50.0, dram_j=5.0)
    assert run.result.component("cpu").energy_j >= 50.0
"""
from __future__ import annotations

import bisect
import os
import threading
import time
from pathlib import Path
from typing import Callable, Sequence

DEFAULT_MAX_RANGE_UJ = 262143328850  # a common Intel value (~262 kJ)


class FakePowercap:
    def __init__(self, base: str | os.PathLike, sockets: int = 1, *, dram: bool = True, core: bool = True,
                 uncore: bool = False, psys: bool = False, max_energy_range_uj: int = DEFAULT_MAX_RANGE_UJ,
                 start_uj: int = 0):
        base = Path(base)
        self.devices = base / "devices" / "virtual" / "powercap" / "intel-rapl"
        self.root = base / "class" / "powercap"
        self.devices.mkdir(parents=True, exist_ok=True)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.devices / "enabled").write_text("1\n")
        if not (self.root / "intel-rapl").exists():
            os.symlink(self.devices, self.root / "intel-rapl")
        self.max_uj = max_energy_range_uj
        self._lock = threading.Lock()
        self.zones: dict[str, Path] = {}
        self.true_j: dict[str, float] = {}
        for n in range(sockets):
            z = self._zone(f"intel-rapl:{n}", f"package-{n}", None, start_uj)
            sub = 0
            if core:
                self._zone(f"intel-rapl:{n}:{sub}", "core", z, start_uj)
                sub += 1
            if uncore:
                self._zone(f"intel-rapl:{n}:{sub}", "uncore", z, start_uj)
                sub += 1
            if dram:
                self._zone(f"intel-rapl:{n}:{sub}", "dram", z, start_uj)
        if psys:
            self._zone(f"intel-rapl:{sockets}", "psys", None, start_uj)

    def _zone(self, zid: str, name: str, parent: Path | None, start_uj: int) -> Path:
        d = (parent or self.devices) / zid
        d.mkdir(parents=True, exist_ok=True)
        (d / "name").write_text(name + "\n")
        (d / "energy_uj").write_text(f"{start_uj % (self.max_uj + 1)}\n")
        (d / "max_energy_range_uj").write_text(f"{self.max_uj}\n")
        (d / "enabled").write_text("1\n")
        (d / "constraint_0_name").write_text("long_term\n")
        (d / "constraint_0_power_limit_uw").write_text("150000000\n")
        link = self.root / zid
        if not link.exists():
            os.symlink(d, link)
        self.zones[zid] = d
        self.true_j[zid] = 0.0
        return d

    def _bump(self, zid: str, joules: float) -> None:
        p = self.zones[zid] / "energy_uj"
        cur = int(p.read_text())
        new = (cur + int(round(joules * 1e6))) % (self.max_uj + 1)
        tmp = p.with_name(".energy_uj.tmp")
        tmp.write_text(f"{new}\n")
        os.replace(tmp, p)  # atomic, like a sysfs read never sees a torn value
        self.true_j[zid] += joules

    def zone_id(self, socket: int, name: str) -> str:
        for zid, d in self.zones.items():
            parts = zid.split(":")
            if int(parts[1]) == socket and (d / "name").read_text().strip() == name:
                return zid
        raise KeyError(f"socket {socket} has no {name} zone")

    def advance(self, socket: int = 0, package_j: float = 0.0, dram_j: float = 0.0, core_j: float | None = None) -> None:
        """Add energy to a socket's counters (core is a part of package; default 80 % of it)."""
        with self._lock:
            self._bump(self.zone_id(socket, f"package-{socket}"), package_j)
            if dram_j:
                self._bump(self.zone_id(socket, "dram"), dram_j)
            try:
                self._bump(self.zone_id(socket, "core"), package_j * 0.8 if core_j is None else core_j)
            except KeyError:
                pass

    def true_energy_j(self, name: str = "package") -> float:
        return sum(v for z, v in self.true_j.items() if (self.zones[z] / "name").read_text().startswith(name))

    def make_unreadable(self) -> None:
        """Mode 0400 on every energy_uj, as kernels >= 5.10 ship them (root-only)."""
        for d in self.zones.values():
            os.chmod(d / "energy_uj", 0o400)


class _NVMLError(Exception):
    _names = {1: "Uninitialized", 2: "Invalid Argument", 3: "Not Supported", 4: "Insufficient Permissions",
              9: "Driver Not Loaded", 12: "NVML Shared Library Not Found", 13: "Function Not Found", 15: "GPU is lost",
              999: "Unknown Error"}

    def __init__(self, value: int):
        super().__init__(value)
        self.value = value

    def __str__(self) -> str:
        return self._names.get(self.value, f"NVML error {self.value}")


class FakeGpu:
    def __init__(self, name: str = "NVIDIA A100-SXM4-80GB", uuid: str | None = None, *, energy_supported: bool = True,
                 power_supported: bool = True, power_w: float = 100.0):
        self.name, self.uuid = name, uuid or f"GPU-{os.urandom(4).hex()}-{os.urandom(2).hex()}-{os.urandom(2).hex()}"
        self.energy_supported, self.power_supported = energy_supported, power_supported
        self.energy_mj = 1_000_000  # the counter starts at driver load, not at 0
        self.power_w = power_w
        self.lost = False

    def advance(self, joules: float) -> None:
        self.energy_mj += int(round(joules * 1000))


class FakeNVML:
    """Module-like stand-in for pynvml with the same names, error type and units."""

    NVML_SUCCESS = 0
    NVML_ERROR_UNINITIALIZED = 1
    NVML_ERROR_NOT_SUPPORTED = 3
    NVML_ERROR_DRIVER_NOT_LOADED = 9
    NVML_ERROR_LIBRARY_NOT_FOUND = 12
    NVML_ERROR_GPU_IS_LOST = 15
    NVMLError = _NVMLError

    def __init__(self, gpus: Sequence[FakeGpu] = (), *, init_error: int | None = None):
        self.gpus = list(gpus)
        self.init_error = init_error
        self.initialised = 0
        self.calls: list[str] = []

    def _check(self):
        if self.initialised <= 0:
            raise _NVMLError(self.NVML_ERROR_UNINITIALIZED)

    def nvmlInit(self):
        self.calls.append("nvmlInit")
        if self.init_error is not None:
            raise _NVMLError(self.init_error)
        self.initialised += 1

    def nvmlShutdown(self):
        self.calls.append("nvmlShutdown")
        self._check()
        self.initialised -= 1

    def nvmlDeviceGetCount(self) -> int:
        self._check()
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, i: int) -> FakeGpu:
        self._check()
        if not 0 <= i < len(self.gpus):
            raise _NVMLError(2)
        return self.gpus[i]

    def nvmlDeviceGetHandleByUUID(self, uuid) -> FakeGpu:
        self._check()
        uuid = uuid.decode() if isinstance(uuid, bytes) else uuid
        for g in self.gpus:
            if g.uuid == uuid:
                return g
        raise _NVMLError(2)

    def nvmlDeviceGetUUID(self, h: FakeGpu) -> str:
        self._check()
        return h.uuid

    def nvmlDeviceGetName(self, h: FakeGpu) -> str:
        self._check()
        return h.name

    def nvmlDeviceGetTotalEnergyConsumption(self, h: FakeGpu) -> int:
        """Millijoules since the driver was loaded."""
        self._check()
        if h.lost:
            raise _NVMLError(self.NVML_ERROR_GPU_IS_LOST)
        if not h.energy_supported:
            raise _NVMLError(self.NVML_ERROR_NOT_SUPPORTED)
        return h.energy_mj

    def nvmlDeviceGetPowerUsage(self, h: FakeGpu) -> int:
        """Milliwatts."""
        self._check()
        if h.lost:
            raise _NVMLError(self.NVML_ERROR_GPU_IS_LOST)
        if not h.power_supported:
            raise _NVMLError(self.NVML_ERROR_NOT_SUPPORTED)
        return int(round(h.power_w * 1000))


class ReplaySensor:
    """Replays a cumulative energy trace [(seconds since start, joules), ...], linearly interpolated."""

    attribution = "none"

    def __init__(self, component: str, trace: Sequence[tuple[float, float]], *, method: str = "measured",
                 source: str = "replay", clock: Callable[[], float] = time.monotonic):
        if not trace:
            raise ValueError("empty trace")
        self.component, self.method, self.source = component, method, source
        self._t = [float(t) for t, _ in trace]
        self._e = [float(e) for _, e in trace]
        self._clock = clock
        self._t0 = clock()

    def read_energy_j(self) -> float:
        x = self._clock() - self._t0
        if x <= self._t[0]:
            return self._e[0]
        if x >= self._t[-1]:
            return self._e[-1]
        i = bisect.bisect_right(self._t, x)
        t0, t1, e0, e1 = self._t[i - 1], self._t[i], self._e[i - 1], self._e[i]
        return e0 + (e1 - e0) * (x - t0) / (t1 - t0)


class ConstantPowerSensor:
    """A component drawing constant power: energy = watts x elapsed."""

    attribution = "none"

    def __init__(self, component: str, watts: float, *, method: str = "measured", source: str = "constant",
                 clock: Callable[[], float] = time.monotonic):
        self.component, self.watts, self.method, self.source = component, watts, method, source
        self._clock = clock
        self._t0 = clock()

    def read_energy_j(self) -> float:
        return self.watts * (self._clock() - self._t0)


class FakeJob:
    """A tracked job on a FakeMachine: ``ProcessTree``'s ``poll()``, ``cpu_s`` and ``rss_bytes``."""

    def __init__(self, rss_bytes: float = 0.0):
        self.cpu_s, self.rss_bytes, self.peak_rss_bytes = 0.0, int(rss_bytes), int(rss_bytes)

    def poll(self) -> tuple[float, int]:
        return self.cpu_s, self.rss_bytes


class FakeMachine:
    """A node whose jobs use the CPU time you decide, on a clock you advance.

    Example (two jobs on a 4-vCPU node, one busy, one sleeping, RAPL counters following the load)::

        m = FakeMachine(cpus=4, mem_bytes=64e9)
        fake = FakePowercap(tmp_path)
        a, b = m.job(rss_bytes=2e9), m.job()
        m.run(1.0, {a: 1.0, b: 0.0}, other=0.5, powercap=fake)   # 1 s: a uses 1 CPU-s, others 0.5

    ``m.node`` has ``NodeUsage``'s ``poll()``, ``cpu_busy_s`` and ``mem_total_bytes``; ``m.clock``
    is a monotonic clock for meters and model sensors.
    """

    def __init__(self, cpus: int = 4, mem_bytes: float = 64e9, *, idle_w: float = 20.0, w_per_busy_cpu: float = 10.0,
                 dram_idle_w: float = 3.0, dram_w_per_busy_cpu: float = 0.5):
        self.cpus, self.t = cpus, 1000.0
        self.idle_w, self.w_per_busy_cpu = idle_w, w_per_busy_cpu
        self.dram_idle_w, self.dram_w_per_busy_cpu = dram_idle_w, dram_w_per_busy_cpu
        self.jobs: list[FakeJob] = []

        class _Node:
            cpu_busy_s = 0.0
            mem_total_bytes = int(mem_bytes)

            def poll(self) -> float:
                return self.cpu_busy_s

        self.node = _Node()

    def clock(self) -> float:
        return self.t

    def job(self, rss_bytes: float = 0.0) -> FakeJob:
        j = FakeJob(rss_bytes)
        self.jobs.append(j)
        return j

    def run(self, seconds: float, busy: dict, other: float = 0.0, powercap: "FakePowercap | None" = None) -> float:
        """Advance ``seconds``: each job in ``busy`` uses that many CPU-seconds per second, the rest of
        the node ``other``; returns the node's package energy (J) over the span (also added to ``powercap``)."""
        total = sum(busy.values()) + other
        if total > self.cpus + 1e-9:
            raise ValueError(f"{total} busy CPUs on a {self.cpus}-vCPU machine")
        for j, rate in busy.items():
            j.cpu_s += rate * seconds
        self.node.cpu_busy_s += total * seconds
        self.t += seconds
        pkg = (self.idle_w + self.w_per_busy_cpu * total) * seconds
        if powercap is not None:
            powercap.advance(0, package_j=pkg, dram_j=(self.dram_idle_w + self.dram_w_per_busy_cpu * total) * seconds)
        return pkg
