"""The calculator: energy and emissions of a job before (or without) running it.

Method (the published calculators' formula, extended as the BLOOM study did):

- dynamic: sum over devices of count x power x hours, where power is the catalogue TDP x
  utilisation (Green Algorithms' n x P x u; ML CO2 Impact's TDP x hours at u = 1), a
  measured average (``power_w``, or a tracked run via ``like``), or 0.3725 W per GB of memory;
- idle (when asked): hardware kept powered while not computing: count x idle power x
  ``idle_hours``, and/or a measured ``idle_kwh`` (BLOOM's idle share was measured);
- facility energy = (dynamic + idle) x PUE; operational emissions = facility energy x grid
  intensity;
- embodied (when asked): manufacturing amortised per hour of use, kg / (lifetime years x
  8760 x usage) (BLOOM's 0.003 kg per GPU-hour and 0.056 kg per server-hour), for the
  accelerators and the host server's share, over the hours the hardware is occupied.

Every assumption goes into ``inputs`` with its source; ``alternatives`` prices the same job
in cleaner regions (the same cloud provider's, or nearby countries), because the default
output is where behaviour changes.
"""
from __future__ import annotations

import dataclasses
import re
import sys
import types
from dataclasses import dataclass, field
from typing import Any

from .errors import UsageError
from .factors import Factor, factor, factors  # noqa: F401  (re-exported)
from .units import J_PER_KWH

MAX_HOURS = 876_000.0  # a century of wall time: more is a typo (device-hours belong in count x hours)
MAX_COUNT = 1_000_000
MAX_RAM_GB = 10_000_000
G_PER_LB = 453.59237  # exact (avoirdupois pound)


# -- input parsing ------------------------------------------------------------------------------

_INTENSITY_RE = re.compile(
    r"^\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*(g|kg|t|lb|lbs)?\s*(?:co2e?q?)?\s*(?:/|per)?\s*(kwh|mwh)?\s*$", re.I)
_MASS_G = {"g": 1.0, "kg": 1000.0, "t": 1e6, "lb": G_PER_LB, "lbs": G_PER_LB}


