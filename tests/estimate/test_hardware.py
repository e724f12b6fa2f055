"""Hardware catalogue: fuzzy matching with confidence, user catalogues, instance types, table sanity."""
from __future__ import annotations

import pytest

from wattwise import hardware
from wattwise._data import table
from wattwise.errors import UsageError


@pytest.mark.parametrize("query,name,confidence", [
    ("a100 80gb", "NVIDIA A100 SXM4 80GB", "exact"),
    ("NVIDIA A100-SXM4-80GB", "NVIDIA A100 SXM4 80GB", "exact"),  # nvidia-smi's name
    ("A100-80GB", "NVIDIA A100 SXM4 80GB", "exact"),
    ("NVIDIA A100-SXM4-40GB", "NVIDIA A100 SXM4 40GB", "exact"),
    ("A100-PCIE-40GB", "NVIDIA A100 PCIe 40GB", "exact"),
    ("a100 pcie 80gb", "NVIDIA A100 PCIe 80GB", "exact"),
    ("H100", "NVIDIA H100 SXM5 80GB", "medium"),
    ("h100 pcie", "NVIDIA H100 PCIe 80GB", "exact"),
    ("NVIDIA H100 80GB HBM3", "NVIDIA H100 SXM5 80GB", "exact"),
    ("Tesla V100-SXM2-32GB", "NVIDIA V100 SXM2 32GB", "exact"),
    ("Tesla T4", "NVIDIA T4", "exact"),
    ("RTX 3080 Ti", "NVIDIA GeForce RTX 3080 Ti", "exact"),
    ("rtx 3080", "NVIDIA GeForce RTX 3080", "exact"),
    ("Titan RTX", "NVIDIA Titan RTX", "exact"),
    ("TPUv3", "Google TPU v3", "exact"),
    ("tpu-v4", "Google TPU v4", "exact"),
    ("MI250X", "AMD Instinct MI250X", "exact"),
    ("a100 80", "NVIDIA A100 SXM4 80GB", "medium"),  # a bare number is read as GB
])
def test_match_gpu(query, name, confidence):
    m = hardware.match_gpu(query)
    assert (m.item.name, m.confidence) == (name, confidence)


def test_ambiguous_family_reports_alternatives():
    m = hardware.match_gpu("A100")
    assert m.confidence == "medium"
    assert m.item.name == "NVIDIA A100 SXM4 80GB"  # the family default
    assert set(m.alternatives) == {"NVIDIA A100 SXM4 40GB", "NVIDIA A100 PCIe 40GB", "NVIDIA A100 PCIe 80GB"}
    assert "family default" in m.why


def test_qualifiers_never_match_a_different_part():
    """'80gb' must not pick a 40 GB card, 'ti' not a non-Ti card: every typed token must be in the match."""
    assert hardware.match_gpu("A100 40GB").item.memory_gb == 40
    assert "Ti" not in hardware.match_gpu("RTX 3080").item.name
    with pytest.raises(UsageError, match="unknown GPU 'T4 80GB'"):
        hardware.match_gpu("T4 80GB")


def test_unknown_gpu_suggests():
    with pytest.raises(UsageError) as ei:
        hardware.match_gpu("rtx 5090")
    msg = str(ei.value)
    assert "unknown GPU 'rtx 5090'" in msg and "did you mean" in msg and "RTX 4090" in msg
    assert "\n" not in msg


def test_user_catalogue_adds_and_overrides(tmp_path):
    f = tmp_path / "mine.csv"
    f.write_text("name,kind,tdp_w,idle_w,embodied_kgco2e,aliases,source\n"
                 "Acme X1,gpu,123,11,90,x1|acme-x1,Acme datasheet 2025\n"
                 "NVIDIA A100 SXM4 80GB,gpu,350,,,,our lab's power cap\n"
                 "Acme CPU 9,cpu,95,,,,Acme CPU sheet\n")
    cat = hardware.catalogue(f)
    m = cat.match_gpu("acme-x1")
    assert (m.item.tdp_w, m.item.idle_w, m.item.embodied_kgco2e, m.confidence) == (123, 11, 90, "user")
    assert m.item.source == "Acme datasheet 2025"
    assert cat.match_gpu("NVIDIA A100 SXM4 80GB").item.tdp_w == 350  # user row wins
    assert cat.match_gpu("h100").item.tdp_w == 700  # bundled rows still there
    assert cat.match_cpu("Acme CPU 9").item.tdp_w == 95
    # the bundled-only catalogue is unaffected
    assert hardware.match_gpu("NVIDIA A100 SXM4 80GB").item.tdp_w == 400


