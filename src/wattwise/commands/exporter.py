"""wattwise exporter: a Prometheus /metrics endpoint for this node (like node_exporter)."""
from __future__ import annotations

import argparse
import sys

from ._common import duration

EPILOG = """examples:
  wattwise exporter --port 9184 --region FR
  wattwise exporter --port 9184 --host 0.0.0.0 --region aws:eu-west-3 --interval 15s --pue 1.2

Serves wattwise_energy_joules_total{component,method,source}, wattwise_power_watts{component},
wattwise_grid_intensity_grams_per_kwh{zone,source,basis} and wattwise_emissions_grams_total
for the whole node until stopped (SIGTERM or Ctrl-C). Needs: pip install "wattwise[prometheus]".
Scrape config and a Grafana dashboard: docs/prometheus.md.
"""


def register(sub) -> None:
    p = sub.add_parser("exporter", help="serve this node's energy, power, intensity and emissions to Prometheus",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=9184, help="TCP port (default 9184; 0: any free port)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    p.add_argument("--region", help="grid region: FR, US-CAL-CISO, aws:us-east-1 ... (default: $WATTWISE_REGION, config, guess)")
    p.add_argument("--interval", type=duration("interval"), default=5.0, help="sampling interval (default 5s)")
    p.add_argument("--scope", choices=["node"], default="node", help="node: the whole machine (the only scope a standalone exporter has)")
    p.add_argument("--pue", type=float, help="power usage effectiveness for the emissions counter (default 1.0, or the cloud provider's)")
    p.add_argument("--no-gpu", action="store_true", help="do not measure GPUs")
    p.set_defaults(func=main)


def main(args) -> int:
    return run_exporter(port=args.port, host=args.host, region=args.region, interval=args.interval, pue=args.pue,
                        gpu=not args.no_gpu)


def run_exporter(*, port: int, host: str, region: str | None, interval: float, pue: float | None, gpu: bool) -> int:
    """Serve until SIGTERM/SIGINT; then stop the sampler and the server and return 0."""
    import signal
    import threading

    from ..prometheus import serve

    stop = threading.Event()
    exp = serve(port, host, node=True, region=region, interval=interval, max_runs=0, pue=pue, gpu=gpu)
    try:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        n = exp.node.tracker
        comps = ", ".join(f"{s.component} ({s.method}, {s.source})" for s in n.sensors) or "none"
        i = n.intensity
        sys.stderr.write(f"wattwise: serving {exp.url} (node scope, every {n.interval:g} s); components: {comps}; "
                         f"intensity {i.g_per_kwh:g} gCO2e/kWh ({i.zone}, {i.source}); PUE {n.pue:g}\n")
        for w in n.warnings:
            sys.stderr.write(f"wattwise: warning: {w}\n")
        sys.stderr.flush()
        while not stop.wait(3600):
            pass
    finally:
        exp.close()
    sys.stderr.write("wattwise: exporter stopped\n")
    return 0
