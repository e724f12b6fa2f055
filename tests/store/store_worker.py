"""One writer process for the concurrency tests: waits for a go signal, then records a whole run.

Usage: python store_worker.py URL INDEX SYNC_DIR
Writes SYNC_DIR/ready-INDEX once imported, waits for SYNC_DIR/go, then opens the store (so
first connections race on migrations too), creates a run, appends 5 sample batches of 10,
finishes it and updates its meta. Any exception exits non-zero with a traceback on stderr.
"""
from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

from wattwise.result import Component, Intensity, Measurement
from wattwise.store import open_store

BATCHES, PER_BATCH = 5, 10


def main() -> int:
    url, i, sync = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    (sync / f"ready-{i}").touch()
    deadline = time.time() + 120
    while not (sync / "go").exists():
        if time.time() > deadline:
            raise SystemExit("never got the go signal")
        time.sleep(0.005)
    store = open_store(url)
    run_id = f"conc{i:04d}{socket.gethostname()[:4]}"
    t0 = time.time()
    store.create_run(run_id, project="concurrency", command=f"worker {i}", start_ts=t0, scope="process", region="FR",
                     pue=1.0, meta={"worker": i})
    energy = 0.0
    for b in range(BATCHES):
        rows = []
        for k in range(PER_BATCH):
            energy += 1.5
            rows.append((t0 + b * PER_BATCH + k, "cpu", energy, 1.5))
        store.append_samples(run_id, rows)
    m = Measurement(run_id=run_id, start=t0, end=t0 + BATCHES * PER_BATCH,
                    components=(Component("cpu", energy, "measured", "rapl:package-0"),),
                    intensity=Intensity("FR", 56.0, "test"), pue=1.0, scope="process",
                    emissions_g=energy / 3.6e6 * 56.0, project="concurrency", command=f"worker {i}", exit_code=0,
                    host=socket.gethostname())
    store.finish_run(m)
    store.update_meta(run_id, finished_by=i)
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
