"""Speed thresholds and delay budgets, by bisection over vectorised engagement checks.

For every base→target pair: the least common interceptor burnout speed at which
the deployment gets at least one intercept opportunity (its *speed threshold*),
and, at the deployment's own speeds, the longest decision delay that still leaves
one (its *delay budget*).

Fly-out times at any speed come from the intercept-opportunity kernel's speed-ladder
fly-out (:mod:`openbmd.engagement.opportunity`): :class:`FlyoutTable` s built at fixed
speeds and interpolated in speed, each unit's kill vehicle closing within its limits at
the trial speed. One numba kernel finds each pair's first engageable rung and bisects
below it, all pairs at once, so a threshold falls anywhere between the rungs, not on them. Delay budgets come from the
latest launch time of the same kernel at the units' own speeds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from openbmd.earth import EarthModel
from openbmd.earth.kernels import FAST
from openbmd.engagement import FireUnit, fleet, ladder_fleet, launch_times
from openbmd.engagement.opportunity import (alt_m, closes_s, ellipsoid, launch_time_s, not_before_burnout_s, range_m,
                                            samples)
from openbmd.flight import FlownThreats

LADDER_MPS = (1000.0, 1500.0, 2000.0, 2500.0, 3000.0, 3500.0, 4000.0, 4500.0, 5000.0, 5500.0, 6000.0, 7000.0,
              8000.0, 10000.0)
"""Burnout speeds (m/s) at which fly-out tables are built for threshold searches."""

BISECTIONS = 14
"""Bisection steps: a rung interval of the ladder (at most 2 km/s) to well under 1 m/s."""


@njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def _engageable(threats, i, h, rng, allowed, units, v, cand_j, cand_m, n_cand):
    """Whether any unit flown at ``v`` (m/s) meets threat i (altitudes ``h`` (K,) m, ground ranges ``rng`` (K, M)
    m) by a launch no earlier than ``allowed`` (s), within its kill vehicle's closing-speed limits at ``v``, at one
    of its ``n_cand`` candidate samples ``cand_j`` and units ``cand_m`` (:func:`_candidates`)."""
    t = threats.t_s[i]
    for c in range(n_cand):
        j, m = cand_j[c], cand_m[c]
        if closes_s(launch_time_s(t[j], rng[j, m], h[j], units, m, v), threats, i, j, units, m, v) >= allowed:
            return True
    return False


@njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def _candidates(t, h, rng, allowed, lo_m, hi_m, reach_m, cand_j, cand_m):
    """The samples j after ``allowed`` (s) and units m where some rung of unit m's ladder has the point (altitude
    ``h[j]``, ground range ``rng[j, m]``, m) inside its envelope, into ``cand_j``/``cand_m``; returns how many.
    Everywhere else every fly-out at any speed is inf (:func:`~openbmd.engagement.opportunity.flyout_s` looks up
    rungs within their own envelopes only), so skipping them changes no result."""
    c = 0
    for j in range(t.shape[0]):
        if not t[j] == t[j]:
            break
        if t[j] <= allowed:
            continue
        for m in range(rng.shape[1]):
            if h[j] >= lo_m[m] and h[j] <= hi_m[m] and rng[j, m] <= reach_m[m] and rng[j, m] >= 0.0:
                cand_j[c], cand_m[c] = j, m
                c += 1
    return c


@njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def _threshold(threats, i, units, earth, allowed, rungs_mps, n_bisect, lo_m, hi_m, reach_m, bound):
    """Least speed (m/s) at which threat i is engageable: the first engageable rung of ``rungs_mps`` (ascending),
    then ``n_bisect`` bisections between it and the rung below; NaN where no rung is engageable. Where the result
    is sure to be at most ``bound`` (m/s; -inf: never) the search stops early and returns -inf."""
    if not allowed < np.inf:
        return np.nan
    k = threats.t_s.shape[1]
    m_count = units.site_ecef_m.shape[0]
    t = threats.t_s[i]
    h = np.full(k, np.nan)
    rng = np.full((k, m_count), np.nan)
    for j in range(k):  # the geometry once; the bisection only flies out again
        if not t[j] == t[j]:
            break
        x, y, z = threats.r_ecef[i, j, 0], threats.r_ecef[i, j, 1], threats.r_ecef[i, j, 2]
        h[j] = alt_m(x, y, z, earth)
        for m in range(m_count):
            rng[j, m] = range_m(units, m, x, y, z)
    cand_j = np.empty(k * m_count, dtype=np.int64)
    cand_m = np.empty(k * m_count, dtype=np.int64)
    n_cand = _candidates(t, h, rng, allowed, lo_m, hi_m, reach_m, cand_j, cand_m)
    if n_cand == 0:
        return np.nan
    # Up the rungs, not from the ladder's top: a kill vehicle's greatest closing speed can cost a faster
    # interceptor its last opportunity, so engageability at one speed need not last up to the top.
    first = -1
    for r in range(rungs_mps.shape[0]):
        if _engageable(threats, i, h, rng, allowed, units, rungs_mps[r], cand_j, cand_m, n_cand):
            first = r
            break
    if first < 0:
        return np.nan
    if rungs_mps[first] <= bound:
        return -np.inf
    if first == 0:
        return rungs_mps[0]
    lo, hi = rungs_mps[first - 1], rungs_mps[first]
    for _ in range(n_bisect):
        if hi <= bound:
            return -np.inf
        mid = 0.5 * (lo + hi)
        if _engageable(threats, i, h, rng, allowed, units, mid, cand_j, cand_m, n_cand):
            hi = mid
        else:
            lo = mid
    return hi


@njit(cache=True, parallel=True, fastmath=FAST, error_model="numpy")
def _thresholds(threats, units, earth, allowed, rungs_mps, n_bisect, start, count):
    """(G,) per group of threats (``start[g]`` and the ``count[g]`` after it) the most demanding threat's
    :func:`_threshold` (m/s): the highest, NaN where any has none (or the group is empty). A threat's search stops
    as soon as it is sure not to raise the group's highest so far, so the result is that of searching every one."""
    m_count = units.site_ecef_m.shape[0]
    lo_m = np.full(m_count, np.inf)  # each unit's envelope over all its rungs: lowest floor, highest ceiling, reach
    hi_m = np.full(m_count, -np.inf)
    reach_m = np.full(m_count, -np.inf)
    for m in range(m_count):
        for r in range(units.limits.shape[1]):
            lo_m[m] = min(lo_m[m], units.limits[m, r, 2])
            hi_m[m] = max(hi_m[m], units.limits[m, r, 3])
            reach_m[m] = max(reach_m[m], units.limits[m, r, 4])
    out = np.full(start.shape[0], np.nan)
    for g in prange(start.shape[0]):
        worst = -np.inf
        for i in range(start[g], start[g] + count[g]):
            th = _threshold(threats, i, units, earth, allowed[i], rungs_mps, n_bisect, lo_m, hi_m, reach_m, worst)
            if not th == th:
                worst = np.nan
                break
            worst = max(worst, th)
        if count[g] > 0 and worst == worst:
            out[g] = worst
    return out


