"""The Stone Soup models: ballistic propagation against the flight kernel, Jacobians, NEES over Monte Carlo runs."""

from __future__ import annotations

import datetime as dt

import numpy as np
from scipy.stats import chi2
from stonesoup.models.measurement.nonlinear import NonLinearGaussianMeasurement
from stonesoup.models.transition.nonlinear import GaussianTransitionModel
from stonesoup.predictor.kalman import ExtendedKalmanPredictor
from stonesoup.types.array import CovarianceMatrix, StateVector
from stonesoup.types.detection import Detection
from stonesoup.types.hypothesis import SingleHypothesis
from stonesoup.types.state import GaussianState, State
from stonesoup.updater.kalman import ExtendedKalmanUpdater

from openbmd.catalog import load_catalog
from openbmd.earth import eci_to_ecef, wgs84
from openbmd.flight import FlownThreats, burnout_states, fly_ballistic
from openbmd.sensors import generate_measurements, sensor_posts
from openbmd.sensors.measurements import noise_sigmas, post_frame
from openbmd.tracking import BallisticTransitionModel, RadarRangeRateMeasurementModel
from openbmd.tracking.tracker import to_datetime

EARTH = wgs84()
VACUUM = EARTH.without_atmosphere()


def _model(q=1e-2):
    return BallisticTransitionModel(q_m2_s3=q)


def test_models_are_stone_soup_components():
    assert isinstance(_model(), GaussianTransitionModel)
    assert issubclass(RadarRangeRateMeasurementModel, NonLinearGaussianMeasurement)
    props = BallisticTransitionModel.properties
    assert {"q_m2_s3", "mu_m3_s2", "j2", "omega_rad_s"} <= set(props)
    assert "m²/s³" in props["q_m2_s3"].doc


def test_propagation_matches_the_flight_kernel():
    """Free flight in ECEF (J2, Coriolis, centrifugal) against the ECI numeric propagator over 400 s."""
    st = burnout_states(np.radians([35.0]), np.radians([50.0]), [150e3], [4000.0], np.radians([35.0]),
                        np.radians([300.0]), EARTH, t_s=[100.0])
    batch = fly_ballistic(st, VACUUM, sample_dt_s=50.0)
    t, r = batch.samples_ecef()
    _, v = eci_to_ecef(batch.samples[0, :, 1:4], np.nan_to_num(t[0]), EARTH, batch.samples[0, :, 4:7])
    x0 = np.concatenate([r[0, 0], v[0]])
    k = 8  # 400 s on
    x1, _ = _model().propagate(x0, t[0, k] - t[0, 0])
    assert np.linalg.norm(x1[:3] - r[0, k]) < 1.0
    assert np.linalg.norm(x1[3:] - v[k]) < 1e-2


def test_jacobians_match_finite_differences():
    m = _model()
    x0 = np.array([4.2e6, 3.9e6, 3.6e6, 1500.0, -2500.0, 1800.0])
    phi = m.jacobian(State(StateVector(x0)), time_interval=dt.timedelta(seconds=60))
    eps = np.array([1.0, 1.0, 1.0, 1e-3, 1e-3, 1e-3])
    num = np.column_stack([(m.propagate(x0 + e, 60.0)[0] - m.propagate(x0 - e, 60.0)[0]) / (2 * e[i])
                           for i, e in enumerate(np.diag(eps))])
    np.testing.assert_allclose(phi, num, atol=1e-5 * np.abs(phi).max())
    origin, rot = np.array([4.9e6, 3.3e6, 3.9e6]), np.linalg.qr(np.random.default_rng(1).normal(size=(3, 3)))[0]
    radar = RadarRangeRateMeasurementModel(noise_covar=np.eye(4), origin_ecef_m=origin, frame_rows=rot)
    h = radar.jacobian(State(StateVector(x0)))

    def f(x):
        return np.asarray(radar.function(State(StateVector(x))), float).ravel()

    num = np.column_stack([(f(x0 + e) - f(x0 - e)) / (2 * e[i]) for i, e in enumerate(np.diag(eps))])
    np.testing.assert_allclose(h, num, atol=1e-6 * np.abs(h).max())


def test_nees_within_chi_square_bounds_over_monte_carlo_runs():
    """EKF with the ballistic model and TPY-2 measurements (range, angles, range rate) over 24 runs."""
    cat = load_catalog()
    post = sensor_posts(cat, ["kurecik"])[0]
    origin, rot = post_frame(post, EARTH)
    radar = RadarRangeRateMeasurementModel(noise_covar=np.diag(noise_sigmas(post) ** 2), origin_ecef_m=origin,
                                           frame_rows=rot)
    st = burnout_states(np.radians([38.1]), np.radians([46.3]), [120e3], [3500.0], np.radians([40.0]),
                        np.radians([290.0]), EARTH, t_s=[0.0])
    truth = FlownThreats.from_batch(fly_ballistic(st, VACUUM, sample_dt_s=2.0))
    model = _model(q=1e-5)  # the vacuum truth has no unmodelled acceleration
    predictor, updater = ExtendedKalmanPredictor(model), ExtendedKalmanUpdater(measurement_model=radar)
    runs, checks = 24, (20, 60, 120)
    nees = np.zeros((runs, len(checks)))
    p0 = np.diag([200.0, 200.0, 200.0, 50.0, 50.0, 50.0]) ** 2
    for run in range(runs):
        rng = np.random.default_rng(100 + run)
        meas = generate_measurements(truth, [post], EARTH, 0.05, rng, t_start_s=10.0, t_end_s=140.0)
        x_first = meas.x_true_ecef[0]
        state = GaussianState(StateVector(x_first + rng.multivariate_normal(np.zeros(6), p0)), CovarianceMatrix(p0),
                              timestamp=to_datetime(meas.t_s[0]))
        c = 0
        for i in range(1, len(meas)):
            when = to_datetime(meas.t_s[i])
            pred = predictor.predict(state, timestamp=when)
            z = meas.z[i]
            det = Detection(StateVector(list(z)), timestamp=when, measurement_model=radar)
            state = updater.update(SingleHypothesis(pred, det))
            k = meas.t_s[i] - meas.t_s[0]
            if c < len(checks) and k >= checks[c]:
                e = np.asarray(state.state_vector, float).ravel() - meas.x_true_ecef[i]
                nees[run, c] = e @ np.linalg.solve(state.covar, e)
                c += 1
    avg = nees.mean(axis=0)
    lo, hi = chi2.ppf(0.005, 6 * runs) / runs, chi2.ppf(0.995, 6 * runs) / runs
    assert np.all((avg > lo) & (avg < hi)), (avg, lo, hi)
