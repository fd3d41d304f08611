"""The reachable region of a missile from a launch area: its range contour on the rotating Earth.

For every launch area and every launch azimuth, the farthest impact over the pitch-over angle at
full burn is found from flown trajectories (all areas × azimuths × pitch-over angles in one batch of
the flight kernel, refined twice about the best angle). The contour joins those farthest impact
points; on the rotating Earth it reaches farther eastward than westward and bends with the
ground tracks, so it is no circle. A point is within reach when its geodesic distance from the
launch point is no more than the contour's, interpolated at its bearing.

Near the point opposite the launch point (a near-orbital missile, mostly eastward) the farthest impact is no longer
the reach: the contour takes there the maximum range of :func:`openbmd.flight.maximum_range_m`, where the interval
of the bearing that every point of is reachable ends (Hwasong-14 due east of Tabriz, as catalogued when calibrated
to Wright's 10,400 km: 18,771 km, though single points out to 19,151 km are hit). Such a missile is marked
``orbital``, as is one some shot of which never comes down.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from openbmd.earth import EarthModel, geodesic_direct, geodesic_inverse
from openbmd.flight import Tolerances, Vehicle, fly_launches
from openbmd.flight._kernel import ST_TIMEOUT
from openbmd.flight.aim import _NEAR_ANTIPODE, _antipode_distance_m, _reach_and_farthest

KICK_MIN_RAD, KICK_MAX_RAD = math.radians(0.5), math.radians(80.0)
"""Pitch-over angles surveyed (rad): from nearly vertical to nearly flat."""

N_KICK, N_REFINE, REFINEMENTS = 12, 5, 2
"""The coarse survey's pitch-over angles, the angles of each refinement, and the refinements."""

REACH_TOLERANCES = Tolerances(rtol=1e-6)
"""Integrator tolerances of the survey: ranges within about 1e-5 of the default's, in under half the steps."""

SCREEN_ANTIPODE = 0.75
"""Contour range, as a fraction of the distance to the point opposite the launch point, beyond which a launch
azimuth's bearing is asked for its maximum range (:func:`openbmd.flight.aim._reach_and_farthest`); the contour
takes it where that bearing's farthest shot passes :data:`openbmd.flight.aim._NEAR_ANTIPODE` of the way. Below
0.85 because near the antipode a launch azimuth's farthest shot falls short of its bearing's (Hwasong-14 from
Tabriz, launch azimuth 120 deg: 16,332 km, 0.82 of the way; bearing 120 deg: 17,822 km, 0.89)."""


@dataclass(frozen=True)
class ReachContour:
    """Range contours of one missile from A launch areas, Z launch azimuths each.

    ``launch_lat_rad``/``launch_lon_rad`` (A,); ``azimuth_rad`` (Z,) launch azimuths (clockwise from north);
    ``impact_lat_rad``/``impact_lon_rad``/``range_m``/``bearing_rad`` (A, Z): the farthest impact point on
    each launch azimuth, its geodesic distance (m) and its bearing from the launch point (rad); where the
    farthest shot on the azimuth's bearing passes 85 % of the way to the antipode, the point on that bearing
    (``bearing_rad`` = ``azimuth_rad``) at its maximum range instead (see the module docstring).
    ``orbital`` (A,): whether from that launch point some shot of the survey does not come down before the time
    limit (as :func:`openbmd.flight.reconstruct` marks an orbital fit), or the farthest shot on some bearing passes
    85 % of the way to the antipode, at about 99 % of orbital speed (Hwasong-14 due east of Tabriz: 0.993 of the
    circular speed at burnout; reconstruct's 97 % would also mark SS-25 there, 0.972 at 14,011 km, an ordinary
    ballistic shot).
    """

    launch_lat_rad: NDArray
    launch_lon_rad: NDArray
    azimuth_rad: NDArray
    impact_lat_rad: NDArray
    impact_lon_rad: NDArray
    range_m: NDArray
    bearing_rad: NDArray
    orbital: NDArray

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
    stays_up = np.zeros(nodes, dtype=bool)
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
        stays_up |= (batch.status == ST_TIMEOUT).reshape(nodes, m).any(axis=1)
        if round_ == REFINEMENTS:
            break
        centre = _parabola_vertex(kicks, rng, j)
        half = step / 2 / (N_REFINE - 1) ** round_  # each refinement spans the last one's spacing either side
        kicks = np.clip(centre[:, None] + np.linspace(-half, half, N_REFINE)[None, :], KICK_MIN_RAD, KICK_MAX_RAD)
    ok = best_r > 0
    dist, bearing, _ = geodesic_inverse(node_lat, node_lon, np.where(ok, best_lat, node_lat),
                                        np.where(ok, best_lon, node_lon), earth)
    shape = (a, z)
    out = [best_lat.reshape(shape), best_lon.reshape(shape), np.where(ok, np.asarray(dist), np.nan).reshape(shape),
           np.where(ok, np.asarray(bearing), node_az).reshape(shape)]
    orbital = stays_up.reshape(shape).any(axis=1)
    if earth.is_rotating:  # on a still Earth shots stay in their launch plane: every distance to the farthest is hit
        _near_antipode(vehicle, lat0, lon0, az, out, orbital, earth, tol)
    return ReachContour(lat0, lon0, az, *out, orbital)


def _near_antipode(vehicle: Vehicle, lat0: NDArray, lon0: NDArray, az: NDArray, out: list[NDArray],
                   orbital: NDArray, earth: EarthModel, tol: Tolerances) -> None:
    """Put, in place, the maximum range (:func:`openbmd.flight.aim._reach_and_farthest`) into the contour arrays
    ``out`` (impact lat, lon, range, bearing; (A, Z)) on the launch azimuths whose bearing's farthest shot passes
    :data:`~openbmd.flight.aim._NEAR_ANTIPODE` of the way to the antipode, and mark their launch points orbital.
    Only launch azimuths whose contour range passes :data:`SCREEN_ANTIPODE` of the way are asked: one call (its
    bearings batched) per launch point that has any."""
    lat, lon, rng, bearing = out
    for k in range(lat0.size):  # the few launch points of a near-orbital missile; ordinary missiles skip them all
        anti = _antipode_distance_m(lat0[k], lon0[k], az, earth)
        ask = np.flatnonzero(rng[k] > SCREEN_ANTIPODE * anti)
        if ask.size == 0:
            continue
        reach, far = _reach_and_farthest(vehicle, lat0[k], lon0[k], az[ask], earth, tol)
        near = far > _NEAR_ANTIPODE * anti[ask]
        if not near.any():
            continue
        z = ask[near]
        plat, plon = (np.asarray(x, float) for x in geodesic_direct(lat0[k], lon0[k], az[z], reach[near], earth)[:2])
        lat[k, z], lon[k, z], rng[k, z], bearing[k, z] = plat, plon, reach[near], az[z]
        orbital[k] = True
