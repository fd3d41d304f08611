"""Frame conversions: geodetic <-> ECEF <-> ECI, and local ENU / AER.

Angles are radians, lengths metres. Arrays broadcast. Geodetic/ENU/AER
conversions are pymap3d's, on the given Earth model's ellipsoid.

ECI here is the inertial frame that coincides with ECEF at the scenario epoch
t = 0 and shares its polar axis (no precession or nutation: flights last less
than an hour). ``t_s`` is time since that epoch.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pymap3d
from numpy.typing import ArrayLike, NDArray

from openbmd.earth.kernels import (PARALLEL_MIN_POINTS, add_omega_cross_rows, geodetic_arrays,
                                   geodetic_arrays_parallel, rotate_z_rows)
from openbmd.earth.model import EarthModel

Array = NDArray[np.float64]


@lru_cache(maxsize=8)
def ellipsoid(a_m: float, f: float) -> pymap3d.Ellipsoid:
    """The pymap3d ellipsoid with equatorial radius ``a_m`` (m) and flattening ``f``."""
    return pymap3d.Ellipsoid(a_m, a_m * (1.0 - f), name=f"a={a_m},f={f}")


def _ell(earth: EarthModel) -> pymap3d.Ellipsoid:
    return ellipsoid(earth.a_m, earth.f)


def geodetic_to_ecef(lat_rad: ArrayLike, lon_rad: ArrayLike, alt_m: ArrayLike, earth: EarthModel) -> Array:
    """Geodetic (rad, rad, m) to ECEF position (m), shape (..., 3)."""
    x, y, z = pymap3d.geodetic2ecef(np.asarray(lat_rad, float), np.asarray(lon_rad, float),
                                    np.asarray(alt_m, float), ell=_ell(earth), deg=False)
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def ecef_to_geodetic(r_ecef: ArrayLike, earth: EarthModel) -> tuple[Array, Array, Array]:
    """ECEF position (m), shape (..., 3), to geodetic latitude, longitude (rad) and height (m).

    Bowring's iteration in a numba kernel rather than pymap3d's ecef2geodetic, which
    drifts by decimetres at the altitudes missiles reach.
    """
    r = np.asarray(r_ecef, float)
    flat = r.reshape(-1, 3)
    kernel = geodetic_arrays_parallel if flat.shape[0] >= PARALLEL_MIN_POINTS else geodetic_arrays
    lat, alt = kernel(np.ascontiguousarray(flat[:, 0]), np.ascontiguousarray(flat[:, 1]),
                      np.ascontiguousarray(flat[:, 2]), earth.a_m, earth.e2)
    lon = np.arctan2(r[..., 1], r[..., 0])
    return lat.reshape(r.shape[:-1]), lon, alt.reshape(r.shape[:-1])


def earth_rotation_angle(t_s: ArrayLike, earth: EarthModel) -> Array:
    """Rotation of ECEF relative to ECI since the epoch (rad)."""
    return earth.omega_rad_s * np.asarray(t_s, float)


def _rows(a: Array, shape: tuple[int, ...]) -> Array:
    """``a`` (float) broadcast to ``shape`` as rows of 3: a strided view where its strides allow (the kernels
    read any layout), else a copy."""
    return np.broadcast_to(a, shape).reshape(-1, 3)


def _rotations(angle: Array, vec_shape: tuple[int, ...]) -> tuple[tuple[int, ...], Array, Array]:
    """The broadcast shape of vectors ``vec_shape`` (..., 3) rotated by ``angle`` (rad), and the angle's cosines
    and sines, flat over that shape's rows."""
    shape = np.broadcast_shapes(vec_shape, np.shape(angle) + (3,))
    c = np.ascontiguousarray(np.broadcast_to(np.cos(angle), shape[:-1]), dtype=float).reshape(-1)
    s = np.ascontiguousarray(np.broadcast_to(np.sin(angle), shape[:-1]), dtype=float).reshape(-1)
    return shape, c, s


def _rotate_z(vec: Array, rotations: tuple[tuple[int, ...], Array, Array]) -> Array:
    """``vec`` (..., 3) rotated about z by the angle of ``rotations`` (:func:`_rotations`)."""
    shape, c, s = rotations
    out = np.empty((c.size, 3))
    rotate_z_rows(_rows(vec, shape), c, s, out)
    return out.reshape(shape)


def _reuse(rotations: tuple[tuple[int, ...], Array, Array], angle: Array,
           vec_shape: tuple[int, ...]) -> tuple[tuple[int, ...], Array, Array]:
    """``rotations`` (of ``angle``) again for vectors ``vec_shape`` where they fit, without a second cos/sin."""
    fits = np.broadcast_shapes(vec_shape, rotations[0]) == rotations[0]
    return rotations if fits else _rotations(angle, vec_shape)


