"""Fly-out tables against direct numeric propagation, and their monotonic laws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from openbmd.catalog import load_catalog
from openbmd.earth import ecef_to_geodetic, wgs84
from openbmd.engagement import flyout_table, ground_range_m
from openbmd.engagement.flyout import ballistic_coefficient_kg_m2, fly_fan, interceptor_vehicle
from openbmd.flight import fly_launches

EARTH = wgs84()
INTERCEPTORS = [i.name for i in load_catalog().entries("interceptors")]


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _inside(table, rng, alt, margin=0.05):
    return ((alt > table.min_alt_m) & (alt < table.max_alt_m * (1 - margin)) & (rng < table.max_range_m * (1 - margin))
            & (rng > 0.02 * table.max_range_m))


@pytest.mark.parametrize("name", ["sm3-iia", "sm3-ib", "thaad", "gbi", "pac-3", "s-400-48n6", "a-235"])
def test_table_matches_direct_propagation_within_one_percent(catalog, name):
    """Every point a directly flown interceptor passes is reachable no later than it got there (the
    table is the least time over the fan); on the flat, fastest shots the two agree within 1 %."""
    i = catalog.interceptor(name)
    table = flyout_table(i, EARTH)
    rng_kicks = np.random.default_rng(7)
    kicks = np.radians(rng_kicks.uniform(3.0, 80.0, 40))  # directions the table's fan did not fly exactly
    t, rng, alt = fly_fan(i.burnout_speed_mps, i.burn_time_s, EARTH, kicks, 3000.0,
                          sample_dt_s=min(3.7, 0.37 * i.burn_time_s), beta_kg_m2=ballistic_coefficient_kg_m2(i))
    after_burn = t > i.burn_time_s + 5
    ok = np.isfinite(t) & after_burn & _inside(table, rng, alt)
    looked_up = table.time_to_reach_s(rng[ok], alt[ok])
    reached = np.isfinite(looked_up)
    assert reached.mean() > 0.97
    direct = t[ok][reached]
    assert np.all(looked_up[reached] <= direct * 1.01)
    # The fastest way to a point is the flattest trajectory that still climbs that high: check the
    # points of each directly flown shot that no flatter shot in the sample reaches sooner.
    fastest = np.abs(looked_up[reached] - direct) / direct
    assert np.median(fastest) < 0.01


def test_depressed_shots_are_the_table_times(catalog):
    i = catalog.interceptor("sm3-iia")
    table = flyout_table(i, EARTH)
    kicks = np.radians([55.0, 62.0, 70.0])  # flat shots: the least-time way to each point they pass
    t, rng, alt = fly_fan(i.burnout_speed_mps, i.burn_time_s, EARTH, kicks, 3000.0, sample_dt_s=2.3)
    ok = np.isfinite(t) & (t > i.burn_time_s + 5) & _inside(table, rng, alt)
    looked_up = table.time_to_reach_s(rng[ok], alt[ok])
    assert np.isfinite(looked_up).all()
    np.testing.assert_allclose(looked_up, t[ok], rtol=0.01)


def test_table_holds_on_the_rotating_earth(catalog):
    """Coriolis does no work: a shot flown on the rotating Earth, east or west, takes the table's time."""
    i = catalog.interceptor("sm3-iia")
    table = flyout_table(i, EARTH)
    lat, lon = math.radians(54.5), math.radians(17.1)
    for az in (90.0, 270.0, 0.0):
        b = fly_launches(interceptor_vehicle(i.burnout_speed_mps, i.burn_time_s), lat, lon, math.radians(az),
                         math.radians(62.0), EARTH, t_max_s=1500.0, sample_dt_s=5.0)
        t, r = b.samples_ecef()
        t, r = t[0], r[0]
        ok = np.isfinite(t) & (t > i.burn_time_s + 5)
        rng = ground_range_m(r[0], r[ok])
        _, _, alt = ecef_to_geodetic(r[ok], EARTH)
        inside = _inside(table, rng, alt)
        looked_up = table.time_to_reach_s(rng[inside], alt[inside])
        np.testing.assert_allclose(looked_up, t[ok][inside], rtol=0.02)


def test_envelope_limits_are_the_catalog_figures(catalog):
    i = catalog.interceptor("sm3-ib")
    table = flyout_table(i, EARTH)
    assert table.max_range_m == i.max_range_m and table.max_alt_m == i.max_intercept_altitude_m
    assert np.isinf(table.time_to_reach_s(100e3, i.min_intercept_altitude_m * 0.9))
    assert np.isinf(table.time_to_reach_s(i.max_range_m * 1.01, 200e3))
    assert np.isfinite(table.time_to_reach_s(300e3, 200e3))


def test_faster_interceptor_is_never_slower_and_reaches_farther(catalog):
    i = catalog.interceptor("sm3-ib")
    slow, fast = flyout_table(i, EARTH), flyout_table(i, EARTH, burnout_speed_mps=4500.0)
    assert fast.max_range_m > slow.max_range_m and fast.max_alt_m > slow.max_alt_m
    rng, alt = np.meshgrid(np.linspace(0, slow.max_range_m, 60), np.linspace(slow.min_alt_m, slow.max_alt_m, 40))
    t_slow, t_fast = slow.time_to_reach_s(rng, alt), fast.time_to_reach_s(rng, alt)
    reach_slow = np.isfinite(t_slow)
    assert np.all(np.isfinite(t_fast[reach_slow]))
    assert np.all(t_fast[reach_slow] <= t_slow[reach_slow] + 1e-9)


