"""The airport table (factors/airports/): IATA code -> name, country, latitude, longitude, and the
IATA city codes (PAR, LON) with their airports; the great-circle distance between two airports.

Read once per process; a parser: no SQL, no printing.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache

from carbon.core.resources import shipped_dir

EARTH_RADIUS_KM = 6371.0  # the mean Earth radius of the haversine formula (docs/travel.md)


@dataclass(frozen=True)
class Airport:
    iata: str
    name: str
    country: str  # ISO 3166-1 alpha-2
    lat: float
    lon: float


@dataclass(frozen=True)
class Airports:
    by_code: dict[str, Airport]
    cities: dict[str, tuple[str, tuple[str, ...]]]  # city code -> (city name, its airports' codes)


@lru_cache(maxsize=1)
def load() -> Airports:
    folder = shipped_dir("factors") / "airports"
    with open(folder / "airports.csv", encoding="utf-8", newline="") as fh:
        by_code = {
            r["iata"]: Airport(r["iata"], r["name"], r["country"], float(r["lat"]), float(r["lon"]))
            for r in csv.DictReader(fh)
        }
    cities: dict[str, tuple[str, list[str]]] = {}
    with open(folder / "city_codes.csv", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            cities.setdefault(r["city_code"], (r["city"], []))[1].append(r["iata"])
    return Airports(by_code, {c: (name, tuple(codes)) for c, (name, codes) in cities.items()})


def haversine_km(a: Airport, b: Airport) -> float:
    """Great-circle distance between two airports, km (haversine, Earth radius 6,371 km)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))
