"""Four `wattwise run` processes started together, and one node-scope run over the same seconds.

    python bench/concurrent_attribution.py                # CPU model path (no RAPL on this machine)
    python bench/concurrent_attribution.py --rapl         # a fake powercap tree driven by /proc/stat
    python bench/concurrent_attribution.py --scope allocation
    python bench/concurrent_attribution.py --sleeps 8      # eight concurrent `sleep 6`

Checks the promise of docs/accounting.md: jobs measured in process scope never add up to more
than a node-scope measurement of the same seconds. The node-scope run starts first and ends
after the last job, so it covers a few more (idle) seconds than the jobs do.

With ``--rapl`` a thread of this script plays the CPU: it advances a kernel-shaped fake
powercap tree (``wattwise.testing.FakePowercap``) every 0.1 s by
``idle W + W per busy CPU x busy CPUs`` read from /proc/stat, so the counters follow the
machine's real load the way RAPL's do. Prints a markdown table (per job and node: seconds,
CPU-seconds, energy by component, mean power) and the sums.
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

WORK = {  # name -> a child command (the loops burn CPU for a few seconds at most)
    "busy-4s": [sys.executable, "-c", "import time\nt=time.time()\nwhile time.time()-t<4: pass"],
    "busy-4s-b": [sys.executable, "-c", "import time\nt=time.time()\nwhile time.time()-t<4: pass"],
    "half-5s": [sys.executable, "-c", "import time\nt=time.time()\nwhile time.time()-t<5:\n"
                " u=time.time()\n while time.time()-u<0.05: pass\n time.sleep(0.05)"],
    "sleep-5s": ["sleep", "5"],
}
IDLE_W, W_PER_BUSY_CPU, DRAM_IDLE_W, DRAM_W_PER_BUSY_CPU = 10.0, 15.0, 2.0, 1.0


def _busy_s() -> float:
    with open("/proc/stat") as f:
        p = [int(x) for x in f.readline().split()[1:8]]
    return (p[0] + p[1] + p[2] + p[5] + p[6]) / os.sysconf("SC_CLK_TCK")


def drive(fake, stop: threading.Event) -> None:
    """Advance the fake counters like a CPU package whose power follows the machine's load."""
    b0, t0 = _busy_s(), time.monotonic()
    while not stop.wait(0.1):
        b1, t1 = _busy_s(), time.monotonic()
        dt, busy = t1 - t0, max(0.0, b1 - b0)
        fake.advance(0, package_j=IDLE_W * dt + W_PER_BUSY_CPU * busy, dram_j=DRAM_IDLE_W * dt + DRAM_W_PER_BUSY_CPU * busy)
        b0, t0 = b1, t1


def wattwise(*args: str) -> list[str]:
    return [sys.executable, "-m", "wattwise", *args]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rapl", action="store_true", help="measure on a fake powercap tree driven by the machine's load")
    ap.add_argument("--scope", default="process", help="the jobs' scope (process, or allocation where supported)")
    ap.add_argument("--interval", default="0.5")
    ap.add_argument("--sleeps", type=int, metavar="N", help="instead of the mixed four jobs, N concurrent `sleep 6`")
    a = ap.parse_args()
    work = {f"sleep-6s-{i}": ["sleep", "6"] for i in range(a.sleeps)} if a.sleeps else WORK
    env = dict(os.environ, WATTWISE_OFFLINE="1")
    tmp = Path(tempfile.mkdtemp(prefix="ww-attr-"))
    stop = threading.Event()
    if a.rapl:
        from wattwise.testing import FakePowercap

        fake = FakePowercap(tmp / "pc", sockets=1, dram=True)
        env["WATTWISE_POWERCAP_ROOT"] = str(fake.root)
        threading.Thread(target=drive, args=(fake, stop), daemon=True).start()
    common = ["run", "--no-store", "--no-gpu", "--region", "FR", "--interval", a.interval, "--json"]
    flag = tmp / "done"
    node = subprocess.Popen(wattwise(*common, "--scope", "node", "--", sys.executable, "-c",
                                     f"import os, time\nwhile not os.path.exists({str(flag)!r}): time.sleep(0.05)"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(1.0)  # the node run is measuring before the jobs start
    import resource

    ru0, b0 = resource.getrusage(resource.RUSAGE_CHILDREN), _busy_s()
    jobs = {n: subprocess.Popen(wattwise(*common, "--scope", a.scope, "--", *cmd), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env) for n, cmd in work.items()}
    res = {}
    for n, p in jobs.items():
        out, err = p.communicate(timeout=120)
        if p.returncode != 0:
            print(err, file=sys.stderr)
            return 1
        res[n] = json.loads(out.strip().splitlines()[-1])
    ru1, b1 = resource.getrusage(resource.RUSAGE_CHILDREN), _busy_s()
    ours = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    flag.write_text("1")
    out, err = node.communicate(timeout=60)
    stop.set()
    if node.returncode != 0:
        print(err, file=sys.stderr)
        return 1
    res["node"] = json.loads(out.strip().splitlines()[-1])
    comps = sorted({c["name"] for r in res.values() for c in r["components"]})
    print(f"path: {'fake RAPL (' + str(IDLE_W) + ' W idle + ' + str(W_PER_BUSY_CPU) + ' W per busy CPU)' if a.rapl else 'CPU/RAM model'}; "
          f"jobs in {a.scope} scope, node run in node scope\n")
    print("| run | s | " + " | ".join(f"{c} J" for c in comps) + " | total J | mean W |")
    print("|---|---|" + "---|" * (len(comps) + 2))
    tot = {c: 0.0 for c in comps}
    for n, r in res.items():
        e = {c["name"]: (c["energy_kwh"] or 0) * 3.6e6 for c in r["components"]}
        if n != "node":
            for c in comps:
                tot[c] += e.get(c, 0.0)
        t = sum(e.values())
        print(f"| {n} | {r['duration_s']:.1f} | " + " | ".join(f"{e.get(c, 0):.2f}" for c in comps)
              + f" | {t:.2f} | {t / r['duration_s']:.2f} |")
    print("| sum of jobs | | " + " | ".join(f"{tot[c]:.2f}" for c in comps) + f" | {sum(tot.values()):.2f} | |")
    attr = {c["name"]: c.get("attribution", "-") for c in res[next(iter(work))]["components"]}
    print(f"\nattribution (jobs): {attr}")
    print(f"while the jobs ran: the machine was busy {b1 - b0:.2f} CPU-s (/proc/stat); the runs (jobs and "
          f"wattwise) used {ours:.2f} CPU-s; other processes ~{max(0.0, b1 - b0 - ours):.2f} CPU-s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
