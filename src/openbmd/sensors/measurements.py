"""Noisy measurements of truth trajectories, generated in batch.

Each :class:`SensorPost` looks at every target once per revisit (its scan times
start at a random phase) and reports a target only when the visibility law of
:mod:`openbmd.sensors.visibility` holds at that instant (horizon, sector,
elevation limits, range against the RCS for radars; boost above the cloud tops
for space IR). Truth between the thinned flight samples is a cubic Hermite
interpolate of position and velocity (ECEF, m and m/s).

Measurement vector ``z`` (4 columns, NaN where a sensor gives no such value):

- **radar**: elevation (rad), azimuth (rad, clockwise from north), range (m) and
  range rate (m/s, when the catalog gives a range-rate noise), in the radar's local
  ENU frame (geodetic vertical at the site);
- **space IR**: two line-of-sight angles (rad) in the satellite's frame (see
  :func:`los_frame`), then NaN, NaN.

The space IR sensor is taken as one geostationary satellite at
:data:`GEO_LON_DEG` (a notional slot over the Indian Ocean, chosen for a view of
the Middle East near nadir; real SBIRS positions are not public).

Noise is Gaussian with the catalog's 1-sigma figures, drawn from a seeded
:class:`numpy.random.Generator`; false alarms are Poisson per scan and uniform in
the sensor's field of regard.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from openbmd.earth import EarthModel, enu_rotation, geodetic_to_ecef
from openbmd.earth.constants import GEO_RADIUS_M, WGS84_A_M
from openbmd.earth.kernels import FAST
from openbmd.flight import FlownThreats
from openbmd.sensors.visibility import SensorPost, post_parameters, sees

GEO_LON_DEG = 60.0
"""Sub-satellite longitude of the notional GEO infrared satellite, deg east."""


@dataclass(frozen=True)
class MeasurementBatch:
    """M measurements sorted by time then post.

    ``t_s`` (M,) s; ``post`` (M,) index into the posts; ``target`` (M,) truth index or -1
    for a false alarm; ``z`` (M, 4) as in the module docstring; ``x_true_ecef`` (M, 6) the
    truth state (NaN for false alarms), kept for scoring only.
    """

    t_s: NDArray
    post: NDArray
    target: NDArray
    z: NDArray
    x_true_ecef: NDArray

    def __len__(self) -> int:
        return self.t_s.shape[0]

    def select(self, mask: NDArray) -> "MeasurementBatch":
        return MeasurementBatch(self.t_s[mask], self.post[mask], self.target[mask], self.z[mask],
                                self.x_true_ecef[mask])


@dataclass(frozen=True)
class MeasurementOptions:
    """Generation options: ``false_alarms_per_scan`` (Poisson mean per scan of each post) and
    ``detection_probability`` (0..1, per visible look)."""

    false_alarms_per_scan: float = 0.0
    detection_probability: float = 1.0


def geo_satellite_ecef(earth: EarthModel, lon_deg: float = GEO_LON_DEG) -> NDArray:
    """ECEF position (m) of a geostationary satellite above ``lon_deg``."""
    lon = math.radians(lon_deg)
    return np.array([GEO_RADIUS_M * math.cos(lon), GEO_RADIUS_M * math.sin(lon), 0.0])


def los_frame(sat_r_ecef: NDArray) -> NDArray:
    """Rows (u, w, v) of the satellite's angle frame: w toward nadir, u eastward, v = w × u (northward).

    The LOS angles are ``atan2(d·u, d·w)`` and ``atan2(d·v, hypot(d·u, d·w))`` for the
    satellite-to-target vector d, the same law as a radar's azimuth and elevation
    with (u, w, v) in place of (east, north, up).
    """
    w = -np.asarray(sat_r_ecef, float) / np.linalg.norm(sat_r_ecef)
    u = np.cross(np.array([0.0, 0.0, 1.0]), w)
    u /= np.linalg.norm(u)
    return np.stack([u, w, np.cross(w, u)])


def post_frame(post: SensorPost, earth: EarthModel) -> tuple[NDArray, NDArray]:
    """(origin r_ecef (3,) m, rotation (3, 3) rows = frame axes in ECEF) of a post's measurement frame."""
    if post.is_radar:
        return (np.asarray(geodetic_to_ecef(post.lat_rad, post.lon_rad, post.alt_m, earth), float),
                np.asarray(enu_rotation(post.lat_rad, post.lon_rad), float))
    sat = geo_satellite_ecef(earth)
    return sat, los_frame(sat)


