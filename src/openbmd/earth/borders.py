"""Countries and land from the shipped Natural Earth data, and distances to borders.

The data (Natural Earth 4.1.0 admin-0 countries and land at 1:110m and 1:50m,
via the npm package ``world-atlas`` 2.0.2, public domain; see
``data/LICENSE-natural-earth.md``) ships in ``openbmd/earth/data/`` as gzip'd
GeoJSON cut at the antimeridian; ``tools/build_map_data.py`` rebuilds it.
Coordinates are lon/lat degrees. Maps (:mod:`openbmd.report.maps`) draw it; the
assurance layer measures distances to borders with it.
"""

from __future__ import annotations

import difflib
import functools
import gzip
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Literal

import numpy as np
from shapely.geometry import MultiPolygon, Point, Polygon, shape

from openbmd.earth.constants import WGS84_A_M, WGS84_F
from openbmd.errors import InputError, UnknownNameError

Scale = Literal["110m", "50m"]
SCALES: tuple[str, ...] = ("110m", "50m")

#: Names people write that differ from Natural Earth's short names.
_ALIASES: Mapping[str, str] = MappingProxyType({
    "united states": "USA",
    "united states of america": "USA",
    "us": "USA",
    "america": "USA",
    "uk": "GBR",
    "great britain": "GBR",
    "britain": "GBR",
    "russian federation": "RUS",
    "türkiye": "TUR",
    "turkiye": "TUR",
    "czech republic": "CZE",
    "north macedonia": "MKD",
    "bosnia and herzegovina": "BIH",
    "moldova, republic of": "MDA",
    "iran, islamic republic of": "IRN",
    "south korea": "KOR",
    "republic of korea": "KOR",
    "north korea": "PRK",
    "dprk": "PRK",
    "democratic republic of the congo": "COD",
    "ivory coast": "CIV",
    "uae": "ARE",
})

@dataclass(frozen=True)
class Country:
    """One Natural Earth admin-0 country (or territory).

    ``iso_numeric`` is the three-digit ISO 3166-1 numeric code as a string
    (``"643"``), ``iso_a3`` the alpha-3 code (``"RUS"``); either is ``None``
    where the feature has none (Somaliland, N. Cyprus...). Kosovo carries the
    user-assigned ``"XKX"``. ``geometry`` is a shapely Polygon or MultiPolygon
    in lon/lat degrees, cut at the antimeridian.
    """

    name: str
    iso_numeric: str | None
    iso_a3: str | None
    geometry: Polygon | MultiPolygon = field(repr=False, compare=False)

    def contains(self, lat_deg: float, lon_deg: float) -> bool:
        """Whether the point (geodetic latitude, longitude in degrees) lies in the country."""
        lon = (float(lon_deg) + 180.0) % 360.0 - 180.0
        return bool(self.geometry.covers(Point(lon, float(lat_deg))))


# --- Data loading ------------------------------------------------------------------


def _check_scale(scale: str) -> str:
    if scale not in SCALES:
        raise InputError(f"unknown map scale {scale!r}; use one of {', '.join(SCALES)}", "scale")
    return scale


@functools.lru_cache(maxsize=8)
def _read_features(kind: str, scale: str) -> tuple[tuple[dict, Polygon | MultiPolygon], ...]:
    """Read ``{kind}-{scale}.geojson.gz`` from the package: (properties, geometry) pairs."""
    ref = resources.files("openbmd.earth").joinpath("data", f"{kind}-{scale}.geojson.gz")
    with ref.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as text:
        collection = json.load(text)
    return tuple((f["properties"], _geometry(f["geometry"])) for f in collection["features"])


def _geometry(geojson: dict) -> Polygon | MultiPolygon:
    """A GeoJSON (Multi)Polygon as shapely geometry, its rings built from arrays (shapely's ``shape`` walks each
    coordinate in Python); any other type through ``shape``."""
    def polygon(rings: list) -> Polygon:
        return Polygon(np.asarray(rings[0], float), [np.asarray(r, float) for r in rings[1:]])

    if geojson["type"] == "Polygon":
        return polygon(geojson["coordinates"])
    if geojson["type"] == "MultiPolygon":
        return MultiPolygon([polygon(p) for p in geojson["coordinates"]])
    return shape(geojson)


