"""--like RUN_ID: scale an estimate from a run stored in a real SQLite store."""
from __future__ import annotations

import time

import pytest

import wattwise
from wattwise.errors import UsageError
from wattwise.result import Component, Intensity, Measurement
from wattwise.store import open_store

J_PER_KWH = 3.6e6


def _store_run(path, *, gpus=2, gpu_w=250.0, host_w=100.0, hours=0.5, region="FR", g=50.0, pue=1.0, status="finished"):
    st = open_store(str(path))
    t0 = time.time() - hours * 3600
    run_id = f"run{gpus}{int(gpu_w)}"
    st.create_run(run_id, project="p", start_ts=t0, scope="node", region=region, pue=pue)
    dur = hours * 3600
    comps = [Component(f"gpu:{i}", gpu_w * dur, "measured", f"nvml:total_energy (NVIDIA A100-SXM4-80GB, GPU-{i})")
             for i in range(gpus)]
    comps += [Component("cpu", host_w * 0.8 * dur, "measured", "rapl:package-0"),
              Component("dram", host_w * 0.2 * dur, "measured", "rapl:dram")]
    m = Measurement(run_id=run_id, start=t0, end=t0 + dur, components=tuple(comps),
                    intensity=Intensity(zone=region, g_per_kwh=g, source="test"), pue=pue, scope="node",
                    emissions_g=None, status=status,
                    hardware={"gpus": [{"index": i, "uuid": f"GPU-{i}", "name": "NVIDIA A100-SXM4-80GB"} for i in range(gpus)]})
    st.finish_run(m)
    st.close()
    return run_id


def test_like_same_hardware_scales_mean_power(tmp_path):
    db = tmp_path / "runs.db"
    rid = _store_run(db)
    e = wattwise.estimate(like=rid, store=str(db), hours=10, intensity=100, pue=1)
    mean_w = 2 * 250 + 100
    assert e.energy_kwh == pytest.approx(mean_w * 10 / 1000)
    assert e.inputs["like"]["run_id"] == rid and e.inputs["like"]["mean_power_w"] == pytest.approx(mean_w)
    assert "mean power of run" in e.devices[0].power_source


def test_like_uses_the_runs_region_and_pue_when_none_given(tmp_path):
    db = tmp_path / "runs.db"
    rid = _store_run(db, region="FR", pue=1.25)
    e = wattwise.estimate(like=rid, store=str(db), hours=1)
    assert e.region.id == "FR" and e.intensity.zone == "FR"
    assert e.pue == 1.25 and "measured run" in e.pue_source


def test_like_with_gpus_uses_measured_watts_per_gpu_and_scales_the_host(tmp_path):
    db = tmp_path / "runs.db"
    rid = _store_run(db, gpus=2, gpu_w=250, host_w=100)
    e = wattwise.estimate(gpu="A100-80GB:8", like=rid, store=str(db), hours=10, intensity=100, pue=1)
    gpu = e.devices[0]
    assert gpu.power_w == pytest.approx(250) and "measured mean per GPU" in gpu.power_source
    host = e.devices[1]
    assert host.kind == "measured" and host.count == pytest.approx(4)  # 8 GPUs / 2 measured
    assert e.energy_kwh == pytest.approx((8 * 250 + 4 * 100) * 10 / 1000)
    assert e.energy_kwh < wattwise.estimate(gpu="A100-80GB:8", hours=10, intensity=100, pue=1).energy_kwh


def test_like_counts_the_runs_gpus_for_embodied(tmp_path):
    db = tmp_path / "runs.db"
    rid = _store_run(db, gpus=2)
    e = wattwise.estimate(like=rid, store=str(db), hours=10, intensity=100, pue=1, embodied=True)
    gpu_parts = [p for p in e.breakdown["embodied"]["parts"] if p["unit"] == "GPU"]
    assert gpu_parts and gpu_parts[0]["name"] == "NVIDIA A100 SXM4 80GB" and gpu_parts[0]["count"] == 2


def test_like_prefix_and_errors(tmp_path):
    db = tmp_path / "runs.db"
    rid = _store_run(db)
    assert wattwise.estimate(like=rid[:5], store=str(db), hours=1, intensity=1).inputs["like"]["run_id"] == rid
    with pytest.raises(UsageError, match="no run with id 'zzz'"):
        wattwise.estimate(like="zzz", store=str(db), hours=1)
    st = open_store(str(db))
    st.create_run("unfinished1", start_ts=time.time(), scope="node")
    st.close()
    with pytest.raises(UsageError, match="no finished measurement"):
        wattwise.estimate(like="unfinished1", store=str(db), hours=1)
