"""Stores with realistic runs for the dashboard tests.

Runs are written through the store's real write API (create_run / append_samples /
finish_run with a Measurement), as the tracker writes them, or by the real Tracker over the
documented fakes of RAPL and NVML (``wattwise.testing``).
"""
from __future__ import annotations

import math
import threading
import time
import warnings

import pytest

# Starlette's TestClient warns, once at import, about its httpx backend; not our concern here.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    try:
        import starlette.testclient  # noqa: F401
    except ImportError:
        pass

from wattwise.intensity.static import static_intensity  # noqa: E402
from wattwise.result import Component, Measurement, WindowResult  # noqa: E402
from wattwise.store import open_store  # noqa: E402
from wattwise.tracker import NOT_COUNTED  # noqa: E402
from wattwise.units import J_PER_KWH  # noqa: E402

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


@pytest.fixture
def factory():
    """The run writer and the base time, for tests that build their own runs."""
    import types

    return types.SimpleNamespace(write_run=write_run, T0=T0)


@pytest.fixture
def many_runs():
    """many_runs(path, n, project=...): n short runs, one per minute."""
    def make(path, n, project="many"):
        st = open_store(path)
        for i in range(n):
            write_run(st, f"{i:012x}", project=project, name=f"exp {i}", start=T0 + 60 * i, duration_s=30, interval=10,
                      epochs=0)
        st.close()
    return make


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "runs.db"


@pytest.fixture
def demo_store(store_path):
    """Four runs of two projects: measured GPU training with epochs, an estimated VM run, an
    hour-by-hour run, and one whose project and name try to inject markup."""
    st = open_store(store_path)
    ids = {}
    ids["gpu"] = write_run(st, "a1b2c3d4e5f6", project="bert", name="bert-base fine-tune", start=T0, duration_s=3 * 3600,
                           interval=15.0, epochs=3, region="DE").run_id
    ids["vm"] = write_run(st, "0a0a0a0a0a0a", project="bert", name="tokenizer", start=T0 + 4 * 3600, duration_s=900,
                          interval=5.0, hardware=VM_HW, components={
                              "cpu": ("modelled", "ccf:EPYC 3rd Gen 0.46-1.96 W per vCPU x 8 vCPU(s)", lambda t: 9.0),
                              "ram": ("modelled", "Green Algorithms 0.3725 W/GB", lambda t: 3.0)}).run_id
    ids["hourly"] = write_run(st, "77778888aaaa", project="resnet", name="resnet50 hour-by-hour", start=T0 + 6 * 3600,
                              duration_s=4 * 3600, interval=30.0, region="GB",
                              series=[(T0 + (6 + h) * 3600, 120 + 60 * math.cos(h)) for h in range(-1, 6)]).run_id
    ids["evil"] = write_run(st, "dddd0000eeee", project="<script>alert(1)</script>", name="<img src=x onerror=alert(2)>",
                            command="python -c '</script><b>bold</b>'", start=T0 + 12 * 3600, duration_s=600,
                            interval=10.0, region="FR").run_id
    st.close()
    return store_path, ids


@pytest.fixture
def tracked_store(tmp_path):
    """A run measured by the real Tracker over fake RAPL and NVML counters, with windows."""
    from wattwise import Tracker
    from wattwise.testing import FakeGpu, FakeNVML, FakePowercap

    path = tmp_path / "tracked.db"
    fake = FakePowercap(tmp_path / "sys", sockets=1)
    gpu = FakeGpu()
    stop = threading.Event()

    def drive():
        while not stop.is_set():
            fake.advance(0, package_j=2.0, dram_j=0.3)
            gpu.advance(5.0)
            time.sleep(0.02)

    th = threading.Thread(target=drive, daemon=True)
    th.start()
    try:
        with Tracker(project="tracked", region="FR", interval=0.1, scope="node", store=str(path),
                     powercap_root=str(fake.root), nvml=FakeNVML([gpu]), install_handlers=False) as t:
            with t.window("epoch 1"):
                time.sleep(0.6)
            with t.window("epoch 2"):
                time.sleep(0.6)
    finally:
        stop.set()
        th.join()
    return path, t.result
