"""The observer's own Stone Soup track of the test: the burnout speed and height the observer reports.

A Stone Soup extended Kalman filter runs over one run's observation rows in time order. The project's
:class:`~openbmd.tracking.models.BallisticTransitionModel` (J2, rotation, drag) carries the ECEF state,
augmented with each radar's constant biases (elevation, azimuth, range; held constant by
:class:`BiasAugmentedTransitionModel`, prior 1-σ the observation model's
:class:`~openbmd.verify.observe.SensorBiases`); radar rows update through :class:`BiasedRadarMeasurementModel`
(the project's radar model plus the biases), released tracks and telemetry through a linear Gaussian model of
the state. Where the burnout time is unknown the batch fit finds the boost's thrust law (burnout time, thrust
acceleration and its growth, :mod:`openbmd.verify.thrust`), and the track (:class:`BoostThrust`) starts at the
first row under that law, at the fit's burnout state flown back with a wide prior, flies the boost rows under it
(:class:`ThrustAugmentedTransitionModel`, no process noise) up to the fit's burnout and coasts from there; what the
fit leaves unknown of the burnout time, thrust and drag is added to the track's covariance
(:meth:`TrackerEstimate.with_unknowns`). Given the declared boost of a known burn time (:class:`BoostPrior`) the
track starts at the first row before burnout, at the declared state with a wide prior, and flies the boost with the
thrust as white acceleration noise (the project tracker's boost figure); from the declared burnout on the
interceptor coasts, with no process noise. Without either the track starts at the declared burnout state. Rows after the
track's re-entry (descending below the tracker's re-entry height,
:class:`~openbmd.tracking.tracker.TrackerConfig`) are left out: there drag at a few kilometres' height hangs on a
ballistic coefficient the observer does not know. Stone Soup's ``ExtendedKalmanSmoother``
(Rauch-Tung-Striebel) runs the track back to burnout: its smoothed state there gives the burnout speed and
height and their 1-σ. (For a coast-only track, with no process noise, that is the last update flown back with
the transition matrix; a test checks it.)
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from stonesoup.base import Property
from stonesoup.models.measurement.linear import LinearGaussian
from stonesoup.models.base import TimeVariantModel
from stonesoup.models.transition.nonlinear import GaussianTransitionModel
from stonesoup.predictor.kalman import ExtendedKalmanPredictor
from stonesoup.smoother.kalman import ExtendedKalmanSmoother
from stonesoup.types.angle import Bearing
from stonesoup.types.array import CovarianceMatrix, StateVector
from stonesoup.types.detection import Detection
from stonesoup.types.hypothesis import SingleHypothesis
from stonesoup.types.state import GaussianState
from stonesoup.types.track import Track
from stonesoup.updater.kalman import ExtendedKalmanUpdater

from openbmd.earth import EarthModel
from openbmd.tracking.models import (BallisticTransitionModel, RadarMeasurementModel, RadarRangeRateMeasurementModel,
                                     free_flight_phase)
from openbmd.tracking.tracker import TrackerConfig, to_datetime, to_seconds
from openbmd.verify.estimate import BIAS_COMPONENTS, STEP, Z95, burnout_gradients, figure_sigma
from openbmd.verify.flighttest import FlightTest
from openbmd.verify.observe import RADAR, Observations
from openbmd.verify.thrust import thrust_propagate

PRIOR_SIGMA = np.array([10e3] * 3 + [1e3] * 3)
"""1-σ of the filter's prior about the declared burnout state (m, m/s): wide, so that the data decide."""


REENTRY_ALTITUDE_M = TrackerConfig().reentry_altitude_m
"""Height (m) below which a descending track is in re-entry: the project tracker's."""