def parse_intensity(value: float | str) -> float:
    """gCO2e/kWh from a number (g/kWh) or a string with units: '57', '0.954 lbs/kWh', '0.057 kg/kWh', '0.3 t/MWh'."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        g = float(value)
    else:
        m = _INTENSITY_RE.match(str(value))
        if not m:
            raise UsageError(f"invalid intensity '{value}'; give gCO2e/kWh (e.g. 56) or a unit: 0.954 lbs/kWh, 0.4 kg/kWh")
        g = float(m.group(1)) * _MASS_G[(m.group(2) or "g").lower()]
        if (m.group(3) or "kwh").lower() == "mwh":
            g /= 1000.0
    from .series import check_value

    return check_value(g, "--intensity")  # the one plausibility rule every intensity input follows


def parse_hours(value: float | str | None, what: str = "hours", *, allow_zero: bool = False) -> float:
    if value is None:
        raise UsageError(f"--{what} is required: how long the job runs, e.g. --{what} 72 (or 3d)")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        h = float(value)
    else:
        s = str(value).strip()
        try:
            h = float(s)
        except ValueError:
            from .units import parse_duration

            h = parse_duration(s, what=what, default_unit="h") / 3600.0
    if h != h or h < 0 or (h == 0 and not allow_zero):
        raise UsageError(f"invalid --{what} {value}: must be {'>= 0' if allow_zero else '> 0'} hours")
    if h > MAX_HOURS:
        raise UsageError(f"--{what} {h:g} is more than 100 years of wall time; for device-hours (e.g. 1,082,990 GPU-h) "
                         f"give the device count and the wall time: --gpu MODEL:COUNT --hours H")
    return h


def parse_utilization(value: float | str | None) -> float | None:
    if value is None:
        return None
    s = str(value).strip()
    pct = s.endswith("%")
    try:
        u = float(s.rstrip("%")) / (100.0 if pct else 1.0)
    except ValueError:
        raise UsageError(f"invalid utilisation '{value}'; give a fraction in (0, 1], e.g. 0.6 or 60%") from None
    if u != u or u <= 0 or u > 1:
        hint = f"; did you mean {u / 100:g} (or {u:g}%)?" if 1 < u <= 100 and not pct else ""
        if u == 0:
            hint = "; for hardware kept on but idle use --idle-hours"
        raise UsageError(f"utilisation {s} is outside (0, 1]{hint}")
    return u


def parse_pue(value: float | str | None) -> float | None:
    if value is None:
        return None
    try:
        p = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"invalid PUE '{value}'; a PUE is a ratio >= 1.0, e.g. 1.1") from None
    if p != p or p < 1.0 or p > 3.0:
        raise UsageError(f"PUE {value} is out of range; a PUE is >= 1.0 (1.0 = no overhead; data centres 1.1-1.6, max 3)")
    return p


def parse_spec(text: str, kind: str) -> tuple[str, float, str]:
    """'A100-80GB:8' -> ('A100-80GB', 8, 'unit'); CPUs also take 'MODEL:12c' (cores, Green Algorithms style)."""
    s = str(text or "").strip()
    model, count, unit = s, 1.0, "unit"
    if ":" in s:
        model, _, c = s.rpartition(":")
        c = c.strip().lower()
        m = re.fullmatch(r"(-?\d+)\s*(c|cores?)?", c)
        if not m:
            raise UsageError(f"invalid {kind} count in '{s}'; use MODEL:COUNT, e.g. A100-80GB:8"
                             + (" or MODEL:12c for cores" if kind == "cpu" else ""))
        if m.group(2):
            if kind != "cpu":
                raise UsageError(f"'{s}': a core count (':{c}') applies to --cpu only")
            unit = "core"
        count = float(int(m.group(1)))
    model = model.strip()
    if not model:
        raise UsageError(f"missing {kind} model in '{s}'; use MODEL:COUNT, e.g. A100-80GB:8")
    if count < 1:
        raise UsageError(f"{kind} count in '{s}' must be a whole number >= 1")
    if count > MAX_COUNT:
        raise UsageError(f"{kind} count in '{s}' is more than {MAX_COUNT:,}; check the number")
    return model, count, unit


# -- devices ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Device:
    """One resolved line of hardware: what it is, how many, and the power assumed for each."""

    kind: str  # gpu | tpu | cpu | ram | other | measured
    name: str
    count: float
    unit: str  # GPU | socket | core | vCPU | GB | device
    power_w: float  # average power per unit while the job computes (utilisation applied)
    power_source: str
    idle_w: float | None = None  # per unit, powered but idle
    idle_source: str = ""
    utilization: float | None = None  # applied to the catalogue power (None: a measured/user power)
    nominal_w: float | None = None  # catalogue TDP per unit before utilisation
    embodied_kgco2e: float | None = None  # per unit (accelerators)
    embodied_source: str = ""
    lifetime_years: float | None = None
    lifetime_source: str = ""
    query: str | None = None
    match: dict[str, Any] | None = None
    origin: str | None = None  # e.g. "instance p4d.24xlarge"
    cores: int | None = None  # cores per socket, for a CPU given in cores

    @property
    def total_power_w(self) -> float:
        return self.count * self.power_w

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "name": self.name, "count": self.count, "unit": self.unit,
                             "power_w": self.power_w, "power_source": self.power_source}
        if self.nominal_w is not None:
            d["tdp_w"] = self.nominal_w
        if self.utilization is not None:
            d["utilization"] = self.utilization
        if self.idle_w is not None:
            d["idle_w"] = self.idle_w
            d["idle_source"] = self.idle_source
        if self.embodied_kgco2e is not None:
            d["embodied_kgco2e"] = self.embodied_kgco2e
            d["embodied_source"] = self.embodied_source
            d["lifetime_years"] = self.lifetime_years
            d["lifetime_source"] = self.lifetime_source
        if self.query is not None:
            d["query"] = self.query
        if self.match:
            d["match"] = self.match
        if self.origin:
            d["from"] = self.origin
        return d


@dataclass(frozen=True)
class DeviceSpec:
    """What the user asked for (before the catalogue resolves it)."""

    kind: str  # gpu | cpu | other
    model: str
    count: float = 1
    unit: str = "unit"
    power_w: float | None = None


def _check_power(p: float | str | None, what: str) -> float | None:
    if p is None:
        return None
    try:
        w = float(p)
    except (TypeError, ValueError):
        raise UsageError(f"invalid --power-w '{p}' for {what}; give watts, e.g. 300") from None
    if w != w or w <= 0 or w > 100_000:
        raise UsageError(f"--power-w {p} for {what} is out of range; give the average watts of one device (0-100000)")
    return w


def _resolve_gpu(cat, spec: DeviceSpec, util: float | None, origin: str | None = None) -> Device:
    from .hardware import Accelerator

    try:
        m = cat.match_gpu(spec.model)
        acc: Accelerator = m.item
        match = m.to_dict()
    except UsageError:
        if spec.power_w is None:
            raise
        default = next(a for a in cat.gpus if not a.user)  # every bundled row carries the generic per-GPU figure
        return Device(
            kind="gpu", name=spec.model, count=spec.count, unit="GPU", power_w=spec.power_w,
            power_source="user --power-w (model not in the catalogue)", idle_w=None, idle_source="",
            embodied_kgco2e=default.embodied_kgco2e, embodied_source=default.embodied_source + " (generic per-GPU figure)",
            lifetime_years=default.lifetime_years, lifetime_source=default.lifetime_source, query=spec.model,
            match={"query": spec.model, "name": None, "confidence": "none", "why": "not in the catalogue; user power used"},
            origin=origin)
    if spec.power_w is not None:
        power, src, u = spec.power_w, "user --power-w (average power of one device)", None
    else:
        u = 1.0 if util is None else util
        power = acc.tdp_w * u
        src = f"TDP {acc.tdp_w:g} W x utilisation {u:g} ({acc.source}, {acc.license})"
    return Device(
        kind=acc.kind, name=acc.name, count=spec.count, unit="GPU" if acc.kind == "gpu" else "chip", power_w=power,
        power_source=src, idle_w=acc.idle_w, idle_source=acc.idle_source, utilization=u, nominal_w=acc.tdp_w,
        embodied_kgco2e=acc.embodied_kgco2e, embodied_source=acc.embodied_source, lifetime_years=acc.lifetime_years,
        lifetime_source=acc.lifetime_source, query=spec.model, match=match, origin=origin)


def _resolve_cpu(cat, spec: DeviceSpec, util: float | None) -> Device:
    try:
        m = cat.match_cpu(spec.model)
    except UsageError:
        if spec.power_w is None:
            raise
        return Device(kind="cpu", name=spec.model, count=spec.count, unit="core" if spec.unit == "core" else "socket",
                      power_w=spec.power_w, power_source="user --power-w (model not in the catalogue)", query=spec.model,
                      match={"query": spec.model, "name": None, "confidence": "none", "why": "not in the catalogue; user power used"})
    cpu = m.item
    if spec.unit == "core":
        if not cpu.cores:
            raise UsageError(f"core count of '{cpu.name}' is unknown; give sockets ('{spec.model}:1') or --power-w per core")
        if spec.count > cpu.cores * 16:
            raise UsageError(f"{spec.count:g} cores of '{cpu.name}' ({cpu.cores} cores per socket) is more than 16 sockets; "
                             f"check the count")
        per, unit, label = cpu.tdp_w / cpu.cores, "core", f"TDP {cpu.tdp_w:g} W / {cpu.cores} cores"
    else:
        per, unit, label = cpu.tdp_w, "socket", f"TDP {cpu.tdp_w:g} W"
    if spec.power_w is not None:
        power, src, u = spec.power_w, "user --power-w (average power of one device)", None
    else:
        u = 1.0 if util is None else util
        power = per * u
        src = f"{label} x utilisation {u:g} ({cpu.source}, {cpu.license})"
    return Device(kind="cpu", name=cpu.name, count=spec.count, unit=unit, power_w=power, power_source=src,
                  idle_w=per * cpu.idle_fraction, idle_source=f"{cpu.idle_fraction:.0%} of TDP: {cpu.idle_source}",
                  utilization=u, nominal_w=per, query=spec.model, match=m.to_dict(), cores=cpu.cores)


def _ram_device(gb: float, origin: str | None = None) -> Device:
    f = factor("ram_w_per_gb")
    return Device(kind="ram", name="memory", count=gb, unit="GB", power_w=f.value,
                  power_source=f"{f.value:g} W per GB allocated ({f.source}, {f.license})", idle_w=f.value,
                  idle_source="memory draws the same power idle (Green Algorithms model)", origin=origin)


def _instance_devices(cat, text: str, util: float | None, power_w: float | None):
    from .cpuinfo import CpuInfo, cpu_power_model

    name, count, _ = parse_spec(text, "instance")
    inst = cat.instance(name)
    origin = f"instance {inst.name}" + (f" x {count:g}" if count != 1 else "")
    devs: list[Device] = []
    if inst.accelerator:
        devs.append(_resolve_gpu(cat, DeviceSpec("gpu", inst.accelerator, inst.accelerator_count * count, power_w=power_w),
                                 util, origin))
    elif power_w is not None:
        raise UsageError(f"--power-w after --instance sets its accelerators' power, but {inst.name} has none; "
                         f"use --cpu MODEL:COUNT --power-w W instead")
    pm = cpu_power_model(CpuInfo(model_name=inst.cpu_model, logical_cpus=max(1, inst.vcpus), hypervisor=True))
    u = 1.0 if util is None else util
    devs.append(Device(kind="cpu", name=inst.cpu_model or "unknown CPU", count=inst.vcpus * count, unit="vCPU",
                       power_w=pm.max_w_per_vcpu * u,
                       power_source=f"{pm.max_w_per_vcpu:.2f} W per vCPU at full load x utilisation {u:g} ({pm.source})",
                       idle_w=pm.min_w_per_vcpu, idle_source=f"{pm.min_w_per_vcpu:.2f} W per vCPU at idle ({pm.source})",
                       utilization=u, nominal_w=pm.max_w_per_vcpu, origin=origin))
    if inst.memory_gb:
        devs.append(_ram_device(inst.memory_gb * count, origin))
    return inst, count, devs


# -- the result ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Estimate:
    """An estimate of one job. ``to_dict()`` is the JSON contract (DESIGN.md, ``estimate``)."""

    hours: float
    devices: tuple[Device, ...]
    dynamic_j: float
    idle_j: float | None  # None: idle not requested
    embodied_g: float | None  # None: embodied not requested
    pue: float
    pue_source: str
    intensity: Any  # wattwise.result.Intensity
    region: Any = None  # wattwise.regions.Region or None
    idle: dict[str, Any] = field(default_factory=dict)
    embodied: dict[str, Any] = field(default_factory=dict)
    alternatives: tuple[dict[str, Any], ...] = ()
    alternatives_note: str | None = None
    equivalents: tuple[dict[str, Any], ...] = ()
    inputs: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def energy_j(self) -> float:
        return self.dynamic_j + (self.idle_j or 0.0)

    @property
    def energy_kwh(self) -> float:
        return self.energy_j / J_PER_KWH

    @property
    def facility_energy_kwh(self) -> float:
        return self.energy_kwh * self.pue

    @property
    def operational_gco2e(self) -> float:
        return self.facility_energy_kwh * self.intensity.g_per_kwh

    @property
    def emissions_gco2e(self) -> float:
        return self.operational_gco2e + (self.embodied_g or 0.0)

    def _part(self, j: float | None) -> dict[str, Any] | None:
        if j is None:
            return None
        kwh = j / J_PER_KWH
        return {"energy_kwh": kwh, "facility_energy_kwh": kwh * self.pue,
                "emissions_gco2e": kwh * self.pue * self.intensity.g_per_kwh}

    @property
    def breakdown(self) -> dict[str, Any]:
        dyn = self._part(self.dynamic_j)
        dyn["devices"] = [{"name": d.name, "count": d.count, "unit": d.unit, "power_w": d.power_w,
                           "energy_kwh": d.total_power_w * self.hours * 3600 / J_PER_KWH} for d in self.devices]
        idle = self._part(self.idle_j)
        if idle is None:
            idle = {"included": False, "energy_kwh": None, "emissions_gco2e": None,
                    "note": "not requested: pass --idle-hours H (hardware kept on while not computing) or --idle-kwh E"}
        else:
            idle.update(included=True, **self.idle)
        if self.embodied_g is None:
            emb = {"included": False, "emissions_gco2e": None, "note": "not requested: pass --embodied"}
        else:
            emb = {"included": True, "emissions_gco2e": self.embodied_g, **self.embodied}
        dyn["included"] = True
        return {"dynamic": dyn, "idle": idle, "embodied": emb}

    def to_dict(self) -> dict[str, Any]:
        return {
            "estimate": True,
            "method": "estimate: catalogue power x utilisation x hours (no measurement)" if not self.inputs.get("like")
            else "estimate scaled from a measured run",
            "hours": self.hours,
            "energy_kwh": self.energy_kwh,
            "facility_energy_kwh": self.facility_energy_kwh,
            "pue": self.pue,
            "pue_source": self.pue_source,
            "emissions_gco2e": self.emissions_gco2e,
            "operational_emissions_gco2e": self.operational_gco2e,
            "embodied_emissions_gco2e": self.embodied_g,
            "intensity": self.intensity.to_dict(),
            "region": self.region.id if self.region is not None else None,
            "breakdown": self.breakdown,
            "inputs": self.inputs,
            "alternatives": list(self.alternatives),
            "alternatives_note": self.alternatives_note,
            "equivalents": list(self.equivalents),
            "warnings": list(self.warnings),
        }


# -- the calculator -----------------------------------------------------------------------------

def _as_list(x) -> list:
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def _specs(gpu, cpu, devices, power_w) -> list[DeviceSpec]:
    specs: list[DeviceSpec] = []
    for kind, items in (("gpu", _as_list(gpu)), ("cpu", _as_list(cpu))):
        for it in items:
            if isinstance(it, DeviceSpec):
                specs.append(it)
            else:
                model, count, unit = parse_spec(it, kind)
                specs.append(DeviceSpec(kind, model, count, unit))
    for it in _as_list(devices):
        if isinstance(it, DeviceSpec):
            specs.append(it)
            continue
        if not isinstance(it, dict):
            raise UsageError(f"invalid device {it!r}; give a dict like {{'kind': 'gpu', 'model': 'A100', 'count': 8}}")
        kind = str(it.get("kind", "gpu")).lower()
        if kind not in ("gpu", "cpu", "other"):
            raise UsageError(f"device kind '{kind}' is not gpu, cpu or other")
        model = it.get("model") or it.get("name")
        count = it.get("count", 1)
        try:
            count = float(count)
        except (TypeError, ValueError):
            raise UsageError(f"invalid count {count!r} for device '{model}'") from None
        if count != count or count <= 0 or count > MAX_COUNT:
            raise UsageError(f"device '{model}' count {count:g} must be > 0 and <= {MAX_COUNT:,}")
        unit = it.get("unit") or ("core" if it.get("cores") else "unit")
        specs.append(DeviceSpec(kind, str(model or ""), count, unit, _check_power(it.get("power_w"), str(model))))
    if power_w is not None:
        plain = [s for s in specs if s.power_w is None]
        if len(plain) != 1:
            raise UsageError("power_w is the average power of one device of a single --gpu/--cpu entry; with several "
                             "entries give each its own (CLI: --power-w after the entry; Python: devices=[...])")
        i = specs.index(plain[0])
        s = specs[i]
        specs[i] = DeviceSpec(s.kind, s.model, s.count, s.unit, _check_power(power_w, s.model))
    return specs


def estimate(gpu=None, cpu=None, ram_gb=None, hours=None, region=None, intensity=None, pue=None, power_w=None,
             utilization=None, embodied=False, *, instance=None, devices=None, idle_hours=None, idle_kwh=None,
             like=None, store=None, catalogue=None, lifetime_years=None, embodied_usage=None, server_kgco2e=None,
             gpus_per_server=None, alternatives: int = 3, basis=None) -> Estimate:
    """Estimate a job's energy and emissions; mirrors ``wattwise estimate`` (see docs/estimate.md).

    gpu / cpu: 'MODEL[:COUNT]' or a list of them (CPUs also 'MODEL:12c' for cores);
    hours: wall-clock hours (number, or '3d'); region or intensity (g/kWh or '0.954 lbs/kWh');
    pue; power_w: average watts of one device of the single gpu/cpu entry (or of the instance's accelerators
    when ``instance`` is given), replacing TDP x utilisation; utilization in (0, 1];
    embodied: add manufacturing emissions. Keyword-only: instance ('p4d.24xlarge[:N]'),
    devices (list of dicts with kind, model, count, power_w), idle_hours, idle_kwh,
    like (a run id) with store, catalogue (user CSV), lifetime_years, embodied_usage,
    server_kgco2e, gpus_per_server, alternatives (how many cleaner regions to list; 0 = none),
    basis ('lifecycle', the default, or 'direct': the intensity and every alternative are on it; with
    ``intensity`` it states that value's basis).
    """
    from . import hardware

    warnings: list[str] = []
    h = parse_hours(hours)
    util = parse_utilization(utilization)
    user_pue = parse_pue(pue)
    cat = hardware.catalogue(catalogue)
    specs = _specs(gpu, cpu, devices, power_w if instance is None else None)
    from . import calibration, compare, lifecycle

    run = calibration.load_run(like, store) if like else None

    devs: list[Device] = []
    inst = inst_count = None
    for s in specs:
        if s.kind == "gpu":
            devs.append(_resolve_gpu(cat, s, util))
        elif s.kind == "cpu":
            devs.append(_resolve_cpu(cat, s, util))
        else:
            if s.power_w is None:
                raise UsageError(f"device '{s.model}' of kind 'other' needs its average power (power_w)")
            devs.append(Device(kind="other", name=s.model, count=s.count, unit="device", power_w=s.power_w,
                               power_source="user-supplied average power"))
    if instance:
        inst, inst_count, idevs = _instance_devices(cat, instance, util, _check_power(power_w, str(instance)))
        devs.extend(idevs)
    if ram_gb is not None:
        try:
            gb = float(ram_gb)
        except (TypeError, ValueError):
            raise UsageError(f"invalid --ram-gb '{ram_gb}'; give gigabytes, e.g. 64") from None
        if gb != gb or gb <= 0 or gb > MAX_RAM_GB:
            raise UsageError(f"--ram-gb {ram_gb} is out of range; give the memory allocated in GB (> 0)")
        devs.append(_ram_device(gb))
    if run is not None:
        devs, run_info = calibration.apply_run(run, devs, cat, warnings)
    else:
        run_info = None
    if not devs:
        raise UsageError("nothing to estimate: give --gpu MODEL[:COUNT], --cpu MODEL[:COUNT], --ram-gb G, "
                         "--instance TYPE or --like RUN_ID")
    for d in devs:
        m = d.match or {}
        if m.get("confidence") == "medium":
            warnings.append(f"'{m['query']}' matched {d.name} (medium confidence: {m['why']}; also "
                            f"{', '.join(m.get('alternatives', [])[:3])}); name the exact model to be sure")
        elif m.get("confidence") == "none":
            warnings.append(f"'{m['query']}' is not in the catalogue; used your --power-w and generic embodied figures")

    # intensity and region
    reg, inten = _intensity(region, intensity, run, basis)
    if inten.estimated:
        warnings.append(f"region not given: {inten.region_from}; using {inten.zone} ({inten.g_per_kwh:g} gCO2e/kWh); "
                        f"pass --region")
    if inst is not None and reg is not None and reg.provider and reg.provider != inst.provider:
        warnings.append(f"instance {inst.name} is an {inst.provider} type but the region {reg.id} is {reg.provider}'s")
    pue_v, pue_src = _pue(user_pue, reg, run)

    # energy
    dynamic_j = sum(d.total_power_w for d in devs) * h * 3600.0
    idle_j, idle_info = lifecycle.idle(devs, idle_hours, idle_kwh)

    # embodied
    emb_g, emb_info = (None, {})
    if embodied:
        emb_g, emb_info = lifecycle.embodied(devs, h, idle_info.get("hours") or 0.0, inst, inst_count, lifetime_years,
                                    embodied_usage, server_kgco2e, gpus_per_server, ram_gb, warnings)

    est = Estimate(hours=h, devices=tuple(devs), dynamic_j=dynamic_j, idle_j=idle_j, embodied_g=emb_g, pue=pue_v,
                   pue_source=pue_src, intensity=inten, region=reg, idle=idle_info, embodied=emb_info)
    alts, note = compare.alternatives(reg, energy_kwh=est.energy_kwh, embodied_g=est.embodied_g or 0.0,
                                      current_g=est.emissions_gco2e, pue=pue_v, pue_source=pue_src, user_pue=user_pue,
                                      pue_for=lambda r: _pue(None, r, None), n=alternatives, basis=inten.basis)
    inputs = _inputs(est, util, user_pue, inst, inst_count, run_info, catalogue)
    return dataclasses.replace(est, alternatives=tuple(alts), alternatives_note=note,
                               equivalents=tuple(compare.equivalents(est.emissions_gco2e)), inputs=inputs,
                               warnings=tuple(dict.fromkeys(warnings)))


def _intensity(region, intensity, run, basis=None):
    from . import regions
    from .intensity.static import static_intensity, user_intensity

    reg = None
    if region is not None:
        reg = regions.resolve(region, basis)
    if intensity is not None:
        g = parse_intensity(intensity)
        return reg, user_intensity(g, reg.id if reg else None, basis)
    if reg is None and run is not None:
        ri = (run.get("result") or {}).get("intensity") or {}
        rid = ri.get("region") or ri.get("zone")
        if rid and rid != "user":
            try:
                reg = regions.resolve(rid)
            except UsageError:
                reg = None
        if reg is None and ri.get("g_per_kwh") is not None:
            from .result import Intensity

            return None, Intensity(zone=rid or "run", g_per_kwh=float(ri["g_per_kwh"]), source=f"run's intensity ({ri.get('source')})",
                                   signal=ri.get("signal", "average"), method="user", region_from="--like run",
                                   basis=ri.get("basis") if ri.get("basis") in regions.BASES else None)
        if reg is not None:
            reg = reg.on(basis)
            return reg, static_intensity(reg.id, region_from="--like run's region", basis=basis)
    if reg is not None:
        return reg, static_intensity(reg.id, region_from="explicit", basis=basis)
    inten = static_intensity(None, basis=basis)
    rid = inten.region or inten.zone
    return (regions.get(rid, basis) if rid else None), inten


def _pue(user_pue, reg, run) -> tuple[float, str]:
    if user_pue is not None:
        return user_pue, "user"
    if reg is not None and reg.kind == "cloud":
        if reg.pue:
            return reg.pue, reg.pue_source or f"{reg.provider} figure for {reg.id}"
        key = f"pue:{reg.provider}"
        f = factors().get(key)
        if f:
            return f.value, f"{reg.provider} fleet average: {f.source} ({f.license}, {f.year})"
    if run is not None:
        r = run.get("result") or {}
        if r.get("pue"):
            return float(r["pue"]), f"the measured run's PUE ({r.get('pue_source') or 'as recorded'})"
    f = factor("pue:unknown")
    return f.value, f"default for an unknown data centre: {f.source} ({f.license}); pass --pue 1 for a workstation"


def _inputs(est: Estimate, util, user_pue, inst, inst_count, run_info, catalogue_file) -> dict[str, Any]:
    i = est.intensity
    d: dict[str, Any] = {
        "hours": {"value": est.hours, "unit": "h", "source": "user"},
        "utilization": {"value": 1.0 if util is None else util, "unit": "fraction of TDP",
                        "source": "user" if util is not None else
                        "default 1.0: full TDP, as ML CO2 Impact and Green Algorithms assume (an upper bound for most jobs)"},
        "hardware": [x.to_dict() for x in est.devices],
        "intensity": {"value": i.g_per_kwh, "unit": "gCO2e/kWh", "zone": i.zone, "source": i.source, "year": i.year,
                      "license": i.license, "signal": i.signal, "basis": i.basis, "method": i.method,
                      "region_from": i.region_from},
        "pue": {"value": est.pue, "unit": "ratio", "source": est.pue_source},
    }
    if est.idle_j is not None:
        d["idle"] = {k: v for k, v in est.idle.items() if k != "devices"}
    if est.embodied_g is not None:
        d["embodied"] = {"usage": est.embodied["usage"], "usage_source": est.embodied["usage_source"],
                         "hours_occupied": est.embodied["hours"],
                         "parts": [{k: p[k] for k in ("name", "kgco2e_per_unit", "lifetime_years", "lifetime_source", "source")}
                                   for p in est.embodied["parts"]]}
    if inst is not None:
        d["instance"] = {**inst.to_dict(), "count": inst_count}
    if run_info:
        d["like"] = run_info
    if catalogue_file:
        d["catalogue"] = str(catalogue_file)
    return d


__all__ = ["Estimate", "Device", "DeviceSpec", "Factor", "estimate", "factors", "parse_intensity",
           "parse_spec", "parse_hours", "parse_utilization", "parse_pue"]


class _CallableModule(types.ModuleType):
    """``wattwise.estimate`` is both this module and the public function (DESIGN.md). Importing the submodule
    rebinds the package attribute to the module, so the module itself must be callable: it calls estimate()."""

    def __call__(self, *args, **kwargs) -> Estimate:
        return estimate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
