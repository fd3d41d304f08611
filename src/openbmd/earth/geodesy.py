"""Geodesics on the model's ellipsoid (pyproj ``Geod``, Karney's algorithms)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Geod

from openbmd.earth.model import EarthModel


@lru_cache(maxsize=8)
def _geod(a_m: float, f: float) -> Geod:
    return Geod(a=a_m, f=f)


def geodesic_inverse(lat1_rad: ArrayLike, lon1_rad: ArrayLike, lat2_rad: ArrayLike, lon2_rad: ArrayLike,
                     earth: EarthModel) -> tuple[NDArray, NDArray, NDArray]:
    """Distance (m), forward azimuth at point 1 and back azimuth at point 2 (rad, clockwise from north).

    Arguments broadcast against each other.
    """
    lat1, lon1, lat2, lon2 = np.broadcast_arrays(*(np.degrees(np.asarray(x, float))
                                                   for x in (lat1_rad, lon1_rad, lat2_rad, lon2_rad)))
    az12, az21, dist = _geod(earth.a_m, earth.f).inv(lon1, lat1, lon2, lat2)
    return np.asarray(dist), np.radians(az12), np.radians(az21)


def geodesic_direct(lat_rad: ArrayLike, lon_rad: ArrayLike, azimuth_rad: ArrayLike, distance_m: ArrayLike,
                    earth: EarthModel) -> tuple[NDArray, NDArray]:
    """Latitude and longitude (rad) reached along a geodesic from a point, azimuth and distance (broadcast)."""
    lat, lon, az, dist = np.broadcast_arrays(np.degrees(np.asarray(lat_rad, float)), np.degrees(np.asarray(lon_rad, float)),
                                             np.degrees(np.asarray(azimuth_rad, float)), np.asarray(distance_m, float))
    lon2, lat2, _ = _geod(earth.a_m, earth.f).fwd(lon, lat, az, dist)
    return np.radians(lat2), np.radians(lon2)