class BiasAugmentedTransitionModel(GaussianTransitionModel, TimeVariantModel):
    """Coast of an augmented state ``[x (ECEF m, m/s; 6), b (n_bias)]``: ``ballistic`` flies x, and the sensors'
    constant biases b (rad, m) stay as they are. Process noise is the ballistic model's, on x only."""

    ballistic: BallisticTransitionModel = Property(doc="Motion model of the first six components")
    n_bias: int = Property(default=0, doc="Number of constant bias components after the six")

    @property
    def ndim_state(self) -> int:
        return 6 + self.n_bias

    def function(self, state, noise=False, time_interval=None, **kwargs) -> StateVector:
        """The state flown ``time_interval`` on (biases unchanged)."""
        sv = np.asarray(state.state_vector, float)[:, 0]
        x, _ = self.ballistic.propagate(sv[:6], self.ballistic._dt(time_interval))
        return StateVector(np.concatenate([x, sv[6:]]))

    def jacobian(self, state, time_interval=None, **kwargs) -> np.ndarray:
        """Transition matrix: Φ of the ballistic model on x, identity on the biases."""
        f = np.eye(self.ndim_state)
        f[:6, :6] = self.ballistic.propagate(np.asarray(state.state_vector, float)[:6, 0],
                                             self.ballistic._dt(time_interval))[1]
        return f

    def covar(self, time_interval=None, **kwargs) -> CovarianceMatrix:
        """Process noise: the ballistic model's on x, none on the biases (none at all in a noiseless coast)."""
        q = np.zeros((self.ndim_state, self.ndim_state))
        if self.ballistic.q_m2_s3 > 0.0 or self.ballistic.sigma_ln_beta > 0.0:
            q[:6, :6] = self.ballistic.covar(time_interval=time_interval)
        return CovarianceMatrix(q)


class ThrustAugmentedTransitionModel(GaussianTransitionModel, TimeVariantModel):
    """Boost of an augmented state ``[x (ECEF m, m/s; 6), b (n_bias)]``: x flown under the thrust law at speed-gain
    rate ``k_mps2`` at burnout, growing at ``q_per_s`` (:mod:`openbmd.verify.thrust`), the biases unchanged. No
    process noise: the law is the fit's, with its burnout time and thrust rate; what they leave unknown the estimate
    adds from the fit (:meth:`TrackerEstimate.with_unknowns`)."""

    k_mps2: float = Property(doc="Speed-gain rate of the thrust at burnout (m/s²)")
    q_per_s: float = Property(default=0.0, doc="Growth of the rate as the mass falls (1/s)")
    t_b_s: float = Property(default=0.0, doc="Burnout time (s after launch, the scenario's clock)")
    earth: Any = Property(doc="The EarthModel flown on")
    n_bias: int = Property(default=0, doc="Number of constant bias components after the six")

    @property
    def ndim_state(self) -> int:
        return 6 + self.n_bias

    def _fly(self, x: NDArray, t0_s: float, time_interval) -> NDArray:
        """States (N, 6) at ``t0_s`` (s) flown ``time_interval`` on."""
        return thrust_propagate(x, t0_s, t0_s + time_interval.total_seconds(), self.k_mps2, self.earth,
                                q_per_s=self.q_per_s, t_b_s=self.t_b_s)

    def function(self, state, noise=False, time_interval=None, **kwargs) -> StateVector:
        """The state flown ``time_interval`` on under thrust (biases unchanged)."""
        sv = np.asarray(state.state_vector, float)[:, 0]
        flown = self._fly(sv[None, :6], to_seconds(state.timestamp), time_interval)[0]
        return StateVector(np.concatenate([flown, sv[6:]]))

    def jacobian(self, state, time_interval=None, **kwargs) -> np.ndarray:
        """Transition matrix: finite differences of the thrust law on x (steps of the fit's), identity on the
        biases."""
        x = np.asarray(state.state_vector, float)[:6, 0]
        flown = self._fly(np.vstack([x, x + np.diag(STEP)]), to_seconds(state.timestamp), time_interval)
        f = np.eye(self.ndim_state)
        f[:6, :6] = ((flown[1:] - flown[:1]) / STEP[:, None]).T
        return f

    def covar(self, time_interval=None, **kwargs) -> CovarianceMatrix:
        return CovarianceMatrix(np.zeros((self.ndim_state, self.ndim_state)))


