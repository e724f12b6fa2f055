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

from _webruns import T0, VM_HW, write_run  # noqa: E402
from wattwise.store import open_store  # noqa: E402


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
