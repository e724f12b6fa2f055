"""Hardware catalogue for ``wattwise estimate``: accelerators and cloud instance types.

- gpus.csv: one row per accelerator model (NVIDIA, AMD, Google TPU) with TDP, idle power,
  memory, an embodied (manufacturing) footprint with its source, and an assumed lifetime.
  TDPs come from the ML CO2 Impact calculator's gpus.csv (MIT) and Green Algorithms'
  TDP_gpu.csv (CC BY 4.0); idle power from Cloud Carbon Footprint's per-GPU minimum watts
  (Apache-2.0). Models neither table has (H100 PCIe, H200, B200, A10, L40, A100 SXM4 40GB,
  AMD Instinct) carry the vendor's datasheet figure, cited per row. Where the sources
  disagree, the row says which value it took and lists the others in ``notes``.
- instances.csv: cloud instance types -> accelerator model x count, CPU model, vCPUs, memory,
  and the host platform's embodied footprint without its GPUs. vCPUs, memory, CPU and
  embodied figures are Cloud Carbon Footprint's (Apache-2.0); the accelerator model of each
  GPU family is the provider's documentation, cited per row.

Not used: Boavizta (BoaviztAPI is AGPL-3.0; the footprint data is ODbL), kept as test inputs.
"""
from __future__ import annotations

import csv
import re
import statistics
from pathlib import Path

from ._util import write_csv

OUTPUTS = ["gpus.csv", "instances.csv"]

MLCO2 = ("ML CO2 Impact gpus.csv (mlco2/impact@d0d3ee5)", "MIT")
GA = ("Green Algorithms TDP_gpu.csv (GreenAlgorithms/green-algorithms-tool@30df2fe)", "CC BY 4.0")
CCF = "Cloud Carbon Footprint"
CCF_IDLE = "Cloud Carbon Footprint min watts per GPU (AwsFootprintEstimationConstants.ts@b7a049c)"
CCF_LICENSE = "Apache-2.0"
DATASHEET = "vendor datasheet"

# Manufacturing footprint of one GPU card: CCF adds 150 kgCO2e per GPU to a server's embodied
# emissions (ccf-coefficients constants.py); Luccioni et al. 2023 (BLOOM) use the same 150 kg
# as a lower bound for an A100. Lifetime: CCF's 35,040 h (4 years) server lifespan.
EMBODIED_KG = 150.0
EMBODIED_SRC = ("Cloud Carbon Footprint embodied_additional_gpu 150 kgCO2e per GPU card (ccf-coefficients@b0032d9, "
                "Apache-2.0); Luccioni et al. 2023 (BLOOM) use 150 kg for an A100")
LIFETIME_Y = 4.0
LIFETIME_SRC = "Cloud Carbon Footprint server_expected_lifespan 35,040 h (4 years)"

NV_H100 = "https://resources.nvidia.com/en-us-tensor-core/nvidia-tensor-core-gpu-datasheet"
NV_A100 = "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf"
NV_V100 = "https://images.nvidia.com/content/technologies/volta/pdf/volta-v100-datasheet-update-us-1165301-r5.pdf"

