"""Predict a run's total energy and emissions while it trains (carbontracker-style).

After each progress report (``run.progress(done, total)``, or ``run.epoch_end()`` with an
``epochs=`` hint), the energy and emissions measured so far are extrapolated linearly in
progress: projected = so far / done x total, and the duration likewise. Anthony et al.'s
carbontracker does the same after its first epoch(s). With two or more reports, the fastest
and slowest observed rates per unit give a range for the remainder. The latest projection
and a short history are logged and stored in the run's result JSON (``projection``,
``projection_history``), so a prediction can later be checked against the measured total.

``wattwise run`` measures another process, which cannot call Python methods on it. The
channel is a file: ``wattwise run`` creates one and names it in ``WATTWISE_PROGRESS_FILE``
(with ``WATTWISE_EPOCHS`` when ``--epochs N`` is given); the job appends one line per report,
which ``wattwise.report_progress(done, total)`` and ``wattwise.report_epoch()`` do for
Python. Any language can write the lines (JSON lines, or plain text):

    {"done": 3, "total": 10}        3/10        3        {"epoch_end": true}        epoch

Outside ``wattwise run`` the helpers do nothing and return False. Only rank 0 reports in a
distributed job (``RANK``/``LOCAL_RANK`` other than 0 are skipped), so epochs are not counted
once per process.
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from .units import J_PER_KWH, format_duration, format_energy_j, format_mass_g, iso

log = logging.getLogger("wattwise")

ENV_FILE = "WATTWISE_PROGRESS_FILE"
ENV_EPOCHS = "WATTWISE_EPOCHS"
HISTORY_MAX = 200
CHECKPOINT_EVERY_S = 30.0


@dataclass(frozen=True)
class Point:
    t: float
    done: float
    energy_j: float
    emissions_g: float | None


@dataclass(frozen=True)
class Projection:
    """Energy and emissions at completion, projected from what was measured so far."""

    at: float
    done: float
    total: float
    unit: str
    elapsed_s: float
    energy_j: float
    emissions_g: float | None
    pue: float
    projected_duration_s: float
    projected_energy_j: float
    projected_emissions_g: float | None
    range_energy_j: tuple[float, float] | None = None
    range_emissions_g: tuple[float, float] | None = None
    range_duration_s: tuple[float, float] | None = None
    updates: int = 1
    source: str = "api"

    @property
    def fraction(self) -> float:
        return self.done / self.total

    @property
    def remaining_s(self) -> float:
        return max(0.0, self.projected_duration_s - self.elapsed_s)

    def to_dict(self) -> dict[str, Any]:
        kwh = lambda j: None if j is None else j / J_PER_KWH  # noqa: E731
        d: dict[str, Any] = {
            "at": iso(self.at), "done": self.done, "total": self.total, "unit": self.unit,
            "fraction": self.fraction, "elapsed_s": self.elapsed_s,
            "energy_kwh": kwh(self.energy_j), "emissions_gco2e": self.emissions_g,
            "projected_duration_s": self.projected_duration_s, "remaining_s": self.remaining_s,
            "projected_energy_kwh": kwh(self.projected_energy_j),
            "projected_facility_energy_kwh": kwh(self.projected_energy_j * self.pue),
            "projected_emissions_gco2e": self.projected_emissions_g,
            "method": "linear in progress: measured so far / done x total (carbontracker-style)"
                      + ("; range from the slowest and fastest observed rates" if self.range_energy_j else ""),
            "updates": self.updates, "source": self.source,
        }
        if self.range_energy_j:
            d["range"] = {"energy_kwh": [kwh(x) for x in self.range_energy_j],
                          "emissions_gco2e": list(self.range_emissions_g) if self.range_emissions_g else None,
                          "duration_s": list(self.range_duration_s) if self.range_duration_s else None}
        return d

    def summary(self) -> str:
        done = f"{self.done:g}/{self.total:g} {self.unit}{'s' if self.total != 1 and self.unit != 'step' else ''}"
        s = (f"projection after {done} ({self.fraction:.0%}): {format_energy_j(self.projected_energy_j)} device energy, "
             f"{format_mass_g(self.projected_emissions_g)} at completion, in {format_duration(self.projected_duration_s)} "
             f"({format_duration(self.remaining_s)} left)")
        if self.range_emissions_g:
            s += f"; range {format_mass_g(self.range_emissions_g[0])}-{format_mass_g(self.range_emissions_g[1])}"
        return s + " [estimate]"


def project(points: list[Point], total: float, start_ts: float, pue: float, *, unit: str = "epoch",
            source: str = "api") -> Projection | None:
    """Extrapolate the last point to ``total``; None before any progress."""
    if not points:
        return None
    last = points[-1]
    if last.done <= 0 or total <= 0:
        return None
    elapsed = max(0.0, last.t - start_ts)
    k = total / last.done
    em = None if last.emissions_g is None else last.emissions_g * k
    rng_e = rng_g = rng_t = None
    prev = Point(start_ts, 0.0, 0.0, 0.0 if last.emissions_g is not None else None)
    rates_e, rates_t = [], []
    for p in points:
        dd = p.done - prev.done
        if dd > 0:
            rates_e.append((p.energy_j - prev.energy_j) / dd)
            rates_t.append((p.t - prev.t) / dd)
        prev = p
    left = max(0.0, total - last.done)
    if len(rates_e) >= 2:
        rng_e = (last.energy_j + min(rates_e) * left, last.energy_j + max(rates_e) * left)
        rng_t = (elapsed + min(rates_t) * left, elapsed + max(rates_t) * left)
        if last.emissions_g is not None and last.energy_j > 0:
            g_per_j = last.emissions_g / last.energy_j
            rng_g = (rng_e[0] * g_per_j, rng_e[1] * g_per_j)
    return Projection(at=last.t, done=last.done, total=float(total), unit=unit, elapsed_s=elapsed,
                      energy_j=last.energy_j, emissions_g=last.emissions_g, pue=pue, projected_duration_s=elapsed * k,
                      projected_energy_j=last.energy_j * k, projected_emissions_g=em, range_energy_j=rng_e,
                      range_emissions_g=rng_g, range_duration_s=rng_t, updates=len(points), source=source)


@dataclass
class ProgressLog:
    """A tracker's progress reports and the projections made from them."""

    total: float | None = None
    unit: str = "epoch"
    epochs_done: int = 0
    points: list[Point] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    latest: Projection | None = None
    last_checkpoint: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _problem(tracker, msg: str) -> None:
    from .errors import UsageError

    if getattr(tracker, "strict", False):
        raise UsageError(msg)
    log.warning("wattwise: %s", msg)
    if msg not in tracker.warnings:
        tracker.warnings.append(msg)


