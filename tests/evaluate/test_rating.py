"""The energy rating: five equal bands of the reference range (AI Energy Score), checked against a
reading of the shipped table done here with the csv module; refusals when task or hardware differ;
the shipped table against the data curator's own min-energy derivation."""
from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

import wattwise
from wattwise.errors import UsageError
from wattwise.evaluate import rate, rate_energy, reference_tasks

TABLE = Path(wattwise.__file__).parent / "data" / "inference_energy_reference.csv"


def _rows():
    with TABLE.open(encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def _expected(task, gpu, wh):
    vals = [float(r["energy_per_query_wh"]) for r in _rows() if r["task"] == task and r["gpu_model"] == gpu]
    lo, hi = min(vals), max(vals)
    pos = (wh - lo) / (hi - lo)  # 0 at the most efficient reference model, 1 at the least
    for stars, upper in ((5, 0.2), (4, 0.4), (3, 0.6), (2, 0.8)):
        if pos <= upper:
            return stars, lo, hi, len(vals)
    return 1, lo, hi, len(vals)


@pytest.mark.parametrize("seed", range(30))
def test_stars_are_the_band_of_the_min_max_range(seed):
    rng = random.Random(seed)
    pairs = sorted({(r["task"], r["gpu_model"]) for r in _rows()})
    task, gpu = rng.choice([p for p in pairs if p != ("sourcegraph-fim", "H100")])
    _, lo, hi, n = _expected(task, gpu, 0.0)
    wh = rng.uniform(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo))
    if wh < 0:
        wh = rng.uniform(0, lo)
    r = rate_energy(wh, task=task, hardware=f"NVIDIA {gpu}")
    stars, lo, hi, n = _expected(task, gpu, wh)
    assert (r.stars, r.reference_min_wh, r.reference_max_wh, r.reference_models) == (stars, lo, hi, n)
    assert r.hardware_class == gpu and r.license == "Apache-2.0" and "ML.ENERGY" in r.source
    assert (r.note is not None) == (wh < lo or wh > hi)
    assert r.band_edges_wh[0] == lo and r.band_edges_wh[-1] == hi and len(r.band_edges_wh) == 6


def test_refusals_say_why():
    with pytest.raises(UsageError, match="no reference for task 'lm-arena'.*did you mean 'lm-arena-chat'"):
        rate_energy(0.1, task="lm-arena", hardware="H100")
    with pytest.raises(UsageError, match="measured on B200 and H100 GPUs, not on NVIDIA A100-SXM4-80GB.*none is given"):
        rate_energy(0.1, task="lm-arena-chat", hardware="NVIDIA A100-SXM4-80GB")
    with pytest.raises(UsageError, match="no range to rate against"):
        rate_energy(0.1, task="sourcegraph-fim", hardware="H100")
    with pytest.raises(UsageError, match=">= 0 Wh"):
        rate_energy(-1, task="gpqa", hardware="H100")
    tasks = reference_tasks()
    assert set(tasks) == {"gpqa", "image-chat", "lm-arena-chat", "sourcegraph-fim", "text-to-image", "text-to-video",
                          "video-chat"}
    assert tasks["text-to-image"]["query"] == "image" and tasks["lm-arena-chat"]["hardware"]["H100"] >= 2


def test_an_h100_evaluation_is_rated_and_a_cpu_one_is_not(digits, metered):
    from sklearn.naive_bayes import GaussianNB

    from wattwise.testing import FakeGpu, FakeNVML

    model = GaussianNB().fit(digits.Xtr, digits.ytr)
    _, lo, hi, _ = _expected("lm-arena-chat", "H100", 0)
    wh = lo + 0.53 * (hi - lo)  # GPU energy per query, Wh: the third band
    gpu = FakeGpu("NVIDIA H100 80GB HBM3")

    def predict(batch):
        gpu.advance(wh * 3600 * len(batch))
        return model.predict(batch)

    kw = dict(metered.kw, gpu=True, nvml=FakeNVML([gpu]))
    ev = wattwise.evaluate(predict, digits.Xte[:40], digits.yte[:40], task="lm-arena-chat", store=False, idle_s=0, **kw)
    r = ev.to_dict()["rating"]
    assert r["stars"] == 3 and r["hardware_class"] == "H100"
    assert r["energy_wh_per_query"] == pytest.approx(wh, rel=1e-6)
    assert ev.rate("lm-arena-chat").stars == 3
    assert "3 of 5 stars" in ev.table()
    # no GPU measured: stars null with the reason, and rate() refuses
    ev = wattwise.evaluate(model, digits.Xte[:40], digits.yte[:40], task="lm-arena-chat", store=False, idle_s=0,
                           **metered.kw)
    r = ev.to_dict()["rating"]
    assert r["stars"] is None and "no measured GPU energy" in r["reason"] and "cpu measured" in r["reason"]
    with pytest.raises(UsageError, match="no measured GPU energy"):
        rate(ev, task="lm-arena-chat")


def test_a_service_run_is_rated_per_request(tmp_path):
    from wattwise.testing import FakeGpu, FakeNVML

    gpu = FakeGpu("NVIDIA B200")
    _, lo, hi, _ = _expected("gpqa", "B200", 0)
    wh = lo + 0.05 * (hi - lo)
    with wattwise.track(store=False, scope="node", nvml=FakeNVML([gpu]), sensors=None, powercap_root=str(tmp_path / "none"),
                        install_handlers=False) as run:
        for _ in range(12):
            gpu.advance(wh * 3600)
            run.count(requests=1, tokens=900)
    r = rate(run.result, task="gpqa")
    assert r.stars == 5 and r.energy_wh_per_query == pytest.approx(wh, rel=1e-6) and r.query == "response"


def test_shipped_table_matches_the_curators_min_energy_derivation(shared_data):
    """The data folder holds its curator's own min-energy-per-(task, model, GPU) table: same figures."""
    ref = {}
    with (shared_data / "ai-energy-score" / "mlenergy-v3-min-energy-per-model-task-gpu.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            ref[(r["task"], r["model_id"], r["gpu_model"])] = r
    mine = {(r["task"], r["model_id"], r["gpu_model"]): r for r in _rows()}
    assert set(mine) == set(ref)
    for k, r in ref.items():
        assert float(mine[k]["energy_per_query_j"]) == pytest.approx(float(r["energy_per_response_joules"]), rel=1e-5)
        assert int(mine[k]["num_gpus"]) == int(r["num_gpus"])
        assert mine[k]["source"] and mine[k]["year"] == "2026" and mine[k]["license"] == "Apache-2.0"
