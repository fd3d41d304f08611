"""The reachable region of a missile from a launch area: its range contour on the rotating Earth.

For every launch area and every launch azimuth, the farthest impact over the pitch-over angle at
full burn is found from flown trajectories (all areas × azimuths × pitch-over angles in one batch of
the flight kernel, refined twice about the best angle). The contour joins those farthest impact
points; on the rotating Earth it reaches farther eastward than westward and bends with the
ground tracks, so it is no circle. A point is within reach when its geodesic distance from the
launch point is no more than the contour's, interpolated at its bearing.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from openbmd.earth import EarthModel, geodesic_inverse
from openbmd.flight import Tolerances, Vehicle, fly_launches

KICK_MIN_RAD, KICK_MAX_RAD = math.radians(0.5), math.radians(80.0)
"""Pitch-over angles surveyed (rad): from nearly vertical to nearly flat."""

N_KICK, N_REFINE, REFINEMENTS = 12, 5, 2
"""The coarse survey's pitch-over angles, the angles of each refinement, and the refinements."""

REACH_TOLERANCES = Tolerances(rtol=1e-6)
"""Integrator tolerances of the survey: ranges within about 1e-5 of the default's, in under half the steps."""


@dataclass(frozen=True)
class ReachContour:
    """Range contours of one missile from A launch areas, Z launch azimuths each.

    ``launch_lat_rad``/``launch_lon_rad`` (A,); ``azimuth_rad`` (Z,) launch azimuths (clockwise from north);
    ``impact_lat_rad``/``impact_lon_rad``/``range_m``/``bearing_rad`` (A, Z): the farthest impact point on
    each launch azimuth, its geodesic distance (m) and its bearing from the launch point (rad).
    """

    launch_lat_rad: NDArray
    launch_lon_rad: NDArray
    azimuth_rad: NDArray
    impact_lat_rad: NDArray
    impact_lon_rad: NDArray
    range_m: NDArray
    bearing_rad: NDArray

    @property
    def max_range_m(self) -> NDArray:
        """(A,) the greatest range on any bearing, m."""
        return np.nanmax(self.range_m, axis=1)

    @property
    def min_range_m(self) -> NDArray:
        """(A,) the least range on any bearing, m."""
        return np.nanmin(self.range_m, axis=1)

    def range_at_bearing_m(self, area: int, bearing_rad: NDArray) -> NDArray:
        """Contour range (m) of area ``area`` at bearings ``bearing_rad`` (rad), interpolated around the circle."""
        b = np.mod(self.bearing_rad[area], 2 * math.pi)
        order = np.argsort(b)
        b, r = b[order], self.range_m[area][order]
        b = np.concatenate([b[-1:] - 2 * math.pi, b, b[:1] + 2 * math.pi])
        r = np.concatenate([r[-1:], r, r[:1]])
        return np.interp(np.mod(np.asarray(bearing_rad, float), 2 * math.pi), b, r)

    def within(self, area: int, lat_rad: NDArray, lon_rad: NDArray, earth: EarthModel) -> tuple[NDArray, NDArray]:
        """Whether points (rad) lie within area ``area``'s reach, and their distance from its launch point (m)."""
        dist, bearing = polar_from(self.launch_lat_rad[area], self.launch_lon_rad[area], lat_rad, lon_rad, earth)
        return dist <= self.range_at_bearing_m(area, bearing), dist


def polar_from(lat0_rad: float, lon0_rad: float, lat_rad: NDArray, lon_rad: NDArray, earth: EarthModel
               ) -> tuple[NDArray, NDArray]:
    """Geodesic distance (m) and bearing (rad) of points from a launch point (read-only arrays).

    Answers are cached: every missile and assumption set asks the same launch points about the same
    targets and countries.
    """
    lat, lon = np.broadcast_arrays(np.asarray(lat_rad, float), np.asarray(lon_rad, float))
    return _polar(float(lat0_rad), float(lon0_rad), lat.tobytes(), lon.tobytes(), lat.shape, earth)


