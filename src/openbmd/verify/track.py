"""The observer's own Stone Soup track of the coast, and the burnout speed it gives, from the same rows as the fit.

A Stone Soup extended Kalman filter runs over one run's observation rows after burnout, in time order: the
project's :class:`~openbmd.tracking.models.BallisticTransitionModel` (J2, rotation, drag; no process noise: the
interceptor coasts) carries the ECEF state, augmented with each radar's constant biases (elevation, azimuth,
range; Stone Soup ``RandomWalk`` with zero diffusion, prior 1-σ the observation model's
:class:`~openbmd.verify.observe.SensorBiases`); radar rows update through
:class:`BiasedRadarMeasurementModel` (the project's radar model plus the biases), released tracks and telemetry
through a linear Gaussian model of the state. The filter starts at the declared burnout state with a wide prior.
Its last state is flown back to burnout with the transition matrix (for a coasting body with no process noise
this is the smoothed burnout state), which gives the speed and its 1-σ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from stonesoup.base import Property
from stonesoup.models.measurement.linear import LinearGaussian
from stonesoup.models.transition.base import CombinedGaussianTransitionModel
from stonesoup.models.transition.linear import RandomWalk
from stonesoup.predictor.kalman import ExtendedKalmanPredictor
from stonesoup.types.angle import Bearing
from stonesoup.types.array import CovarianceMatrix, StateVector
from stonesoup.types.detection import Detection
from stonesoup.types.hypothesis import SingleHypothesis
from stonesoup.types.state import GaussianState
from stonesoup.updater.kalman import ExtendedKalmanUpdater

from openbmd.earth import EarthModel
from openbmd.tracking.models import BallisticTransitionModel, RadarMeasurementModel, RadarRangeRateMeasurementModel
from openbmd.tracking.tracker import to_datetime
from openbmd.verify.estimate import BIAS_COMPONENTS, Z95
from openbmd.verify.observe import RADAR, Observations

PRIOR_SIGMA = np.array([10e3] * 3 + [1e3] * 3)
"""1-σ of the filter's prior about the declared burnout state (m, m/s): wide, so that the data decide."""


class _Biased:
    """Mixin: the radar's measurement of the state (its first six components) plus its biases (el, az, range)
    held at ``bias_offset`` in the augmented state."""

    def function(self, state, noise=False, **kwargs):
        out = super().function(state, noise=noise, **kwargs)
        sv = np.asarray(state.state_vector, float)
        b = sv[self.bias_offset:self.bias_offset + BIAS_COMPONENTS]
        out[:BIAS_COMPONENTS] = out[:BIAS_COMPONENTS] + b
        out[1] = Bearing(float(out[1]))
        return out

    def jacobian(self, state, **kwargs) -> np.ndarray:
        h = super().jacobian(state, **kwargs)
        full = np.zeros((h.shape[0], self.ndim_state))
        full[:, :6] = h
        for c in range(BIAS_COMPONENTS):
            full[c, self.bias_offset + c] = 1.0
        return full


class BiasedRadarMeasurementModel(_Biased, RadarMeasurementModel):
    """Radar (el, az, range) of an augmented state: the project's radar model plus the radar's biases."""

    bias_offset: int = Property(default=6, doc="Index of the radar's elevation bias in the augmented state")


class BiasedRadarRangeRateMeasurementModel(_Biased, RadarRangeRateMeasurementModel):
    """Radar (el, az, range, range rate) of an augmented state, plus the radar's biases in el, az, range."""

    bias_offset: int = Property(default=6, doc="Index of the radar's elevation bias in the augmented state")


@dataclass(frozen=True)
class TrackerEstimate:
    """The Stone Soup track's burnout state (ECEF, (6,)) and covariance, speed (m/s) and 1-σ, from ``updates``
    rows (None: nothing to track)."""

    speed_mps: float | None
    sigma_mps: float | None
    updates: int
    x_ecef: NDArray | None = None
    p: NDArray | None = None

    def to_json(self) -> dict[str, Any]:
        ci = None if self.speed_mps is None else [self.speed_mps - Z95 * self.sigma_mps,
                                                  self.speed_mps + Z95 * self.sigma_mps]
        return {"method": "Stone Soup EKF on the observer's rows (ballistic model, radar biases in the state), "
                          "flown back to burnout",
                "estimate": self.speed_mps, "sigma": self.sigma_mps, "ci95": ci, "updates": self.updates}


