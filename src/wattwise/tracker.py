"""Track a run from Python: ``Tracker`` and ``track`` (context manager and decorator).

The tracker must never harm the host job: sensor, store and sampler failures become
warnings in the result (unless ``strict=True``); ``stop()`` is idempotent; an ``atexit``
hook and chained SIGTERM/SIGINT handlers write what was measured; threads are daemons.
"""
from __future__ import annotations

import atexit
import contextlib
import functools
import os
import signal
import sys
import threading
import time
import weakref
from typing import Any, Callable

from .errors import StrictModeError, UsageError, WattwiseError
from .result import Component, Intensity, Measurement, WindowResult

NOT_COUNTED = (
    "network and storage devices",
    "embodied (manufacturing) emissions",
    "facility overhead beyond the PUE factor",
)
MIN_INTERVAL, MAX_INTERVAL = 0.1, 3600.0
LIVE: "weakref.WeakSet[Tracker]" = weakref.WeakSet()  # measuring now, in this process (wattwise.prometheus exports them)


def new_run_id() -> str:
    return os.urandom(6).hex()  # 48 random bits, like uuid4().hex[:12] without importing uuid


def _hostname() -> str:
    """socket.gethostname() without importing socket (both read uname's nodename)."""
    try:
        return os.uname().nodename
    except AttributeError:  # not POSIX
        import socket

        return socket.gethostname()


def _version() -> str:
    from . import __version__

    return __version__