def _num(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if v == v and abs(v) != float("inf") else None


def _state(tracker) -> ProgressLog:
    st = getattr(tracker, "_progress", None)
    if st is None:
        hint = _num(getattr(tracker, "epochs", None))
        if hint is not None and hint <= 0:
            _problem(tracker, f"epochs={tracker.epochs!r} ignored: give the number of epochs (>= 1)")
            hint = None
        st = ProgressLog(total=hint)
        tracker._progress = st
    return st


def track_progress(tracker, done, total=None, *, unit: str | None = None, source: str = "api") -> Projection | None:
    """Record progress on a started tracker and return the projection (never raises unless strict)."""
    if not getattr(tracker, "_started", False) or tracker.meter is None:
        _problem(tracker, "progress() called before the run started; start the tracker first")
        return None
    if getattr(tracker, "_result", None) is not None:
        return None  # already stopped
    d = _num(done)
    tot = _num(total) if total is not None else None
    st = _state(tracker)
    if d is None or d < 0:
        _problem(tracker, f"progress done={done!r} ignored: give a number >= 0")
        return None
    if total is not None and (tot is None or tot <= 0):
        _problem(tracker, f"progress total={total!r} ignored: give a number > 0")
        return None
    with st.lock:
        if tot is not None:
            st.total = tot
        if unit:
            st.unit = unit
        if st.total is None:
            _problem(tracker, "progress without a total: pass progress(done, total) or Tracker(epochs=N)")
            return None
        if d > st.total:
            _problem(tracker, f"progress {d:g} exceeds the total {st.total:g}; ignored")
            return None
        if st.points and d < st.points[-1].done:
            _problem(tracker, f"progress went backwards ({st.points[-1].done:g} -> {d:g}); ignored")
            return None
        t, acc = tracker.meter.snapshot()
        e = float(sum(acc.values()))
        g = _emissions_so_far(tracker, e)
        st.points.append(Point(t, d, e, g))
        p = project(st.points, st.total, tracker.meter.started_at, tracker.pue, unit=st.unit, source=source)
        if p is None:
            return None
        st.latest = p
        st.history.append({"at": iso(p.at), "done": p.done, "total": p.total,
                           "projected_energy_kwh": p.projected_energy_j / J_PER_KWH,
                           "projected_emissions_gco2e": p.projected_emissions_g, "projected_duration_s": p.projected_duration_s})
        del st.history[:-HISTORY_MAX]
        extra = dict(tracker._kw.get("extra") or {})
        extra["projection"] = p.to_dict()
        extra["projection_history"] = list(st.history)
        tracker._kw["extra"] = extra
        due = t - st.last_checkpoint >= CHECKPOINT_EVERY_S
        if due:
            st.last_checkpoint = t
    log.info("wattwise: %s", p.summary())
    if due and tracker.store is not None:
        try:
            tracker.checkpoint()
        except Exception as e:  # noqa: BLE001 - never harm the host job
            log.warning("wattwise: projection not stored: %s", e)
    return p


def track_epoch(tracker, *, source: str = "api") -> Projection | None:
    """One more epoch done; projects against the ``epochs=`` hint (or the last total given)."""
    st = _state(tracker)
    with st.lock:
        st.epochs_done += 1
        n = st.epochs_done
    if st.total is None:
        _problem(tracker, "epoch_end() needs the number of epochs: Tracker(epochs=N) or wattwise run --epochs N")
        return None
    return track_progress(tracker, n, None, unit="epoch", source=source)


def _emissions_so_far(tracker, energy_j: float) -> float | None:
    try:
        segs = [(a, b, e * tracker.pue) for a, b, e in tracker.meter.segments()]
        if segs:
            timeline_j = sum(e for _, _, e in segs)
            g = tracker.account.emissions_g(segs)
            if timeline_j > 0:  # the timeline lags the snapshot by up to one interval: scale to the snapshot
                return g * (energy_j * tracker.pue) / timeline_j
        return energy_j * tracker.pue / J_PER_KWH * tracker.intensity.g_per_kwh
    except Exception:  # noqa: BLE001
        return None


# -- the child side: report through the file ---------------------------------------------------

def _other_rank() -> bool:
    for var in ("RANK", "LOCAL_RANK", "SLURM_PROCID"):
        v = os.environ.get(var)
        if v not in (None, "", "0"):
            return True
    return False


def _append(line: str) -> bool:
    path = os.environ.get(ENV_FILE)
    if not path or _other_rank():
        return False
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)
        return True
    except OSError as e:
        log.warning("wattwise: progress not reported (%s: %s)", path, e)
        return False


