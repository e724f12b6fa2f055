"""The Hugging Face Trainer callback, with the real transformers Trainer training a tiny BERT on the CPU."""
from __future__ import annotations

import json
import sys

import pytest

from conftest import HERE, run_workers, worker_env
from wattwise.errors import UsageError
from wattwise.store import open_store
from wattwise.units import J_PER_KWH

pytestmark = [pytest.mark.filterwarnings("error::wattwise.integrations._session.WattwiseWarning"),
              pytest.mark.usefixtures("hf_env")]

CARD_KEYS = {"emissions", "source", "training_type", "geographical_location", "hardware_used"}


def _train(tmp_path, cb, *, trainer_cls=None, model=None, **args):
    from transformers import Trainer

    from _integ_models import hf_args, text_dataset, tiny_bert

    cls = trainer_cls or Trainer
    trainer = cls(model=model or tiny_bert(), args=hf_args(tmp_path / "out", **args), train_dataset=text_dataset(),
                  callbacks=[cb])
    return trainer, trainer.train()


def _callback(tmp_path, **kw):
    from wattwise.integrations.transformers import WattwiseCallback

    kw.setdefault("region", "FR")
    kw.setdefault("interval", 0.1)
    kw.setdefault("store", str(tmp_path / "runs.db"))
    kw.setdefault("verbose", False)
    return WattwiseCallback(**kw)


def test_two_epochs_are_stored_logged_and_carded(tmp_path):
    cb = _callback(tmp_path, project="bert-tiny")
    trainer, out = _train(tmp_path, cb)
    m = cb.result
    # one stored run, two epoch windows, energy measured
    store = open_store(tmp_path / "runs.db")
    runs = store.list_runs()
    assert [r["run_id"] for r in runs] == [m.run_id] and runs[0]["project"] == "bert-tiny"
    stored = store.get_run(m.run_id)
    assert stored["status"] == "finished"
    assert [w["name"] for w in stored["windows"]] == ["epoch-0", "epoch-1"]
    assert m.energy_j > 0 and m.emissions_g > 0
    assert all(w.energy_j > 0 for w in m.windows)
    # the final totals are in train()'s metrics and in the Trainer's last log entry
    for logged in (out.metrics, trainer.state.log_history[-1]):
        assert "train_runtime" in logged
        assert logged["wattwise_energy_kwh"] == pytest.approx(m.energy_kwh)
        assert logged["wattwise_emissions_gco2e"] == pytest.approx(m.emissions_g)
        assert logged["wattwise_facility_energy_kwh"] == pytest.approx(m.facility_energy_kwh)
        assert logged["wattwise_intensity_g_per_kwh"] == m.intensity.g_per_kwh
    assert cb.metrics["wattwise_energy_kwh"] == pytest.approx(m.energy_kwh)
    # one wattwise entry per epoch, matching the stored windows
    epochs = [e for e in trainer.state.log_history if "wattwise_epoch_energy_kwh" in e]
    assert [e["epoch"] for e in epochs] == [1.0, 2.0]
    for e, w in zip(epochs, m.windows):
        assert e["wattwise_epoch_energy_kwh"] == pytest.approx(w.energy_j / J_PER_KWH)
        assert e["wattwise_epoch_emissions_gco2e"] == pytest.approx(w.emissions_g)
    # every loss log carries the energy so far, growing
    so_far = [e["wattwise_energy_kwh"] for e in trainer.state.log_history if "loss" in e]
    assert len(so_far) == 4 and so_far == sorted(so_far) and so_far[-1] <= m.energy_kwh
    # the projection worked in optimizer steps against max_steps
    proj = m.extra["projection"]
    assert proj["unit"] == "step" and proj["total"] == trainer.state.max_steps == 8 and proj["source"] == "transformers"
    # the model-card block, in grams, and in output_dir/README.md
    card = cb.model_card_metadata()["co2_eq_emissions"]
    assert set(card) == CARD_KEYS
    assert card["emissions"] == pytest.approx(m.emissions_g, rel=1e-5)
    assert card["geographical_location"] == "France" and card["training_type"] == "pre-training"
    assert card["hardware_used"] != "" and "wattwise" in card["source"]
    from huggingface_hub import ModelCard

    assert ModelCard.load(tmp_path / "out" / "README.md").data.co2_eq_emissions == card


def test_block_survives_the_trainers_own_model_card(tmp_path):
    cb = _callback(tmp_path)
    trainer, _ = _train(tmp_path, cb)
    trainer.create_model_card(model_name="tiny-bert", license="mit")  # rewrites README.md
    from huggingface_hub import ModelCard

    path = tmp_path / "out" / "README.md"
    assert ModelCard.load(path).data.to_dict().get("co2_eq_emissions") is None
    assert cb.update_model_card() == path
    card = ModelCard.load(path)
    assert card.data.license == "mit" and card.data.library_name == "transformers"
    assert card.data.co2_eq_emissions == cb.model_card_metadata()["co2_eq_emissions"]
    assert "tiny-bert" in card.text


