"""Interceptor fly-out tables: the time an interceptor needs to reach any point.

A :class:`FlyoutTable` holds the least fly-out time (s) over a regular grid of
ground range (m, from the launcher) × altitude (m, geodetic). It is built once
per interceptor from a fan of flight-core trajectories (vertical launch, pitch-over
by a fan of angles, gravity turn, burnout at the catalog speed, then coast with
drag) and is looked up in batch by bilinear interpolation.

The fan flies on a still Earth, so one table serves every site and bearing.
On the rotating Earth the Coriolis force is perpendicular to the Earth-relative
velocity and does no work; it bends the path, which aiming takes out, but hardly
changes the time to a point (the centrifugal term is 0.3 % of gravity). The tests
check the table against rotating-Earth flights.

Ground range here is the great-circle distance on the mean-radius sphere,
:func:`ground_range_m`, everywhere the table is built or used.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numba import njit, prange
from numpy.typing import ArrayLike, NDArray

from openbmd.catalog import Interceptor
from openbmd.earth import EarthModel, ecef_to_geodetic
from openbmd.earth.constants import MEAN_RADIUS_M
from openbmd.earth.kernels import FAST
from openbmd.flight import Vehicle, fly_launches

R_MEAN_M = MEAN_RADIUS_M
"""Mean Earth radius (IUGG, from :mod:`openbmd.earth.constants`), m: the sphere on which ground ranges are measured."""

KV_BALLISTIC_COEFFICIENT_KG_M2 = 3000.0
"""Ballistic coefficient of a coasting kill vehicle, kg/m² (an estimate, 1000-5000; only matters low down).

