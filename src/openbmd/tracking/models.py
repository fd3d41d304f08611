"""Stone Soup models: ballistic motion on the rotating Earth, radar and space IR measurements.

State: ECEF position (m) and Earth-relative velocity (m/s), ``[x, y, z, vx, vy, vz]``.
"""

from __future__ import annotations

import math

import numpy as np
from stonesoup.base import Property
from stonesoup.models.base import TimeVariantModel
from stonesoup.models.measurement.nonlinear import NonLinearGaussianMeasurement
from stonesoup.models.transition.nonlinear import GaussianTransitionModel
from stonesoup.predictor.kalman import ExtendedKalmanPredictor
from stonesoup.types.angle import Bearing
from stonesoup.types.array import CovarianceMatrix, StateVector, StateVectors

from openbmd.earth import EarthModel, wgs84
from openbmd.earth.kernels import geodetic_lat_alt
from openbmd.tracking._kernels import propagate_stm


_WGS84 = wgs84()

Z95 = 1.959964
"""Two-sided 95 % point of the standard normal."""


def sigma_ln_beta(beta_factor_95: float) -> float:
    """1-σ of ln β for a log-normal prior whose 95 % range is [β₀ / f, β₀ · f] (f = ``beta_factor_95`` ≥ 1)."""
    return math.log(beta_factor_95) / Z95


def free_flight_phase(x_ecef: np.ndarray, earth: EarthModel, reentry_altitude_m: float) -> str:
    """'reentry' for an ECEF state (6,) descending below ``reentry_altitude_m`` (m), else 'midcourse'."""
    _, h = geodetic_lat_alt(x_ecef[0], x_ecef[1], x_ecef[2], earth.a_m, earth.e2)
    return "reentry" if h < reentry_altitude_m and x_ecef[:3] @ x_ecef[3:6] < 0.0 else "midcourse"


def white_acceleration_q(q_m2_s3: float | np.ndarray, dt_s: float | np.ndarray) -> np.ndarray:
    r"""Discrete covariance (…, 6, 6) of white acceleration noise of density ``q_m2_s3`` per axis over ``dt_s``:
    :math:`q\begin{bmatrix}\Delta t^3/3\,I & \Delta t^2/2\,I\\ \Delta t^2/2\,I & \Delta t\,I\end{bmatrix}`."""
    q, d = np.broadcast_arrays(np.asarray(q_m2_s3, float), np.abs(np.asarray(dt_s, float)))
    out = np.zeros(q.shape + (6, 6))
    idx = np.arange(3)
    out[..., idx, idx] = (q * d ** 3 / 3)[..., None]
    out[..., idx, idx + 3] = out[..., idx + 3, idx] = (q * d ** 2 / 2)[..., None]
    out[..., idx + 3, idx + 3] = (q * d)[..., None]
    return out


