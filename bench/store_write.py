"""How fast the run stores take concurrent writers, and answer `runs list`.

    python bench/store_write.py                                  # a temp SQLite file
    python bench/store_write.py --store postgresql://u:pw@host/db --store /tmp/runs.db

Each of --writers processes records --runs runs; each run appends --batches sample batches of
--per-batch rows (the meter's flush), then finishes. Prints one table row per store: wall
time, runs/s, sample rows/s, and the median time of list_runs(limit=50) and get_run afterwards.
The figures are for comparing backends on one machine, not targets; nothing here passes or fails.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))


def _writer(url: str, runs: int, batches: int, per_batch: int, go, out) -> None:
    from wattwise.result import Component, Intensity, Measurement
    from wattwise.store import open_store

    s = open_store(url)
    go.wait()
    for _ in range(runs):
        rid = uuid.uuid4().hex[:12]
        t0 = time.time()
        s.create_run(rid, project="bench", start_ts=t0, command="bench")
        e = 0.0
        for b in range(batches):
            rows = []
            for k in range(per_batch):
                e += 1.0
                rows.append((t0 + b * per_batch + k, "cpu", e, 1.0))
            s.append_samples(rid, rows)
        s.finish_run(Measurement(run_id=rid, start=t0, end=t0 + batches * per_batch,
                                 components=(Component("cpu", e, "measured", "bench"),),
                                 intensity=Intensity("FR", 56.0, "bench"), pue=1.0, scope="process",
                                 emissions_g=e / 3.6e6 * 56.0, project="bench", host=socket.gethostname()))
    s.close()
    out.put(os.getpid())


def bench(url: str, writers: int, runs: int, batches: int, per_batch: int) -> dict:
    from wattwise.store import open_store

    open_store(url).close()  # migrations are not part of the timing
    ctx = mp.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(url, runs, batches, per_batch, go, out)) for _ in range(writers)]
    for p in procs:
        p.start()
    time.sleep(1.0)  # let every writer import and connect
    t = time.perf_counter()
    go.set()
    done = [out.get(timeout=600) for _ in procs]
    wall = time.perf_counter() - t
    for p in procs:
        p.join()
    ok = len(done) == writers and all(p.exitcode == 0 for p in procs)
    s = open_store(url)
    try:
        lists, gets = [], []
        rid = s.list_runs(limit=1)[0]["run_id"]
        for _ in range(20):
            a = time.perf_counter()
            s.list_runs(limit=50)
            lists.append(time.perf_counter() - a)
            a = time.perf_counter()
            s.get_run(rid)
            gets.append(time.perf_counter() - a)
        total_runs = s.count_runs()
    finally:
        s.close()
    n_runs = writers * runs
    return {"backend": "postgresql" if url.startswith("postgres") else "sqlite", "ok": ok and total_runs >= n_runs,
            "wall_s": wall, "runs_per_s": n_runs / wall, "rows_per_s": n_runs * batches * per_batch / wall,
            "list_ms": statistics.median(lists) * 1e3, "get_ms": statistics.median(gets) * 1e3}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", action="append", help="store URL or path (repeatable; default: a temp SQLite file)")
    ap.add_argument("--writers", type=int, default=8)
    ap.add_argument("--runs", type=int, default=5, help="runs per writer")
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--per-batch", type=int, default=20)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stores = a.store or [os.path.join(tmp, "runs.db")]
        print(f"{a.writers} writer processes x {a.runs} runs x {a.batches} batches x {a.per_batch} sample rows; "
              f"{os.cpu_count()} CPUs")
        print(f"{'backend':<11} {'ok':<4} {'wall s':>8} {'runs/s':>8} {'rows/s':>10} {'list ms':>8} {'get ms':>8}")
        for url in stores:
            r = bench(url, a.writers, a.runs, a.batches, a.per_batch)
            print(f"{r['backend']:<11} {'yes' if r['ok'] else 'NO':<4} {r['wall_s']:>8.2f} {r['runs_per_s']:>8.1f} "
                  f"{r['rows_per_s']:>10.0f} {r['list_ms']:>8.2f} {r['get_ms']:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