Interceptors that coast low in the atmosphere give their own figure in the catalog
(``ballistic_coefficient_kg_m2``): a whole missile airframe is far denser than a kill vehicle.
"""

_N_RANGE, _N_ALT, _N_KICK = 321, 201, 361
_FAN_SITE = (math.radians(45.0), 0.0, math.radians(45.0))  # lat, lon, azimuth of the still-Earth fan


@dataclass(frozen=True)
class FlyoutTable:
    """Least fly-out time ``time_s`` (R, A), s, on a grid of ground range × altitude.

    Row i is ground range ``i * range_step_m``, column j altitude ``j * alt_step_m``;
    ``inf`` marks points the interceptor cannot reach. Intercepts must also lie within
    ``min_alt_m``..``max_alt_m`` and ``max_range_m`` (the catalog envelope, scaled when
    the burnout speed is overridden).
    """

    interceptor: str
    burnout_speed_mps: float
    burn_time_s: float
    range_step_m: float
    alt_step_m: float
    time_s: NDArray
    min_alt_m: float
    max_alt_m: float
    max_range_m: float

    def time_to_reach_s(self, ground_range_m: ArrayLike, alt_m: ArrayLike) -> NDArray:
        """Fly-out time (s) to points at ``ground_range_m`` and ``alt_m``; inf where out of reach or envelope."""
        r, h = np.broadcast_arrays(np.asarray(ground_range_m, float), np.asarray(alt_m, float))
        out = _lookup_many(np.ascontiguousarray(r.ravel()), np.ascontiguousarray(h.ravel()), self.time_s[None, None],
                           self.limits()[None, None])
        return out.reshape(r.shape)

    def limits(self) -> NDArray:
        """[range_step, alt_step, min_alt, max_alt, max_range] as one array for kernels."""
        return np.array([self.range_step_m, self.alt_step_m, self.min_alt_m, self.max_alt_m, self.max_range_m])

    @property
    def kinematic_range_m(self) -> float:
        """Farthest ground range (m) reached at or above the lowest intercept altitude."""
        j0 = min(int(math.ceil(self.min_alt_m / self.alt_step_m)), self.time_s.shape[1] - 1)
        rows = np.flatnonzero(np.isfinite(self.time_s[:, j0:]).any(axis=1))
        return float(rows.max() * self.range_step_m) if rows.size else 0.0

    @property
    def kinematic_altitude_m(self) -> float:
        """Highest altitude (m) reached anywhere in the table."""
        cols = np.flatnonzero(np.isfinite(self.time_s).any(axis=0))
        return float(cols.max() * self.alt_step_m) if cols.size else 0.0


def ground_range_m(r1_ecef: ArrayLike, r2_ecef: ArrayLike) -> NDArray:
    """Great-circle distance (m, on the mean sphere) between the sub-points of two ECEF positions."""
    a, b = np.asarray(r1_ecef, float), np.asarray(r2_ecef, float)
    shape = np.broadcast_shapes(a.shape, b.shape)
    rows = [np.ascontiguousarray(np.broadcast_to(x, shape)).reshape(-1, 3) for x in (a, b)]
    sin_part, cos_part = np.empty(rows[0].shape[0]), np.empty(rows[0].shape[0])
    _cross_norm_dot(rows[0], rows[1], sin_part, cos_part)
    return R_MEAN_M * np.arctan2(sin_part.reshape(shape[:-1]), cos_part.reshape(shape[:-1]))


@njit(cache=True, error_model="numpy")
def _cross_norm_dot(a, b, cross_norm, dot):
    """|a × b| and a · b of rows of (n, 3), in one pass and in the plain IEEE order of the array expressions
    (no fast-math: the same bits as ``np.linalg.norm(np.cross(a, b), axis=-1)`` and ``np.sum(a * b, axis=-1)``)."""
    for i in range(a.shape[0]):
        cx = a[i, 1] * b[i, 2] - a[i, 2] * b[i, 1]
        cy = a[i, 2] * b[i, 0] - a[i, 0] * b[i, 2]
        cz = a[i, 0] * b[i, 1] - a[i, 1] * b[i, 0]
        cross_norm[i] = math.sqrt(cx * cx + cy * cy + cz * cz)
        dot[i] = a[i, 0] * b[i, 0] + a[i, 1] * b[i, 1] + a[i, 2] * b[i, 2]


@njit(cache=True, fastmath=FAST, error_model="numpy")
def central_range(ax, ay, az, bx, by, bz):
    """Kernel form of :func:`ground_range_m` for one pair of points."""
    cx, cy, cz = ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx
    return R_MEAN_M * math.atan2(math.sqrt(cx * cx + cy * cy + cz * cz), ax * bx + ay * by + az * bz)


@njit(cache=True, fastmath=FAST, error_model="numpy")
def lookup_rung(rng, alt, tables, limits, m, rung):
    """Fly-out time (s) to ground range ``rng`` and altitude ``alt`` (m) by bilinear interpolation in the table
    ``tables[m, rung]`` of stacked tables (M, L, R, A); inf out of reach or envelope.

    ``limits[m, rung]`` (of (M, L, 5)) is that table's :meth:`FlyoutTable.limits`. At the edge of reach, where
    some grid corners are unreachable, the reachable corners are used when they carry at least half the
    interpolation weight: the edge is placed to within half a cell, without bias. (Indexed in place, not
    through per-point views: this is the innermost step of every opportunity kernel.)
    """
    if not (alt >= limits[m, rung, 2] and alt <= limits[m, rung, 3] and rng <= limits[m, rung, 4] and rng >= 0.0):
        return np.inf
    x, y = rng / limits[m, rung, 0], alt / limits[m, rung, 1]
    i, j = int(x), int(y)
    if i >= tables.shape[2] - 1 or j >= tables.shape[3] - 1:
        return np.inf
    fx, fy = x - i, y - j
    w_sum, t_sum = 0.0, 0.0
    for di in range(2):
        for dj in range(2):
            tt = tables[m, rung, i + di, j + dj]
            if tt < np.inf:
                w = (fx if di else 1.0 - fx) * (fy if dj else 1.0 - fy)
                w_sum += w
                t_sum += w * tt
    if w_sum < 0.5 or w_sum == 0.0:
        return np.inf
    return t_sum / w_sum


@njit(cache=True, parallel=True, fastmath=FAST, error_model="numpy")
def _lookup_many(rng, alt, tables, limits):
    out = np.empty(rng.shape[0])
    for k in prange(rng.shape[0]):
        out[k] = lookup_rung(rng[k], alt[k], tables, limits, 0, 0)
    return out


@njit(cache=True, parallel=True, fastmath=FAST, error_model="numpy")
def _tabulate(h_at_r, t_at_r, alt_step, n_alt):
    """Least time over the fan to each (range, altitude) node.

    ``h_at_r``/``t_at_r`` (K, R): each fan trajectory's altitude and time at each grid
    range (NaN where it never gets there). Neighbouring trajectories bracket an altitude
    at a given range; time is interpolated between them.
    """
    n_kick, n_rng = h_at_r.shape
    out = np.full((n_rng, n_alt), np.inf)
    for i in prange(n_rng):
        for k in range(n_kick - 1):
            h0, h1 = h_at_r[k, i], h_at_r[k + 1, i]
            if not (h0 == h0 and h1 == h1):
                continue
            lo, hi = min(h0, h1), max(h0, h1)
            j0 = max(int(math.ceil(lo / alt_step)), 0)
            j1 = min(int(math.floor(hi / alt_step)), n_alt - 1)
            for j in range(j0, j1 + 1):
                a = j * alt_step
                w = 0.0 if hi == lo else (a - h0) / (h1 - h0)
                tt = t_at_r[k, i] + w * (t_at_r[k + 1, i] - t_at_r[k, i])
                if tt < out[i, j]:
                    out[i, j] = tt
    return out


def interceptor_vehicle(burnout_speed_mps: float, burn_time_s: float,
                        beta_kg_m2: float = KV_BALLISTIC_COEFFICIENT_KG_M2) -> Vehicle:
    """A one-stage speed-form vehicle reaching ``burnout_speed_mps`` (m/s) after ``burn_time_s`` (s).

    It coasts with ballistic coefficient ``beta_kg_m2`` (kg/m²). It rises vertically for
    2 % of the burn (at most 2 s) and pitches over within the next 5 % (at most 4 s):
    interceptors turn fast, and the turn must be done while the vehicle is still slow, or
    a short, hard burn (A-135: 3 km/s in 4 s) leaves every shot nearly vertical. These
    fractions are estimates (the pitch programmes are not public); they let the fan's
    flattest shots leave the launcher a few degrees above the horizon.
    """
    stages = np.array([[burn_time_s, -1.0, 0.0, 0.0, burnout_speed_mps]])
    return Vehicle(stages, 0.0, beta_kg_m2, vertical_s=min(2.0, 0.02 * burn_time_s),
                   kick_s=min(4.0, 0.05 * burn_time_s))


def fly_fan(burnout_speed_mps: float, burn_time_s: float, earth: EarthModel, kicks_rad: ArrayLike,
            t_max_s: float, sample_dt_s: float = 1.0,
            beta_kg_m2: float = KV_BALLISTIC_COEFFICIENT_KG_M2) -> tuple[NDArray, NDArray, NDArray]:
    """Fly a fan of interceptors on a still ``earth``: (t_s, ground_range_m, alt_m), each (K, S), NaN padded."""
    t, r_ecef, still = _fan_samples(burnout_speed_mps, burn_time_s, earth, kicks_rad, t_max_s, sample_dt_s,
                                    beta_kg_m2)
    _, _, alt = ecef_to_geodetic(r_ecef, still)
    rng = ground_range_m(r_ecef[:, :1], r_ecef)
    alt = np.where(np.isnan(t), np.nan, alt)
    return t, np.where(np.isnan(t), np.nan, rng), alt


def _fan_samples(burnout_speed_mps: float, burn_time_s: float, earth: EarthModel, kicks_rad: ArrayLike,
                 t_max_s: float, sample_dt_s: float, beta_kg_m2: float) -> tuple[NDArray, NDArray, EarthModel]:
    """The fan's sample times (K, S) s, NaN padded, and ECEF positions (K, S, 3) m on the still Earth (returned
    too); row k's first sample is the launch site."""
    still = dataclasses.replace(earth, name=f"{earth.name}-still", omega_rad_s=0.0)
    lat, lon, az = _FAN_SITE
    batch = fly_launches(interceptor_vehicle(burnout_speed_mps, burn_time_s, beta_kg_m2), lat, lon, az, kicks_rad,
                         still, t_max_s=t_max_s, sample_dt_s=sample_dt_s)
    t, r_ecef = batch.samples_ecef()
    return t, r_ecef, still