# (name, vendor, kind, memory_gb, family, family_default, aliases, pick, curated)
#   pick: which upstream row gives the TDP: ("mlco2", name) | ("ga", name) | ("curated", None)
#   curated: (tdp_w, source URL, year) when pick is curated; else None
# ``extra`` upstream rows named in ``also`` are read only to list disagreeing values in notes.
GPUS: list[dict] = [
    # NVIDIA data-centre
    dict(name="NVIDIA H100 SXM5 80GB", vendor="NVIDIA", kind="gpu", mem=80, family="h100", default=True,
         aliases="H100 SXM|H100-SXM5-80GB|H100 80GB HBM3|H100-80GB|H100 SXM 80GB", pick=("mlco2", "H100 SXM"), ccf=None),
    dict(name="NVIDIA H100 PCIe 80GB", vendor="NVIDIA", kind="gpu", mem=80, family="h100",
         aliases="H100 PCIe|H100-PCIE-80GB", pick=("curated", (350, NV_H100, 2023)), ccf=None),
    dict(name="NVIDIA H100 NVL 94GB", vendor="NVIDIA", kind="gpu", mem=94, family="h100",
         aliases="H100 NVL", pick=("mlco2", "H100 NVL"), ccf=None),
    dict(name="NVIDIA H200 SXM 141GB", vendor="NVIDIA", kind="gpu", mem=141, family="h200", default=True,
         aliases="H200|H200 SXM|H200-141GB", pick=("curated", (700, "https://www.nvidia.com/en-us/data-center/h200/", 2024)), ccf=None),
    dict(name="NVIDIA B200 180GB", vendor="NVIDIA", kind="gpu", mem=180, family="b200", default=True,
         aliases="B200|HGX B200", pick=("curated", (1000, "https://www.nvidia.com/en-us/data-center/hgx/", 2025)), ccf=None),
    dict(name="NVIDIA A100 SXM4 80GB", vendor="NVIDIA", kind="gpu", mem=80, family="a100", default=True,
         aliases="A100-80GB|A100 80GB|A100-SXM4-80GB|A100 SXM 80GB|A100 SXM4 80 GB",
         pick=("mlco2", "A100 SXM4 80 GB"), ccf="NVIDIA_TESLA_A100"),
    dict(name="NVIDIA A100 SXM4 40GB", vendor="NVIDIA", kind="gpu", mem=40, family="a100",
         aliases="A100-40GB|A100 40GB|A100-SXM4-40GB|A100 SXM 40GB", pick=("curated", (400, NV_A100, 2021)),
         ccf="NVIDIA_TESLA_A100"),
    dict(name="NVIDIA A100 PCIe 40GB", vendor="NVIDIA", kind="gpu", mem=40, family="a100",
         aliases="A100-PCIE-40GB|A100 40GB PCIe", pick=("ga", "NVIDIA A100 40GB PCIe"), also=[("mlco2", "A100 PCIe 40/80GB")],
         ccf="NVIDIA_TESLA_A100"),
    dict(name="NVIDIA A100 PCIe 80GB", vendor="NVIDIA", kind="gpu", mem=80, family="a100",
         aliases="A100-PCIE-80GB|A100 80GB PCIe", pick=("ga", "NVIDIA A100 80GB PCIe"), also=[("mlco2", "A100 PCIe 40/80GB")],
         ccf="NVIDIA_TESLA_A100"),
    dict(name="NVIDIA A10G", vendor="NVIDIA", kind="gpu", mem=24, family="a10g", default=True, aliases="A10G",
         pick=("mlco2", "A10G"), ccf="NVIDIA_A10G"),
    dict(name="NVIDIA A10", vendor="NVIDIA", kind="gpu", mem=24, family="a10", default=True, aliases="A10",
         pick=("curated", (150, "https://www.nvidia.com/en-us/data-center/products/a10-gpu/", 2021)), ccf=None),
    dict(name="NVIDIA L4", vendor="NVIDIA", kind="gpu", mem=24, family="l4", default=True, aliases="L4",
         pick=("mlco2", "L4"), ccf=None),
    dict(name="NVIDIA L40S", vendor="NVIDIA", kind="gpu", mem=48, family="l40s", default=True, aliases="L40S",
         pick=("mlco2", "L40S"), ccf=None),
    dict(name="NVIDIA L40", vendor="NVIDIA", kind="gpu", mem=48, family="l40", default=True, aliases="L40",
         pick=("curated", (300, "https://www.nvidia.com/en-us/data-center/l40/", 2022)), ccf=None),
    dict(name="NVIDIA T4", vendor="NVIDIA", kind="gpu", mem=16, family="t4", default=True, aliases="Tesla T4|T4",
         pick=("mlco2", "T4"), also=[("ga", "NVIDIA Tesla T4")], ccf="NVIDIA_T4"),
    dict(name="NVIDIA V100 SXM2 16GB", vendor="NVIDIA", kind="gpu", mem=16, family="v100", default=True,
         aliases="Tesla V100-SXM2-16GB|V100-SXM2-16GB|Tesla V100|V100 16GB", pick=("curated", (300, NV_V100, 2020)),
         also=[("mlco2", "Tesla V100-SXM2-16GB"), ("ga", "NVIDIA Tesla V100")], ccf="NVIDIA_TESLA_V100"),
    dict(name="NVIDIA V100 SXM2 32GB", vendor="NVIDIA", kind="gpu", mem=32, family="v100",
         aliases="Tesla V100-SXM2-32GB|V100-SXM2-32GB|V100 32GB", pick=("mlco2", "Tesla V100-SXM2-32GB"),
         ccf="NVIDIA_TESLA_V100"),
    dict(name="NVIDIA V100 PCIe 16GB", vendor="NVIDIA", kind="gpu", mem=16, family="v100",
         aliases="Tesla V100-PCIE-16GB|V100-PCIE-16GB|V100 PCIe", pick=("curated", (250, NV_V100, 2020)),
         also=[("mlco2", "Tesla V100-PCIE-16GB")], ccf="NVIDIA_TESLA_V100"),
    dict(name="NVIDIA V100 PCIe 32GB", vendor="NVIDIA", kind="gpu", mem=32, family="v100",
         aliases="Tesla V100-PCIE-32GB|V100-PCIE-32GB", pick=("curated", (250, NV_V100, 2020)), ccf="NVIDIA_TESLA_V100"),
    dict(name="NVIDIA V100S PCIe 32GB", vendor="NVIDIA", kind="gpu", mem=32, family="v100s", default=True,
         aliases="Tesla V100S|V100S", pick=("ga", "NVIDIA Tesla V100S"), ccf="NVIDIA_TESLA_V100"),
    dict(name="NVIDIA P100 PCIe 16GB", vendor="NVIDIA", kind="gpu", mem=16, family="p100", default=True,
         aliases="Tesla P100|Tesla P100-PCIE-16GB|P100", pick=("ga", "NVIDIA Tesla P100 PCIe"),
         also=[("mlco2", "Tesla P100"), ("ga", "NVIDIA Tesla P100")], ccf="NVIDIA_TESLA_P100"),
    dict(name="NVIDIA P100 SXM2 16GB", vendor="NVIDIA", kind="gpu", mem=16, family="p100",
         aliases="Tesla P100-SXM2-16GB", pick=("curated", (300, "https://www.nvidia.com/en-us/data-center/tesla-p100/", 2016)),
         ccf="NVIDIA_TESLA_P100"),
    dict(name="NVIDIA P40", vendor="NVIDIA", kind="gpu", mem=24, family="p40", default=True, aliases="Tesla P40",
         pick=("mlco2", "Tesla P40"), ccf="NVIDIA_TESLA_P40"),
    dict(name="NVIDIA P4", vendor="NVIDIA", kind="gpu", mem=8, family="p4", default=True, aliases="Tesla P4",
         pick=("ga", "NVIDIA Tesla P4"), ccf="NVIDIA_TESLA_P4"),
    dict(name="NVIDIA K80", vendor="NVIDIA", kind="gpu", mem=24, family="k80", default=True, aliases="Tesla K80",
         pick=("mlco2", "Tesla K80"), also=[("ga", "NVIDIA Tesla K80")], ccf="NVIDIA_TESLA_K80",
         note="board with two GK210 dies; cloud instances count dies"),
    dict(name="NVIDIA K40c", vendor="NVIDIA", kind="gpu", mem=12, family="k40", default=True, aliases="Tesla K40c|K40",
         pick=("mlco2", "Tesla K40c"), ccf=None),
    dict(name="NVIDIA M40 24GB", vendor="NVIDIA", kind="gpu", mem=24, family="m40", default=True, aliases="Tesla M40|M40",
         pick=("mlco2", "Tesla M40 24GB"), ccf=None),
    # NVIDIA workstation and consumer
    dict(name="NVIDIA RTX A6000", vendor="NVIDIA", kind="gpu", mem=48, family="a6000", default=True, aliases="A6000",
         pick=("mlco2", "RTX A6000"), ccf=None),
    dict(name="NVIDIA RTX A5000", vendor="NVIDIA", kind="gpu", mem=24, family="a5000", default=True, aliases="A5000",
         pick=("mlco2", "RTX A5000"), ccf=None),
    dict(name="NVIDIA Quadro RTX 8000", vendor="NVIDIA", kind="gpu", mem=48, family="rtx8000", default=True,
         aliases="RTX 8000", pick=("mlco2", "RTX 8000"), ccf=None),
    dict(name="NVIDIA Quadro P6000", vendor="NVIDIA", kind="gpu", mem=24, family="p6000", default=True, aliases="",
         pick=("mlco2", "Quadro P6000"), ccf=None),
    dict(name="NVIDIA Quadro K6000", vendor="NVIDIA", kind="gpu", mem=12, family="k6000", default=True, aliases="",
         pick=("mlco2", "Quadro K6000"), ccf=None),
    dict(name="NVIDIA GeForce RTX 4090", vendor="NVIDIA", kind="gpu", mem=24, family="4090", default=True, aliases="",
         pick=("mlco2", "RTX 4090"), ccf=None),
    dict(name="NVIDIA GeForce RTX 3090", vendor="NVIDIA", kind="gpu", mem=24, family="3090", default=True, aliases="",
         pick=("mlco2", "RTX 3090"), ccf=None),
    dict(name="NVIDIA GeForce RTX 3080 Ti", vendor="NVIDIA", kind="gpu", mem=12, family="3080ti", default=True, aliases="",
         pick=("mlco2", "RTX 3080 TI"), ccf=None),
    dict(name="NVIDIA GeForce RTX 3080", vendor="NVIDIA", kind="gpu", mem=10, family="3080", default=True, aliases="",
         pick=("mlco2", "RTX 3080"), ccf=None),
    dict(name="NVIDIA GeForce RTX 2080 Ti", vendor="NVIDIA", kind="gpu", mem=11, family="2080ti", default=True, aliases="",
         pick=("mlco2", "RTX 2080 Ti"), also=[("ga", "NVIDIA RTX 2080 Ti")], ccf=None),
    dict(name="NVIDIA GeForce RTX 2080", vendor="NVIDIA", kind="gpu", mem=8, family="2080", default=True, aliases="",
         pick=("mlco2", "RTX 2080"), also=[("ga", "NVIDIA RTX 2080")], ccf=None),
    dict(name="NVIDIA GeForce GTX 1080 Ti", vendor="NVIDIA", kind="gpu", mem=11, family="1080ti", default=True, aliases="",
         pick=("mlco2", "GTX 1080 Ti"), also=[("ga", "NVIDIA GTX 1080 Ti")], ccf=None),
    dict(name="NVIDIA GeForce GTX 1080", vendor="NVIDIA", kind="gpu", mem=8, family="1080", default=True, aliases="",
         pick=("mlco2", "GTX 1080"), also=[("ga", "NVIDIA GTX 1080")], ccf=None),
    dict(name="NVIDIA GeForce GTX 1660 (Gigabyte OC)", vendor="NVIDIA", kind="gpu", mem=6, family="1660", default=True,
         aliases="GTX 1660|GIGABYTE GTX 1660 OC", pick=("mlco2", "GIGABYTE GTX 1660 OC"), ccf=None),
    dict(name="NVIDIA Titan RTX", vendor="NVIDIA", kind="gpu", mem=24, family="titanrtx", default=True, aliases="",
         pick=("mlco2", "Titan RTX"), ccf=None),
    dict(name="NVIDIA Titan V", vendor="NVIDIA", kind="gpu", mem=12, family="titanv", default=True, aliases="",
         pick=("mlco2", "Titan V"), also=[("ga", "NVIDIA Titan V")], ccf=None),
    dict(name="NVIDIA Titan Xp", vendor="NVIDIA", kind="gpu", mem=12, family="titanxp", default=True, aliases="",
         pick=("mlco2", "Titan Xp"), ccf=None),
    dict(name="NVIDIA Titan X Pascal", vendor="NVIDIA", kind="gpu", mem=12, family="titanxpascal", default=True,
         aliases="TITAN X (Pascal)", pick=("mlco2", "TITAN X Pascal"), also=[("ga", "NVIDIA TITAN X Pascal")], ccf=None),
    dict(name="NVIDIA GeForce GTX Titan X", vendor="NVIDIA", kind="gpu", mem=12, family="titanx", default=True,
         aliases="GTX TITAN X|Titan X Maxwell", pick=("mlco2", "GTX TITAN X"), also=[("ga", "NVIDIA GTX TITAN X")], ccf=None),
    dict(name="NVIDIA Jetson AGX Xavier", vendor="NVIDIA", kind="gpu", mem=None, family="xavier", default=True,
         aliases="AGX Xavier", pick=("mlco2", "AGX Xavier"), also=[("ga", "NVIDIA Jetson AGX Xavier")], ccf=None),
    # AMD
    dict(name="AMD Instinct MI300X", vendor="AMD", kind="gpu", mem=192, family="mi300x", default=True, aliases="MI300X",
         pick=("curated", (750, "https://www.amd.com/en/products/accelerators/instinct/mi300/mi300x.html", 2023)), ccf=None),
    dict(name="AMD Instinct MI250X", vendor="AMD", kind="gpu", mem=128, family="mi250x", default=True, aliases="MI250X",
         pick=("curated", (500, "https://www.amd.com/en/products/accelerators/instinct/mi200/mi250x.html", 2021)), ccf=None,
         note="typical board power 500 W; 560 W peak"),
    dict(name="AMD Instinct MI250", vendor="AMD", kind="gpu", mem=128, family="mi250", default=True, aliases="MI250",
         pick=("curated", (500, "https://www.amd.com/en/products/accelerators/instinct/mi200/mi250.html", 2021)), ccf=None,
         note="typical board power 500 W; 560 W peak"),
    dict(name="AMD Instinct MI210", vendor="AMD", kind="gpu", mem=64, family="mi210", default=True, aliases="MI210",
         pick=("curated", (300, "https://www.amd.com/en/products/accelerators/instinct/mi200/mi210.html", 2022)), ccf=None),
    dict(name="AMD Instinct MI100", vendor="AMD", kind="gpu", mem=32, family="mi100", default=True, aliases="MI100",
         pick=("curated", (300, "https://www.amd.com/en/products/accelerators/instinct/mi100.html", 2020)), ccf=None),
    dict(name="AMD Radeon RX 480", vendor="AMD", kind="gpu", mem=8, family="rx480", default=True, aliases="RX480|AMD RX480",
         pick=("mlco2", "AMD RX480"), also=[("ga", "AMD RX480")], ccf=None),
    # Google TPU (per chip)
    dict(name="Google TPU v2", vendor="Google", kind="tpu", mem=None, family="tpuv2", default=True, aliases="TPUv2|TPU v2 Chip",
         pick=("mlco2", "TPUv2 Chip"), also=[("ga", "TPU v2")], ccf=None,
         note="ML CO2 Impact's figure is measured average draw (Patterson et al. 2021), not TDP"),
    dict(name="Google TPU v3", vendor="Google", kind="tpu", mem=None, family="tpuv3", default=True, aliases="TPUv3|TPU v3 Chip",
         pick=("mlco2", "TPUv3 Chip"), also=[("ga", "TPU v3")], ccf=None,
         note="ML CO2 Impact's figure is measured average draw (Patterson et al. 2021), not TDP"),
    dict(name="Google TPU v4", vendor="Google", kind="tpu", mem=32, family="tpuv4", default=True, aliases="TPUv4",
         pick=("ga", "TPU v4"), ccf=None),
]


