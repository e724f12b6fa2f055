"""Each activity kind: quantity x factor, checked against reference arithmetic on the shipped tables
(distances by an independent formula), and bad input refused with one clear message."""
from __future__ import annotations

import math
import random

import pytest

import _ref
from wattwise.errors import UsageError
from wattwise.footprint.kinds import KINDS, lines
from wattwise.footprint.params import ParamError


def total_g(kind, **p) -> float:
    return sum(ln.gco2e for ln in lines(kind, p))


def test_flight_is_great_circle_times_the_haul_and_class_factor():
    rng = random.Random(7)
    for _ in range(20):
        people, ret = rng.randint(1, 9), rng.random() < 0.5
        got = total_g("flight", origin="LHR", destination="JFK", people=people, round_trip=ret, cabin="business")
        want = _ref.km("LHR", "JFK") * people * (2 if ret else 1) * _ref.travel("flight:long:business:rf") * 1000
        assert got == pytest.approx(want, rel=1e-9)


def test_no_rf_return_and_people_multiply_as_documented():
    base = total_g("flight", origin="CDG", destination="LHR")
    assert base == pytest.approx(_ref.km("CDG", "LHR") * _ref.travel("flight:short:economy:rf") * 1000, rel=1e-9)
    assert total_g("flight", origin="CDG", destination="LHR", rf=False) == pytest.approx(
        base * _ref.travel("flight:short:economy:no-rf") / _ref.travel("flight:short:economy:rf"), rel=1e-9)
    assert total_g("flight", origin="CDG", destination="LHR", round_trip=True, people=3) == pytest.approx(6 * base)
    # CLI/CSV spellings are the same options
    assert total_g("flight", **{"from": "CDG", "to": "LHR", "return": "yes", "class": "economy", "rf": "yes"}) == \
        pytest.approx(2 * base)


def test_via_makes_two_legs_each_with_its_own_haul():
    ls = lines("flight", {"origin": "EDI", "via": "LHR", "destination": "SFO"})
    assert [(ln.details["from"], ln.details["to"], ln.details["haul"]) for ln in ls] == [
        ("EDI", "LHR", "domestic"), ("LHR", "SFO", "long")]
    assert ls[0].gco2e == pytest.approx(_ref.km("EDI", "LHR") * _ref.travel("flight:domestic:average:rf") * 1000)
    assert ls[1].gco2e == pytest.approx(_ref.km("LHR", "SFO") * _ref.travel("flight:long:economy:rf") * 1000)
    assert "no economy-class factor for domestic flights: average passenger used" in ls[0].description
    assert "rf" in ls[0].details and ls[0].details["km"] == pytest.approx(_ref.km("EDI", "LHR"), rel=1e-6)


def test_non_uk_flights_use_desnz_international_factors_unless_told():
    ln = lines("flight", {"origin": "CDG", "destination": "JFK"})[0]
    assert ln.details["haul"] == "international" and ln.factor.key == "flight:international:economy:rf"
    ln = lines("flight", {"origin": "CDG", "destination": "NCE", "haul": "domestic"})[0]
    assert ln.details["haul_from"] == "--haul" and ln.factor.key == "flight:domestic:average:rf"


@pytest.mark.parametrize("kind,key,params,qty", [
    ("train", "train:national", {"km": 412.5, "people": 2, "round_trip": True}, 412.5 * 4),
    ("train", "train:international", {"km": 491.7, "type": "international"}, 491.7),
    ("bus", "bus:coach", {"km": 88.8, "type": "coach", "people": 5}, 88.8 * 5),
    ("ferry", "ferry:foot", {"km": 33.3, "type": "foot", "repeat": 3}, 99.9),
    ("taxi", "taxi:regular", {"km": 17.25, "people": 2}, 34.5),
    ("car", "car:medium:bev", {"km": 240.4, "size": "medium", "fuel": "bev", "round_trip": True}, 480.8),
])
def test_ground_travel(kind, key, params, qty):
    assert total_g(kind, **params) == pytest.approx(qty * _ref.travel(key) * 1000, rel=1e-12)


def test_hotel_video_call_and_email():
    assert total_g("hotel", nights=4.0, rooms=3, country="DE") == pytest.approx(12 * _ref.travel("hotel:DE") * 1000)
    on = lines("video-call", {"hours": 1.5, "people": 6, "repeat": 52})[0]
    assert on.gco2e == pytest.approx(1.5 * 6 * 52 * _ref.digital("video-call:camera-on"))
    assert (on.bound("low"), on.bound("high")) == pytest.approx(
        (468 * _ref.digital("video-call:camera-on", "low"), 468 * _ref.digital("video-call:camera-on", "high")))
    off = total_g("video-call", hours=1.5, people=6, repeat=52, camera="off")
    assert off == pytest.approx(on.gco2e * 0.04)  # Obringer et al.: camera off saves 96 %
    assert total_g("email", count=1234) == pytest.approx(1234 * _ref.digital("email:short"))
    assert total_g("email", count=10, size="attachment") == pytest.approx(10 * _ref.digital("email:attachment"))


