"""Lifecycle terms of an estimate beyond dynamic power: idle energy and embodied emissions.

Idle: hardware kept powered while not computing (queues, data loading, nodes held between
runs). The BLOOM study measured it as 46 % of the node energy and added 256,646 kWh; here it
is either count x idle power x ``idle_hours`` (idle power from the catalogue: Cloud Carbon
Footprint's per-GPU minimum watts, SPECpower idle ratios for CPUs) or a measured ``idle_kwh``.

Embodied: manufacturing emissions amortised per hour of use, kg / (lifetime years x 8760 h x
usage), as Luccioni et al. 2023 did for BLOOM (0.003 kg per GPU-hour, 0.056 kg per
server-hour), charged for the hours the hardware is occupied (computing + idle). Parts: each
accelerator card, plus the host server's share: a GPU server without its GPUs (BLOOM's
2,500 kg per 8 GPUs), a cloud platform's figure from Cloud Carbon Footprint shared by GPU or
vCPU count, or CCF's rack-server model for CPU jobs.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import UsageError
from .factors import factor
from .units import J_PER_KWH

if TYPE_CHECKING:
    from .estimate import Device

HOURS_PER_YEAR = 8760.0


def idle(devs: list[Device], idle_hours, idle_kwh) -> tuple[float | None, dict[str, Any]]:
    if idle_hours is None and idle_kwh is None:
        return None, {}
    info: dict[str, Any] = {"method": []}
    j = 0.0
    if idle_hours is not None:
        from .estimate import parse_hours

        ih = parse_hours(idle_hours, "idle-hours", allow_zero=True)
        parts = []
        missing = []
        for d in devs:
            if d.idle_w is None:
                missing.append(d.name)
                continue
            e = d.count * d.idle_w * ih * 3600.0
            j += e
            parts.append({"name": d.name, "count": d.count, "unit": d.unit, "idle_w": d.idle_w, "source": d.idle_source,
                          "energy_kwh": e / J_PER_KWH})
        if missing:
            raise UsageError(f"no idle power known for {', '.join(missing)}; give idle energy with --idle-kwh instead")
        info["hours"] = ih
        info["devices"] = parts
        info["method"].append(f"hardware kept on but idle for {ih:g} h: count x idle power x hours")
    if idle_kwh is not None:
        try:
            kwh = float(idle_kwh)
        except (TypeError, ValueError):
            raise UsageError(f"invalid --idle-kwh '{idle_kwh}'; give kWh, e.g. 250") from None
        if kwh != kwh or kwh < 0 or kwh > 1e10:
            raise UsageError(f"--idle-kwh {idle_kwh} is out of range; give the measured idle energy in kWh (>= 0)")
        j += kwh * J_PER_KWH
        info["measured_kwh"] = kwh
        info["method"].append(f"{kwh:g} kWh of measured idle energy (user input)")
    info["method"] = "; ".join(info["method"])
    return j, info


def embodied(devs, hours, idle_hours, inst, inst_count, lifetime_years, usage, server_kg, gpus_per_server, ram_gb,
              warnings) -> tuple[float, dict[str, Any]]:
    fu = factor("embodied:usage")
    if usage is None:
        use, use_src = fu.value, f"{fu.source} ({fu.license})"
    else:
        from .estimate import parse_utilization

        use = parse_utilization(usage)
        use_src = "user"
    life_user = None
    if lifetime_years is not None:
        try:
            life_user = float(lifetime_years)
        except (TypeError, ValueError):
            raise UsageError(f"invalid lifetime '{lifetime_years}'; give years, e.g. 4") from None
        if life_user != life_user or not (0.5 <= life_user <= 30):
            raise UsageError(f"lifetime {lifetime_years} years is out of range; use 0.5-30 (typical 4-6)")
    occupied = hours + idle_hours
    parts: list[dict[str, Any]] = []

    def add(name, count, unit, kg_each, life, life_src, src):
        per_h = kg_each / (life * HOURS_PER_YEAR * use)
        g = count * per_h * occupied * 1000.0
        parts.append({"name": name, "count": count, "unit": unit, "kgco2e_per_unit": kg_each, "lifetime_years": life,
                      "lifetime_source": life_src, "usage": use, "kgco2e_per_unit_hour": per_h, "hours": occupied,
                      "emissions_gco2e": g, "source": src})
        return g

    total = 0.0
    n_gpu = 0.0
    for d in devs:
        if d.kind in ("gpu", "tpu"):
            n_gpu += d.count
            if d.embodied_kgco2e is None:
                warnings.append(f"no embodied figure for {d.name}; its manufacturing emissions are not counted")
                continue
            life = life_user or d.lifetime_years or factor("embodied:server_lifetime_years").value
            total += add(d.name, d.count, d.unit, d.embodied_kgco2e, life,
                         "user" if life_user else d.lifetime_source, d.embodied_source)
    # the host server's share
    srv_life_f = factor("embodied:server_lifetime_years")
    life = life_user or srv_life_f.value
    life_src = "user" if life_user else f"{srv_life_f.source} ({srv_life_f.license})"
    if server_kg is not None:
        try:
            server_kg = float(server_kg)
        except (TypeError, ValueError):
            raise UsageError(f"invalid server embodied '{server_kg}'; give kgCO2e per server, e.g. 2500") from None
        if not (0 <= server_kg <= 1e6):
            raise UsageError(f"server embodied {server_kg:g} kgCO2e is out of range (0-1,000,000)")
    gps = None
    if gpus_per_server is not None:
        try:
            gps = float(gpus_per_server)
        except (TypeError, ValueError):
            raise UsageError(f"invalid GPUs per server '{gpus_per_server}'") from None
        if not (1 <= gps <= 64):
            raise UsageError(f"GPUs per server {gpus_per_server} is out of range (1-64)")
    if inst is not None and server_kg is None:
        if inst.accelerator_count:
            pg = inst.platform_gpus or inst.accelerator_count
            share = inst.accelerator_count / pg * inst_count
            if inst.host_embodied_kgco2e is not None:
                total += add(f"host platform of {inst.name} (without GPUs)", share, "server share",
                             inst.host_embodied_kgco2e, life, life_src,
                             f"{inst.source}: platform embodied minus its GPU cards, shared by GPU count")
            else:
                f = factor("embodied:gpu_server_kgco2e")
                total += add(f"GPU server of {inst.name} (without GPUs)", inst.accelerator_count * inst_count / (gps or 8),
                             "server share", f.value, life, life_src, f"{f.source} ({f.license})")
        else:
            pv = inst.platform_vcpus or inst.vcpus
            kg = inst.host_embodied_kgco2e
            src = f"{inst.source}: platform embodied, shared by vCPUs"
            if kg is None:
                kg = factor("embodied:cpu_server_base_kgco2e").value
                src = factor("embodied:cpu_server_base_kgco2e").source
            total += add(f"host platform of {inst.name}", inst.vcpus / pv * inst_count, "server share", kg, life, life_src, src)
    elif n_gpu and not any(p["name"].startswith("host platform") for p in parts):
        f = factor("embodied:gpu_server_kgco2e")
        fg = factor("embodied:gpus_per_server")
        kg = server_kg if server_kg is not None else f.value
        per = gps or fg.value
        src = "user" if server_kg is not None else f"{f.source} ({f.license})"
        total += add(f"GPU server (without GPUs), {per:g} GPUs per server", n_gpu / per, "server share", kg, life, life_src,
                     src + ("" if gps else f"; {per:g} GPUs per server: {fg.source}"))
    else:
        cpus = [d for d in devs if d.kind == "cpu"]
        if cpus:
            base = factor("embodied:cpu_server_base_kgco2e")
            add_cpu = factor("embodied:additional_cpu_kgco2e")
            thr = factor("embodied:dram_threshold_gb")
            per_gb = factor("embodied:dram_kgco2e_per_gb")
            ram = float(ram_gb or 0.0)
            for d in cpus:
                if server_kg is not None:
                    kg, src = server_kg, "user"
                    share = d.count if d.unit == "socket" else 1.0
                else:
                    sockets = d.count if d.unit == "socket" else 1.0
                    kg = base.value + add_cpu.value * (sockets - 1) + per_gb.value * max(0.0, ram - thr.value)
                    src = (f"{base.source}: {base.value:g} kg base + {add_cpu.value:g} kg per extra CPU + "
                           f"{per_gb.value:g} kg/GB above {thr.value:g} GB ({base.license})")
                    share = 1.0
                    if d.unit == "core" and d.cores:
                        share = d.count / d.cores
                total += add(f"server hosting {d.name}", share, "server share", kg, life, life_src, src)
        else:
            others = [d.name for d in devs if d.kind in ("other", "measured")]
            if others:
                warnings.append(f"no embodied figure for {', '.join(others)}; pass --gpu/--cpu for manufacturing emissions")
    return total, {"method": "kgCO2e / (lifetime years x 8760 h x usage) per unit-hour, x hours occupied "
                             "(Luccioni et al. 2023, BLOOM)",
                   "usage": use, "usage_source": use_src, "hours": occupied, "parts": parts}
