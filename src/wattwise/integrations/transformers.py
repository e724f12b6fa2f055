"""Hugging Face ``Trainer`` callback: energy and emissions of ``trainer.train()``.

    from wattwise.integrations.transformers import WattwiseCallback
    cb = WattwiseCallback(project="bert-ft", region="FR")
    trainer = Trainer(model=model, args=args, train_dataset=ds, callbacks=[cb])
    trainer.train()
    trainer.create_model_card()      # the Trainer rewrites README.md here ...
    cb.update_model_card()           # ... so add co2_eq_emissions after it

Where the numbers go (global rank 0 only; keys carry their units):

- every log event: ``wattwise_energy_kwh`` and ``wattwise_emissions_gco2e`` so far, and once
  known the projected totals, added to ``logs`` and to that ``state.log_history`` entry;
- every epoch end: a ``state.log_history`` entry with ``wattwise_epoch_energy_kwh``,
  ``wattwise_epoch_emissions_gco2e`` and ``wattwise_epoch_duration_s``;
- the end of training: the final totals join the Trainer's last log (the one with
  ``train_runtime``), so they are in ``trainer.train().metrics``, in ``trainer_state.json``
  and in what ``trainer.save_metrics("train", ...)`` writes; the tracker stops there;
- ``output_dir/README.md``: the Hub's ``co2_eq_emissions`` metadata (``model_card=True``).

The Trainer calls reporting callbacks (TensorBoard, W&B, ...) before user callbacks, so those
see the per-log keys only from the next log event on; the final totals reach them through
``trainer.log_metrics``/``save_metrics`` or ``trainer.log(cb.metrics)`` after training.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import MissingExtraError

try:
    from transformers import TrainerCallback
except ImportError as _e:  # pragma: no cover - exercised in a subprocess by the tests
    raise MissingExtraError("hf", "transformers", "wattwise.integrations.transformers (the Hugging Face Trainer callback)",
                            install='pip install transformers accelerate (or pip install "wattwise[hf]")') from _e

from ._session import FitSession, SessionResults, WattwiseWarning, check_settings, guarded

__all__ = ["WattwiseCallback", "WattwiseWarning"]

FINAL_LOG_KEY = "train_runtime"  # present only in the Trainer's end-of-training log


class WattwiseCallback(SessionResults, TrainerCallback):
    """Measure ``trainer.train()``: one stored run, one window per epoch, logged totals, the model-card block.

    Arguments are ``wattwise.Tracker``'s (``project`` defaults to the output directory's name,
    the run's name to ``args.run_name``), plus:

    - ``training_type``: ``"pre-training"`` or ``"fine-tuning"`` for the model card; by default
      fine-tuning when the model was loaded with ``from_pretrained`` (it has a ``name_or_path``).
    - ``model_card``: write ``co2_eq_emissions`` into ``output_dir/README.md`` at the end.
    - ``verbose``: print a one-line summary to stderr at the end.
    - ``report_to``: ``"mlflow"``, ``"wandb"``, ``"tensorboard"`` (or a list, or reporter objects):
      each epoch's energy at ``global_step`` and, at the end, totals, per-component power and
      provenance go straight to those trackers, into the run the Trainer's own integration opened
      (the active MLflow run, ``wandb.run``; TensorBoard: ``$TENSORBOARD_LOGGING_DIR`` or
      ``output_dir/runs``), next to the loss.

    Any wattwise problem becomes a ``WattwiseWarning`` and training goes on (``strict=True``
    raises instead). Local rank 0 of each node measures its node; global rank 0 reports.
    """

    def __init__(self, project: str | None = None, region: str | None = None, interval: float = 5.0,
                 scope: str = "process", store: Any = None, strict: bool = False, *, training_type: str | None = None,
                 model_card: bool = True, verbose: bool = True, report_to: Any = None, **tracker_kwargs: Any):
        kw = dict(project=project, region=region, interval=interval, scope=scope, store=store, strict=strict, **tracker_kwargs)
        check_settings(region, training_type, kw)
        self.model_card = model_card
        self.output_dir: str | None = None
        self.session = FitSession("transformers", strict=strict, verbose=verbose, training_type=training_type,
                                  tracker_kwargs=kw, report_to=report_to)

    # -- what users read afterwards ------------------------------------------------------------
    def update_model_card(self, path: str | Path | None = None, training_type: str | None = None) -> Path:
        """Add ``co2_eq_emissions`` to a model card's front matter (default ``output_dir/README.md``)."""
        target = path if path is not None else self.output_dir
        if target is None:
            from ..errors import UsageError

            raise UsageError("no model card path: pass update_model_card('path/README.md') or train first")
        return self.session.write_model_card(target, training_type)

    # -- Trainer events ----------------------------------------------------------------------
    @guarded
    def on_train_begin(self, args, state, control, model=None, **kwargs):
        s = self.session
        if s.active:  # a previous train() ended in an exception: close that run first
            s.finish(exit_code=1, status="interrupted")
        self.output_dir = getattr(args, "output_dir", None)
        out = self.output_dir
        project = Path(out).name if out else None
        s.begin(measure=_is_local_zero(args, state), report=bool(getattr(state, "is_world_process_zero", True)),
                project=project, name=getattr(args, "run_name", None) or None,
                total_steps=getattr(state, "max_steps", None), total_epochs=getattr(args, "num_train_epochs", None),
                training_type=_training_type(model),
                report_context={"log_dir": _tensorboard_dir(args)})

    @guarded
    def on_epoch_begin(self, args, state, control, **kwargs):
        s = self.session
        if s.active:
            ep = getattr(state, "epoch", None)
            s.epoch_begin(int(ep + 1e-6) if ep is not None else 0)

    @guarded
    def on_epoch_end(self, args, state, control, **kwargs):
        s = self.session
        if not s.active:
            return
        m = s.epoch_end(step=state.global_step)
        if m and s.report:
            state.log_history.append({**m, "epoch": state.epoch, "step": state.global_step})

    @guarded
    def on_log(self, args, state, control, logs=None, **kwargs):
        s = self.session
        if not s.active or logs is None:
            return
        if FINAL_LOG_KEY in logs:
            s.progress(state.global_step)
            m = s.finish(step=state.global_step)
        else:
            s.progress(state.global_step)
            m = s.so_far()
        if m and s.report:
            s.safe("adding energy to the logs", _add_to_logs, state, logs, m)

    @guarded
    def on_train_end(self, args, state, control, **kwargs):
        s = self.session
        if s.active:  # the Trainer's final log never came (an older or customised Trainer)
            m = s.finish(step=state.global_step)
            if m and s.report:
                state.log_history.append({**m, "step": state.global_step})
        if s.result is not None and s.report and self.model_card and self.output_dir and getattr(args, "should_save", True):
            s.safe("writing the model card", s.write_model_card, self.output_dir)