def _measurement(obs: Observations, m: int, n_state: int, offsets: dict[int, int]):
    sig = obs.sigma[m]
    if obs.kind[m] == RADAR:
        rate = bool(np.isfinite(sig[3]) and np.isfinite(obs.z[m, 3]))
        cls = BiasedRadarRangeRateMeasurementModel if rate else BiasedRadarMeasurementModel
        n = 4 if rate else 3
        model = cls(origin_ecef_m=obs.origin_ecef[m], frame_rows=obs.frame[m], ndim_state=n_state,
                    mapping=tuple(range(n_state)), noise_covar=CovarianceMatrix(np.diag(sig[:n] ** 2)),
                    bias_offset=offsets[int(obs.post[m])])
        z = [float(obs.z[m, 0]), Bearing(float(obs.z[m, 1])), *map(float, obs.z[m, 2:n])]
        return model, StateVector(z)
    return (LinearGaussian(ndim_state=n_state, mapping=tuple(range(6)), noise_covar=CovarianceMatrix(np.diag(sig ** 2))),
            StateVector(obs.z[m]))


def track_burnout(obs: Observations, guess_ecef: NDArray, t_burnout_s: float, earth: EarthModel, *,
                  beta_kg_m2: float | None, run: int = 0) -> TrackerEstimate:
    """Track run ``run``'s rows after ``t_burnout_s`` with Stone Soup and estimate the burnout state from the
    track (see the module docstring)."""
    use = obs.select((obs.trial == run) & (obs.t_s > t_burnout_s + 0.5))
    if len(use) == 0:
        return TrackerEstimate(None, None, 0)
    use = use.select(np.argsort(use.t_s, kind="stable"))
    posts = sorted({int(q) for q in use.post[use.kind == RADAR]})
    offsets = {q: 6 + BIAS_COMPONENTS * k for k, q in enumerate(posts)}
    n_state = 6 + BIAS_COMPONENTS * len(posts)
    ballistic = BallisticTransitionModel(q_m2_s3=0.0, mu_m3_s2=earth.mu_m3_s2, j2=earth.j2, a_m=earth.a_m,
                                         e2=earth.e2, omega_rad_s=earth.omega_rad_s, beta_kg_m2=beta_kg_m2 or 0.0)
    models = [ballistic, *(RandomWalk(0.0) for _ in range(BIAS_COMPONENTS * len(posts)))]
    predictor = ExtendedKalmanPredictor(CombinedGaussianTransitionModel(models))
    updater = ExtendedKalmanUpdater(measurement_model=None)
    prior_sigma = np.concatenate([PRIOR_SIGMA, *(np.nan_to_num(use.bias_sigma[use.post == q][0, :BIAS_COMPONENTS])
                                                 for q in posts)])
    prior_sigma = np.where(prior_sigma > 0, prior_sigma, 1e-9)  # no bias: held at zero
    state = GaussianState(StateVector(np.concatenate([np.asarray(guess_ecef, float), np.zeros(n_state - 6)])),
                          CovarianceMatrix(np.diag(prior_sigma ** 2)), timestamp=to_datetime(t_burnout_s))
    for m in range(len(use)):  # one run's rows in time order: a filter is sequential
        model, z = _measurement(use, m, n_state, offsets)
        when = to_datetime(float(use.t_s[m]))
        prediction = predictor.predict(state, timestamp=when)
        state = updater.update(SingleHypothesis(prediction, Detection(z, timestamp=when, measurement_model=model)))
    x = np.asarray(state.state_vector, float).ravel()
    x_b, phi = ballistic.propagate(x[:6], t_burnout_s - float(use.t_s[-1]))
    p_b = phi @ np.asarray(state.covar, float)[:6, :6] @ phi.T
    speed = float(np.linalg.norm(x_b[3:]))
    g = x_b[3:] / speed
    return TrackerEstimate(speed, float(np.sqrt(g @ p_b[3:, 3:] @ g)), len(use), x_b, p_b)
