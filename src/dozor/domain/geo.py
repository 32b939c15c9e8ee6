"""Coordinate plausibility: is a point within (a tolerance of) a country?"""

from __future__ import annotations

import math
from functools import cache
from importlib.resources import files

import yaml

KM_PER_DEGREE = 111.32


@cache
def country_bounds() -> dict[str, tuple[float, float, float, float]]:
    """Bounding boxes (min_lat, min_lon, max_lat, max_lon) of the member countries."""
    data = yaml.safe_load((files("dozor.reference") / "bounds.yaml").read_text("utf-8"))
    return {str(k): (float(v[0]), float(v[1]), float(v[2]), float(v[3])) for k, v in data.items()}


def within_country(lat: float, lon: float, country: str, tolerance_km: float) -> bool | None:
    """True/False for a country with known bounds, None when the country has none."""
    box = country_bounds().get(country)
    if box is None:
        return None
    min_lat, min_lon, max_lat, max_lon = box
    dlat = tolerance_km / KM_PER_DEGREE
    mid = math.radians((min_lat + max_lat) / 2)
    dlon = tolerance_km / (KM_PER_DEGREE * max(math.cos(mid), 0.1))
    return (min_lat - dlat <= lat <= max_lat + dlat) and (min_lon - dlon <= lon <= max_lon + dlon)
