"""``Evaluation``: one model's evaluation as plain data; ``to_dict()`` is the JSON contract.

The contract (DESIGN.md): ``name``, ``metric``, ``overall {value, ci95, n}``, ``groups [{grouping,
group, value, ci95, n}]``, ``worst_group``, ``gap``, ``inferences``, ``latency_ms {p50, p95}``
(per item), ``energy_kwh_per_1k``, ``emissions_gco2e_per_1k``, ``components`` (per 1k, with
method and source), ``idle_share``; plus ``ci`` (how intervals were computed), ``run_id`` and more.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Evaluation:
    data: dict[str, Any]
    measurement: Any = field(default=None, compare=False, repr=False)  # the tracked run (None when loaded)

    # the headline fields, for code that prefers attributes
    name = property(lambda self: self.data["name"])
    metric = property(lambda self: self.data["metric"])
    overall = property(lambda self: self.data["overall"])
    groups = property(lambda self: self.data["groups"])
    worst_group = property(lambda self: self.data.get("worst_group"))
    gap = property(lambda self: self.data.get("gap"))
    inferences = property(lambda self: self.data.get("inferences"))
    latency_ms = property(lambda self: self.data.get("latency_ms"))
    energy_kwh_per_1k = property(lambda self: self.data.get("energy_kwh_per_1k"))
    emissions_gco2e_per_1k = property(lambda self: self.data.get("emissions_gco2e_per_1k"))
    components = property(lambda self: self.data.get("components", []))
    run_id = property(lambda self: self.data.get("run_id"))

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self.data)

    def to_json(self) -> str:
        return json.dumps(self.data, default=str)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Evaluation":
        missing = [k for k in ("name", "metric", "overall") if k not in d]
        if missing:
            from ..errors import UsageError

            raise UsageError(f"not an evaluation: missing {', '.join(missing)}")
        return cls(copy.deepcopy(d))

    def table(self) -> str:
        """The terminal view: the summary and the per-group table."""
        from .table import render

        return render([self])

    def model_card(self, training: Any = None) -> str:
        """The model-card YAML block: metric, per-group results and energy per 1k inferences
        (beside ``co2_eq_emissions`` of ``training``, a training run's Measurement or result dict)."""
        from .card import model_card

        return model_card(self.data, training)

    def rate(self, task: str):
        """The energy rating against the shipped reference set (raises UsageError when none applies)."""
        from .rating import rate

        return rate(self, task=task)

    def __repr__(self) -> str:
        o = self.data.get("overall") or {}
        return (f"Evaluation(name={self.name!r}, {self.metric}={o.get('value')}, n={o.get('n')}, "
                f"energy_kwh_per_1k={self.energy_kwh_per_1k}, run_id={self.run_id!r})")


def as_dict(ev: Any) -> dict[str, Any]:
    """An Evaluation or its dict, as the dict."""
    if isinstance(ev, Evaluation):
        return ev.data
    if isinstance(ev, dict):
        return ev
    from ..errors import UsageError

    raise UsageError(f"expected an Evaluation or its to_dict(), not {type(ev).__name__}")
