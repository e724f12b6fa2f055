"""The Lightning callback for code that imports ``pytorch_lightning`` (the package's older name).

    from wattwise.integrations.pytorch_lightning import WattwiseCallback
    trainer = pytorch_lightning.Trainer(max_epochs=10, callbacks=[WattwiseCallback(project="resnet")])

Same behaviour as ``wattwise.integrations.lightning.WattwiseCallback``; only the base class differs.
"""
from __future__ import annotations

from ..errors import MissingExtraError

try:
    from pytorch_lightning import Callback as _Callback
except ImportError as _e:  # pragma: no cover - exercised in a subprocess by the tests
    raise MissingExtraError("lightning", "pytorch_lightning", "wattwise.integrations.pytorch_lightning (the Lightning callback)",
                            install="pip install pytorch-lightning (or use lightning and wattwise.integrations.lightning)") from _e

from ._lightning_hooks import LightningHooks
from ._session import WattwiseWarning

__all__ = ["WattwiseCallback", "WattwiseWarning"]


class WattwiseCallback(LightningHooks, _Callback):
    __doc__ = LightningHooks.__doc__
    _framework = "pytorch_lightning"
