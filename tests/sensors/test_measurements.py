"""Measurement generation: the horizon law, the boost-only law for space IR, noise and false alarms."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from openbmd.catalog import load_catalog
from openbmd.earth import ecef_to_geodetic, enu_rotation, geodetic_to_ecef, wgs84
from openbmd.flight import FlownThreats, burnout_states, fly_ballistic
from openbmd.sensors import MeasurementOptions, generate_measurements, sensor_posts
from openbmd.sensors.measurements import noise_sigmas, post_frame

EARTH = wgs84()


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def truth():
    """40 ballistic flights from burnout over the Middle East, in every direction, sampled every 4 s."""
    rng = np.random.default_rng(3)
    n = 40
    states = burnout_states(np.radians(rng.uniform(30, 40, n)), np.radians(rng.uniform(40, 56, n)),
                            rng.uniform(60e3, 150e3, n), rng.uniform(2500, 4500, n), np.radians(rng.uniform(25, 50, n)),
                            rng.uniform(0, 2 * np.pi, n), EARTH, t_s=rng.uniform(0, 60, n))
    batch = fly_ballistic(states, EARTH.without_atmosphere(), sample_dt_s=4.0)
    # Let the first 40 s of each flight count as "burning" for the IR test.
    return dataclasses.replace(FlownThreats.from_batch(batch), burnout_t_s=states.t_s + 40.0)


def test_radar_never_reports_below_its_horizon(catalog, truth):
    posts = sensor_posts(catalog, ["kurecik", "gabala", "armavir", "aegis-east-med"])
    meas = generate_measurements(truth, posts, EARTH, 0.05, np.random.default_rng(1))
    assert len(meas) > 500
    for q, post in enumerate(posts):
        sel = meas.post == q
        origin, rot = post_frame(post, EARTH)
        d = meas.x_true_ecef[sel, :3] - origin
        enu = d @ rot.T
        rng_m = np.linalg.norm(d, axis=1)
        el = np.arcsin(enu[:, 2] / rng_m)
        assert np.all(el >= math.radians(post.sensor.min_elevation_deg) - 1e-9)
        assert np.all(el >= 0.0)  # above the geometric horizon of the site
        assert np.all(rng_m <= post.sensor.range_against_m(0.05) + 1e-6)
        # every point of the line of sight stays above the ellipsoid
        for f in np.linspace(0.05, 0.95, 10):
            _, _, h = ecef_to_geodetic(origin + f * d, EARTH)
            assert np.all(h > -1.0)


def test_radar_noise_matches_the_catalog(catalog, truth):
    posts = sensor_posts(catalog, ["kurecik"])
    meas = generate_measurements(truth, posts, EARTH, 0.05, np.random.default_rng(2))
    origin, rot = post_frame(posts[0], EARTH)
    d = meas.x_true_ecef[:, :3] - origin
    enu = d @ rot.T
    rng_m = np.linalg.norm(d, axis=1)
    clean = np.stack([np.arcsin(enu[:, 2] / rng_m), np.arctan2(enu[:, 0], enu[:, 1]), rng_m,
                      np.sum(d * meas.x_true_ecef[:, 3:], axis=1) / rng_m], axis=1)
    err = meas.z - clean
    err[:, 1] = (err[:, 1] + np.pi) % (2 * np.pi) - np.pi
    sig = noise_sigmas(posts[0])
    assert len(meas) > 1000
    np.testing.assert_allclose(err.std(axis=0), sig, rtol=0.08)
    assert np.all(np.abs(err.mean(axis=0)) < 4 * sig / math.sqrt(len(meas)))


def test_space_ir_sees_only_burning_boosters_above_the_clouds(catalog, truth):
    posts = sensor_posts(catalog, ["sbirs"])
    meas = generate_measurements(truth, posts, EARTH, 0.05, np.random.default_rng(3))
    assert len(meas) > 0
    assert np.all(meas.t_s <= truth.burnout_t_s[meas.target] + 1e-9)
    _, _, h = ecef_to_geodetic(meas.x_true_ecef[:, :3], EARTH)
    assert np.all(h >= posts[0].sensor.cloud_top_altitude_m)
    assert np.all(np.isnan(meas.z[:, 2:])) and np.all(np.abs(meas.z[:, :2]) < 0.16)  # within the Earth's disc


def test_same_seed_same_measurements_and_false_alarms(catalog, truth):
    posts = sensor_posts(catalog, ["kurecik", "sbirs"])
    opts = MeasurementOptions(false_alarms_per_scan=0.5)
    a = generate_measurements(truth, posts, EARTH, 0.05, np.random.default_rng(9), opts)
    b = generate_measurements(truth, posts, EARTH, 0.05, np.random.default_rng(9), opts)
    np.testing.assert_array_equal(a.z, b.z)
    fa = a.target < 0
    span = float(np.nanmax(truth.t_s) - np.nanmin(truth.t_s))
    scans = span / posts[0].sensor.revisit_s + span / posts[1].sensor.revisit_s
    assert 0.4 * scans < fa.sum() < 0.6 * scans
    assert np.all(np.isnan(a.x_true_ecef[fa])) and np.all(np.diff(a.t_s) >= 0)
    radar_fa = fa & (a.post == 0)
    assert np.all(a.z[radar_fa, 2] <= posts[0].sensor.max_range_m)


def test_geo_satellite_is_geostationary():
    from openbmd.sensors import GEO_LON_DEG, geo_satellite_ecef

    r = geo_satellite_ecef(EARTH)
    assert math.isclose(np.linalg.norm(r), 42_164_172.0)
    assert math.isclose(math.degrees(math.atan2(r[1], r[0])), GEO_LON_DEG)
    up = enu_rotation(0.0, math.radians(GEO_LON_DEG))[2]
    assert np.allclose(r / np.linalg.norm(r), up)
    assert geodetic_to_ecef(0.0, 0.0, 0.0, EARTH).shape == (3,)
