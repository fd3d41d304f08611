"""numba kernels of the tracking layer: ballistic flight in ECEF with its state-transition matrix.

ECEF (rotating) equations of motion, with Ω = (0, 0, ω):
``a = g_J2(r) − 2 Ω × v − Ω × (Ω × r)``; the variational equations
``dΦ/dt = A(x) Φ`` with ``A = [[0, I], [∂g/∂r + diag(ω², ω², 0), −2[Ω×]]]`` give the
6×6 state-transition matrix Φ. Fixed-step RK4 on the 42 coupled equations.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from openbmd.earth.kernels import FAST, gravity_j2


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _accel(x, mu, j2, re, w, out):
    gx, gy, gz = gravity_j2(x[0], x[1], x[2], mu, j2, re)
    out[0] = gx + 2.0 * w * x[4] + w * w * x[0]
    out[1] = gy - 2.0 * w * x[3] + w * w * x[1]
    out[2] = gz


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
def _rhs(y, mu, j2, re, w, dy, acc, grad):
    """y: 6 state + 36 STM (row-major)."""
    dy[0], dy[1], dy[2] = y[3], y[4], y[5]
    _accel(y, mu, j2, re, w, acc)
    dy[3], dy[4], dy[5] = acc[0], acc[1], acc[2]
    _gravity_gradient(y, mu, j2, re, grad)
    grad[0, 0] += w * w
    grad[1, 1] += w * w
    # dPhi = A Phi; rows 0-2 of A: [0 I]; rows 3-5: [G, C] with C = [[0, 2w, 0], [-2w, 0, 0], [0, 0, 0]]
    for i in range(3):
        for j in range(6):
            dy[6 + i * 6 + j] = y[6 + (i + 3) * 6 + j]
    for i in range(3):
        for j in range(6):
            s = grad[i, 0] * y[6 + j] + grad[i, 1] * y[6 + 6 + j] + grad[i, 2] * y[6 + 12 + j]
            if i == 0:
                s += 2.0 * w * y[6 + 4 * 6 + j]
            elif i == 1:
                s -= 2.0 * w * y[6 + 3 * 6 + j]
            dy[6 + (i + 3) * 6 + j] = s


@njit(cache=True, fastmath=FAST, error_model="numpy")
def propagate_stm(x0, dt, mu, j2, re, w, max_step):
    """State (6,) after ``dt`` s (either sign) and its transition matrix Φ (6, 6)."""
    y = np.zeros(42)
    y[:6] = x0
    for i in range(6):
        y[6 + i * 6 + i] = 1.0
    n = max(1, int(math.ceil(abs(dt) / max_step)))
    h = dt / n
    k1, k2, k3, k4, tmp = np.empty(42), np.empty(42), np.empty(42), np.empty(42), np.empty(42)
    acc = np.empty(3)
    grad = np.empty((3, 3))
    for _ in range(n):
        _rhs(y, mu, j2, re, w, k1, acc, grad)
        for i in range(42):
            tmp[i] = y[i] + 0.5 * h * k1[i]
        _rhs(tmp, mu, j2, re, w, k2, acc, grad)
        for i in range(42):
            tmp[i] = y[i] + 0.5 * h * k2[i]
        _rhs(tmp, mu, j2, re, w, k3, acc, grad)
        for i in range(42):
            tmp[i] = y[i] + h * k3[i]
        _rhs(tmp, mu, j2, re, w, k4, acc, grad)
        for i in range(42):
            y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])
    return y[:6].copy(), y[6:].reshape(6, 6).copy()


@njit(cache=True, parallel=True, fastmath=FAST, error_model="numpy")
def propagate_many(x0, dt, mu, j2, re, w, max_step):
    """:func:`propagate_stm` over rows: x0 (N, 6), dt (N,) -> (N, 6), (N, 6, 6)."""
    n = x0.shape[0]
    xs = np.empty((n, 6))
    phis = np.empty((n, 6, 6))
    for i in prange(n):
        xs[i], phis[i] = propagate_stm(x0[i], dt[i], mu, j2, re, w, max_step)
    return xs, phis
