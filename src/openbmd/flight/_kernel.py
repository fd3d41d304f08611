"""Numba kernel: batched flight of N trajectories (boost, ballistic, re-entry) in ECI.

Each trajectory is integrated in its own thread-parallel loop iteration: in free
flight above HIGH_ORDER_ABOVE_M by Dormand and Prince's 8(5,3) pair (DOP853), below
it and in powered flight by their 5(4) pair under a PI step-size controller
(Gustafsson, Lundh & Soderlind, BIT 28, 1988; Hairer & Wanner, Solving ODEs II,
IV.2); a falling body's steps end on the atmosphere's density knots.
Events (burnout, apogee, re-entry, impact) are located on a quintic Hermite
interpolant of each step. Only events and, if asked, thinned samples are stored.

Private module: use :func:`openbmd.flight.propagate`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange
from scipy.integrate._ivp import dop853_coefficients as _dop853

from openbmd.earth.constants import G0_MPS2 as G0
from openbmd.earth.kernels import (DENSITY_KNOTS_M, FAST, density_kg_m3, geodetic_lat_alt, gravity_j2,
                                   speed_of_sound_mps)

# Index of each event in the event arrays.
EV_BURNOUT, EV_APOGEE, EV_REENTRY, EV_IMPACT = 0, 1, 2, 3
N_EVENTS = 4
# Trajectory status codes.
ST_IMPACT, ST_TIMEOUT, ST_BOOST_CRASH = 0, 1, 2
_ST_ALIGNED = 3  # internal: a held kick's velocity has reached it (the gravity turn starts)
_ALIGN = N_EVENTS  # event function code (not stored): cos(velocity's tilt) - cos(kick)
REENTRY_ALT_M = 100e3
# PI step-size control, with the exponents of Hairer's DOPRI5 code (beta = 0.04): the new step is
# h * safety * err_old**beta / err**alpha, err and err_old this and the last accepted step's error norms;
# bounds on the step's change, and the safety factor.
_PI_BETA = 0.04
_PI_ALPHA = 0.2 - 0.75 * _PI_BETA
_SAFETY = 0.9
_SHRINK_MAX, _GROW_MAX = 0.2, 5.0

# Heights (m, highest first) where the density's slope jumps and drag matters: a falling body's step that
# would cross one is shortened to end there (predicted from the height's rate and acceleration), so that
# a kink never sits inside a step, where it costs a fifth-order step its order and a string of rejections.
# Within a fiftieth of a step from its start, a knot is left inside the step (its error is then small).
KNOTS_M = DENSITY_KNOTS_M[DENSITY_KNOTS_M <= 120e3]
_KNOT_NEAR = 0.02
_FIRST_HIGH_STEP = 0.1  # the first eighth-order step, as a fraction of the orbital time scale
_FIRST_LOW_STEP_S = 15.0  # the first fifth-order step (s) after eighth-order ones, coming down
_DRAG_GROWTH_BELOW_M = 120e3  # where the fifth-order steps anticipate the drag's growth

# Segment kinds: what drives the vehicle. A boost's steering phases run once each, in order, set per segment
# by fly_batch: the vertical rise and the pitch-over ramp by the programme's time, then the kick held until
# the Earth-relative velocity has tilted as far (located on the step's interpolant, and latched), then the
# gravity turn to burnout. Nothing is re-tested per evaluation, so the tilt the vertical rise left (Earth's
# rotation, geodetic up against the gravity direction) cannot take over from a small kick before it starts.
SEG_BALLISTIC, SEG_VERTICAL, SEG_KICK, SEG_HOLD, SEG_TURN = 0, 1, 2, 3, 4

# Parameter vector layout (one vector per trajectory segment).
P_MU, P_J2, P_RE, P_E2, P_OMEGA, P_DRAG, P_BETA = 0, 1, 2, 3, 4, 5, 6
P_KIND, P_THRUST, P_MDOT, P_MASSFORM, P_AZ, P_KICK, P_DVRATE, P_KICK_T0, P_KICK_DT = 7, 8, 9, 10, 11, 12, 13, 14, 15
P_AREA = 16
N_PARAMS = 17

# Boost drag coefficient against Mach number: the shape of the V-2 drag curve, a slender
# body with a pointed nose (Sutton & Biblarz, Rocket Propulsion Elements, 8th ed., 2010, Fig. 4-2),
# smoothed; an estimate for every missile, uncertain by about +-30 %.
CD_MACH = np.array([0.0, 0.6, 0.8, 0.95, 1.05, 1.2, 1.5, 2.0, 3.0, 4.0, 6.0, 10.0])
CD_VALUE = np.array([0.20, 0.20, 0.22, 0.30, 0.40, 0.42, 0.38, 0.32, 0.26, 0.23, 0.20, 0.18])


@njit(cache=True, fastmath=FAST, error_model="numpy")
def boost_drag_coefficient(mach: float) -> float:
    """Zero-lift drag coefficient of a missile in powered flight at this Mach number (table above)."""
    if mach >= CD_MACH[-1]:
        return CD_VALUE[-1]
    j = 0
    while mach >= CD_MACH[j + 1]:
        j += 1
    w = (mach - CD_MACH[j]) / (CD_MACH[j + 1] - CD_MACH[j])
    return CD_VALUE[j] + w * (CD_VALUE[j + 1] - CD_VALUE[j])


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _rough_height(x, y, z, r2, p):
    """Height (m) over the ellipsoid's radius at the geocentric latitude: tens of metres off the geodetic
    height at a few hundred km, and far cheaper."""
    return math.sqrt(r2) - p[P_RE] * (1.0 - 0.5 * p[P_E2] * z * z / r2)


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _height(x, y, z, p):
    """Geodetic height (m), from the rough height where that is far above every event height (250 km)."""
    h = _rough_height(x, y, z, x * x + y * y + z * z, p)
    if h < 250e3:
        lat, h = geodetic_lat_alt(x, y, z, p[P_RE], p[P_E2])
    return h


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _rhs(t, y, p, out):
    """Derivative of y = (r_eci, v_eci, mass) for the segment described by p."""
    x, yy, z = y[0], y[1], y[2]
    vx, vy, vz = y[3], y[4], y[5]
    gx, gy, gz = gravity_j2(x, yy, z, p[P_MU], p[P_J2], p[P_RE])
    ax, ay, az = gx, gy, gz
    w = p[P_OMEGA]
    vrx, vry, vrz = vx + w * yy, vy - w * x, vz  # velocity relative to the rotating Earth
    kind = int(p[P_KIND])
    dm = 0.0
    if kind == SEG_BALLISTIC:
        # Drag acts up to the top of the tabulated atmosphere (1000 km): a cut-off lower
        # down would be a jump in the force that the step control has to crawl over.
        r2 = x * x + yy * yy + z * z
        if p[P_DRAG] > 0.0 and r2 < (p[P_RE] + 1000e3) ** 2:
            # Above ~130 km the height over the ellipsoid radius at the geocentric latitude
            # (tens of metres off) is good enough for density and far cheaper than geodetic.
            h = _rough_height(x, yy, z, r2, p)
            if h < 130e3:  # one Bowring iteration is sub-millimetre this low
                lat, h = geodetic_lat_alt(x, yy, z, p[P_RE], p[P_E2], 1)
            rho = density_kg_m3(h)
            vr = math.sqrt(vrx * vrx + vry * vry + vrz * vrz)
            k = -0.5 * rho * vr / p[P_BETA]
            ax += k * vrx
            ay += k * vry
            az += k * vrz
    else:
        lat, h = geodetic_lat_alt(x, yy, z, p[P_RE], p[P_E2])
        lon = math.atan2(yy, x)
        cl, sl, co, so = math.cos(lat), math.sin(lat), math.cos(lon), math.sin(lon)
        upx, upy, upz = cl * co, cl * so, sl
        vr = math.sqrt(vrx * vrx + vry * vry + vrz * vrz)
        if kind == SEG_VERTICAL:
            ux, uy, uz = upx, upy, upz
        elif kind == SEG_TURN and vr > 1.0:
            # Gravity turn: thrust along the Earth-relative velocity. It starts where the velocity has come
            # round to the held kick, so the thrust's direction is continuous there.
            ux, uy, uz = vrx / vr, vry / vr, vrz / vr
        else:
            # Pitch-over ramp, then its hold: the commanded attitude, tilted from the local vertical toward
            # the launch azimuth by an angle that grows linearly in time to the kick and stays there.
            frac = min(max((t - p[P_KICK_T0]) / p[P_KICK_DT], 0.0), 1.0)
            pitch = p[P_KICK] * frac
            sa, ca = math.sin(p[P_AZ]), math.cos(p[P_AZ])
            hx = sa * (-so) + ca * (-sl * co)
            hy = sa * co + ca * (-sl * so)
            hz = ca * cl
            cp, sp = math.cos(pitch), math.sin(pitch)
            ux, uy, uz = cp * upx + sp * hx, cp * upy + sp * hy, cp * upz + sp * hz
        if p[P_MASSFORM] > 0.0:
            at = p[P_THRUST] / y[6]
            dm = -p[P_MDOT]
            if p[P_AREA] > 0.0 and h < 120e3:  # boost drag: reference area x Cd(Mach)
                cd = boost_drag_coefficient(vr / speed_of_sound_mps(h))
                k = -0.5 * density_kg_m3(h) * vr * cd * p[P_AREA] / y[6]
                ax += k * vrx
                ay += k * vry
                az += k * vrz
        else:
            at = p[P_DVRATE] - (gx * ux + gy * uy + gz * uz)
            if at < 0.0:
                at = 0.0
        ax += at * ux
        ay += at * uy
        az += at * uz
    out[0], out[1], out[2] = vx, vy, vz
    out[3], out[4], out[5] = ax, ay, az
    out[6] = dm


# Dormand-Prince 5(4) tableau (Dormand & Prince, J. Comput. Appl. Math. 6, 1980; Hairer, Norsett & Wanner,
# Solving ODEs I, Table II.5.2): nodes, stage weights, 5th-order weights and the error weights (5th - 4th).
_C2, _C3, _C4, _C5 = 1 / 5, 3 / 10, 4 / 5, 8 / 9
_A21 = 1 / 5
_A31, _A32 = 3 / 40, 9 / 40
_A41, _A42, _A43 = 44 / 45, -56 / 15, 32 / 9
_A51, _A52, _A53, _A54 = 19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729
_A61, _A62, _A63, _A64, _A65 = 9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656
_B1, _B3, _B4, _B5, _B6 = 35 / 384, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84
_E1, _E3, _E4, _E5, _E6, _E7 = 71 / 57600, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _dp_step(t, y, f0, h, p, k, y1, tmp, rtol, atol_r, atol_v):
    """One DP5(4) trial step. Fills k (7 stages; k[0] = f0) and y1; returns the scaled error norm."""
    for j in range(7):
        k[0, j] = f0[j]
        tmp[j] = y[j] + h * (_A21 * f0[j])
    _rhs(t + _C2 * h, tmp, p, k[1])
    for j in range(7):
        tmp[j] = y[j] + h * (_A31 * f0[j] + _A32 * k[1, j])
    _rhs(t + _C3 * h, tmp, p, k[2])
    for j in range(7):
        tmp[j] = y[j] + h * (_A41 * f0[j] + _A42 * k[1, j] + _A43 * k[2, j])
    _rhs(t + _C4 * h, tmp, p, k[3])
    for j in range(7):
        tmp[j] = y[j] + h * (_A51 * f0[j] + _A52 * k[1, j] + _A53 * k[2, j] + _A54 * k[3, j])
    _rhs(t + _C5 * h, tmp, p, k[4])
    for j in range(7):
        tmp[j] = y[j] + h * (_A61 * f0[j] + _A62 * k[1, j] + _A63 * k[2, j] + _A64 * k[3, j] + _A65 * k[4, j])
    _rhs(t + h, tmp, p, k[5])
    for j in range(7):
        y1[j] = y[j] + h * (_B1 * f0[j] + _B3 * k[2, j] + _B4 * k[3, j] + _B5 * k[4, j] + _B6 * k[5, j])
    _rhs(t + h, y1, p, k[6])
    err = 0.0
    for j in range(6):
        e = h * (_E1 * f0[j] + _E3 * k[2, j] + _E4 * k[3, j] + _E5 * k[4, j] + _E6 * k[5, j] + _E7 * k[6, j])
        sc = (atol_r if j < 3 else atol_v) + rtol * max(abs(y[j]), abs(y1[j]))
        err += (e / sc) ** 2
    return math.sqrt(err / 6.0)


# Dormand-Prince 8(5,3) tableau (Hairer, Norsett & Wanner, Solving ODEs I, 2nd ed., II.10; the coefficients of
# Hairer's DOP853 code, as scipy ships them): 12 stages, the 8th-order weights, and the 5th- and 3rd-order
# error weights whose blend is the error estimate. Free flight above HIGH_ORDER_ABOVE_M takes these steps:
# at the free-flight tolerances they are about 2.5 times the fifth-order ones, for twice the stages.
_A8 = np.ascontiguousarray(_dop853.A[:12, :12])
_B8 = np.ascontiguousarray(_dop853.B)
_C8 = np.ascontiguousarray(_dop853.C[:12])
_E8_5 = np.ascontiguousarray(_dop853.E5[:12])
_E8_3 = np.ascontiguousarray(_dop853.E3[:12])
# Its seventh-order dense output: three more stages and the interpolant's coefficients.
_A8X = np.ascontiguousarray(_dop853.A[13:16, :16])
_C8X = np.ascontiguousarray(_dop853.C[13:16])
_D8 = np.ascontiguousarray(_dop853.D)
HIGH_ORDER_ABOVE_M = 160e3
_LOW_ORDER_FROM_M = 150e3  # a falling body's last eighth-order step aims here, a little below the switch
_SHRINK_MAX_8, _GROW_MAX_8 = 0.333, 6.0


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _dop853_step(t, y, f0, h, p, k, y1, tmp, rtol, atol_r, atol_v):
    """One DOP853 trial step. Fills k (13 rows: the 12 stages, then f(t+h, y1)) and y1; returns the error norm
    (Hairer's blend of the 5th- and 3rd-order estimates)."""
    for j in range(7):
        k[0, j] = f0[j]
    for s in range(1, 12):
        for j in range(7):
            acc = 0.0
            for q in range(s):
                acc += _A8[s, q] * k[q, j]
            tmp[j] = y[j] + h * acc
        _rhs(t + _C8[s] * h, tmp, p, k[s])
    for j in range(7):
        acc = 0.0
        for q in range(12):
            acc += _B8[q] * k[q, j]
        y1[j] = y[j] + h * acc
    _rhs(t + h, y1, p, k[12])
    err5, err3 = 0.0, 0.0
    for j in range(6):
        e5, e3 = 0.0, 0.0
        for q in range(12):
            e5 += _E8_5[q] * k[q, j]
            e3 += _E8_3[q] * k[q, j]
        sc = (atol_r if j < 3 else atol_v) + rtol * max(abs(y[j]), abs(y1[j]))
        err5 += (e5 / sc) ** 2
        err3 += (e3 / sc) ** 2
    if err5 == 0.0:
        return 0.0
    return abs(h) * err5 / math.sqrt((err5 + 0.01 * err3) * 6.0)


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _dop853_dense(t, y, h, p, k, y1, F, tmp):
    """DOP853's dense output over the step just taken (k: its 13 stages, filled here to 16): F (7, 7)."""
    for s in range(13, 16):
        for j in range(7):
            acc = 0.0
            for q in range(s):
                acc += _A8X[s - 13, q] * k[q, j]
            tmp[j] = y[j] + h * acc
        _rhs(t + _C8X[s - 13] * h, tmp, p, k[s])
    for j in range(7):
        dy = y1[j] - y[j]
        F[0, j] = dy
        F[1, j] = h * k[0, j] - dy
        F[2, j] = 2.0 * dy - h * (k[12, j] + k[0, j])
        for r in range(4):
            acc = 0.0
            for q in range(16):
                acc += _D8[r, q] * k[q, j]
            F[3 + r, j] = h * acc


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _interpolate(y0, f0, y1, f1, h, s, F, dense, out):
    """The state at fraction s of a step: DOP853's dense output F where ``dense``, else quintic Hermite."""
    if not dense:
        _hermite(y0, f0, y1, f1, h, s, out)
        return
    for j in range(7):
        acc = 0.0
        for r in range(6, -1, -1):
            acc += F[r, j]
            acc *= s if r % 2 == 0 else 1.0 - s
        out[j] = y0[j] + acc


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _hermite(y0, f0, y1, f1, h, s, out):
    """Quintic Hermite interpolation of position/velocity (and linear mass) at fraction s of a step."""
    s2 = s * s
    s3 = s2 * s
    s4 = s3 * s
    s5 = s4 * s
    h0 = 1 - 10 * s3 + 15 * s4 - 6 * s5
    h1 = s - 6 * s3 + 8 * s4 - 3 * s5
    h2 = 0.5 * s2 - 1.5 * s3 + 1.5 * s4 - 0.5 * s5
    h3 = 10 * s3 - 15 * s4 + 6 * s5
    h4 = -4 * s3 + 7 * s4 - 3 * s5
    h5 = 0.5 * s3 - s4 + 0.5 * s5
    d0 = -30 * s2 + 60 * s3 - 30 * s4
    d1 = 1 - 18 * s2 + 32 * s3 - 15 * s4
    d2 = s - 4.5 * s2 + 6 * s3 - 2.5 * s4
    d3 = 30 * s2 - 60 * s3 + 30 * s4
    d4 = -12 * s2 + 28 * s3 - 15 * s4
    d5 = 1.5 * s2 - 4 * s3 + 2.5 * s4
    for j in range(3):
        out[j] = (h0 * y0[j] + h * h1 * f0[j] + h * h * h2 * f0[j + 3]
                  + h3 * y1[j] + h * h4 * f1[j] + h * h * h5 * f1[j + 3])
        out[j + 3] = (d0 * y0[j] + h * d1 * f0[j] + h * h * d2 * f0[j + 3]
                      + d3 * y1[j] + h * d4 * f1[j] + h * h * d5 * f1[j + 3]) / h
    out[6] = y0[6] + s * (y1[6] - y0[6])


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _hold_margin(y, p):
    """cos(tilt of the Earth-relative velocity from the geodetic vertical) - cos(kick): positive while the
    velocity is steeper than the held kick; 1 below 1 m/s (no direction yet)."""
    w = p[P_OMEGA]
    vrx, vry, vrz = y[3] + w * y[1], y[4] - w * y[0], y[5]
    vr = math.sqrt(vrx * vrx + vry * vry + vrz * vrz)
    if vr <= 1.0:
        return 1.0
    lat, h = geodetic_lat_alt(y[0], y[1], y[2], p[P_RE], p[P_E2])
    lon = math.atan2(y[1], y[0])
    cl = math.cos(lat)
    return (vrx * cl * math.cos(lon) + vry * cl * math.sin(lon) + vrz * math.sin(lat)) / vr - math.cos(p[P_KICK])


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _event_value(kind, y, p):
    if kind == EV_APOGEE:
        return y[0] * y[3] + y[1] * y[4] + y[2] * y[5]
    if kind == _ALIGN:
        return _hold_margin(y, p)
    lat, h = geodetic_lat_alt(y[0], y[1], y[2], p[P_RE], p[P_E2])
    if kind == EV_REENTRY:
        return h - REENTRY_ALT_M
    return h


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _locate(kind, y0, f0, y1, f1, h, g0, g1, p, F, dense, out):
    """Root of an event function inside a step (Illinois method on the interpolant); returns the fraction."""
    a, b = 0.0, 1.0
    ga, gb = g0, g1
    side = 0
    s = 0.5
    for _ in range(60):
        s = (a * gb - b * ga) / (gb - ga) if gb != ga else 0.5 * (a + b)
        _interpolate(y0, f0, y1, f1, h, s, F, dense, out)
        gs = _event_value(kind, out, p)
        if gs * gb > 0.0:
            b, gb = s, gs
            if side == -1:
                ga *= 0.5
            side = -1
        else:
            a, ga = s, gs
            if side == 1:
                gb *= 0.5
            side = 1
        if (b - a) * h < 1e-7 or gs == 0.0:
            break
    _interpolate(y0, f0, y1, f1, h, s, F, dense, out)
    return s


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _time_to_knot(y, f, alt, rdot, high):
    """Predicted time (s) until a falling body at state y (derivative f, height alt m, rdot = r.v) reaches the
    next density knot below it, or in eighth-order flight (``high``) the height where the fifth-order steps
    take over; inf if none (or the fall stops first). Height follows the radius here: its second-order Taylor
    series in time, in closed form."""
    if high:
        d = alt - _LOW_ORDER_FROM_M
    else:
        j = 0
        while j < KNOTS_M.shape[0] and KNOTS_M[j] > alt - 1.0:
            j += 1
        if j == KNOTS_M.shape[0]:
            return math.inf
        d = alt - KNOTS_M[j]
    r = math.sqrt(y[0] * y[0] + y[1] * y[1] + y[2] * y[2])
    hdot = rdot / r
    hdd = (y[3] * y[3] + y[4] * y[4] + y[5] * y[5] + y[0] * f[3] + y[1] * f[4] + y[2] * f[5]) / r - hdot * hdot / r
    disc = hdot * hdot - 2.0 * hdd * d
    if disc < 0.0:
        return math.inf
    den = math.sqrt(disc) - hdot
    return 2.0 * d / den if den > 0.0 else math.inf


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _store(ev_t, ev_y, i, kind, t, y):
    ev_t[i, kind] = t
    for j in range(6):
        ev_y[i, kind, j] = y[j]


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _integrate(i, t, y, t_end, p, ballistic, rtol, atol_r, atol_v, atol_v_reentry, h_max, h_init,
               ev_t, ev_y, samples, n_samp, sample_dt):
    """Integrate trajectory i from t to t_end (or impact). Returns (t, status, h_next); y is updated in place.

    ``atol_v_reentry`` (m/s) replaces ``atol_v`` in unpowered flight below the re-entry height on the way
    down; ``h_init`` <= 0 asks for an estimated first step."""
    f0 = np.empty(7)
    f1 = np.empty(7)
    y1 = np.empty(7)
    tmp = np.empty(7)
    smp = np.empty(7)
    k = np.empty((7, 7))
    k8 = np.empty((16, 7))
    F = np.empty((7, 7))
    _rhs(t, y, p, f0)
    alt0 = _height(y[0], y[1], y[2], p)
    t_orbit = math.sqrt((y[0] * y[0] + y[1] * y[1] + y[2] * y[2]) ** 1.5 / p[P_MU])  # sqrt(r^3/mu), s
    if h_init <= 0.0:  # a fiftieth of the orbital time scale: tens of seconds in space
        h_init = 0.02 * t_orbit
    if ballistic and alt0 > HIGH_ORDER_ABOVE_M:  # eighth order in space: a tenth of it (~80 s)
        h_init = max(h_init, _FIRST_HIGH_STEP * t_orbit)
    h = min(h_init, h_max, t_end - t)
    rdot0 = y[0] * y[3] + y[1] * y[4] + y[2] * y[5]
    n_max = samples.shape[1]
    rejected = False
    log_err_old = math.log(1e-4)  # the log of the last accepted step's error norm (PI control)
    knots = ballistic and p[P_DRAG] > 0.0
    high_last = False
    hold = not ballistic and int(p[P_KIND]) == SEG_HOLD
    g_hold0 = _hold_margin(y, p) if hold else 1.0
    if g_hold0 <= 0.0:  # the velocity is already as far over as the kick: the gravity turn starts now
        return t, _ST_ALIGNED, h_init
    while t < t_end:
        h = min(h, t_end - t)
        h_free = h  # the step control's own choice, before a knot shortens it
        high = ballistic and alt0 > HIGH_ORDER_ABOVE_M
        if not high and high_last:  # down from the eighth-order steps: start the fifth-order ones afresh
            h = min(h, _FIRST_LOW_STEP_S)
            h_free = h
            log_err_old = math.log(1e-4)
        high_last = high
        if knots and rdot0 < 0.0 and alt0 < 1000e3:
            tau = _time_to_knot(y, f0, alt0, rdot0, high)
            if _KNOT_NEAR * h < tau < h:
                h = tau
        atol_v_now = atol_v_reentry if ballistic and alt0 < REENTRY_ALT_M and rdot0 < 0.0 else atol_v
        if high:
            err = _dop853_step(t, y, f0, h, p, k8, y1, tmp, rtol, atol_r, atol_v_now)
        else:
            err = _dp_step(t, y, f0, h, p, k, y1, tmp, rtol, atol_r, atol_v_now)
        if err > 1.0 and h > 1e-6:
            if high:
                h /= min(1.0 / _SHRINK_MAX_8, err ** 0.125 / _SAFETY)
            else:
                h /= min(1.0 / _SHRINK_MAX, err ** _PI_ALPHA / _SAFETY)
            rejected = True
            continue
        for j in range(7):
            f1[j] = k8[12, j] if high else k[6, j]  # FSAL: the last stage is f(t+h, y1)
        t1 = t + h
        alt1 = _height(y1[0], y1[1], y1[2], p)
        rdot1 = y1[0] * y1[3] + y1[1] * y1[4] + y1[2] * y1[5]
        stop = -1.0
        status = -1
        dense = False  # DOP853's dense output of this step, computed on first need
        if ballistic:
            if rdot0 > 0.0 >= rdot1 and math.isnan(ev_t[i, EV_APOGEE]):
                if high and not dense:
                    _dop853_dense(t, y, h, p, k8, y1, F, smp)
                    dense = True
                s = _locate(EV_APOGEE, y, f0, y1, f1, h, rdot0, rdot1, p, F, dense, tmp)
                _store(ev_t, ev_y, i, EV_APOGEE, t + s * h, tmp)
            if alt0 > REENTRY_ALT_M >= alt1 and rdot1 < 0.0 and math.isnan(ev_t[i, EV_REENTRY]):
                if high and not dense:
                    _dop853_dense(t, y, h, p, k8, y1, F, smp)
                    dense = True
                s = _locate(EV_REENTRY, y, f0, y1, f1, h, alt0 - REENTRY_ALT_M, alt1 - REENTRY_ALT_M, p, F, dense,
                            tmp)
                _store(ev_t, ev_y, i, EV_REENTRY, t + s * h, tmp)
        if alt1 <= 0.0 and (ballistic or t1 > 2.0):
            if high and not dense:
                _dop853_dense(t, y, h, p, k8, y1, F, smp)
                dense = True
            stop = _locate(EV_IMPACT, y, f0, y1, f1, h, alt0, alt1, p, F, dense, tmp)
            status = ST_IMPACT if ballistic else ST_BOOST_CRASH
        elif hold:
            g_hold1 = _hold_margin(y1, p)
            if g_hold1 <= 0.0:
                stop = _locate(_ALIGN, y, f0, y1, f1, h, g_hold0, g_hold1, p, F, False, tmp)
                status = _ST_ALIGNED
            g_hold0 = g_hold1
        # Thinned samples up to the end of this step (or the impact inside it).
        t_stop = t + stop * h if stop >= 0.0 else t1
        if sample_dt > 0.0:
            while n_samp[i] < n_max:
                ts = samples[i, n_samp[i] - 1, 0] + sample_dt if n_samp[i] > 0 else t
                if ts > t_stop:
                    break
                if high and not dense:
                    _dop853_dense(t, y, h, p, k8, y1, F, smp)
                    dense = True
                _interpolate(y, f0, y1, f1, h, (ts - t) / h, F, dense, smp)
                samples[i, n_samp[i], 0] = ts
                for j in range(6):
                    samples[i, n_samp[i], j + 1] = smp[j]
                n_samp[i] += 1
        if stop >= 0.0:
            for j in range(7):
                y[j] = tmp[j]
            if status == ST_IMPACT:
                _store(ev_t, ev_y, i, EV_IMPACT, t_stop, tmp)
            return t_stop, status, h
        for j in range(7):
            y[j] = y1[j]
            f0[j] = f1[j]
        t = t1
        alt_prev = alt0
        alt0, rdot0 = alt1, rdot1
        log_err = math.log(max(err, 1e-4))
        if high:  # Hairer's DOP853 control: elementary, exponent 1/8
            fac = min(_GROW_MAX_8, max(_SHRINK_MAX_8, _SAFETY * math.exp(-0.125 * log_err)))
        else:
            fac = min(_GROW_MAX, max(_SHRINK_MAX, _SAFETY * math.exp(_PI_BETA * log_err_old - _PI_ALPHA * log_err)))
        log_err_old = log_err
        if rejected:  # no growth right after a rejection (Hairer, Norsett & Wanner, II.4)
            fac = min(fac, 1.0)
            rejected = False
        h = min(max(h * fac, h_free) if h < h_free else h * fac, h_max)
        if knots and not high and rdot1 < 0.0 and alt1 < _DRAG_GROWTH_BELOW_M:
            # Falling into denser air the error grows with the drag, by the density's ratio over the last step
            # if the next is as long: shorten it by that ratio to the fifth order's power, ahead of a rejection.
            rho0, rho1 = density_kg_m3(alt_prev), density_kg_m3(alt1)
            if rho1 > rho0 > 0.0:
                h *= (rho0 / rho1) ** 0.2
    return t, -1, h


@njit(cache=True, parallel=True, fastmath=FAST, error_model="numpy")
def fly_batch(r0, v0, t0, az, kick, cutoff, stages, payload_mass, vertical_s, kick_s,
              earth, beta, drag, t_max, rtol, atol_r, atol_v, atol_v_reentry, h_max, sample_dt, n_sample_max, area,
              h_max_boost):
    """Fly N trajectories. Returns (event_t (N,4), event_y (N,4,6), status (N), samples (N,K,7), n_samples (N)).

    stages: (S, 5) rows of [burn_time_s, thrust_n, mdot_kg_s, dry_mass_kg, dv_mps]; thrust_n < 0
    means the speed form (dv_mps is the stage's speed increment). earth: [mu, j2, a, e2, omega].
    area: boost-drag reference area (m^2), 0 for none (mass form only, and only with ``drag``).
    atol_v_reentry: the velocity tolerance (m/s) below the re-entry height on the way down.
    h_max, h_max_boost: longest steps (s) in unpowered and powered flight.
    """
    n = r0.shape[0]
    n_st = stages.shape[0]
    ev_t = np.full((n, N_EVENTS), np.nan)
    ev_y = np.full((n, N_EVENTS, 6), np.nan)
    status = np.full(n, ST_TIMEOUT, dtype=np.int64)
    samples = np.full((n, n_sample_max if sample_dt > 0 else 1, 7), np.nan)
    n_samp = np.zeros(n, dtype=np.int64)
    mass_form = n_st > 0 and stages[0, 1] >= 0.0
    m0 = payload_mass
    for s in range(n_st):
        m0 += stages[s, 2] * stages[s, 0] + stages[s, 3]
    for i in prange(n):
        p = np.zeros(N_PARAMS)
        p[P_MU], p[P_J2], p[P_RE], p[P_E2], p[P_OMEGA] = earth[0], earth[1], earth[2], earth[3], earth[4]
        p[P_DRAG] = 1.0 if drag else 0.0
        p[P_BETA] = beta[i]
        p[P_AREA] = area if drag else 0.0
        p[P_AZ], p[P_KICK] = az[i], kick[i]
        p[P_KICK_T0], p[P_KICK_DT] = t0[i] + vertical_s, kick_s
        p[P_MASSFORM] = 1.0 if mass_form else 0.0
        y = np.empty(7)
        for j in range(3):
            y[j] = r0[i, j]
            y[j + 3] = v0[i, j]
        y[6] = m0
        t = t0[i]
        h_next = 0.5 if n_st > 0 else 0.0  # a launch starts small; a free flight estimates its first step
        crashed = False
        turning = False  # latched once the held kick's velocity has come round to it
        if n_st > 0:
            t_stage0 = t0[i]
            for s in range(n_st):
                t_stage1 = min(t_stage0 + stages[s, 0], t0[i] + cutoff[i])
                p[P_THRUST], p[P_MDOT] = stages[s, 1], stages[s, 2]
                p[P_DVRATE] = stages[s, 4] / stages[s, 0]
                while t < t_stage1 - 1e-12 and not crashed:
                    if t < t0[i] + vertical_s - 1e-12:
                        p[P_KIND] = SEG_VERTICAL
                        t_seg = min(t0[i] + vertical_s, t_stage1)
                    elif t < t0[i] + vertical_s + kick_s - 1e-12:
                        p[P_KIND] = SEG_KICK
                        t_seg = min(t0[i] + vertical_s + kick_s, t_stage1)
                    else:
                        p[P_KIND] = SEG_TURN if turning else SEG_HOLD
                        t_seg = t_stage1
                    t, st, h_next = _integrate(i, t, y, t_seg, p, False, rtol, atol_r, atol_v, atol_v, h_max_boost, 0.5,
                                               ev_t, ev_y, samples, n_samp, sample_dt)
                    if st == ST_BOOST_CRASH:
                        crashed = True
                    elif st == _ST_ALIGNED:
                        turning = True
                if crashed or t >= t0[i] + cutoff[i] - 1e-12:
                    break
                y[6] -= stages[s, 3]  # jettison the spent stage
                t_stage0 = t_stage1
            if crashed:
                status[i] = ST_BOOST_CRASH
                continue
            _store(ev_t, ev_y, i, EV_BURNOUT, t, y)
        else:
            _store(ev_t, ev_y, i, EV_BURNOUT, t, y)
        p[P_KIND] = SEG_BALLISTIC
        t, st, h_next = _integrate(i, t, y, t0[i] + t_max, p, True, rtol, atol_r, atol_v, atol_v_reentry, h_max,
                                   h_next,
                                   ev_t, ev_y, samples, n_samp, sample_dt)
        if st == ST_IMPACT:
            status[i] = ST_IMPACT
    return ev_t, ev_y, status, samples, n_samp
