"""``evaluate``: score a model overall and per subset while a tracked run measures its inference.

The run is an ordinary wattwise run (stored like any other, ``command`` starting with
``wattwise evaluate``) with an ``idle`` window and one window per repeat; the evaluation's
dict is kept in the run's result under ``evaluation``, so ``wattwise evaluate compare RUN_ID``
reads it back. Predictions come from the first repeat; warm-up batches run before any window.
"""
from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass
import os
import time
from typing import Any

from ..errors import UsageError, WattwiseError
from ._np import np, to_python
from .adapters import as_predictor
from .energy import IDLE_WINDOW, figures, repeat_window
from .grouping import normalise_groups, score
from .intervals import RESAMPLES, describe
from .metrics import get_metric
from .result import Evaluation

SCHEMA = "wattwise-evaluation/1"


class ModelError(WattwiseError):
    """The model's own predict raised (the original exception is the ``__cause__``)."""


def _call(predictor, batch, size: int):
    try:
        return predictor(batch)
    except Exception as e:  # noqa: BLE001 - re-raised with what was being predicted
        raise ModelError(f"the model raised {type(e).__name__}: {e} (predicting a batch of {size} item{'s' if size != 1 else ''})") from e


@dataclass(frozen=True)
class _Plan:
    """What to run, validated before anything is measured."""

    metric: Any
    y: Any
    n: int
    groups: dict
    batch: int
    repeats: int
    warmup: int
    idle_s: float
    predictor: Any
    name: str


def evaluate(predict: Any, X: Any, y: Any, *, groups: Any = None, metric: Any = "accuracy", batch_size: int | None = None,
             repeats: int = 1, warmup: int = 1, region: str | None = None, name: str | None = None, store: Any = None,
             project: str | None = None, task: str | None = None, idle_s: float = 1.0, resamples: int = RESAMPLES,
             seed: int = 0, interval: float = 1.0, dataset: str | None = None, command: str | None = None,
             **track: Any) -> Evaluation:
    """Evaluate ``predict`` (a callable over a batch, a scikit-learn estimator, a torch module or an HF
    pipeline) on X, y: the metric overall and per group with 95 % intervals, latency per item, and
    energy and emissions per 1,000 inferences measured over ``repeats`` passes.

    ``batch_size=None`` predicts one item per call (the latency a single request sees).
    ``groups`` is one array-like or {name: array-like}. ``task`` (e.g. 'lm-arena-chat') adds an
    energy rating against the shipped reference set; ``dataset`` names the data (model card).
    Other keywords go to ``wattwise.Tracker`` (scope, pue, intensity, sensors, powercap_root, nvml...);
    ``command`` is what the stored run says ran (the CLI passes its command line).
    """
    plan = _plan(predict, X, y, groups, metric, batch_size, repeats, warmup, idle_s, name)
    _check_track_keywords(track)
    from ..tracker import Tracker

    owned, st = _open_store(store)
    try:
        tracker = Tracker(project=project, region=region, interval=interval, store=st, name=plan.name,
                          command=command or f"wattwise.evaluate {plan.name}", **track)
        preds, latencies = _measure(tracker, plan, X)
        data = _result(plan, tracker.result, preds, latencies, resamples, seed)
        data["dataset"] = dataset
        if task is not None:
            from .rating import rating_for

            data["rating"] = rating_for(data, task)
        _store_evaluation(tracker, data)
        return Evaluation(data, tracker.result)
    finally:
        if owned and st:
            try:
                st.close()
            except Exception:  # noqa: BLE001
                pass


def _plan(predict, X, y, groups, metric, batch_size, repeats, warmup, idle_s, name) -> _Plan:
    m = get_metric(metric)
    n = _length(X)
    y_true = np().asarray(y)
    if n == 0 or len(y_true) != n:
        raise UsageError(f"X has {n} items and y has {len(y_true)}; give one label per item (and at least one item)")
    grouping = normalise_groups(groups, n)
    bs = 1 if batch_size is None else _positive_int(batch_size, "batch_size")
    repeats, warmup = _positive_int(repeats, "repeats"), _positive_int(warmup, "warmup", zero=True)
    if not isinstance(idle_s, (int, float)) or idle_s < 0:
        raise UsageError(f"idle_s {idle_s} is not a number of seconds >= 0 (the idle baseline to measure; 0 = none)")
    predictor = as_predictor(predict, classification=m.kind != "regression", label_ids=y_true.dtype.kind in "iub")
    return _Plan(m, y_true, n, grouping, bs, repeats, warmup, float(idle_s), predictor, name or predictor.default_name)


def _measure(tracker, plan: _Plan, X):
    """Warm-up, the idle window, then one window per repeat; the tracker is stopped on return."""
    with tracker:
        _warm_up(plan.predictor, X, plan.n, plan.batch, plan.warmup)
        if plan.idle_s > 0:
            with tracker.window(IDLE_WINDOW):
                time.sleep(plan.idle_s)
        return _passes(tracker, plan.predictor, X, plan.n, plan.batch, plan.repeats)


def _result(plan: _Plan, meas, preds, latencies, resamples: int, seed: int) -> dict:
    y_pred = _as_predictions(preds, plan.n)
    _check_comparable(plan.y, y_pred, plan.metric)
    scores = score(plan.metric, plan.y, y_pred, plan.groups, resamples=resamples, seed=seed)
    return _assemble(plan, scores, meas, latencies, resamples, seed)


def _length(X) -> int:
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape):
        return int(shape[0])
    try:
        return len(X)
    except TypeError:
        raise UsageError(f"X must be a sequence or array of items, not {type(X).__name__}") from None


