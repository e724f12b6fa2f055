"""NVML through a fake module with pynvml's names, error type and units."""
from __future__ import annotations

import pytest

import wattwise
from wattwise.errors import StrictModeError
from wattwise.sensors import SensorUnavailable
from wattwise.sensors.nvml import open_gpus, visible_selectors
from wattwise.testing import FakeGpu, FakeNVML


def test_energy_counter_in_millijoules():
    g = FakeGpu()
    nv = FakeNVML([g])
    (s,) = open_gpus(nv, visible=None)
    g.advance(123.456)
    assert s.read_energy_j() == pytest.approx(123.456, abs=1e-3)
    assert s.source.startswith("nvml:total_energy")
    assert s.component == "gpu:0"


def test_power_integration_when_counter_unsupported():
    t = [0.0]
    g = FakeGpu(energy_supported=False, power_w=100.0)
    nv = FakeNVML([g])
    from wattwise.sensors.nvml import NvmlGpuSensor

    nv.nvmlInit()
    s = NvmlGpuSensor(nv, g, 0, g.uuid, g.name, clock=lambda: t[0])
    t[0] = 2.0
    assert s.read_energy_j() == pytest.approx(200.0)
    g.power_w = 300.0
    t[0] = 3.0
    assert s.read_energy_j() == pytest.approx(200.0 + 200.0)  # trapezoid (100+300)/2 x 1 s
    assert "integrated" in s.source


@pytest.mark.parametrize("env,expect", [
    (None, [0, 1, 2]), ("", []), ("1", [1]), ("2,0", [2, 0]), ("0,7,1", [0]), ("1,-1,2", [1]), ("0,0", [0]),
])
def test_cuda_visible_devices_indices(env, expect):
    gpus = [FakeGpu(uuid=f"GPU-aaaa{i}") for i in range(3)]
    nv = FakeNVML(gpus)
    if not expect:
        with pytest.raises(SensorUnavailable, match="hides every GPU"):
            open_gpus(nv, visible=env)
        return
    assert [s.index for s in open_gpus(nv, visible=env)] == expect


def test_cuda_visible_devices_uuid_prefixes():
    gpus = [FakeGpu(uuid="GPU-11111111-aaaa"), FakeGpu(uuid="GPU-22222222-bbbb"), FakeGpu(uuid="GPU-22223333-cccc")]
    nv = FakeNVML(gpus)
    assert [s.index for s in open_gpus(nv, visible="GPU-2222222,GPU-1")] == [1, 0]
    # an ambiguous prefix ends the list, as in CUDA
    assert [s.index for s in open_gpus(nv, visible="GPU-1,GPU-2222")] == [0]
    assert visible_selectors("0,foo,1") == ["0"]


def test_unsupported_gpu_call_mid_run_never_aborts_the_job():
    g = FakeGpu()
    nv = FakeNVML([g])
    with wattwise.track(scope="node", nvml=nv, store=False, region="FR", powercap_root="/nonexistent", interval=0.1) as run:
        import time

        g.advance(50)
        time.sleep(0.35)
        g.lost = True  # the device falls off the bus
        time.sleep(0.35)
    gpu = run.result.component("gpu:0")
    assert gpu.energy_j == pytest.approx(50, abs=0.01)
    assert gpu.reason and "stopped answering" in gpu.reason
    assert any("gpu:0" in w for w in run.result.warnings)


def test_counter_fails_then_falls_back_to_power():
    g = FakeGpu(power_w=200.0)
    nv = FakeNVML([g])
    (s,) = open_gpus(nv, visible=None)
    g.advance(10)
    assert s.read_energy_j() == pytest.approx(10)
    g.energy_supported = False
    assert s.read_energy_j() == pytest.approx(10)
    assert "then power_usage integrated" in s.source


def test_broken_nvml_is_reported_and_strict_fails():
    nv = FakeNVML([FakeGpu()], init_error=FakeNVML.NVML_ERROR_DRIVER_NOT_LOADED)
    t = wattwise.Tracker(scope="node", nvml=nv, store=False, region="FR", powercap_root="/nonexistent")
    t.start()
    m = t.stop()
    gpu = m.component("gpu")
    assert gpu.energy_j is None and gpu.method == "unavailable" and "Driver Not Loaded" in gpu.reason
    with pytest.raises(StrictModeError):
        wattwise.Tracker(scope="node", nvml=nv, store=False, region="FR", strict=True,
                         powercap_root="/nonexistent").start()


def test_shutdown_called_once():
    nv = FakeNVML([FakeGpu(), FakeGpu()])
    with wattwise.track(nvml=nv, store=False, region="FR", interval=0.1):
        pass
    assert nv.calls.count("nvmlInit") == 1 and nv.calls.count("nvmlShutdown") == 1
