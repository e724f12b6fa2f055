"""The Pareto front of evaluations: best metric for the least emissions per 1,000 inferences.

A point is on the front when no other point is at least as good on both axes and strictly
better on one; identical points are therefore all on it (ties kept). Evaluations lacking a
figure on either axis (energy not measurable) cannot be placed and are left out.
"""
from __future__ import annotations

from typing import Any, Iterable

from ..errors import UsageError
from .result import as_dict


def labels(dicts: list[dict]) -> list[str]:
    """Each evaluation's name, with its run id when two share a name."""
    names = [d.get("name") or "?" for d in dicts]
    dup = {n for n in names if names.count(n) > 1}
    return [f"{n} ({(d.get('run_id') or '?')[:8]})" if n in dup else n for n, d in zip(names, dicts)]


def value(d: dict, key: str) -> float | None:
    """``overall`` -> the metric's value; a dotted key (``latency_ms.p95``) reaches inside."""
    v: Any = d
    for part in key.split("."):
        v = v.get(part) if isinstance(v, dict) else None
    if isinstance(v, dict):
        v = v.get("value")
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def pareto(evaluations: Iterable[Any], x: str = "emissions_gco2e_per_1k", y: str = "overall") -> list[str]:
    """Names on the front (min ``x``; max ``y``, or min for metrics where lower is better), by ascending ``x``."""
    dicts = [as_dict(e) for e in evaluations]
    if y == "overall":
        metrics = sorted({d.get("metric") for d in dicts})
        if len(metrics) > 1:
            raise UsageError(f"these evaluations use different metrics ({', '.join(map(str, metrics))}); "
                             "a front compares like with like")
    points = []
    for name, d in zip(labels(dicts), dicts):
        px, py = value(d, x), value(d, y)
        if px is None or py is None:
            continue
        sign = -1.0 if y == "overall" and d.get("higher_is_better") is False else 1.0
        points.append((px, sign * py, name))
    front = [p for p in points if not any(_dominates(q, p) for q in points)]
    return [name for _, _, name in sorted(front, key=lambda p: (p[0], -p[1], p[2]))]


def _dominates(q, p) -> bool:
    """q is no worse than p on both axes and strictly better on one (x: lower, y: higher)."""
    return q[0] <= p[0] and q[1] >= p[1] and (q[0] < p[0] or q[1] > p[1])
