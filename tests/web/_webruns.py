"""Realistic runs written through the store's real write API, as the tracker writes them."""
from __future__ import annotations

import math

from wattwise.intensity.static import static_intensity
from wattwise.result import Component, Measurement, WindowResult
from wattwise.tracker import NOT_COUNTED
from wattwise.units import J_PER_KWH

T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC

GPU_HW = {"cpu": {"vendor": "GenuineIntel", "model_name": "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", "logical_cpus": 40,
                  "sockets": 2},
          "gpus": [{"index": 0, "name": "NVIDIA A100-SXM4-40GB", "uuid": "GPU-0"}], "ram_gb_host": 384.0}
VM_HW = {"cpu": {"vendor": "AuthenticAMD", "model_name": "AMD EPYC 7B13", "logical_cpus": 8, "virtual_machine": True,
                 "power_model": {"vcpus": 8.0, "basis": "ccf-vcpu"}}, "ram_gb_host": 32.0}


def write_run(store, run_id: str, *, project="demo", name=None, command="python train.py", start=T0, duration_s=3600.0,
              interval=10.0, components=None, epochs=0, region="FR", hardware=None, series=None, status="finished",
              pue=1.0, exit_code=0):
    """Write one finished run with samples, like the tracker does. Returns the Measurement.

    components: {name: (method, source, watts(t_rel))}. series: [(unix s, g/kWh)] makes the run
    hour-by-hour (intensity.method 'hourly' with the series stored in intensity.series).
    """
    components = components or {
        "cpu": ("measured", "rapl:package-0", lambda t: 95 + 25 * math.sin(t / 300)),
        "gpu:0": ("measured", "nvml:total_energy", lambda t: 240 + 60 * math.sin(t / 120) if t > 60 else 60),
        "ram": ("modelled", "Green Algorithms 0.3725 W/GB (Lannelongue et al. 2021, CC BY 4.0)", lambda t: 14.0),
    }
    store.create_run(run_id, project=project, name=name, command=command, start_ts=start, scope="process", region=region,
                     pue=pue, host="node-1", pid=1, meta={"interval_s": interval}, version="0.1.0")
    n = int(duration_s / interval)
    acc = {c: 0.0 for c in components}
    rows, seg = [], []
    prev_total = 0.0
    for i in range(1, n + 1):
        t = start + i * interval
        for c, (_, _, w) in components.items():
            p = float(w(i * interval))
            acc[c] += p * interval
            rows.append((t, c, acc[c], p))
        total = sum(acc.values())
        seg.append((t - interval, t, total - prev_total))
        prev_total = total
        if len(rows) >= 5000:
            store.append_samples(run_id, rows)
            rows = []
    store.append_samples(run_id, rows)
    inten = static_intensity(region)
    if series:
        import bisect
        import dataclasses

        st = [s[0] for s in series]
        g = sum(e * pue / J_PER_KWH * series[max(0, bisect.bisect_right(st, a) - 1)][1] for a, _, e in seg)
        e_kwh = prev_total * pue / J_PER_KWH
        from wattwise.units import iso

        inten = dataclasses.replace(inten, method="hourly", g_per_kwh=g / e_kwh if e_kwh else inten.g_per_kwh,
                                    extra={"series": [{"datetime": iso(t), "g_per_kwh": v} for t, v in series]})
    else:
        g = prev_total * pue / J_PER_KWH * inten.g_per_kwh
    wins = []
    if epochs:
        span = duration_s / epochs
        for k in range(epochs):
            a, b = start + k * span, start + (k + 1) * span
            share = {c: sum(float(w(x * interval)) * interval for x in range(int(k * span / interval) + 1,
                                                                              int((k + 1) * span / interval) + 1))
                     for c, (_, _, w) in components.items()}
            e = sum(share.values())
            wins.append(WindowResult(f"epoch {k + 1}", a, b, e, e * pue / J_PER_KWH * inten.g_per_kwh, share))
    comps = tuple(Component(c, acc[c], m, s, None, acc[c] / duration_s) for c, (m, s, _) in components.items())
    m = Measurement(run_id=run_id, start=start, end=start + duration_s, components=comps, intensity=inten, pue=pue,
                    scope="process", emissions_g=g, project=project, name=name, command=command, exit_code=exit_code,
                    host="node-1", status=status, pue_source="user" if pue != 1.0 else "default 1.0",
                    hardware=hardware if hardware is not None else GPU_HW, windows=tuple(wins),
                    not_counted=NOT_COUNTED, extra={"interval_s": interval, "samples": n, "wattwise_version": "0.1.0"})
    store.finish_run(m)
    return m
