"""What every training-framework callback shares, with no framework imported.

One ``FitSession`` follows one ``fit``/``train`` call: it starts a tracker, opens a window
per epoch (``epoch-0``, ``epoch-1``, ...), reports progress so the projection works, stops
the tracker and turns the result into metrics whose names carry their units
(``wattwise_energy_kwh``, ``wattwise_emissions_gco2e``) and into Hugging Face's
``co2_eq_emissions`` model-card block.

Roles in a distributed job follow ``wattwise.distributed``: the process that *measures* is
local rank 0 of each node (the tracker then measures the whole node, so energy is counted
once per node, never once per rank); the process that *reports* (logs metrics, writes the
model card, prints the summary) is global rank 0. Every other process does nothing.

Never harm the training: every step goes through ``safe()``, which turns any exception into
one ``WattwiseWarning`` and, if the tracker could not start, switches wattwise off for the
rest of the fit. ``strict=True`` lets the exception through instead.
"""
from __future__ import annotations

import atexit
import functools
import logging
import math
import sys
import warnings
from pathlib import Path
from typing import Any, Callable

from ..errors import MissingExtraError, UsageError
from ..units import J_PER_KWH, format_duration, format_energy_j, format_mass_g

log = logging.getLogger("wattwise")

TRAINING_TYPES = ("pre-training", "fine-tuning")


class WattwiseWarning(UserWarning):
    """A wattwise problem during training; the training itself goes on."""


def guarded(hook: Callable) -> Callable:
    """A framework hook that can never raise into the training loop (unless strict)."""
    @functools.wraps(hook)
    def wrapper(self, *args, **kw):
        try:
            return hook(self, *args, **kw)
        except Exception as e:  # noqa: BLE001 - never harm the training
            if self.session.strict:
                raise
            self.session.warn(f"{hook.__name__} failed ({type(e).__name__}: {e}); training goes on")
            log.debug("wattwise: %s failed", hook.__name__, exc_info=True)
            return None
    return wrapper


def check_settings(region: str | None, training_type: str | None, tracker_kwargs: dict[str, Any]) -> None:
    """Fail at construction, before any training, on arguments that can never work."""
    from ..tracker import Tracker

    Tracker(**tracker_kwargs)  # validates interval, scope and PUE; has no side effects
    if region is not None:
        from .. import regions

        regions.resolve(region)
    if training_type is not None and training_type not in TRAINING_TYPES:
        raise UsageError(f"training_type {training_type!r} is not one of the Hub's values; use 'pre-training' or 'fine-tuning'")


def _finite_positive(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) and v > 0 else None


