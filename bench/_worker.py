"""Runs inside one tool's throwaway virtualenv and reports one JSON line on stdout.

Modes (argv[1]):
  import TOOL           time the import users write (wall clock, in this process, so the
                        interpreter's own start-up is not in it).
  start TOOL            import, then construct + start the tracker; report the CPU seconds of
                        this process spent constructing and starting it, then stop it.
  steady TOOL SETTLE W  start the tracker at 1 s sampling on an idle job (this process sleeps),
                        wait SETTLE s, measure this process's CPU seconds over W s, stop; report
                        CPU-s per hour and the peak RSS of the whole tracked run.
  idle - SETTLE W       the same without any tracker: the bare-Python reference.
  floor - SETTLE W      a bare thread that wakes every second and does nothing: the floor
                        that any 1 s sampler written in Python pays on this machine.

CPU time is ``getrusage(RUSAGE_SELF)`` (user + system, every thread of the process), so the
sampler threads' work is counted wherever it runs. Standard library only: this file runs
under each tool's venv interpreter.
"""
from __future__ import annotations

import os
import resource
import sys
import time

# json is imported only to print the result: a module the worker loaded before measuring would
# be free for any tool that needs it.


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def peak_rss_mib() -> float:
    """VmHWM: this process's own high-water mark. ru_maxrss would not do: Linux carries the
    parent's RSS over a fork + exec into it, so every tool would report at least the
    benchmark driver's own size."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


# -- one adapter per tool: (import, construct+start, stop) ---------------------------------
def _wattwise(workdir: str):
    import wattwise  # noqa: F401 - the import users write

    def start():
        return wattwise.Tracker(project="bench", region="FR", interval=1.0, scope="process").start()

    def stop(t):
        t.stop()
    return start, stop


def _codecarbon(workdir: str):
    from codecarbon import OfflineEmissionsTracker

    def start():
        t = OfflineEmissionsTracker(country_iso_code="FRA", measure_power_secs=1, output_dir=workdir,
                                    log_level="error", save_to_file=True)
        t.start()
        return t

    def stop(t):
        t.stop()
    return start, stop


def _carbontracker(workdir: str):
    from carbontracker.tracker import CarbonTracker

    def start():
        t = CarbonTracker(epochs=1, update_interval=1, log_dir=workdir, verbose=0, ignore_errors=True)
        t.epoch_start()
        return t

    def stop(t):
        t.epoch_end()
        t.stop()
    return start, stop


ADAPTERS = {"wattwise": _wattwise, "wattwise-baseline": _wattwise, "codecarbon": _codecarbon,
            "carbontracker": _carbontracker}


def main(argv: list[str]) -> None:
    mode, tool = argv[1], argv[2]
    # (no tempfile import: it would inflate every tool's peak RSS alike)
    workdir = os.path.join(os.environ.get("BENCH_WORKDIR", "/tmp"), f"{tool}-{mode}-{os.getpid()}")
    os.makedirs(workdir, exist_ok=True)
    os.chdir(workdir)  # CodeCarbon looks for .codecarbon.config in the working directory
    out: dict = {"tool": tool, "mode": mode}
    if mode == "import":
        stmt = argv[3]
        t0 = time.perf_counter()
        exec(stmt, {})
        out["import_s"] = time.perf_counter() - t0
        emit(out)
        return
    if mode in ("idle", "floor"):
        settle, window = float(argv[3]), float(argv[4])
        if mode == "floor":
            import threading

            lock = threading.Lock()
            lock.acquire()

            def wake():
                while not lock.acquire(True, 1.0):
                    pass
            threading.Thread(target=wake, daemon=True).start()
        time.sleep(settle)
        c0 = cpu_s()
        time.sleep(window)
        out.update(steady_cpu_s=cpu_s() - c0, window_s=window, peak_rss_mib=peak_rss_mib())
        emit(out)
        return
    c0 = cpu_s()
    start, stop = ADAPTERS[tool](workdir)
    c1 = cpu_s()
    t = start()
    c2 = cpu_s()
    out.update(import_cpu_s=c1 - c0, start_cpu_s=c2 - c1)
    if mode == "steady":
        settle, window = float(argv[3]), float(argv[4])
        time.sleep(settle)
        c3 = cpu_s()
        w0 = time.monotonic()
        time.sleep(window)
        c4 = cpu_s()
        out.update(steady_cpu_s=c4 - c3, window_s=time.monotonic() - w0)
    c5 = cpu_s()
    stop(t)
    out.update(stop_cpu_s=cpu_s() - c5, peak_rss_mib=peak_rss_mib())
    emit(out)


def emit(out: dict) -> None:
    import json

    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv)