class Tracker:
    """Measure the energy and emissions of a block of code, a function, or a child process.

    Arguments follow DESIGN.md's stable contract (project, region, interval, scope, store,
    strict); the keyword-only ones are for the CLI, tests and power users.
    """

    def __init__(self, project: str | None = None, region: str | None = None, interval: float = 5.0,
                 scope: str = "process", store: Any = None, strict: bool = False, *, name: str | None = None,
                 pue: float | None = None, intensity: float | None = None, command: str | None = None,
                 pid: int | None = None, gpu: bool = True, powercap_root: str | None = None, nvml: Any = None,
                 sensors: list | None = None, cpu_tdp_w: float | None = None, ram_w_per_gb: float | None = None,
                 install_handlers: bool = True, region_from: str | None = None, flush_interval: float | None = None,
                 account: Any = None, extra: dict | None = None, epochs: int | None = None, basis: str | None = None):
        try:
            interval = float(interval)
        except (TypeError, ValueError):
            raise UsageError(f"invalid interval {interval!r}; give seconds between {MIN_INTERVAL} and {MAX_INTERVAL:g}") from None
        if not (MIN_INTERVAL <= interval <= MAX_INTERVAL):
            raise UsageError(f"interval {interval:g} s is out of range; use {MIN_INTERVAL}-{MAX_INTERVAL:g} s (e.g. 1 or 5)")
        if scope not in ("process", "allocation", "node"):
            raise UsageError(f"unknown scope '{scope}'; use 'process' (this job's share), 'allocation' (the resources "
                             f"reserved for it) or 'node' (whole machine); see docs/accounting.md")
        if pue is not None and not (1.0 <= float(pue) <= 3.0):
            raise UsageError(f"PUE {pue} is out of range; a PUE is >= 1.0 (1.0 = no overhead; typical data centres 1.1-1.6)")
        self._kw = dict(project=project, region=region, interval=interval, scope=scope, store=store, strict=strict,
                        name=name, pue=pue, intensity=intensity, command=command, pid=pid, gpu=gpu,
                        powercap_root=powercap_root, nvml=nvml, sensors=sensors, cpu_tdp_w=cpu_tdp_w,
                        ram_w_per_gb=ram_w_per_gb, install_handlers=install_handlers, region_from=region_from,
                        flush_interval=flush_interval, account=account, extra=extra, epochs=epochs, basis=basis)
        self.project, self.region, self.interval, self.scope = project, region, interval, scope
        self.strict, self.name, self.command = strict, name, command
        self.epochs = epochs  # hint for epoch_end() projections (see wattwise.projection)
        self.run_id = new_run_id()
        self._store_arg = store
        self._result: Measurement | None = None
        self._started = False
        self._stopping = threading.Lock()
        self._windows: list[WindowResult] = []
        self._win_stack = threading.local()
        self.warnings: list[str] = []
        self.meter = None
        self.store = None
        self.rank = None
        self._prev_handlers: dict[int, Any] = {}

    # -- context manager & decorator ------------------------------------------------------
    def __enter__(self) -> "Tracker":
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        code = None
        if exc_type is not None:
            code = 130 if issubclass(exc_type, KeyboardInterrupt) else 1
            if exc_type is not None and not issubclass(exc_type, KeyboardInterrupt):
                self._kw.setdefault("extra", None)
                self._exception = f"{exc_type.__name__}: {exc}"
        self.stop(exit_code=code if code is not None else 0)

    def __call__(self, fn: Callable) -> Callable:
        kw = dict(self._kw)

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with Tracker(**kw):
                return fn(*a, **k)
        return wrapper

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def result(self) -> Measurement | None:
        """The Measurement once stopped (None before)."""
        return self._result

    def start(self) -> "Tracker":
        if self._started:
            return self
        if not getattr(self, "_prepared", False):
            self.prepare()
        self._begin()
        return self

    def prepare(self) -> "Tracker":
        """Resolve settings, open sensors and the store; measuring begins with start()/attach()."""
        kw = self._kw
        from .distributed import job_info, rank_info
        from .intensity import resolve_intensity
        from .procs import ProcessTree

        self.intensity = resolve_intensity(kw["region"], intensity_g=kw["intensity"], region_from=kw["region_from"],
                                           basis=kw["basis"])
        if self.intensity.estimated:
            self.warnings.append(f"region not given: {self.intensity.region_from}; using {self.intensity.zone}"
                                 f" ({self.intensity.g_per_kwh:g} gCO2e/kWh)" + (" - WORLD AVERAGE" if self.intensity.zone == "WORLD" else ""))
        self.pue, self.pue_source = self._pue(kw["pue"])
        self.account = kw["account"] or self._default_account()
        self.intensity = getattr(self.account, "intensity", self.intensity)  # on the live source's basis, if one

        self.rank = rank_info()
        self.job = job_info()
        scope = self.scope
        defer = False
        if self.rank is not None:
            if self.rank.samples_node:
                scope = "node"
                self.warnings.append(f"distributed run ({self.rank.launcher}, world size {self.rank.world_size}): local rank 0 "
                                     f"measures this node's devices in node scope")
            else:
                defer = True
        self.scope = scope

        self.tree = ProcessTree(kw["pid"], attach_later=kw["pid"] == "later")
        self.unavailable: dict[str, str] = {}
        self.hardware: dict[str, Any] = {}
        self._attribution(scope)
        if defer:
            sensors = []
            self.unavailable["node"] = f"measured by local rank 0 on this node (this is rank {self.rank.rank}, local rank {self.rank.local_rank})"
        elif kw["sensors"] is not None:
            sensors = list(kw["sensors"])
        else:
            from .sensors.detect import detect

            d = detect(scope, self.tree, powercap_root=kw["powercap_root"], nvml=kw["nvml"], gpu=kw["gpu"],
                       strict=self.strict, cpu_tdp_w=kw["cpu_tdp_w"], ram_w_per_gb=kw["ram_w_per_gb"], node=self.node)
            sensors = d.sensors
            self.unavailable.update(d.unavailable)
            self.warnings.extend(d.warnings)
            self.hardware = {**d.hardware, **self.hardware}
            self.probes = d.probes
        self.sensors = sensors
        self.host = _hostname()

        self._open_store()
        self._prepared = True
        return self

    def attach(self, pid: int) -> "Tracker":
        """Begin measuring a child process spawned after prepare() (used by `wattwise run`)."""
        self.tree.attach(pid)
        self._begin()
        return self

    def _begin(self) -> None:
        kw = self._kw
        scope = self.scope
        sensors = self.sensors
        from .meter import Meter

        sink = (lambda rows: self.store.append_samples(self.run_id, rows)) if self.store is not None else None
        self.meter = Meter(sensors, self.tree, scope, self.interval, sink=sink, flush_interval=kw["flush_interval"],
                           node=self.node, attribution=self.attribution)
        self.meter.start()
        self.start_ts = self.meter.started_at
        self._started = True
        LIVE.add(self)
        if kw["install_handlers"]:
            self._install_handlers()

    def _pue(self, pue):
        if pue is not None:
            return float(pue), "user"
        from . import regions

        reg = None
        rid = self.intensity.region or self.intensity.zone
        if rid:
            reg = regions.get(rid)
        if reg is not None and reg.pue:
            return reg.pue, reg.pue_source or f"{reg.provider} default"
        return 1.0, "default 1.0: no data-centre overhead assumed (pass --pue for a data centre)"

    def _default_account(self):
        from .intensity import AnnualAccount

        make = getattr(sys.modules.get("wattwise.intensity"), "account_for", None)
        if make is not None:
            try:
                return make(self.intensity, basis=self._kw["basis"])
            except WattwiseError:
                raise
            except Exception as e:  # noqa: BLE001
                self.warnings.append(f"hour-by-hour intensity unavailable ({e}); using the annual figure")
        return AnnualAccount(self.intensity)

    def _open_store(self) -> None:
        arg = self._store_arg
        if arg is False:
            return
        try:
            if arg is None or isinstance(arg, (str, os.PathLike)):
                from .store import open_store

                self.store = open_store(arg)
            else:
                self.store = arg
            self.store.create_run(
                self.run_id, project=self.project, name=self.name, command=self.command, start_ts=time.time(),
                scope=self.scope, region=self.intensity.region or self.intensity.zone, pue=self.pue, host=self.host,
                pid=os.getpid(), version=_version(),  # the measuring process: its death marks the run interrupted
                meta={"rank": self.rank.to_dict() if self.rank else None, "interval_s": self.interval,
                      "components": [{"name": x.component, "method": x.method, "source": x.source,
                                      "attribution": self.attribution.rule(getattr(x, "attribution", "none"))}
                                     for x in self.sensors],
                      "intensity": self.intensity.to_dict(), "hardware": self.hardware, "pue_source": self.pue_source,
                      "job": self.job.to_dict() if self.job else None})
            if self.job is not None:
                self._file_under_job()
        except WattwiseError as e:
            if self.strict:
                raise
            self.warnings.append(f"run not stored: {e}")
            self.store = None
        except Exception as e:  # noqa: BLE001
            if self.strict:
                raise StrictModeError(f"could not store the run: {e}") from e
            self.warnings.append(f"run not stored: {e}")
            self.store = None

    def _file_under_job(self) -> None:
        """`runs list --job` finds the run by this; failing here must not cost the run itself."""
        try:
            self.store.set_job(self.run_id, self.job.job_id, self.job.array_task)
        except Exception as e:  # noqa: BLE001
            self.warnings.append(f"run not filed under {self.job.scheduler} job {self.job.label}: {e}")

    def _install_handlers(self) -> None:
        atexit.register(self._atexit)
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                prev = signal.getsignal(sig)
                signal.signal(sig, self._on_signal)
                self._prev_handlers[sig] = prev
            except (ValueError, OSError):
                pass

    def _restore_handlers(self) -> None:
        try:
            atexit.unregister(self._atexit)
        except Exception:  # noqa: BLE001
            pass
        for sig, prev in list(self._prev_handlers.items()):
            try:
                if signal.getsignal(sig) == self._on_signal:
                    signal.signal(sig, prev)
            except (ValueError, OSError):
                pass
        self._prev_handlers.clear()

    def _on_signal(self, signum, frame) -> None:
        prev = self._prev_handlers.get(signum, signal.SIG_DFL)
        try:
            wrapped = signal.getsignal(signum) != self._on_signal
        except (ValueError, OSError):
            wrapped = False
        if wrapped:
            # A handler installed after ours (Lightning's, Slurm requeue logic) called us as its
            # "previous" one: it decides what happens next, so only write what was measured and
            # leave the process alive; atexit (or stop()) closes the run when it does end.
            try:
                self.checkpoint()
            except Exception:  # noqa: BLE001
                pass
            if callable(prev):
                prev(signum, frame)
            return
        try:
            if signum == signal.SIGTERM or prev in (signal.SIG_DFL, None):
                self.stop(exit_code=128 + signum, status="interrupted")
            else:
                self.checkpoint()
        except Exception:  # noqa: BLE001
            pass
        if callable(prev):
            prev(signum, frame)
        elif prev == signal.SIG_DFL or prev is None:
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    def _atexit(self) -> None:
        try:
            self.stop(status="finished")
        except Exception:  # noqa: BLE001
            pass

    def checkpoint(self) -> Measurement | None:
        """Write what has been measured so far (status 'running'), without stopping."""
        if not self._started or self._result is not None:
            return self._result
        self.meter.snapshot()
        self.meter._flush(force=True)
        m = self._measurement(exit_code=None, status="running", final=False)
        if self.store is not None:
            try:
                self.store.finish_run(m, status="running")
            except Exception as e:  # noqa: BLE001
                self.warnings.append(f"checkpoint not stored: {e}")
        return m

    def stop(self, exit_code: int | None = None, *, status: str = "finished") -> Measurement | None:
        """Stop measuring and return the Measurement. Idempotent; never raises for sensor/store trouble."""
        if not self._started:
            return self._result
        with self._stopping:
            if self._result is not None:
                return self._result
            self.meter.stop()
            LIVE.discard(self)
            self._restore_handlers()
            m = self._measurement(exit_code=exit_code, status=status, final=True)
            if self.store is not None:
                try:
                    self.store.finish_run(m)
                except Exception as e:  # noqa: BLE001
                    m = _with_warning(m, f"run not stored: {e}")
            self._result = m
            for s in self.sensors:
                close = getattr(s, "close", None)
                if close:
                    try:
                        close()
                    except Exception:  # noqa: BLE001
                        pass
            owns_store = self._store_arg is None or isinstance(self._store_arg, (str, os.PathLike))
            if self.store is not None and owns_store:
                try:
                    self.store.close()
                except Exception:  # noqa: BLE001
                    pass
            return m

    # -- projection: predict the total while training (wattwise.projection) ------------------
    def progress(self, done: float, total: float | None = None):
        """Report ``done`` of ``total`` units; returns the Projection of energy and emissions at completion.

        Logged, and stored in the result as ``projection``; never raises (unless strict).
        """
        from .projection import track_progress

        return track_progress(self, done, total)

    def epoch_end(self):
        """One more epoch finished; projects against ``epochs=`` (or the last total given to progress())."""
        from .projection import track_epoch

        return track_epoch(self)

    @property
    def projection(self):
        """The latest Projection (None before any progress report)."""
        st = getattr(self, "_progress", None)
        return st.latest if st is not None else None

    # -- per-request / per-token counts (wattwise.evaluate.counting) -------------------------
    def count(self, requests: int = 0, tokens: int = 0) -> None:
        """Count requests served and tokens produced; the result then holds energy and gCO2e per
        request and per 1,000 tokens, over the run and per window (``usage``). Thread-safe."""
        from .evaluate.counting import log_for

        log_for(self).add(requests, tokens)

    # -- windows --------------------------------------------------------------------------
    @contextlib.contextmanager
    def window(self, name: str):
        """A named span (epoch, step, evaluation). Nestable; overlapping spans via start_window()."""
        handle = self.start_window(name)
        try:
            yield handle
        finally:
            handle.end()

    def start_window(self, name: str) -> "_Window":
        stack = getattr(self._win_stack, "s", None)
        if stack is None:
            stack = self._win_stack.s = []
        parent = stack[-1].name if stack else None
        w = _Window(self, str(name), parent)
        stack.append(w)
        return w

    def _close_window(self, w: "_Window", t1: float, acc1: dict[str, float]) -> None:
        stack = getattr(self._win_stack, "s", [])
        if w in stack:
            stack.remove(w)
        comps = {c: acc1.get(c, 0.0) - w.acc0.get(c, 0.0) for c in acc1}
        e = sum(comps.values()) if comps else None
        g = None
        if e is not None:
            try:
                g = self.account.emissions_g([(w.t0, t1, e * self.pue)])
            except Exception:  # noqa: BLE001
                g = None
        self._windows.append(WindowResult(w.name, w.t0, t1, e, g, comps, w.parent))

    # -- results --------------------------------------------------------------------------
    def _measurement(self, *, exit_code, status, final: bool) -> Measurement:
        meter = self.meter
        acc = dict(meter.acc)
        end = meter.stopped_at if final and meter.stopped_at else time.time()
        dur = end - meter.started_at
        comps = []
        for s in self.sensors:
            c = s.component
            reason = meter.failed.get(c)
            if c in meter.never_read:  # unknown, not 0
                comps.append(Component(c, None, "unavailable", s.source, f"no reading: {reason}", None, meter.rules.get(c)))
                continue
            comps.append(Component(c, acc[c], s.method, s.source, reason, (acc[c] / dur) if dur > 0 else None,
                                   meter.rules.get(c)))
        for c, why in self.unavailable.items():
            comps.append(Component(c, None, "unavailable", "none", why))
        warnings = list(self.warnings)
        warnings.extend(meter.errors)
        for c, why in meter.failed.items():
            warnings.append(f"{c}: {why}; " + ("its energy is unknown" if c in meter.never_read
                                              else "its energy covers only the time before that"))
        warnings.extend(_dominance_warnings(comps))
        segs = [(a, b, e * self.pue) for a, b, e in meter.segments()]
        emissions = None
        intensity = self.intensity
        if any(c.energy_j is not None for c in comps):
            try:
                emissions = self.account.emissions_g(segs)
                intensity = self.account.result_intensity(segs)
            except Exception as e:  # noqa: BLE001
                warnings.append(f"hour-by-hour accounting failed ({e}); used the annual figure")
                from .intensity import AnnualAccount

                emissions = AnnualAccount(self.intensity).emissions_g(segs)
        extra: dict[str, Any] = {"interval_s": self.interval, "samples": meter.ticks, "wattwise_version": _version()}
        if self.rank:
            extra["rank"] = self.rank.to_dict()
        if getattr(self, "job", None) is not None:
            extra["job"] = self.job.to_dict()
        if getattr(self, "_exception", None):
            extra["exception"] = self._exception
        if self._kw.get("extra"):
            extra.update(self._kw["extra"])
        if getattr(self, "_counts", None) is not None:  # run.count(): per-request figures (wattwise.evaluate.counting)
            from .evaluate.counting import usage

            extra["usage"] = usage(self._counts, comps, emissions, self._windows)
        return Measurement(
            run_id=self.run_id, start=meter.started_at, end=end, components=tuple(comps), intensity=intensity,
            pue=self.pue, scope=self.scope, emissions_g=emissions, project=self.project, name=self.name,
            command=self.command, exit_code=exit_code, host=self.host, status=status, pue_source=self.pue_source,
            hardware=self.hardware, windows=tuple(sorted(self._windows, key=lambda w: w.start)),
            warnings=tuple(dict.fromkeys(warnings)), not_counted=NOT_COUNTED, extra=extra,
        )


    def _attribution(self, scope: str) -> None:
        """The machine's usage readers and the attribution rule of ``scope`` (docs/accounting.md)."""
        from .measure.attribution import Attribution
        from .procs import NodeUsage, allocation

        self.node = NodeUsage()
        alloc = allocation() if scope == "allocation" else None
        if alloc is not None:
            self.hardware["allocation"] = alloc.to_dict()
        self.attribution = Attribution(scope, alloc)


