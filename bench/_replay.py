"""Energy error of wattwise on a replayed RAPL counter trace with wraparounds.

Builds a powercap tree in a temp dir laid out like the kernel's (two sockets: package zones
``intel-rapl:N`` with ``core`` and ``dram`` sub-zones, each with ``name``, ``energy_uj``,
``max_energy_range_uj``), then a writer thread advances the counters from a synthetic
power trace (10 ms steps, wrapping at a small ``max_energy_range_uj`` so the run sees many
wraparounds) while a node-scope ``wattwise.Tracker`` samples it through ``powercap_root``.
True energy = packages + DRAM of the trace (``core`` is inside its package and must not be
added). Counters are still when the tracker starts and stops, so the truth is exact.

Prints one JSON line: measured J, true J, relative error, wraparounds, samples.
Runs under the wattwise venv's interpreter (standard library + wattwise).
"""
from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

STEP_S = 0.01
MAX_UJ = 300_000_000  # 300 J (the kernel's is ~262 kJ): a package at 65-200 W wraps every 1.5-4.6 s


def write_atomic(p: Path, text: str) -> None:
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, p)  # readers see the old or the new value, never a torn one (like sysfs)


def make_tree(root: Path, sockets: int = 2) -> dict[str, Path]:
    files = {}
    for s in range(sockets):
        zones = {f"intel-rapl:{s}": f"package-{s}", f"intel-rapl:{s}:0": "core", f"intel-rapl:{s}:1": "dram"}
        for zdir, name in zones.items():
            d = root / zdir
            d.mkdir(parents=True)
            (d / "name").write_text(name + "\n")
            (d / "max_energy_range_uj").write_text(f"{MAX_UJ}\n")
            start = (MAX_UJ - 1000 * (s + 1)) if name != "core" else 0  # begin just before a wrap
            (d / "energy_uj").write_text(f"{start}\n")
            files[f"{s}:{name.split('-')[0]}"] = d / "energy_uj"
    return files


def power_w(key: str, t: float) -> float:
    """Synthetic trace: a training-like square wave plus ripple, per socket and domain."""
    s = int(key.split(":")[0])
    busy = (int(t / 0.7) + s) % 2 == 0
    if key.endswith("package"):
        return (190.0 if busy else 65.0) + 12.0 * math.sin(2 * math.pi * t * 3.1)
    if key.endswith("core"):
        return (150.0 if busy else 30.0)
    return 9.0 + 3.0 * busy


def replay(files: dict[str, Path], seconds: float, stats: dict) -> None:
    raw = {k: int(p.read_text()) for k, p in files.items()}
    steps = int(seconds / STEP_S)
    t0 = time.monotonic()
    for i in range(steps):
        t = i * STEP_S
        for k, p in files.items():
            inc = int(round(power_w(k, t) * STEP_S * 1e6))
            if not k.endswith("core"):
                stats["true_uj"] += inc
            v = raw[k] + inc
            if v >= MAX_UJ:
                v -= MAX_UJ
                stats["wraps"] += 1
            raw[k] = v
            write_atomic(p, f"{v}\n")
        delay = t0 + (i + 1) * STEP_S - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def main(seconds: float) -> None:
    import wattwise

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "powercap"
        files = make_tree(root)
        stats = {"true_uj": 0, "wraps": 0}
        # 0.1 s sampling: the counters advance at most ~20 J between reads, far below the range.
        t = wattwise.Tracker(project="bench-replay", region="FR", interval=0.1, scope="node", store=False,
                             powercap_root=str(root), gpu=False, install_handlers=False)
        t.start()
        w = threading.Thread(target=replay, args=(files, seconds, stats))
        w.start()
        w.join()
        m = t.stop()
        got = sum(c.energy_j for c in m.components if c.name in ("cpu", "dram"))
        true_j = stats["true_uj"] / 1e6
        print(json.dumps({"measured_j": got, "true_j": true_j, "error_pct": abs(got - true_j) / true_j * 100,
                          "wraps": stats["wraps"], "samples": m.extra.get("samples"),
                          "sources": [c.source for c in m.components]}), flush=True)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0)
