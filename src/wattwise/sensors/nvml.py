"""NVIDIA GPU energy via NVML (the ``nvidia-ml-py`` package, module ``pynvml``).

Prefers the cumulative counter ``nvmlDeviceGetTotalEnergyConsumption`` (mJ, Volta and newer);
otherwise integrates ``nvmlDeviceGetPowerUsage`` (mW) between reads (trapezoid), and says so
in ``source``. Only the GPUs the job can see (``CUDA_VISIBLE_DEVICES``: indices, ``GPU-``
UUIDs or unique UUID prefixes, ``MIG-`` ids) are opened. No NVML call may abort the job: a
device that stops answering is reported, not raised.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from . import SensorUnavailable


def load_nvml(module: Any = None) -> Any:
    """The NVML module: the one passed in, WATTWISE_NVML_MODULE ('pkg.mod' or 'pkg.mod:attr', for
    tests of the CLI with a fake), or pynvml."""
    if module is not None:
        return module
    alt = os.environ.get("WATTWISE_NVML_MODULE")
    if alt:
        import importlib

        mod_name, _, attr = alt.partition(":")
        mod = importlib.import_module(mod_name)
        return getattr(mod, attr) if attr else mod
    try:
        import pynvml  # type: ignore[import-not-found]
    except ImportError:
        raise SensorUnavailable("nvidia-ml-py is not installed (pip install \"wattwise[nvidia]\")",
                                present=driver_present()) from None
    return pynvml


def driver_present() -> bool:
    return Path("/proc/driver/nvidia").exists() or Path("/dev/nvidiactl").exists()


def _s(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def visible_selectors(env: str | None) -> list[str] | None:
    """Parse CUDA_VISIBLE_DEVICES. None: all devices; []: none. Stops at the first invalid entry, as CUDA does."""
    if env is None:
        return None
    out: list[str] = []
    for tok in env.split(","):
        tok = tok.strip()
        if not tok:
            break
        if tok.isdigit() or tok.lower().startswith(("gpu-", "mig-")):
            out.append(tok)
        elif tok.lstrip("-").isdigit():  # negative index: CUDA ignores it and everything after
            break
        else:
            break
    return out


class NvmlGpuSensor:
    """One GPU the job can see, measured whole (``device``: not split among processes sharing it)."""

    method = "measured"
    attribution = "device"

    def __init__(self, nvml: Any, handle: Any, index: int, uuid: str, name: str, clock=time.monotonic):
        self._nvml, self._h, self._clock = nvml, handle, clock
        self.component = f"gpu:{index}"
        self.index, self.uuid, self.name = index, uuid, name
        self._lock = threading.Lock()
        self._total_j = 0.0
        self._e0 = None
        try:
            self._e0 = nvml.nvmlDeviceGetTotalEnergyConsumption(handle)
            self.source = f"nvml:total_energy ({name}, {uuid})"
        except nvml.NVMLError:
            self._e0 = None
        if self._e0 is None:
            # Fall back to power integration; if power is unsupported too, the device is unusable.
            self._last_p = nvml.nvmlDeviceGetPowerUsage(handle) / 1000.0
            self._last_t = clock()
            self.source = f"nvml:power_usage integrated between samples ({name}, {uuid})"

    def read_energy_j(self) -> float:
        with self._lock:
            if self._e0 is not None:
                try:
                    self._total_j = (self._nvml.nvmlDeviceGetTotalEnergyConsumption(self._h) - self._e0) / 1000.0
                    return self._total_j
                except self._nvml.NVMLError:
                    # Counter stopped working mid-run: continue by integrating power from here.
                    self._total_j = self._last_counter_j()
                    self._e0 = None
                    self._last_p = self._nvml.nvmlDeviceGetPowerUsage(self._h) / 1000.0
                    self._last_t = self._clock()
                    self.source = self.source.replace("nvml:total_energy", "nvml:total_energy then power_usage integrated")
                    return self._total_j
            p = self._nvml.nvmlDeviceGetPowerUsage(self._h) / 1000.0
            t = self._clock()
            self._total_j += (p + self._last_p) / 2.0 * (t - self._last_t)
            self._last_p, self._last_t = p, t
            return self._total_j

    def power_now_w(self) -> float:
        """The device's draw now (W): what a paused job's GPU is charged in a plan."""
        return self._nvml.nvmlDeviceGetPowerUsage(self._h) / 1000.0

    def _last_counter_j(self) -> float:
        return self._total_j

    def close(self) -> None:
        if getattr(self, "_owns_shutdown", False):
            self._owns_shutdown = False
            try:
                self._nvml.nvmlShutdown()
            except Exception:  # noqa: BLE001
                pass

    def describe(self) -> dict[str, Any]:
        return {"index": self.index, "uuid": self.uuid, "name": self.name}


def _select(nvml: Any, count: int, selectors: list[str] | None) -> list[int]:
    if selectors is None:
        return list(range(count))
    uuids = {}
    for i in range(count):
        try:
            uuids[i] = _s(nvml.nvmlDeviceGetUUID(nvml.nvmlDeviceGetHandleByIndex(i)))
        except nvml.NVMLError:
            uuids[i] = ""
    chosen: list[int] = []
    for sel in selectors:
        if sel.isdigit():
            i = int(sel)
            if i >= count:
                break
            chosen.append(i)
            continue
        if sel.lower().startswith("mig-"):
            continue  # MIG instance: energy is only reported for the parent GPU; not attributable
        matches = [i for i, u in uuids.items() if u.lower().startswith(sel.lower())]
        if len(matches) != 1:
            break
        chosen.append(matches[0])
    seen: list[int] = []
    for i in chosen:
        if i not in seen:
            seen.append(i)
    return seen


def open_gpus(nvml: Any = None, visible: str | None | type(...) = ...) -> list[NvmlGpuSensor]:
    """Open one sensor per visible GPU or raise SensorUnavailable saying why there are none."""
    mod = load_nvml(nvml)
    try:
        mod.nvmlInit()
    except Exception as e:  # NVMLError or a missing libnvidia-ml.so (OSError)
        present = driver_present() or nvml is not None or bool(os.environ.get("WATTWISE_NVML_MODULE"))
        if not present:
            raise SensorUnavailable(f"no NVIDIA driver on this machine ({e})") from None
        raise SensorUnavailable(
            f"NVML failed to initialise: {e}",
            fix="check `nvidia-smi`; a driver/library version mismatch needs a reboot or a driver reinstall;"
                " pass --no-gpu to run without GPU measurement",
            present=present,
        ) from None
    env = os.environ.get("CUDA_VISIBLE_DEVICES") if visible is ... else visible
    try:
        count = mod.nvmlDeviceGetCount()
        indices = _select(mod, count, visible_selectors(env))
        sensors = []
        skipped = []
        for i in indices:
            h = mod.nvmlDeviceGetHandleByIndex(i)
            uuid = _s(mod.nvmlDeviceGetUUID(h))
            name = _s(mod.nvmlDeviceGetName(h))
            try:
                sensors.append(NvmlGpuSensor(mod, h, i, uuid, name))
            except mod.NVMLError as e:
                skipped.append(f"gpu:{i} {name}: neither energy nor power is supported ({e})")
    except mod.NVMLError as e:
        raise SensorUnavailable(f"NVML query failed: {e}", present=True) from None
    if sensors:
        sensors[0]._owns_shutdown = True
    if not sensors:
        try:
            mod.nvmlShutdown()
        except Exception:  # noqa: BLE001
            pass
        why = "; ".join(skipped) or ("CUDA_VISIBLE_DEVICES hides every GPU" if count else "NVML reports no GPU")
        raise SensorUnavailable(why, present=bool(count))
    return sensors