@dataclass(frozen=True)
class BoostThrust:
    """The boost as the fit found it (:func:`~openbmd.verify.estimate.fit_burnout` with the boost fitted): its
    burnout time ``t_b_s``, thrust rate at burnout ``k_mps2`` and its growth ``q_per_s``, the burnout state
    ``x_b_ecef`` (6,) the track starts from (flown back to its first boost row), and ``from_s``, the first time (s
    after launch) the thrust law holds."""

    t_b_s: float
    k_mps2: float
    x_b_ecef: NDArray
    from_s: float
    q_per_s: float = 0.0


class _Biased:
    """Mixin: the radar's measurement of the state (its first six components) plus its biases (el, az, range)
    held at ``bias_index`` in the augmented state (-1: that component has no bias)."""

    def function(self, state, noise=False, **kwargs):
        out = super().function(state, noise=noise, **kwargs)
        sv = np.asarray(state.state_vector, float)[:, 0]
        for c, i in enumerate(self.bias_index):
            if i >= 0:
                out[c] = out[c] + sv[i]
        out[1] = Bearing(float(out[1]))
        return out

    def jacobian(self, state, **kwargs) -> np.ndarray:
        h = super().jacobian(state, **kwargs)
        full = np.zeros((h.shape[0], self.ndim_state))
        full[:, :6] = h
        for c, i in enumerate(self.bias_index):
            if i >= 0:
                full[c, i] = 1.0
        return full


class BiasedRadarMeasurementModel(_Biased, RadarMeasurementModel):
    """Radar (el, az, range) of an augmented state: the project's radar model plus the radar's biases."""

    bias_index: tuple = Property(default=(6, 7, 8), doc="State index of the el, az, range biases (-1: none)")


class BiasedRadarRangeRateMeasurementModel(_Biased, RadarRangeRateMeasurementModel):
    """Radar (el, az, range, range rate) of an augmented state, plus the radar's biases in el, az, range."""

    bias_index: tuple = Property(default=(6, 7, 8), doc="State index of the el, az, range biases (-1: none)")


@dataclass(frozen=True)
class TrackerEstimate:
    """The Stone Soup track's burnout state (ECEF, (6,)) and covariance (6, 6), speed (m/s) and height (m) with
    their 1-σ, from ``updates`` coast rows and ``boost_updates`` boost rows (``left_out``: rows after the track's
    re-entry; None: nothing to track)."""

    speed_mps: float | None
    sigma_mps: float | None
    updates: int
    x_ecef: NDArray | None = None
    p: NDArray | None = None
    altitude_m: float | None = None
    altitude_sigma_m: float | None = None
    left_out: int = 0
    boost_updates: int = 0
    own_sigma_mps: float | None = None
    """The speed's 1-σ from the track's own covariance (noise and biases), before :meth:`with_unknowns`."""
    thrust_fitted: bool = False
    """True where the boost was flown under the fit's thrust law (:class:`BoostThrust`), not with thrust noise."""

    @property
    def ok(self) -> bool:
        return self.speed_mps is not None

    def with_unknowns(self, p_unknown: NDArray, speed_sigma_mps: float, altitude_sigma_m: float,
                      shift: NDArray, earth: EarthModel) -> "TrackerEstimate":
        """The estimate with what the track does not carry (the unknown burnout time and drag: their covariance
        (6, 6), :attr:`~openbmd.verify.estimate.BurnoutFit.p_unknown`, and their 1-σ of speed, m/s, and height, m,
        from the fit's budget) added to its own, in quadrature, and the mean ``shift`` (6,) of the true burnout
        from the coast's state at the quoted time added to the state."""
        if not self.ok or p_unknown is None or not np.all(np.isfinite(p_unknown)):
            return self
        x = self.x_ecef + shift
        speed, _, alt, _ = burnout_gradients(x[None], earth)
        return dataclasses.replace(self, x_ecef=x, speed_mps=float(speed[0]), altitude_m=float(alt[0]),
                                   p=self.p + p_unknown, sigma_mps=math.hypot(self.sigma_mps, speed_sigma_mps),
                                   altitude_sigma_m=math.hypot(self.altitude_sigma_m, altitude_sigma_m),
                                   own_sigma_mps=self.sigma_mps)

    @property
    def method(self) -> str:
        """How the estimate was made, in words (the JSON's ``method``)."""
        boost = ("through boost (thrust law: the fit's burnout time, thrust rate and its growth) and coast"
                 if self.thrust_fitted
                 else "through boost (thrust as noise) and coast")
        return METHOD.format(rows=boost if self.boost_updates else "of the coast")

    def to_json(self) -> dict[str, Any]:
        def figure(v: float | None, s: float | None) -> dict[str, Any]:
            return {"estimate": v, "sigma": s, "ci95": None if v is None else [v - Z95 * s, v + Z95 * s]}

        return {"method": self.method, **figure(self.speed_mps, self.sigma_mps),
                "burnout_altitude_m": figure(self.altitude_m, self.altitude_sigma_m), "updates": self.updates,
                "boost_updates": self.boost_updates, "left_out_after_reentry": self.left_out}


