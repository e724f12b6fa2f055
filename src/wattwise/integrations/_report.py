"""The seam between a wattwise run and experiment trackers (MLflow, W&B, TensorBoard).

One set of keys for every tracker, each with its unit in the name, never changing between
versions (dashboards and comparisons depend on them):

- totals: ``wattwise_energy_kwh`` (device), ``wattwise_facility_energy_kwh`` (x PUE),
  ``wattwise_emissions_gco2e``, ``wattwise_duration_s``, ``wattwise_intensity_g_per_kwh``;
- per component (``gpu:0`` becomes ``gpu_0``): ``wattwise_<c>_energy_kwh``, ``wattwise_<c>_power_w``
  (mean power over the run);
- per epoch window ``epoch-N`` at step N: ``wattwise_epoch_energy_kwh``,
  ``wattwise_epoch_emissions_gco2e``, ``wattwise_epoch_duration_s``, ``wattwise_epoch_<c>_power_w``;
  other windows at their occurrence: ``wattwise_window_<name>_energy_kwh`` (and the same suffixes);
- provenance (tags / config / a text summary): run id, scope, PUE and its source, intensity zone,
  value, source, signal, method and year, each component's method and source, status.

A reporter has ``log_metrics(metrics, step)``, ``log_tags(tags)`` and ``close()``; the tracker
modules implement it, the callbacks' ``report_to=`` and the ``log_to_*`` functions use it.
Unknown values are left out, never sent as 0. Nothing here imports a tracker library.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Protocol

from ..units import J_PER_KWH

REPORTERS = ("mlflow", "wandb", "tensorboard")


class Reporter(Protocol):
    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None: ...

    def log_tags(self, tags: dict[str, str]) -> None: ...

    def close(self) -> None: ...


def slug(name: str) -> str:
    """A component or window name as a key part: ``gpu:0`` -> ``gpu_0``, ``NVIDIA A100`` -> ``nvidia_a100``."""
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_") or "x"


def _kwh(j):
    return None if j is None else j / J_PER_KWH


def clean(d: dict[str, Any]) -> dict[str, float]:
    """Drop unknown values (never report an unknown as 0) and make every value a plain float."""
    return {k: float(v) for k, v in d.items() if v is not None and v == v}


def final_metrics(m) -> dict[str, float]:
    """The run's totals (the keys every callback puts in the framework's final log)."""
    return clean({"wattwise_energy_kwh": m.energy_kwh, "wattwise_facility_energy_kwh": m.facility_energy_kwh,
                  "wattwise_emissions_gco2e": m.emissions_g, "wattwise_duration_s": m.duration_s,
                  "wattwise_intensity_g_per_kwh": m.intensity.g_per_kwh})


def component_metrics(m) -> dict[str, float]:
    out: dict[str, Any] = {}
    for c in m.components:
        if c.energy_j is None:
            continue
        out[f"wattwise_{slug(c.name)}_energy_kwh"] = _kwh(c.energy_j)
        out[f"wattwise_{slug(c.name)}_power_w"] = c.mean_power_w
    return clean(out)


def window_metrics(w, prefix: str) -> dict[str, float]:
    d: dict[str, Any] = {f"wattwise_{prefix}_energy_kwh": _kwh(w.energy_j),
                         f"wattwise_{prefix}_emissions_gco2e": w.emissions_g,
                         f"wattwise_{prefix}_duration_s": w.duration_s}
    if w.duration_s > 0:
        for c, j in (w.components or {}).items():
            d[f"wattwise_{prefix}_{slug(c)}_power_w"] = None if j is None else j / w.duration_s
    return clean(d)


def window_series(m) -> Iterable[tuple[dict[str, float], int]]:
    """(metrics, step) per window: ``epoch-N`` at step N, any other name at its n-th occurrence."""
    seen: dict[str, int] = {}
    for w in m.windows:
        hit = re.fullmatch(r"epoch-(\d+)", w.name)
        if hit:
            yield window_metrics(w, "epoch"), int(hit.group(1))
        else:
            key = slug(w.name)
            seen[key] = seen.get(key, -1) + 1
            yield window_metrics(w, f"window_{key}"), seen[key]


def provenance(m) -> dict[str, str]:
    """What the figures rest on, as strings (tracker tags); keys without the ``wattwise.`` prefix."""
    i = m.intensity
    d: dict[str, Any] = {"run_id": m.run_id, "status": m.status, "scope": m.scope, "pue": m.pue,
                         "pue_source": m.pue_source, "intensity_zone": i.zone, "intensity_g_per_kwh": i.g_per_kwh,
                         "intensity_source": i.source, "intensity_signal": i.signal, "intensity_method": i.method,
                         "intensity_year": i.year, "host": m.host,
                         "estimate": any(c.method == "modelled" for c in m.components) or bool(i.estimated)}
    for c in m.components:
        d[f"{slug(c.name)}.method"] = c.method
        d[f"{slug(c.name)}.source"] = c.source
    job = (m.extra or {}).get("job")
    if job:
        d["job_id"] = job.get("job_id")
    return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in d.items() if v is not None}


def as_measurement(result):
    """A Measurement from a Measurement, a Tracker or callback (``.result``), or a run's JSON dict."""
    from ..result import Measurement

    if isinstance(result, dict):
        return Measurement.from_dict(result)
    if not isinstance(result, Measurement) and hasattr(result, "result"):
        result = result.result
    if result is None:
        from ..errors import UsageError

        raise UsageError("no finished wattwise run to log: stop the tracker (or let training end) first")
    return result


