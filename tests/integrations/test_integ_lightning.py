"""The Lightning callback, with the real Lightning Trainer fitting a tiny regression on the CPU."""
from __future__ import annotations

import csv
import json
import sys

import pytest

from conftest import HERE, need, run_workers, worker_env
from wattwise.errors import UsageError
from wattwise.store import open_store
from wattwise.units import J_PER_KWH

pytestmark = [pytest.mark.filterwarnings("error::wattwise.integrations._session.WattwiseWarning"),
              pytest.mark.usefixtures("pl_env")]


def _fit(tmp_path, cb, pl=None, module=None, **trainer_kw):
    if pl is None:
        import lightning.pytorch as pl
    from _integ_models import regression_loader, regression_module

    kw = dict(max_epochs=2, accelerator="cpu", devices=1, callbacks=[cb], enable_progress_bar=False,
              enable_checkpointing=False, enable_model_summary=False, log_every_n_steps=1,
              logger=pl.loggers.CSVLogger(str(tmp_path / "logs"), name="fit"))
    kw.update(trainer_kw)
    trainer = pl.Trainer(**kw)
    trainer.fit(module or regression_module(pl), regression_loader())
    return trainer


def _callback(tmp_path, module="lightning", **kw):
    if module == "lightning":
        from wattwise.integrations.lightning import WattwiseCallback
    else:
        from wattwise.integrations.pytorch_lightning import WattwiseCallback
    kw.setdefault("region", "DE")
    kw.setdefault("interval", 0.1)
    kw.setdefault("store", str(tmp_path / "runs.db"))
    kw.setdefault("verbose", False)
    return WattwiseCallback(**kw)