@functools.lru_cache(maxsize=4)
def _countries(scale: str) -> tuple[Country, ...]:
    return tuple(
        Country(name=p["name"], iso_numeric=p["iso_n3"], iso_a3=p["iso_a3"], geometry=g)
        for p, g in _read_features("countries", scale)
    )


def countries(scale: Scale = "110m") -> list[Country]:
    """All Natural Earth countries at *scale* (``"110m"``: 177, ``"50m"``: 241), by name."""
    return list(_countries(_check_scale(scale)))


def country(name_or_iso: str | int, scale: Scale = "110m") -> Country:
    """One country by name, ISO alpha-3 code or ISO numeric code (case does not matter).

    ``country("Poland")``, ``country("POL")``, ``country(616)`` and
    ``country("616")`` are the same country. Some common long names are
    understood too (``"United States"``, ``"Russian Federation"``, ``"UK"``).
    Where a code names more than one feature (Australia's 036 is also carried
    by Ashmore and Cartier Is.), the largest is returned.

    Raises :class:`~openbmd.errors.UnknownNameError` listing the closest names.
    """
    every = _countries(_check_scale(scale))
    key = str(name_or_iso).strip()
    folded = key.casefold()
    for c in every:
        if c.name.casefold() == folded:
            return c
    code = _ALIASES.get(folded, key).upper()
    if code.isdigit():
        code = code.zfill(3)
        matches = [c for c in every if c.iso_numeric == code]
    else:
        matches = [c for c in every if c.iso_a3 == code]
    if matches:
        return max(matches, key=lambda c: c.geometry.area)
    names = [c.name for c in every]
    by_fold = {n.casefold(): n for n in names}
    close = difflib.get_close_matches(folded, list(by_fold), n=5, cutoff=0.6)
    hint = ", ".join(by_fold[n] for n in close) if close else "none; use an ISO code like 'POL'"
    raise UnknownNameError(f"unknown country {key!r}; closest: {hint}", "country")


@functools.lru_cache(maxsize=4)
def _land(scale: str) -> MultiPolygon:
    ((_, geom),) = _read_features("land", scale)
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])


def land(scale: Scale = "110m") -> MultiPolygon:
    """All of Natural Earth's land at *scale*, one MultiPolygon in lon/lat degrees."""
    return _land(_check_scale(scale))


def boundary_points_deg(geometry: Polygon | MultiPolygon, spacing_km: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """(lat, lon) in degrees of points along every ring of ``geometry``, at most ``spacing_km`` apart."""
    rings = []
    polys = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]
    for poly in polys:
        rings.append(poly.exterior)
        rings.extend(poly.interiors)
    lats, lons = [], []
    for ring in rings:
        xy = np.asarray(ring.coords)
        seg = np.hypot(np.diff(xy[:, 0]) * np.cos(np.radians(xy[:-1, 1])), np.diff(xy[:, 1])) * 111.2  # km, rough
        n = np.maximum(np.ceil(seg / spacing_km).astype(int), 1)
        for k in range(len(seg)):  # a few thousand segments, each densified by numpy
            f = np.arange(n[k]) / n[k]
            lons.append(xy[k, 0] + f * (xy[k + 1, 0] - xy[k, 0]))
            lats.append(xy[k, 1] + f * (xy[k + 1, 1] - xy[k, 1]))
    return np.concatenate(lats), np.concatenate(lons)


def distance_to_country_m(lat_deg: float, lon_deg: float, name_or_iso: str, *, scale: Scale = "50m",
                          a_m: float = WGS84_A_M, f: float = WGS84_F) -> float:
    """Geodesic distance (m, on the ellipsoid a, f) from a point to the nearest point of a country's territory.

    0 inside the country. The border (coastline included) is Natural Earth's at ``scale``,
    densified to 2 km, so the answer is good to about a kilometre plus the map's own accuracy.
    """
    from pyproj import Geod

    c = country(name_or_iso, scale)
    if c.contains(lat_deg, lon_deg):
        return 0.0
    lat, lon = _boundary(c.iso_a3 or c.name, scale)
    _, _, dist = Geod(a=a_m, f=f).inv(np.full(lat.shape, float(lon_deg)), np.full(lat.shape, float(lat_deg)), lon, lat)
    return float(np.min(dist))


@functools.lru_cache(maxsize=16)
def _boundary(key: str, scale: str) -> tuple[np.ndarray, np.ndarray]:
    return boundary_points_deg(country(key, scale).geometry)
