"""wattwise.estimate(): the arithmetic of each term, the assumptions it reports, and bad input."""
from __future__ import annotations

import json

import pytest

import wattwise
from wattwise.errors import UsageError
from wattwise.estimate import factor, parse_intensity

HOURS_PER_YEAR = 8760


def test_dynamic_energy_and_emissions():
    e = wattwise.estimate(gpu="A100-80GB:8", hours=72, intensity=50, pue=1.2)
    assert e.energy_kwh == pytest.approx(8 * 400 * 72 / 1000)
    assert e.facility_energy_kwh == pytest.approx(230.4 * 1.2)
    assert e.emissions_gco2e == pytest.approx(230.4 * 1.2 * 50)
    assert e.idle_j is None and e.embodied_g is None


def test_utilisation_scales_catalogue_power_but_not_a_measured_power():
    half = wattwise.estimate(gpu="A100-80GB:8", hours=10, intensity=50, pue=1, utilization=0.5)
    assert half.energy_kwh == pytest.approx(8 * 200 * 10 / 1000)
    pct = wattwise.estimate(gpu="A100-80GB:8", hours=10, intensity=50, pue=1, utilization="50%")
    assert pct.energy_kwh == pytest.approx(half.energy_kwh)
    meas = wattwise.estimate(gpu="A100-80GB:8", power_w=250, hours=10, intensity=50, pue=1, utilization=0.5)
    assert meas.energy_kwh == pytest.approx(8 * 250 * 10 / 1000)
    assert "user --power-w" in meas.devices[0].power_source


def test_cpu_sockets_cores_and_ram():
    e = wattwise.estimate(cpu=["Xeon Gold 6148:2", "Xeon E5-2683 v4:4c"], ram_gb=128, hours=1, intensity=100, pue=1)
    sockets, cores, ram = e.devices
    assert (sockets.unit, sockets.power_w) == ("socket", 150)
    assert (cores.unit, cores.power_w) == ("core", pytest.approx(7.5))
    assert (ram.unit, ram.power_w) == ("GB", 0.3725)
    assert e.energy_kwh == pytest.approx((2 * 150 + 4 * 7.5 + 128 * 0.3725) / 1000)


def test_idle_hours_and_measured_idle_energy():
    e = wattwise.estimate(gpu="A100-80GB:8", hours=72, intensity=50, pue=1.5, idle_hours=10, idle_kwh=2)
    idle_kwh = 8 * 46 * 10 / 1000 + 2  # CCF's 46 W minimum for an A100, plus the measured 2 kWh
    assert e.breakdown["idle"]["energy_kwh"] == pytest.approx(idle_kwh)
    assert e.breakdown["idle"]["emissions_gco2e"] == pytest.approx(idle_kwh * 1.5 * 50)
    assert e.energy_kwh == pytest.approx(230.4 + idle_kwh)


def test_embodied_is_amortised_per_hour_of_use():
    e = wattwise.estimate(gpu="A100-80GB:8", hours=72, intensity=50, pue=1, embodied=True, idle_hours=8)
    usage = factor("embodied:usage").value
    assert usage == 0.85
    per_gpu_h = 150 / (4 * HOURS_PER_YEAR * usage)
    per_server_h = 2500 / (4 * HOURS_PER_YEAR * usage)
    expected_g = (8 * per_gpu_h + 1 * per_server_h) * (72 + 8) * 1000  # occupied hours include idle time
    assert e.embodied_g == pytest.approx(expected_g)
    assert e.emissions_gco2e == pytest.approx(e.operational_gco2e + expected_g)
    assert {p["unit"] for p in e.breakdown["embodied"]["parts"]} == {"GPU", "server share"}


def test_embodied_cpu_server_follows_ccf_components():
    e = wattwise.estimate(cpu="Xeon Gold 6148:2", ram_gb=64, hours=100, intensity=0, pue=1, embodied=True,
                          lifetime_years=4, embodied_usage=1)
    server_kg = 1000 + 100 * (2 - 1) + 1.388 * (64 - 16)
    assert e.embodied_g == pytest.approx(server_kg / (4 * HOURS_PER_YEAR) * 100 * 1000)


def test_instance_expands_to_gpus_cpus_and_memory():
    e = wattwise.estimate(instance="p4d.24xlarge", hours=10, intensity=100, pue=1, embodied=True)
    kinds = {d.kind: d for d in e.devices}
    assert kinds["gpu"].name == "NVIDIA A100 SXM4 40GB" and kinds["gpu"].count == 8
    assert kinds["cpu"].unit == "vCPU" and kinds["cpu"].count == 96
    assert kinds["ram"].count == 1152
    host = [p for p in e.breakdown["embodied"]["parts"] if p["name"].startswith("host platform")]
    assert host and host[0]["kgco2e_per_unit"] == pytest.approx(3476.79)  # CCF platform minus 8 x 150 kg of GPUs
    two = wattwise.estimate(instance="p4d.24xlarge:2", hours=10, intensity=100, pue=1)
    assert two.energy_kwh == pytest.approx(2 * e.energy_kwh)
    assert e.inputs["instance"]["name"] == "p4d.24xlarge"