def test_a_model_from_pretrained_is_fine_tuning(tmp_path):
    from transformers import BertForSequenceClassification

    from _integ_models import tiny_bert

    tiny_bert().save_pretrained(tmp_path / "base")
    model = BertForSequenceClassification.from_pretrained(tmp_path / "base")
    cb = _callback(tmp_path, model_card=False)
    _train(tmp_path, cb, model=model, num_train_epochs=1)
    assert cb.model_card_metadata()["co2_eq_emissions"]["training_type"] == "fine-tuning"
    assert cb.result.extra["training_type"] == "fine-tuning"
    assert not (tmp_path / "out" / "README.md").exists()
    # and the stored run's own export says so too
    from wattwise.report.exports import export_run

    text = export_run(open_store(tmp_path / "runs.db"), cb.run_id, "model-card")
    assert 'training_type: "fine-tuning"' in text
    with pytest.raises(UsageError, match="training_type"):
        _callback(tmp_path, training_type="finetune")


def test_a_second_train_call_is_a_second_run(tmp_path):
    cb = _callback(tmp_path, model_card=False)
    trainer, _ = _train(tmp_path, cb, num_train_epochs=1)
    first = cb.run_id
    trainer.train()
    assert cb.run_id != first
    assert len(open_store(tmp_path / "runs.db").list_runs()) == 2


def _role_trainer(local_zero: bool, world_zero: bool):
    from transformers import Trainer

    class RoleTrainer(Trainer):
        """The Trainer as seen from another process of a multi-node job."""

        def is_local_process_zero(self):
            return local_zero

        def is_world_process_zero(self):
            return world_zero

    return RoleTrainer


def test_a_non_zero_local_rank_does_nothing(tmp_path):
    cb = _callback(tmp_path)
    trainer, out = _train(tmp_path, cb, trainer_cls=_role_trainer(False, False))
    assert cb.result is None and cb.metrics == {}
    assert not any(k.startswith("wattwise_") for e in trainer.state.log_history for k in e)
    assert not any(k.startswith("wattwise_") for k in out.metrics)
    assert not (tmp_path / "runs.db").exists()
    with pytest.raises(UsageError, match="does not measure"):
        cb.model_card_metadata()


def test_local_rank_zero_of_another_node_measures_but_does_not_report(tmp_path):
    cb = _callback(tmp_path)
    trainer, out = _train(tmp_path, cb, trainer_cls=_role_trainer(True, False))
    assert cb.result is not None and len(cb.result.windows) == 2
    assert open_store(tmp_path / "runs.db").get_run(cb.run_id)["status"] == "finished"
    assert not any(k.startswith("wattwise_") for e in trainer.state.log_history for k in e)
    assert not (tmp_path / "out" / "README.md").exists()


def test_a_broken_environment_warns_and_training_finishes(tmp_path, monkeypatch):
    monkeypatch.setenv("WATTWISE_REGION", "Atlantis")
    from wattwise.integrations.transformers import WattwiseWarning

    cb = _callback(tmp_path, region=None)
    with pytest.warns(WattwiseWarning, match="Atlantis"):
        trainer, out = _train(tmp_path, cb)
    assert out.global_step == 8 and "train_loss" in out.metrics
    assert cb.result is None and not any(k.startswith("wattwise_") for k in out.metrics)
    strict = _callback(tmp_path, region=None, strict=True)
    with pytest.raises(UsageError, match="Atlantis"):
        _train(tmp_path, strict)


def test_ddp_two_processes_store_one_run(tmp_path):
    """torchrun with two CPU processes (gloo): local rank 0 measures the node once; rank 1 does nothing."""
    out = tmp_path / "ddp"
    out.mkdir()
    db = tmp_path / "runs.db"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           str(HERE / "integ_ddp_hf_worker.py"), str(out), str(db)]
    p = run_workers(cmd, worker_env(tmp_path))
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    r0 = json.loads((out / "rank0.json").read_text())
    r1 = json.loads((out / "rank1.json").read_text())
    assert r0["world"] == r1["world"] == 2
    assert r1["run_id"] is None and r1["wattwise_keys"] == [] and r1["metrics"] == {}
    runs = open_store(db).list_runs()
    assert [r["run_id"] for r in runs] == [r0["run_id"]]
    stored = open_store(db).get_run(r0["run_id"])
    assert stored["scope"] == "node" and [w["name"] for w in stored["windows"]] == ["epoch-0", "epoch-1"]
    assert r0["metrics"]["wattwise_energy_kwh"] > 0
    assert {"wattwise_energy_kwh", "wattwise_epoch_energy_kwh", "wattwise_emissions_gco2e"} <= set(r0["wattwise_keys"])
    assert p.stderr.count("wattwise: transformers run") == 1  # one summary, from rank 0
