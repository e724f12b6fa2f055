"""Estimate finished Slurm jobs from ``sacct`` output (``wattwise estimate --from-sacct FILE``).

Produce the file on the cluster with::

    sacct --parsable2 --allocations --starttime 2026-01-01 \\
          --format=JobID,JobName,Account,Partition,State,ElapsedRaw,AllocTRES,NodeList > jobs.txt

Column mapping (header names as sacct prints them; ``|``-separated, ``--parsable`` works too):

| sacct column | used as |
|---|---|
| ``JobID`` (required) | the job; ``1234_5`` array tasks and ``1234+0`` het components are jobs of their own; steps (``1234.batch``, ``1234.0``, ``1234.extern``) are skipped, their resources are the job's |
| ``ElapsedRaw`` (required) | hours = seconds / 3600 |
| ``AllocTRES`` (required) | ``cpu=N`` cores of the ``--cpu`` model; ``mem=64G`` RAM (Slurm's binary units, no suffix = MiB; converted to GB); ``gres/gpu:TYPE=N`` N GPUs of TYPE (``--gpu MODEL`` names them when sacct gives no TYPE, and overrides TYPE); ``node=N`` nodes |
| ``NodeList``, ``JobName``, ``Account``, ``Partition`` | carried into the report |
| ``State`` | jobs still ``PENDING``/``RUNNING``/``REQUEUED``/``SUSPENDED`` are skipped (not finished); any end state counts |

Each job is estimated like ``wattwise estimate`` with the same ``--region``/``--intensity``,
``--pue`` and ``--utilization`` (TDP x utilisation x hours, RAM at 0.3725 W/GB); the result is an
estimate per job and their sum. Bad input is a ``UsageError`` naming the line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError

REQUIRED = ("JobID", "ElapsedRaw", "AllocTRES")
SACCT_CMD = ("sacct --parsable2 --allocations --format=JobID,JobName,Account,Partition,State,ElapsedRaw,AllocTRES,NodeList"
             " > jobs.txt")
NOT_FINISHED = ("PENDING", "RUNNING", "REQUEUED", "SUSPENDED", "RESIZING", "REQUEUE_HOLD", "REQUEUE_FED", "CONFIGURING",
                "COMPLETING", "STAGE_OUT", "SIGNALING")
MEM_UNITS = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4, "P": 1024 ** 5}


@dataclass
class SacctJob:
    job_id: str
    elapsed_s: float
    cpus: int = 0
    mem_gb: float | None = None
    gpus: list[tuple[str | None, int]] = field(default_factory=list)  # (type or None, count)
    nodes: int | None = None
    node_list: str | None = None
    name: str | None = None
    account: str | None = None
    partition: str | None = None
    state: str | None = None
    line: int = 0


def parse_tres(text: str, where: str) -> dict[str, Any]:
    """``billing=8,cpu=8,gres/gpu:a100=2,gres/gpu=2,mem=64G,node=1`` -> cpus, mem_gb, gpus, nodes."""
    out: dict[str, Any] = {"cpus": 0, "mem_gb": None, "gpus": [], "nodes": None}
    typed, plain = [], None
    for part in filter(None, (text or "").split(",")):
        key, sep, val = part.partition("=")
        if not sep:
            raise UsageError(f"{where}: AllocTRES entry '{part}' is not NAME=VALUE")
        try:
            if key == "cpu":
                out["cpus"] = int(val)
            elif key == "node":
                out["nodes"] = int(val)
            elif key == "mem":
                m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGTP]?)", val)
                if not m:
                    raise ValueError(val)
                out["mem_gb"] = float(m.group(1)) * MEM_UNITS[m.group(2) or "M"] / 1e9
            elif key == "gres/gpu":
                plain = int(val)
            elif key.startswith("gres/gpu:"):
                typed.append((key.split(":", 1)[1], int(val)))
        except ValueError:
            raise UsageError(f"{where}: AllocTRES value '{part}' is not a number") from None
    typed_n = sum(n for _, n in typed)
    out["gpus"] = typed + ([(None, plain - typed_n)] if plain and plain > typed_n else [])
    return out


def parse_sacct(text: str, source: str = "sacct output") -> tuple[list[SacctJob], list[dict]]:
    """The jobs (allocations) in sacct's ``--parsable2`` text, and the rows skipped with why."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise UsageError(f"{source} is empty; make it with: {SACCT_CMD}")
    header = _fields(lines[0])
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise UsageError(f"{source} has no {', '.join(missing)} column in its header line; make it with: {SACCT_CMD}")
    jobs, skipped = [], []
    for n, ln in enumerate(lines[1:], start=2):
        vals = _fields(ln)
        if len(vals) != len(header):
            raise UsageError(f"{source} line {n}: {len(vals)} fields where the header has {len(header)}; "
                             f"use sacct --parsable2 (fields separated by |)")
        row = dict(zip(header, vals))
        jid = row["JobID"].strip()
        if "." in jid:
            continue  # a step: its resources are the allocation's
        state = (row.get("State") or "").split(" ")[0].upper() or None
        if state in NOT_FINISHED:
            skipped.append({"job_id": jid, "state": state, "reason": "not finished"})
            continue
        try:
            elapsed = float(row["ElapsedRaw"])
        except ValueError:
            raise UsageError(f"{source} line {n}: ElapsedRaw '{row['ElapsedRaw']}' is not a number of seconds") from None
        if elapsed <= 0:
            skipped.append({"job_id": jid, "state": state, "reason": "never ran (ElapsedRaw 0)"})
            continue
        tres = parse_tres(row["AllocTRES"], f"{source} line {n}")
        nodes = tres["nodes"]
        if nodes is None and (row.get("NNodes") or "").isdigit():
            nodes = int(row["NNodes"])
        jobs.append(SacctJob(jid, elapsed, tres["cpus"], tres["mem_gb"], tres["gpus"], nodes, row.get("NodeList") or None,
                             row.get("JobName") or None, row.get("Account") or None, row.get("Partition") or None,
                             state, n))
    return jobs, skipped