@functools.lru_cache(maxsize=64)
def _polar(lat0: float, lon0: float, lat_b: bytes, lon_b: bytes, shape: tuple, earth: EarthModel
           ) -> tuple[NDArray, NDArray]:
    lat, lon = np.frombuffer(lat_b).reshape(shape), np.frombuffer(lon_b).reshape(shape)
    dist, bearing, _ = geodesic_inverse(lat0, lon0, lat, lon, earth)
    out = np.asarray(dist, float).copy(), np.asarray(bearing, float).copy()
    for a in out:
        a.flags.writeable = False
    return out


def _parabola_vertex(k: NDArray, r: NDArray, j: NDArray) -> NDArray:
    """Vertex abscissa of the parabola through the best sample ``j`` and its neighbours (rows of k, r)."""
    rows = np.arange(k.shape[0])
    jm, jp = np.clip(j - 1, 0, k.shape[1] - 1), np.clip(j + 1, 0, k.shape[1] - 1)
    x0, x1, x2 = k[rows, jm], k[rows, j], k[rows, jp]
    y0, y1, y2 = r[rows, jm], r[rows, j], r[rows, jp]
    den = (x0 - x1) * (x0 - x2) * (x1 - x2)
    a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1))
    b = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2))
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where((a < 0) & (den != 0), -b / (2 * a), x1)
    return np.clip(np.where(np.isfinite(v), v, x1), np.minimum(x0, x2), np.maximum(x0, x2))


def reach_contours(vehicle: Vehicle, launch_lat_rad: NDArray, launch_lon_rad: NDArray, earth: EarthModel, *,
                   n_azimuth: int = 24, tol: Tolerances = REACH_TOLERANCES) -> ReachContour:
    """Range contours of ``vehicle`` from launch points (rad, (A,)) on ``n_azimuth`` launch azimuths.

    Every flight of the survey and of each refinement is one call of the batched flight kernel.
    """
    lat0 = np.atleast_1d(np.asarray(launch_lat_rad, float))
    lon0 = np.atleast_1d(np.asarray(launch_lon_rad, float))
    a, z = lat0.size, int(n_azimuth)
    az = np.arange(z) * (2 * math.pi / z)
    nodes = a * z
    node_lat, node_lon = np.repeat(lat0, z), np.repeat(lon0, z)
    node_az = np.tile(az, a)
    kicks = np.tile(np.linspace(KICK_MIN_RAD, KICK_MAX_RAD, N_KICK), (nodes, 1))
    best_r = np.full(nodes, -1.0)
    best_lat, best_lon = np.full(nodes, np.nan), np.full(nodes, np.nan)
    step = (KICK_MAX_RAD - KICK_MIN_RAD) / (N_KICK - 1)
    for round_ in range(REFINEMENTS + 1):
        m = kicks.shape[1]
        batch = fly_launches(vehicle, np.repeat(node_lat, m), np.repeat(node_lon, m), np.repeat(node_az, m),
                             kicks.ravel(), earth, tol=tol)
        rng = np.nan_to_num(batch.ground_range_m(), nan=-1.0).reshape(nodes, m)
        ilat, ilon, _ = batch.event_geodetic("impact")
        ilat, ilon = ilat.reshape(nodes, m), ilon.reshape(nodes, m)
        j = np.argmax(rng, axis=1)
        rows = np.arange(nodes)
        better = rng[rows, j] > best_r
        best_r = np.where(better, rng[rows, j], best_r)
        best_lat = np.where(better, ilat[rows, j], best_lat)
        best_lon = np.where(better, ilon[rows, j], best_lon)
        if round_ == REFINEMENTS:
            break
        centre = _parabola_vertex(kicks, rng, j)
        half = step / 2 / (N_REFINE - 1) ** round_  # each refinement spans the last one's spacing either side
        kicks = np.clip(centre[:, None] + np.linspace(-half, half, N_REFINE)[None, :], KICK_MIN_RAD, KICK_MAX_RAD)
    ok = best_r > 0
    dist, bearing, _ = geodesic_inverse(node_lat, node_lon, np.where(ok, best_lat, node_lat),
                                        np.where(ok, best_lon, node_lon), earth)
    shape = (a, z)
    return ReachContour(lat0, lon0, az, best_lat.reshape(shape), best_lon.reshape(shape),
                        np.where(ok, np.asarray(dist), np.nan).reshape(shape),
                        np.where(ok, np.asarray(bearing), node_az).reshape(shape))
