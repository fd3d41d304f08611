"""Who sees it? Sensor posts and batched first-detection times.

A :class:`SensorPost` is one catalog sensor at one position. The detection model
is geometric and deliberately simple (the tracking layer refines it):

- **radar**: the target is above the radar's horizon (the straight line of sight
  clears the Earth), inside its elevation limits and azimuth sector, and nearer
  than the radar's range against the target's RCS (R ∝ RCS^¼ from the catalog
  reference).
- **space-ir**: a booster is seen while its motor burns, once it has climbed above
  the cloud tops. Coverage is taken as global, as for a full GEO constellation.

A target counts as detected at the first trajectory sample that satisfies these,
so detection times are resolved to the sample spacing.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from openbmd.catalog import Catalog, Sensor
from openbmd.earth import EarthModel, enu_rotation, geodetic_to_ecef
from openbmd.earth.kernels import FAST, geodetic_lat_alt
from openbmd.errors import InputError

RADAR, SPACE_IR = 0, 1
_P_TYPE, _P_X, _P_ENU, _P_BORESIGHT, _P_HALF_WIDTH, _P_MIN_EL, _P_MAX_EL, _P_RANGE, _P_CLOUD = 0, 1, 4, 13, 14, 15, 16, 17, 18
_N_P = 19


@dataclass(frozen=True)
class SensorPost:
    """One sensor at one position: a radar at a place, or a space IR sensor (no position).

    Angles in rad, heights in m. ``boresight_azimuth_rad`` is clockwise from north; it
    is ignored for all-round radars.
    """

    name: str
    sensor: Sensor
    lat_rad: float = math.nan
    lon_rad: float = math.nan
    alt_m: float = math.nan
    boresight_azimuth_rad: float = 0.0

    @property
    def is_radar(self) -> bool:
        return self.sensor.sensor_type == "radar"


def sensor_posts(catalog: Catalog, names: Sequence[str], argument: str = "sensor") -> list[SensorPost]:
    """Posts for catalog names: a place stands for every sensor mounted there; a space IR sensor is global.

    Raises :class:`InputError` naming ``argument`` for unknown names, places without
    sensors, and radars named without a place.
    """
    posts: list[SensorPost] = []
    for name in names:
        entry = _lookup(catalog, name, argument)
        if entry.kind == "sensor":
            if entry.sensor_type == "radar":
                raise InputError(f"{name!r} is a radar type; name the place it stands at "
                                 f"(e.g. {_example_place(catalog, name)})", argument)
            posts.append(SensorPost(entry.name, entry))
            continue
        if entry.kind != "place" or not entry.sensors:
            raise InputError(f"{name!r} has no sensors; name a place with a radar or a space IR sensor", argument)
        posts.extend(place_posts(catalog, name))
    return posts


def place_posts(catalog: Catalog, place_name: str) -> list[SensorPost]:
    """The sensors mounted at a catalog place, as posts named ``place/sensor``; where a place mounts one sensor
    type more than once (Armavir's two Voronezh faces) each is named by its boresight, ``place/sensor@135``."""
    place = catalog.place(place_name)
    count = Counter(m.sensor for m in place.sensors)

    def name(m) -> str:
        face = f"@{m.boresight_azimuth_deg or 0.0:g}" if count[m.sensor] > 1 else ""
        return f"{place.name}/{m.sensor}{face}"

    return [SensorPost(name(m), catalog.sensor(m.sensor), math.radians(place.lat_deg),
                       math.radians(place.lon_deg), place.alt_m, math.radians(m.boresight_azimuth_deg or 0.0))
            for m in place.sensors]


def _lookup(catalog: Catalog, name: str, argument: str):
    from openbmd.errors import UnknownNameError

    try:
        return catalog.get(name)
    except UnknownNameError as exc:
        raise UnknownNameError(str(exc), argument) from None


def _example_place(catalog: Catalog, sensor_name: str) -> str:
    for place in catalog.entries("places"):
        if any(m.sensor == sensor_name for m in place.sensors):
            return place.name
    return "a site"


def post_parameters(posts: Sequence[SensorPost], earth: EarthModel, rcs_m2: float) -> NDArray:
    """The kernel's (P, 19) parameter rows for ``posts`` against a target of ``rcs_m2`` (m²)."""
    rows = np.zeros((len(posts), _N_P))
    for k, post in enumerate(posts):
        s = post.sensor
        if post.is_radar:
            rows[k, _P_TYPE] = RADAR
            rows[k, _P_X:_P_X + 3] = geodetic_to_ecef(post.lat_rad, post.lon_rad, post.alt_m, earth)
            rows[k, _P_ENU:_P_ENU + 9] = enu_rotation(post.lat_rad, post.lon_rad).ravel()
            rows[k, _P_BORESIGHT] = post.boresight_azimuth_rad
            rows[k, _P_HALF_WIDTH] = math.radians(s.sector_half_width_deg)
            rows[k, _P_MIN_EL] = math.radians(s.min_elevation_deg)
            rows[k, _P_MAX_EL] = math.radians(s.max_elevation_deg)
            rows[k, _P_RANGE] = s.range_against_m(rcs_m2)
        else:
            rows[k, _P_TYPE] = SPACE_IR
            rows[k, _P_CLOUD] = s.cloud_top_altitude_m
    return rows


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _clears_earth(sx, sy, sz, tx, ty, tz, a, b):
    """True when the segment sensor→target stays outside the ellipsoid (scaled to a unit sphere)."""
    px, py, pz = sx / a, sy / a, sz / b
    dx, dy, dz = tx / a - px, ty / a - py, tz / b - pz
    dd = dx * dx + dy * dy + dz * dz
    if dd == 0.0:
        return True
    u = -(px * dx + py * dy + pz * dz) / dd
    if u <= 0.0 or u >= 1.0:
        return True  # nearest point is an end point, both of which are above ground
    qx, qy, qz = px + u * dx, py + u * dy, pz + u * dz
    return qx * qx + qy * qy + qz * qz >= 1.0 - 1e-9


@njit(cache=True, fastmath=FAST, error_model="numpy")
def sees(p, t, x, y, z, burnout_t, a, e2):
    """Whether the post with parameter row ``p`` sees a target at ECEF (x, y, z) m at time t s."""
    if p[_P_TYPE] == SPACE_IR:
        if t > burnout_t:
            return False
        _, h = geodetic_lat_alt(x, y, z, a, e2)
        return h >= p[_P_CLOUD]
    dx, dy, dz = x - p[_P_X], y - p[_P_X + 1], z - p[_P_X + 2]
    rng = math.sqrt(dx * dx + dy * dy + dz * dz)
    if rng > p[_P_RANGE] or rng == 0.0:
        return False
    e = p[_P_ENU] * dx + p[_P_ENU + 1] * dy + p[_P_ENU + 2] * dz
    n = p[_P_ENU + 3] * dx + p[_P_ENU + 4] * dy + p[_P_ENU + 5] * dz
    u = p[_P_ENU + 6] * dx + p[_P_ENU + 7] * dy + p[_P_ENU + 8] * dz
    el = math.asin(min(max(u / rng, -1.0), 1.0))
    if el < p[_P_MIN_EL] or el > p[_P_MAX_EL]:
        return False
    if p[_P_HALF_WIDTH] < math.pi:
        off = math.atan2(e, n) - p[_P_BORESIGHT]
        off = (off + math.pi) % (2.0 * math.pi) - math.pi
        if abs(off) > p[_P_HALF_WIDTH]:
            return False
    return _clears_earth(p[_P_X], p[_P_X + 1], p[_P_X + 2], x, y, z, a, a * math.sqrt(1.0 - e2))


@njit(cache=True, parallel=True, fastmath=FAST, error_model="numpy")
def _first_detection(t, r, burnout_t, params, a, e2):
    n, k = t.shape
    first_t = np.full(n, np.inf)
    who = np.full(n, -1, dtype=np.int64)
    for i in prange(n):
        for j in range(k):
            tj = t[i, j]
            if not tj <= first_t[i]:  # NaN padding, or later than a detection already made
                break
            for q in range(params.shape[0]):
                if sees(params[q], tj, r[i, j, 0], r[i, j, 1], r[i, j, 2], burnout_t[i], a, e2):
                    first_t[i] = tj
                    who[i] = q
                    break
            if who[i] >= 0:
                break
    return first_t, who


def first_detection(t_s: NDArray, r_ecef: NDArray, burnout_t_s: NDArray, posts: Sequence[SensorPost],
                    earth: EarthModel, rcs_m2: float) -> tuple[NDArray, NDArray]:
    """First time (s) any post sees each of N sampled targets, and which post (index; -1 = never).

    ``t_s`` (N, K) sample times (NaN padding after the last), ``r_ecef`` (N, K, 3) m,
    ``burnout_t_s`` (N,) the end of each booster's burn (for space IR); never seen gives inf.
    """
    if not posts:
        n = t_s.shape[0]
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    params = post_parameters(posts, earth, rcs_m2)
    return _first_detection(np.ascontiguousarray(t_s, float), np.ascontiguousarray(r_ecef, float),
                            np.ascontiguousarray(burnout_t_s, float), params, earth.a_m, earth.e2)


@njit(cache=True, parallel=True, fastmath=FAST, error_model="numpy")
def _visibility(t, r, burnout_t, params, a, e2):
    n, k = t.shape
    out = np.zeros((n, k, params.shape[0]), dtype=np.bool_)
    for i in prange(n):
        for j in range(k):
            if t[i, j] == t[i, j]:
                for q in range(params.shape[0]):
                    out[i, j, q] = sees(params[q], t[i, j], r[i, j, 0], r[i, j, 1], r[i, j, 2], burnout_t[i], a, e2)
    return out


def visibility(t_s: NDArray, r_ecef: NDArray, burnout_t_s: NDArray, posts: Sequence[SensorPost],
               earth: EarthModel, rcs_m2: float) -> NDArray:
    """(N, K, P) booleans: whether post p sees target n at sample k (same arguments as :func:`first_detection`)."""
    params = post_parameters(posts, earth, rcs_m2)
    return _visibility(np.ascontiguousarray(t_s, float), np.ascontiguousarray(r_ecef, float),
                       np.ascontiguousarray(burnout_t_s, float), params, earth.a_m, earth.e2)