def _fields(line: str) -> list[str]:
    vals = line.rstrip("\n").split("|")
    if len(vals) > 1 and vals[-1] == "":  # --parsable ends each line with |
        vals = vals[:-1]
    return vals


def _devices(job: SacctJob, gpu_model: str | None, gpu_power_w: float | None, cpu_model: str | None,
             cpu_power_w: float | None) -> list[dict]:
    devs: list[dict] = []
    for typ, count in job.gpus:
        model = gpu_model or (typ.replace("_", " ") if typ else None)
        if model is None:
            raise UsageError(f"job {job.job_id} has {count} GPU(s) of a type sacct does not name; "
                             f"pass --gpu MODEL (e.g. --gpu A100-80GB)")
        devs.append({"kind": "gpu", "model": model, "count": count, "unit": "gpu", "power_w": gpu_power_w})
    if job.cpus:
        if not cpu_model:
            raise UsageError(f"sacct does not say which CPU job {job.job_id}'s {job.cpus} core(s) ran on; "
                             f"pass --cpu MODEL (e.g. --cpu 'EPYC 7763'), or --cpu NAME --power-w W per core")
        devs.append({"kind": "cpu", "model": cpu_model, "count": job.cpus, "unit": "core", "power_w": cpu_power_w})
    return devs


def estimate_jobs(jobs: list[SacctJob], *, gpu: tuple[str, float | None] | None = None,
                  cpu: tuple[str, float | None] | None = None, region=None, intensity=None, pue=None,
                  utilization=None, catalogue=None) -> list[tuple[SacctJob, Any]]:
    """``wattwise.estimate`` once per job; (job, Estimate) pairs."""
    from ..estimate import estimate

    out = []
    for j in jobs:
        devs = _devices(j, *(gpu or (None, None)), *(cpu or (None, None)))
        try:
            est = estimate(devices=devs, ram_gb=j.mem_gb, hours=j.elapsed_s / 3600, region=region, intensity=intensity,
                           pue=pue, utilization=utilization, catalogue=catalogue, alternatives=0)
        except UsageError as e:
            raise UsageError(f"job {j.job_id}: {e}") from None
        out.append((j, est))
    return out


