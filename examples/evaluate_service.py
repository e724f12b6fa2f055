"""A demo inference service and its energy and emissions per request, measured with wattwise.

The server (a child process, so the load generator's CPU is not counted) serves a scikit-learn
digits classifier as an ASGI app (Starlette under uvicorn), tracked by wattwise with the
request-counting middleware. This process then sends real HTTP requests in two phases, one
client at a time and eight at once, each a window of the run, stops the server, and prints
the energy and gCO2e per request of the run and of each phase:

    python examples/evaluate_service.py --requests 400 --region FR
    python examples/evaluate_service.py --json | tail -1      # the run's JSON (usage block inside)

Needs: pip install "wattwise[web]" scikit-learn httpx
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
from concurrent.futures import ThreadPoolExecutor


def serve(args) -> None:
    import uvicorn
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.svm import SVC
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    import wattwise
    from wattwise.evaluate import count_requests

    X, y = load_digits(return_X_y=True)
    Xtr, _, ytr, _ = train_test_split(X, y, test_size=0.3, random_state=0)
    model = SVC().fit(Xtr, ytr)
    run = wattwise.Tracker(project="demo-service", name="digits SVC service", region=args.region, store=args.store,
                           interval=1.0, install_handlers=False, command="examples/evaluate_service.py")
    phase = {"window": None}

    async def predict(request):
        body = await request.json()
        return JSONResponse({"digit": int(model.predict([body["pixels"]])[0])})

    async def start_phase(request):  # not counted (see exclude_paths): opens a window per load phase
        if phase["window"] is not None:
            phase["window"].end()
        phase["window"] = run.start_window(request.path_params["name"])
        return JSONResponse({"phase": request.path_params["name"]})

    app = Starlette(routes=[Route("/predict", predict, methods=["POST"]),
                            Route("/phase/{name}", start_phase, methods=["POST"])])
    app = count_requests(app, run, exclude_paths=[f"/phase/{p}" for p in ("sequential", "concurrent")])
    run.start()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False,
                                           lifespan="off"))
    th = threading.Thread(target=server.run, daemon=True)  # not the main thread: uvicorn leaves signals alone
    th.start()
    while not server.started:
        if not th.is_alive():
            raise SystemExit("the server failed to start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.replace(args.port_file + ".tmp", args.port_file)
    sys.stdin.read()  # the load generator closes our stdin when it is done
    server.should_exit = True
    th.join(timeout=30)
    if phase["window"] is not None:
        phase["window"].end()
    m = run.stop()
    print(json.dumps(m.to_dict(), default=str), flush=True)


def load(url: str, n: int) -> float:
    """Send n single-image requests one at a time, then n eight at a time; returns served accuracy."""
    import httpx
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    _, Xte, _, yte = train_test_split(X, y, test_size=0.3, random_state=0)
    right = 0
    with httpx.Client(timeout=30, limits=httpx.Limits(max_connections=8)) as c:
        def one(i):
            r = c.post(f"{url}/predict", json={"pixels": Xte[i % len(Xte)].tolist()})
            r.raise_for_status()
            return r.json()["digit"] == yte[i % len(Xte)]
        c.post(f"{url}/phase/sequential").raise_for_status()
        right += sum(one(i) for i in range(n))
        c.post(f"{url}/phase/concurrent").raise_for_status()
        with ThreadPoolExecutor(8) as pool:
            right += sum(pool.map(one, range(n, 2 * n)))
    return right / (2 * n)


def report(d: dict, accuracy: float) -> str:
    from wattwise.evaluate.table import fmt_grams, fmt_joules
    from wattwise.units import J_PER_KWH

    u = d["usage"]

    def line(name, x):
        e = x["energy_kwh_per_request"]
        g = x["emissions_gco2e_per_request"]
        return (f"  {name:<12} {x['requests']:>6} requests  {fmt_joules(None if e is None else e * J_PER_KWH):>10} "
                f"and {fmt_grams(g):>12} per request")

    est = any(c["method"] == "modelled" for c in d["components"])
    out = [f"demo service run {d['run_id']}: {u['requests']} requests, served accuracy {accuracy:.3f}; energy "
           + ", ".join(f"{c['name']} {c['method']}" for c in d["components"]) + (" (estimate)" if est else ""),
           f"  grid: {d['intensity']['g_per_kwh']:.1f} gCO2e/kWh ({d['intensity']['zone']}); idle time between requests included",
           line("whole run", u)]
    out += [line(w["name"], w) for w in u["windows"]]
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=200, help="requests per phase (default 200)")
    ap.add_argument("--region", default="FR")
    ap.add_argument("--store", default=None, help="run store (default: the user store)")
    ap.add_argument("--json", action="store_true", help="print the run's JSON as the last line of stdout")
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--port-file", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve:
        serve(args)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        port_file = os.path.join(tmp, "port")
        cmd = [sys.executable, os.path.abspath(__file__), "--serve", "--port-file", port_file, "--region", args.region]
        if args.store:
            cmd += ["--store", args.store]
        server = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not os.path.exists(port_file):
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                sys.stderr.write("the demo server did not start\n")
                return 1
            time.sleep(0.05)
        with open(port_file) as f:
            url = f"http://127.0.0.1:{f.read().strip()}"
        try:
            accuracy = load(url, args.requests)
        except BaseException:
            server.kill()
            raise
        out, _ = server.communicate(timeout=120)  # closes the server's stdin: it stops and prints its run
    d = json.loads(out.strip().splitlines()[-1])
    sys.stderr.write(report(d, accuracy) + "\n")
    if args.json:
        print(json.dumps(d))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
