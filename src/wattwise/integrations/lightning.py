"""Lightning callback: energy and emissions of ``trainer.fit()``.

    from wattwise.integrations.lightning import WattwiseCallback
    trainer = lightning.pytorch.Trainer(max_epochs=10, callbacks=[WattwiseCallback(project="resnet", region="FR")])

Built on ``lightning.pytorch.Callback``; where only the older ``pytorch_lightning`` package is
installed, on that one instead. With both installed, use
``wattwise.integrations.pytorch_lightning.WattwiseCallback`` for a ``pytorch_lightning.Trainer``
(Lightning accepts only callbacks of its own package). See ``_lightning_hooks.LightningHooks``.
"""
from __future__ import annotations

from ..errors import MissingExtraError

try:
    from lightning.pytorch import Callback as _Callback
except ImportError:
    try:
        from pytorch_lightning import Callback as _Callback
    except ImportError as _e:  # pragma: no cover - exercised in a subprocess by the tests
        raise MissingExtraError("lightning", "lightning", "wattwise.integrations.lightning (the Lightning callback)",
                                install='pip install lightning (or pip install "wattwise[lightning]")') from _e

from ._lightning_hooks import LightningHooks
from ._session import WattwiseWarning

__all__ = ["WattwiseCallback", "WattwiseWarning"]


class WattwiseCallback(LightningHooks, _Callback):
    __doc__ = LightningHooks.__doc__