class BallisticTransitionModel(GaussianTransitionModel, TimeVariantModel):
    r"""Unpowered flight in ECEF: J2 gravity, Coriolis and centrifugal terms, and drag.

    The mean is propagated numerically (RK4 on the equations of motion together with
    their variational equations); :meth:`jacobian` is the resulting state-transition
    matrix Φ. Drag (US Standard Atmosphere 1976, air at rest in ECEF) acts with the
    ballistic coefficient ``beta_kg_m2`` (0: vacuum). Unmodelled accelerations (thrust
    in boost, model error) enter as white acceleration noise of spectral density
    ``q_m2_s3`` per axis (:func:`white_acceleration_q`). The ballistic coefficient is
    uncertain: ln β has a 1-σ of ``sigma_ln_beta``, and given the prior state
    (``prior_state``, as :class:`BallisticPredictor` passes it) :meth:`covar` adds
    σ² s sᵀ, with s = ∂x/∂ln β flown along with the state. Defaults are WGS-84.
    """

    q_m2_s3: float = Property(default=1e-2, doc="White acceleration noise spectral density per axis, m²/s³")
    mu_m3_s2: float = Property(default=_WGS84.mu_m3_s2, doc="Gravitational parameter, m³/s²")
    j2: float = Property(default=_WGS84.j2, doc="Second zonal harmonic (0: point mass)")
    a_m: float = Property(default=_WGS84.a_m, doc="Equatorial radius for J2 and heights, m")
    e2: float = Property(default=_WGS84.e2, doc="First eccentricity squared of the ellipsoid (heights for drag)")
    omega_rad_s: float = Property(default=_WGS84.omega_rad_s, doc="Earth rotation rate, rad/s (0: still Earth)")
    max_step_s: float = Property(default=10.0, doc="Longest RK4 step, s")
    beta_kg_m2: float = Property(default=0.0, doc="Ballistic coefficient m/(C_D A) for drag, kg/m² (0: vacuum)")
    sigma_ln_beta: float = Property(default=0.0, doc="1-σ uncertainty of ln β (0: β known)")

    @property
    def ndim_state(self) -> int:
        return 6

    def _dt(self, time_interval) -> float:
        return time_interval.total_seconds() if hasattr(time_interval, "total_seconds") else float(time_interval)

    def _params(self) -> tuple:
        return (self.mu_m3_s2, self.j2, self.a_m, self.e2, self.omega_rad_s, self.beta_kg_m2, self.max_step_s)

    def propagate_all(self, x_ecef: np.ndarray, dt_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """State (6,) after ``dt_s`` s, transition matrix Φ (6, 6) and sensitivity ∂x/∂ln β (6,)."""
        x = np.ascontiguousarray(np.asarray(x_ecef, float).ravel())
        params = self._params()
        key = (x.tobytes(), float(dt_s), params)  # the model's parameters too: they may change between calls
        cached = getattr(self, "_last", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        mu, j2, a, e2, w, beta, step = params
        out = propagate_stm(x, float(dt_s), mu, j2, a, e2, w, beta, step)
        object.__setattr__(self, "_last", (key, out))  # one-entry cache: function(), jacobian(), covar()
        return out

    def propagate(self, x_ecef: np.ndarray, dt_s: float) -> tuple[np.ndarray, np.ndarray]:
        """State (6,) after ``dt_s`` s and the transition matrix Φ (6, 6)."""
        return self.propagate_all(x_ecef, dt_s)[:2]

    def function(self, state, noise=False, time_interval=None, **kwargs) -> StateVector | StateVectors:
        """Propagated state(s) after ``time_interval`` (a timedelta or s)."""
        dt = self._dt(time_interval)
        sv = state.state_vector
        cols = [self.propagate(sv[:, k], dt)[0] for k in range(sv.shape[1])]
        out = StateVectors(np.stack(cols, axis=1)) if len(cols) > 1 else StateVector(cols[0])
        if isinstance(noise, bool) and noise:
            noise = self.rvs(num_samples=sv.shape[1], time_interval=time_interval, **kwargs)
        if not isinstance(noise, bool):
            out = out + noise
        return out

    def jacobian(self, state, time_interval=None, **kwargs) -> np.ndarray:
        """State-transition matrix Φ (6, 6) about ``state``."""
        return self.propagate(state.state_vector[:, 0], self._dt(time_interval))[1]

    def process_noise(self, dt_s: float, s_beta: np.ndarray | None = None) -> np.ndarray:
        """Q (6, 6) over ``dt_s`` s: white acceleration noise, plus σ² s sᵀ for the β sensitivity ``s_beta``."""
        q = white_acceleration_q(self.q_m2_s3, dt_s)
        if s_beta is not None and self.sigma_ln_beta > 0.0:
            q = q + self.sigma_ln_beta ** 2 * np.outer(s_beta, s_beta)
        return q

    def covar(self, time_interval=None, prior_state=None, **kwargs) -> CovarianceMatrix:
        """Discrete process noise Q (6, 6) over ``time_interval``, m² / m²s⁻¹ / m²s⁻²; with ``prior_state``
        (the state predicted from) it includes the β uncertainty."""
        dt = self._dt(time_interval)
        s = None
        if prior_state is not None and self.sigma_ln_beta > 0.0 and self.beta_kg_m2 > 0.0:
            s = self.propagate_all(prior_state.state_vector[:, 0], dt)[2]
        return CovarianceMatrix(self.process_noise(dt, s))


class BallisticPredictor(ExtendedKalmanPredictor):
    """Stone Soup's extended Kalman predictor, passing the prior to the transition model's ``covar``
    (as ``prior_state``) so that the process noise can depend on the state (drag's β uncertainty)."""

    def _predicted_covariance(self, prior, predict_over_interval, control_input=None, **kwargs):
        return super()._predicted_covariance(prior, predict_over_interval, control_input=control_input,
                                             prior_state=prior, **kwargs)


def _aer_jacobian(d: np.ndarray, v: np.ndarray, rot: np.ndarray, with_range: bool, with_rate: bool) -> np.ndarray:
    """Rows ∂(el, az[, range[, range rate]])/∂(r, v) for the sensor-to-target vector d (ECEF)."""
    e, n, u = rot @ d
    h2 = e * e + n * n
    h = np.sqrt(h2)
    rho2 = h2 + u * u
    rho = np.sqrt(rho2)
    d_el = np.array([-e * u / (h * rho2), -n * u / (h * rho2), h / rho2]) @ rot
    d_az = np.array([n / h2, -e / h2, 0.0]) @ rot
    rows = [np.concatenate([d_el, np.zeros(3)]), np.concatenate([d_az, np.zeros(3)])]
    if with_range:
        rows.append(np.concatenate([d / rho, np.zeros(3)]))
    if with_rate:
        rate = d @ v / rho
        rows.append(np.concatenate([v / rho - rate * d / rho2, d / rho]))
    return np.array(rows)


class _FrameMeasurement(NonLinearGaussianMeasurement):
    """Angles (and optionally range, range rate) of an ECEF state seen from a fixed frame."""

    origin_ecef_m: np.ndarray = Property(doc="Frame origin in ECEF, m (3,)")
    frame_rows: np.ndarray = Property(doc="Rotation (3, 3): rows are the frame's axes (E, N, U for radars) in ECEF")
    mapping: tuple = Property(default=(0, 1, 2, 3, 4, 5), doc="State dimensions used (the whole ECEF state)")
    ndim_state: int = Property(default=6, doc="State dimensions")

    _RANGE = False
    _RATE = False

    @property
    def ndim_meas(self) -> int:
        return 2 + int(self._RANGE) + int(self._RATE)

    def _one(self, x: np.ndarray) -> list:
        d = np.asarray(x[:3], float) - np.asarray(self.origin_ecef_m, float).ravel()
        e, n, u = self.frame_rows @ d
        out = [float(np.arctan2(u, np.hypot(e, n))), Bearing(np.arctan2(e, n))]  # elevation never wraps
        if self._RANGE:
            out.append(float(np.linalg.norm(d)))
        if self._RATE:
            out.append(float(d @ np.asarray(x[3:6], float) / np.linalg.norm(d)))
        return out

    def function(self, state, noise=False, **kwargs):
        sv = state.state_vector
        cols = [self._one(np.asarray(sv[:, k], float).ravel()) for k in range(sv.shape[1])]
        out = StateVectors([list(c) for c in zip(*cols)]) if len(cols) > 1 else StateVector(cols[0])
        if isinstance(noise, bool) and noise:
            noise = self.rvs(num_samples=sv.shape[1], **kwargs)
        if not isinstance(noise, bool):
            out = out + noise
        return out

    def jacobian(self, state, **kwargs) -> np.ndarray:
        x = np.asarray(state.state_vector[:, 0], float).ravel()
        d = x[:3] - np.asarray(self.origin_ecef_m, float).ravel()
        return _aer_jacobian(d, x[3:6], self.frame_rows, self._RANGE, self._RATE)


class RadarMeasurementModel(_FrameMeasurement):
    """Radar: elevation (rad), azimuth (rad, clockwise from north), range (m) in the site's ENU frame.

    ``frame_rows`` is the ENU rotation at the site (rows east, north, up in ECEF);
    ``noise_covar`` diag(σ_el², σ_az², σ_r²) in rad² and m².
    """

    _RANGE = True

    def inverse_position(self, z: np.ndarray) -> np.ndarray:
        """ECEF position (m) of a measurement (el, az, range, ...)."""
        el, az, rng = float(z[0]), float(z[1]), float(z[2])
        enu = rng * np.array([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)])
        return np.asarray(self.origin_ecef_m, float).ravel() + self.frame_rows.T @ enu


class RadarRangeRateMeasurementModel(RadarMeasurementModel):
    """Radar with range rate: (el, az, range, range rate m/s); ``noise_covar`` 4×4."""

    _RATE = True


class LineOfSightMeasurementModel(_FrameMeasurement):
    """Space IR line of sight: two angles (rad) in the satellite frame of
    :func:`openbmd.sensors.measurements.los_frame` (origin = satellite ECEF position)."""

    def ray(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(origin (3,), unit direction (3,)) of a measured line of sight, ECEF."""
        el, az = float(z[0]), float(z[1])
        local = np.array([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)])
        return np.asarray(self.origin_ecef_m, float).ravel(), self.frame_rows.T @ local
