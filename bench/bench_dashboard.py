"""Dashboard page times on a large store: 10,000 runs and 1,000,000 samples.

    python bench/bench_dashboard.py              # build the store once (bench/out/dashboard.db), then measure
    python bench/bench_dashboard.py --rebuild    # build it again
    python bench/bench_dashboard.py --repeat 50  # more requests per page

The store is written through the store's own write API (create_run, append_samples,
finish_run with a Measurement), as the tracker writes it: 9,999 short runs of three
components (about 70 samples each) in 40 projects, and one long run of 100,000 ticks x 3
components = 300,000 samples (5.8 days at a 5 s interval) with 50 epoch windows.

The app is served by uvicorn on 127.0.0.1 in this process and fetched over HTTP. "server"
is the app's own ``Server-Timing`` (request in to response start: routing, SQL, view model,
template); "round trip" adds HTTP and the transfer. Target: server time <= 300 ms for the
runs page and a run page. Not a pass/fail test: it prints a table and saves it to
bench/results/dashboard.md.
"""
from __future__ import annotations

import argparse
import http.client
import math
import os
import platform
import random
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))

OUT = HERE / "out" / "dashboard.db"
RESULTS = HERE / "results" / "dashboard.md"
N_RUNS = 10_000
LONG_TICKS = 100_000
COMPONENTS = (("cpu", "measured", "rapl:package-0"), ("gpu:0", "measured", "nvml:total_energy"),
              ("ram", "modelled", "Green Algorithms 0.3725 W/GB (Lannelongue et al. 2021, CC BY 4.0)"))
LONG_ID = "1000000000ff"
TARGET_MS = 300.0


def build(path: Path) -> tuple[int, int, float]:
    from wattwise.intensity.static import static_intensity
    from wattwise.result import Component, Measurement, WindowResult
    from wattwise.store import open_store
    from wattwise.units import J_PER_KWH

    for suffix in ("", "-wal", "-shm"):
        p = Path(str(path) + suffix)
        if p.exists():
            p.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(42)
    st = open_store(path)
    regions = ["FR", "DE", "GB", "US", "SE", "PL", "IN", "CA", "NO", "JP"]
    inten = {r: static_intensity(r) for r in regions}
    t_build = time.perf_counter()
    n_samples = 0
    pending: list[tuple] = []
    start0 = 1_735_689_600.0  # 2025-01-01 UTC

    def flush(run_id, rows):
        nonlocal n_samples
        st.append_samples(run_id, rows)
        n_samples += len(rows)

    for i in range(N_RUNS):
        long = i == N_RUNS - 1
        run_id = LONG_ID if long else f"{i:010d}{rnd.randrange(256):02x}"
        project = f"project-{i % 40:02d}"
        region = regions[i % len(regions)]
        interval = 5.0 if long else float(rnd.choice([1, 2, 5, 10]))
        ticks = LONG_TICKS if long else 20 + rnd.randrange(8)  # mean 23.5 ticks x 3 = ~70 samples
        start = start0 + i * 900.0
        st.create_run(run_id, project=project, name=f"exp-{i}", command=f"python train.py --seed {i}", start_ts=start,
                      scope="process", region=region, pue=1.1, host="bench", pid=1, meta={"interval_s": interval})
        base = {"cpu": 60 + rnd.random() * 60, "gpu:0": 150 + rnd.random() * 200, "ram": 10 + rnd.random() * 10}
        acc = dict.fromkeys(base, 0.0)
        rows = []
        for k in range(1, ticks + 1):
            t = start + k * interval
            for c, _, _ in COMPONENTS:
                p = base[c] * (1 + 0.25 * math.sin(k / 40 + len(c)))
                acc[c] += p * interval
                rows.append((t, c, acc[c], p))
            if len(rows) >= 30_000:
                flush(run_id, rows)
                rows = []
        if long:
            flush(run_id, rows)
        else:
            pending.append((run_id, rows))
            if len(pending) >= 200:  # batch the short runs' samples
                for rid, rs in pending:
                    flush(rid, rs)
                pending = []
        dur = ticks * interval
        total = sum(acc.values())
        g = total * 1.1 / J_PER_KWH * inten[region].g_per_kwh
        wins = ()
        if long:
            span = dur / 50
            wins = tuple(WindowResult(f"epoch {e + 1}", start + e * span, start + (e + 1) * span, total / 50,
                                      g / 50, {c: acc[c] / 50 for c in acc}) for e in range(50))
        m = Measurement(run_id=run_id, start=start, end=start + dur,
                        components=tuple(Component(c, acc[c], meth, src, None, acc[c] / dur) for c, meth, src in COMPONENTS),
                        intensity=inten[region], pue=1.1, scope="process", emissions_g=g, project=project,
                        name=f"exp-{i}", command=f"python train.py --seed {i}", exit_code=0, host="bench",
                        pue_source="user", hardware={"gpus": [{"name": "NVIDIA A100-SXM4-80GB"}],
                                                     "cpu": {"model_name": "AMD EPYC 7763", "logical_cpus": 32}},
                        windows=wins, not_counted=("network and storage devices",),
                        extra={"interval_s": interval, "samples": ticks, "wattwise_version": "bench"})
        st.finish_run(m)
    for rid, rs in pending:
        flush(rid, rs)
    st.close()
    return N_RUNS, n_samples, time.perf_counter() - t_build