METHOD = ("Stone Soup EKF on the observer's rows {rows} (ballistic model, radar biases in the state), "
          "RTS-smoothed to burnout")
"""How the track's estimate is made, in words: :attr:`TrackerEstimate.method` fills in which rows."""


def _measurement(obs: Observations, m: int, n_state: int, index: dict[int, tuple[int, int, int]],
                 models: dict | None = None):
    """Row ``m`` as a Stone Soup measurement model and vector. ``models`` (a dict the caller keeps for one track)
    reuses the model of rows alike: one radar post with the same noise, or released rows of the same accuracy."""
    sig = obs.sigma[m]
    rate = obs.kind[m] == RADAR and bool(np.isfinite(sig[3]) and np.isfinite(obs.z[m, 3]))
    n = (4 if rate else 3) if obs.kind[m] == RADAR else 6
    key = (int(obs.kind[m]), int(obs.post[m]), rate, sig[:n].tobytes(), obs.origin_ecef[m].tobytes(),
           obs.frame[m].tobytes())
    model = None if models is None else models.get(key)
    if model is None:
        if obs.kind[m] == RADAR:
            cls = BiasedRadarRangeRateMeasurementModel if rate else BiasedRadarMeasurementModel
            model = cls(origin_ecef_m=obs.origin_ecef[m], frame_rows=obs.frame[m], ndim_state=n_state,
                        mapping=tuple(range(n_state)), noise_covar=CovarianceMatrix(np.diag(sig[:n] ** 2)),
                        bias_index=index[int(obs.post[m])])
        else:
            model = LinearGaussian(ndim_state=n_state, mapping=tuple(range(6)),
                                   noise_covar=CovarianceMatrix(np.diag(sig ** 2)))
        if models is not None:
            models[key] = model
    if obs.kind[m] == RADAR:
        return model, StateVector([float(obs.z[m, 0]), Bearing(float(obs.z[m, 1])), *map(float, obs.z[m, 2:n])])
    return model, StateVector(obs.z[m])


def _bias_states(use: Observations) -> tuple[dict[int, tuple[int, int, int]], NDArray]:
    """Each radar post's state index per bias component (-1: that bias is known to be zero) and the biases'
    prior 1-σ, in state order: only biases with a prior join the state."""
    index: dict[int, tuple[int, int, int]] = {}
    sigma: list[float] = []
    for q in sorted({int(q) for q in use.post[use.kind == RADAR]}):
        prior = np.nan_to_num(use.bias_sigma[use.post == q][0, :BIAS_COMPONENTS])
        slots = []
        for s in prior:
            slots.append(6 + len(sigma) if s > 0 else -1)
            if s > 0:
                sigma.append(float(s))
        index[q] = tuple(slots)
    return index, np.array(sigma)


BURNOUT_GUARD_S = 0.5
"""Rows within this many seconds of the declared burnout are left out: its exact time is the tester's."""


