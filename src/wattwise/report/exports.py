"""Exports of a stored run: our CSV/JSONL, CodeCarbon's emissions.csv, the HF model-card block.

Our CSV and JSONL share one fixed, versioned schema (``EXPORT_SCHEMA``): one record per
run, component, window and sample, with unit-suffixed columns. Adding a column bumps the
minor version; renaming or removing one bumps the major version.

Unknown is never 0: an energy or emissions figure that could not be known is an empty CSV
cell or a JSON null, and the record's ``reason`` says why. CodeCarbon's fixed columns have
no room for a reason: unknown cells are empty and ``unknowns()`` gives the reasons for the
command to print; the model card refuses a run without an emissions figure.
"""
from __future__ import annotations

import csv
import io
import json
import platform
from typing import Any

from ..errors import UsageError
from ..units import J_PER_KWH, iso

EXPORT_SCHEMA = "wattwise-export/1.1"  # 1.1: reason, attribution
FORMATS = ("csv", "jsonl", "codecarbon", "model-card", "json")

CSV_COLUMNS = [
    "schema", "run_id", "record", "name", "start", "end", "duration_s", "energy_kwh", "facility_energy_kwh",
    "emissions_gco2e", "power_w", "method", "source", "project", "region", "intensity_g_per_kwh",
    "intensity_source", "pue", "scope", "exit_code", "status", "reason", "attribution",
]
NULLABLE = ("energy_kwh", "facility_energy_kwh", "emissions_gco2e")  # kept as null in JSONL, with a reason

# CodeCarbon 2.x emissions.csv columns, in order, so existing parsers keep working.
CODECARBON_COLUMNS = [
    "timestamp", "project_name", "run_id", "experiment_id", "duration", "emissions", "emissions_rate",
    "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy", "ram_energy", "energy_consumed",
    "country_name", "country_iso_code", "region", "cloud_provider", "cloud_region", "os", "python_version",
    "codecarbon_version", "cpu_count", "cpu_model", "gpu_count", "gpu_model", "longitude", "latitude",
    "ram_total_size", "tracking_mode", "on_cloud", "pue",
]


def _kwh(j):
    return None if j is None else j / J_PER_KWH


def unknowns(r: dict) -> list[str]:
    """What in a run result is unknown, and why: one phrase per unknown figure."""
    out = [f"{c['name']} energy unknown: {c.get('reason') or 'no reading'}" for c in r.get("components", [])
           if c.get("energy_kwh") is None]
    if r.get("energy_kwh") is None:
        out.append("run energy unknown: no component could be measured or estimated")
    if r.get("emissions_gco2e") is None:
        out.append("emissions unknown: " + ("no energy figure" if r.get("energy_kwh") is None
                                             else "the grid intensity could not be applied"))
    return out


def codecarbon_notes(r: dict) -> list[str]:
    """Why cells of the CodeCarbon export are empty (its fixed columns have no room to say so)."""
    out = [f"{x} (left empty in the export)" for x in unknowns(r)]
    comps = r.get("components", [])
    for part, names in (("cpu", ("cpu",)), ("ram", ("ram", "dram"))):
        if not any(c["name"] in names for c in comps):
            out.append(f"{part}_energy and {part}_power left empty: this run did not measure {part.upper()}")
    missing = [c["name"] for c in comps if c.get("energy_kwh") is None]
    if missing and r.get("energy_kwh") is not None:
        out.append(f"emissions, emissions_rate and energy_consumed left empty: totals without {', '.join(missing)} "
                   f"would understate the run (the wattwise csv/jsonl exports keep them, with the reason)")
    return out


def _run_reason(r: dict) -> str | None:
    missing = unknowns(r)
    if not missing:
        return None
    known = r.get("energy_kwh") is not None
    return ("; ".join(missing) + ("; totals cover the known components only" if known else ""))