def _csv_rows(trainer) -> list[dict]:
    with open(f"{trainer.logger.log_dir}/metrics.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_two_epochs_are_stored_and_logged(tmp_path):
    cb = _callback(tmp_path)
    trainer = _fit(tmp_path, cb)
    m = cb.result
    store = open_store(tmp_path / "runs.db")
    assert [r["run_id"] for r in store.list_runs()] == [m.run_id]
    stored = store.get_run(m.run_id)
    assert stored["status"] == "finished" and stored["project"] == "Regression"
    assert [w["name"] for w in stored["windows"]] == ["epoch-0", "epoch-1"]
    assert m.energy_j > 0 and all(w.energy_j > 0 for w in m.windows)
    assert m.extra["framework"] == "lightning"
    # the projection counted optimizer steps (64 samples / 8 per batch x 2 epochs)
    proj = m.extra["projection"]
    assert proj["unit"] == "step" and proj["total"] == 16 and proj["done"] == 16
    # the CSV logger got one row per epoch and one with the totals
    rows = _csv_rows(trainer)
    epochs = [r for r in rows if r.get("wattwise_epoch_energy_kwh")]
    assert [float(r["epoch"]) for r in epochs] == [0.0, 1.0]
    for r, w in zip(epochs, m.windows):
        assert float(r["wattwise_epoch_energy_kwh"]) == pytest.approx(w.energy_j / J_PER_KWH)
        assert float(r["wattwise_epoch_emissions_gco2e"]) == pytest.approx(w.emissions_g)
    final = [r for r in rows if r.get("wattwise_facility_energy_kwh")]
    assert len(final) == 1
    assert float(final[0]["wattwise_energy_kwh"]) == pytest.approx(m.energy_kwh)
    assert float(final[0]["wattwise_emissions_gco2e"]) == pytest.approx(m.emissions_g)
    assert cb.metrics["wattwise_emissions_gco2e"] == pytest.approx(m.emissions_g)
    card = cb.model_card_metadata("fine-tuning")["co2_eq_emissions"]
    assert card["emissions"] == pytest.approx(m.emissions_g, rel=1e-5)
    assert card["geographical_location"] == "Germany" and card["training_type"] == "fine-tuning"


def test_model_card_path_gets_the_block(tmp_path):
    need("huggingface_hub")
    from huggingface_hub import ModelCard

    cb = _callback(tmp_path, model_card=tmp_path / "card" / "README.md", training_type="fine-tuning")
    _fit(tmp_path, cb)
    card = ModelCard.load(tmp_path / "card" / "README.md")
    assert card.data.co2_eq_emissions == cb.model_card_metadata()["co2_eq_emissions"]
    assert card.data.co2_eq_emissions["training_type"] == "fine-tuning"


def test_a_failing_fit_is_stored_as_interrupted_and_its_error_propagates(tmp_path):
    import lightning.pytorch as pl

    from _integ_models import regression_module

    cb = _callback(tmp_path)
    with pytest.raises(RuntimeError, match="loss went NaN"):
        _fit(tmp_path, cb, module=regression_module(pl, fail_in_epoch=1))
    m = cb.result
    assert m.status == "interrupted" and m.exit_code == 1
    assert [w.name for w in m.windows] == ["epoch-0", "epoch-1"]  # the failed epoch's window is closed too
    assert open_store(tmp_path / "runs.db").get_run(m.run_id)["status"] == "interrupted"


def test_sigterm_is_left_to_lightning(tmp_path):
    """Regression: the tracker's own SIGTERM handler, chained into Lightning's, ended the process
    at once (exit 143), so Lightning's graceful stop (and Slurm requeue) never ran and the run was
    left 'running'. Now Lightning stops the fit, and on_exception stores the run as interrupted."""
    db = tmp_path / "runs.db"
    p = run_workers([sys.executable, str(HERE / "integ_pl_sigterm_worker.py"), str(db)], worker_env(tmp_path))
    assert p.returncode == 0, (p.returncode, p.stderr[-2000:])  # Lightning's own clean exit, not death by signal
    res = json.loads(next(ln for ln in p.stdout.splitlines() if ln.startswith("RESULT "))[7:])
    assert res["received_sigterm"] is True
    assert res["status"] == "interrupted" and res["exit_code"] == 143 and res["windows"] == ["epoch-0", "epoch-1"]
    assert open_store(db).get_run(res["run_id"])["status"] == "interrupted"


def test_pytorch_lightning_name(tmp_path):
    need("pytorch_lightning")
    import pytorch_lightning

    cb = _callback(tmp_path, module="pytorch_lightning")
    assert isinstance(cb, pytorch_lightning.Callback)
    _fit(tmp_path, cb, pl=pytorch_lightning)
    assert [w.name for w in cb.result.windows] == ["epoch-0", "epoch-1"]
    assert cb.result.extra["framework"] == "pytorch_lightning"


def test_bad_settings_fail_before_the_fit(tmp_path):
    with pytest.raises(UsageError, match="did you mean"):
        _callback(tmp_path, region="Germnay")
    with pytest.raises(UsageError, match="scope"):
        _callback(tmp_path, scope="cluster")


def test_ddp_two_processes_store_one_run(tmp_path):
    """Lightning's own DDP launcher, two CPU processes: local rank 0 measures once; rank 1 does nothing.

    Regression: reading trainer.estimated_stepping_batches in on_fit_start on rank 0 only ran a
    collective (all_reduce) the other rank never joined, and the fit deadlocked.
    """
    out = tmp_path / "ddp"
    out.mkdir()
    db = tmp_path / "runs.db"
    cmd = [sys.executable, str(HERE / "integ_ddp_pl_worker.py"), str(out), str(db)]
    p = run_workers(cmd, worker_env(tmp_path))
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    r0 = json.loads((out / "rank0.json").read_text())
    r1 = json.loads((out / "rank1.json").read_text())
    assert (r0["world"], r1["world"], r1["local"]) == (2, 2, 1)
    assert r1["run_id"] is None and r1["metrics"] == {}
    runs = open_store(db).list_runs()
    assert [r["run_id"] for r in runs] == [r0["run_id"]]
    stored = open_store(db).get_run(r0["run_id"])
    assert stored["scope"] == "node" and [w["name"] for w in stored["windows"]] == ["epoch-0", "epoch-1"]
    assert r0["metrics"]["wattwise_energy_kwh"] > 0
    assert "sync_dist" not in p.stderr  # no per-key warnings from one-rank logging
