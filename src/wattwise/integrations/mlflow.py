"""MLflow: a run's energy, emissions and power as metrics, its provenance as tags.

    from wattwise.integrations.mlflow import log_to_mlflow
    with mlflow.start_run():
        with wattwise.track(project="bert") as run:
            train()
        log_to_mlflow(run)            # into the active MLflow run (or run_id=..., or a new run)

Live, from a callback: ``WattwiseCallback(report_to="mlflow")`` (transformers, Lightning, Keras)
logs each epoch's energy at the training step next to the loss. Keys: see ``_report``.
Needs ``pip install mlflow`` (or ``mlflow-skinny``; the ``[mlflow]`` extra).
"""
from __future__ import annotations

import time
from typing import Any

from ..errors import MissingExtraError

try:
    import mlflow as _mlflow
    from mlflow.entities import Metric as _Metric, RunTag as _RunTag
    from mlflow.tracking import MlflowClient as _Client
except ImportError as _e:  # pragma: no cover - exercised in a subprocess by the tests
    raise MissingExtraError("mlflow", "mlflow", "wattwise.integrations.mlflow",
                            install='pip install mlflow (or pip install "wattwise[mlflow]")') from _e

from ._report import log_result

__all__ = ["MLflowReporter", "log_to_mlflow"]


class MLflowReporter:
    """Logs into ``run_id``, else the active run, else a new run it ends at ``close()``."""

    def __init__(self, run_id: str | None = None, tracking_uri: str | None = None, *, experiment: str | None = None,
                 run_name: str | None = None):
        active = _mlflow.active_run() if run_id is None else None
        self.client = _Client(tracking_uri or (_mlflow.get_tracking_uri() if active else None))
        self.owned = False
        if run_id is None and active is not None:
            run_id = active.info.run_id
        if run_id is None:
            exp = self.client.get_experiment_by_name(experiment or "Default")
            exp_id = exp.experiment_id if exp is not None else self.client.create_experiment(experiment or "Default")
            run_id = self.client.create_run(exp_id, run_name=run_name).info.run_id
            self.owned = True
        self.run_id = run_id

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        ts = int(time.time() * 1000)
        self.client.log_batch(self.run_id, metrics=[_Metric(k, float(v), ts, int(step or 0)) for k, v in metrics.items()])

    def log_tags(self, tags: dict[str, str]) -> None:
        self.client.log_batch(self.run_id, tags=[_RunTag(f"wattwise.{k}", v) for k, v in tags.items()])

    def close(self) -> None:
        if self.owned:
            self.client.set_terminated(self.run_id)
            self.owned = False


def log_to_mlflow(result: Any, *, run_id: str | None = None, tracking_uri: str | None = None, step: int | None = None,
                  windows: bool = True, experiment: str | None = None) -> str:
    """Log a finished run (Measurement, Tracker, callback or run JSON); returns the MLflow run id."""
    r = MLflowReporter(run_id, tracking_uri, experiment=experiment)
    try:
        log_result(r, result, step=step, windows=windows)
    finally:
        r.close()
    return r.run_id