def build_table(name: str, burnout_speed_mps: float, burn_time_s: float, earth: EarthModel, *,
                min_alt_m: float, max_alt_m: float, max_range_m: float, coarse: bool = False,
                beta_kg_m2: float = KV_BALLISTIC_COEFFICIENT_KG_M2) -> FlyoutTable:
    """Fly the fan and tabulate least fly-out times up to ``max_range_m`` × ``max_alt_m`` (m).

    ``coarse`` halves the fan and the grid (for speed ladders, about 4× cheaper).
    """
    n_kick, n_range, n_alt, dt = (_N_KICK, _N_RANGE, _N_ALT, 1.0) if not coarse else (181, 161, 101, 2.0)
    kicks = _fan_kicks_rad(n_kick)
    dt *= min(1.0, 0.1 * burn_time_s)  # a short burn is sampled finely enough to follow its climb
    t_max = _t_max(burnout_speed_mps, burn_time_s, math.hypot(max_range_m, max_alt_m))
    t, r_ecef, still = _fan_samples(burnout_speed_mps, burn_time_s, earth, kicks, t_max, dt, beta_kg_m2)
    rng = np.where(np.isnan(t), np.nan, ground_range_m(r_ecef[:, :1], r_ecef))
    r_grid = np.linspace(0.0, max_range_m * 1.01, n_range)
    a_grid_step = max_alt_m * 1.01 / (n_alt - 1)
    # Each shot's samples in growing range (ground range only grows on a still Earth), and the samples whose
    # heights the interpolation at the grid ranges reads: the heights are computed there only.
    shots: list[tuple[NDArray, NDArray] | None] = []
    read = np.zeros(t.shape, dtype=bool)
    read[0] = np.isfinite(t[0])  # the straight-up column reads the first shot's whole climb
    for k in range(len(kicks)):  # K (a few hundred) shots
        keep = np.flatnonzero(np.isfinite(rng[k]))
        if keep.size < 2:
            shots.append(None)
            continue
        mono = np.concatenate([[True], np.diff(rng[k, keep]) > 0])
        keep = keep[mono]
        rk = rng[k, keep]
        shots.append((keep, rk))
        read[k, keep[_read_by_interp(rk, r_grid[r_grid <= rk[-1]])]] = True
    alt = np.full(t.shape, np.nan)
    alt[read] = ecef_to_geodetic(r_ecef[read], still)[2]
    h_at_r = np.full((len(kicks), n_range), np.nan)
    t_at_r = np.full((len(kicks), n_range), np.nan)
    for k, shot in enumerate(shots):  # K interpolations of one trajectory each
        if shot is None:
            continue
        keep, rk = shot
        inside = r_grid <= rk[-1]
        h_at_r[k, inside] = np.interp(r_grid[inside], rk, alt[k, keep])
        t_at_r[k, inside] = np.interp(r_grid[inside], rk, t[k, keep])
    table = _tabulate(h_at_r, t_at_r, a_grid_step, n_alt)
    # Straight up: the first trajectory barely tilts, so its climb gives range 0.
    climb = np.isfinite(t[0])
    up = np.flatnonzero(np.diff(alt[0, climb]) <= 0)
    end = up[0] + 1 if up.size else int(climb.sum())
    a_nodes = np.arange(n_alt) * a_grid_step
    column = np.interp(a_nodes, alt[0, climb][:end], t[0, climb][:end], right=np.inf)
    table[0] = np.minimum(table[0], column)
    _fill_beside_column(table)
    return FlyoutTable(name, burnout_speed_mps, burn_time_s, float(r_grid[1]), a_grid_step, table, min_alt_m,
                       max_alt_m, max_range_m)