def report_progress(done: float, total: float | None = None) -> bool:
    """From a job under ``wattwise run``: report ``done`` of ``total`` (or of ``--epochs``). False when not under it."""
    msg: dict[str, Any] = {"t": time.time(), "done": done}
    if total is not None:
        msg["total"] = total
    return _append(json.dumps(msg))


def report_epoch() -> bool:
    """From a job under ``wattwise run --epochs N``: one more epoch finished."""
    return _append(json.dumps({"t": time.time(), "epoch_end": True}))


_TEXT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*(\d+(?:\.\d+)?))?\s*$")


def parse_line(line: str) -> dict[str, Any] | None:
    """One report line -> {'done': x, 'total': y} or {'epoch_end': True}; None if unreadable."""
    s = line.strip()
    if not s:
        return None
    if s.lower() in ("epoch", "epoch_end"):
        return {"epoch_end": True}
    if s.startswith("{"):
        try:
            d = json.loads(s)
        except ValueError:
            return None
        if not isinstance(d, dict):
            return None
        if d.get("epoch_end"):
            return {"epoch_end": True}
        if "done" in d:
            return {"done": d["done"], "total": d.get("total")}
        return None
    m = _TEXT.match(s)
    if not m:
        return None
    return {"done": float(m.group(1)), "total": float(m.group(2)) if m.group(2) else None}


