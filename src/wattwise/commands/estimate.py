"""wattwise estimate: energy and emissions of a job before (or without) running it."""
from __future__ import annotations

import argparse
import sys

from ._common import add_basis, add_json, add_store

EPILOG = """examples:
  wattwise estimate --gpu A100-80GB:8 --hours 72 --region aws:us-east-1 --embodied
  wattwise estimate --gpu H100:8 --power-w 550 --hours 48 --region FR --idle-hours 12
  wattwise estimate --cpu "Xeon E5-2683 v4:12c" --ram-gb 64 --hours 12 --region AT --pue 1.67
  wattwise estimate --instance p4d.24xlarge --hours 24 --region US --utilization 0.7
  wattwise estimate --like 3f9a2c --gpu A100:64 --hours 200 --region SE   # scale a measured run
  wattwise estimate --gpu H100:8 --hours 24 --region gcp:us-east4 --basis direct   # operational figures

--power-w is the average power of one device of the --gpu/--cpu/--device/--instance entry it
follows (it replaces TDP x utilisation for that entry). --hours accepts 72, 72h or 3d.
Method, sources and the catalogue: docs/estimate.md.
"""


class _Entry(argparse.Action):
    """--gpu/--cpu/--device/--instance append, in order, so a following --power-w knows its entry."""

    def __call__(self, parser, ns, value, option_string=None):
        entries = list(getattr(ns, "entries", None) or [])
        kind = self.dest
        if kind == "instance" and any(e["kind"] == "instance" for e in entries):
            parser.error("give one --instance (use TYPE:COUNT for several of the same type)")
        entries.append({"kind": kind, "spec": value, "power_w": None})
        ns.entries = entries


class _PowerW(argparse.Action):
    def __call__(self, parser, ns, value, option_string=None):
        entries = list(getattr(ns, "entries", None) or [])
        if not entries:
            parser.error("--power-w must follow the --gpu, --cpu, --device or --instance entry it applies to")
        if entries[-1]["power_w"] is not None:
            parser.error(f"--power-w given twice for '{entries[-1]['spec']}'")
        try:
            w = float(value)
        except ValueError:
            parser.error(f"invalid --power-w '{value}': not a number of watts")
        if w != w or w <= 0 or w > 100_000:
            parser.error(f"invalid --power-w '{value}': give the average watts of one device (0-100000)")
        entries[-1] = {**entries[-1], "power_w": w}
        ns.entries = entries


def register(sub) -> None:
    p = sub.add_parser("estimate", help="estimate a job's energy and emissions from its hardware and hours", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Estimate energy (dynamic, idle) and emissions (operational, embodied) of a job from "
                                   "a hardware catalogue, with every assumption's source and cleaner alternatives.")
    p.set_defaults(entries=[])
    hw = p.add_argument_group("hardware")
    hw.add_argument("--gpu", action=_Entry, metavar="MODEL[:COUNT]", help="accelerator model and count, e.g. A100-80GB:8, H100, 'TPU v3:32'")
    hw.add_argument("--cpu", action=_Entry, metavar="MODEL[:COUNT]", help="CPU model and sockets (MODEL:2) or cores (MODEL:12c)")
    hw.add_argument("--device", action=_Entry, metavar="NAME[:COUNT]", help="any other device; needs --power-w after it")
    hw.add_argument("--instance", action=_Entry, metavar="TYPE[:COUNT]", help="cloud instance type: p4d.24xlarge, a2-highgpu-8g, Standard_ND96asr_v4")
    hw.add_argument("--power-w", action=_PowerW, metavar="W", help="average power of one device of the entry it follows")
    hw.add_argument("--ram-gb", metavar="G", help="memory allocated, GB (0.3725 W/GB, Green Algorithms)")
    hw.add_argument("--catalogue", metavar="FILE", help="your own hardware CSV (name,kind,tdp_w[,idle_w,memory_gb,embodied_kgco2e,"
                    "lifetime_years,cores,aliases,source]); its rows win")
    job = p.add_argument_group("job")
    job.add_argument("--hours", metavar="H", help="wall-clock hours of computing (72, 72h, 3d)")
    job.add_argument("--utilization", metavar="U", help="fraction of TDP drawn on average, (0, 1] or a percentage (default 1)")
    job.add_argument("--like", metavar="RUN_ID", help="use the mean power measured in a tracked run instead of TDP")
    job.add_argument("--from-sacct", metavar="FILE", help="estimate finished Slurm jobs from `sacct --parsable2` output "
                     "(ElapsedRaw, AllocTRES, NodeList; '-' for stdin); --gpu/--cpu name models sacct does not give")
    add_store(job)
    where = p.add_argument_group("where")
    g = where.add_mutually_exclusive_group()
    g.add_argument("--region", help="FR, US-CAL-CISO, aws:us-east-1 ... (see: wattwise regions)")
    g.add_argument("--intensity", metavar="G_PER_KWH", help="grid intensity, gCO2e/kWh (or with a unit: '0.954 lbs/kWh')")
    where.add_argument("--pue", metavar="P", help="power usage effectiveness >= 1 (default: the cloud provider's, else 1.56)")
    where.add_argument("--alternatives", type=int, default=3, metavar="N", help="cleaner regions to list (default 3; 0: none)")
    add_basis(where)
    life = p.add_argument_group("idle and embodied (lifecycle)")
    life.add_argument("--idle-hours", metavar="H", help="extra hours the hardware stays on without computing (idle power)")
    life.add_argument("--idle-kwh", metavar="E", help="measured idle energy to add, kWh (as BLOOM's 256,646 kWh)")
    life.add_argument("--embodied", action="store_true", help="add manufacturing emissions amortised per hour of use")
    life.add_argument("--lifetime-years", metavar="Y", help="hardware lifetime for --embodied (default 4, CCF)")
    life.add_argument("--embodied-usage", metavar="U", help="fraction of the lifetime in use (default 0.85, BLOOM)")
    life.add_argument("--server-kgco2e", metavar="KG", help="embodied kgCO2e of one host server without GPUs (default 2500, BLOOM)")
    life.add_argument("--gpus-per-server", metavar="N", help="GPUs per host server (default 8)")
    add_json(p)
    p.set_defaults(func=main)


