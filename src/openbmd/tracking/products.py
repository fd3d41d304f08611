"""Products of a track: predicted impact point with its error ellipse, launch point and time, range class.

- **Impact**: the track's mean and 12 symmetric sigma points (±√6 · columns of the
  Cholesky factor of P) are flown to the ground in one batched call of the numeric
  propagator (J2, rotating Earth, drag with an assumed β or vacuum). An uncertain β
  (log-normal prior) adds ln β to the sigma-point state (14 points at ±√7). The impact covariance is taken in the
  local east-north plane at the mean impact point; the 95 % ellipse has semi-axes
  √(5.991 λ) for its eigenvalues λ.
- **Launch**: back-propagation. Gravity in ECI with J2 does not depend on time
  (the zonal field is symmetric about the polar axis), so flying the ECI state with
  its velocity reversed retraces the free-flight arc backwards; where it meets the
  ground, converted to ECEF at the retraced time, is the ballistic launch estimate.
  From a free-flight state it lands behind the true launch point and about 70 s
  late for the catalog's MRBMs (~15 km; ~21 km for an IRBM, ~76 km for an ICBM): the
  powered ascent is slow and steep, the ballistic arc is not. :func:`boost_correction`
  measures that offset on an aimed shot of a template missile and
  :func:`correct_launch` applies it (the picture uses the template of the track's
  range class).
- **Range class** by the predicted launch-to-impact range (US DoD classes):
  SRBM < 1,000 km ≤ MRBM < 3,000 km ≤ IRBM < 5,500 km ≤ ICBM.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from openbmd.earth import EarthModel, ecef_to_eci, ecef_to_geodetic, eci_to_ecef, enu_rotation
from openbmd.earth.geodesy import geodesic_inverse
from openbmd.flight import StateBatch, fly_ballistic

CHI2_2D_95 = 5.991
"""95 % quantile of chi-square with 2 degrees of freedom."""
RANGE_CLASSES = ((1_000e3, "srbm"), (3_000e3, "mrbm"), (5_500e3, "irbm"), (np.inf, "icbm"))


@dataclass(frozen=True)
class ImpactPrediction:
    """Per state (T,): predicted impact time (s), ECEF point (T, 3) m, geodetic lat/lon (rad),
    east-north covariance (T, 2, 2) m², 95 % ellipse semi-axes (m) and major-axis azimuth (rad from north).
    NaN where the state does not reach the ground."""

    t_impact_s: NDArray
    r_ecef_m: NDArray
    lat_rad: NDArray
    lon_rad: NDArray
    cov_en_m2: NDArray
    semi_major_m: NDArray
    semi_minor_m: NDArray
    major_azimuth_rad: NDArray


@dataclass(frozen=True)
class LaunchEstimate:
    """Per state (T,): estimated launch time (s) and ECEF point (T, 3) m, and geodetic lat/lon (rad)."""

    t_launch_s: NDArray
    r_ecef_m: NDArray
    lat_rad: NDArray
    lon_rad: NDArray


def _fly(t_s: NDArray, x_ecef: NDArray, earth: EarthModel, reverse: bool, beta_kg_m2: float | None = None):
    air = earth if (beta_kg_m2 is not None and not reverse) else earth.without_atmosphere()
    r_eci, v_eci = ecef_to_eci(x_ecef[:, :3], t_s, earth, x_ecef[:, 3:])
    batch = fly_ballistic(StateBatch(np.asarray(t_s, float).copy(), r_eci, -v_eci if reverse else v_eci), air,
                          beta_kg_m2=beta_kg_m2, t_max_s=5400.0)
    t_imp = batch.event_t_s[:, 3]
    ok = batch.status == 0
    return np.where(ok, t_imp, np.nan), np.where(ok[:, None], batch.event_r_eci[:, 3], np.nan)


def predict_impacts(t_s: NDArray, x_ecef: NDArray, p: NDArray, earth: EarthModel,
                    beta_kg_m2: float | None = None, beta_sigma_ln: float = 0.0) -> ImpactPrediction:
    """Impact predictions of T track states: ``t_s`` (T,), ``x_ecef`` (T, 6), ``p`` (T, 6, 6).

    ``beta_kg_m2``: the re-entry ballistic coefficient (kg/m²) for drag, the median of a log-normal prior
    whose ln β has 1-σ ``beta_sigma_ln`` (0: β known; see :func:`~openbmd.tracking.models.sigma_ln_beta`);
    None flies in vacuum. With an uncertain β the sigma points are those of the state augmented with ln β
    (n = 7: 14 points at ±√7 σ), so the ellipse carries the drag uncertainty. NaN where a sigma point
    starts under ground or does not come down within 90 min (the track is too uncertain, or already down,
    for a prediction)."""
    t_s, x_ecef, p = np.asarray(t_s, float), np.asarray(x_ecef, float), np.asarray(p, float)
    n = t_s.shape[0]
    with_beta = beta_kg_m2 is not None and beta_sigma_ln > 0.0 and earth.atmosphere
    dim = 7 if with_beta else 6
    m = 2 * dim + 1  # the mean, then the sigma points
    jitter = 1e-9 * np.trace(p, axis1=1, axis2=2)[:, None, None] * np.eye(6)
    s = np.linalg.cholesky(0.5 * (p + np.swapaxes(p, 1, 2)) + jitter) * np.sqrt(float(dim))
    cols = np.swapaxes(s, 1, 2)  # (T, 6, 6) rows: the columns of the scaled factor
    if with_beta:
        cols = np.concatenate([cols, np.zeros((n, 1, 6))], axis=1)  # the ln β direction moves no state
    offsets = np.concatenate([cols, -cols], axis=1)  # (T, 2 dim, 6)
    pts = np.concatenate([x_ecef[:, None, :], x_ecef[:, None, :] + offsets], axis=1)  # (T, m, 6)
    flat = pts.reshape(-1, 6)
    tt = np.repeat(t_s, m)
    _, _, h0 = ecef_to_geodetic(pts[..., :3], earth)
    t_imp, r_imp_eci = _fly(tt, flat, earth, reverse=False, beta_kg_m2=beta_kg_m2)
    if with_beta:  # the two ln β points: the mean state at β₀ exp(±√7 σ)
        for j, sign in ((1 + 6, 1.0), (1 + dim + 6, -1.0)):
            rows = np.arange(n) * m + j
            t_imp[rows], r_imp_eci[rows] = _fly(t_s, x_ecef, earth, reverse=False,
                                                beta_kg_m2=beta_kg_m2 * np.exp(sign * np.sqrt(dim) * beta_sigma_ln))
    t_imp[(h0 < 0.0).ravel()] = np.nan  # a sigma point already under ground: no prediction yet
    r_imp = eci_to_ecef(np.nan_to_num(r_imp_eci), np.nan_to_num(t_imp), earth).reshape(n, m, 3)
    r_imp[np.isnan(t_imp.reshape(n, m))] = np.nan
    mean_r = np.mean(r_imp[:, 1:], axis=1)
    lat, lon, _ = ecef_to_geodetic(mean_r, earth)
    rot = enu_rotation(lat, lon)[:, :2, :]  # (T, 2, 3) east, north rows
    d = np.einsum("tij,tkj->tki", rot, r_imp[:, 1:] - mean_r[:, None, :])  # (T, 2 dim, 2)
    cov = np.einsum("tki,tkj->tij", d, d) / (2.0 * dim)
    ev, evec = np.linalg.eigh(np.nan_to_num(cov))
    major = np.sqrt(np.maximum(ev[:, 1], 0.0) * CHI2_2D_95)
    minor = np.sqrt(np.maximum(ev[:, 0], 0.0) * CHI2_2D_95)
    azimuth = np.arctan2(evec[:, 0, 1], evec[:, 1, 1])
    bad = ~np.all(np.isfinite(r_imp), axis=(1, 2))
    for arr in (major, minor, azimuth):
        arr[bad] = np.nan
    cov[bad] = np.nan
    t_mean = np.mean(t_imp.reshape(n, m)[:, 1:], axis=1)
    return ImpactPrediction(t_mean, mean_r, lat, lon, cov, major, minor, azimuth)


def estimate_launch(t_s: NDArray, x_ecef: NDArray, earth: EarthModel) -> LaunchEstimate:
    """Launch time and point of T track states by ballistic back-propagation to the ground (NaN under ground)."""
    t_s = np.asarray(t_s, float)
    t_back, r_eci = _fly(t_s, np.asarray(x_ecef, float), earth, reverse=True)
    t_back[ecef_to_geodetic(np.asarray(x_ecef, float)[:, :3], earth)[2] < 0.0] = np.nan
    t_launch = 2.0 * t_s - t_back
    r = eci_to_ecef(np.nan_to_num(r_eci), np.nan_to_num(t_launch), earth)
    r[np.isnan(t_launch)] = np.nan
    lat, lon, _ = ecef_to_geodetic(r, earth)
    return LaunchEstimate(t_launch, r, lat, lon)


def range_class(range_m: float) -> str:
    """'srbm', 'mrbm', 'irbm' or 'icbm' for a ground range (m); '' when unknown."""
    if not np.isfinite(range_m):
        return ""
    return next(name for limit, name in RANGE_CLASSES if range_m < limit)


def predicted_range_m(launch: LaunchEstimate, impact: ImpactPrediction, earth: EarthModel) -> NDArray:
    """Geodesic launch-to-impact distance (m) of matching launch and impact estimates."""
    dist, _, _ = geodesic_inverse(np.nan_to_num(launch.lat_rad), np.nan_to_num(launch.lon_rad),
                                  np.nan_to_num(impact.lat_rad), np.nan_to_num(impact.lon_rad), earth)
    return np.where(np.isfinite(launch.lat_rad) & np.isfinite(impact.lat_rad), dist, np.nan)


@dataclass(frozen=True)
class BoostCorrection:
    """How far a ballistic back-propagation from burnout misses the true launch: the launch point lies
    ``downrange_m`` further along the ground track than the back-propagated point, and ``time_s`` earlier."""

    downrange_m: float
    time_s: float


def boost_correction(missile, earth: EarthModel, fraction_of_range: float = 0.8) -> BoostCorrection:
    """The boost correction of a catalog missile, from one aimed minimum-energy shot at a fraction of its
    published range: its first free-flight state is back-propagated and compared with the true launch."""
    import math

    from openbmd.earth import geodesic_direct
    from openbmd.flight import aim_missile

    lat0, lon0 = math.radians(35.0), math.radians(50.0)
    lat1, lon1 = geodesic_direct(lat0, lon0, math.radians(300.0), fraction_of_range * missile.max_range_m, earth)
    shot = aim_missile(missile, lat0, lon0, float(lat1), float(lon1), earth, sample_dt_s=None)
    t_bo, r_bo, v_bo = shot.trajectory.event_ecef("burnout")
    est = estimate_launch(t_bo + 1e-3, np.concatenate([r_bo, v_bo], axis=1), earth)
    dist, az, _ = geodesic_inverse(est.lat_rad, est.lon_rad, lat0, lon0, earth)
    along = float(dist[0] * np.cos(az[0] - shot.azimuth_rad))
    return BoostCorrection(along, float(est.t_launch_s[0] - shot.trajectory.start_t_s[0]))


def correct_launch(launch: LaunchEstimate, impact_lat_rad: NDArray, impact_lon_rad: NDArray,
                   correction: BoostCorrection, earth: EarthModel) -> LaunchEstimate:
    """Move back-propagated launch estimates ``correction.downrange_m`` toward their impact points and
    ``correction.time_s`` earlier."""
    from openbmd.earth import geodesic_direct, geodetic_to_ecef

    _, az, _ = geodesic_inverse(launch.lat_rad, launch.lon_rad, impact_lat_rad, impact_lon_rad, earth)
    lat, lon = geodesic_direct(launch.lat_rad, launch.lon_rad, az, correction.downrange_m, earth)
    r = geodetic_to_ecef(lat, lon, np.zeros_like(lat), earth)
    return LaunchEstimate(launch.t_launch_s - correction.time_s, r, lat, lon)