def _records(run: dict, samples: list[dict]) -> list[dict[str, Any]]:
    r = run["result"] or {}
    inten = r.get("intensity") or {}
    base = {"schema": EXPORT_SCHEMA, "run_id": run["run_id"], "project": r.get("project"),
            "region": inten.get("region") or inten.get("zone"), "intensity_g_per_kwh": inten.get("g_per_kwh"),
            "intensity_source": inten.get("source"), "pue": r.get("pue"), "scope": r.get("scope")}
    out = [dict(base, record="run", name=r.get("name") or r.get("command"), start=r.get("start"), end=r.get("end"),
                duration_s=r.get("duration_s"), energy_kwh=r.get("energy_kwh"),
                facility_energy_kwh=r.get("facility_energy_kwh"), emissions_gco2e=r.get("emissions_gco2e"),
                method=",".join(sorted({c["method"] for c in r.get("components", [])})), source="wattwise",
                exit_code=r.get("exit_code"), status=run.get("status"), reason=_run_reason(r))]
    dur = r.get("duration_s") or 0
    for c in r.get("components", []):
        e = c.get("energy_kwh")
        out.append(dict(base, record="component", name=c["name"], start=r.get("start"), end=r.get("end"), duration_s=dur,
                        energy_kwh=e, facility_energy_kwh=None if e is None else e * (r.get("pue") or 1),
                        power_w=c.get("mean_power_w"), method=c["method"], source=c["source"],
                        reason=c.get("reason") if e is None else None, attribution=c.get("attribution")))
    for w in r.get("windows", []):
        e = w.get("energy_kwh")
        out.append(dict(base, record="window", name=w["name"], start=w["start"], end=w["end"], duration_s=w["duration_s"],
                        energy_kwh=e, facility_energy_kwh=None if e is None else e * (r.get("pue") or 1),
                        emissions_gco2e=w.get("emissions_gco2e")))
    for s in samples:
        out.append(dict(base, record="sample", name=s["component"], start=iso(s["t"]), energy_kwh=_kwh(s["energy_j"]),
                        power_w=s["power_w"]))
    return out


