"""A pause & resume run on a sharp synthetic forecast: the plan's saving beside the realised one.

    python bench/pause_resume_demo.py              # CPU model path
    python bench/pause_resume_demo.py --rapl       # on a fake powercap tree driven by /proc/stat

Writes a 1-second-resolution series starting now (clean 40 gCO2e/kWh for 3 s from +8 s and
from +14 s, dirty 600 elsewhere, so that starting now is all dirty) and runs a CPU-bound job of
6 s of its own running time under ``wattwise run --within 17s --duration 6s --pause-resume``,
with that series as both the forecast and the intensity file. Prints the plan's promised
saving, the realised one and the record's explanation (where the build records one).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from concurrent_attribution import drive  # noqa: E402

# A CPU-bound job that runs for {s} seconds of its own running time, counted from its spawn
# (interpreter start-up included, as a real job's is), pauses excluded: it ends when its plan does.
JOB = """import os, time
tck = os.sysconf("SC_CLK_TCK")
born = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19]) / tck
done = time.clock_gettime(time.CLOCK_BOOTTIME) - born
last = time.monotonic()
while done < {s}:
    now = time.monotonic()
    if now - last < 0.5:
        done += now - last
    last = now
"""


def series(path: Path, t0: float, clean: list[tuple[int, int]], n: int = 90) -> Path:
    rows = ["datetime,g_per_kwh"]
    for k in range(-2, n):
        v = 40 if any(a <= k < b for a, b in clean) else 600
        rows.append(f"{t0 + k:.0f},{v}")
    path.write_text("\n".join(rows) + "\n")
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rapl", action="store_true")
    ap.add_argument("--scope", default="process")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ww-pr-"))
    env = dict(os.environ, WATTWISE_OFFLINE="1")
    stop = threading.Event()
    if a.rapl:
        from wattwise.testing import FakePowercap

        fake = FakePowercap(tmp / "pc")
        env["WATTWISE_POWERCAP_ROOT"] = str(fake.root)
        threading.Thread(target=drive, args=(fake, stop), daemon=True).start()
    t0 = float(int(time.time()))
    f = series(tmp / "f.csv", t0, [(8, 11), (14, 17)])
    cmd = [sys.executable, "-m", "wattwise", "run", "--no-store", "--no-gpu", "--region", "GB", "--interval", "0.2",
           "--scope", a.scope, "--within", "17s", "--duration", "6s", "--pause-resume", "--forecast", str(f),
           "--intensity-file", str(f), "--json", "--", sys.executable, "-c", JOB.format(s=6)]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    stop.set()
    if p.returncode != 0:
        print(p.stderr, file=sys.stderr)
        return 1
    r = json.loads(p.stdout.strip().splitlines()[-1])
    s = r["schedule"]
    print(f"plan: {s['plan'].get('savings_pct'):.1f} % less; realised: {s.get('savings_pct'):.1f} % less "
          f"({len(s['actual_slots'])} slot(s); paused power {s['plan'].get('idle_w')} W)")
    print("  planned slots: " + json.dumps(s["plan"]["slots"]))
    for k in ("planned_savings_pct", "realised_savings_pct", "realised_basis", "difference", "why", "paused_power", "actual_slots", "ran_past_plan_s", "ended_early"):
        if k in s:
            print(f"  {k}: {json.dumps(s[k])}")
    print("  energy by component: " + ", ".join(f"{c['name']} {c['energy_kwh'] * 3.6e6:.2f} J ({c['method']})"
                                              for c in r["components"] if c["energy_kwh"] is not None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
