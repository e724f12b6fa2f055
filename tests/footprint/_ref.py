"""Reference computations for the footprint tests, independent of the code they check."""
from __future__ import annotations

import csv
import math
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "src" / "wattwise" / "data"
R_KM = 6371.0088


def vector_km(lat1, lon1, lat2, lon2, r=R_KM):
    """Great-circle distance as the angle between two unit vectors (atan2 of |cross| and dot), not haversine."""
    def v(lat, lon):
        la, lo = math.radians(lat), math.radians(lon)
        return (math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la))
    a, b = v(lat1, lon1), v(lat2, lon2)
    cross = (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])
    dot = sum(x * y for x, y in zip(a, b))
    return r * math.atan2(math.sqrt(sum(c * c for c in cross)), dot)


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def airport(code: str) -> tuple[float, float, str]:
    r = next(r for r in _rows("airports.csv") if r["iata"] == code)
    return float(r["lat"]), float(r["lon"]), r["country"]


def km(a: str, b: str) -> float:
    (la, lo, _), (lb, lob, _) = airport(a), airport(b)
    return vector_km(la, lo, lb, lob)


def travel(key: str) -> float:
    return float(next(r for r in _rows("travel_factors.csv") if r["key"] == key)["factor_kg_per_unit"])


def digital(key: str, col: str = "central") -> float:
    """grams per unit, as published"""
    return float(next(r for r in _rows("digital_factors.csv") if r["key"] == key)[col])
