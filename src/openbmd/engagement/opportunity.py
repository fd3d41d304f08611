"""The intercept opportunity: the launch time from which a fire unit meets a sampled threat.

Fire unit m meets threat n at its sample k (time t, s; ECEF position p, m) when its interceptor,
launched at t − T, reaches p at t. T is the fly-out time to p's ground range from the site (m, on
the mean sphere, :func:`central_range`) and geodetic altitude (m); it is inf out of reach or
envelope, and then there is no opportunity. Nor is there one where the closing speed, the threat's velocity
less the interceptor's burnout velocity along the line of sight from the site (:func:`closing_speed_mps`), falls
outside the least and greatest closing speeds of the unit's kill vehicle
(:class:`~openbmd.engagement.firecontrol.KillVehicle`, from the catalog). This module is the one place that says so:
engagement windows and footprints, speed thresholds and delay budgets, and the exercise read launch times here.

The fly-out plugs in as data, a :class:`Fleet`: each unit carries a *ladder* of L fly-out tables at
ascending burnout speeds and is flown at a given speed (m/s).

- A unit's own :class:`~openbmd.engagement.flyout.FlyoutTable` is a one-rung ladder flown at its own
  speed: the plain bilinear lookup (:func:`~openbmd.engagement.flyout.lookup_rung`), :func:`fleet`.
- A speed ladder (:func:`ladder_fleet`) is interpolated in burnout speed: linearly where both
  neighbouring rungs reach the point; where only the faster one does, by the 1/v scaling of its time
  inside the envelope interpolated between the two. Below the ladder the slowest rung holds; above
  it the fastest rung's time scales as 1/v.

The per-point steps (:func:`flyout_s`, :func:`launch_time_s`, geometry) are inlined into each kernel
(``inline="always"``): a call that passes the fleet's arrays would cost more than the lookup itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from openbmd.earth import EarthModel
from openbmd.earth.kernels import FAST, geodetic_lat_alt
from openbmd.engagement.fireunit import FireUnit
from openbmd.engagement.flyout import central_range, flyout_table, lookup_rung
from openbmd.flight import FlownThreats


class Samples(NamedTuple):
    """N sampled threats for the kernels: ``t_s`` (N, K) s, NaN padded; ``r_ecef`` (N, K, 3) ECEF m;
    ``v_ecef`` (N, K, 3) ECEF m/s."""

    t_s: NDArray
    r_ecef: NDArray
    v_ecef: NDArray


class Fleet(NamedTuple):
    """M fire units for the kernels: sites and fly-out ladders (see the module docstring).

    ``site_ecef_m`` (M, 3) ECEF m; ``time_s`` (M, L, R, A) fly-out tables, s, rung l built at burnout
    speed ``ladder_mps[m, l]`` (M, L), ascending, with ``limits`` (M, L, 5) its
    :meth:`~openbmd.engagement.flyout.FlyoutTable.limits`; ``speed_mps`` (M,) the speed each flies at;
    ``closing_mps`` (M, 2) the least and greatest closing speed (m/s) of each unit's kill vehicle.
    """

    site_ecef_m: NDArray
    time_s: NDArray
    limits: NDArray
    ladder_mps: NDArray
    speed_mps: NDArray
    closing_mps: NDArray


class Ellipsoid(NamedTuple):
    """The Earth's ellipsoid for geodetic altitudes: semi-major axis ``a_m`` (m), eccentricity² ``e2``."""

    a_m: float
    e2: float


def samples(threats: FlownThreats) -> Samples:
    """The kernels' view of ``threats`` (contiguous float64)."""
    return Samples(np.ascontiguousarray(threats.t_s, float), np.ascontiguousarray(threats.r_ecef, float),
                   np.ascontiguousarray(threats.v_ecef, float))


def ellipsoid(earth: EarthModel) -> Ellipsoid:
    """The kernels' view of ``earth``'s ellipsoid."""
    return Ellipsoid(float(earth.a_m), float(earth.e2))


def fleet(units: Sequence[FireUnit], earth: EarthModel) -> Fleet:
    """M units, each flown with its own fly-out table (a one-rung ladder at its own burnout speed)."""
    speed = np.array([u.burnout_speed_mps for u in units], float)
    return Fleet(_sites(units, earth), np.stack([u.table.time_s for u in units])[:, None],
                 np.stack([u.table.limits() for u in units])[:, None], speed[:, None].copy(), speed,
                 _closing_limits(units))


