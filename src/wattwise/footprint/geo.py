"""Great-circle distance between two points on the Earth, for flight distances.

Haversine on a sphere of the IUGG mean radius: the spherical error against the ellipsoid is
under 0.5 %, far below the spread of flight factors. DESNZ's air factors already include
its 8 % uplift for routing and stacking, so this plain great-circle distance is what they
multiply: no uplift is added here.
"""
from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius R1


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in km between two (latitude, longitude) points in decimal degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
