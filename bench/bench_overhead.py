"""Overhead of wattwise next to CodeCarbon and carbontracker, measured side by side in one run.

    python bench/bench_overhead.py            # full run (about 4-5 minutes once venvs exist)
    python bench/bench_overhead.py --quick    # shorter steady window and fewer repeats

Each tool is installed into its own throwaway virtualenv under bench/.venvs/ (peers from
PyPI, pinned; wattwise from this repository with ``pip install .``, core only, rebuilt each
run), then run offline on an idle job (the measuring process sleeps): network calls are
sent to a closed local port through HTTP(S)_PROXY, and WATTWISE_OFFLINE=1.

Metrics (all for the process that hosts the tracker):
- import: wall time of the import users write, timed inside a fresh interpreter, i.e. on top of
  bare Python's start-up (median of several runs, after a warm-up run that leaves the bytecode
  cache; bare ``python -c pass`` is reported beside it);
- start: CPU seconds (user + system, getrusage) spent constructing and starting the tracker
  after the import (median of several fresh processes); wattwise imports its submodules
  lazily, so that cost lands here;
- steady: CPU seconds per hour at 1 s sampling, measured over a window after a settle
  period and extrapolated (the tools run concurrently, each in its own process);
- peak RSS: ru_maxrss of that tracked idle run;
- packages / size: distributions the install added to a fresh venv (pip, setuptools and
  wheel excluded) and the bytes of their installed files (from each RECORD), in MB (1e6 B);
- energy error (wattwise only): a replayed RAPL counter trace with wraparounds, see _replay.py.

Not a pass/fail test: it prints a table (and saves it to bench/results/overhead.md).
A peer that fails to install or run is reported in the table.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENVS = HERE / ".venvs"
RESULTS = HERE / "results" / "overhead.md"

TARGETS = {"import_ms": 10.0, "start_ms": 50.0, "steady_cpu_s_per_h": 0.3, "peak_rss_mib": 25.0, "packages": 3,
           "size_mb": 10.0, "energy_error_pct": 0.1}


@dataclass
class Tool:
    key: str
    label: str
    spec: list[str]  # pip install arguments
    import_stmt: str
    dist: str  # distribution name, for the version
    fresh: bool = False  # rebuild the venv every run
    result: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def venv(self) -> Path:
        return VENVS / self.key

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")


TOOLS = [
    Tool("wattwise", "wattwise", [str(REPO)], "import wattwise", "wattwise", fresh=True),
    Tool("codecarbon", "CodeCarbon", ["codecarbon==3.3.2"], "from codecarbon import OfflineEmissionsTracker", "codecarbon"),
    Tool("carbontracker", "carbontracker", ["carbontracker==2.4.7"], "from carbontracker.tracker import CarbonTracker",
         "carbontracker"),
]


def child_env(workdir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WATTWISE_", "CODECARBON_", "VIRTUAL_ENV"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure the bytecode-cached import a user gets
    env.pop("PYTHONPATH", None)
    dead = "http://127.0.0.1:9"  # discard port: connections are refused at once (offline)
    env.update(HTTP_PROXY=dead, HTTPS_PROXY=dead, http_proxy=dead, https_proxy=dead, NO_PROXY="", no_proxy="",
               WATTWISE_OFFLINE="1", XDG_DATA_HOME=f"{workdir}/data", XDG_CONFIG_HOME=f"{workdir}/config",
               XDG_CACHE_HOME=f"{workdir}/cache", HOME=f"{workdir}/home", TZ="Europe/Paris", BENCH_WORKDIR=workdir)
    for d in ("data", "config", "cache", "home"):
        os.makedirs(f"{workdir}/{d}", exist_ok=True)
    return env


def one_line(text: str, limit: int = 160) -> str:
    lines = [ln.strip() for ln in (text or "").strip().splitlines() if ln.strip()]
    msg = lines[-1] if lines else "no output"
    return msg if len(msg) <= limit else msg[: limit - 3] + "..."


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- installation ------------------------------------------------------------------------
def install(tool: Tool, env: dict[str, str], rebuild: bool) -> bool:
    marker = tool.venv / ".bench-spec"
    spec = json.dumps(tool.spec)
    if tool.venv.exists() and not (tool.fresh or rebuild) and marker.exists() and marker.read_text() == spec:
        log(f"[{tool.key}] reusing {tool.venv}")
        return True
    shutil.rmtree(tool.venv, ignore_errors=True)
    log(f"[{tool.key}] creating venv and installing {' '.join(tool.spec)} ...")
    try:
        subprocess.run([sys.executable, "-m", "venv", str(tool.venv)], check=True, capture_output=True, text=True,
                       env=env, timeout=300)
        p = subprocess.run([tool.python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *tool.spec],
                           capture_output=True, text=True, env=env, timeout=1200)
    except (subprocess.SubprocessError, OSError) as e:
        tool.errors.append(f"install failed: {one_line(str(e))}")
        return False
    if p.returncode != 0:
        tool.errors.append(f"install failed: {one_line(p.stderr)}")
        return False
    marker.write_text(spec)
    return True


_INVENTORY = r"""
import importlib.metadata as md, json, os
skip = {"pip", "setuptools", "wheel"}
seen, size, names = set(), 0, []
for d in md.distributions():
    name = (d.metadata["Name"] or "").lower().replace("_", "-")
    if not name or name in skip or name in seen:
        continue
    seen.add(name)
    names.append(f"{name}=={d.version}")
    for f in d.files or []:
        p = d.locate_file(f)
        if os.path.isfile(p):
            size += os.path.getsize(p)