def to_csv(run: dict, samples: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for rec in _records(run, samples):
        w.writerow({k: ("" if rec.get(k) is None else rec.get(k)) for k in CSV_COLUMNS})
    return buf.getvalue()


def to_jsonl(run: dict, samples: list[dict]) -> str:
    lines = []
    for rec in _records(run, samples):
        if rec["record"] == "run":
            rec = dict(rec, result=run["result"])
        keep = NULLABLE if rec["record"] != "sample" else ()
        lines.append(json.dumps({k: v for k, v in rec.items() if v is not None or k in keep}, default=str))
    return "\n".join(lines) + "\n"


def _sum(comps, prefixes, key="energy_kwh"):
    """Sum over the components named ``prefix`` or ``prefix:N``; None (unknown: an empty cell) when
    any of them is unknown, or when there are none and the part is not a GPU (a machine without a
    GPU has none to count; every machine has a CPU and memory, so their absence means not measured)."""
    sel = [c for c in comps for p in prefixes if c["name"] == p or c["name"].startswith(p + ":")]
    if not sel:
        return 0.0 if prefixes == ("gpu",) else None
    if any(c.get("energy_kwh") is None for c in sel):
        return None
    return sum(c.get(key) or 0.0 for c in sel)


def _power(comps, prefixes):
    """Mean power of those components; unknown when any of their energies is."""
    return _sum(comps, prefixes, "mean_power_w")


def to_codecarbon(run: dict) -> str:
    """CodeCarbon's emissions.csv (v2 columns; kg, kWh, W, s; ISO alpha-3 country)."""
    from .. import regions

    r = run["result"] or {}
    comps = r.get("components", [])
    inten = r.get("intensity") or {}
    rid = inten.get("region") or inten.get("zone")
    reg = regions.get(rid) if rid else None
    country = regions.get(reg.country) if reg and reg.country else None
    alpha3 = ""
    if country is not None:
        from .._data import table

        alpha3 = next((row.get("alpha3", "") for row in table("countries.csv") if row["id"] == country.id), "")
    cpu = (r.get("hardware") or {}).get("cpu") or {}
    gpus = (r.get("hardware") or {}).get("gpus") or []
    dur = r.get("duration_s") or 0.0
    g = r.get("emissions_gco2e")
    kg = None if g is None else g / 1000
    provider = reg.provider if reg and reg.kind == "cloud" else ""
    whole = not any(c.get("energy_kwh") is None for c in comps)  # a total over partly unknown parts is unknown
    row = {
        "timestamp": (r.get("end") or "")[:19], "project_name": r.get("project") or "wattwise", "run_id": run["run_id"],
        "experiment_id": r.get("name") or "", "duration": dur, "emissions": kg if whole else None,
        "emissions_rate": kg / dur if kg is not None and dur and whole else None,
        "cpu_power": _power(comps, ("cpu",)), "gpu_power": _power(comps, ("gpu",)), "ram_power": _power(comps, ("ram", "dram")),
        "cpu_energy": _sum(comps, ("cpu",)), "gpu_energy": _sum(comps, ("gpu",)), "ram_energy": _sum(comps, ("ram", "dram")),
        "energy_consumed": r.get("energy_kwh") if whole else None,
        "country_name": country.name if country else (inten.get("name") or ""), "country_iso_code": alpha3,
        "region": (reg.id if reg and reg.kind == "zone" else ""), "cloud_provider": provider,
        "cloud_region": rid.split(":", 1)[1] if provider and rid else "", "os": platform.platform(),
        "python_version": platform.python_version(), "codecarbon_version": f"wattwise-{r.get('wattwise_version', '')}",
        "cpu_count": cpu.get("logical_cpus", ""), "cpu_model": cpu.get("model_name", ""), "gpu_count": len(gpus),
        "gpu_model": ", ".join(sorted({g.get("name", "") for g in gpus})), "longitude": "", "latitude": "",
        "ram_total_size": (r.get("hardware") or {}).get("ram_gb_host", ""),
        "tracking_mode": "process" if r.get("scope") == "process" else "machine", "on_cloud": "Y" if provider else "N",
        "pue": r.get("pue", 1.0),
    }
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CODECARBON_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerow({k: ("" if v is None else v) for k, v in row.items()})  # unknown: an empty cell (NaN to pandas)
    return buf.getvalue()


def hardware_used(r: dict) -> str:
    hw = r.get("hardware") or {}
    parts = []
    gpus = hw.get("gpus") or []
    names: dict[str, int] = {}
    for g in gpus:
        names[g.get("name", "GPU")] = names.get(g.get("name", "GPU"), 0) + 1
    parts += [f"{n} x {name}" for name, n in names.items()]
    cpu = hw.get("cpu") or {}
    if cpu.get("model_name"):
        pm = cpu.get("power_model") or {}
        n = pm.get("vcpus") or cpu.get("logical_cpus")
        parts.append(f"{cpu['model_name']} ({n:g} vCPUs)" if isinstance(n, (int, float)) else cpu["model_name"])
    return "; ".join(parts) or "unknown"


def model_card_metadata(r: dict, training_type: str | None = None, *, run_id: str | None = None) -> dict[str, Any]:
    """Hugging Face's ``co2_eq_emissions`` model-card metadata for a run result, as a dict.

    Follows the Hub's documented schema (huggingface.co/docs/hub/model-cards-co2): ``emissions``
    in grams of CO2e, ``source``, ``training_type``, ``geographical_location``, ``hardware_used``.
    """
    inten = r.get("intensity") or {}
    g = r.get("emissions_gco2e")
    if g is None:
        rid = run_id or r.get("run_id") or "?"
        raise UsageError(f"run {rid} has no emissions figure to export (no component was measurable)")
    methods = sorted({c["method"] for c in r.get("components", []) if c.get("energy_kwh") is not None})
    loc = inten.get("name") or inten.get("zone") or ""
    src = (f"wattwise {r.get('wattwise_version', '')}: {', '.join(methods)} energy "
           f"x {inten.get('g_per_kwh')} gCO2e/kWh ({inten.get('method', 'annual')}, {inten.get('source')})")
    missing = [f"{c['name']} ({c.get('reason') or 'no reading'})" for c in r.get("components", [])
               if c.get("energy_kwh") is None]
    if missing:
        src += f"; excludes unknown {', '.join(missing)}"
    tt = training_type or (r.get("training_type") or "pre-training")
    return {"co2_eq_emissions": {"emissions": float(f"{g:.6g}"), "source": src, "training_type": tt,
                                 "geographical_location": loc, "hardware_used": hardware_used(r)}}


def to_model_card(run: dict, training_type: str | None = None) -> str:
    """The Hugging Face model-card ``co2_eq_emissions`` metadata block (emissions in grams)."""
    block = model_card_metadata(run["result"] or {}, training_type, run_id=run["run_id"])["co2_eq_emissions"]
    lines = [
        "co2_eq_emissions:",
        f"  emissions: {block['emissions']:.6g}",
        f"  source: {json.dumps(block['source'])}",
        f"  training_type: {json.dumps(block['training_type'])}",
        f"  geographical_location: {json.dumps(block['geographical_location'])}",
        f"  hardware_used: {json.dumps(block['hardware_used'])}",
    ]
    return "\n".join(lines) + "\n"


def export_run(store, run_id: str, fmt: str, *, training_type: str | None = None) -> str:
    if fmt not in FORMATS:
        import difflib

        m = difflib.get_close_matches(fmt, FORMATS, n=1)
        raise UsageError(f"unknown export format '{fmt}'" + (f"; did you mean '{m[0]}'?" if m else f"; use one of {', '.join(FORMATS)}"))
    from ..store import run_result

    run = store.get_run(run_id)
    if run is None:
        raise UsageError(f"no run '{run_id}'")
    run["result"] = run_result(store, run_id)
    if fmt == "json":
        return json.dumps(run["result"], default=str) + "\n"
    if fmt == "codecarbon":
        return to_codecarbon(run)
    if fmt == "model-card":
        return to_model_card(run, training_type)
    samples = store.samples(run_id)
    return to_csv(run, samples) if fmt == "csv" else to_jsonl(run, samples)