def serve(path: Path):
    import uvicorn

    from wattwise.web import create_app

    app = create_app(str(path))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    th = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    th.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    return server, sock.getsockname()[1]


def fetch(port: int, url: str) -> tuple[int, float, float, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t0 = time.perf_counter()
    conn.request("GET", url)
    resp = conn.getresponse()
    body = resp.read()
    rt = (time.perf_counter() - t0) * 1000
    timing = resp.getheader("server-timing") or "app;dur=nan"
    server_ms = float(timing.split("dur=")[1].split(",")[0])
    conn.close()
    return resp.status, server_ms, rt, len(body)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rebuild", action="store_true", help="rebuild the store even if it exists")
    ap.add_argument("--repeat", type=int, default=20, help="requests per page (default 20, after 2 warm-ups)")
    ap.add_argument("--store", type=Path, default=OUT, help=f"store path (default {OUT.relative_to(REPO)})")
    args = ap.parse_args()

    from wattwise.store import open_store

    if args.rebuild or not args.store.exists():
        print(f"building {args.store} ...", file=sys.stderr)
        n_runs, n_samples, secs = build(args.store)
        print(f"built: {n_runs:,} runs, {n_samples:,} samples in {secs:.1f} s", file=sys.stderr)
    st = open_store(args.store, readonly=True)
    n_runs = st.count_runs()
    n_samples = st._q("SELECT COUNT(*) AS n FROM samples")[0]["n"]
    long_samples = st.sample_count(LONG_ID)
    typical = st.list_runs(limit=1, offset=5000)[0]["run_id"]
    typical_samples = st.sample_count(typical)
    st.close()

    server, port = serve(args.store)
    pages = [
        ("runs page (newest first)", "/"),
        ("runs page, sorted by emissions", "/?sort=emissions"),
        ("runs page, project filter", "/?project=project-07"),
        ("runs page, text search", "/?q=seed+42"),
        ("runs page, last page", f"/?page={math.ceil(n_runs / 50)}"),
        ("runs page, 200 per page", "/?per=200"),
        (f"run page, long run ({long_samples:,} samples)", f"/runs/{LONG_ID}"),
        (f"run page, typical run ({typical_samples} samples)", f"/runs/{typical}"),
        ("compare (long + typical)", f"/compare?run={LONG_ID}&run={typical}"),
        ("regions", "/regions"),
        ("HTML report, long run", f"/runs/{LONG_ID}/report.html"),
    ]
    results = []
    for label, url in pages:
        for _ in range(2):
            fetch(port, url)
        srv, rts, size = [], [], 0
        for _ in range(args.repeat):
            status, s_ms, rt, size = fetch(port, url)
            if status != 200:
                raise SystemExit(f"{url}: HTTP {status}")
            srv.append(s_ms)
            rts.append(rt)
        srv.sort()
        results.append((label, url, statistics.median(srv), srv[min(len(srv) - 1, int(0.95 * len(srv)))], max(srv),
                        statistics.median(rts), size))
    server.should_exit = True

    lines = [
        f"Dashboard page times: {n_runs:,} runs, {n_samples:,} samples (SQLite, {args.store.stat().st_size / 1e6:.0f} MB)",
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at the end (other work on the machine slows every figure), Python {platform.python_version()}; "
        f"{args.repeat} requests per page after 2 warm-ups; target: server time <= {TARGET_MS:.0f} ms",
        "",
        "| page | server median (ms) | server p95 (ms) | server max (ms) | round trip median (ms) | size (kB) | target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for label, url, med, p95, mx, rt, size in results:
        judged = url.startswith("/?") or url == "/" or (url.startswith("/runs/") and "report" not in url)
        ok = ("met" if p95 <= TARGET_MS else "MISSED") if judged else "-"
        lines.append(f"| {label} | {med:.1f} | {p95:.1f} | {mx:.1f} | {rt:.1f} | {size / 1000:.0f} | {ok} |")
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(f"# {lines[0]}\n\n" + "\n".join(lines[1:]) + f"\n\nCommand: python bench/bench_dashboard.py --repeat {args.repeat}\n")
    print(f"\nsaved to {RESULTS.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
