"""The metrics an evaluation can report, each written once, over numpy arrays.

Definitions follow scikit-learn's defaults (the tests check them against ``sklearn.metrics``):
balanced accuracy averages recall over the classes present in ``y_true``; macro-F1 averages
F1 over the union of labels in ``y_true`` and ``y_pred`` (an undefined F1 counts as 0).
``proportion`` marks metrics that are the mean of a 0/1 outcome per item: their interval is
Wilson's; every other metric gets a bootstrap interval.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import UsageError
from ._np import np


@dataclass(frozen=True)
class Metric:
    """A named score of (y_true, y_pred) arrays; ``kind`` is classification, regression or any."""

    name: str
    fn: Callable[[Any, Any], float]
    higher_is_better: bool = True
    kind: str = "any"
    proportion: bool = False

    def __call__(self, y_true, y_pred) -> float:
        return float(self.fn(y_true, y_pred))


def accuracy(y_true, y_pred) -> float:
    return float(np().mean(y_true == y_pred))


def balanced_accuracy(y_true, y_pred) -> float:
    n = np()
    recalls = [n.mean(y_pred[y_true == c] == c) for c in n.unique(y_true)]
    return float(n.mean(recalls))


def macro_f1(y_true, y_pred) -> float:
    n = np()
    scores = []
    for label in n.union1d(n.unique(y_true), n.unique(y_pred)):
        t, p = y_true == label, y_pred == label
        tp = n.count_nonzero(t & p)
        denom = n.count_nonzero(t) + n.count_nonzero(p)  # 2tp + fp + fn
        scores.append(2 * tp / denom if denom else 0.0)
    return float(n.mean(scores))


def mae(y_true, y_pred) -> float:
    n = np()
    return float(n.mean(n.abs(y_true.astype(float) - y_pred.astype(float))))


def rmse(y_true, y_pred) -> float:
    n = np()
    return float(n.sqrt(n.mean((y_true.astype(float) - y_pred.astype(float)) ** 2)))


BUILTIN = {
    "accuracy": Metric("accuracy", accuracy, True, "classification", proportion=True),
    "balanced_accuracy": Metric("balanced_accuracy", balanced_accuracy, True, "classification"),
    "macro_f1": Metric("macro_f1", macro_f1, True, "classification"),
    "mae": Metric("mae", mae, False, "regression"),
    "rmse": Metric("rmse", rmse, False, "regression"),
}
ALIASES = {"acc": "accuracy", "balanced-accuracy": "balanced_accuracy", "f1": "macro_f1", "macro-f1": "macro_f1",
           "f1_macro": "macro_f1", "f1-macro": "macro_f1", "mean_absolute_error": "mae",
           "root_mean_squared_error": "rmse"}


def get_metric(metric: str | Metric | Callable) -> Metric:
    """A Metric from a name, a Metric, or any callable(y_true, y_pred) -> float (higher is better)."""
    if isinstance(metric, Metric):
        return metric
    if isinstance(metric, str):
        key = metric.strip().lower()
        key = ALIASES.get(key, key)
        if key in BUILTIN:
            return BUILTIN[key]
        names = sorted(BUILTIN)
        close = difflib.get_close_matches(key, names + sorted(ALIASES), n=1)
        hint = f"; did you mean '{ALIASES.get(close[0], close[0])}'?" if close else ""
        raise UsageError(f"unknown metric '{metric}'{hint} (metrics: {', '.join(names)}, or pass a callable)")
    if callable(metric):
        name = getattr(metric, "__name__", None) or type(metric).__name__
        return Metric("custom" if name == "<lambda>" else name, metric, True, "any")
    raise UsageError(f"metric must be a name ({', '.join(sorted(BUILTIN))}) or a callable(y_true, y_pred), "
                     f"not {type(metric).__name__}")
