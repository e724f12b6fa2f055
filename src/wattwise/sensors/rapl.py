"""CPU package and DRAM energy from the Linux powercap (RAPL) interface.

Layout (kernel ``drivers/powercap``): ``<root>/intel-rapl:N`` is a package zone
(``name`` = ``package-N``), ``<root>/intel-rapl:N:M`` its sub-zones (``core``, ``uncore``,
``dram``). Each zone has ``energy_uj`` (wrapping at ``max_energy_range_uj``). We count
packages plus ``dram`` only: ``core``/``uncore`` are inside the package and would double
count; ``psys`` (whole platform) overlaps the packages and is used only when no package
zone exists. AMD Zen parts appear through the same ``intel-rapl`` control type.
``intel-rapl-mmio`` duplicates the MSR package counter and is skipped.
"""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from . import SensorUnavailable

DEFAULT_ROOT = "/sys/class/powercap"
_ZONE_RE = re.compile(r"^intel-rapl:(\d+)(?::(\d+))?$")


def powercap_root(root: str | os.PathLike | None = None) -> Path:
    return Path(root or os.environ.get("WATTWISE_POWERCAP_ROOT") or DEFAULT_ROOT)


def grant_command(root: Path) -> str:
    return f"sudo chmod a+r {root}/intel-rapl:*/energy_uj"


class _Zone:
    __slots__ = ("path", "name", "max_uj", "last_uj", "total_uj")

    def __init__(self, path: Path, name: str):
        self.path = path / "energy_uj"
        self.name = name
        try:
            self.max_uj = int((path / "max_energy_range_uj").read_text())
        except (OSError, ValueError):
            self.max_uj = 0
        self.last_uj = self._raw()
        self.total_uj = 0

    def _raw(self) -> int:
        with open(self.path, "rb", buffering=0) as f:
            return int(f.read())

    def advance(self) -> int:
        cur = self._raw()
        delta = cur - self.last_uj
        if delta < 0:  # the counter wrapped (once per read interval at most)
            delta += self.max_uj if self.max_uj > 0 else 0
            if delta < 0:
                delta = 0
        self.last_uj = cur
        self.total_uj += delta
        return self.total_uj


def discover(root: Path) -> dict[str, list[tuple[Path, str]]]:
    """Return {'package': [...], 'dram': [...], 'psys': [...]} of (zone dir, name)."""
    found: dict[str, list[tuple[Path, str]]] = {"package": [], "dram": [], "psys": []}
    try:
        entries = sorted(os.listdir(root))
    except OSError:
        return found
    for entry in entries:
        m = _ZONE_RE.match(entry)
        if not m:
            continue
        zdir = root / entry
        try:
            name = (zdir / "name").read_text().strip()
        except OSError:
            continue
        if name.startswith("package"):
            if m.group(2) is None:
                found["package"].append((zdir, name))
        elif name == "dram":
            found["dram"].append((zdir, f"dram({entry})"))
        elif name == "psys" and m.group(2) is None:
            found["psys"].append((zdir, name))
        # core / uncore sub-zones are part of their package: never added.
    return found


class RaplSensor:
    """Sum of a set of RAPL zones (all packages, or all DRAM zones) as one component.

    Node-wide counters: packages are ``cpu-share``, DRAM ``memory-share`` (see
    ``wattwise.measure.attribution``). ``idle_w``/``busy_w``, when detection sets them, are the
    node's modelled idle and full-load power, used only in allocation scope and by plans.
    """

    method = "measured"
    idle_w: float | None = None
    busy_w: float | None = None

    def __init__(self, component: str, zones: list[_Zone]):
        self.component = component
        self.attribution = "memory-share" if component == "dram" else "cpu-share"
        self._zones = zones
        self._lock = threading.Lock()
        self.source = "rapl:" + "+".join(z.name for z in zones)

    def read_energy_j(self) -> float:
        with self._lock:
            return sum(z.advance() for z in self._zones) / 1e6


def open_rapl(root: str | os.PathLike | None = None) -> list[RaplSensor]:
    """Open package (``cpu``) and DRAM (``dram``) sensors, or raise SensorUnavailable with the reason."""
    root = powercap_root(root)
    if not root.exists():
        raise SensorUnavailable(f"no powercap interface at {root} (not Linux, no RAPL, or not mounted in this container;"
                                f" set WATTWISE_POWERCAP_ROOT to a host mount)")
    zones = discover(root)
    pkgs = zones["package"] or zones["psys"]
    if not pkgs:
        raise SensorUnavailable(f"no RAPL package zones under {root}")
    sensors = []
    try:
        pz = [_Zone(p, n) for p, n in pkgs]
        sensors.append(RaplSensor("cpu", pz))
        dz = [_Zone(p, n.split("(")[0] + "-" + p.name.split(":", 1)[1]) for p, n in zones["dram"]]
        if dz:
            sensors.append(RaplSensor("dram", dz))
    except PermissionError:
        raise SensorUnavailable(
            f"RAPL counters exist under {root} but are readable only by root (Linux >= 5.10, CVE-2020-8694)",
            fix=f"grant read access with: {grant_command(root)}   (or run as root)",
            present=True,
        ) from None
    except (OSError, ValueError) as e:
        raise SensorUnavailable(f"RAPL counters under {root} could not be read: {e}", present=True) from None
    return sensors
