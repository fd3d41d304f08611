"""numba kernels of the tracking layer: ballistic flight in ECEF with its state-transition matrix.

ECEF (rotating) equations of motion, with Ω = (0, 0, ω) and the air at rest in ECEF:
``a = g_J2(r) − 2 Ω × v − Ω × (Ω × r) − ρ(h) |v| v / (2β)``; the variational equations
``dΦ/dt = A(x) Φ`` with ``A = [[0, I], [∂g/∂r + diag(ω², ω², 0) + ∂a_D/∂r, −2[Ω×] + ∂a_D/∂v]]`` give the
6×6 state-transition matrix Φ, and ``ds/dt = A s + ∂a/∂ln β`` the sensitivity ``s = ∂x/∂ln β`` of the
state to the (log) ballistic coefficient. Drag uses the US Standard Atmosphere 1976 of
:func:`openbmd.earth.density_kg_m3`, like the truth flight; ``beta <= 0`` flies in vacuum. RK4 on the 48
coupled equations, with steps of at most ``max_step`` s and, in the air (below 120 km), short enough
that the vehicle crosses at most a fifth of a 7 km density scale height per step.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from openbmd.earth.kernels import FAST, density_kg_m3, geodetic_lat_alt, gravity_j2

N_Y = 48
"""State (6), transition matrix (36, row-major), sensitivity to ln β (6)."""
DRAG_TOP_M = 1000e3
"""Drag acts below this height, the top of the tabulated atmosphere (as in the flight kernel)."""
_SCALE_HEIGHT_M = 7000.0  # density scale height of the lower atmosphere (USSA-76: 6-8.5 km below 100 km)
_STEP_AIR_M = 0.2 * _SCALE_HEIGHT_M  # distance flown per RK4 step in the air


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _gravity_gradient(x, mu, j2, re, out):
    """∂g/∂r (3, 3) by central differences of the J2 field (1 m steps)."""
    h = 1.0
    for c in range(3):
        xp0, xp1, xp2 = x[0], x[1], x[2]
        if c == 0:
            a1 = gravity_j2(xp0 + h, xp1, xp2, mu, j2, re)
            a0 = gravity_j2(xp0 - h, xp1, xp2, mu, j2, re)
        elif c == 1:
            a1 = gravity_j2(xp0, xp1 + h, xp2, mu, j2, re)
            a0 = gravity_j2(xp0, xp1 - h, xp2, mu, j2, re)
        else:
            a1 = gravity_j2(xp0, xp1, xp2 + h, mu, j2, re)
            a0 = gravity_j2(xp0, xp1, xp2 - h, mu, j2, re)
        for k in range(3):
            out[k, c] = (a1[k] - a0[k]) / (2.0 * h)


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _rhs(y, mu, j2, re, e2, w, beta, dy, m, a_beta):
    """dy/dt for y = (state 6, Φ 36 row-major, s 6); ``m`` (3, 6) scratch for the lower rows of A."""
    gx, gy, gz = gravity_j2(y[0], y[1], y[2], mu, j2, re)
    ax = gx + 2.0 * w * y[4] + w * w * y[0]
    ay = gy - 2.0 * w * y[3] + w * w * y[1]
    az = gz
    _gravity_gradient(y, mu, j2, re, m)
    for i in range(3):
        for j in range(3, 6):
            m[i, j] = 0.0
        a_beta[i] = 0.0
    m[0, 0] += w * w
    m[1, 1] += w * w
    m[0, 4] = 2.0 * w
    m[1, 3] = -2.0 * w
    r2 = y[0] * y[0] + y[1] * y[1] + y[2] * y[2]
    if beta > 0.0 and r2 < (re + DRAG_TOP_M) ** 2:
        lat, h = geodetic_lat_alt(y[0], y[1], y[2], re, e2, 1)
        rho = density_kg_m3(h)
        v = math.sqrt(y[3] * y[3] + y[4] * y[4] + y[5] * y[5])
        if rho > 0.0 and v > 0.0:
            k = -0.5 * rho / beta
            drho = (density_kg_m3(h + 25.0) - density_kg_m3(h - 25.0)) / 50.0
            lon = math.atan2(y[1], y[0])
            up0, up1, up2 = math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)
            kr = -0.5 * drho / beta * v
            for i in range(3):
                vi = y[3 + i]
                m[i, 0] += kr * vi * up0
                m[i, 1] += kr * vi * up1
                m[i, 2] += kr * vi * up2
                for j in range(3):
                    m[i, 3 + j] += k * (y[3 + i] * y[3 + j] / v + (v if i == j else 0.0))
            ax += k * v * y[3]
            ay += k * v * y[4]
            az += k * v * y[5]
            a_beta[0], a_beta[1], a_beta[2] = -k * v * y[3], -k * v * y[4], -k * v * y[5]
    dy[0], dy[1], dy[2] = y[3], y[4], y[5]
    dy[3], dy[4], dy[5] = ax, ay, az
    for i in range(3):  # rows 0-2 of A: [0 I]
        for j in range(6):
            dy[6 + i * 6 + j] = y[6 + (i + 3) * 6 + j]
        dy[42 + i] = y[42 + 3 + i]
    for i in range(3):
        for j in range(6):
            s = 0.0
            for c in range(6):
                s += m[i, c] * y[6 + c * 6 + j]
            dy[6 + (i + 3) * 6 + j] = s
        s = a_beta[i]
        for c in range(6):
            s += m[i, c] * y[42 + c]
        dy[42 + 3 + i] = s


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _step_limit(y, re, e2, beta, max_step):
    """Longest step (s) at y: ``max_step``, shorter in the air when drag acts."""
    if beta <= 0.0:
        return max_step
    _, h = geodetic_lat_alt(y[0], y[1], y[2], re, e2, 1)
    if h > 120e3:
        return max_step
    v = math.sqrt(y[3] * y[3] + y[4] * y[4] + y[5] * y[5])
    return min(max_step, max(_STEP_AIR_M / max(v, 1.0), 0.02))


@njit(cache=True, fastmath=FAST, error_model="numpy")
def propagate_stm(x0, dt, mu, j2, re, e2, w, beta, max_step):
    """State (6,) after ``dt`` s (either sign), its transition matrix Φ (6, 6) and its sensitivity
    ∂x/∂ln β (6,) to the ballistic coefficient ``beta`` (kg/m²; <= 0: vacuum, zero sensitivity)."""
    y = np.zeros(N_Y)
    y[:6] = x0
    for i in range(6):
        y[6 + i * 6 + i] = 1.0
    k1, k2, k3, k4, tmp = np.empty(N_Y), np.empty(N_Y), np.empty(N_Y), np.empty(N_Y), np.empty(N_Y)
    m = np.empty((3, 6))
    a_beta = np.empty(3)
    left = dt
    while left != 0.0:
        n = max(1, int(math.ceil(abs(left) / _step_limit(y, re, e2, beta, max_step) - 1e-9)))
        h = left / n
        left = 0.0 if n == 1 else left - h
        _rhs(y, mu, j2, re, e2, w, beta, k1, m, a_beta)
        for i in range(N_Y):
            tmp[i] = y[i] + 0.5 * h * k1[i]
        _rhs(tmp, mu, j2, re, e2, w, beta, k2, m, a_beta)
        for i in range(N_Y):
            tmp[i] = y[i] + 0.5 * h * k2[i]
        _rhs(tmp, mu, j2, re, e2, w, beta, k3, m, a_beta)
        for i in range(N_Y):
            tmp[i] = y[i] + h * k3[i]
        _rhs(tmp, mu, j2, re, e2, w, beta, k4, m, a_beta)
        for i in range(N_Y):
            y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])
    return y[:6].copy(), y[6:42].reshape(6, 6).copy(), y[42:].copy()


@njit(cache=True, parallel=True, fastmath=FAST, error_model="numpy")
def propagate_many(x0, dt, mu, j2, re, e2, w, beta, max_step):
    """:func:`propagate_stm` over rows: x0 (N, 6), dt (N,), beta (N,) -> (N, 6), (N, 6, 6), (N, 6)."""
    n = x0.shape[0]
    xs = np.empty((n, 6))
    phis = np.empty((n, 6, 6))
    ss = np.empty((n, 6))
    for i in prange(n):
        xs[i], phis[i], ss[i] = propagate_stm(x0[i], dt[i], mu, j2, re, e2, w, beta[i], max_step)
    return xs, phis, ss