@dataclass(frozen=True)
class BoostPrior:
    """The declared flight up to burnout, where a track that starts in boost begins: sample times (K,) s after
    launch, ECEF states (K, 6) (m, m/s), and the thrust noise (m²/s³ per axis) the boost is flown with: thrust is
    not in the state, so it enters as white acceleration noise, the project tracker's boost figure
    (:class:`~openbmd.tracking.tracker.TrackerConfig`)."""

    t_s: NDArray
    x_ecef: NDArray
    q_m2_s3: float = TrackerConfig().q_boost_m2_s3

    @staticmethod
    def of(test: FlightTest) -> "BoostPrior":
        """The boost of a flown (declared) test: its samples up to burnout."""
        t = test.flown.t_s[0]
        ok = np.isfinite(t) & (t <= test.burnout_t_s)
        return BoostPrior(t[ok], test.flown.x_ecef[0][ok])

    def state_at(self, t_s: float) -> NDArray:
        """The declared state (6,) at ``t_s`` (linear between samples)."""
        return np.array([np.interp(t_s, self.t_s, self.x_ecef[:, c]) for c in range(6)])


@dataclass(frozen=True)
class FilteredTrack:
    """Stone Soup's filtered track: its states (the prior, then predictions and updates), the index of its state
    at burnout, rows it took in boost and in the coast, and rows left out after re-entry."""

    states: list
    burnout_index: int
    boost_updates: int
    coast_updates: int
    left_out: int


def burnout_filter(obs: Observations, guess_ecef: NDArray, t_burnout_s: float, earth: EarthModel, *,
                   beta_kg_m2: float | None, boost: BoostPrior | None = None,
                   coast_from_s: float | None = None, thrust: BoostThrust | None = None) -> FilteredTrack:
    """Stone Soup's filter over the rows ``obs`` (one run's, in time order). Without ``boost`` it starts at the
    declared burnout state ``guess_ecef`` and takes the coast rows; with it, it starts at the declared state at the
    first boost row, flies the boost with thrust noise up to burnout, then the coast without (see the module
    docstring). Rows within :data:`BURNOUT_GUARD_S` of burnout are not used. With ``thrust`` (the fit's boost) it
    starts at the fit's burnout state flown back to the first row from ``thrust.from_s`` on, flies the boost rows
    under the thrust law (:class:`ThrustAugmentedTransitionModel`) up to ``t_burnout_s``, then the coast: every row
    is used, as in the fit."""
    index, bias_sigma = _bias_states(obs)
    n_state = 6 + bias_sigma.size

    def predictor(q_m2_s3: float) -> ExtendedKalmanPredictor:
        ballistic = BallisticTransitionModel(q_m2_s3=q_m2_s3, mu_m3_s2=earth.mu_m3_s2, j2=earth.j2, a_m=earth.a_m,
                                             e2=earth.e2, omega_rad_s=earth.omega_rad_s, beta_kg_m2=beta_kg_m2 or 0.0)
        return ExtendedKalmanPredictor(BiasAugmentedTransitionModel(ballistic=ballistic, n_bias=bias_sigma.size))

    if thrust is not None:
        boosting = np.flatnonzero((obs.t_s >= thrust.from_s) & (obs.t_s < t_burnout_s))
        coasting = np.flatnonzero(obs.t_s >= t_burnout_s)
    else:
        boosting = (np.flatnonzero(obs.t_s < t_burnout_s - BURNOUT_GUARD_S) if boost is not None
                    else np.zeros(0, int))
        coasting = np.flatnonzero(obs.t_s > max(t_burnout_s, coast_from_s or t_burnout_s) + BURNOUT_GUARD_S)
    t0 = float(obs.t_s[boosting[0]]) if boosting.size else t_burnout_s
    if thrust is not None:
        mean = (thrust_propagate(thrust.x_b_ecef[None], t_burnout_s, t0, thrust.k_mps2, earth,
                                 q_per_s=thrust.q_per_s, t_b_s=t_burnout_s)[0] if boosting.size
                else np.asarray(thrust.x_b_ecef, float))
    else:
        mean = boost.state_at(t0) if boosting.size else np.asarray(guess_ecef, float)
    states: list = [GaussianState(StateVector(np.concatenate([mean, np.zeros(bias_sigma.size)])),
                                  CovarianceMatrix(np.diag(np.concatenate([PRIOR_SIGMA, bias_sigma]) ** 2)),
                                  timestamp=to_datetime(t0))]
    updater = ExtendedKalmanUpdater(measurement_model=None)
    models: dict = {}

    def update(prediction, m: int) -> None:
        model, z = _measurement(obs, m, n_state, index, models)
        states.append(updater.update(SingleHypothesis(prediction, Detection(z, timestamp=prediction.timestamp,
                                                                           measurement_model=model))))

    if not boosting.size:
        burning = None
    elif thrust is not None:
        burning = ExtendedKalmanPredictor(ThrustAugmentedTransitionModel(
            k_mps2=thrust.k_mps2, q_per_s=thrust.q_per_s, t_b_s=t_burnout_s, earth=earth, n_bias=bias_sigma.size))
    else:
        burning = predictor(boost.q_m2_s3)
    for m in boosting:  # one run's rows in time order: a filter is sequential
        update(burning.predict(states[-1], timestamp=to_datetime(float(obs.t_s[m]))), m)
    coast = predictor(0.0)
    states.append((burning or coast).predict(states[-1], timestamp=to_datetime(t_burnout_s)))
    burnout = len(states) - 1
    for k, m in enumerate(coasting):
        prediction = coast.predict(states[-1], timestamp=to_datetime(float(obs.t_s[m])))
        if free_flight_phase(np.asarray(prediction.state_vector, float)[:6, 0], earth, REENTRY_ALTITUDE_M) == "reentry":
            return FilteredTrack(states, burnout, boosting.size, k, coasting.size - k)
        update(prediction, m)
    return FilteredTrack(states, burnout, boosting.size, coasting.size, 0)


