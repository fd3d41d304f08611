"""The observer's motion model of the boost: thrust along the Earth-relative velocity at an unknown speed-gain rate
that may grow as the motor's mass falls, up to an unknown burnout time.

The catalog gives an interceptor's burnout speed and burn time (the time an estimate with a range), and the project
flies it in the speed form (:mod:`openbmd.flight`: in the gravity turn the thrust points along the Earth-relative
velocity and holds the inertial speed gain at a constant rate against gravity). A real motor burns at constant
thrust and mass flow, so its thrust acceleration grows as its mass falls: ``k / (1 + q (t_b - t))``, with ``k`` the
acceleration at burnout (m/s²) and ``q`` the mass flow over the burnout mass (1/s; about 0.09 for an SM-3-class
stage of mass ratio 6 over 55 s). The observer models the boost's last part so, with the three figures it does not
know as parameters: the burnout time ``t_b`` (s after launch), ``k`` and ``q``. The law is the flight kernel's own
right-hand side (:func:`openbmd.flight._kernel._rhs`, gravity-turn segment, mass form with a unit burnout mass),
flown here with a fixed-step fourth-order Runge-Kutta in ECI, forward or back in time from a state: a constant-thrust
rocket exactly; the project's speed form differs from it by the gravity it holds against (a few per cent of the
thrust), which the fitted ``k`` and ``q`` absorb (the tests measure both truths). Rows before
:data:`BOOST_MODEL_FROM` of the earliest burnout are left out: there the vehicle may still rise or pitch over, which
this law does not model.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from openbmd.earth import EarthModel, ecef_to_eci, eci_to_ecef
from openbmd.flight._kernel import (N_PARAMS, P_E2, P_J2, P_KIND, P_MASSFORM, P_MDOT, P_MU, P_OMEGA, P_RE,
                                    P_THRUST, SEG_TURN, _rhs)

BOOST_STEP_S = 0.5
"""Longest Runge-Kutta step (s) of the thrust law: its error is far below a millimetre over a 60 s boost."""

BOOST_MODEL_FROM = 0.6
"""The thrust law is fitted to rows from this share of the earliest burnout time on (the vertical rise and the
pitch-over take the first few per cent of the burn; the gravity turn starts once the velocity has come round to the
kick: a check in the tests flies the truth against the law)."""


@njit(cache=True)
def _fly_thrust(y0, t0, k, q, t_b, h, n, earth, out):
    """Fly N ECI states ``y0`` (N, 6) from ``t0`` (N,) under thrust rate ``k`` (N,) m/s² at burnout ``t_b`` (N,) s,
    growing at ``q`` (N,) 1/s, by ``n`` RK4 steps of ``h`` (N,) s (negative: back in time); ``out`` (N, n + 1, 6)
    gets every step's state, the start first."""
    p = np.zeros(N_PARAMS)
    p[P_MU], p[P_J2], p[P_RE], p[P_E2], p[P_OMEGA] = earth[0], earth[1], earth[2], earth[3], earth[4]
    p[P_KIND] = SEG_TURN
    p[P_MASSFORM] = 1.0  # thrust / mass, the mass falling at q: a constant-thrust rocket
    k1, k2, k3, k4 = np.empty(7), np.empty(7), np.empty(7), np.empty(7)
    y, tmp = np.empty(7), np.empty(7)
    for i in range(y0.shape[0]):
        for j in range(6):
            y[j] = y0[i, j]
            out[i, 0, j] = y0[i, j]
        y[6] = max(1.0 + q[i] * (t_b[i] - t0[i]), 1e-3)  # the mass, 1 at burnout
        p[P_THRUST], p[P_MDOT] = k[i], q[i]
        t, hh = t0[i], h[i]
        for s in range(n):
            _rhs(t, y, p, k1)
            for j in range(7):
                tmp[j] = y[j] + 0.5 * hh * k1[j]
            _rhs(t + 0.5 * hh, tmp, p, k2)
            for j in range(7):
                tmp[j] = y[j] + 0.5 * hh * k2[j]
            _rhs(t + 0.5 * hh, tmp, p, k3)
            for j in range(7):
                tmp[j] = y[j] + hh * k3[j]
            _rhs(t + hh, tmp, p, k4)
            for j in range(7):
                y[j] += hh * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]) / 6.0
            for j in range(6):
                out[i, s + 1, j] = y[j]
            t += hh


def _earth_row(earth: EarthModel) -> NDArray:
    return np.array([earth.mu_m3_s2, earth.j2, earth.a_m, earth.e2, earth.omega_rad_s])


def fly_boost_back(x_b_ecef: NDArray, t_b_s: NDArray, k_mps2: NDArray, t_min_s: float, earth: EarthModel,
                   q_per_s: NDArray | float = 0.0) -> tuple[NDArray, NDArray, NDArray]:
    """Fly burnout states ``x_b_ecef`` (N, 6; ECEF m, m/s) at ``t_b_s`` (N,) back under thrust rate ``k_mps2`` (N,)
    at burnout, growing at ``q_per_s`` (N,) 1/s, to ``t_min_s`` or before, on a grid of :data:`BOOST_STEP_S` ending
    at each burnout: sample times (N, K) s, ascending, and ECEF positions and velocities (N, K, 3)."""
    x = np.asarray(x_b_ecef, float).reshape(-1, 6)
    t_b = np.asarray(t_b_s, float).reshape(-1)
    n = max(int(math.ceil((float(np.max(t_b, initial=t_min_s)) - t_min_s) / BOOST_STEP_S)) + 1, 1)
    r_eci, v_eci = ecef_to_eci(x[:, :3], t_b, earth, x[:, 3:])
    out = np.empty((len(x), n + 1, 6))
    _fly_thrust(np.concatenate([r_eci, v_eci], axis=1), t_b, np.asarray(k_mps2, float).reshape(-1),
                np.broadcast_to(np.asarray(q_per_s, float), (len(x),)).copy(), t_b,
                np.full(len(x), -BOOST_STEP_S), n, _earth_row(earth), out)
    out = out[:, ::-1]
    t = t_b[:, None] - BOOST_STEP_S * np.arange(n, -1, -1)[None]
    r, v = eci_to_ecef(out[..., :3], t, earth, out[..., 3:])
    return t, r, v


def thrust_propagate(x_ecef: NDArray, t0_s: float, t1_s: float, k_mps2: float, earth: EarthModel, *,
                     q_per_s: float = 0.0, t_b_s: float = 0.0) -> NDArray:
    """ECEF states ``x_ecef`` (N, 6) at ``t0_s`` flown under thrust rate ``k_mps2`` (at the burnout ``t_b_s``,
    growing at ``q_per_s`` 1/s) to ``t1_s`` (s): (N, 6)."""
    x = np.asarray(x_ecef, float).reshape(-1, 6)
    dt = float(t1_s - t0_s)
    n = max(int(math.ceil(abs(dt) / BOOST_STEP_S)), 1)
    t0 = np.full(len(x), float(t0_s))
    r_eci, v_eci = ecef_to_eci(x[:, :3], t0, earth, x[:, 3:])
    out = np.empty((len(x), n + 1, 6))
    _fly_thrust(np.concatenate([r_eci, v_eci], axis=1), t0, np.full(len(x), float(k_mps2)),
                np.full(len(x), float(q_per_s)), np.full(len(x), float(t_b_s)), np.full(len(x), dt / n),
                n, _earth_row(earth), out)
    r, v = eci_to_ecef(out[:, -1, :3], np.full(len(x), float(t1_s)), earth, out[:, -1, 3:])
    return np.concatenate([r, v], axis=1)
