"""CPU power tables for the labelled CPU estimate.

- cpu_tdp.csv: CPU model -> TDP (W). CodeCarbon's cpu_power.csv (MIT) plus Green Algorithms'
  TDP_cpu.csv (CC BY 4.0) where CodeCarbon lacks the model.
- cpu_vcpu_coefficients.csv: per-vCPU min/max watts by microarchitecture, Cloud Carbon
  Footprint (Apache-2.0), derived by CCF from SPECpower; plus CCF's cross-architecture average.
- cpu_microarchitectures.csv: model-name fragment -> microarchitecture (CCF's lists).
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

from ._util import write_csv

OUTPUTS = ["cpu_tdp.csv", "cpu_vcpu_coefficients.csv", "cpu_microarchitectures.csv"]

CC_SRC = "CodeCarbon cpu_power.csv (mlco2/codecarbon@b05965e)"
GA_SRC = "Green Algorithms TDP_cpu.csv (GreenAlgorithms/green-algorithms-tool@30df2fe)"
CCF_SRC = "Cloud Carbon Footprint coefficients (SPECpower), cloud-carbon-footprint/ccf-coefficients@b0032d9"

ARCH_FILES = {
    "amd-epyc-gen1": "EPYC 1st Gen", "amd-epyc-gen2": "EPYC 2nd Gen", "amd-epyc-gen3": "EPYC 3rd Gen",
    "amd-epyc-gen4": "EPYC 4th Gen", "amd-epyc-gen5": "EPYC 5th Gen", "amd-neoverse-n1": "Graviton2",
    "intel-broadwell": "Broadwell", "intel-cascadelake": "Cascade Lake", "intel-coffeelake": "Coffee Lake",
    "intel-emeraldrapids": "Emerald Rapids", "intel-graniterapids": "Granite Rapids", "intel-haswell": "Haswell",
    "intel-icelake": "Ice Lake", "intel-ivybridge": "Ivy Bridge", "intel-sandybridge": "Sandy Bridge",
    "intel-sapphirerapids": "Sapphire Rapids", "intel-skylake": "Skylake",
}


def _norm(name: str) -> str:
    s = re.sub(r"\((R|TM|tm|r)\)", " ", name)
    s = re.sub(r"\s+", " ", s).strip()
    return s


def build(shared: Path, out: Path) -> None:
    rows: dict[str, list] = {}
    with (shared / "codecarbon-reference" / "cpu_power.csv").open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            name = _norm(r["Name"])
            try:
                tdp = float(r["TDP"])
            except ValueError:  # a few upstream rows are malformed (e.g. '27.29.5'): skip, never guess
                continue
            if name and tdp > 0:
                rows[name.lower()] = [name, tdp, "", CC_SRC, "MIT", 2026]
    with (shared / "green-algorithms-v3" / "TDP_cpu.csv").open(newline="", encoding="utf-8") as f:
        next(f)
        for r in csv.DictReader(f):
            name = _norm(r["model"])
            if not name or name.lower() == "any" or not r["TDP"]:
                continue
            cores = r.get("n_cores") or ""
            key = name.lower()
            if key in rows:
                rows[key][2] = cores
            else:
                rows[key] = [name, float(r["TDP"]), cores, GA_SRC, "CC BY 4.0", 2025]
    write_csv(out / "cpu_tdp.csv", ["model", "tdp_w", "cores", "source", "license", "year"],
              sorted(rows.values(), key=lambda r: r[0].lower()),
              comment="CPU thermal design power per model, W. Derived by scripts/wwtables/cpus.py; do not edit.")

    coef = []
    ccf = shared / "cloud-carbon-footprint"
    with (ccf / "ccf-coefficients" / "output" / "coefficients-aws-use.csv").open(newline="") as f:
        for r in csv.DictReader(f):
            coef.append([r["Architecture"], round(float(r["Min Watts"]), 4), round(float(r["Max Watts"]), 4),
                         round(float(r["GB/Chip"]), 2), CCF_SRC, "Apache-2.0", 2026])
    avg = {}
    with (ccf / "ccf-app-constants" / "ccf_constants.csv").open(newline="") as f:
        for r in csv.DictReader(f):
            if r["provider"] == "aws" and r["metric"] in ("min_watts_avg", "max_watts_avg"):
                avg[r["metric"]] = float(r["value"])
    coef.append(["Average", avg["min_watts_avg"], avg["max_watts_avg"], "",
                 "Cloud Carbon Footprint AWS average (AwsFootprintEstimationConstants.ts@b7a049c)", "Apache-2.0", 2024])
    write_csv(out / "cpu_vcpu_coefficients.csv",
              ["architecture", "min_w_per_vcpu", "max_w_per_vcpu", "gb_per_chip", "source", "license", "year"], coef,
              comment="Per-vCPU power at idle (min) and full load (max), W. Derived by scripts/wwtables/cpus.py; do not edit.")

    arch_rows = []
    for path in sorted((ccf / "ccf-coefficients" / "data" / "microarchitectures").glob("*.csv")):
        arch = ARCH_FILES.get(path.stem)
        if not arch:
            continue
        for line in path.read_text().splitlines():
            frag = line.strip().strip('"')
            if frag:
                arch_rows.append([frag, arch, CCF_SRC, "Apache-2.0"])
    write_csv(out / "cpu_microarchitectures.csv", ["model_fragment", "architecture", "source", "license"],
              sorted(arch_rows), comment="CPU model-name fragment -> microarchitecture. Derived by scripts/wwtables/cpus.py.")
