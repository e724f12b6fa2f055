"""An energy rating against a reference set: the AI Energy Score's five equal bands.

The reference (``data/inference_energy_reference.csv``, built by scripts/wwtables/
inference_energy.py) holds the ML.ENERGY Leaderboard v3.0's GPU energy per query by task and
GPU. For a task and hardware class (the GPU model: H100 or B200), the range from the lowest
to the highest reference figure is cut into five equal bands (AI Energy Score method): a
figure in the lowest fifth gets 5 stars, in the highest fifth 1 star; a figure on a band
edge gets the better band; one below the minimum gets 5 stars and one above the maximum 1,
each saying so. Only GPU energy is compared, as in the reference. Where the task or the
hardware differs from the reference, no rating is meaningful and none is given.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from ..errors import UsageError

TABLE = "inference_energy_reference.csv"
METHOD = ("AI Energy Score (Hugging Face, MIT): the reference range of GPU energy per query for the task and "
          "hardware, split into five equal bands; lowest band 5 stars, highest 1 star")


@dataclass(frozen=True)
class Rating:
    stars: int
    task: str
    task_name: str
    query: str
    hardware_class: str
    energy_wh_per_query: float
    reference_min_wh: float
    reference_max_wh: float
    band_edges_wh: tuple[float, ...]  # min, four inner edges, max
    reference_models: int
    note: str | None
    source: str
    license: str
    method: str = METHOD

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["band_edges_wh"] = list(self.band_edges_wh)
        return d

    def __str__(self) -> str:
        s = (f"{self.stars} of 5 stars: {self.energy_wh_per_query:.4g} Wh of GPU energy per {self.query} for "
             f"{self.task} on {self.hardware_class} (reference {self.reference_min_wh:.4g}-{self.reference_max_wh:.4g} Wh "
             f"over {self.reference_models} models)")
        return s + (f"; {self.note}" if self.note else "")


@lru_cache(maxsize=1)
def _reference() -> list[dict]:
    from .._data import table

    return list(table(TABLE))


def reference_tasks() -> dict[str, dict]:
    """{task: {name, query, hardware: {class: models}}} of the shipped reference set."""
    out: dict[str, dict] = {}
    for r in _reference():
        t = out.setdefault(r["task"], {"name": r["task_name"], "query": r["query"], "hardware": {}})
        t["hardware"][r["gpu_model"]] = t["hardware"].get(r["gpu_model"], 0) + 1
    return out


def hardware_class(gpu_name: str) -> str | None:
    """'NVIDIA H100 80GB HBM3' -> 'H100'; None for a GPU the reference has no class for."""
    m = re.search(r"\b(H100|B200)\b", gpu_name or "", re.I)
    return m.group(1).upper() if m else None


def rate_energy(wh_per_query: float, *, task: str, hardware: str) -> Rating:
    """Rate a GPU energy per query (Wh) for ``task`` measured on ``hardware`` (a GPU name or class)."""
    tasks = reference_tasks()
    if task not in tasks:
        close = difflib.get_close_matches(task, list(tasks), n=1)
        raise UsageError(f"no reference for task '{task}'" + (f"; did you mean '{close[0]}'?" if close else "")
                         + f" (reference tasks: {', '.join(sorted(tasks))}); no rating is meaningful across tasks")
    cls = hardware_class(hardware) or hardware
    classes = tasks[task]["hardware"]
    if cls not in classes:
        raise UsageError(f"the reference for '{task}' was measured on {' and '.join(sorted(classes))} GPUs, not on "
                         f"{hardware}; a rating across hardware would compare the machines, not the models, so none is given")
    rows = [r for r in _reference() if r["task"] == task and r["gpu_model"] == cls]
    vals = sorted(float(r["energy_per_query_wh"]) for r in rows)
    lo, hi = vals[0], vals[-1]
    if not hi > lo:
        raise UsageError(f"the reference for '{task}' on {cls} holds {len(rows)} model(s) with one figure; "
                         "there is no range to rate against")
    try:
        e = float(wh_per_query)
    except (TypeError, ValueError):
        raise UsageError(f"energy per query must be a number of Wh, not {wh_per_query!r}") from None
    if not e >= 0:
        raise UsageError(f"energy per query must be >= 0 Wh, not {wh_per_query!r}")
    inner = [lo + k * (hi - lo) / 5 for k in range(1, 5)]
    stars = 5 - sum(e > edge for edge in inner)
    note = None
    if e < lo:
        note = f"below the lowest reference figure ({lo:.4g} Wh)"
    elif e > hi:
        note = f"above the highest reference figure ({hi:.4g} Wh)"
    return Rating(stars, task, rows[0]["task_name"], rows[0]["query"], cls, e, lo, hi, (lo, *inner, hi), len(rows),
                  note, rows[0]["source"], rows[0]["license"])


def _gpu_figures(d: dict) -> tuple[float, list[str]]:
    """(GPU Wh per query, GPU names) of an evaluation or usage dict; UsageError when no GPU was measured."""
    if "usage" in d and "energy_kwh_per_1k" not in d:  # a service: per request
        comps = [(c["name"], c.get("method"), None if c.get("energy_kwh_per_request") is None
                  else c["energy_kwh_per_request"] * 1000) for c in d["usage"].get("components", [])]
    else:  # kWh per 1,000 queries is Wh per query
        comps = [(c["name"], c.get("method"), c.get("energy_kwh_per_1k")) for c in d.get("components", [])]
    gpus = [c for c in comps if c[0] == "gpu" or c[0].startswith("gpu:")]
    measured = [c for c in gpus if c[1] == "measured" and c[2] is not None]
    if not measured or len(measured) != len(gpus):
        what = ", ".join(f"{n} {m}" for n, m, _ in comps) or "none"
        raise UsageError(f"no measured GPU energy in this run (components: {what}); the reference is GPU energy "
                         "measured on NVIDIA H100/B200, so no rating is meaningful")
    names = [g.get("name", "") if isinstance(g, dict) else str(g) for g in (d.get("hardware") or {}).get("gpus", [])]
    return sum(c[2] for c in measured), names


def rate(obj: Any, *, task: str) -> Rating:
    """Rate an Evaluation (or its dict), or a tracked service's Measurement/result with ``usage``."""
    d = obj.to_dict() if hasattr(obj, "to_dict") else obj
    if not isinstance(d, dict):
        raise UsageError(f"cannot rate a {type(obj).__name__}: give an Evaluation, its dict, or a run with counted requests")
    wh, names = _gpu_figures(d)
    classes = {hardware_class(n) or n for n in names}
    if len(classes) != 1:
        raise UsageError("the GPUs of this run are " + (", ".join(sorted(set(names))) if names else "not named")
                         + "; a rating needs one GPU model matching the reference (H100 or B200)")
    return rate_energy(wh, task=task, hardware=names[0])


def rating_for(data: dict, task: str) -> dict:
    """The evaluation's ``rating`` entry: the rating, or stars null with the reason none is meaningful."""
    try:
        return rate(data, task=task).to_dict()
    except UsageError as e:
        return {"stars": None, "task": task, "reason": str(e)}
