"""What a reach contour covers: catalog places (cities, bases, sites) and Natural Earth countries."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog import Catalog, Place
from openbmd.earth import EarthModel
from openbmd.earth.borders import boundary_points_deg, countries
from openbmd.threat.reach import ReachContour

TARGET_TYPES = ("city", "base", "site")
"""Place types counted as targets."""

COUNTRY_SPACING_KM = 50.0
"""Spacing of the boundary points a country is tested at (km): coverage is good to about this."""


@dataclass(frozen=True)
class CountryPoints:
    """Sample points of every country: boundary points every :data:`COUNTRY_SPACING_KM` plus an interior point.

    ``lat_rad``/``lon_rad``/``country`` (P,); ``iso`` (C,) the countries' ISO alpha-3 codes (or names).
    """

    lat_rad: NDArray
    lon_rad: NDArray
    country: NDArray
    iso: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def country_points() -> CountryPoints:
    """The world's countries as sample points (Natural Earth 1:110m), built once."""
    lats, lons, idx, iso = [], [], [], []
    for k, c in enumerate(countries("110m")):  # 177 countries, each densified by numpy
        lat, lon = boundary_points_deg(c.geometry, spacing_km=COUNTRY_SPACING_KM)
        p = c.geometry.representative_point()
        lats.append(np.append(lat, p.y))
        lons.append(np.append(lon, p.x))
        idx.append(np.full(lat.size + 1, k))
        iso.append(c.iso_a3 or c.name)
    return CountryPoints(np.radians(np.concatenate(lats)), np.radians(np.concatenate(lons)),
                         np.concatenate(idx), tuple(iso))


def countries_covered(contours: ReachContour, rows: int | Sequence[int], earth: EarthModel) -> dict[str, str]:
    """Countries with territory within reach of the contours ``rows`` (any of them): ISO code -> ``"whole"`` or
    ``"part"``."""
    pts = country_points()
    inside = np.zeros(pts.lat_rad.shape, dtype=bool)
    for row in np.atleast_1d(rows):  # the launch points of one area
        inside |= contours.within(int(row), pts.lat_rad, pts.lon_rad, earth)[0]
    n = len(pts.iso)
    hit = np.bincount(pts.country, weights=inside.astype(float), minlength=n)
    total = np.bincount(pts.country, minlength=n)
    return {pts.iso[k]: ("whole" if hit[k] == total[k] else "part") for k in np.flatnonzero(hit > 0)}


def target_places(catalog: Catalog, exclude_country: str | None = None) -> list[Place]:
    """Catalog cities, bases and sites (those of ``exclude_country``, the launching state, left out)."""
    return [p for p in catalog.entries("places")
            if p.place_type in TARGET_TYPES and p.country != exclude_country]


def places_within(contours: ReachContour, area: int, places: list[Place], earth: EarthModel
                  ) -> tuple[NDArray, NDArray]:
    """Whether each place lies within area ``area``'s reach (bool, (T,)) and its distance (m)."""
    if not places:
        return np.zeros(0, dtype=bool), np.zeros(0)
    lat = np.radians([p.lat_deg for p in places])
    lon = np.radians([p.lon_deg for p in places])
    return contours.within(area, lat, lon, earth)