def _read_by_interp(xp: NDArray, x: NDArray) -> NDArray:
    """Indices of ``xp`` whose values ``np.interp(x, xp, fp)`` reads (repeats included): both ends and each x's
    bracketing pair (every index where ``xp`` is not strictly ascending, since the search then has no fixed
    bracket)."""
    if not (xp[1:] > xp[:-1]).all():
        return np.arange(xp.size)
    j = np.searchsorted(xp, x, side="right")
    return np.concatenate([j - 1, j, [0, xp.size - 1]]).clip(0, xp.size - 1)


def _fill_beside_column(table: NDArray) -> None:
    """Fill, in place, the nodes between the straight-up column and the fan's steepest shots.

    Even the fan's smallest kick drifts kilometres downrange on a long climb, so high up
    no shot passes the first few ranges, though kicks smaller still would. At each
    altitude, nodes from range 0 out to the first one the fan reaches take the time
    interpolated in range between the two.
    """
    reached = np.isfinite(table[1:])
    first = np.argmax(reached, axis=0) + 1  # (A,) first row past 0 reached at each altitude
    ok = reached.any(axis=0) & np.isfinite(table[0]) & (first > 1)
    i, j = np.nonzero((np.arange(table.shape[0])[:, None] < first) & ok)
    w = i / first[j]
    table[i, j] = (1.0 - w) * table[0, j] + w * table[first[j], j]


