#!/usr/bin/env python3
"""Print the reproduction table: published figure, wattwise's value (public API), error, tolerance, tag.

    python bench/reproduce_estimates.py            # a Markdown table
    python bench/reproduce_estimates.py --json     # one JSON object

The same figures are asserted in tests/estimate/test_reproduce.py; tags per
../shared/reference/README.md ([P] paper, [A] authors' code/data, [S] secondary sources,
[D] derived by arithmetic). Tolerances are the printed precision of each figure unless noted.
"""
from __future__ import annotations

import argparse
import json
import sys

import wattwise

G_PER_LB = 453.59237
T = 1e6


def cases() -> list[dict]:
    bloom = wattwise.estimate(gpu="A100-80GB:384", hours=1_082_990 / 384, intensity=57, pue=1.0, idle_kwh=256_646,
                              embodied=True, lifetime_years=6, embodied_usage=0.85, server_kgco2e=2500,
                              gpus_per_server=8, alternatives=0)
    b = bloom.breakdown
    parts = {p["unit"]: p for p in b["embodied"]["parts"]}
    rows = [
        ("BLOOM", "dynamic energy (kWh)", 433_196, b["dynamic"]["energy_kwh"], 0.5, "abs", "[S]/[D]"),
        ("BLOOM", "dynamic emissions (t)", 24.69, b["dynamic"]["emissions_gco2e"] / T, 0.005, "abs", "[S] ([P] 24.7)"),
        ("BLOOM", "idle emissions (t)", 14.6, b["idle"]["emissions_gco2e"] / T, 0.05, "abs", "[S]"),
        ("BLOOM", "GPU embodied rate (kg/GPU-h)", 0.003, parts["GPU"]["kgco2e_per_unit_hour"], 0.0005, "abs", "[S]"),
        ("BLOOM", "server embodied rate (kg/server-h)", 0.056, parts["server share"]["kgco2e_per_unit_hour"], 0.0005, "abs", "[S]"),
        ("BLOOM", "GPU embodied (t)", 3.64, parts["GPU"]["emissions_gco2e"] / T, 0.005, "abs", "[S]"),
        ("BLOOM", "server embodied (t)", 7.57, parts["server share"]["emissions_gco2e"] / T, 0.002, "rel", "[S]"),
        ("BLOOM", "embodied total (t)", 11.2, bloom.embodied_g / T, 0.05, "abs", "[S]"),
        ("BLOOM", "total (t)", 50.5, bloom.emissions_gco2e / T, 0.05, "abs", "[P]"),
    ]
    for name, w, h, kwh, lbs in [("Transformer base", 1415.78, 12, 27, 26), ("Transformer big", 1515.43, 84, 201, 192),
                                 ("ELMo", 517.66, 336, 275, 262), ("BERT base (79.2 h [D])", 12041.51, 79.2, 1507, 1438),
                                 ("NAS", 1515.43, 274_120, 656_347, 626_155)]:
        e = wattwise.estimate(devices=[{"kind": "other", "model": name, "power_w": w}], hours=h, pue=1.58,
                              intensity="0.954 lbs/kWh", alternatives=0)
        rows.append(("Strubell T3", f"{name}: kWh x PUE", kwh, e.facility_energy_kwh, 0.5, "abs", "[P]"))
        rows.append(("Strubell T3", f"{name}: CO2e (lbs)", lbs, e.emissions_gco2e / G_PER_LB, 0.5, "abs", "[P]"))
    e = wattwise.estimate(gpu="Tesla V100-PCIE-16GB", power_w=300, hours=100, intensity=432, pue=1, alternatives=0)
    rows.append(("ML CO2 Impact", "V100 300 W x 100 h (kWh)", 30.00, e.energy_kwh, 0.005, "abs", "[A]/[D]"))
    rows.append(("ML CO2 Impact", "x 0.432 kg/kWh (kg)", 12.96, e.emissions_gco2e / 1000, 0.005, "abs", "[D]"))
    e = wattwise.estimate(gpu="Tesla V100-PCIE-16GB", power_w=300, hours=100, intensity=736.6, pue=1, alternatives=0)
    rows.append(("ML CO2 Impact", "Azure centralus 736.6 g (kg; site rounds to 0.74)", 22.2, e.emissions_gco2e / 1000,
                 0.005, "rel", "[D]"))
    e = wattwise.estimate(cpu="Xeon E5-2683 v4:12c", ram_gb=64, hours=12, pue=1.67, intensity=142, alternatives=0)
    rows.append(("Green Algorithms", "12 cores E5-2683 v4 + 64 GB, 12 h, PUE 1.67 (kWh)", 2.2813, e.facility_energy_kwh,
                 1e-4, "abs", "[D]"))
    rows.append(("Green Algorithms", "at AT 142 g/kWh (g)", 323.9, e.emissions_gco2e, 0.1, "abs", "[D]"))
    e = wattwise.estimate(cpu="Xeon E5-2683 v4:12c", ram_gb=64, hours=12, pue=1.67, intensity=111.18, alternatives=0)
    rows.append(("Green Algorithms", "at AT 111.18 g/kWh (g)", 253.6, e.emissions_gco2e, 0.1, "abs", "[D]"))
    out = []
    for study, fig, paper, ours, tol, kind, tag in rows:
        err = ours - paper
        ok = abs(err) <= (tol * abs(paper) if kind == "rel" else tol)
        out.append({"study": study, "figure": fig, "paper": paper, "ours": ours, "error": err,
                    "error_pct": 100.0 * err / paper if paper else None,
                    "tolerance": f"{tol * 100:g} %" if kind == "rel" else f"{tol:g}", "tag": tag, "within": ok})
    return out


def _fmt(v: float) -> str:
    if abs(v) >= 1000:
        return f"{v:,.1f}"
    if abs(v) >= 1:
        return f"{v:.4f}".rstrip("0").rstrip(".")
    return f"{v:.6f}".rstrip("0").rstrip(".")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = cases()
    if args.json:
        print(json.dumps({"rows": rows}))
        return 0
    print("| study | figure | paper | ours | error | tolerance | tag | within |")
    print("|---|---|---:|---:|---:|---:|---|---|")
    for r in rows:
        pct = f" ({r['error_pct']:+.2f} %)" if r["error_pct"] is not None else ""
        print(f"| {r['study']} | {r['figure']} | {_fmt(r['paper'])} | {_fmt(r['ours'])} | {r['error']:+.4g}{pct} | "
              f"{r['tolerance']} | {r['tag']} | {'yes' if r['within'] else 'NO'} |")
    bad = [r for r in rows if not r["within"]]
    print(f"\n{len(rows) - len(bad)}/{len(rows)} figures within tolerance", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