def track_burnout(obs: Observations, guess_ecef: NDArray, t_burnout_s: float, earth: EarthModel, *,
                  beta_kg_m2: float | None, run: int = 0, boost: BoostPrior | None = None,
                  coast_from_s: float | None = None, thrust: BoostThrust | None = None) -> TrackerEstimate:
    """Track run ``run``'s rows with Stone Soup (the coast, and the boost too given the declared ``boost``) and
    estimate the burnout state from the track smoothed back to burnout (see the module docstring). The coast
    fixes the burnout state: without coast rows there is no estimate. Where the burnout time is not known, the
    coast rows are those after ``coast_from_s`` (the latest burnout), and the burnout state is that coast's at
    ``t_burnout_s``. With ``thrust`` (the fit's boost, whose burnout time is ``t_burnout_s``) the track flies
    the boost rows under the thrust law and the coast from that burnout on (:func:`burnout_filter`)."""
    use = obs.select(obs.trial == run)
    use = use.select(np.argsort(use.t_s, kind="stable"))
    coast_from = t_burnout_s if thrust is not None else max(t_burnout_s, coast_from_s or t_burnout_s) + BURNOUT_GUARD_S
    if not np.any(use.t_s > coast_from):
        return TrackerEstimate(None, None, 0)
    track = burnout_filter(use, guess_ecef, t_burnout_s, earth, beta_kg_m2=beta_kg_m2, boost=boost,
                           coast_from_s=coast_from_s, thrust=thrust)
    if track.coast_updates == 0:
        return TrackerEstimate(None, None, 0, left_out=track.left_out)
    coast_model = track.states[-1].hypothesis.prediction.transition_model
    # The backward pass from the last update to burnout is all the burnout state needs: the boost before it is
    # not smoothed (the same recursion, the same figures, less work).
    smoothed = ExtendedKalmanSmoother(transition_model=coast_model).smooth(Track(track.states[track.burnout_index:]))[0]
    x_b = np.asarray(smoothed.state_vector, float)[:6, 0]
    p_b = np.asarray(smoothed.covar, float)[:6, :6]
    speed, g_speed, alt, g_alt = burnout_gradients(x_b[None], earth)
    return TrackerEstimate(float(speed[0]), float(figure_sigma(p_b[None], g_speed)[0]), track.coast_updates, x_b, p_b,
                           float(alt[0]), float(figure_sigma(p_b[None], g_alt)[0]), track.left_out,
                           track.boost_updates, thrust_fitted=thrust is not None)