def flyout_table(interceptor: Interceptor, earth: EarthModel, *,
                 burnout_speed_mps: float | None = None, coarse: bool = False) -> FlyoutTable:
    """The fly-out table of a catalog interceptor, optionally with another burnout speed (m/s).

    With another speed, the catalog's maximum range and altitude scale by the ratio
    of kinematic reach at the two speeds, so a faster interceptor reaches farther
    in proportion. ``coarse`` tables are cheaper (see :func:`build_table`). Tables are cached
    per (interceptor, speed, resolution, Earth) in memory and on disk (:mod:`openbmd.diskcache`: built once per
    machine and code version; ``OPENBMD_CACHE=off`` turns the disk cache off).
    """
    i = interceptor
    speed = float(burnout_speed_mps or i.burnout_speed_mps)
    return _cached(i.name, i.burnout_speed_mps, speed, i.burn_time_s, i.min_intercept_altitude_m,
                   i.max_intercept_altitude_m, i.max_range_m, earth, coarse, ballistic_coefficient_kg_m2(i))


def ballistic_coefficient_kg_m2(interceptor: Interceptor) -> float:
    """The interceptor's coasting ballistic coefficient (kg/m²): its catalog figure, else a kill vehicle's."""
    return float(interceptor.ballistic_coefficient_kg_m2 or KV_BALLISTIC_COEFFICIENT_KG_M2)


_CODE = ("openbmd.engagement.flyout", "openbmd.flight.propagate", "openbmd.flight._kernel", "openbmd.earth.frames",
         "openbmd.earth.model", "openbmd.earth.kernels", "openbmd.earth.constants")
"""Modules whose source determines a table: their hash salts the disk cache's keys (:mod:`openbmd.diskcache`)."""

_SCALARS = ("burnout_speed_mps", "burn_time_s", "range_step_m", "alt_step_m", "min_alt_m", "max_alt_m",
            "max_range_m")


@lru_cache(maxsize=64)
def _cached(name: str, catalog_speed: float, speed: float, burn_time_s: float, min_alt: float, max_alt: float,
            max_range: float, earth: EarthModel, coarse: bool, beta_kg_m2: float) -> FlyoutTable:
    """The table of these inputs: from memory, else from the disk cache, else built (and stored on disk)."""
    from openbmd import diskcache

    args = (name, catalog_speed, speed, burn_time_s, min_alt, max_alt, max_range, earth, coarse, beta_kg_m2)
    key = repr(("flyout", args, (_N_RANGE, _N_ALT, _N_KICK, _FAN_SITE), diskcache.code_salt(_CODE)))
    stored = diskcache.load("flyout", key)
    if stored is not None:
        scalars, time_s = stored.get("scalars"), stored.get("time_s")
        if (scalars is not None and time_s is not None and scalars.shape == (len(_SCALARS),)
                and time_s.ndim == 2 and time_s.dtype == np.float64):
            return FlyoutTable(name, time_s=time_s, **dict(zip(_SCALARS, scalars.tolist())))
    table = _build(*args)
    diskcache.save("flyout", key, {"scalars": np.array([getattr(table, k) for k in _SCALARS], float),
                                   "time_s": table.time_s})
    return table