def _mlco2(shared: Path) -> dict[str, dict]:
    with (shared / "mlco2-impact" / "gpus.csv").open(newline="", encoding="utf-8") as f:
        return {r["name"].strip(): {k.strip(): (v or "").strip() for k, v in r.items()} for r in csv.DictReader(f)}


def _ga(shared: Path) -> dict[str, dict]:
    with (shared / "green-algorithms-v3" / "TDP_gpu.csv").open(newline="", encoding="utf-8") as f:
        next(f)  # units line
        return {r["model"].strip(): {k.strip(): (v or "").strip() for k, v in r.items()} for r in csv.DictReader(f)}


def _ccf_gpu_watts(shared: Path) -> dict[str, tuple[float, float]]:
    mn: dict[str, float] = {}
    mx: dict[str, float] = {}
    with (shared / "cloud-carbon-footprint" / "ccf-app-constants" / "ccf_constants.csv").open(newline="") as f:
        for r in csv.DictReader(f):
            key = r["key"]
            if not (key.startswith("NVIDIA") or key.startswith("AMD_RADEON")):
                continue
            if r["metric"] == "min_watts_by_compute_processor":
                mn[key] = float(r["value"])
            elif r["metric"] == "max_watts_by_compute_processor":
                mx[key] = float(r["value"])
    return {k: (mn[k], mx[k]) for k in mn if k in mx}