print(json.dumps({"packages": len(names), "size_bytes": size, "names": sorted(names)}))
"""


def inventory(tool: Tool, env: dict[str, str]) -> None:
    p = subprocess.run([tool.python, "-c", _INVENTORY], capture_output=True, text=True, env=env, timeout=120)
    if p.returncode != 0:
        tool.errors.append(f"inventory failed: {one_line(p.stderr)}")
        return
    inv = json.loads(p.stdout.strip().splitlines()[-1])
    tool.result["packages"] = inv["packages"]
    tool.result["size_mb"] = inv["size_bytes"] / 1e6
    tool.result["installed"] = inv["names"]
    tool.result["version"] = next((n.split("==")[1] for n in inv["names"] if n.split("==")[0] == tool.dist), "?")


# -- measurements -------------------------------------------------------------------------
def wall_s(cmd: list[str], env: dict[str, str], cwd: str) -> float:
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(one_line(p.stderr))
    return dt


def measure_import(tool: Tool, env: dict[str, str], cwd: str, runs: int) -> None:
    """Wall time of the import statement inside a fresh interpreter (median), plus the bare start-up."""
    try:
        wall_s([tool.python, "-c", tool.import_stmt], env, cwd)  # warm-up: bytecode cache, page cache
        bare, imp = [], []
        for _ in range(runs):  # interleaved, so drift in machine load hits both alike
            bare.append(wall_s([tool.python, "-c", "pass"], env, cwd))
            r = run_worker(tool, ["import", tool.key, tool.import_stmt], env, cwd, timeout=120)
            if "error" in r:
                raise RuntimeError(r["error"])
            imp.append(r["import_s"])
    except (RuntimeError, subprocess.SubprocessError, OSError) as e:
        tool.errors.append(f"import failed: {one_line(str(e))}")
        return
    tool.result["bare_python_ms"] = statistics.median(bare) * 1e3
    tool.result["import_ms"] = statistics.median(imp) * 1e3


def run_worker(tool: Tool, args: list[str], env: dict[str, str], cwd: str, timeout: float) -> dict | None:
    cmd = [tool.python if tool else sys.executable, str(HERE / "_worker.py"), *args]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"{args[0]} timed out after {timeout:.0f} s"}
    for line in reversed(p.stdout.strip().splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                break
    return {"error": f"{args[0]} failed (exit {p.returncode}): {one_line(p.stderr or p.stdout)}"}


def measure_start(tool: Tool, env: dict[str, str], cwd: str, runs: int) -> None:
    vals = []
    for _ in range(runs):
        r = run_worker(tool, ["start", tool.key], env, cwd, timeout=300)
        if "error" in r:
            tool.errors.append(r["error"])
            return
        vals.append((r["start_cpu_s"], r["import_cpu_s"] + r["start_cpu_s"]))
    tool.result["start_ms"] = statistics.median(v[0] for v in vals) * 1e3
    tool.result["start_min_ms"] = min(v[0] for v in vals) * 1e3
    tool.result["import_start_cpu_ms"] = statistics.median(v[1] for v in vals) * 1e3


def measure_steady(tools: list[Tool], env: dict[str, str], cwd: str, settle: float, window: float) -> dict:
    """All tools (and a bare-Python reference) concurrently, each in its own process."""
    procs = {}
    for t in tools:
        cmd = [t.python, str(HERE / "_worker.py"), "steady", t.key, str(settle), str(window)]
        procs[t.key] = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    for ref in ("idle", "floor"):
        procs[ref] = subprocess.Popen([sys.executable, str(HERE / "_worker.py"), ref, "-", str(settle), str(window)],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    out = {}
    deadline = time.monotonic() + settle + window + 300
    for key, p in procs.items():
        try:
            so, se = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            so, se = p.communicate()
            out[key] = {"error": f"steady run timed out (exit {p.returncode})"}
            continue
        line = next((ln for ln in reversed(so.strip().splitlines()) if ln.startswith("{")), None)
        out[key] = json.loads(line) if line else {"error": f"steady run failed (exit {p.returncode}): {one_line(se or so)}"}
    for t in tools:
        r = out[t.key]
        if "error" in r:
            t.errors.append(r["error"])
            continue
        t.result["steady_cpu_s_per_h"] = r["steady_cpu_s"] / r["window_s"] * 3600
        t.result["peak_rss_mib"] = r["peak_rss_mib"]
    return {"idle": out.get("idle", {}), "floor": out.get("floor", {})}


def measure_replay(tool: Tool, env: dict[str, str], cwd: str, seconds: float) -> None:
    try:
        p = subprocess.run([tool.python, str(HERE / "_replay.py"), str(seconds)], capture_output=True, text=True,
                           env=env, cwd=cwd, timeout=seconds + 120)
        r = json.loads(p.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, OSError, ValueError, IndexError) as e:
        tool.errors.append(f"replay failed: {one_line(str(e))}")
        return
    tool.result["energy_error_pct"] = r["error_pct"]
    tool.result["replay"] = r


# -- table --------------------------------------------------------------------------------
ROWS = [  # key, label, unit format
    ("import_ms", "import time over bare Python (ms)", "{:.2f}"),
    ("start_ms", "start: construct + start, CPU (ms)", "{:.1f}"),
    ("import_start_cpu_ms", "import + start together, CPU (ms)", "{:.1f}"),
    ("steady_cpu_s_per_h", "steady overhead at 1 s sampling (CPU-s/h)", "{:.2f}"),
    ("peak_rss_mib", "peak RSS, tracked idle run (MiB)", "{:.1f}"),
    ("packages", "packages installed (core)", "{:d}"),
    ("size_mb", "installed size (MB)", "{:.1f}"),
    ("energy_error_pct", "energy error, replayed RAPL trace with wraparounds (%)", "{:.4f}"),
]


def cell(tool: Tool, key: str, fmt: str) -> str:
    if key == "start_ms" and key in tool.result:  # noisy on a shared machine: show the best run too
        return f"{fmt.format(tool.result[key])} (min {fmt.format(tool.result['start_min_ms'])})"
    if key in tool.result:
        return fmt.format(tool.result[key])
    if key == "energy_error_pct" and tool.key != "wattwise":
        return "not run"
    return "failed" if tool.errors else "n/a"


def ratio(peer: Tool, ww: Tool, key: str) -> str:
    a, b = peer.result.get(key), ww.result.get(key)
    if a is None or b is None:
        return "-"
    if b <= 0:
        return "inf" if a > 0 else "-"
    return f"{a / b:.1f}x"


def render(tools: list[Tool], idle: dict, meta: dict) -> str:
    ww = tools[0]
    peers = tools[1:]
    head = ["metric", "target (wattwise)", f"wattwise {ww.result.get('version', '')}".strip()]
    for p in peers:
        head += [f"{p.label} {p.result.get('version', '')}".strip(), f"{p.label} / wattwise"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, label, fmt in ROWS:
        tgt = TARGETS.get(key)
        row = [label, "-" if tgt is None else ("<= " + (f"{tgt:g}" if isinstance(tgt, float) else str(tgt))),
               cell(ww, key, fmt)]
        if key in ww.result and key in TARGETS:
            row[2] += " ok" if ww.result[key] <= tgt else " MISSED"
        for p in peers:
            row += [cell(p, key, fmt), ratio(p, ww, key) if key != "energy_error_pct" else "-"]
        lines.append("| " + " | ".join(row) + " |")
    notes = [
        "",
        f"Measured {meta['date']} on {meta['machine']}, Python {meta['python']}; command: `{meta['command']}`.",
        f"Bare Python: start-up {meta.get('bare_python_ms', float('nan')):.1f} ms (median), idle "
        f"{_per_h(idle['idle']):.2f} CPU-s/h, peak RSS {idle['idle'].get('peak_rss_mib', float('nan')):.1f} MiB "
        f"(included in every tool's peak RSS); a bare Python thread that only wakes once a second costs "
        f"{_per_h(idle['floor']):.2f} CPU-s/h here (the floor for any 1 s sampler in Python). "
        f"Load average during the run: {meta['load']}.",
        f"Steady window {meta['window']:g} s after {meta['settle']:g} s settling, tools run concurrently; import median of "
        f"{meta['import_runs']} runs; start median (and min) of {meta['start_runs']} fresh processes. "
        "Medians are what the targets are judged on.",
        ("A baseline column is wattwise installed from another checkout (--baseline). " if any(
            t.key == "wattwise-baseline" for t in tools) else "") +
        "Configurations: wattwise `Tracker(region='FR', interval=1.0, scope='process')` with its default SQLite store; "
        "CodeCarbon `OfflineEmissionsTracker(country_iso_code='FRA', measure_power_secs=1, save_to_file=True)` "
        "(its default machine tracking mode); carbontracker `CarbonTracker(epochs=1, update_interval=1, verbose=0)` + `epoch_start()`. "
        "Offline: HTTP(S) proxied to a closed local port, WATTWISE_OFFLINE=1. Imports as users write them: "
        + "; ".join(dict.fromkeys(f"`{t.import_stmt}`" for t in tools)) + ".",
    ]
    rp = ww.result.get("replay")
    if rp:
        notes.append(f"Replay: {rp['true_j']:.1f} J true vs {rp['measured_j']:.1f} J measured over two sockets "
                     f"(package + dram, core sub-zones excluded), {rp['wraps']} counter wraparounds, {rp['samples']} samples.")
    for t in tools:
        for e in t.errors:
            notes.append(f"{t.label}: {e}")
    return "\n".join(lines + notes) + "\n"


def _per_h(r: dict) -> float:
    if "steady_cpu_s" not in r:
        return float("nan")
    return r["steady_cpu_s"] / max(r["window_s"], 1e-9) * 3600


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="example: python bench/bench_overhead.py --quick",
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="15 s steady window, 3 repeats (rough figures)")
    ap.add_argument("--window", type=float, help="steady window in seconds (default 120, quick 15)")
    ap.add_argument("--runs", type=int, help="repeats for import and start (default 7, quick 3)")
    ap.add_argument("--rebuild", action="store_true", help="recreate the peers' virtualenvs")
    ap.add_argument("--only", help="comma-separated subset of tools (wattwise is always included)")
    ap.add_argument("--no-save", action="store_true", help=f"do not write {RESULTS.relative_to(REPO)}")
    ap.add_argument("--baseline", metavar="PATH",
                    help="also measure wattwise installed from PATH (another checkout), e.g. to show before/after")
    a = ap.parse_args(argv)
    window = a.window or (15.0 if a.quick else 120.0)
    runs = a.runs or (3 if a.quick else 7)
    settle = 3.0 if a.quick else 5.0
    tools = [t for t in TOOLS if t.key == "wattwise" or not a.only or t.key in a.only.split(",")]
    if a.baseline:
        tools.insert(1, Tool("wattwise-baseline", f"wattwise @ {Path(a.baseline).name}", [str(Path(a.baseline).resolve())],
                             "import wattwise", "wattwise", fresh=True))

    VENVS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wattwise-bench-") as work:
        env = child_env(work)
        pip_env = {k: v for k, v in env.items() if not k.lower().endswith("_proxy")}  # installs reach PyPI
        ok = [t for t in tools if install(t, pip_env, a.rebuild)]
        for t in ok:
            inventory(t, env)
        for t in ok:
            log(f"[{t.key}] import time ({runs} runs) ...")
            measure_import(t, env, work, runs)
            log(f"[{t.key}] start cost ({runs} runs) ...")
            measure_start(t, env, work, runs)
        log(f"steady overhead: {settle:g} s settle + {window:g} s window, all tools at once ...")
        idle = measure_steady(ok, env, work, settle, window)
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg()) + " (1/5/15 min)"
        ww = tools[0]
        if ww in ok:
            log("[wattwise] replaying a RAPL trace with wraparounds ...")
            measure_replay(ww, env, work, 5.0 if a.quick else 15.0)
    bare = [t.result["bare_python_ms"] for t in ok if "bare_python_ms" in t.result]
    meta = {"date": time.strftime("%Y-%m-%d"), "python": platform.python_version(),
            "machine": f"{os.cpu_count()} CPUs, {_cpu_name()}, Linux {platform.release()}",
            "command": " ".join(["python bench/bench_overhead.py", *(argv if argv is not None else sys.argv[1:])]),
            "window": window, "settle": settle,
            "import_runs": runs, "start_runs": runs, "bare_python_ms": statistics.median(bare) if bare else float("nan"),
            "load": load}
    table = render(tools, idle, meta)
    print(table)
    if not a.no_save:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text("# wattwise overhead vs CodeCarbon and carbontracker\n\n" + table)
        log(f"saved {RESULTS}")
    return 0


def _cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    sys.exit(main())
