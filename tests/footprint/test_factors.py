"""The shipped factor tables against their upstream files, and the lookups built on them.

The travel table is checked against DESNZ's *full* 2025 flat file (not the subset its builder
reads), by DESNZ's own row ID: same value, same year, one year only. Digital figures must say
when they were read in a secondary source and carry the published range.
"""
from __future__ import annotations

import csv

import pytest

from wattwise._data import table
from wattwise.errors import UsageError
from wattwise.footprint import factors as F


def _flat(shared_data) -> dict[str, dict[str, str]]:
    path = shared_data / "travel-factors-desnz" / "ghg-conversion-factors-2025-flat.csv"
    with path.open(newline="", encoding="utf-8") as f:
        return {r["ID"]: r for r in csv.DictReader(f)}


def test_travel_factors_are_desnz_2025_values(shared_data):
    flat = _flat(shared_data)
    rows = table("travel_factors.csv")
    assert len(rows) > 100
    for r in rows:
        up = flat[r["desnz_id"]]
        assert up["GHG/Unit"] == "kg CO2e", r["key"]
        assert float(r["factor_kg_per_unit"]) == pytest.approx(float(up["GHG Conversion Factor 2025"]), abs=5e-6), r["key"]
        assert r["year"] == "2025" and r["license"] == "OGL-3.0" and "2025" in r["source"]
        unit = {"passenger.km": "passenger.km", "km": "vehicle.km", "Room per night": "room.night"}[up["UOM"]]
        assert r["unit"] == unit, r["key"]


def test_air_factors_cover_every_haul_and_rf_raises_them(shared_data):
    tf = F.travel_factors()
    for haul in ("domestic", "short", "long", "international"):
        rf, no = tf[f"flight:{haul}:average:rf"], tf[f"flight:{haul}:average:no-rf"]
        assert rf.kg_per_unit > no.kg_per_unit  # DESNZ: RF multiplies the CO2 component by 1.7
        assert 1.5 < rf.kg_per_unit / no.kg_per_unit < 1.75
        assert "8 % uplift" in rf.note  # the distance uplift is inside the factor: never added again
    assert tf["flight:long:economy:rf"].kg_per_unit == pytest.approx(0.11704)  # SOURCE.md's example figure
    assert "flight:domestic:economy:rf" not in tf and "flight:short:first:rf" not in tf  # not published: not invented


def test_haul_between_follows_desnz_definitions():
    assert F.haul_between("GB", "GB") == "domestic"
    assert F.haul_between("JE", "GB") == "domestic"
    assert F.haul_between("GB", "FR") == F.haul_between("ES", "GB") == "short"
    assert F.haul_between("GB", "US") == F.haul_between("CN", "GB") == "long"
    assert F.haul_between("FR", "US") == F.haul_between("DE", "FR") == "international"


def test_hotel_factor_by_code_or_name(shared_data):
    assert F.hotel("US").kg_per_unit == F.hotel("United States").kg_per_unit == pytest.approx(16.1)
    assert F.hotel("london").kg_per_unit == F.hotel("GB-LND").kg_per_unit == pytest.approx(11.5)
    assert F.hotel("gb").kg_per_unit == pytest.approx(10.4)
    with pytest.raises(UsageError, match=r"publishes no hotel factor for 'Austria' \(AT\)"):
        F.hotel("Austria")  # an empty cell upstream: an error, never 0
    with pytest.raises(UsageError, match="did you mean Germany"):
        F.hotel("Germny")


def test_digital_factors_say_how_they_were_read(shared_data):
    with (shared_data / "digital-activity-factors" / "digital-activity-factors.csv").open(encoding="utf-8") as f:
        up = {r["id"]: r for r in csv.DictReader(f)}
    d = F.digital_factors()
    assert d["email:short"].kg_per_unit * 1000 == float(up["email_short_laptop_2020"]["value"])
    assert d["email:long"].kg_per_unit * 1000 == float(up["email_long_laptop_2020"]["value"])
    assert d["email:attachment"].kg_per_unit * 1000 == float(up["email_attachment_2020"]["value"])
    for f in d.values():
        assert f.read_in.startswith("secondary") and f.source and f.year in (2020, 2021)
    on, off = d["video-call:camera-on"], d["video-call:camera-off"]
    call = up["videoconf_or_streaming_obringer2021"]
    lo, hi = float(call["value_low"]), float(call["value_high"])
    assert (on.low_kg * 1000, on.high_kg * 1000) == (lo, hi)
    assert on.low_kg < on.kg_per_unit < on.high_kg and "midpoint" in on.note
    keep = 1 + float(up["videoconf_camera_off_obringer2021"]["value"]) / 100
    assert off.kg_per_unit == pytest.approx(on.kg_per_unit * keep) and off.high_kg == pytest.approx(hi * keep / 1000)
