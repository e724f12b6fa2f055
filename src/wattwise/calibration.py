"""Calibrate an estimate from a measured run (``--like RUN_ID``): measured watts instead of TDP.

TDP x utilisation is an upper bound; a tracked run of the same job knows the real mean power.
With no hardware given, the estimate is the run's mean power x the new hours (same machine).
With ``--gpu``, each GPU takes the run's measured mean power per GPU, and the run's host
power (CPU, memory) scales with the GPU count unless ``--cpu``/``--ram-gb`` describe the host.
The run's GPUs (from its hardware record) still count for embodied emissions.
"""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Iterable

from .errors import UsageError
from .units import J_PER_KWH

if TYPE_CHECKING:
    from .estimate import Device


def load_run(like: str, store) -> dict[str, Any]:
    from .store import open_store

    st = open_store(store, readonly=True)
    try:
        rid = st.resolve_id(str(like))
        r = st.get_run(rid)
    finally:
        try:
            st.close()
        except Exception:  # noqa: BLE001
            pass
    res = (r or {}).get("result")
    if not res or not res.get("duration_s") or res.get("energy_kwh") is None:
        raise UsageError(f"run '{like}' has no finished measurement to scale from (status {r.get('status') if r else '?'})")
    if res["duration_s"] < 1:
        raise UsageError(f"run '{like}' lasted {res['duration_s']:.2f} s; too short to scale from")
    return r


def apply_run(run: dict[str, Any], devs: list[Device], cat, warnings: list[str]) -> tuple[list[Device], dict[str, Any]]:
    res = run["result"]
    dur = float(res["duration_s"])
    comps = [c for c in res.get("components", []) if c.get("energy_kwh") is not None]
    gpu_c = [c for c in comps if c["name"].startswith("gpu")]
    host_c = [c for c in comps if not c["name"].startswith("gpu")]
    gpu_w = sum(c["energy_kwh"] for c in gpu_c) * J_PER_KWH / dur
    host_w = sum(c["energy_kwh"] for c in host_c) * J_PER_KWH / dur
    methods = sorted({c.get("method", "?") for c in comps})
    label = f"run {res['run_id']} ({dur / 3600:.2f} h, {', '.join(methods)})"
    info = {"run_id": res["run_id"], "duration_s": dur, "energy_kwh": res["energy_kwh"], "mean_power_w": gpu_w + host_w,
            "gpu_mean_power_w": gpu_w if gpu_c else None, "host_mean_power_w": host_w, "gpus_measured": len(gpu_c),
            "methods": methods}
    hw_gpus = (res.get("hardware") or {}).get("gpus") or []
    if not devs:
        from .estimate import Device

        out = [Device(kind="measured", name=f"as measured in {label}", count=1, unit="run", power_w=gpu_w + host_w,
                      power_source=f"mean power of {label}")]
        if hw_gpus:  # the measured GPUs, for embodied emissions only (their power is in the measured mean)
            for name, cnt in _count_names(g.get("name", "") for g in hw_gpus):
                try:
                    acc = cat.match_gpu(name).item
                except UsageError:
                    warnings.append(f"measured GPU '{name}' is not in the catalogue; its embodied emissions are not counted")
                    continue
                out.append(Device(kind=acc.kind, name=acc.name, count=cnt, unit="GPU", power_w=0.0,
                                  power_source="power counted in the measured mean", idle_w=acc.idle_w,
                                  idle_source=acc.idle_source, embodied_kgco2e=acc.embodied_kgco2e,
                                  embodied_source=acc.embodied_source, lifetime_years=acc.lifetime_years,
                                  lifetime_source=acc.lifetime_source, query=name, origin=f"run {res['run_id']}"))
        info["scaling"] = "same hardware: the run's mean power x hours"
        return out, info
    from .estimate import Device

    new: list[Device] = []
    est_gpus = sum(d.count for d in devs if d.kind in ("gpu", "tpu"))
    for d in devs:
        if d.kind in ("gpu", "tpu") and gpu_c and "user --power-w" not in d.power_source:
            per = gpu_w / len(gpu_c)
            d = dataclasses.replace(d, power_w=per, utilization=None,
                                    power_source=f"measured mean per GPU in {label} ({per:.1f} W vs TDP {d.nominal_w:g} W)")
        new.append(d)
    if gpu_c and est_gpus and not any(d.kind in ("cpu", "ram") for d in devs) and host_w > 0:
        scale = est_gpus / len(gpu_c)
        new.append(Device(kind="measured", name=f"host (CPU, memory) as measured in {label}", count=scale, unit="x run host",
                          power_w=host_w, power_source=f"mean host power of {label}, scaled by GPU count "
                                                       f"({est_gpus:g} / {len(gpu_c)})"))
        info["scaling"] = f"per-GPU measured power; host power x {scale:g}"
    elif not gpu_c and est_gpus:
        warnings.append(f"run {res['run_id']} measured no GPU; the GPUs use catalogue power")
        info["scaling"] = "run had no GPU energy; catalogue power for GPUs"
    else:
        info["scaling"] = "per-GPU measured power" if gpu_c else "catalogue power (the run adds nothing per device)"
    return new, info


def _count_names(names: Iterable[str]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for n in names:
        if n:
            counts[n] = counts.get(n, 0) + 1
    return list(counts.items())
