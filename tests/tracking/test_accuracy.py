"""The track-quality model's accuracy: the closed-form PIP error with the tracker's thrust-noise memory,
scaled per sensor class, against fresh runs of the full tracker (seeds the shipped scales were not fitted to)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from openbmd.engagement.firecontrol import filter_sigma_m, track_sigma_m
from openbmd.tracking.quality import (SENSOR_CLASSES, TrackQualityModel, accuracy_samples, fixed_delay_model,
                                      load_track_quality)



def test_accuracy_round_trips_and_old_models_load_plain():
    m = load_track_quality()
    assert TrackQualityModel.from_json(m.to_json()) == m
    assert len(m.accuracy_scales) == len(SENSOR_CLASSES)
    old = m.to_json()
    for key in ("accuracy_scales", "boost_window_s", "q_boost_m2_s3"):
        del old[key]
    plain = TrackQualityModel.from_json(old)  # a model written before accuracy was calibrated
    assert plain.accuracy_scale(0) == plain.accuracy_scale(1) == 1.0
    assert plain.track_sigma_m(0, 300.0, 0.0, 40.0, 1.0, 200.0) == pytest.approx(
        track_sigma_m(300.0, 0.0, 40.0, 1.0, 200.0), rel=1e-12)
    assert fixed_delay_model(30.0).accuracy_scale(0) == 1.0


def test_thrust_noise_caps_the_looks_until_the_window_ends():
    s, dt, tau, window, q = 500.0, 1.0, 100.0, 150.0, 4.0e3
    young = [filter_sigma_m(s, 0.0, at, dt, tau, window, q) for at in (10.0, 50.0, 140.0)]
    assert young[0] == pytest.approx(young[1]) == pytest.approx(young[2])  # a plateau: the filter forgets
    assert young[1] > 10.0 * track_sigma_m(s, 0.0, 50.0, dt, tau)  # a line fit over 51 looks knows far more
    after = [filter_sigma_m(s, 0.0, at, dt, tau, window, q) for at in (160.0, 200.0, 400.0)]
    assert young[2] > after[0] > after[1] > after[2]  # ballistic looks accumulate again
    assert filter_sigma_m(s, 0.0, 50.0, dt, tau, window, 0.0) == track_sigma_m(s, 0.0, 50.0, dt, tau)
    assert filter_sigma_m(s, 10.0, 5.0, dt, tau, window, q) == np.inf and math.isinf(
        filter_sigma_m(s, 0.0, 0.5, dt, tau, window, q))  # no track yet, or a single look


def test_shipped_scales_predict_fresh_runs_of_the_full_tracker(calibration_tool):
    """Seed 1001 was not used to fit the shipped scales (seeds 1-16): the scaled closed form must give the
    tracker's PIP σ within a factor 1.5 in at least 75 % of samples (84 % on the fit seeds), where the plain
    straight-line fit does so in under half (measured: 87 % and 22 %); its covariance is not over-confident."""
    tool = calibration_tool
    model = load_track_quality()
    radars = {k: v for k, v in tool.ACCURACY_PARTIES.items() if k != "sbirs"}
    a = accuracy_samples(tool.calibration_scenario(radars), [1001])
    ok = np.isfinite(a.sigma_closed_m)
    assert ok.sum() >= 100 and np.all(a.sensor_class == 0)
    a = a.take(ok)
    pred = np.array([model.track_sigma_m(0, s, 0.0, age, dt, tau) for s, age, dt, tau in
                     zip(a.look_sigma_m, a.firm_age_s, a.revisit_s, a.lead_s)])
    within = np.abs(np.log(a.sigma_tracker_m / pred)) < math.log(1.5)
    plain = np.abs(np.log(a.sigma_tracker_m / a.sigma_closed_m / np.median(a.ratio))) < math.log(1.5)
    assert within.mean() >= 0.75, within.mean()
    assert plain.mean() < 0.5, plain.mean()
    assert np.mean((a.error_m / a.sigma_tracker_m) ** 2) < 1.5  # actual errors fit the predicted σ
