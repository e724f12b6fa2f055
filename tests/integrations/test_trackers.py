"""MLflow, W&B and TensorBoard, each the real library in its local/offline mode, read back with its own reader.

- MLflow: the local file store (``file:`` tracking URI), read with ``MlflowClient``;
- W&B: ``WANDB_MODE=offline``, the run's ``.wandb`` file read record by record (_wandb_reader);
- TensorBoard: event files read with TensorBoard's ``EventAccumulator``.
"""
from __future__ import annotations

import time

import pytest

from conftest import need
import wattwise
from wattwise.testing import ConstantPowerSensor
from wattwise.units import J_PER_KWH

pytestmark = pytest.mark.filterwarnings("error::wattwise.integrations._session.WattwiseWarning")


@pytest.fixture
def mlflow_uri(tmp_path, monkeypatch):
    need("mlflow")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 keeps the file store behind this switch
    uri = f"file:{tmp_path / 'mlruns'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    return uri


@pytest.fixture
def wandb_dir(tmp_path, monkeypatch):
    need("wandb")
    d = tmp_path / "wb"
    d.mkdir()
    for k, v in dict(WANDB_MODE="offline", WANDB_DIR=str(d), WANDB_SILENT="true", WANDB_DISABLE_GIT="true",
                     WANDB_CONSOLE="off").items():
        monkeypatch.setenv(k, v)
    return d


def _measured_run(tmp_path):
    """A real tracked run: two epochs and an evaluation window, two components of different power."""
    with wattwise.track(project="trk", region="FR", interval=0.1, store=False, install_handlers=False,
                        sensors=[ConstantPowerSensor("gpu:0", 212.5, source="test:gpu"),
                                 ConstantPowerSensor("cpu", 35.0, method="modelled", source="test:tdp")]) as run:
        for ep in range(2):
            with run.window(f"epoch-{ep}"):
                time.sleep(0.15)
            with run.window("eval"):
                time.sleep(0.05)
    return run.result


def test_log_to_mlflow_file_store(tmp_path, mlflow_uri):
    import mlflow
    from mlflow.tracking import MlflowClient

    from wattwise.integrations.mlflow import log_to_mlflow

    m = _measured_run(tmp_path)
    with mlflow.start_run() as active:
        mlflow.log_metric("loss", 0.5, step=1)
        rid = log_to_mlflow(m)
    assert rid == active.info.run_id  # into the active run, next to the loss
    c = MlflowClient(mlflow_uri)
    data = c.get_run(rid).data
    assert data.metrics["loss"] == 0.5
    assert data.metrics["wattwise_energy_kwh"] == pytest.approx(m.energy_j / J_PER_KWH)
    assert data.metrics["wattwise_emissions_gco2e"] == pytest.approx(m.emissions_g)
    assert data.metrics["wattwise_gpu_0_power_w"] == pytest.approx(m.component("gpu:0").mean_power_w)
    hist = {x.step: x.value for x in c.get_metric_history(rid, "wattwise_epoch_energy_kwh")}
    epochs = [w for w in m.windows if w.name.startswith("epoch-")]
    assert hist == pytest.approx({i: w.energy_j / J_PER_KWH for i, w in enumerate(epochs)})
    evals = [w for w in m.windows if w.name == "eval"]
    ev = {x.step: x.value for x in c.get_metric_history(rid, "wattwise_window_eval_duration_s")}
    assert ev == pytest.approx({i: w.duration_s for i, w in enumerate(evals)})
    gpu_p = {x.step: x.value for x in c.get_metric_history(rid, "wattwise_epoch_gpu_0_power_w")}
    assert gpu_p[1] == pytest.approx(epochs[1].components["gpu:0"] / epochs[1].duration_s)
    assert data.tags["wattwise.gpu_0.method"] == "measured" and data.tags["wattwise.cpu.method"] == "modelled"
    assert data.tags["wattwise.intensity_zone"] == "FR" and data.tags["wattwise.run_id"] == m.run_id
    assert data.tags["wattwise.estimate"] == "true"
    # without an active run: a run of its own, ended
    rid2 = log_to_mlflow(m.to_dict(), tracking_uri=mlflow_uri, experiment="energy")
    assert rid2 != rid and c.get_run(rid2).info.status == "FINISHED"
    assert c.get_run(rid2).data.metrics["wattwise_energy_kwh"] == pytest.approx(m.energy_j / J_PER_KWH)