def _positive_int(v, what: str, zero: bool = False) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < (0 if zero else 1):
        raise UsageError(f"{what} must be a whole number {'>= 0' if zero else '>= 1'}, not {v!r}")
    return v


def _check_track_keywords(track: dict) -> None:
    from ..tracker import Tracker

    allowed = set(inspect.signature(Tracker.__init__).parameters) - {"self", "project", "region", "interval", "store",
                                                                      "name", "command"}
    bad = sorted(set(track) - allowed)
    if bad:
        raise UsageError(f"evaluate() got unknown keyword(s) {', '.join(bad)}; tracker keywords: {', '.join(sorted(allowed))}")


def _open_store(store):
    """(owned, store object or False): evaluate writes the evaluation after the tracker has stopped.
    A store that cannot be opened is left to the tracker, which records the run unstored with a warning."""
    if store is False or not (store is None or isinstance(store, (str, os.PathLike))):
        return False, store
    from ..store import open_store

    try:
        return True, open_store(store)
    except Exception:  # noqa: BLE001 - the Tracker tries again and says why in the result's warnings
        return False, store


def _take(X, start: int, stop: int):
    iloc = getattr(X, "iloc", None)
    return iloc[start:stop] if iloc is not None else X[start:stop]


def _warm_up(predictor, X, n: int, bs: int, batches: int) -> None:
    for b in range(batches):
        start = (b * bs) % n
        _call(predictor, _take(X, start, min(start + bs, n)), min(start + bs, n) - start)


def _passes(tracker, predictor, X, n: int, bs: int, repeats: int):
    """Predictions of the first repeat; per-item latency (s) of every batch of every repeat."""
    first, latencies = [], []
    clock = time.perf_counter
    for r in range(repeats):
        with tracker.window(repeat_window(r)):
            for start in range(0, n, bs):
                stop = min(start + bs, n)
                t0 = clock()
                out = _call(predictor, _take(X, start, stop), stop - start)
                dt = clock() - t0
                latencies.append((dt / (stop - start), stop - start))
                if r == 0:
                    first.append((out, stop - start))
    return first, latencies


def _as_predictions(preds, n: int):
    npm = np()
    parts = []
    for out, size in preds:
        arr = npm.asarray(out.tolist() if hasattr(out, "tolist") and not isinstance(out, npm.ndarray) else out)
        if arr.ndim == 0 or arr.shape[0] != size:
            got = "a single value" if arr.ndim == 0 else f"{arr.shape[0]} predictions"
            raise UsageError(f"predict returned {got} for a batch of {size} items; it must return one prediction per item")
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise UsageError(f"predict returned an array of shape {arr.shape} for a batch of {size} items; it must return "
                             "one prediction per item (for class scores, wrap it to return their argmax)")
        parts.append(arr)
    return npm.concatenate(parts) if len(parts) > 1 else parts[0]


def _check_comparable(y_true, y_pred, metric) -> None:
    text = lambda a: a.dtype.kind in "USO"  # noqa: E731
    if metric.kind != "any" and text(y_true) != text(y_pred):
        raise UsageError(f"predictions look like {'text' if text(y_pred) else 'numbers'} ({to_python(y_pred[0])!r}) while y "
                         f"holds {'text' if text(y_true) else 'numbers'} ({to_python(y_true[0])!r}); map one to the other "
                         "before evaluating")


def _latency(latencies) -> dict:
    npm = np()
    per_item = npm.repeat([x for x, _ in latencies], [k for _, k in latencies]) * 1000
    p50, p95 = npm.percentile(per_item, [50, 95])
    return {"p50": float(p50), "p95": float(p95)}


def _assemble(plan: _Plan, scores, meas, latencies, resamples, seed) -> dict:
    m, n = plan.metric, plan.n
    fig = figures(meas, plan.repeats, n)
    dur, inferences = fig.pop("duration_s"), fig.pop("inferences")
    inten = meas.intensity
    return {
        "schema": SCHEMA, "name": plan.name, "metric": m.name, "higher_is_better": m.higher_is_better,
        "overall": scores["overall"], "groups": scores["groups"], "worst_group": scores["worst_group"],
        "gap": scores["gap"], "gaps": scores["gaps"],
        "ci": describe(m.proportion, resamples, seed),
        "inferences": inferences, "items": n, "repeats": plan.repeats, "batch_size": plan.batch,
        "latency_ms": _latency(latencies), "throughput_per_s": inferences / dur if dur else None,
        **fig,
        "intensity": {"zone": inten.zone, "g_per_kwh": inten.g_per_kwh, "source": inten.source, "signal": inten.signal},
        "pue": meas.pue, "model": plan.predictor.description, "hardware": _hardware(meas.hardware),
        "run_id": meas.run_id, "warnings": list(meas.warnings),
    }


def _hardware(hw: dict) -> dict:
    cpu = (hw or {}).get("cpu") or {}
    return {"gpus": [g.get("name") for g in (hw or {}).get("gpus") or []], "cpu": cpu.get("model_name")}


def _store_evaluation(tracker, data: dict) -> None:
    """Keep the evaluation in the stored run's result (finish_run replaces the record idempotently)."""
    st = tracker.store
    if st is None:
        return
    meas = tracker.result
    try:
        st.finish_run(dataclasses.replace(meas, extra={**meas.extra, "evaluation": data}))
    except Exception as e:  # noqa: BLE001 - the evaluation is still returned
        data["warnings"].append(f"evaluation not stored: {e}")