def noise_sigmas(post: SensorPost) -> NDArray:
    """1-sigma noise of the four ``z`` columns (NaN where the post gives no such value)."""
    s = post.sensor
    if post.is_radar:
        return np.array([s.angle_noise_rad, s.angle_noise_rad, s.range_noise_m,
                         s.range_rate_noise_mps if s.range_rate_noise_mps else np.nan])
    return np.array([s.angle_noise_rad, s.angle_noise_rad, np.nan, np.nan])


@njit(cache=True, fastmath=FAST, error_model="numpy")
def _hermite_at(ts, xs, n_valid, tq, out):
    """Cubic Hermite interpolate of one trajectory's (K, 6) ECEF samples at time tq; False outside."""
    if n_valid < 2 or not (tq >= ts[0]) or not (tq <= ts[n_valid - 1]):
        return False
    lo, hi = 0, n_valid - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ts[mid] <= tq:
            lo = mid
        else:
            hi = mid
    h = ts[hi] - ts[lo]
    if h <= 0.0:
        out[:] = xs[lo]
        return True
    s = (tq - ts[lo]) / h
    h00 = (1 + 2 * s) * (1 - s) ** 2
    h10 = s * (1 - s) ** 2
    h01 = s * s * (3 - 2 * s)
    h11 = s * s * (s - 1)
    d00 = 6 * s * s - 6 * s
    d10 = 3 * s * s - 4 * s + 1
    d01 = -6 * s * s + 6 * s
    d11 = 3 * s * s - 2 * s
    for c in range(3):
        p0, p1, v0, v1 = xs[lo, c], xs[hi, c], xs[lo, c + 3], xs[hi, c + 3]
        out[c] = h00 * p0 + h10 * h * v0 + h01 * p1 + h11 * h * v1
        out[c + 3] = (d00 * p0 + d01 * p1) / h + d10 * v0 + d11 * v1
    return True


@njit(cache=True, parallel=True, fastmath=FAST, error_model="numpy")
def _looks(t, x, n_valid, burnout_t, scan_t, p, origin, rot, a, e2):
    """Visible (N, S) and noise-free z (N, S, 4) and truth (N, S, 6) of one post's scans."""
    n = t.shape[0]
    s_count = scan_t.shape[0]
    vis = np.zeros((n, s_count), dtype=np.bool_)
    z = np.full((n, s_count, 4), np.nan)
    truth = np.full((n, s_count, 6), np.nan)
    for i in prange(n):
        st = np.empty(6)
        for j in range(s_count):
            if not _hermite_at(t[i], x[i], n_valid[i], scan_t[j], st):
                continue
            if not sees(p, scan_t[j], st[0], st[1], st[2], burnout_t[i], a, e2):
                continue
            vis[i, j] = True
            truth[i, j] = st
            dx, dy, dz = st[0] - origin[0], st[1] - origin[1], st[2] - origin[2]
            e = rot[0, 0] * dx + rot[0, 1] * dy + rot[0, 2] * dz
            nn = rot[1, 0] * dx + rot[1, 1] * dy + rot[1, 2] * dz
            u = rot[2, 0] * dx + rot[2, 1] * dy + rot[2, 2] * dz
            rng = math.sqrt(dx * dx + dy * dy + dz * dz)
            z[i, j, 0] = math.atan2(u, math.sqrt(e * e + nn * nn))
            z[i, j, 1] = math.atan2(e, nn)
            z[i, j, 2] = rng
            z[i, j, 3] = (dx * st[3] + dy * st[4] + dz * st[5]) / rng
    return vis, z, truth


def scan_times(post: SensorPost, t_start_s: float, t_end_s: float, rng: np.random.Generator) -> NDArray:
    """A post's look times (s) from a random phase within its first revisit up to ``t_end_s``."""
    dt = post.sensor.revisit_s
    return np.arange(t_start_s + rng.uniform(0.0, dt), t_end_s, dt)