def speed_thresholds_mps(threats: FlownThreats, batteries: Sequence[FireUnit], launch_allowed_t_s: NDArray,
                         earth: EarthModel, speeds_mps: Sequence[float] = LADDER_MPS, *,
                         group: NDArray | None = None, n_groups: int | None = None) -> NDArray:
    """Least common burnout speed (m/s) giving each threat one opportunity; NaN where no rung of the ladder does.
    With ``group`` (N,) (ascending: each group's threats together, e.g. the warheads of one corridor) and
    ``n_groups``: (n_groups,) per group the most demanding threat's, the highest (NaN where any threat, or the
    group, has none), found without finishing the searches that cannot raise it.

    The speed is solved continuously on fly-out times interpolated in speed between the rungs
    (:func:`openbmd.engagement.ladder_fleet`), within each unit's kill-vehicle closing-speed limits at the trial
    speed: the first engageable rung, then bisection to under 1 m/s from the rung below (an opportunity that
    opens and closes again between two rungs below the first engageable one is missed). Each unit's
    catalog interceptor sets its burn time and envelope, which scale with speed as in
    :func:`openbmd.engagement.flyout_table`; a speed at the ladder's bottom means "engageable even
    at that speed".
    """
    allowed = not_before_burnout_s(threats, batteries, launch_allowed_t_s)
    n = len(threats.t_s)
    if group is None:
        start, count = np.arange(n), np.ones(n, dtype=np.int64)
    else:
        group = np.asarray(group, dtype=np.int64)
        if np.any(np.diff(group) < 0):
            raise ValueError("group must be ascending: each group's threats together")
        count = np.bincount(group, minlength=n_groups).astype(np.int64)
        start = np.searchsorted(group, np.arange(len(count))).astype(np.int64)
    return _thresholds(samples(threats), ladder_fleet(batteries, earth, speeds_mps), ellipsoid(earth),
                       np.ascontiguousarray(allowed, float), np.asarray(speeds_mps, float), BISECTIONS, start, count)


def engageable_at_mps(threats: FlownThreats, batteries: Sequence[FireUnit], launch_allowed_t_s: NDArray,
                      earth: EarthModel, speed_mps: float, speeds_mps: Sequence[float] = LADDER_MPS) -> NDArray:
    """Whether each threat gets one opportunity (bool, N) with every unit at the common burnout ``speed_mps``
    (m/s), on the same speed ladder as :func:`speed_thresholds_mps`."""
    units = ladder_fleet(batteries, earth, speeds_mps, speed_mps)
    allowed = not_before_burnout_s(threats, batteries, launch_allowed_t_s)
    return ~np.isnan(launch_times(threats, units, earth, allowed)).all(axis=(1, 2))


def latest_launch_s(threats: FlownThreats, batteries: Sequence[FireUnit], earth: EarthModel) -> NDArray:
    """Latest interceptor launch time (s after threat launch) that still makes an intercept; -inf if none."""
    launch = launch_times(threats, fleet(batteries, earth), earth, not_before_burnout_s(threats, batteries))
    return np.max(launch, axis=(1, 2), initial=-np.inf, where=~np.isnan(launch))