def test_log_to_wandb_offline(tmp_path, wandb_dir):
    from _wandb_reader import read_run

    from wattwise.integrations.wandb import log_to_wandb

    m = _measured_run(tmp_path)
    run = log_to_wandb(m, project="trk")
    assert run.id in str(next(wandb_dir.glob("wandb/offline-run-*")))
    rec = read_run(next(wandb_dir.glob("wandb/offline-run-*")))
    epochs = [h for h in rec["history"] if "wattwise_epoch_energy_kwh" in h]
    assert [h["wattwise/step"] for h in epochs] == [0, 1]
    want = [w.energy_j / J_PER_KWH for w in m.windows if w.name.startswith("epoch-")]
    assert [h["wattwise_epoch_energy_kwh"] for h in epochs] == pytest.approx(want)
    assert rec["summary"]["wattwise_energy_kwh"] == pytest.approx(m.energy_j / J_PER_KWH)
    assert rec["summary"]["wattwise_cpu_power_w"] == pytest.approx(m.component("cpu").mean_power_w)
    assert rec["config"]["wattwise"]["cpu.source"] == "test:tdp"
    assert rec["config"]["wattwise"]["intensity_zone"] == "FR"


def test_log_to_tensorboard(tmp_path):
    need("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from wattwise.integrations.tensorboard import log_to_tensorboard

    m = _measured_run(tmp_path)
    log_to_tensorboard(m, tmp_path / "tb")
    ea = EventAccumulator(str(tmp_path / "tb"))
    ea.Reload()
    sc = {e.step: e.value for e in ea.Scalars("wattwise_epoch_emissions_gco2e")}
    want = [w.emissions_g for w in m.windows if w.name.startswith("epoch-")]
    assert sc == pytest.approx({0: want[0], 1: want[1]}, rel=1e-6)  # float32 scalars
    assert ea.Scalars("wattwise_energy_kwh")[0].value == pytest.approx(m.energy_j / J_PER_KWH, rel=1e-6)
    assert "wattwise/provenance" in ea.Tags()["tensors"]


def test_log_before_the_end_is_a_usage_error(tmp_path, mlflow_uri):
    from wattwise.errors import UsageError
    from wattwise.integrations.mlflow import log_to_mlflow

    t = wattwise.Tracker(region="FR", store=False, install_handlers=False, sensors=[ConstantPowerSensor("cpu", 1.0)])
    with pytest.raises(UsageError, match="no finished wattwise run"):
        log_to_mlflow(t)


def test_unknown_report_to_fails_at_construction():
    from wattwise.errors import UsageError
    from wattwise.integrations._session import FitSession

    with pytest.raises(UsageError, match="unknown report_to entry 'comet'"):
        FitSession("x", report_to=["mlflow", "comet"])


@pytest.mark.parametrize("module, hidden, install", [
    ("mlflow", "mlflow", "pip install mlflow"), ("wandb", "wandb", "pip install wandb"),
    ("tensorboard", "tensorboard", "pip install tensorboard"), ("keras", "keras", "pip install keras"),
])
def test_missing_tracker_library_names_the_install(module, hidden, install):
    import subprocess
    import sys

    code = (f"import sys\nsys.modules[{hidden!r}] = None\nfrom wattwise.errors import MissingExtraError\n"
            f"try:\n    import wattwise.integrations.{module}\nexcept MissingExtraError as e:\n    print('MISSING', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("MISSING ") and install in out.stdout, out.stdout


# -- live, from the framework callbacks (report_to) --------------------------------------------------

def test_hf_trainer_report_to_mlflow_and_tensorboard(tmp_path, mlflow_uri, hf_env, monkeypatch):
    need("tensorboard")
    import mlflow
    from mlflow.tracking import MlflowClient
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from transformers import Trainer

    from _integ_models import hf_args, text_dataset, tiny_bert
    from wattwise.integrations.transformers import WattwiseCallback

    cb = WattwiseCallback(region="FR", interval=0.1, store=str(tmp_path / "runs.db"), verbose=False,
                          report_to=["mlflow", "tensorboard"])
    monkeypatch.setenv("TENSORBOARD_LOGGING_DIR", str(tmp_path / "tb"))
    args = hf_args(tmp_path / "out", report_to="mlflow")
    trainer = Trainer(model=tiny_bert(), args=args, train_dataset=text_dataset(), callbacks=[cb])
    trainer.train()
    runs = MlflowClient(mlflow_uri).search_runs([e.experiment_id for e in MlflowClient(mlflow_uri).search_experiments()])
    assert len(runs) == 1  # wattwise wrote into the Trainer's own MLflow run
    c, rid = MlflowClient(mlflow_uri), runs[0].info.run_id
    metrics = c.get_run(rid).data.metrics
    assert "loss" in metrics or "train_loss" in metrics
    m = cb.result
    hist = c.get_metric_history(rid, "wattwise_epoch_energy_kwh")
    epochs = [w for w in m.windows if w.name.startswith("epoch-")]
    assert sorted(h.value for h in hist) == pytest.approx(sorted(w.energy_j / J_PER_KWH for w in epochs))
    assert sorted(h.step for h in hist) == [4, 8]  # global_step at each epoch end (32 items, batch 8)
    assert metrics["wattwise_energy_kwh"] == pytest.approx(m.energy_j / J_PER_KWH)
    assert c.get_run(rid).data.tags["wattwise.run_id"] == m.run_id
    assert mlflow.active_run() is None
    ea = EventAccumulator(str(tmp_path / "tb"))
    ea.Reload()
    assert [e.step for e in ea.Scalars("wattwise_epoch_energy_kwh")] == [4, 8]


def test_lightning_report_to_writes_into_the_loggers_run_once(tmp_path, mlflow_uri, wandb_dir):
    need("torch", "lightning")
    import lightning.pytorch as pl
    from mlflow.tracking import MlflowClient

    from _integ_models import regression_loader, regression_module
    from _wandb_reader import read_run
    from wattwise.integrations.lightning import WattwiseCallback

    cb = WattwiseCallback(region="DE", interval=0.1, store=str(tmp_path / "runs.db"), verbose=False,
                          report_to=["mlflow", "wandb"])
    mlf = pl.loggers.MLFlowLogger(experiment_name="fit", tracking_uri=mlflow_uri)
    wb = pl.loggers.WandbLogger(project="fit", offline=True, save_dir=str(wandb_dir))
    trainer = pl.Trainer(max_epochs=3, accelerator="cpu", devices=1, callbacks=[cb], enable_progress_bar=False,
                         enable_checkpointing=False, enable_model_summary=False, log_every_n_steps=1, logger=[mlf, wb])
    trainer.fit(regression_module(pl), regression_loader())
    wb.experiment.finish()
    c = MlflowClient(mlflow_uri)
    hist = c.get_metric_history(mlf.run_id, "wattwise_epoch_energy_kwh")
    assert sorted(h.step for h in hist) == [8, 16, 24]  # once per epoch: not also through the logger
    assert "train_loss" in c.get_run(mlf.run_id).data.metrics
    assert c.get_run(mlf.run_id).data.tags["wattwise.run_id"] == cb.run_id
    rec = read_run(next(wandb_dir.glob("wandb/offline-run-*")))
    ep = [h for h in rec["history"] if "wattwise_epoch_energy_kwh" in h]
    assert [h["wattwise/step"] for h in ep] == [8, 16, 24]
    assert rec["summary"]["wattwise_energy_kwh"] == pytest.approx(cb.result.energy_j / J_PER_KWH)