def test_default_pue_for_unknown_data_centre():
    e = wattwise.estimate(gpu="T4", hours=1, region="FR")
    assert e.pue == 1.56 and "Uptime Institute" in e.pue_source
    assert wattwise.estimate(gpu="T4", hours=1, region="FR", pue=1.1).pue_source == "user"


def test_cloud_pue_provider_default_or_region_figure(cloud_regions):
    e = wattwise.estimate(gpu="T4", hours=1, region="aws:us-east-1")
    assert e.pue == factor("pue:aws").value == 1.135
    assert "aws fleet average" in e.pue_source
    assert wattwise.estimate(gpu="T4", hours=1, region="aws:eu-north-1").pue == 1.1  # the region's own figure


def test_cloud_alternatives_are_same_provider_and_cleaner(cloud_regions):
    e = wattwise.estimate(gpu="A100-80GB:8", hours=72, region="aws:us-east-1", embodied=True)
    alts = e.alternatives
    assert [a["region"] for a in alts] == ["aws:eu-north-1", "aws:ca-central-1", "aws:us-west-2"]
    for a in alts:
        assert a["region"].startswith("aws:")
        assert a["emissions_gco2e"] < e.emissions_gco2e
        assert a["saving_gco2e"] == pytest.approx(e.emissions_gco2e - a["emissions_gco2e"])
        # same job: same device energy and embodied, the alternative's intensity and PUE
        assert a["emissions_gco2e"] == pytest.approx(e.energy_kwh * a["pue"] * a["g_per_kwh"] + e.embodied_g)
    assert "other aws regions" in e.alternatives_note
    # a restricted-access partition (GovCloud) is not an alternative for a public region, and vice versa
    assert "aws:us-gov-west-1" not in {a["region"] for a in alts}
    gov = wattwise.estimate(gpu="A100-80GB:8", hours=72, region="aws:us-gov-west-1")
    assert gov.alternatives == () and "restricted access" in gov.alternatives_note
    one = wattwise.estimate(gpu="A100-80GB:8", hours=72, region="aws:us-east-1", alternatives=1)
    assert [a["region"] for a in one.alternatives] == ["aws:eu-north-1", "aws:us-west-2"]
    assert one.alternatives[-1]["same_country"] is True  # the cleanest option that keeps data in the US


def test_country_alternatives_are_nearby_and_cleaner():
    e = wattwise.estimate(gpu="A100-80GB:8", hours=72, region="DE", pue=1.2)
    assert len(e.alternatives) == 3
    gs = [a["emissions_gco2e"] for a in e.alternatives]
    assert gs == sorted(gs) and all(g < e.emissions_gco2e for g in gs)
    assert all(a["distance_km"] <= 1500 for a in e.alternatives)
    assert all(a["pue"] == 1.2 for a in e.alternatives)  # the user's PUE applies everywhere
    countries = [a.get("country") or a["region"] for a in e.alternatives]
    assert "NO" in countries  # Norway (or its cleanest bidding zone when zones ship)
    assert len(set(countries)) == len(countries)  # one option per country


def test_zone_alternatives_one_per_foreign_country_and_same_country_zones(zone_regions):
    e = wattwise.estimate(gpu="A100-80GB:8", hours=10, region="US-TEST-DIRTY", pue=1, alternatives=5)
    ids = [a["region"] for a in e.alternatives]
    assert ids[0] == "CA-TEST-HYDRO" and "CA-TEST-HYDRO2" not in ids  # Canada once, its cleanest zone
    assert {"US-TEST-CLEAN1", "US-TEST-CLEAN2"} <= set(ids)  # other zones of the same country all count
    assert all(a.get("same_country") for a in e.alternatives if a["region"].startswith("US"))


def test_no_alternatives_without_a_region_or_when_asked():
    e = wattwise.estimate(gpu="T4", hours=1, intensity=300)
    assert e.alternatives == () and "no region given" in e.alternatives_note
    assert wattwise.estimate(gpu="T4", hours=1, region="DE", alternatives=0).alternatives == ()


def test_equivalents_carry_factor_and_source():
    e = wattwise.estimate(gpu="A100-80GB:8", hours=72, intensity=300, pue=1)
    eq = {q["key"]: q for q in e.equivalents}
    assert eq["car_g_per_km"]["value"] == pytest.approx(e.emissions_gco2e / (3.98e-4 * 1e6 / 1.609344), rel=1e-4)
    assert eq["phone_charge_g"]["value"] == pytest.approx(e.emissions_gco2e / 8.22)
    assert "flight_par-lon_g" in eq
    for q in e.equivalents:
        assert q["source"] and q["license"] and q["year"]
    big = wattwise.estimate(gpu="A100-80GB:64", hours=2000, intensity=500, pue=1)
    assert "flight_ny-sf_g" in {q["key"] for q in big.equivalents}


