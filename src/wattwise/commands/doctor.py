"""wattwise doctor: what wattwise can measure here, and how to fix what it cannot."""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys

from ._common import add_json, add_store

EXTRAS = [("nvidia", "pynvml", "NVIDIA GPU energy (nvidia-ml-py)"), ("live", "httpx", "live grid intensity APIs"),
          ("web", "starlette", "local dashboard"), ("postgres", "psycopg", "PostgreSQL run store")]


def register(sub) -> None:
    p = sub.add_parser("doctor", help="check sensors, region, store and optional features",
                       epilog="example: wattwise doctor --json", formatter_class=argparse.RawDescriptionHelpFormatter)
    add_store(p)
    p.add_argument("--scope", choices=["process", "allocation", "node"], default="process")
    add_json(p)
    p.set_defaults(func=main)


def diagnose(store: str | None = None, scope: str = "process") -> dict:
    from .. import __version__
    from ..distributed import rank_info
    from ..errors import WattwiseError
    from ..procs import ProcessTree
    from ..sensors import close_all
    from ..sensors.detect import detect

    report: dict = {"wattwise_version": __version__, "python": sys.version.split()[0]}
    d = detect(scope, ProcessTree())
    close_all(d.sensors)
    report["sensors"] = [p.to_dict() for p in d.probes]
    report["components"] = [{"name": s.component, "method": s.method, "source": s.source} for s in d.sensors]
    report["hardware"] = d.hardware
    report["warnings"] = list(d.warnings)
    try:
        from ..intensity import resolve_intensity

        i = resolve_intensity(None)
        report["intensity"] = i.to_dict()
        if i.estimated:
            report["warnings"].append(f"region: {i.region_from}; set it with --region or WATTWISE_REGION")
    except WattwiseError as e:
        report["intensity"] = {"error": str(e)}
        report["warnings"].append(str(e))
    try:
        from ..store import open_store

        s = open_store(store)
        report["store"] = {"url": s.url, "backend": s.backend, "ok": True, "schema_version": s.schema_version(),
                           "runs": s.count_runs()}
        s.close()
    except WattwiseError as e:
        report["store"] = {"ok": False, "error": str(e)}
        report["warnings"].append(str(e))
    report["extras"] = [{"extra": e, "module": m, "for": what, "installed": importlib.util.find_spec(m) is not None}
                        for e, m, what in EXTRAS]
    report["offline"] = os.environ.get("WATTWISE_OFFLINE") == "1"
    r = rank_info()
    report["distributed"] = r.to_dict() if r else None
    return report


def main(args) -> int:
    rep = diagnose(args.store, args.scope)
    if args.json:
        from ..cli import emit_json

        emit_json(rep)
        return 0
    out = sys.stdout
    out.write(f"wattwise {rep['wattwise_version']} (Python {rep['python']})\n\nsensors:\n")
    for p in rep["sensors"]:
        out.write(f"  [{'ok' if p['ok'] else '--'}] {p['name']:<10} {p['detail']}\n")
        if p.get("fix"):
            out.write(f"               fix: {p['fix']}\n")
    cpu = rep["hardware"].get("cpu", {})
    out.write(f"\ncpu: {cpu.get('model_name') or 'unknown'} ({cpu.get('logical_cpus')} logical CPUs"
              f"{', virtual machine' if cpu.get('virtual_machine') else ''})\n")
    i = rep["intensity"]
    if "error" in i:
        out.write(f"region: error: {i['error']}\n")
    else:
        out.write(f"region: {i['zone']} {i['g_per_kwh']:g} gCO2e/kWh ({i.get('source')}, {i.get('year', '')});"
                  f" chosen: {i.get('region_from')}\n")
    s = rep["store"]
    out.write(f"store: {s['url']} ({s['backend']}, schema v{s['schema_version']}, {s['runs']} runs)\n" if s["ok"]
              else f"store: error: {s['error']}\n")
    out.write("optional features:\n")
    for e in rep["extras"]:
        out.write(f"  [{'ok' if e['installed'] else '--'}] {e['for']}" + ("" if e["installed"] else f"  (pip install \"wattwise[{e['extra']}]\")") + "\n")
    if rep["distributed"]:
        out.write(f"distributed: {rep['distributed']}\n")
    for w in rep["warnings"]:
        out.write(f"warning: {w}\n")
    return 0
