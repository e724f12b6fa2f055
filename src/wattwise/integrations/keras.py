"""Keras 3 callback: energy and emissions of ``model.fit()``, on any backend (TensorFlow, JAX, PyTorch).

    from wattwise.integrations.keras import WattwiseCallback
    cb = WattwiseCallback(project="mnist", region="FR")
    history = model.fit(x, y, epochs=5, callbacks=[cb])
    history.history["wattwise_epoch_energy_kwh"]          # one value per epoch, next to "loss"
    cb.metrics["wattwise_emissions_gco2e"], cb.result     # the run's totals and its Measurement

One stored run per ``fit``, a window per epoch (``epoch-N``), and each epoch's keys
(``wattwise_epoch_energy_kwh``, ``wattwise_epoch_emissions_gco2e``, ``wattwise_epoch_duration_s``,
the totals so far and, from the first epoch on, ``wattwise_projected_energy_kwh`` and
``wattwise_projected_emissions_gco2e`` at completion) added to the epoch's ``logs``, so they
are in ``History`` and every later callback (CSVLogger, TensorBoard, ...). Needs Keras 3
(``pip install keras``, the ``[keras]`` extra).
"""
from __future__ import annotations

from typing import Any

from ..errors import MissingExtraError

try:
    from keras.callbacks import Callback as _Callback
except ImportError as _e:  # pragma: no cover - exercised in a subprocess by the tests
    raise MissingExtraError("keras", "keras", "wattwise.integrations.keras (the Keras callback)",
                            install='pip install keras (or pip install "wattwise[keras]")') from _e

from ._session import FitSession, SessionResults, WattwiseWarning, check_settings, guarded

__all__ = ["WattwiseCallback", "WattwiseWarning"]


class WattwiseCallback(SessionResults, _Callback):
    """Measure ``model.fit()``: one stored run, one window per epoch, the energy in each epoch's logs.

    Arguments are ``wattwise.Tracker``'s (``project`` defaults to the model's name), plus
    ``verbose`` (a one-line summary on stderr at the end) and ``report_to`` (``"mlflow"``,
    ``"wandb"``, ``"tensorboard"``, a list, or reporter objects). Any wattwise problem becomes
    a ``WattwiseWarning`` and training goes on (``strict=True`` raises instead). Under a
    launcher (torchrun, Slurm, MPI) local rank 0 of each node measures, global rank 0 reports.
    """

    def __init__(self, project: str | None = None, region: str | None = None, interval: float = 5.0,
                 scope: str = "process", store: Any = None, strict: bool = False, *, verbose: bool = True,
                 report_to: Any = None, log_dir: str | None = None, **tracker_kwargs: Any):
        super().__init__()
        kw = dict(project=project, region=region, interval=interval, scope=scope, store=store, strict=strict, **tracker_kwargs)
        check_settings(region, None, kw)
        self.log_dir = log_dir
        self.session = FitSession("keras", strict=strict, verbose=verbose, tracker_kwargs=kw, report_to=report_to)
        self._steps_per_epoch: int | None = None

    def _step(self, epochs_done: int) -> int | None:
        return None if self._steps_per_epoch is None else epochs_done * self._steps_per_epoch

    @guarded
    def on_train_begin(self, logs=None):
        from ..distributed import rank_info

        s = self.session
        if s.active:  # the previous fit() ended in an exception: close that run first
            s.finish(exit_code=1, status="interrupted")
        p = dict(self.params or {})
        epochs, steps = p.get("epochs"), p.get("steps")
        self._steps_per_epoch = int(steps) if steps else None
        rank = rank_info()
        s.begin(measure=rank is None or rank.samples_node, report=rank is None or rank.rank == 0,
                project=getattr(self.model, "name", None), total_epochs=epochs,
                total_steps=epochs * steps if epochs and steps else None,
                training_type="pre-training", report_context={"log_dir": self.log_dir or "logs"})

    @guarded
    def on_epoch_begin(self, epoch, logs=None):
        self.session.epoch_begin(epoch)

    @guarded
    def on_epoch_end(self, epoch, logs=None):
        s = self.session
        if not s.active:
            return
        m = s.epoch_end(step=self._step(epoch + 1))
        if m and s.report and logs is not None:
            logs.update(m)

    @guarded
    def on_train_end(self, logs=None):
        s = self.session
        if s.active:
            s.finish(step=self._step(len(getattr(getattr(self.model, "history", None), "epoch", []) or [])))