def _add_omega_cross(v: Array, r: Array, earth: EarthModel, sign: int) -> Array:
    """``v`` + ``sign`` × (ω × ``r``), ω the Earth's rotation about z; (..., 3) m/s."""
    shape = np.broadcast_shapes(v.shape, r.shape)
    out = np.empty((int(np.prod(shape[:-1], dtype=np.int64)), 3))
    add_omega_cross_rows(_rows(v, shape), _rows(r, shape), float(earth.omega_rad_s), sign, out)
    return out.reshape(shape)


def ecef_to_eci(r_ecef: ArrayLike, t_s: ArrayLike, earth: EarthModel, v_ecef: ArrayLike | None = None):
    """ECEF position (and Earth-relative velocity) at time ``t_s`` to ECI.

    Returns ``r_eci`` or, when ``v_ecef`` is given, ``(r_eci, v_eci)`` where
    ``v_eci = R (v_ecef + omega x r_ecef)``.
    """
    r = np.asarray(r_ecef, float)
    theta = earth_rotation_angle(t_s, earth)
    rot = _rotations(theta, r.shape)
    r_eci = _rotate_z(r, rot)
    if v_ecef is None:
        return r_eci
    v = _add_omega_cross(np.asarray(v_ecef, float), r, earth, 1)
    return r_eci, _rotate_z(v, _reuse(rot, theta, v.shape))


def eci_to_ecef(r_eci: ArrayLike, t_s: ArrayLike, earth: EarthModel, v_eci: ArrayLike | None = None):
    """ECI position (and inertial velocity) to ECEF position (and Earth-relative velocity)."""
    r = np.asarray(r_eci, float)
    theta = earth_rotation_angle(t_s, earth)
    rot = _rotations(-theta, r.shape)
    r_ecef = _rotate_z(r, rot)
    if v_eci is None:
        return r_ecef
    v = np.asarray(v_eci, float)
    v_rot = _rotate_z(v, _reuse(rot, -theta, v.shape))
    return r_ecef, _add_omega_cross(v_rot, r_ecef, earth, -1)


def ecef_to_enu(r_ecef: ArrayLike, lat0_rad: float, lon0_rad: float, alt0_m: float, earth: EarthModel) -> Array:
    """ECEF position (m) to local east-north-up (m) about a geodetic origin."""
    r = np.asarray(r_ecef, float)
    e, n, u = pymap3d.ecef2enu(r[..., 0], r[..., 1], r[..., 2], lat0_rad, lon0_rad, alt0_m, ell=_ell(earth), deg=False)
    return np.stack(np.broadcast_arrays(e, n, u), axis=-1)


def enu_to_ecef(enu_m: ArrayLike, lat0_rad: float, lon0_rad: float, alt0_m: float, earth: EarthModel) -> Array:
    """Local east-north-up (m) about a geodetic origin to ECEF position (m)."""
    enu = np.asarray(enu_m, float)
    x, y, z = pymap3d.enu2ecef(enu[..., 0], enu[..., 1], enu[..., 2], lat0_rad, lon0_rad, alt0_m, ell=_ell(earth), deg=False)
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def enu_rotation(lat_rad: ArrayLike, lon_rad: ArrayLike) -> Array:
    """Rows are the east, north and up unit vectors in ECEF; shape (..., 3, 3)."""
    lat, lon = np.broadcast_arrays(np.asarray(lat_rad, float), np.asarray(lon_rad, float))
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    east = np.stack([-so, co, np.zeros_like(lat)], axis=-1)
    north = np.stack([-sl * co, -sl * so, cl], axis=-1)
    up = np.stack([cl * co, cl * so, sl], axis=-1)
    return np.stack([east, north, up], axis=-2)


def ecef_to_aer(r_ecef: ArrayLike, lat0_rad: float, lon0_rad: float, alt0_m: float, earth: EarthModel) -> tuple[Array, Array, Array]:
    """ECEF target position (m) to azimuth (rad, clockwise from north), elevation (rad) and slant range (m)."""
    r = np.asarray(r_ecef, float)
    az, el, rng = pymap3d.ecef2aer(r[..., 0], r[..., 1], r[..., 2], lat0_rad, lon0_rad, alt0_m, ell=_ell(earth), deg=False)
    return np.asarray(az), np.asarray(el), np.asarray(rng)


def aer_to_ecef(az_rad: ArrayLike, el_rad: ArrayLike, range_m: ArrayLike, lat0_rad: float, lon0_rad: float,
                alt0_m: float, earth: EarthModel) -> Array:
    """Azimuth, elevation (rad) and slant range (m) from a geodetic origin to ECEF position (m)."""
    x, y, z = pymap3d.aer2ecef(az_rad, el_rad, range_m, lat0_rad, lon0_rad, alt0_m, ell=_ell(earth), deg=False)
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)
