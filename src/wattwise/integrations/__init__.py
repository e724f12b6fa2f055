"""Training-framework integrations: callbacks that measure a fit without touching its loop.

- ``wattwise.integrations.transformers.WattwiseCallback``: Hugging Face ``Trainer``.
- ``wattwise.integrations.lightning.WattwiseCallback``: ``lightning.pytorch`` (and the
  ``pytorch_lightning`` name, see ``wattwise.integrations.pytorch_lightning``).
- ``wattwise.integrations.keras.WattwiseCallback``: Keras 3 ``model.fit``.
- ``mlflow``, ``wandb``, ``tensorboard``: ``log_to_*`` and the reporters behind ``report_to=``
  (one key set, ``_report.py``).
- ``notebook``: the ``%%wattwise`` cell magic (``%load_ext wattwise``).
- ``slurm`` (job totals over per-node runs) and ``sacct`` (``estimate --from-sacct``).

Each module imports its framework when it is imported itself, never from ``import wattwise``
or from this package; a missing framework is a ``MissingExtraError`` naming the install
command. The shared, framework-free logic lives in ``_session.py``. See docs/integrations.md.
"""
from __future__ import annotations

from ._session import WattwiseWarning

__all__ = ["WattwiseWarning"]
