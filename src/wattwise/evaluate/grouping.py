"""The metric overall and on every subset: each value of each grouping, with n and a 95 % interval.

Bootstrap seeds (for metrics without a Wilson interval): the overall interval uses ``seed``;
the k-th subset listed (groupings in the order given, values sorted) uses ``seed + k`` with
k counted from 1, so every interval is reproducible on its own.
"""
from __future__ import annotations

from typing import Any

from ..errors import UsageError
from ._np import np, to_python
from .intervals import bootstrap, wilson


def normalise_groups(groups: Any, n: int) -> dict[str, list]:
    """``None``, one array-like (named 'group'), or {name: array-like}; each of length n."""
    if groups is None:
        return {}
    if not isinstance(groups, dict):
        groups = {"group": groups}
    out = {}
    for name, values in groups.items():
        vals = [to_python(v) for v in (values.tolist() if hasattr(values, "tolist") else list(values))]
        if len(vals) != n:
            raise UsageError(f"grouping '{name}' has {len(vals)} values for {n} items; give one value per item")
        out[str(name)] = vals
    return out


def _sort_key(v):
    return (0, v, "") if isinstance(v, (int, float)) and not isinstance(v, bool) else (1, 0, str(v))


def one(metric, y_true, y_pred, *, resamples: int, seed: int) -> dict:
    """{value, ci95, n} of the metric on these items."""
    n = len(y_true)
    if n == 0:
        return {"value": None, "ci95": None, "n": 0}
    value = metric(y_true, y_pred)
    if metric.proportion:
        ci = wilson(int(round(value * n)), n)
    else:
        ci = bootstrap(metric, y_true, y_pred, resamples=resamples, seed=seed)
    return {"value": value, "ci95": ci, "n": n}


def score(metric, y_true, y_pred, groups: dict[str, list], *, resamples: int, seed: int) -> dict:
    """overall, groups, worst_group, gap (largest best-worst spread in one grouping) and gaps."""
    npm = np()
    overall = one(metric, y_true, y_pred, resamples=resamples, seed=seed)
    rows, k = [], 0
    for name, values in groups.items():
        for val in sorted(dict.fromkeys(values), key=_sort_key):
            k += 1
            mask = npm.fromiter((v == val for v in values), dtype=bool, count=len(values))
            rows.append({"grouping": name, "group": val,
                         **one(metric, y_true[mask], y_pred[mask], resamples=resamples, seed=seed + k)})
    return {"overall": overall, "groups": rows, **_disparity(rows, metric.higher_is_better)}


def _disparity(rows: list[dict], higher_is_better: bool) -> dict:
    known = [r for r in rows if r["value"] is not None]
    if not known:
        return {"worst_group": None, "gap": None, "gaps": {}}
    pick = min if higher_is_better else max
    worst = pick(known, key=lambda r: r["value"])
    gaps = {}
    for r in known:
        lo, hi = gaps.get(r["grouping"], (r["value"], r["value"]))
        gaps[r["grouping"]] = (min(lo, r["value"]), max(hi, r["value"]))
    spread = {g: hi - lo for g, (lo, hi) in gaps.items()}
    return {"worst_group": {k: worst[k] for k in ("grouping", "group", "value", "n")},
            "gap": max(spread.values()), "gaps": spread}