class FitSession:
    def __init__(self, framework: str, *, strict: bool = False, verbose: bool = True,
                 training_type: str | None = None, tracker_kwargs: dict[str, Any] | None = None, report_to: Any = None):
        from ._report import check_report_to

        self.framework = framework
        self.report_to = check_report_to(report_to)
        self.reporters: list = []
        self.strict = strict
        self.verbose = verbose
        self.training_type = training_type
        self.tracker_kwargs = dict(tracker_kwargs or {})
        self._reset()

    def _reset(self) -> None:
        self.tracker = None
        self.result = None  # the Measurement once finished
        self.final_metrics: dict[str, float] = {}
        self.measure = self.report = False
        self.disabled = False
        self.total_steps: float | None = None
        self._window = None
        self._inferred_training_type: str | None = None
        self._began = False

    # -- failure isolation -------------------------------------------------------------------
    def safe(self, what: str, fn: Callable, *args, **kw):
        """Run ``fn``; any exception becomes one warning (re-raised under strict=True)."""
        try:
            return fn(*args, **kw)
        except Exception as e:  # noqa: BLE001 - never harm the training
            if self.strict:
                raise
            self.warn(f"{what} failed ({type(e).__name__}: {e}); training goes on"
                      + ("" if self.active else " without energy tracking"))
            log.debug("wattwise: %s failed", what, exc_info=True)
            return None

    def warn(self, msg: str) -> None:
        warnings.warn(f"wattwise: {msg}", WattwiseWarning, stacklevel=3)

    @property
    def active(self) -> bool:
        """A tracker is running in this process."""
        return self.tracker is not None and self.result is None and not self.disabled

    # -- lifecycle ---------------------------------------------------------------------------
    def begin(self, *, measure: bool, report: bool, project: str | None, name: str | None = None,
              total_steps: Any = None, total_epochs: Any = None, training_type: str | None = None,
              report_context: dict[str, Any] | None = None) -> bool:
        """Start measuring (on the measuring process only). Returns True when a tracker runs.

        ``report_context`` tells ``report_to`` trackers where the framework logs (``log_dir``,
        ``mlflow_run_id``, ``wandb_run``, ...): see ``_report.make_reporter``.
        """
        self._reset()
        self._began = True
        self.measure, self.report = bool(measure), bool(report)
        self._inferred_training_type = training_type
        if not self.measure:
            return False
        ok = self.safe("starting the tracker", self._start, project, name, total_steps, total_epochs)
        if not ok:
            self.disabled = True
            self.tracker = None
        elif self.report:
            self._open_reporters(dict(report_context or {}, project=project, name=name))
        return bool(ok)

    def _open_reporters(self, context: dict[str, Any]) -> None:
        from ._report import make_reporter

        self.reporters = []
        for spec in self.report_to:
            r = self.safe(f"opening report_to={spec!r}", make_reporter, spec, **context)
            if r is not None:
                self.reporters.append(r)

    def _send(self, metrics: dict[str, float], step: Any) -> None:
        for r in self.reporters:
            self.safe(f"logging energy to {type(r).__name__}", r.log_metrics, metrics,
                      None if step is None else int(step))

    def _close_reporters(self, m, step: Any) -> None:
        from ._report import component_metrics, provenance

        reporters, self.reporters = self.reporters, []
        for r in reporters:
            name = type(r).__name__
            self.safe(f"logging provenance to {name}", r.log_tags, provenance(m))
            self.safe(f"logging totals to {name}", r.log_metrics, {**self.final_metrics, **component_metrics(m)},
                      None if step is None else int(step))
            self.safe(f"closing {name}", r.close)

    def _start(self, project, name, total_steps, total_epochs) -> bool:
        from ..tracker import Tracker

        kw = dict(self.tracker_kwargs)
        if kw.get("project") is None:
            kw["project"] = project
        if kw.get("name") is None:
            kw["name"] = name
        self.total_steps = _finite_positive(total_steps)
        epochs = _finite_positive(total_epochs)
        if self.total_steps is None and epochs is not None and kw.get("epochs") is None:
            kw["epochs"] = int(epochs)  # projection by epoch when the step count is unknown
        # Signals stay the framework's: Lightning's SIGTERM handling (graceful stop, Slurm
        # requeue) must not find a tracker handler that ends the process. A process that exits
        # without the framework's end-of-training hook still closes the run, via atexit; one
        # killed outright is marked interrupted by the store from its flushed samples.
        kw.setdefault("install_handlers", False)
        extra = dict(kw.get("extra") or {})
        extra["framework"] = self.framework
        extra["training_type"] = self.effective_training_type
        kw["extra"] = extra
        self.tracker = Tracker(**kw).start()
        atexit.register(self._atexit)
        return True

    def _atexit(self) -> None:
        try:
            self.finish(exit_code=None, status="interrupted")
        except Exception:  # noqa: BLE001
            pass

    @property
    def effective_training_type(self) -> str:
        return self.training_type or self._inferred_training_type or "pre-training"

    def set_total_steps(self, total: Any) -> None:
        """The number of optimizer steps in the whole fit, once the framework knows it."""
        v = _finite_positive(total)
        if v is not None and self.active:
            self.total_steps = v
            if self.tracker.epochs:  # from now on the projection counts steps, not epochs
                self.tracker.epochs = None

    def epoch_begin(self, index: int) -> None:
        if not self.active:
            return
        self.safe("opening the epoch window", self._epoch_begin, int(index))

    def _epoch_begin(self, index: int) -> None:
        if self._window is not None:  # the previous epoch never reported its end (stopped early)
            self._window.end()
        self._window = self.tracker.start_window(f"epoch-{index}")

    def epoch_end(self, step: Any = None) -> dict[str, float]:
        """Close the epoch's window, update the projection; the epoch's metrics (empty if none)."""
        if not self.active:
            return {}
        return self.safe("closing the epoch window", self._epoch_end, step) or {}

    def _epoch_end(self, step) -> dict[str, float]:
        out: dict[str, float] = {}
        w, self._window = self._window, None
        if w is not None:
            w.end()
            res = next((x for x in reversed(self.tracker._windows) if x.name == w.name), None)
            if res is not None:
                out = _clean({"wattwise_epoch_energy_kwh": None if res.energy_j is None else res.energy_j / J_PER_KWH,
                              "wattwise_epoch_emissions_gco2e": res.emissions_g,
                              "wattwise_epoch_duration_s": res.duration_s})
        self._progress(step, epoch=True)
        out.update(self._so_far())
        self._send(out, step)
        return out

    def progress(self, step: Any) -> None:
        """Progress in optimizer steps (when the total is known); feeds the projection."""
        if self.active:
            self.safe("reporting progress", self._progress, step)

    def _progress(self, step, epoch: bool = False) -> None:
        from ..projection import track_progress

        if self.total_steps is not None and step is not None:
            done = min(float(step), self.total_steps)
            track_progress(self.tracker, done, self.total_steps, unit="step", source=self.framework)
        elif epoch and self.tracker.epochs:
            self.tracker.epoch_end()

    def so_far(self) -> dict[str, float]:
        """Cumulative energy and emissions up to now (and the latest projection)."""
        if not self.active:
            return {}
        return self.safe("reading the energy so far", self._so_far) or {}

    def _so_far(self) -> dict[str, float]:
        from ..projection import _emissions_so_far

        t, acc = self.tracker.meter.snapshot()
        e = float(sum(acc.values()))
        d: dict[str, Any] = {"wattwise_energy_kwh": e / J_PER_KWH,
                             "wattwise_emissions_gco2e": _emissions_so_far(self.tracker, e),
                             "wattwise_duration_s": t - self.tracker.meter.started_at}
        p = self.tracker.projection
        if p is not None:
            d["wattwise_projected_energy_kwh"] = p.projected_energy_j / J_PER_KWH
            d["wattwise_projected_emissions_gco2e"] = p.projected_emissions_g
        return _clean(d)

    def finish(self, exit_code: int | None = 0, status: str = "finished", step: Any = None) -> dict[str, float]:
        """Stop the tracker (idempotent); the run's final metrics (empty where nothing ran).

        ``report_to`` trackers get the totals, per-component energy and power, and the
        provenance at ``step`` (the last training step), then are closed.
        """
        if self.active:
            self.safe("stopping the tracker", self._finish, exit_code, status)
            if self.result is not None and self.reporters:
                self._close_reporters(self.result, step)
        return dict(self.final_metrics)

    def _finish(self, exit_code, status) -> None:
        if self._window is not None:
            w, self._window = self._window, None
            w.end()
        try:
            atexit.unregister(self._atexit)
        except Exception:  # noqa: BLE001
            pass
        m = self.tracker.stop(exit_code=exit_code, status=status)
        self.result = m
        from ._report import final_metrics

        self.final_metrics = final_metrics(m)
        if self.verbose and self.report:
            sys.stderr.write(self.summary() + "\n")
            sys.stderr.flush()

    def summary(self) -> str:
        m = self.result
        if m is None:
            return "wattwise: no run measured in this process"
        est = any(c.method == "modelled" for c in m.components) or m.intensity.estimated
        i = m.intensity
        s = (f"wattwise: {self.framework} run {m.run_id} ({m.status}, {format_duration(m.duration_s)}): "
             f"{format_energy_j(m.energy_j)} device energy, {format_mass_g(m.emissions_g)}"
             f"{' (estimate)' if est else ''} at {i.g_per_kwh:g} gCO2e/kWh ({i.zone}, {i.method}"
             f"{' ' + str(i.year) if i.year and i.method == 'annual' else ''}); "
             f"windows: {len(m.windows)}; details: wattwise runs show {m.run_id}")
        for w in m.warnings:
            s += f"\nwattwise: warning: {w}"
        return s

    # -- the Hugging Face model card ---------------------------------------------------------
    def model_card_metadata(self, training_type: str | None = None) -> dict[str, Any]:
        if training_type is not None and training_type not in TRAINING_TYPES:
            raise UsageError(f"training_type {training_type!r} is not one of the Hub's values; use 'pre-training' or 'fine-tuning'")
        if self.result is None:
            if self._began and not self.measure:
                why = "this process does not measure (local rank 0 of each node does)"
            elif self.disabled:
                why = "the tracker could not start (see the warning given then)"
            else:
                why = "training has not ended yet"
            raise UsageError(f"no finished wattwise run to describe: {why}")
        from ..report.exports import model_card_metadata

        return model_card_metadata(self.result.to_dict(), training_type or self.effective_training_type)

    def write_model_card(self, path: str | Path, training_type: str | None = None) -> Path:
        """Put ``co2_eq_emissions`` into a model card's YAML front matter, keeping everything else."""
        meta = self.model_card_metadata(training_type)
        try:
            from huggingface_hub.repocard import metadata_load, metadata_save
        except ImportError:
            raise MissingExtraError("hf", "huggingface_hub", "writing the model card",
                                    install="pip install huggingface_hub") from None
        p = Path(path)
        if p.is_dir() or not p.suffix:
            p = p / "README.md"
        p.parent.mkdir(parents=True, exist_ok=True)
        if not p.exists():
            p.write_text(self._card_body(meta), encoding="utf-8")
        data = dict(metadata_load(p) or {})
        data.update(meta)
        metadata_save(p, data)
        return p

    def _card_body(self, meta: dict[str, Any]) -> str:
        m = self.result
        c = meta["co2_eq_emissions"]
        return ("\n## Environmental impact\n\n"
                f"Training emitted {format_mass_g(c['emissions'])} ({c['emissions']:.6g} g CO2e) for "
                f"{format_energy_j(m.facility_energy_j)} of facility energy (PUE {m.pue:g}) over "
                f"{format_duration(m.duration_s)}, in {c['geographical_location'] or 'an unknown location'} on "
                f"{c['hardware_used']}. Source: {c['source']}. Measured with wattwise (run {m.run_id}).\n")


def _clean(d: dict[str, Any]) -> dict[str, float]:
    from ._report import clean

    return clean(d)


class SessionResults:
    """What users read from a framework callback after fit: the same on every framework."""

    session: FitSession

    @property
    def result(self):
        """The run's ``wattwise.Measurement`` once fit ended (None on processes that do not measure)."""
        return self.session.result

    @property
    def run_id(self) -> str | None:
        return self.session.result.run_id if self.session.result is not None else None

    @property
    def metrics(self) -> dict[str, float]:
        """The final ``wattwise_*`` totals (empty before the end, and where nothing was measured)."""
        return dict(self.session.final_metrics)

    def model_card_metadata(self, training_type: str | None = None) -> dict[str, Any]:
        """``{"co2_eq_emissions": {emissions (g), source, training_type, geographical_location, hardware_used}}``.

        Pass it to ``huggingface_hub.metadata_update(repo_id, ..., overwrite=True)`` after a push,
        or merge it into ``ModelCard.load(path).data``.
        """
        return self.session.model_card_metadata(training_type)