def _sum(xs):
    vals = [x for x in xs if x is not None]
    return sum(vals) if vals else None


def report(pairs: list[tuple[SacctJob, Any]], skipped: list[dict], source: str) -> dict[str, Any]:
    """The ``estimate --json`` contract (totals over the jobs) plus ``jobs`` and ``skipped``."""
    rows = []
    for j, e in pairs:
        d = e.to_dict()
        rows.append({"job_id": j.job_id, "name": j.name, "account": j.account, "partition": j.partition, "state": j.state,
                     "nodes": j.nodes, "node_list": j.node_list, "elapsed_s": j.elapsed_s, "cpus": j.cpus,
                     "mem_gb": j.mem_gb, "gpus": [{"type": t, "count": n} for t, n in j.gpus],
                     "energy_kwh": d["energy_kwh"], "facility_energy_kwh": d["facility_energy_kwh"], "pue": d["pue"],
                     "emissions_gco2e": d["emissions_gco2e"],
                     "devices": [{"name": x.name, "count": x.count, "unit": x.unit, "power_w": x.power_w,
                                  "power_source": x.power_source} for x in e.devices]})
    pues = sorted({r["pue"] for r in rows})
    dyn = [e.to_dict()["breakdown"]["dynamic"] for _, e in pairs]
    first = pairs[0][1].to_dict() if pairs else {}
    return {
        "estimate": True,
        "energy_kwh": _sum(r["energy_kwh"] for r in rows),
        "facility_energy_kwh": _sum(r["facility_energy_kwh"] for r in rows),
        "pue": pues[0] if len(pues) == 1 else None,
        "emissions_gco2e": _sum(r["emissions_gco2e"] for r in rows),
        "breakdown": {"dynamic": {"energy_kwh": _sum(x.get("energy_kwh") for x in dyn),
                                  "emissions_gco2e": _sum(x.get("emissions_gco2e") for x in dyn)},
                      "idle": {"included": False}, "embodied": {"included": False}},
        "inputs": {"source": f"sacct: {source}", "jobs": len(rows), "skipped": len(skipped),
                   "intensity": first.get("intensity"), "utilization": (first.get("inputs") or {}).get("utilization"),
                   "method": "per job: TDP x utilisation x ElapsedRaw for AllocTRES GPUs and CPU cores, RAM at "
                             "0.3725 W/GB of AllocTRES mem; see docs/integrations.md (Slurm) for the column mapping"},
        "alternatives": [],
        "jobs": rows,
        "skipped": skipped,
    }


def format_report(d: dict[str, Any]) -> str:
    from ..units import format_duration, format_energy_j, format_mass_g

    def e(kwh):
        return format_energy_j(None if kwh is None else kwh * 3.6e6)

    lines = [f"wattwise estimate from sacct (not a measurement): {len(d['jobs'])} job(s), {d['inputs']['source']}"]
    head = ["job", "name", "state", "elapsed", "nodes", "cpus", "gpus", "facility energy", "emissions"]
    table = [head] + [[r["job_id"], r["name"] or "-", r["state"] or "-", format_duration(r["elapsed_s"]),
                       str(r["nodes"] or "-"), str(r["cpus"]),
                       ", ".join(f"{g['count']} x {g['type'] or '?'}" for g in r["gpus"]) or "-",
                       e(r["facility_energy_kwh"]), format_mass_g(r["emissions_gco2e"])] for r in d["jobs"]]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table]
    pue = f"PUE {d['pue']:g}" if d["pue"] is not None else "each job's PUE"
    lines.append(f"  total: {e(d['energy_kwh'])} device energy, {e(d['facility_energy_kwh'])} with {pue}, "
                 f"{format_mass_g(d['emissions_gco2e'])} (estimate)")
    for s in d["skipped"]:
        lines.append(f"  skipped {s['job_id']} ({s['state'] or '?'}): {s['reason']}")
    return "\n".join(lines)


def read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace") if path != "-" else __import__("sys").stdin.read()
    except OSError as e:
        raise UsageError(f"cannot read sacct file {path}: {e.strerror}") from None
