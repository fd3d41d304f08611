"""Speed thresholds and delay budgets, by bisection over vectorised engagement checks.

For every base→target pair: the least common interceptor burnout speed at which
the deployment gets at least one intercept opportunity (its *speed threshold*),
and, at the deployment's own speeds, the longest decision delay that still leaves
one (its *delay budget*).

Fly-out times at any speed come from a ladder of :class:`FlyoutTable` s built at
fixed speeds and interpolated in speed: linearly where both neighbours reach the
point; where only the faster one does, by the 1/v scaling of travel time inside
the envelope interpolated between the two. One numba kernel bisects all pairs at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from openbmd.catalog import Interceptor
from openbmd.earth import EarthModel
from openbmd.earth.kernels import FAST, geodetic_lat_alt
from openbmd.engagement import FireUnit, flyout_table, unit_arrays
from openbmd.flight import FlownThreats
from openbmd.engagement.flyout import central_range, lookup

LADDER_MPS = (1000.0, 1500.0, 2000.0, 2500.0, 3000.0, 3500.0, 4000.0, 4500.0, 5000.0, 5500.0, 6000.0, 7000.0,
              8000.0, 10000.0)
"""Burnout speeds (m/s) at which fly-out tables are built for threshold searches."""

BISECTIONS = 14
"""Bisection steps: the ladder's 9 km/s span to under 1 m/s."""


def ladder_tables(interceptors: Sequence[Interceptor], earth: EarthModel,
                  speeds_mps: Sequence[float] = LADDER_MPS) -> tuple[NDArray, NDArray]:
    """Stacked tables (M, L, R, A) and limits (M, L, 5) of each battery's interceptor at each ladder speed."""
    tables = [[flyout_table(i, earth, burnout_speed_mps=v, coarse=True) for v in speeds_mps] for i in interceptors]
    return (np.stack([np.stack([t.time_s for t in row]) for row in tables]),
            np.stack([np.stack([t.limits() for t in row]) for row in tables]))


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _time_at_speed(rng, h, v, tables, limits, speeds):
    """Fly-out time (s) at speed v for one battery's ladder; inf when out of reach."""
    n = speeds.shape[0]
    if v <= speeds[0]:
        return lookup(rng, h, tables[0], limits[0])
    if v >= speeds[n - 1]:
        return lookup(rng, h, tables[n - 1], limits[n - 1]) * speeds[n - 1] / v
    k = 0
    while speeds[k + 1] < v:
        k += 1
    w = (v - speeds[k]) / (speeds[k + 1] - speeds[k])
    t0 = lookup(rng, h, tables[k], limits[k])
    t1 = lookup(rng, h, tables[k + 1], limits[k + 1])
    if t1 == np.inf:
        return np.inf
    if t0 < np.inf:
        return t0 + w * (t1 - t0)
    max_range = limits[k, 4] + w * (limits[k + 1, 4] - limits[k, 4])
    max_alt = limits[k, 3] + w * (limits[k + 1, 3] - limits[k, 3])
    if rng > max_range or h > max_alt:
        return np.inf
    return t1 * speeds[k + 1] / v


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _engageable(i, v, t, h, rng, allowed, tables, limits, speeds):
    for j in range(t.shape[1]):
        if not t[i, j] == t[i, j]:
            break
        if t[i, j] <= allowed[i]:
            continue
        for m in range(tables.shape[0]):
            fly = _time_at_speed(rng[i, j, m], h[i, j], v, tables[m], limits[m], speeds)
            if fly < np.inf and t[i, j] - fly >= allowed[i]:
                return True
    return False


@njit(cache=True, parallel=True, fastmath=FAST, error_model="numpy")
def _thresholds(t, r, allowed, sites, tables, limits, speeds, a, e2, n_bisect):
    n, k = t.shape
    m_count = sites.shape[0]
    out = np.full(n, np.nan)
    for i in prange(n):
        if not allowed[i] < np.inf:
            continue
        h = np.full((1, k), np.nan)
        rng = np.full((1, k, m_count), np.nan)
        tt = np.full((1, k), np.nan)
        for j in range(k):
            if not t[i, j] == t[i, j]:
                break
            tt[0, j] = t[i, j]
            _, h[0, j] = geodetic_lat_alt(r[i, j, 0], r[i, j, 1], r[i, j, 2], a, e2)
            for m in range(m_count):
                rng[0, j, m] = central_range(sites[m, 0], sites[m, 1], sites[m, 2], r[i, j, 0], r[i, j, 1], r[i, j, 2])
        one = np.array([allowed[i]])
        lo, hi = speeds[0], speeds[speeds.shape[0] - 1]
        if not _engageable(0, hi, tt, h, rng, one, tables, limits, speeds):
            continue
        if _engageable(0, lo, tt, h, rng, one, tables, limits, speeds):
            out[i] = lo
            continue
        for _ in range(n_bisect):
            mid = 0.5 * (lo + hi)
            if _engageable(0, mid, tt, h, rng, one, tables, limits, speeds):
                hi = mid
            else:
                lo = mid
        out[i] = hi
    return out


def speed_thresholds_mps(threats: FlownThreats, batteries: Sequence[FireUnit], launch_allowed_t_s: NDArray,
                         earth: EarthModel, speeds_mps: Sequence[float] = LADDER_MPS) -> NDArray:
    """Least common burnout speed (m/s) giving each threat one opportunity; NaN above the ladder's top.

    Each unit's catalog interceptor sets its burn time and envelope, which scale with speed as in
    :func:`openbmd.engagement.flyout_table`; a speed at the ladder's bottom means "engageable even
    at that speed".
    """
    tables, limits = ladder_tables([b.interceptor for b in batteries], earth, speeds_mps)
    sites = np.stack([b.r_ecef(earth) for b in batteries])
    return _thresholds(np.ascontiguousarray(threats.t_s), np.ascontiguousarray(threats.r_ecef),
                       np.asarray(launch_allowed_t_s, float), sites, tables, limits, np.asarray(speeds_mps, float),
                       earth.a_m, earth.e2, BISECTIONS)


@njit(cache=True, parallel=True, fastmath=FAST, error_model="numpy")
def _latest_launch(t, r, sites, tables, limits, a, e2):
    n, k = t.shape
    out = np.full(n, -np.inf)
    for i in prange(n):
        for j in range(k):
            if not t[i, j] == t[i, j]:
                break
            _, h = geodetic_lat_alt(r[i, j, 0], r[i, j, 1], r[i, j, 2], a, e2)
            for m in range(sites.shape[0]):
                rng = central_range(sites[m, 0], sites[m, 1], sites[m, 2], r[i, j, 0], r[i, j, 1], r[i, j, 2])
                fly = lookup(rng, h, tables[m], limits[m])
                if fly < np.inf and t[i, j] - fly > out[i]:
                    out[i] = t[i, j] - fly
    return out


def latest_launch_s(threats: FlownThreats, batteries: Sequence[FireUnit], earth: EarthModel) -> NDArray:
    """Latest interceptor launch time (s after threat launch) that still makes an intercept; -inf if none."""
    tables, limits, sites = unit_arrays(batteries, earth)
    return _latest_launch(np.ascontiguousarray(threats.t_s), np.ascontiguousarray(threats.r_ecef), sites, tables,
                          limits, earth.a_m, earth.e2)
