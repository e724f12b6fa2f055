"""Evaluate models beyond accuracy: per-subset metrics with intervals, latency, energy and
emissions per 1,000 inferences, the Pareto front, per-request figures of live services and an
energy rating against a reference set.

``wattwise.evaluate(predict, X, y, groups=...)`` calls :func:`core.evaluate` (this package is
callable); ``wattwise.pareto(evaluations)`` is :func:`front.pareto`. Submodules load on first
use, and numpy only when an evaluation runs.
"""
from __future__ import annotations

import sys
import types
from typing import Any

_LAZY = {
    "Evaluation": ("result", "Evaluation"),
    "pareto": ("front", "pareto"),
    "side_by_side": ("table", "render"),
    "Metric": ("metrics", "Metric"),
    "as_predictor": ("adapters", "as_predictor"),
    "rate": ("rating", "rate"),
    "rate_energy": ("rating", "rate_energy"),
    "reference_tasks": ("rating", "reference_tasks"),
    "ASGIMiddleware": ("middleware", "ASGIMiddleware"),
    "WSGIMiddleware": ("middleware", "WSGIMiddleware"),
    "count_requests": ("middleware", "count_requests"),
    "load": ("stored", "load"),
    "compare": ("stored", "compare"),
}

__all__ = ["evaluate", *_LAZY]


def evaluate(predict: Any, X: Any, y: Any, **kw: Any):
    """See :func:`wattwise.evaluate.core.evaluate`."""
    from .core import evaluate as run

    return run(predict, X, y, **kw)


def __getattr__(name: str):
    try:
        mod, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'wattwise.evaluate' has no attribute {name!r}") from None
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{mod}"), attr)
    globals()[name] = value
    return value


class _CallableModule(types.ModuleType):
    """``wattwise.evaluate(...)`` runs an evaluation; ``wattwise.evaluate.<name>`` is this package."""

    def __call__(self, predict: Any, X: Any, y: Any, **kw: Any):
        return evaluate(predict, X, y, **kw)


sys.modules[__name__].__class__ = _CallableModule
