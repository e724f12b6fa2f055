"""Weights & Biases: a run's energy, emissions and power as logged series, its provenance in the config.

    from wattwise.integrations.wandb import log_to_wandb
    run = wandb.init(project="bert")
    with wattwise.track(project="bert") as tr:
        train()
    log_to_wandb(tr)              # into wandb.run (or run=..., or a new run it finishes)

Series are plotted against their own x-axis, ``wattwise/step`` (the training step or epoch),
so they never disturb W&B's step counter. Live from a callback: ``report_to="wandb"``. Offline
(``WANDB_MODE=offline``) works the same. Needs ``pip install wandb`` (the ``[wandb]`` extra).
"""
from __future__ import annotations

from typing import Any

from ..errors import MissingExtraError

try:
    import wandb as _wandb
except ImportError as _e:  # pragma: no cover - exercised in a subprocess by the tests
    raise MissingExtraError("wandb", "wandb", "wattwise.integrations.wandb",
                            install='pip install wandb (or pip install "wattwise[wandb]")') from _e

from ._report import log_result

__all__ = ["WandbReporter", "log_to_wandb"]

STEP_KEY = "wattwise/step"


class WandbReporter:
    """Logs into ``run``, else ``wandb.run``, else a run it starts (and finishes at ``close()``)."""

    def __init__(self, run: Any = None, *, project: str | None = None, name: str | None = None, **init_kwargs: Any):
        self.owned = run is None and _wandb.run is None
        self.run = run or _wandb.run or _wandb.init(project=project or "wattwise", name=name, **init_kwargs)
        self.run.define_metric(STEP_KEY)
        self.run.define_metric("wattwise_*", step_metric=STEP_KEY)

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self.run.log({**metrics, STEP_KEY: int(step or 0)})

    def log_tags(self, tags: dict[str, str]) -> None:
        self.run.config.update({"wattwise": dict(tags)}, allow_val_change=True)

    def close(self) -> None:
        if self.owned:
            self.run.finish()
            self.owned = False


def log_to_wandb(result: Any, *, run: Any = None, step: int | None = None, windows: bool = True, **init_kwargs: Any) -> Any:
    """Log a finished run (Measurement, Tracker, callback or run JSON); returns the W&B run."""
    r = WandbReporter(run, **init_kwargs)
    try:
        log_result(r, result, step=step, windows=windows)
    finally:
        r.close()
    return r.run