def main(args) -> int:
    from ..errors import UsageError
    from ..estimate import estimate

    if getattr(args, "from_sacct", None):
        return _from_sacct(args)
    devices, instance = [], None
    from ..estimate import parse_spec

    for e in args.entries:
        if e["kind"] == "instance":
            instance = e["spec"]
            inst_power = e["power_w"]
            continue
        model, count, unit = parse_spec(e["spec"], e["kind"] if e["kind"] != "device" else "device")
        if e["kind"] == "device" and e["power_w"] is None:
            raise UsageError(f"--device '{e['spec']}' needs --power-w W after it (its average power)")
        devices.append({"kind": "other" if e["kind"] == "device" else e["kind"], "model": model, "count": count,
                        "unit": unit, "power_w": e["power_w"]})
    if args.alternatives < 0:
        raise UsageError("--alternatives must be >= 0")
    est = estimate(devices=devices, ram_gb=args.ram_gb, hours=args.hours, region=args.region, intensity=args.intensity,
                   pue=args.pue, utilization=args.utilization, embodied=args.embodied,
                   instance=instance, power_w=inst_power if instance else None, idle_hours=args.idle_hours,
                   idle_kwh=args.idle_kwh, like=args.like, store=args.store, catalogue=args.catalogue,
                   lifetime_years=args.lifetime_years, embodied_usage=args.embodied_usage,
                   server_kgco2e=args.server_kgco2e, gpus_per_server=args.gpus_per_server, alternatives=args.alternatives,
                   basis=args.basis)
    for w in est.warnings:
        sys.stderr.write(f"wattwise: warning: {w}\n")
    if args.json:
        from ..cli import emit_json

        emit_json(est.to_dict())
    else:
        sys.stdout.write(format_estimate(est) + "\n")
    return 0


def _from_sacct(args) -> int:
    """``--from-sacct FILE``: one estimate per finished job and their total (wattwise.integrations.sacct)."""
    from ..errors import UsageError
    from ..integrations import sacct

    models = {}
    for e in args.entries:
        if e["kind"] not in ("gpu", "cpu") or e["kind"] in models:
            raise UsageError("with --from-sacct give at most one --gpu MODEL and one --cpu MODEL (counts come from AllocTRES)")
        models[e["kind"]] = (e["spec"].split(":")[0], e["power_w"])
    if args.hours or args.like or args.ram_gb:
        raise UsageError("--from-sacct takes hours, memory and counts from sacct; drop --hours/--ram-gb/--like")
    jobs, skipped = sacct.parse_sacct(sacct.read(args.from_sacct), args.from_sacct)
    if not jobs:
        raise UsageError(f"no finished job in {args.from_sacct} ({len(skipped)} skipped); check sacct's --starttime/--state")
    pairs = sacct.estimate_jobs(jobs, gpu=models.get("gpu"), cpu=models.get("cpu"), region=args.region,
                                intensity=args.intensity, pue=args.pue, utilization=args.utilization, catalogue=args.catalogue)
    d = sacct.report(pairs, skipped, args.from_sacct)
    if args.json:
        from ..cli import emit_json

        emit_json(d)
    else:
        sys.stdout.write(sacct.format_report(d) + "\n")
    return 0


def _kg(g: float | None) -> str:
    from ..units import format_mass_g

    return "-" if g is None else format_mass_g(g)


def _kwh(kwh: float | None) -> str:
    from ..units import format_energy_j

    return "-" if kwh is None else format_energy_j(kwh * 3.6e6)