def ladder_fleet(units: Sequence[FireUnit], earth: EarthModel, ladder_mps: Sequence[float],
                 speed_mps: float | Sequence[float] | None = None) -> Fleet:
    """M units, each flown by interpolation on a ladder of coarse fly-out tables of its catalog interceptor.

    Rungs are built at the burnout speeds ``ladder_mps`` (m/s, ascending), with envelopes scaled as in
    :func:`~openbmd.engagement.flyout_table`; ``speed_mps`` (one for all, or one per unit) defaults to
    each unit's own burnout speed.
    """
    rungs = [[flyout_table(u.interceptor, earth, burnout_speed_mps=v, coarse=True) for v in ladder_mps]
             for u in units]
    speed = np.broadcast_to(np.asarray([u.burnout_speed_mps for u in units] if speed_mps is None else speed_mps,
                                       float), (len(units),)).copy()
    return Fleet(_sites(units, earth), np.stack([np.stack([t.time_s for t in row]) for row in rungs]),
                 np.stack([np.stack([t.limits() for t in row]) for row in rungs]),
                 np.tile(np.asarray(ladder_mps, float), (len(units), 1)), speed, _closing_limits(units))


def _sites(units: Sequence[FireUnit], earth: EarthModel) -> NDArray:
    return np.stack([u.r_ecef(earth) for u in units])


def _closing_limits(units: Sequence[FireUnit]) -> NDArray:
    return np.array([[u.kill_vehicle.min_closing_speed_mps, u.kill_vehicle.max_closing_speed_mps] for u in units],
                    float).reshape(len(units), 2)


@njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def flyout_s(units, m, rng, h, v):
    """Fly-out time (s) of unit m flown at burnout speed ``v`` (m/s) to ground range ``rng`` (m) and
    altitude ``h`` (m); inf out of reach or envelope."""
    speeds, tables, limits = units.ladder_mps, units.time_s, units.limits
    n = speeds.shape[1]
    if v <= speeds[m, 0]:
        return lookup_rung(rng, h, tables, limits, m, 0)
    if v >= speeds[m, n - 1]:
        return lookup_rung(rng, h, tables, limits, m, n - 1) * speeds[m, n - 1] / v
    k = 0
    while speeds[m, k + 1] < v:
        k += 1
    w = (v - speeds[m, k]) / (speeds[m, k + 1] - speeds[m, k])
    t0 = lookup_rung(rng, h, tables, limits, m, k)
    t1 = lookup_rung(rng, h, tables, limits, m, k + 1)
    if t1 == np.inf:
        return np.inf
    if t0 < np.inf:
        return t0 + w * (t1 - t0)
    max_range = limits[m, k, 4] + w * (limits[m, k + 1, 4] - limits[m, k, 4])
    max_alt = limits[m, k, 3] + w * (limits[m, k + 1, 3] - limits[m, k, 3])
    if rng > max_range or h > max_alt:
        return np.inf
    return t1 * speeds[m, k + 1] / v


@njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def launch_time_s(t, rng, h, units, m, v):
    """Launch time (s) from which unit m, flown at ``v`` (m/s), meets a threat at ``rng``, ``h`` (m) at time
    ``t`` (s); NaN where it cannot."""
    fly = flyout_s(units, m, rng, h, v)
    return t - fly if fly < np.inf else np.nan


@njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def closing_speed_mps(threats, i, j, units, m, v):
    """Closing speed (m/s) of unit m's interceptor, flown at burnout speed ``v`` (m/s), on threat i at sample j:
    |v_threat − v û|, û the unit line of sight from the site to the threat (ECEF). An approximation: the
    interceptor is taken to fly out along the line of sight at its burnout speed (the tables keep times, not
    speeds)."""
    site, r, vt = units.site_ecef_m, threats.r_ecef, threats.v_ecef
    dx, dy, dz = r[i, j, 0] - site[m, 0], r[i, j, 1] - site[m, 1], r[i, j, 2] - site[m, 2]
    s = v / max(np.sqrt(dx * dx + dy * dy + dz * dz), 1.0)
    wx, wy, wz = vt[i, j, 0] - s * dx, vt[i, j, 1] - s * dy, vt[i, j, 2] - s * dz
    return np.sqrt(wx * wx + wy * wy + wz * wz)


@njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def closes_s(launch, threats, i, j, units, m, v):
    """``launch`` (s) where unit m, flown at ``v`` (m/s), closes on threat i at sample j within its kill
    vehicle's closing-speed limits (``units.closing_mps``); NaN where it does not, or ``launch`` is NaN."""
    if not launch == launch:
        return np.nan
    c = closing_speed_mps(threats, i, j, units, m, v)
    return launch if units.closing_mps[m, 0] <= c <= units.closing_mps[m, 1] else np.nan


@njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def alt_m(x, y, z, earth):
    """Geodetic altitude (m) of the ECEF point (x, y, z), m, on the ``earth`` :class:`Ellipsoid`."""
    return geodetic_lat_alt(x, y, z, earth.a_m, earth.e2)[1]


@njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def range_m(units, m, x, y, z):
    """Ground range (m, on the mean sphere) from unit m's site to the ECEF point (x, y, z), m."""
    site = units.site_ecef_m
    return central_range(site[m, 0], site[m, 1], site[m, 2], x, y, z)


_BOUND_SLACK_M = 1000.0
"""Margin (m) on the bounds of geodetic height used to skip samples, far above the error of the heights."""


@njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def envelope_bounds(units, earth):
    """Squared geocentric radii (m²) outside which no rung of any unit has its altitude envelope, and each unit's
    farthest range over its rungs (M,) m.

    A point's geodetic height h lies within |r| − a ≤ h ≤ |r| − b (semi-axes a, b), so points nearer the centre
    than b + the lowest floor, or farther than a + the highest ceiling, are out of every envelope (a margin of
    :data:`_BOUND_SLACK_M` aside): kernels skip them without the cost of the height.
    """
    lim = units.limits
    lo, hi = np.inf, -np.inf
    reach = np.full(lim.shape[0], -np.inf)
    for m in range(lim.shape[0]):
        for rung in range(lim.shape[1]):
            lo = min(lo, lim[m, rung, 2])
            hi = max(hi, lim[m, rung, 3])
            reach[m] = max(reach[m], lim[m, rung, 4])
    b = earth.a_m * np.sqrt(1.0 - earth.e2)
    r_lo = max(b + lo - _BOUND_SLACK_M, 0.0)
    r_hi = earth.a_m + hi + _BOUND_SLACK_M
    return r_lo * r_lo, r_hi * r_hi, reach


@njit(cache=True, parallel=True, fastmath=FAST, error_model="numpy")
def launch_times_kernel(threats, units, earth, not_before):
    """(N, M, K) launch times (s) from which unit m, flown at its ``speed_mps``, meets threat n at sample k.

    NaN where it cannot (out of reach, envelope or closing-speed limits), or only by a launch before
    ``not_before`` (N,) s. Samples run to the first NaN time.
    Samples outside every envelope's altitudes, and units out of range, are skipped (:func:`envelope_bounds`).
    """
    t, r = threats.t_s, threats.r_ecef
    n, k = t.shape
    m_count = units.site_ecef_m.shape[0]
    r2_lo, r2_hi, reach = envelope_bounds(units, earth)
    out = np.full((n, m_count, k), np.nan)
    for i in prange(n):
        if not not_before[i] < np.inf:
            continue
        for j in range(k):
            if not t[i, j] == t[i, j]:
                break
            if t[i, j] <= not_before[i]:
                continue
            x, y, z = r[i, j, 0], r[i, j, 1], r[i, j, 2]
            r2 = x * x + y * y + z * z
            if r2 < r2_lo or r2 > r2_hi:
                continue
            h = np.nan
            for m in range(m_count):
                rng = range_m(units, m, x, y, z)
                if rng > reach[m]:
                    continue
                if not h == h:
                    h = alt_m(x, y, z, earth)
                launch = launch_time_s(t[i, j], rng, h, units, m, units.speed_mps[m])
                if launch >= not_before[i]:
                    out[i, m, j] = closes_s(launch, threats, i, j, units, m, units.speed_mps[m])
    return out


@njit(cache=True, parallel=True, fastmath=FAST, error_model="numpy")
def closing_speeds_kernel(threats, units, launch):
    """(N, M, K) closing speeds (m/s, :func:`closing_speed_mps`) of unit m at its ``speed_mps`` on threat n at
    sample k where ``launch`` (N, M, K) holds a launch time; NaN elsewhere."""
    n, m_count, k = launch.shape
    out = np.full(launch.shape, np.nan)
    for i in prange(n):
        for m in range(m_count):
            for j in range(k):
                if launch[i, m, j] == launch[i, m, j]:
                    out[i, m, j] = closing_speed_mps(threats, i, j, units, m, units.speed_mps[m])
    return out


