"""Scheduler jobs (Slurm, torchrun): one total per job from its per-node runs, never double counted.

A tracker records the job it runs in (``wattwise.distributed.job_info``: job id, array task,
node list, account, partition) on its run, and files the run under the job in the store.
A multi-node job leaves one measuring run per node (local rank 0 measures its node in node
scope; other ranks defer and store nothing, or a run whose energy is unknown). The job's
total is the sum of those runs, with two rules that keep energy from being counted twice:

- a run that measured nothing (a deferring rank) adds nothing and is listed as excluded;
- on one host, a run whose time span lies inside a node-scope run's span is already counted
  by it (a callback's run inside ``wattwise run --scope node`` on the same node): excluded.

Node-scope runs on one host that overlap only partly cannot be separated without their
samples: both are counted and the total carries a warning saying so.
"""
from __future__ import annotations

import json
import time
from typing import Any

from ..errors import UsageError
from ..units import J_PER_KWH


def parse_job(text: str) -> tuple[str, str | None]:
    """``1234`` (every task of the job) or ``1234_5`` (array task 5), as sacct prints them."""
    t = (text or "").strip()
    job, sep, task = t.partition("_")
    if not job or (sep and not task) or any(c in t for c in " %*?[]"):
        raise UsageError(f"invalid job id '{text}'; give a job id as sacct prints it, e.g. 1234 or 1234_5 (array task)")
    return job, (task or None)


def _span(r: dict, now: float) -> tuple[float, float]:
    start = float(r["start_ts"])
    end = r.get("end_ts")
    if end is None:
        end = start + r["duration_s"] if r.get("duration_s") is not None else now
    return start, float(end)


def _deferred_reason(r: dict) -> str:
    meta = json.loads(r.get("meta_json") or "{}") if isinstance(r.get("meta_json"), str) else (r.get("meta") or {})
    rank = meta.get("rank") or {}
    if rank and rank.get("local_rank", 0) != 0:
        return f"rank {rank.get('rank')} (local rank {rank.get('local_rank')}) measured nothing: local rank 0 measures its node"
    return "no energy recorded (nothing was measured or stored)"


def job_total(job_id: str, rows: list[dict], task: str | None = None, *, now: float | None = None) -> dict[str, Any]:
    """The job's total over its stored runs (list_runs-style rows with ``host``, ``scope``, ``start_ts``...)."""
    now = time.time() if now is None else now
    counted: list[dict] = []
    excluded: list[dict[str, str]] = []
    warnings: list[str] = []
    for r in rows:
        if r.get("energy_j") is None:
            excluded.append({"run_id": r["run_id"], "host": r.get("host"), "reason": _deferred_reason(r)})
            continue
        a, b = _span(r, now)
        outer = next((o for o in rows if o is not r and o.get("host") == r.get("host") and o.get("scope") == "node"
                      and o.get("energy_j") is not None and _covers(_span(o, now), (a, b), o, r)), None)
        if outer is not None:
            excluded.append({"run_id": r["run_id"], "host": r.get("host"),
                             "reason": f"inside node-scope run {outer['run_id']} on the same host, which counts it"})
        else:
            counted.append(r)
    for i, r in enumerate(counted):
        for o in counted[i + 1:]:
            if o.get("host") == r.get("host") and "node" in (r.get("scope"), o.get("scope")):
                (a, b), (c, d) = _span(r, now), _span(o, now)
                if a < d and c < b:
                    warnings.append(f"runs {r['run_id']} and {o['run_id']} overlap on {r.get('host')} and one measures the "
                                    f"whole node: both are counted, so the total may count that overlap twice")
    return _totals(job_id, task, counted, excluded, warnings)


def _covers(outer: tuple[float, float], inner: tuple[float, float], o: dict, r: dict) -> bool:
    if outer == inner:  # two node-scope runs over the same span: keep the first-listed one
        return r.get("scope") != "node" or o["run_id"] < r["run_id"]
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _sum(rows: list[dict], key: str) -> tuple[float | None, int]:
    vals = [r[key] for r in rows if r.get(key) is not None]
    return (sum(vals) if vals else None), len(rows) - len(vals)


def _totals(job_id, task, counted, excluded, warnings) -> dict[str, Any]:
    energy, _ = _sum(counted, "energy_j")
    facility, _ = _sum(counted, "facility_energy_j")
    emissions, missing = _sum(counted, "emissions_g")
    if missing:
        warnings.append(f"{missing} counted run(s) have no emissions figure: the emissions total leaves them out")
    running = [r["run_id"] for r in counted if r.get("status") == "running"]
    if running:
        warnings.append(f"still running: {', '.join(running)}; figures up to their last stored sample")
    return {
        "job_id": job_id, "array_task": task,
        "nodes": len({r.get("host") for r in counted}),
        "hosts": sorted({r.get("host") or "?" for r in counted}),
        "runs_counted": [r["run_id"] for r in counted],
        "excluded": excluded,
        "energy_kwh": None if energy is None else energy / J_PER_KWH,
        "facility_energy_kwh": None if facility is None else facility / J_PER_KWH,
        "emissions_gco2e": emissions,
        "warnings": warnings,
        "rule": "sum of the runs that measured energy; a run inside a node-scope run on the same host is counted by that run",
    }


def format_total(t: dict[str, Any]) -> str:
    """One line for ``runs list --job``: the job's total with units."""
    from ..units import format_energy_j, format_mass_g

    label = t["job_id"] + (f"_{t['array_task']}" if t.get("array_task") else "")
    e = None if t["energy_kwh"] is None else t["energy_kwh"] * J_PER_KWH
    return (f"job {label}: {format_energy_j(e)} device energy, {format_mass_g(t['emissions_gco2e'])} over "
            f"{t['nodes']} node(s), {len(t['runs_counted'])} run(s) counted, {len(t['excluded'])} excluded")
