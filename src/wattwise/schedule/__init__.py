"""Carbon-aware scheduling: plan (``schedule``), replay history (``simulate``), execute (runner, gate).

``wattwise.schedule`` is both this package and the public function: the package is callable,
so ``wattwise.schedule(...)`` works whichever Python imported first.
"""
from __future__ import annotations

import sys
import types

from .plan import Schedule, schedule, submit_line


def simulate(*args, **kwargs):
    """Replay policies over historical series; see ``wattwise.schedule.replay.simulate``."""
    from .replay import simulate as _sim

    return _sim(*args, **kwargs)


def __getattr__(name: str):
    if name == "CarbonGate":
        from .gate import CarbonGate

        return CarbonGate
    raise AttributeError(f"module 'wattwise.schedule' has no attribute {name!r}")


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return schedule(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["Schedule", "schedule", "simulate", "submit_line", "CarbonGate"]
