"""The statistical track-quality model: its inverse CDF, its fitting, and its calibration against
fresh runs of the full tracker (seeds the shipped model was not fitted to)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from openbmd.tracking.quality import PROBS, SENSOR_CLASSES, calibrate, fixed_delay_model, load_track_quality



def test_shipped_model_is_a_distribution_per_class():
    m = load_track_quality()
    assert len(m.quantiles) == len(m.p_firm) == len(SENSOR_CLASSES)
    assert m.per_revisit
    for q, p, n in zip(m.quantiles, m.p_firm, m.samples):
        assert n >= 90 and 0.5 <= p <= 1.0
        assert len(q) == len(PROBS) and q[0] >= 0.0 and np.all(np.diff(q) >= 0.0)
    assert "tracker" in m.source and m.meta["seeds"][1] >= 16


def test_fitting_recovers_a_known_distribution():
    rng = np.random.default_rng(0)
    radar = np.concatenate([rng.exponential(10.0, 9000), np.full(1000, np.inf)])
    ir = rng.uniform(20.0, 30.0, 5000)
    m = calibrate([radar, ir])
    assert m.p_firm == pytest.approx((0.9, 1.0), abs=1e-9)
    assert m.quantiles[0][20] == pytest.approx(10.0 * math.log(2), rel=0.05)  # the median
    draws = m.delay_s(0, rng.random(50000))
    assert np.isinf(draws).mean() == pytest.approx(0.1, abs=0.01)
    assert np.mean(draws[np.isfinite(draws)]) == pytest.approx(10.0, rel=0.05)
    assert stats.kstest(m.delay_s(1, rng.random(5000)), stats.uniform(20, 10).cdf).statistic < 0.03
    assert np.all(m.delay_s(1, np.array([0.5]), 4.0) == 4.0 * m.delay_s(1, np.array([0.5])))  # in revisits


def test_fixed_model_is_the_timeline():
    m = fixed_delay_model(30.0)
    assert np.all(m.delay_s(0, np.linspace(0, 0.999, 7), 10.0) == 30.0)
    assert np.all(m.delay_s(1, np.array([0.0, 0.5])) == 30.0)


def test_model_matches_fresh_runs_of_the_full_tracker(calibration_tool):
    """Seeds 1001-1002 were not used to fit the shipped model: their delays must look like draws from it."""
    tool = calibration_tool
    model = load_track_quality()
    fresh = tool.calibration_samples(tool.calibration_scenario(), (1001, 1002))
    rng = np.random.default_rng(5)
    for c, xs in enumerate(fresh):
        x = np.asarray(xs)
        assert x.size >= 12
        lo, hi = stats.binom.interval(0.99, x.size, model.p_firm[c])
        assert lo <= np.isfinite(x).sum() <= hi, SENSOR_CLASSES[c]
        drawn = model.delay_s(c, rng.random(20000))
        result = stats.ks_2samp(x[np.isfinite(x)], drawn[np.isfinite(drawn)])
        assert result.pvalue > 0.01, (SENSOR_CLASSES[c], result)
