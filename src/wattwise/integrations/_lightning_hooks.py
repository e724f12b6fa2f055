"""The Lightning callback's hooks, shared by the ``lightning.pytorch`` and ``pytorch_lightning`` names.

Lightning checks callbacks against its own ``Callback`` class, and the two package names ship
two distinct classes; each public module mixes these hooks into the right one. Nothing here
imports Lightning.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ._session import FitSession, SessionResults, check_settings, guarded


class LightningHooks(SessionResults):
    """Measure ``trainer.fit()``: one stored run, one window per training epoch, logged totals.

    Arguments are ``wattwise.Tracker``'s (``project`` defaults to the LightningModule's class
    name), plus ``training_type`` (``"pre-training"``, the default, or ``"fine-tuning"``) for
    the model card, ``model_card`` (a README.md path to add ``co2_eq_emissions`` to at the end)
    and ``verbose`` (a one-line summary on stderr at the end). ``report_to`` (``"mlflow"``,
    ``"wandb"``, ``"tensorboard"``, a list, or reporter objects) adds per-component power and the
    provenance; where one of ``trainer.loggers`` is of that kind, wattwise writes into that
    logger's run or directory and stops sending the same metrics through the logger.

    Each epoch's energy (``wattwise_epoch_energy_kwh``, ``wattwise_epoch_emissions_gco2e``,
    and the totals so far) and, at ``on_fit_end``, the final totals go to every entry of
    ``trainer.loggers`` (CSV, TensorBoard, W&B, MLflow, ...). An epoch window runs from
    ``on_train_epoch_start`` to ``on_train_epoch_end``, so it includes the validation that
    Lightning runs at the end of the epoch. Local rank 0 of each node measures; global rank 0
    logs. Any wattwise problem becomes a ``WattwiseWarning`` (``strict=True`` raises).
    """

    _framework = "lightning"

    def __init__(self, project: str | None = None, region: str | None = None, interval: float = 5.0,
                 scope: str = "process", store: Any = None, strict: bool = False, *, training_type: str | None = None,
                 model_card: str | Path | None = None, verbose: bool = True, report_to: Any = None, **tracker_kwargs: Any):
        super().__init__()
        kw = dict(project=project, region=region, interval=interval, scope=scope, store=store, strict=strict, **tracker_kwargs)
        check_settings(region, training_type, kw)
        self.model_card = model_card
        self.session = FitSession(self._framework, strict=strict, verbose=verbose, training_type=training_type,
                                  tracker_kwargs=kw, report_to=report_to)
        self._covered: set[int] = set()  # ids of loggers a report_to tracker writes to directly

    # -- what users read afterwards ------------------------------------------------------------
    def update_model_card(self, path: str | Path, training_type: str | None = None) -> Path:
        """Add ``co2_eq_emissions`` to a model card's YAML front matter (a README.md, created if missing)."""
        return self.session.write_model_card(path, training_type)

    # -- Lightning hooks -----------------------------------------------------------------------
    @guarded
    def on_fit_start(self, trainer, pl_module) -> None:
        s = self.session
        if s.active:
            s.finish(exit_code=1, status="interrupted")
        measure = getattr(trainer, "local_rank", 0) == 0
        max_epochs = getattr(trainer, "max_epochs", None)
        report = bool(getattr(trainer, "is_global_zero", True))
        ctx, self._covered = _logger_context(s.report_to, trainer) if report else ({}, set())
        s.begin(measure=measure, report=report, project=type(pl_module).__name__,
                total_epochs=max_epochs if max_epochs and max_epochs > 0 else None, report_context=ctx)
        if len(s.reporters) != len(s.report_to):  # a tracker failed to open (warned): keep its logger
            self._covered = set()

    @guarded
    def on_train_epoch_start(self, trainer, pl_module) -> None:
        s = self.session
        if not s.active:
            return
        if s.total_steps is None and getattr(trainer, "train_dataloader", None) is not None:
            # Only now: before the train dataloader exists, estimated_stepping_batches sets it up with
            # a collective (all_reduce) that the other ranks never join, and DDP deadlocks.
            try:  # inf for an iterable dataset without a length: the projection then counts epochs
                s.set_total_steps(trainer.estimated_stepping_batches)
            except Exception:  # noqa: BLE001 - never harm the fit
                pass
        s.epoch_begin(trainer.current_epoch)

    @guarded
    def on_train_epoch_end(self, trainer, pl_module) -> None:
        s = self.session
        if not s.active:
            return
        m = s.epoch_end(step=trainer.global_step)
        if m and s.report:
            _log(s, trainer, {**m, "epoch": float(trainer.current_epoch)}, self._covered)

    @guarded
    def on_fit_end(self, trainer, pl_module) -> None:
        s = self.session
        if not s.active:
            return
        m = s.finish(step=trainer.global_step)
        if m and s.report:
            _log(s, trainer, m, self._covered)
            if self.model_card:
                s.safe("writing the model card", s.write_model_card, self.model_card)

    @guarded
    def on_exception(self, trainer, pl_module, exception: BaseException) -> None:
        if self.session.active:
            self.session.finish(exit_code=_exit_code(exception), status="interrupted")

    @guarded
    def teardown(self, trainer, pl_module, stage: str) -> None:
        if self.session.active and stage == "fit":  # a fit that ended without on_fit_end
            self.session.finish()


def _logger_context(report_to: list, trainer) -> tuple[dict[str, Any], set[int]]:
    """Where each ``report_to`` tracker should write: the matching Lightning logger's run, if any."""
    if not report_to:
        return {}, set()
    names = {x.strip().lower() for x in report_to if isinstance(x, str)}
    # Not trainer.log_dir: it broadcasts from rank 0, a collective the other ranks never join here (DDP deadlock).
    ctx: dict[str, Any] = {"log_dir": getattr(trainer, "default_root_dir", None)}
    covered: set[int] = set()
    for lg in list(getattr(trainer, "loggers", None) or []):
        kind = type(lg).__name__
        if kind == "MLFlowLogger" and "mlflow" in names:
            ctx.update(mlflow_run_id=lg.run_id, mlflow_tracking_uri=getattr(lg, "_tracking_uri", None))
        elif kind == "WandbLogger" and "wandb" in names:
            ctx["wandb_run"] = lg.experiment
        elif kind == "TensorBoardLogger" and "tensorboard" in names:
            ctx["log_dir"] = lg.log_dir
        else:
            continue
        covered.add(id(lg))
    return ctx, covered


def _log(s: FitSession, trainer, metrics: dict[str, float], covered: set[int] = frozenset()) -> None:
    """Straight to ``trainer.loggers``, from global rank 0 only.

    Not through ``pl_module.log``: a value logged on one rank only makes Lightning warn once
    per key in every distributed run (it expects ``sync_dist=True``, a collective that the
    other ranks, which measure nothing, would never join).
    """
    for lg in list(getattr(trainer, "loggers", None) or []):
        if id(lg) in covered:
            continue
        s.safe(f"logging energy to {type(lg).__name__}", lg.log_metrics, metrics, step=trainer.global_step)


def _exit_code(exc: BaseException) -> int:
    """The exit code a shell would report for the way the fit ended (as ``wattwise run`` records it)."""
    import signal

    if isinstance(exc, KeyboardInterrupt):
        return 128 + signal.SIGINT
    if type(exc).__name__ == "SIGTERMException":  # Lightning's clean stop after a SIGTERM
        return 128 + signal.SIGTERM
    if isinstance(exc, SystemExit):
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 1
