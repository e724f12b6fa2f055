"""Great-circle distances and airport lookup.

The distance is checked against an independent formula (the spherical law of cosines through
3-D unit vectors, not haversine) on random points, against published great-circle distances,
and against the sphere's geometry (antipodes, quarter circles). Unknown codes must fail with
the right suggestions, never fall back to a guess.
"""
from __future__ import annotations

import math
import random

import pytest

from _ref import vector_km as _vector_km
from wattwise.errors import UsageError
from wattwise.footprint.airports import airport, airports
from wattwise.footprint.factors import hauls
from wattwise.footprint.geo import EARTH_RADIUS_KM, great_circle_km


def test_distance_matches_an_independent_formula_on_random_points():
    rng = random.Random(20250602)
    for _ in range(2000):
        p = (rng.uniform(-90, 90), rng.uniform(-180, 180), rng.uniform(-90, 90), rng.uniform(-180, 180))
        assert great_circle_km(*p) == pytest.approx(_vector_km(*p), rel=1e-9, abs=1e-6)
        assert great_circle_km(*p) == pytest.approx(great_circle_km(p[2], p[3], p[0], p[1]), rel=1e-12)


def test_sphere_geometry():
    half = math.pi * EARTH_RADIUS_KM
    assert great_circle_km(10.5, 20.25, -10.5, 20.25 - 180) == pytest.approx(half, rel=1e-9)  # antipodes
    assert great_circle_km(0, 0, 90, 0) == pytest.approx(half / 2, rel=1e-12)  # equator to pole
    assert great_circle_km(0, 179.5, 0, -179.5) == pytest.approx(half / 180, rel=1e-9)  # across the date line
    assert great_circle_km(48.1, 11.6, 48.1, 11.6) == 0.0


@pytest.mark.parametrize("a,b,km", [
    ("LHR", "JFK", 5540),  # published great-circle distances (km), 1 % tolerance
    ("CDG", "SFO", 8960),
    ("SYD", "LAX", 12050),
    ("FRA", "SIN", 10260),
])
def test_known_routes(a, b, km):
    x, y = airport(a), airport(b)
    assert great_circle_km(x.lat, x.lon, y.lat, y.lon) == pytest.approx(km, rel=0.01)


def test_lookup_is_case_and_space_insensitive():
    assert airport(" lhr ").iata == "LHR"
    a = airport("jfk")
    assert (a.country, a.city, a.city_code) == ("US", "New York", "NYC")
    assert 40 < a.lat < 41 and -74 < a.lon < -73


@pytest.mark.parametrize("typed,first", [("JKF", "JFK"), ("DCG", "CDG"), ("OYR", "ORY"), ("LHX", None)])
def test_typo_suggests_codes_nearby(typed, first):
    with pytest.raises(UsageError) as e:
        airport(typed)
    msg = str(e.value)
    assert msg.startswith(f"unknown airport code '{typed}'; did you mean ") and "\n" not in msg
    suggested = [s.split(" (")[0].strip() for s in msg.split("did you mean ", 1)[1].split("), ")]
    assert all(len(s) == 3 and s in airports() for s in suggested)
    assert all(sum(x != y for x, y in zip(s, typed)) <= 1 or sorted(s) == sorted(typed) for s in suggested)
    if first:
        assert suggested[0] == first
    else:  # one letter changed: the London airport is among them
        assert "LHR" in suggested


def test_city_codes_and_names_list_their_airports():
    with pytest.raises(UsageError, match=r"LON is a city code: use one of its airports: .*LGW.*LHR.*STN"):
        airport("LON")
    with pytest.raises(UsageError, match=r"airports in Paris: CDG .*ORY"):
        airport("paris")
    with pytest.raises(UsageError, match="give a 3-letter IATA code"):
        airport("L1R")


def test_every_airport_country_has_a_desnz_haul():
    """A flight to/from the UK needs the other end's haul: no airport may lack one."""
    h = hauls()
    assert {a.country for a in airports().values()} - set(h) == set()
    assert {h[c] for c in ("GB", "JE", "GG", "IM")} == {"domestic"}
    assert h["FR"] == h["DE"] == h["XK"] == "short" and h["US"] == h["AQ"] == "long"
