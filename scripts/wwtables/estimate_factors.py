"""estimate_factors.csv: the constants ``wattwise estimate`` assumes, one row each, with sources.

- PUE defaults: per cloud provider (Cloud Carbon Footprint's ``pue_average``, Apache-2.0) and
  for an unknown data centre (Uptime Institute 2024 via Green Algorithms' defaults_PUE.csv,
  CC BY 4.0).
- Memory power (Green Algorithms referenceValues.csv, CC BY 4.0).
- Embodied (manufacturing) emissions of the host server: the BLOOM study's GPU-server proxy
  (2,500 kg per server, 8 GPUs per server, 85 % usage; Luccioni, Viguier & Ligozat 2023) and
  Cloud Carbon Footprint's component constants for CPU servers (Apache-2.0).
- Equivalents: EPA Greenhouse Gas Equivalencies (US government work, public domain; the values
  Dodge et al. 2022 quote) and Green Algorithms' flight and tree figures (CC BY 4.0).
"""
from __future__ import annotations

import csv
from pathlib import Path

from ._util import write_csv

OUTPUTS = ["estimate_factors.csv"]

GA_REF = "Green Algorithms referenceValues.csv (GreenAlgorithms/green-algorithms-tool@30df2fe)"
GA_PUE = "Green Algorithms defaults_PUE.csv (GreenAlgorithms/green-algorithms-tool@30df2fe)"
CCF = "Cloud Carbon Footprint ccf_constants (cloud-carbon-footprint@b7a049c, ccf-coefficients@b0032d9)"
BLOOM = "Luccioni, Viguier & Ligozat 2023, Estimating the Carbon Footprint of BLOOM, JMLR 24(253), Sec. 4.1"
EPA = "US EPA Greenhouse Gas Equivalencies Calculator, as quoted in Dodge et al. 2022 (FAccT '22)"
MILE_KM = 1.609344


def _ga_ref(shared: Path) -> dict[str, tuple[float, str]]:
    with (shared / "green-algorithms-v3" / "referenceValues.csv").open(newline="", encoding="utf-8") as f:
        next(f)
        return {r["variable"]: (float(r["value"]), r["source"]) for r in csv.DictReader(f)}


def _ga_pue(shared: Path) -> dict[str, tuple[float, str]]:
    with (shared / "green-algorithms-v3" / "defaults_PUE.csv").open(newline="", encoding="utf-8") as f:
        next(f)
        return {r["provider"]: (float(r["PUE"]), r["source"]) for r in csv.DictReader(f)}


def _ccf(shared: Path) -> dict[tuple[str, str], float]:
    out = {}
    with (shared / "cloud-carbon-footprint" / "ccf-app-constants" / "ccf_constants.csv").open(newline="") as f:
        for r in csv.DictReader(f):
            if r["key"] == "*":
                out[(r["provider"], r["metric"])] = float(r["value"])
    return out


def build(shared: Path, out: Path) -> None:
    ref, pue, ccf = _ga_ref(shared), _ga_pue(shared), _ccf(shared)
    rows: list[list] = []

    def add(key, value, unit, source, lic, year, note=""):
        rows.append([key, value, unit, source, lic, year, note])

    for prov in ("aws", "azure", "gcp", "alibaba"):
        add(f"pue:{prov}", ccf[(prov, "pue_average")], "ratio", f"{CCF}: {prov} pue_average", "Apache-2.0", 2024,
            "provider fleet average, used when the cloud region has no figure of its own")
    u = pue["Unknown"]
    add("pue:unknown", u[0], "ratio", f"{GA_PUE}: Uptime Institute Global Data Center Survey 2024 average ({u[1].split()[-1]})",
        "CC BY 4.0", 2024, "an unknown data centre; pass --pue 1 for a workstation")
    m = ref["memoryPower"]
    add("ram_w_per_gb", m[0], "W/GB", f"{GA_REF}: memoryPower ({m[1]})", "CC BY 4.0", 2021)

    add("embodied:gpu_server_kgco2e", 2500.0, "kgCO2e per server, GPUs excluded", f"{BLOOM}: HPE ProLiant DL345 Gen10 Plus LCA proxy",
        "CC BY 4.0", 2023, "[S] figure per secondary sources; the paper's server for 8 A100s")
    add("embodied:gpus_per_server", 8.0, "GPUs per server", f"{BLOOM}: 8 A100s per Jean Zay node", "CC BY 4.0", 2023)
    add("embodied:usage", 0.85, "fraction of lifetime in use", f"{BLOOM}: 85 % average usage (IDRIS figure)", "CC BY 4.0", 2023,
        "hours of use over which manufacturing is amortised = lifetime x 8760 x usage")
    add("embodied:cpu_server_base_kgco2e", ccf[("*", "embodied_base_rack_server")],
        "kgCO2e per rack server (one socket, 16 GB)", f"{CCF}: embodied_base_rack_server", "Apache-2.0", 2026)
    add("embodied:additional_cpu_kgco2e", ccf[("*", "embodied_additional_cpu")], "kgCO2e per additional CPU",
        f"{CCF}: embodied_additional_cpu", "Apache-2.0", 2026)
    add("embodied:dram_threshold_gb", ccf[("*", "embodied_dram_threshold")], "GB included in the base server",
        f"{CCF}: embodied_dram_threshold", "Apache-2.0", 2026)
    add("embodied:dram_kgco2e_per_gb", ccf[("*", "embodied_dram_per_gb")], "kgCO2e per GB above the threshold",
        f"{CCF}: embodied_dram_per_gb (533 kg / 384 GB, Dell PowerEdge R740 LCA)", "Apache-2.0", 2026)
    add("embodied:server_lifetime_years", ccf[("*", "embodied_rack_server_lifespan")], "years",
        f"{CCF}: embodied_rack_server_lifespan", "Apache-2.0", 2026)

    add("equiv:car_g_per_km", round(3.98e-4 * 1e6 / MILE_KM, 2), "gCO2e per km",
        f"{EPA}: 3.98e-4 tCO2e per mile driven by an average US passenger vehicle", "public domain (US government work)", 2022)
    add("equiv:phone_charge_g", 8.22, "gCO2e per smartphone charge",
        f"{EPA}: 8.22e-6 tCO2e per smartphone charged", "public domain (US government work)", 2022)
    for key, label in (("flight_PAR-LON", "flight Paris-London, one passenger"), ("flight_NY-SF", "flight New York-San Francisco, one passenger"),
                       ("flight_NYC-MEL", "flight New York-Melbourne, one passenger")):
        v = ref[key]
        add(f"equiv:{key.lower()}_g", v[0], f"gCO2e per {label}", f"{GA_REF}: {key} ({v[1]})", "CC BY 4.0", 2022)
    t = ref["tree_month"]
    add("equiv:tree_month_g", t[0], "gCO2e sequestered by a tree in a month", f"{GA_REF}: tree_month ({t[1]})", "CC BY 4.0", 2022)

    write_csv(out / "estimate_factors.csv", ["key", "value", "unit", "source", "license", "year", "note"], rows,
              comment=("Constants used by wattwise estimate: PUE defaults, memory power, embodied-emission factors,\n"
                       "equivalents. Derived by scripts/wwtables/estimate_factors.py; do not edit by hand."))