def _tdp(src: str, key: str, ml: dict, ga: dict) -> tuple[float, str, str, int, str]:
    """(tdp_w, source, license, year, upstream_ref)."""
    if src == "mlco2":
        r = ml[key]
        return float(r["tdp_watts"]), f"{MLCO2[0]} row '{key}'", MLCO2[1], 2026, r.get("source", "")
    r = ga[key]
    return float(r["TDP"]), f"{GA[0]} row '{key}'", GA[1], 2025, r.get("source", "")


def build_gpus(shared: Path, out: Path) -> None:
    ml, ga, ccf = _mlco2(shared), _ga(shared), _ccf_gpu_watts(shared)
    ratios = [a / b for a, b in ccf.values() if b > 0]
    idle_ratio = statistics.median(ratios)
    rows = []
    for g in GPUS:
        how, what = g["pick"]
        if how == "curated":
            tdp, url, year = what
            source, lic, ref = f"{DATASHEET}: {url}", "fact (vendor datasheet)", url
        else:
            tdp, source, lic, year, ref = _tdp(how, what, ml, ga)
            if ref and ref.startswith("http"):
                source += f" citing {ref.strip()}"
        notes = []
        for a_how, a_key in g.get("also", []):
            a_tdp = _tdp(a_how, a_key, ml, ga)[0]
            if abs(a_tdp - tdp) > 1e-9:
                notes.append(f"{'ML CO2 Impact' if a_how == 'mlco2' else 'Green Algorithms'} '{a_key}' lists {a_tdp:g} W")
        if g.get("note"):
            notes.append(g["note"])
        mem = g["mem"]
        if mem is None and how == "mlco2":
            m = ml[what].get("memory", "")
            mem = float(m) if re.fullmatch(r"\d+(\.\d+)?", m or "") else None
        if g["ccf"] and g["ccf"] in ccf:
            lo, hi = ccf[g["ccf"]]
            idle_w = round(lo, 2)
            idle_src = f"{CCF_IDLE} {g['ccf']} {lo:g} W ({CCF_LICENSE})"
        else:
            idle_w = round(tdp * idle_ratio, 1)
            idle_src = (f"derived: TDP x {idle_ratio:.3f}, the median min/max watts ratio of the {len(ratios)} GPUs in "
                        f"Cloud Carbon Footprint's tables ({CCF_LICENSE})")
        rows.append([g["name"], g["vendor"], g["kind"], g["family"], "yes" if g.get("default") else "", g["aliases"],
                     tdp, idle_w, idle_src, mem, EMBODIED_KG, EMBODIED_SRC, LIFETIME_Y, LIFETIME_SRC,
                     source, lic, year, "; ".join(notes)])
    write_csv(out / "gpus.csv",
              ["name", "vendor", "kind", "family", "family_default", "aliases", "tdp_w", "idle_w", "idle_source",
               "memory_gb", "embodied_kgco2e", "embodied_source", "lifetime_years", "lifetime_source", "source",
               "license", "year", "notes"],
              rows,
              comment=("Accelerator catalogue: TDP (W), idle power (W), memory (GB), embodied kgCO2e per card, lifetime.\n"
                       "Derived by scripts/wwtables/hardware.py from ../shared/data (mlco2-impact, green-algorithms-v3,\n"
                       "cloud-carbon-footprint) plus vendor datasheet figures cited per row; do not edit by hand."))