def _num(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def format_estimate(e) -> str:
    """The human report: totals, breakdown, hardware and assumptions with sources, alternatives, equivalents."""
    from ..report.summary import intensity_line

    d = e.to_dict()
    hw = ", ".join(f"{x.count:g} x {x.name}" if x.unit not in ("GB",) else f"{x.count:g} GB memory" for x in e.devices)
    where = e.region.id if e.region is not None else e.intensity.zone
    L = [f"wattwise estimate (not a measurement): {hw}; {e.hours:g} h; {where}"]
    L.append(f"  energy      {_kwh(e.energy_kwh)} device; {_kwh(e.facility_energy_kwh)} with PUE {e.pue:g}")
    parts = f"{_kg(e.operational_gco2e)} operational"
    if e.embodied_g is not None:
        parts += f" + {_kg(e.embodied_g)} embodied"
    L.append(f"  emissions   {_kg(e.emissions_gco2e)} total = {parts}")
    L.append(f"  intensity   {intensity_line(e.intensity)}")
    if e.intensity.note:
        L.append(f"  NOTE        {e.intensity.note}")
    b = d["breakdown"]
    L.append("")
    L.append(f"  {'breakdown':<10} {'device energy':>14} {'facility':>14} {'emissions':>14}  how")
    dyn_how = "; ".join(f"{x.count:g} {x.unit} x {x.power_w:.4g} W" for x in e.devices) + f"; x {e.hours:g} h"
    L.append(f"  {'dynamic':<10} {_kwh(b['dynamic']['energy_kwh']):>14} {_kwh(b['dynamic']['facility_energy_kwh']):>14} "
             f"{_kg(b['dynamic']['emissions_gco2e']):>14}  {dyn_how}")
    i = b["idle"]
    if i.get("included"):
        L.append(f"  {'idle':<10} {_kwh(i['energy_kwh']):>14} {_kwh(i['facility_energy_kwh']):>14} {_kg(i['emissions_gco2e']):>14}  "
                 f"{i.get('method', '')}")
    else:
        L.append(f"  {'idle':<10} {'-':>14} {'-':>14} {'-':>14}  not requested (--idle-hours H or --idle-kwh E)")
    m = b["embodied"]
    if m.get("included"):
        how = "; ".join(f"{p['count']:.4g} {p['unit']} x {p['kgco2e_per_unit']:g} kg" for p in m["parts"])
        L.append(f"  {'embodied':<10} {'-':>14} {'-':>14} {_kg(m['emissions_gco2e']):>14}  {how}; "
                 f"over lifetime x 8760 h x usage {m['usage']:g}, {m['hours']:g} h used")
    else:
        L.append(f"  {'embodied':<10} {'-':>14} {'-':>14} {'-':>14}  not requested (--embodied)")

    L.append("")
    L.append("  hardware (catalogue match and sources)")
    for x in e.devices:
        mt = x.match or {}
        head = f"    {x.count:g} {x.unit} {x.name}"
        if mt:
            head += f"  ('{mt['query']}': {mt['confidence']} match)"
        if x.origin:
            head += f"  (from {x.origin})"
        L.append(head)
        L.append(f"        power    {x.power_w:.4g} W each: {x.power_source}")
        if x.idle_w is not None and e.idle_j is not None:
            L.append(f"        idle     {x.idle_w:.4g} W each: {x.idle_source}")
        if x.embodied_kgco2e is not None and e.embodied_g is not None:
            L.append(f"        embodied {x.embodied_kgco2e:g} kgCO2e each, {x.lifetime_years:g} y: {x.embodied_source}")
    inp = d["inputs"]
    L.append("  assumptions")
    L.append(f"    utilisation {inp['utilization']['value']:g}: {inp['utilization']['source']}")
    L.append(f"    PUE         {e.pue:g}: {e.pue_source}")
    if e.embodied_g is not None:
        L.append(f"    embodied    usage {m['usage']:g}: {m['usage_source']}")
        for p in m["parts"]:
            if not any(p["name"] == x.name for x in e.devices):
                L.append(f"                {p['name']}: {p['kgco2e_per_unit']:g} kgCO2e, {p['lifetime_years']:g} y: {p['source']}")
    if inp.get("like"):
        lk = inp["like"]
        L.append(f"    like run    {lk['run_id']}: mean {lk['mean_power_w']:.1f} W over {lk['duration_s'] / 3600:.2f} h; {lk['scaling']}")

    L.append("")
    if e.alternatives:
        L.append(f"  cleaner alternatives ({e.alternatives_note})")
        for a in e.alternatives:
            extra = ", same country" if a.get("same_country") else (
                f", {a['distance_km']:,} km away" if "distance_km" in a else "")
            L.append(f"    {a['region']:<20} {a['name'][:28]:<28} {a['g_per_kwh']:>7.1f} g/kWh  PUE {a['pue']:<5g} "
                     f"{_kg(a['emissions_gco2e']):>14}  saves {_kg(a['saving_gco2e'])} ({a['saving_pct']:.0f} %){extra}")
    else:
        L.append(f"  cleaner alternatives: none ({e.alternatives_note})")
    L.append(f"  equivalents of {_kg(e.emissions_gco2e)} (rough comparisons)")
    for q in e.equivalents:
        L.append(f"    ~ {_num(q['value'])} {q['unit']} ({q['factor']:g} {q['factor_unit']}; {q['source'].split(': ')[0]})")
    return "\n".join(L)