def test_hardware_electricity_compute_and_other():
    from wattwise.hardware import match_gpu
    from wattwise.intensity.static import static_intensity

    gpu = match_gpu("H100").item
    assert total_g("hardware", device="H100", count=4) == pytest.approx(4 * gpu.embodied_kgco2e * 1000)
    assert total_g("hardware", kg=812.5, count=2, share=0.25) == pytest.approx(406.25 * 1000)
    fr = static_intensity("FR")
    assert total_g("electricity", kwh=1234.5, region="FR") == pytest.approx(1234.5 * fr.g_per_kwh)
    ls = lines("compute", {"gpu": "A100-80GB:8", "hours": 24, "region": "DE", "embodied": True, "idle_hours": 4})
    assert [ln.category for ln in ls] == ["compute-estimated", "idle", "embodied", "embodied"]
    import wattwise

    e = wattwise.estimate(gpu="A100-80GB:8", hours=24, region="DE", embodied=True, idle_hours=4, alternatives=0)
    assert sum(ln.gco2e for ln in ls) == pytest.approx(e.emissions_gco2e, rel=1e-9)  # same total as `wattwise estimate`
    assert total_g("other", gco2e=5500.5, source="catering invoice 2025-03") == pytest.approx(5500.5)


@pytest.mark.parametrize("kind,params,message", [
    ("flght", {}, "unknown kind 'flght'; did you mean flight?"),
    ("flight", {"origin": "LHR"}, "kind 'flight' needs to"),
    ("flight", {"origin": "LHR", "destination": "LHR"}, "goes nowhere"),
    ("flight", {"origin": "LHR", "destination": "QQQ"}, "unknown airport code 'QQQ'"),
    ("flight", {"origin": "LHR", "destination": "JFK", "cabin": "coach"}, "class 'coach': choose from economy"),
    ("flight", {"origin": "LHR", "destination": "JFK", "people": 0}, "people '0': must be a whole number > 0"),
    ("flight", {"origin": "LHR", "destination": "JFK", "people": 2.5}, "must be a whole number"),
    ("flight", {"origin": "LHR", "destination": "JFK", "people": 50_000}, "<= 10,000"),
    ("train", {"km": -12}, "km '-12': must be a number > 0"),
    ("train", {"km": "nan"}, "not a finite number"),
    ("train", {"km": "12 km"}, "not a number"),
    ("train", {"km": 1e9}, "<= 50,000"),
    ("train", {"km": 10, "type": "maglev"}, "choose from national"),
    ("car", {"km": 10, "people": 3}, "passengers share the car"),
    ("email", {"count": 10, "km": 3}, "'km' does not apply to kind 'email'"),
    ("email", {"count": 10, "return": "maybe"}, "'return' does not apply to kind 'email'"),
    ("flight", {"origin": "LHR", "destination": "JFK", "return": "maybe"}, "return 'maybe': give yes or no"),
    ("hotel", {"nights": 3, "country": "Austria"}, "no hotel factor"),
    ("hardware", {"kg": 10, "device": "H100"}, "takes kg or device, not both"),
    ("hardware", {"device": "toaster"}, "unknown device 'toaster'"),
    ("electricity", {"kwh": 10, "region": "Atlantis"}, ""),
    ("other", {"gco2e": 10}, "kind 'other' needs source"),
    ("video-call", {"hours": 1, "camera": "blurred"}, "choose from on, off"),
])
def test_bad_input_is_one_clear_line(kind, params, message):
    with pytest.raises(UsageError) as e:
        lines(kind, params)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_param_errors_name_the_option():
    with pytest.raises(ParamError) as e:
        lines("train", {"km": "-3"})
    assert (e.value.flag, e.value.value) == ("km", "-3")


def test_every_kind_has_help_and_a_category():
    from wattwise.footprint.kinds import CATEGORIES

    for k in KINDS.values():
        assert k.help and k.category in CATEGORIES
        assert len({p.flag for p in k.params}) == len(k.params)
        assert any(p.name == "repeat" for p in k.params)
    assert math.isfinite(total_g("flight", origin="SYD", destination="LHR"))