def launch_times(threats: FlownThreats, units: Fleet, earth: EarthModel,
                 not_before_s: NDArray | None = None) -> NDArray:
    """(N, M, K): the launch time (s, on the threats' clock) from which unit m meets threat n at its sample k.

    NaN where it cannot (out of reach, envelope or closing-speed limits), and where the launch would come before
    ``not_before_s`` (N,) s (inf: never).
    """
    n = len(threats.t_s)
    bound = np.full(n, -np.inf) if not_before_s is None else np.ascontiguousarray(not_before_s, float)
    return launch_times_kernel(samples(threats), units, ellipsoid(earth), bound)


def opportunity_launch_times(threats: FlownThreats, batteries: Sequence[FireUnit], earth: EarthModel,
                             not_before_s: NDArray | None = None) -> NDArray:
    """(N, M, K): the launch time (s) from which battery m meets threat n at its sample k, NaN where it cannot.

    Each battery flies its own fly-out table within its kill vehicle's closing-speed limits, launching no earlier
    than ``not_before_s`` (N,) when given; no other timing rule is applied (see :func:`committable_launch_times`).
    """
    if not batteries:
        return np.full((*threats.t_s.shape[:1], 0, threats.t_s.shape[1]), np.nan)
    return launch_times(threats, fleet(batteries, earth), earth, not_before_s)


def committable_launch_times(threats: FlownThreats, batteries: Sequence[FireUnit], earth: EarthModel,
                             not_before_s: NDArray | None = None) -> NDArray:
    """:func:`opportunity_launch_times` under the core's timing rule: no commit before the threat burns out
    unless the battery's interceptor is boost-phase capable."""
    launch = opportunity_launch_times(threats, batteries, earth, not_before_s)
    late = launch < threats.burnout_t_s[:, None, None]
    for m, u in enumerate(batteries):  # M (a few) fire units
        if not u.kill_vehicle.boost_phase_capable:
            launch[:, m][late[:, m]] = np.nan
    return launch


class Opportunities(NamedTuple):
    """Per threat n, unit m and sample k (N, M, K): ``launch_s`` the launch time (s; NaN where none), and there
    the ``closing_mps`` closing speed (m/s; NaN where none), kill-vehicle ``basket_m`` (m) and seeker ``homing_s``
    (s) (0 where none), from :meth:`~openbmd.engagement.firecontrol.KillVehicle.basket_m` and ``homing_s``."""

    launch_s: NDArray
    closing_mps: NDArray
    basket_m: NDArray
    homing_s: NDArray


def committable_opportunities(threats: FlownThreats, batteries: Sequence[FireUnit], earth: EarthModel,
                              not_before_s: NDArray | None = None) -> Opportunities:
    """:func:`committable_launch_times` with the closing speed, basket and homing time of each opportunity."""
    launch = committable_launch_times(threats, batteries, earth, not_before_s)
    if not batteries:
        return Opportunities(launch, launch.copy(), np.zeros(launch.shape), np.zeros(launch.shape))
    closing = closing_speeds_kernel(samples(threats), fleet(batteries, earth), launch)
    basket, homing = np.zeros(launch.shape), np.zeros(launch.shape)
    for m, u in enumerate(batteries):  # M (a few) fire units, each over its opportunities only
        ok = ~np.isnan(closing[:, m])
        basket[:, m][ok] = u.kill_vehicle.basket_m(closing[:, m][ok])
        homing[:, m][ok] = u.kill_vehicle.homing_s(closing[:, m][ok])
    return Opportunities(launch, closing, basket, homing)


def not_before_burnout_s(threats: FlownThreats, units, allowed_s: NDArray | None = None) -> NDArray:
    """(N,) earliest launch at each threat: ``allowed_s`` (default none), and no commit before the threat
    burns out unless every unit's interceptor is boost-phase capable: the per-threat form of the rule
    :func:`committable_launch_times` applies per unit, for kernels that take one time per threat (no catalog
    interceptor is boost-phase capable today)."""
    allowed = np.full(len(threats.burnout_t_s), -np.inf) if allowed_s is None else np.asarray(allowed_s, float)
    if all(u.kill_vehicle.boost_phase_capable for u in units):
        return allowed
    return np.maximum(allowed, threats.burnout_t_s)