def log_result(reporter: Reporter, result, *, step: int | None = None, windows: bool = True) -> None:
    """Send one run to a reporter: provenance, each window's series, then the totals at ``step``."""
    m = as_measurement(result)
    reporter.log_tags(provenance(m))
    if windows:
        for metrics, s in window_series(m):
            if metrics:
                reporter.log_metrics(metrics, s)
    reporter.log_metrics({**final_metrics(m), **component_metrics(m)}, step)


def make_reporter(spec: Any, **context: Any) -> Reporter:
    """``"mlflow"`` | ``"wandb"`` | ``"tensorboard"`` (built with the framework's context) or a reporter object."""
    if not isinstance(spec, str):
        if not all(hasattr(spec, a) for a in ("log_metrics", "log_tags", "close")):
            from ..errors import UsageError

            raise UsageError(f"report_to entry {spec!r} is not a reporter (needs log_metrics, log_tags and close)")
        return spec
    name = spec.strip().lower()
    if name == "mlflow":
        from .mlflow import MLflowReporter

        return MLflowReporter(run_id=context.get("mlflow_run_id"), tracking_uri=context.get("mlflow_tracking_uri"),
                              run_name=context.get("name"))
    if name == "wandb":
        from .wandb import WandbReporter

        return WandbReporter(run=context.get("wandb_run"), project=context.get("project"), name=context.get("name"))
    if name == "tensorboard":
        from .tensorboard import TensorBoardReporter

        return TensorBoardReporter(context.get("log_dir") or "runs")
    from ..errors import UsageError

    raise UsageError(f"unknown report_to entry {spec!r}; use one of {', '.join(REPORTERS)} or a reporter object")


def check_report_to(report_to: Any) -> list:
    """Validate ``report_to=`` at construction: a name, a reporter, or a list of them."""
    if report_to is None:
        return []
    items = [report_to] if isinstance(report_to, str) or not isinstance(report_to, (list, tuple)) else list(report_to)
    for x in items:
        if isinstance(x, str) and x.strip().lower() not in REPORTERS:
            from ..errors import UsageError

            raise UsageError(f"unknown report_to entry {x!r}; use one of {', '.join(REPORTERS)} or a reporter object")
    return items