# -- instances ------------------------------------------------------------------------------

AWS_DOC = "https://aws.amazon.com/ec2/instance-types/"
GCP_DOC = "https://cloud.google.com/compute/docs/gpus"
AZ_DOC = "https://learn.microsoft.com/azure/virtual-machines/sizes/gpu-accelerated/"
_G5_COUNTS = {"xlarge": 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "16xlarge": 1, "12xlarge": 4, "24xlarge": 4,
              "48xlarge": 8}

# AWS family -> (GPU catalogue name, count rule): "ccf" = CCF's per-instance GPU count; a dict: by size;
# an int: fixed. K80 (p2) and M60/K520/V520 families are left out: their "GPU" is half a board,
# which the catalogue (per board) cannot price honestly.
AWS_GPU = {
    "p3": ("NVIDIA V100 SXM2 16GB", "ccf", AWS_DOC + "p3/"),
    "p3dn": ("NVIDIA V100 SXM2 32GB", "ccf", AWS_DOC + "p3/"),
    "p4d": ("NVIDIA A100 SXM4 40GB", 8, AWS_DOC + "p4/"),
    "p4de": ("NVIDIA A100 SXM4 80GB", 8, AWS_DOC + "p4/"),
    "p5": ("NVIDIA H100 SXM5 80GB", {"48xlarge": 8, "4xlarge": 1}, AWS_DOC + "p5/"),
    "p5e": ("NVIDIA H200 SXM 141GB", 8, AWS_DOC + "p5/"),
    "p5en": ("NVIDIA H200 SXM 141GB", 8, AWS_DOC + "p5/"),
    "p6-b200": ("NVIDIA B200 180GB", 8, AWS_DOC + "p6/"),
    "g4dn": ("NVIDIA T4", "ccf", AWS_DOC + "g4/"),
    "g5": ("NVIDIA A10G", _G5_COUNTS, AWS_DOC + "g5/"),
    "g6": ("NVIDIA L4", _G5_COUNTS, AWS_DOC + "g6/"),
    "g6e": ("NVIDIA L40S", _G5_COUNTS, AWS_DOC + "g6e/"),
}
AWS_SKIP_FAMILIES = {"p2", "g2", "g3", "g3s", "g4ad", "g5g", "g6f", "gr6", "gr6f", "g7e", "p6-b300", "p6e-gb200",
                     "inf1", "inf2", "trn1", "trn1n", "trn2", "dl1", "dl2q", "f1", "f2", "vt1"}