def _false_alarms(post: SensorPost, scans: NDArray, origin, rot, rate: float, rng: np.random.Generator) -> tuple:
    """Poisson false alarms per scan, uniform in the post's field of regard: (t, z) arrays."""
    counts = rng.poisson(rate, scans.size)
    k = int(counts.sum())
    t = np.repeat(scans, counts)
    z = np.full((k, 4), np.nan)
    s = post.sensor
    if post.is_radar:
        z[:, 0] = rng.uniform(math.radians(s.min_elevation_deg), math.radians(s.max_elevation_deg), k)
        half = math.radians(s.sector_half_width_deg)
        z[:, 1] = (post.boresight_azimuth_rad + rng.uniform(-half, half, k) + math.pi) % (2 * math.pi) - math.pi
        z[:, 2] = rng.uniform(0.05, 1.0, k) * s.max_range_m
        if s.range_rate_noise_mps:
            z[:, 3] = rng.uniform(-4000.0, 4000.0, k)
    else:  # anywhere on the Earth's disc seen from GEO (half-angle about 8.7 deg)
        half = math.asin(WGS84_A_M / GEO_RADIUS_M)
        z[:, 0] = rng.uniform(-half, half, k)
        z[:, 1] = rng.uniform(-half, half, k)
    return t, z


def generate_measurements(truth: FlownThreats, posts: Sequence[SensorPost], earth: EarthModel, rcs_m2: float,
                          rng: np.random.Generator, options: MeasurementOptions = MeasurementOptions(),
                          t_start_s: float | None = None, t_end_s: float | None = None) -> MeasurementBatch:
    """Every post's noisy measurements of every visible target, and optional false alarms.

    ``truth`` on its own clock (s); ``rcs_m2`` sets radar ranges (R ∝ RCS^¼). Times default to the span of
    the truth samples.
    """
    t0 = float(np.nanmin(truth.t_s)) if t_start_s is None else t_start_s
    t1 = float(np.nanmax(truth.t_s)) if t_end_s is None else t_end_s
    params = post_parameters(posts, earth, rcs_m2)
    n_valid = np.sum(np.isfinite(truth.t_s), axis=1).astype(np.int64)
    t = np.ascontiguousarray(np.nan_to_num(truth.t_s, nan=np.inf))
    x = np.ascontiguousarray(truth.x_ecef, float)  # (N, K, 6): the kernel's positions and velocities
    parts: list[tuple] = []
    for q, post in enumerate(posts):  # a handful of posts; the targets and scans are batched
        scans = scan_times(post, t0, t1, rng)
        origin, rot = post_frame(post, earth)
        vis, z, x_true = _looks(t, x, n_valid, np.ascontiguousarray(truth.burnout_t_s, float), scans, params[q],
                                origin, rot, earth.a_m, earth.e2)
        if options.detection_probability < 1.0:
            vis &= rng.random(vis.shape) < options.detection_probability
        tgt, j = np.nonzero(vis)
        sig = noise_sigmas(post)
        zq = z[tgt, j] + rng.standard_normal((tgt.size, 4)) * np.nan_to_num(sig)
        zq[:, np.isnan(sig)] = np.nan
        zq[:, 1] = (zq[:, 1] + math.pi) % (2 * math.pi) - math.pi
        parts.append((scans[j], np.full(tgt.size, q), tgt, zq, x_true[tgt, j]))
        if options.false_alarms_per_scan > 0.0:
            tf, zf = _false_alarms(post, scans, origin, rot, options.false_alarms_per_scan, rng)
            parts.append((tf, np.full(tf.size, q), np.full(tf.size, -1), zf, np.full((tf.size, 6), np.nan)))
    if not parts:
        return MeasurementBatch(np.zeros(0), np.zeros(0, int), np.zeros(0, int), np.zeros((0, 4)), np.zeros((0, 6)))
    tt, pp, gg, zz, xx = (np.concatenate([p[k] for p in parts]) for k in range(5))
    order = np.lexsort((pp, tt))
    return MeasurementBatch(tt[order], pp[order].astype(np.int64), gg[order].astype(np.int64), zz[order], xx[order])