def _add_to_logs(state, logs: dict, metrics: dict[str, float]) -> None:
    """Add to the event's ``logs`` and to the ``log_history`` entry the Trainer just made from them."""
    hist = getattr(state, "log_history", None)
    entry = hist[-1] if hist else None
    same = (isinstance(entry, dict) and entry.get("step") == state.global_step
            and all(k in entry for k in logs if not k.startswith("wattwise_")))
    logs.update(metrics)
    if same:
        entry.update(metrics)


def _tensorboard_dir(args) -> str | None:
    """Where the Trainer's TensorBoard integration writes: $TENSORBOARD_LOGGING_DIR, else ``output_dir/runs``."""
    import os

    d = os.environ.get("TENSORBOARD_LOGGING_DIR") or getattr(args, "logging_dir", None)
    out = getattr(args, "output_dir", None)
    return os.path.expanduser(d) if d else (str(Path(out) / "runs") if out else None)


def _is_local_zero(args, state) -> bool:
    v = getattr(state, "is_local_process_zero", None)
    if v is not None:
        return bool(v)
    return getattr(args, "local_process_index", 0) == 0


def _training_type(model) -> str | None:
    """Fine-tuning when the model came from ``from_pretrained`` (it remembers where from)."""
    if model is None:
        return None
    path = getattr(model, "name_or_path", None) or getattr(getattr(model, "config", None), "_name_or_path", None)
    return "fine-tuning" if path else "pre-training"