GCP_FAMILIES = {  # machine-type prefix -> GPU, count from the '-Ng' suffix or a size table
    "a2-highgpu": ("NVIDIA A100 SXM4 40GB", None),
    "a2-megagpu": ("NVIDIA A100 SXM4 40GB", None),
    "a2-ultragpu": ("NVIDIA A100 SXM4 80GB", None),
    "a3-highgpu": ("NVIDIA H100 SXM5 80GB", None),
    "a3-megagpu": ("NVIDIA H100 SXM5 80GB", None),
    "a3-edgegpu": ("NVIDIA H100 SXM5 80GB", None),
    "a3-ultragpu": ("NVIDIA H200 SXM 141GB", None),
    "g2-standard": ("NVIDIA L4", {"4": 1, "8": 1, "12": 1, "16": 1, "32": 1, "24": 2, "48": 4, "96": 8}),
}
GCP_SKIP = ("a4-", "ct", "tpu")

AZ_SERIES = {  # CCF Azure series -> GPU (NV-series M60 and NC-series K80 left out: half boards)
    "NCas_T4_v3 Series": ("NVIDIA T4", AZ_DOC + "nc-family"),
    "NCsv2-series": ("NVIDIA P100 PCIe 16GB", AZ_DOC + "nc-family"),
    "NCsv3-series": ("NVIDIA V100 PCIe 16GB", AZ_DOC + "nc-family"),
    "NDs-series": ("NVIDIA P40", AZ_DOC + "nd-family"),
    "NDv2 Series": ("NVIDIA V100 SXM2 32GB", AZ_DOC + "nd-family"),
}
# Azure GPU sizes Cloud Carbon Footprint's table lacks, from Azure's size pages:
# (name, gpu, count, vcpus, memory GiB, cpu model, url)
AZ_CURATED = [
    ("Standard_ND96asr_v4", "NVIDIA A100 SXM4 40GB", 8, 96, 900, "AMD EPYC 7V12", AZ_DOC + "nd-family/ndasrav4-series"),
    ("Standard_ND96amsr_A100_v4", "NVIDIA A100 SXM4 80GB", 8, 96, 1900, "AMD EPYC 7V12", AZ_DOC + "nd-family/ndma100v4-series"),
    ("Standard_ND96isr_H100_v5", "NVIDIA H100 SXM5 80GB", 8, 96, 1900, "Intel Xeon Platinum 8480C", AZ_DOC + "nd-family/ndh100v5-series"),
    ("Standard_NC24ads_A100_v4", "NVIDIA A100 PCIe 80GB", 1, 24, 220, "AMD EPYC 7V13", AZ_DOC + "nc-family/nca100v4-series"),
    ("Standard_NC48ads_A100_v4", "NVIDIA A100 PCIe 80GB", 2, 48, 440, "AMD EPYC 7V13", AZ_DOC + "nc-family/nca100v4-series"),
    ("Standard_NC96ads_A100_v4", "NVIDIA A100 PCIe 80GB", 4, 96, 880, "AMD EPYC 7V13", AZ_DOC + "nc-family/nca100v4-series"),
]

