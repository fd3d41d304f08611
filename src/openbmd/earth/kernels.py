"""Scalar numba kernels for the hot loops: geodetic altitude, J2 gravity, density.

These take plain floats so that flight kernels can inline them.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from openbmd.earth.constants import G0_MPS2

# Fast-math without the no-NaN/no-Inf assumptions: the kernels test for NaN.
FAST = {"nsz", "arcp", "contract", "afn", "reassoc"}

# US Standard Atmosphere 1976, geopotential layers to 86 km: base height (m'),
# base temperature (K), lapse rate (K/m'), base pressure (Pa).
_USSA_H = np.array([0.0, 11000.0, 20000.0, 32000.0, 47000.0, 51000.0, 71000.0, 84852.0])
_USSA_T = np.array([288.15, 216.65, 216.65, 228.65, 270.65, 270.65, 214.65, 186.946])
_USSA_L = np.array([-0.0065, 0.0, 0.001, 0.0028, 0.0, -0.0028, -0.002, 0.0])
_USSA_P = np.array([101325.0, 22632.06, 5474.889, 868.0187, 110.9063, 66.93887, 3.956420, 0.3733834])
# Above 86 km: USSA-76 tabulated densities (NASA-TM-X-74335, Table I), joined by exponentials.
_HI_Z = np.array([86e3, 100e3, 120e3, 150e3, 200e3, 300e3, 400e3, 500e3, 600e3, 700e3, 800e3, 900e3, 1000e3])
_HI_RHO = np.array([6.958e-6, 5.604e-7, 2.222e-8, 2.076e-9, 2.541e-10, 1.916e-11, 2.803e-12,
                    5.215e-13, 1.137e-13, 3.070e-14, 1.136e-14, 5.759e-15, 3.561e-15])
_HI_SCALE = (_HI_Z[1:] - _HI_Z[:-1]) / np.log(_HI_RHO[:-1] / _HI_RHO[1:])  # scale heights (m)
_R0_M = 6356766.0  # USSA-76 effective Earth radius for geopotential height
_M0 = 0.0289644
_RSTAR = 8.31432
_H_MIN_M = -5000.0  # USSA-76 is defined from 5 km below sea level (NASA-TM-X-74335, 1976)
# Geometric heights (m) where the density's slope jumps (layer bases, the 86 km join and the tabulated
# nodes), highest first: an integrator that ends its steps there keeps its high order.
DENSITY_KNOTS_M = np.concatenate([_HI_Z[::-1], (_R0_M * _USSA_H[1:7] / (_R0_M - _USSA_H[1:7]))[::-1]])


@njit(cache=True, fastmath=FAST, error_model="numpy")
def density_kg_m3(h_m: float) -> float:
    """Air density (kg/m^3) at geometric altitude ``h_m`` (m): USSA-76, exponential above 86 km.

    Below ground the lowest layer continues smoothly to its -5 km limit (a flight's last
    integration step may probe there), then holds."""
    if h_m < _H_MIN_M:
        h_m = _H_MIN_M
    if h_m < 86000.0:
        hp = _R0_M * h_m / (_R0_M + h_m)  # geopotential height
        i = 0
        while i < 7 and hp >= _USSA_H[i + 1]:
            i += 1
        dh = hp - _USSA_H[i]
        tb = _USSA_T[i]
        lb = _USSA_L[i]
        if lb == 0.0:
            p = _USSA_P[i] * math.exp(-G0_MPS2 * _M0 * dh / (_RSTAR * tb))
            t = tb
        else:
            t = tb + lb * dh
            p = _USSA_P[i] * (tb / t) ** (G0_MPS2 * _M0 / (_RSTAR * lb))
        return p * _M0 / (_RSTAR * t)
    if h_m >= _HI_Z[-1]:
        return 0.0
    j = 0
    while h_m >= _HI_Z[j + 1]:
        j += 1
    return _HI_RHO[j] * math.exp(-(h_m - _HI_Z[j]) / _HI_SCALE[j])


@njit(cache=True, fastmath=FAST, error_model="numpy")
def speed_of_sound_mps(h_m: float) -> float:
    """Speed of sound (m/s) at geometric altitude ``h_m`` (m): USSA-76 temperature, held at its 86 km value above."""
    h = min(max(h_m, 0.0), 86000.0)
    hp = _R0_M * h / (_R0_M + h)
    i = 0
    while i < 7 and hp >= _USSA_H[i + 1]:
        i += 1
    t = _USSA_T[i] + _USSA_L[i] * (hp - _USSA_H[i])
    return math.sqrt(1.4 * _RSTAR / _M0 * t)


@njit(cache=True, fastmath=FAST, error_model="numpy")
def geodetic_lat_alt(x: float, y: float, z: float, a: float, e2: float, iterations: int = 2) -> tuple[float, float]:
    """Geodetic latitude (rad) and ellipsoidal height (m) of an Earth-centred point.

    Bowring's method; two iterations give sub-millimetre heights up to a few hundred km
    (the flight kernels' need), four give machine precision out to 10,000 km.
    The result does not depend on the x-y rotation, so ECI input works too.
    """
    p = math.sqrt(x * x + y * y)
    if e2 == 0.0:
        return math.atan2(z, p), math.sqrt(p * p + z * z) - a
    q = math.sqrt(1.0 - e2)
    b = a * q
    ep2 = e2 / (1.0 - e2)
    # Sines and cosines by normalising the tangent's two sides: no trigonometry inside the loop.
    d = math.sqrt((a * z) ** 2 + (b * p) ** 2)
    sb, cb = a * z / d, b * p / d  # parametric latitude
    num, den = z, p
    sl, cl = 0.0, 1.0
    for it in range(iterations):
        if it > 0:  # tan(parametric) = sqrt(1 - e2) tan(geodetic)
            d = math.sqrt((q * sl) ** 2 + cl * cl)
            sb, cb = q * sl / d, cl / d
        num = z + ep2 * b * sb * sb * sb
        den = p - e2 * a * cb * cb * cb
        d = math.sqrt(num * num + den * den)
        sl, cl = num / d, den / d
    n = a / math.sqrt(1.0 - e2 * sl * sl)
    if cl > 0.26749882862458735:  # cos(1.3): |latitude| < 1.3 rad
        h = p / cl - n
    else:
        h = z / sl - n * (1.0 - e2)
    return math.atan2(num, den), h


@njit(cache=True, fastmath=FAST, error_model="numpy")
def gravity_j2(x: float, y: float, z: float, mu: float, j2: float, re: float) -> tuple[float, float, float]:
    """Gravitational acceleration (m/s^2) with J2, in any Earth-centred frame sharing the polar axis."""
    r2 = x * x + y * y + z * z
    r = math.sqrt(r2)
    k = -mu / (r2 * r)
    if j2 == 0.0:
        return k * x, k * y, k * z
    c = 1.5 * j2 * (re * re) / r2
    zz = 5.0 * z * z / r2
    fxy = 1.0 + c * (1.0 - zz)
    fz = 1.0 + c * (3.0 - zz)
    return k * x * fxy, k * y * fxy, k * z * fz


@njit(cache=True, fastmath=FAST, error_model="numpy")
def geodetic_arrays(x, y, z, a: float, e2: float):
    """Vectorised :func:`geodetic_lat_alt` (four iterations) over flat arrays: (lat rad, height m)."""
    n = x.shape[0]
    lat = np.empty(n)
    h = np.empty(n)
    for i in range(n):
        lat[i], h[i] = geodetic_lat_alt(x[i], y[i], z[i], a, e2, 4)
    return lat, h


PARALLEL_MIN_POINTS = 65536
"""Arrays at least this long go to the threaded form of a kernel; shorter ones would spend more on waking
threads than they save."""


@njit(cache=True, parallel=True, fastmath=FAST, error_model="numpy")
def geodetic_arrays_parallel(x, y, z, a: float, e2: float):
    """:func:`geodetic_arrays` on threads, for long arrays (the same heights, point by point)."""
    n = x.shape[0]
    lat = np.empty(n)
    h = np.empty(n)
    for i in prange(n):
        lat[i], h[i] = geodetic_lat_alt(x[i], y[i], z[i], a, e2, 4)
    return lat, h


@njit(cache=True, error_model="numpy")
def rotate_z_rows(vec, c, s, out):
    """``out[i]`` = rotation of row ``vec[i]`` (of (n, 3)) about z by the angle with cosine ``c[i]`` and sine
    ``s[i]``: one pass, in plain IEEE order (no fast-math), so it matches the array expression exactly."""
    for i in range(vec.shape[0]):
        x, y = vec[i, 0], vec[i, 1]
        out[i, 0] = c[i] * x - s[i] * y
        out[i, 1] = s[i] * x + c[i] * y
        out[i, 2] = vec[i, 2]


@njit(cache=True, error_model="numpy")
def add_omega_cross_rows(v, r, w, sign, out):
    """``out[i]`` = ``v[i]`` + ``sign`` × (ω ẑ × ``r[i]``) for rows of (n, 3), ω = ``w`` rad/s, ``sign`` ±1:
    the change between inertial and Earth-relative velocity, in plain IEEE order (no fast-math)."""
    for i in range(v.shape[0]):
        ex, ey, ez = -w * r[i, 1], w * r[i, 0], 0.0 * r[i, 2]
        if sign > 0:
            out[i, 0], out[i, 1], out[i, 2] = v[i, 0] + ex, v[i, 1] + ey, v[i, 2] + ez
        else:
            out[i, 0], out[i, 1], out[i, 2] = v[i, 0] - ex, v[i, 1] - ey, v[i, 2] - ez