class _Window:
    def __init__(self, tracker: Tracker, name: str, parent: str | None):
        self.tracker, self.name, self.parent = tracker, name, parent
        self.closed = False
        self.t0, self.acc0 = (tracker.meter.snapshot() if tracker.meter else (time.time(), {}))

    def end(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            t1, acc1 = self.tracker.meter.snapshot() if self.tracker.meter else (time.time(), {})
            self.tracker._close_window(self, t1, acc1)
        except Exception as e:  # noqa: BLE001 - never harm the host job
            self.tracker.warnings.append(f"window {self.name!r} not recorded: {e}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.end()


def _dominance_warnings(comps: list[Component]) -> list[str]:
    out = []
    measured = [c for c in comps if c.method == "measured" and c.mean_power_w]
    for c in comps:
        if c.method != "modelled" or not c.mean_power_w:
            continue
        for m in measured:
            if c.mean_power_w > m.mean_power_w:
                out.append(f"the estimate for {c.name} ({c.mean_power_w:.1f} W, modelled) exceeds the measured {m.name} "
                           f"({m.mean_power_w:.1f} W); the total is dominated by an estimate")
                break
    return out


def _with_warning(m: Measurement, w: str) -> Measurement:
    import dataclasses

    return dataclasses.replace(m, warnings=m.warnings + (w,))


def track(project: str | None = None, region: str | None = None, interval: float = 5.0, scope: str = "process",
          store: Any = None, strict: bool = False, **kw) -> Tracker:
    """``with wattwise.track(...) as run:`` or ``@wattwise.track(...)``; same arguments as Tracker."""
    return Tracker(project=project, region=region, interval=interval, scope=scope, store=store, strict=strict, **kw)