def test_to_dict_has_the_contract_fields():
    d = json.loads(json.dumps(wattwise.estimate(gpu="A100-80GB:8", hours=72, region="FR", embodied=True).to_dict()))
    for k in ("energy_kwh", "facility_energy_kwh", "pue", "emissions_gco2e", "breakdown", "inputs", "alternatives"):
        assert k in d
    for k in ("dynamic", "idle", "embodied"):
        assert "emissions_gco2e" in d["breakdown"][k]
    assert d["breakdown"]["dynamic"]["energy_kwh"] == pytest.approx(230.4)
    assert d["breakdown"]["idle"]["included"] is False and d["breakdown"]["idle"]["energy_kwh"] is None
    assert d["breakdown"]["embodied"]["included"] is True
    for k in ("hours", "utilization", "hardware", "intensity", "pue", "embodied"):
        assert d["inputs"][k]
    assert d["inputs"]["intensity"]["source"] and d["inputs"]["pue"]["source"]
    assert d["inputs"]["hardware"][0]["match"]["confidence"] == "exact"
    assert d["estimate"] is True


@pytest.mark.parametrize("text,g", [("57", 57), (57, 57), ("0.954 lbs/kWh", 0.954 * 453.59237), ("0.4 kg/kWh", 400),
                                    ("0.3 t/MWh", 300), ("0.5 kgCO2e/kWh", 500), ("900 lb/MWh", 900 * 0.45359237)])
def test_parse_intensity_units(text, g):
    assert parse_intensity(text) == pytest.approx(g)


@pytest.mark.parametrize("kw,msg", [
    (dict(gpu="A100:8", hours=-1), "must be > 0"),
    (dict(gpu="A100:8", hours=0), "must be > 0"),
    (dict(gpu="A100:8", hours=1_000_000), "more than 100 years"),
    (dict(gpu="A100:8", hours="abc"), "invalid hours"),
    (dict(gpu="A100:8"), "--hours is required"),
    (dict(gpu="A100:0", hours=1), "whole number >= 1"),
    (dict(gpu="A100:-3", hours=1), "whole number >= 1"),
    (dict(gpu="A100:x", hours=1), "invalid gpu count"),
    (dict(gpu="A100:2000000", hours=1), "more than 1,000,000"),
    (dict(gpu="A100:4c", hours=1), "applies to --cpu only"),
    (dict(gpu="A100", hours=1, utilization=1.5), "outside \\(0, 1\\]"),
    (dict(gpu="A100", hours=1, utilization=85), "did you mean 0.85"),
    (dict(gpu="A100", hours=1, utilization=0), "--idle-hours"),
    (dict(gpu="A100", hours=1, utilization=-0.2), "outside"),
    (dict(gpu="A100", hours=1, pue=0.9), "PUE 0.9 is out of range"),
    (dict(gpu="A100", hours=1, intensity=6000), "above the plausible maximum"),
    (dict(gpu="A100", hours=1, intensity="lots"), "invalid intensity"),
    (dict(gpu="A100", hours=1, ram_gb=-4), "--ram-gb"),
    (dict(gpu="A100", cpu="Xeon Gold 6148", hours=1, power_w=300), "single --gpu/--cpu entry"),
    (dict(gpu="A100", hours=1, power_w=-5), "out of range"),
    (dict(hours=1), "nothing to estimate"),
    (dict(gpu="A100", hours=1, region="Atlantis"), "unknown region 'Atlantis'"),
    (dict(gpu="A100", hours=1, region="frnace"), "did you mean 'FR'"),
    (dict(gpu="B9000", hours=1), "unknown GPU 'B9000'"),
    (dict(devices=[{"kind": "other", "model": "node", "power_w": 500}], hours=1, idle_hours=2, intensity=1),
     "no idle power known"),
    (dict(gpu="A100", hours=1, embodied=True, lifetime_years=100), "lifetime 100 years"),
    (dict(gpu="A100", hours=1, idle_kwh=-1), "--idle-kwh"),
    (dict(gpu="A100", hours=1, instance="p4d.24xl"), "unknown instance type"),
])
def test_bad_input_is_a_one_line_usage_error(kw, msg):
    with pytest.raises(UsageError, match=msg) as ei:
        wattwise.estimate(**kw)
    assert "\n" not in str(ei.value)


def test_unknown_gpu_with_power_is_accepted_and_labelled():
    e = wattwise.estimate(gpu="Acme Z9:4", power_w=500, hours=10, intensity=100, pue=1, embodied=True)
    assert e.energy_kwh == pytest.approx(20)
    assert e.devices[0].match["confidence"] == "none"
    assert any("not in the catalogue" in w for w in e.warnings)


def test_medium_match_warns():
    e = wattwise.estimate(gpu="H100:8", hours=1, intensity=100)
    assert any("medium confidence" in w and "H100 PCIe" in w for w in e.warnings)