def test_interceptor_too_slow_to_climb_has_empty_table(catalog):
    i = catalog.interceptor("sm3-ib").model_copy(update={"burnout_speed_mps": 500.0})
    table = flyout_table(i, EARTH)
    assert table.kinematic_altitude_m < i.min_intercept_altitude_m
    assert not np.isfinite(table.time_to_reach_s(*np.meshgrid(np.linspace(0, 7e5, 50), np.linspace(7e4, 5e5, 50)))).any()


@pytest.mark.parametrize("name", INTERCEPTORS)
def test_every_interceptor_reaches_its_published_envelope(catalog, name):
    """Straight up to the ceiling, out to the maximum range just above the floor, and the ceiling
    away from the launcher too: endo-atmospheric interceptors as well as exo-atmospheric ones."""
    i = catalog.interceptor(name)
    table = flyout_table(i, EARTH)
    floor, ceiling, far = i.min_intercept_altitude_m, i.max_intercept_altitude_m, i.max_range_m
    low = floor + 0.05 * (ceiling - floor)
    assert np.isfinite(table.time_to_reach_s(0.0, 0.98 * ceiling))
    assert np.isfinite(table.time_to_reach_s(0.99 * far, low))
    assert np.isfinite(table.time_to_reach_s(0.1 * far, 0.98 * ceiling))
    assert table.kinematic_range_m >= far and table.kinematic_altitude_m >= ceiling


def _grows(t):
    """Finite times along a path outward never fall by more than 1 % (+0.05 s), and have no gaps."""
    ok = np.flatnonzero(np.isfinite(t))
    assert ok.size > 1 and np.all(np.diff(ok) == 1), "the reachable part of a ray has a gap"
    tt = t[ok]
    assert np.all(np.diff(tt) >= -(0.01 * tt[1:] + 0.05)), np.diff(tt).min()


@pytest.mark.parametrize("name", INTERCEPTORS)
def test_time_to_reach_grows_with_distance(catalog, name):
    """Along range at fixed altitudes in the envelope, along altitude near the launcher, and along
    straight rays from the launcher, the fly-out time grows outward."""
    i = catalog.interceptor(name)
    table = flyout_table(i, EARTH)
    floor, ceiling, far = i.min_intercept_altitude_m, i.max_intercept_altitude_m, i.max_range_m
    s = np.linspace(0.0, 1.0, 301)
    for frac in (0.05, 0.25, 0.5, 0.75, 0.95):
        _grows(table.time_to_reach_s(s * far, floor + frac * (ceiling - floor)))
    for frac in (0.0, 0.02, 0.1):
        _grows(table.time_to_reach_s(frac * far, floor + s * (ceiling - floor)))
    lowest = math.atan2(floor + 0.05 * (ceiling - floor), far)  # the ray through the far end of the floor
    for e in np.linspace(lowest, math.radians(80.0), 4):
        reach = min(far / math.cos(e), ceiling / math.sin(e))
        rng, alt = s * reach * math.cos(e), s * reach * math.sin(e)
        inside = alt >= floor
        _grows(table.time_to_reach_s(rng[inside], alt[inside]))


def test_endo_interceptors_reach_near_points_quickly(catalog):
    """The Moscow interceptor reaches 20 km out at 30 km up in seconds, as it reaches 30 km straight
    up (it took 432 s when the fan could not turn a short burn); the S-400 reaches 20 km out at 10 km."""
    a235 = flyout_table(catalog.interceptor("a-235"), EARTH)
    assert float(a235.time_to_reach_s(20e3, 30e3)) < 30.0
    assert float(a235.time_to_reach_s(20e3, 30e3)) > float(a235.time_to_reach_s(0.0, 30e3))
    for name in ("s-400-48n6", "s-400-40n6"):
        assert float(flyout_table(catalog.interceptor(name), EARTH).time_to_reach_s(20e3, 10e3)) < 60.0


@pytest.mark.parametrize("speed, min_alt", [(1500.0, 15e3), (4500.0, 70e3), (9000.0, 100e3)])
def test_kinematic_reach_is_the_fan_computed_in_full(speed, min_alt):
    """The reach, which computes heights only where |r| - a <= h <= |r| - b leaves them open, equals the
    farthest range at or above the floor and the highest height over every sample of the same fan."""
    from openbmd.engagement.flyout import _t_max, kinematic_reach

    t, rng, alt = fly_fan(speed, 40.0, EARTH, np.radians(np.linspace(0.02, 89.0, 121)), _t_max(speed, 40.0))
    full = float(np.max(np.where(alt >= min_alt, rng, 0.0))), float(np.nanmax(alt))
    assert kinematic_reach(speed, 40.0, EARTH, min_alt) == full
    assert full[0] > 0.0


def test_ground_range_kernel_is_the_array_expression():
    """ground_range_m gives the bits of R atan2(|a x b|, a . b) written with numpy, in any broadcast shape."""
    from openbmd.engagement.flyout import R_MEAN_M

    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(40, 30, 3)) * 6.4e6, rng.normal(size=(3,)) * 6.4e6
    for x, y in ((a, b), (a[:, :1], a), (a[0, 0], b)):
        expect = R_MEAN_M * np.arctan2(np.linalg.norm(np.cross(x, y), axis=-1), np.sum(x * y, axis=-1))
        got = ground_range_m(x, y)
        assert np.shape(got) == np.shape(expect)
        np.testing.assert_array_equal(got, expect)
