"""Runs written through the store's real write API (create_run, append_samples, finish_run), as the
tracker writes them: measured GPU and CPU counters, modelled RAM, emissions at the region's
bundled intensity."""
from __future__ import annotations

from wattwise.intensity.static import static_intensity
from wattwise.result import Component, Measurement

T0 = 1_735_689_600.0  # 2025-01-01 00:00 UTC


def write_run(store, run_id: str, *, project: str, start: float, hours: float, gpus: int = 8, gpu_w: float = 300.0,
              cpu_w: float = 150.0, ram_w: float = 30.0, region: str = "FR", pue: float = 1.2, name: str | None = None,
              status: str = "finished", cpu_method: str = "measured") -> Measurement:
    dur = hours * 3600.0
    watts = {"gpu": gpus * gpu_w, "cpu": cpu_w, "ram": ram_w}
    methods = {"gpu": ("measured", "nvml:total_energy"), "cpu": (cpu_method, "rapl:package-0"),
               "ram": ("modelled", "Green Algorithms 0.3725 W/GB")}
    store.create_run(run_id, project=project, name=name, command="python train.py", start_ts=start, scope="process",
                     region=region, pue=pue, host="node-1", pid=1, meta={"interval_s": 600.0}, version="0.1.0")
    steps = max(1, int(dur // 600))
    store.append_samples(run_id, [(start + dur * k / steps, c, w * dur * k / steps, w)
                                  for k in range(1, steps + 1) for c, w in watts.items()])
    comps = tuple(Component(c, w * dur, methods[c][0], methods[c][1], None, w) for c, w in watts.items())
    inten = static_intensity(region)
    energy_j = sum(watts.values()) * dur
    g = energy_j * pue / 3.6e6 * inten.g_per_kwh
    m = Measurement(run_id=run_id, start=start, end=start + dur, components=comps, intensity=inten, pue=pue,
                    scope="process", emissions_g=g, project=project, name=name, command="python train.py", exit_code=0,
                    host="node-1", status=status)
    store.finish_run(m)
    return m