CCF_DATA = "ccf-coefficients@b0032d9"


def _read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def _num(v) -> float | None:
    if v is None:
        return None
    s = str(v).strip().replace(",", ".")
    try:
        return float(s)
    except ValueError:
        return None


def _host(emb: dict | None) -> tuple[float | None, float]:
    """(platform embodied kgCO2e without GPU cards, platform GPU count) from a CCF embodied row."""
    if not emb:
        return None, 0
    total, gpus = _num(emb["total"]), _num(emb["additional_gpus"]) or 0.0
    if total is None:
        return None, 0
    return round(total - gpus, 2), round(gpus / EMBODIED_KG)


def build_instances(shared: Path, out: Path) -> None:
    base = shared / "cloud-carbon-footprint" / "ccf-coefficients"
    rows: list[list] = []
    known_gpus = {g["name"] for g in GPUS}

    # AWS
    old = {r["Instance type"]: r for r in _read(base / "data" / "aws-instances.csv")}
    emb = {r["type"]: r for r in _read(base / "output" / "coefficients-aws-embodied.csv")}
    for r in _read(base / "data" / "aws-instances-latest-2026.csv"):
        name = r["Instance Type"].strip()
        fam, _, size = name.partition(".")
        if fam in AWS_SKIP_FAMILIES:
            continue
        o = old.get(name, {})
        gpu, count, url = None, 0, None
        if fam in AWS_GPU:
            gpu, rule, url = AWS_GPU[fam]
            if rule == "ccf":
                count = int(_num(o.get("Instance Number of GPU")) or 0)
            elif isinstance(rule, dict):
                count = rule.get(size, 0)
            else:
                count = rule
            if not count:
                continue  # a size the documentation table does not cover: leave it out, never guess
        elif r["Category"].startswith("Accelerated") or (o.get("Platform GPU Name") or "N/A") not in ("N/A", ""):
            continue  # an accelerator we cannot price: leave the type out rather than count only its CPUs
        host, pgpus = _host(emb.get(name))
        pv = _num(o.get("Platform Total Number of vCPU"))
        src = f"CCF aws-instances-latest-2026, aws-embodied ({CCF_DATA})"
        if gpu:
            src += f"; GPU: {url}"
        rows.append(["aws", name, gpu or "", count, r["Platform CPU Name"].strip(), int(_num(r["vCPUs"])),
                     _num(r["Memory (GiB)"]), pv, pgpus or (count if gpu else 0), host, src,
                     "Apache-2.0", 2026])

    # GCP
    gold = {}
    for r in _read(base / "data" / "gcp-instances.csv"):
        gold.setdefault(r["Machine type"], r)
    gemb = {r["type"]: r for r in _read(base / "output" / "coefficients-gcp-embodied.csv")}
    seen = set()
    for r in _read(base / "data" / "gcp-instances-latest-2026.csv"):
        name = r["Instance Type"].strip()
        if name in seen or name.startswith(GCP_SKIP):
            continue
        seen.add(name)
        gpu, count = None, 0
        for prefix, (g, sizes) in GCP_FAMILIES.items():
            if name.startswith(prefix + "-"):
                gpu = g
                suffix = name[len(prefix) + 1:]
                if sizes is None:
                    m = re.fullmatch(r"(\d+)g", suffix)
                    count = int(m.group(1)) if m else 0
                else:
                    count = sizes.get(suffix, 0)
        if gpu and not count:
            continue
        o = gold.get(name, {})
        if not gpu and (_num(o.get("Instance GPUs")) or 0) > 0:
            continue
        host, pgpus = _host(gemb.get(name))
        src = f"CCF gcp-instances-latest-2026, gcp-embodied ({CCF_DATA})"
        if gpu:
            src += f"; GPU: {GCP_DOC}"
        rows.append(["gcp", name, gpu or "", count, r["CPU Name"].strip(), int(_num(r["Instance vCPU"])),
                     _num(r["Instance Memory"]), _num(o.get("Platform vCPUs (highest vCPU possible)")),
                     pgpus or (count if gpu else 0), host, src,
                     "Apache-2.0", 2026])

    # Azure
    aemb = {r["type"]: r for r in _read(base / "output" / "coefficients-azure-embodied.csv")}
    for r in _read(base / "data" / "azure-instances.csv"):
        vm = r["Virtual Machine"].strip()
        if "Promo" in vm:
            continue
        name = "Standard_" + vm.replace(" ", "_")
        gcount = int(_num(r.get("Instance GPUs")) or 0)
        gpu, url = None, None
        if gcount:
            if r["Series"] not in AZ_SERIES:
                continue
            gpu, url = AZ_SERIES[r["Series"]]
        host, pgpus = _host(aemb.get(vm))
        src = f"CCF azure-instances, azure-embodied ({CCF_DATA})"
        if gpu:
            src += f"; GPU: {url}"
        arch = r.get("Microarchitecture", "").strip()
        rows.append(["azure", name, gpu or "", gcount, "" if arch in ("", "Unknown") else arch,
                     int(_num(r["Instance vCPUs"])), _num(r["Instance Memory"]),
                     _num(r["Platform vCPUs (highest vCPU possible)"]), pgpus or gcount, host, src,
                     "Apache-2.0", 2026])
    have = {r[1].lower() for r in rows}
    for name, gpu, count, vcpus, mem, cpu, url in AZ_CURATED:
        if name.lower() in have:
            continue
        rows.append(["azure", name, gpu, count, cpu, vcpus, mem, vcpus, count, None,
                     f"Azure documentation {url}", "fact (provider documentation)", 2024])

    for r in rows:
        if r[2] and r[2] not in known_gpus:
            raise ValueError(f"instance {r[1]}: GPU {r[2]!r} is not in the catalogue")
    rows.sort(key=lambda r: (r[0], r[1].lower()))
    write_csv(out / "instances.csv",
              ["provider", "instance", "accelerator", "accelerator_count", "cpu_model", "vcpus", "memory_gb",
               "platform_vcpus", "platform_gpus", "host_embodied_kgco2e", "source", "license", "year"],
              rows,
              comment=("Cloud instance types -> accelerator x count, CPU, vCPUs, memory (GB; GiB as the provider lists it),\n"
                       "host platform embodied kgCO2e without GPU cards. CCF = Cloud Carbon Footprint (Apache-2.0); GPU model per\n"
                       "the provider's documentation (URL in source). Derived by scripts/wwtables/hardware.py; do not edit."))


def build(shared: Path, out: Path) -> None:
    build_gpus(shared, out)
    build_instances(shared, out)