class ProgressChannel:
    """The parent side for ``wattwise run``: a file the job appends to, read by a daemon thread."""

    def __init__(self, tracker, epochs: int | None = None, *, on_projection: Callable[[Projection], None] | None = None,
                 poll_s: float = 0.5, directory: str | None = None):
        import tempfile

        self.tracker, self.epochs, self.poll_s = tracker, epochs, poll_s
        self.on_projection = on_projection
        if epochs is not None:
            if epochs < 1:
                from .errors import UsageError

                raise UsageError(f"--epochs {epochs} must be >= 1")
            tracker.epochs = epochs
            _state(tracker).total = float(epochs)
        fd, self.path = tempfile.mkstemp(prefix="wattwise-progress-", suffix=".jsonl", dir=directory)
        os.close(fd)
        self._off = 0
        self._buf = b""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.reports = 0
        self.bad_lines = 0

    @property
    def env(self) -> dict[str, str]:
        e = dict(os.environ)
        e[ENV_FILE] = self.path
        if self.epochs is not None:
            e[ENV_EPOCHS] = str(self.epochs)
        return e

    def start(self) -> "ProgressChannel":
        self._thread = threading.Thread(target=self._run, name="wattwise-progress", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.poll_s):
            self.poll()

    def poll(self) -> None:
        """Handle every complete line appended since the last poll."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self._off)
                data = f.read()
        except OSError:
            return
        if not data:
            return
        self._off += len(data)
        self._buf += data
        *lines, self._buf = self._buf.split(b"\n")
        for raw in lines:
            self._handle(raw)

    def _handle(self, raw: bytes) -> None:
        msg = parse_line(raw.decode("utf-8", "replace"))
        if msg is None:
            if raw.strip():
                self.bad_lines += 1
            return
        self.reports += 1
        try:
            if msg.get("epoch_end"):
                p = track_epoch(self.tracker, source=ENV_FILE)
            else:
                p = track_progress(self.tracker, msg["done"], msg.get("total"), source=ENV_FILE)
        except Exception as e:  # noqa: BLE001 - a bad line must not stop the run
            log.warning("wattwise: progress line ignored: %s", e)
            return
        if p is not None and self.on_projection is not None:
            try:
                self.on_projection(p)
            except Exception:  # noqa: BLE001
                pass

    def close(self) -> None:
        """Read what is left, stop the reader, remove the file. Idempotent."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.poll()
        if self._buf.strip():  # a last line without its newline
            self._handle(self._buf)
            self._buf = b""
        try:
            os.unlink(self.path)
        except OSError:
            pass

    def missing_note(self) -> str | None:
        """What to tell the user when --epochs was given but nothing came through."""
        if self.epochs is not None and self.reports == 0:
            return (f"--epochs {self.epochs} given but the command reported no progress; call wattwise.report_epoch() "
                    f"after each epoch (or append lines to ${ENV_FILE}), see docs/estimate.md")
        return None


def stderr_printer(min_interval_s: float = 10.0) -> Callable[[Projection], None]:
    """An ``on_projection`` callback for the CLI: one stderr line, at most every ``min_interval_s`` (and at the end)."""
    import sys

    last = [float("-inf")]

    def show(p: Projection) -> None:
        now = time.monotonic()
        if now - last[0] >= min_interval_s or p.done >= p.total:
            last[0] = now
            sys.stderr.write(f"wattwise: {p.summary()}\n")
            sys.stderr.flush()
    return show


__all__ = ["Projection", "ProgressLog", "ProgressChannel", "project", "track_progress", "track_epoch",
           "report_progress", "report_epoch", "parse_line", "stderr_printer", "ENV_FILE", "ENV_EPOCHS"]
