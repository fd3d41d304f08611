"""Stone Soup models: ballistic motion on the rotating Earth, radar and space IR measurements.

State: ECEF position (m) and Earth-relative velocity (m/s), ``[x, y, z, vx, vy, vz]``.
"""

from __future__ import annotations

import numpy as np
from stonesoup.base import Property
from stonesoup.models.base import TimeVariantModel
from stonesoup.models.measurement.nonlinear import NonLinearGaussianMeasurement
from stonesoup.models.transition.nonlinear import GaussianTransitionModel
from stonesoup.types.angle import Bearing
from stonesoup.types.array import CovarianceMatrix, StateVector, StateVectors

from openbmd.earth.model import MU_EARTH_M3_S2
from openbmd.tracking._kernels import propagate_stm


class BallisticTransitionModel(GaussianTransitionModel, TimeVariantModel):
    r"""Unpowered flight in ECEF: J2 gravity, Coriolis and centrifugal terms.

    The mean is propagated numerically (RK4 on the equations of motion together with
    their variational equations); :meth:`jacobian` is the resulting state-transition
    matrix Φ. Unmodelled accelerations (thrust in boost, drag in re-entry, model
    error) enter as white acceleration noise of spectral density ``q_m2_s3`` per axis,
    giving the usual discrete covariance
    :math:`Q = q\begin{bmatrix}\Delta t^3/3\,I & \Delta t^2/2\,I\\ \Delta t^2/2\,I & \Delta t\,I\end{bmatrix}`.
    Defaults are WGS-84.
    """

    q_m2_s3: float = Property(default=1e-2, doc="White acceleration noise spectral density per axis, m²/s³")
    mu_m3_s2: float = Property(default=MU_EARTH_M3_S2, doc="Gravitational parameter, m³/s²")
    j2: float = Property(default=1.08262668e-3, doc="Second zonal harmonic (0: point mass)")
    a_m: float = Property(default=6378137.0, doc="Equatorial radius for J2, m")
    omega_rad_s: float = Property(default=7.292115e-5, doc="Earth rotation rate, rad/s (0: still Earth)")
    max_step_s: float = Property(default=10.0, doc="Longest RK4 step, s")

    @property
    def ndim_state(self) -> int:
        return 6

    def _dt(self, time_interval) -> float:
        return time_interval.total_seconds() if hasattr(time_interval, "total_seconds") else float(time_interval)

    def propagate(self, x_ecef: np.ndarray, dt_s: float) -> tuple[np.ndarray, np.ndarray]:
        """State (6,) after ``dt_s`` s and the transition matrix Φ (6, 6)."""
        x = np.ascontiguousarray(np.asarray(x_ecef, float).ravel())
        key = (x.tobytes(), dt_s)
        cached = getattr(self, "_last", None)
        if cached is not None and cached[0] == key:
            return cached[1], cached[2]
        x1, phi = propagate_stm(x, float(dt_s), self.mu_m3_s2, self.j2, self.a_m, self.omega_rad_s, self.max_step_s)
        object.__setattr__(self, "_last", (key, x1, phi))  # one-entry cache: function() then jacobian()
        return x1, phi

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

    def covar(self, time_interval=None, **kwargs) -> CovarianceMatrix:
        """Discrete process noise Q (6, 6) over ``time_interval``, m² / m²s⁻¹ / m²s⁻²."""
        dt = abs(self._dt(time_interval))
        q = self.q_m2_s3
        out = np.zeros((6, 6))
        idx = np.arange(3)
        out[idx, idx] = q * dt ** 3 / 3
        out[idx, idx + 3] = out[idx + 3, idx] = q * dt ** 2 / 2
        out[idx + 3, idx + 3] = q * dt
        return CovarianceMatrix(out)


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