@pytest.mark.parametrize("content,msg", [
    ("name,watts\nX,1\n", "lacks column"),
    ("name,tdp_w\nX,-5\n", "line 2"),
    ("name,tdp_w\n", "no rows"),
    ("name,kind,tdp_w\nX,fpga,10\n", "kind 'fpga'"),
])
def test_user_catalogue_errors(tmp_path, content, msg):
    f = tmp_path / "bad.csv"
    f.write_text(content)
    with pytest.raises(UsageError, match=msg):
        hardware.catalogue(f)


def test_user_catalogue_missing_file(tmp_path):
    with pytest.raises(UsageError, match="catalogue file not found"):
        hardware.catalogue(tmp_path / "nope.csv")


def test_match_cpu_with_cores():
    m = hardware.match_cpu("Xeon E5-2683 v4")
    assert (m.item.tdp_w, m.item.cores) == (120, 16)
    assert 0 < m.item.idle_fraction < 1 and "idle" in m.item.idle_source
    with pytest.raises(UsageError, match="unknown CPU"):
        hardware.match_cpu("AMD EPYC")  # no model number: never guess a socket


@pytest.mark.parametrize("query,provider,gpu,count,vcpus", [
    ("p4d.24xlarge", "aws", "NVIDIA A100 SXM4 40GB", 8, 96),
    ("p5.48xlarge", "aws", "NVIDIA H100 SXM5 80GB", 8, 192),
    ("g5.12xlarge", "aws", "NVIDIA A10G", 4, 48),
    ("a2-highgpu-8g", "gcp", "NVIDIA A100 SXM4 40GB", 8, 96),
    ("a2-ultragpu-8g", "gcp", "NVIDIA A100 SXM4 80GB", 8, 96),
    ("Standard_ND96asr_v4", "azure", "NVIDIA A100 SXM4 40GB", 8, 96),
    ("nd96asr_v4", "azure", "NVIDIA A100 SXM4 40GB", 8, 96),
    ("Standard_NC6s_v3", "azure", "NVIDIA V100 PCIe 16GB", 1, 6),
    ("m5.large", "aws", None, 0, 2),
])
def test_instances(query, provider, gpu, count, vcpus):
    i = hardware.instance(query)
    assert (i.provider, i.accelerator, i.accelerator_count, i.vcpus) == (provider, gpu, count, vcpus)
    assert i.memory_gb and i.source and i.license


def test_unknown_instance_suggests():
    with pytest.raises(UsageError, match="did you mean 'p4d.24xlarge'"):
        hardware.instance("p4d.24xl")


def test_catalogue_rows_are_complete_and_cited():
    names = set()
    for a in hardware.accelerators():
        assert a.tdp_w > 0 and a.source and a.license and a.year, a.name
        assert a.idle_w is not None and 0 < a.idle_w < a.tdp_w and a.idle_source, a.name
        assert a.embodied_kgco2e and a.embodied_source and a.lifetime_years, a.name
        assert a.name not in names
        names.add(a.name)
    assert {"nvidia", "amd", "google"} <= {a.vendor.lower() for a in hardware.accelerators()}
    for r in table("instances.csv"):
        if r["accelerator"]:
            assert r["accelerator"] in names, r["instance"]
            assert int(r["accelerator_count"]) >= 1
        assert r["source"] and r["license"]


def test_no_agpl_or_odbl_source_is_shipped():
    """Boavizta's API data is AGPL-3.0 and its footprint data ODbL: test inputs only, never in shipped tables."""
    for name in ("gpus.csv", "instances.csv", "estimate_factors.csv", "country_locations.csv"):
        for r in table(name):
            blob = " ".join(str(v) for v in r.values()).lower()
            assert "boavizta" not in blob and "agpl" not in blob and "odbl" not in blob, (name, r)
