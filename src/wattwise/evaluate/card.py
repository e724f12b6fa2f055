"""The model-card block of an evaluation: Hugging Face ``model-index`` results with the metric,
per-group results and energy and emissions per 1,000 inferences, beside ``co2_eq_emissions``.

``model-index`` follows the Hub's metadata schema (results of task, dataset, metrics with
``type``, ``value``, ``name``); each subset is one more metric entry whose name says which
subset, its n and its interval. ``co2_eq_emissions`` belongs to training, so it comes from the
training run when one is given (the same block as ``wattwise runs export ID --format model-card``);
otherwise a comment says how to add it. Strings are written as JSON strings, which YAML reads.
"""
from __future__ import annotations

import json
from typing import Any

from .table import fmt_ci


def _metric(type_: str, value, name: str) -> list[str]:
    return [f"      - type: {json.dumps(type_)}", f"        value: {json.dumps(value)}", f"        name: {json.dumps(name)}"]


def _methods(d: dict) -> str:
    comps = d.get("components") or []
    est = "estimate: " if any(c.get("method") == "modelled" for c in comps) else ""
    return est + (", ".join(f"{c['name']} {c['method']}" for c in comps) or "no component")


def model_card(d: dict, training: Any = None, *, task_type: str | None = None, dataset: str | None = None) -> str:
    metric = d["metric"]
    kind = "regression" if metric in ("mae", "rmse") else "classification"
    ci = (d.get("ci") or {}).get("method", "")
    o = d["overall"]
    data_name = dataset or d.get("dataset") or "evaluation data"
    lines = ["model-index:", f"- name: {json.dumps(d['name'])}", "  results:", "  - task:",
             f"      type: {json.dumps(task_type or d.get('task_type') or kind)}", "    dataset:",
             f"      name: {json.dumps(data_name)}", f"      type: {json.dumps(data_name)}", "    metrics:"]
    lines += _metric(metric, o["value"], f"{metric} (all {o['n']} items; 95% CI {fmt_ci(o.get('ci95'))} {ci})".replace("  ", " "))
    for g in d.get("groups") or []:
        lines += _metric(metric, g["value"], f"{metric} on {g['grouping']}={g['group']} "
                                             f"(n={g['n']}; 95% CI {fmt_ci(g.get('ci95'))} {ci})".replace("  ", " "))
    i = d.get("intensity") or {}
    if d.get("energy_kwh_per_1k") is not None:
        lines += _metric("energy_kwh_per_1k_inferences", d["energy_kwh_per_1k"],
                         f"energy per 1,000 inferences, kWh ({_methods(d)}; batch {d.get('batch_size')})")
    if d.get("emissions_gco2e_per_1k") is not None:
        lines += _metric("emissions_gco2e_per_1k_inferences", d["emissions_gco2e_per_1k"],
                         f"emissions per 1,000 inferences, gCO2e ({i.get('zone')}, {i.get('g_per_kwh')} gCO2e/kWh, "
                         f"{i.get('source')})")
    lat = d.get("latency_ms") or {}
    if lat.get("p50") is not None:
        lines += _metric("latency_ms_p50", lat["p50"], "median latency per item, ms")
    lines += _co2(training)
    return "\n".join(lines) + "\n"


def _co2(training: Any) -> list[str]:
    if training is None:
        return ["# co2_eq_emissions (training): add the training run's block with",
                "#   wattwise runs export TRAINING_RUN_ID --format model-card"]
    from ..report.exports import model_card_metadata

    r = training.to_dict() if hasattr(training, "to_dict") else dict(training)
    block = model_card_metadata(r)["co2_eq_emissions"]
    return ["co2_eq_emissions:", f"  emissions: {block['emissions']:.6g}", f"  source: {json.dumps(block['source'])}",
            f"  training_type: {json.dumps(block['training_type'])}",
            f"  geographical_location: {json.dumps(block['geographical_location'])}",
            f"  hardware_used: {json.dumps(block['hardware_used'])}"]