def _build(name: str, catalog_speed: float, speed: float, burn_time_s: float, min_alt: float, max_alt: float,
           max_range: float, earth: EarthModel, coarse: bool, beta_kg_m2: float) -> FlyoutTable:
    if speed != catalog_speed:
        base_range, base_alt = kinematic_reach(catalog_speed, burn_time_s, earth, min_alt, beta_kg_m2)
        new_range, new_alt = kinematic_reach(speed, burn_time_s, earth, min_alt, beta_kg_m2)
        max_range *= new_range / base_range
        max_alt *= new_alt / base_alt
    return build_table(name, speed, burn_time_s, earth, min_alt_m=min_alt, max_alt_m=max_alt, max_range_m=max_range,
                       coarse=coarse, beta_kg_m2=beta_kg_m2)


@lru_cache(maxsize=256)
def kinematic_reach(burnout_speed_mps: float, burn_time_s: float, earth: EarthModel, min_alt_m: float,
                    beta_kg_m2: float = KV_BALLISTIC_COEFFICIENT_KG_M2) -> tuple[float, float]:
    """Farthest ground range (m) at or above ``min_alt_m``, and highest altitude (m), over the fan."""
    t, r_ecef, still = _fan_samples(burnout_speed_mps, burn_time_s, earth, np.radians(np.linspace(0.02, 89.0, 121)),
                                    _t_max(burnout_speed_mps, burn_time_s), 1.0, beta_kg_m2)
    valid = np.isfinite(t)
    above, highest = _above_and_highest(r_ecef, valid, min_alt_m, still)
    rng = ground_range_m(r_ecef[:, :1], r_ecef)
    return float(np.max(np.where(above, rng, 0.0))), highest


_HEIGHT_SLACK_M = 1.0
"""Margin (m) on the bounds of geodetic height, far above the rounding of the heights computed."""


def _above_and_highest(r_ecef: NDArray, valid: NDArray, min_alt_m: float, earth: EarthModel) -> tuple[NDArray, float]:
    """Which ``valid`` samples lie at or above ``min_alt_m`` (geodetic height, m), and the highest height (m).

    Any point's height h lies within |r| − a ≤ h ≤ |r| − b (semi-axes a, b): the ellipsoid lies between the
    spheres of radius b and a. Heights are computed only where these bounds leave the answer open (a band
    21 km deep about ``min_alt_m``, and the tops of the highest shots): the same answer as computing them all.
    """
    radius = np.linalg.norm(r_ecef, axis=-1)
    lower = np.where(valid, radius - earth.a_m, np.nan)
    upper = np.where(valid, radius - earth.a_m * math.sqrt(1.0 - earth.e2), np.nan)
    sure = lower >= min_alt_m + _HEIGHT_SLACK_M
    ask = (upper >= np.nanmax(lower) - _HEIGHT_SLACK_M) | ((upper >= min_alt_m - _HEIGHT_SLACK_M) & ~sure)
    alt = np.full(radius.shape, np.nan)
    alt[ask] = ecef_to_geodetic(r_ecef[ask], earth)[2]
    return sure | (alt >= min_alt_m), float(np.nanmax(alt))


def _fan_kicks_rad(n: int) -> NDArray:
    """The fan's ``n`` kick angles (rad): 20 finely near the vertical, the rest out to 89°.

    The near-vertical ones fill the column over the launcher; 89° is the flattest shot
    (it leaves the launcher a few degrees above the horizon).
    """
    return np.radians(np.concatenate([np.linspace(0.02, 2.0, 20, endpoint=False), np.linspace(2.0, 89.0, n - 20)]))


def _t_max(burnout_speed_mps: float, burn_time_s: float, reach_m: float = math.inf) -> float:
    """How long (s) to fly the fan: longer than any useful fly-out.

    Four times the vacuum climb time v/g (a shot lofted out of a table and back), and,
    given the table's diagonal ``reach_m`` (m), at most ten times the time to cover it at
    burnout speed: endo-atmospheric tables end far sooner than their shots come down.
    """
    return 60.0 + min(4.0 * (burn_time_s + burnout_speed_mps / 9.0), burn_time_s + 10.0 * reach_m / burnout_speed_mps)
