"""The intercept-opportunity kernel: launch times against direct fly-out lookups, and its pluggable fly-out."""

from __future__ import annotations

import numpy as np
import pytest

from openbmd.catalog import load_catalog
from openbmd.earth import ecef_to_geodetic, wgs84
from openbmd.engagement import (deployment_posts, engage, engage_shot, fire_unit, fleet, ground_range_m,
                                ladder_fleet, launch_times, opportunity_launch_times, timeline_for)

EARTH = wgs84()


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def shot(catalog):
    """A generic IRBM from Tabriz at Warsaw, against SM-3 IIA at Redzikowo and Deveselu."""
    return engage_shot(catalog, "generic-irbm", "tabriz", "warsaw", ["redzikowo", "deveselu"], ["sm3-iia"],
                       ["kurecik"], timeline_for(catalog), EARTH)


@pytest.fixture(scope="module")
def units(shot):
    return shot.batteries


def test_launch_time_is_sample_time_less_the_table_fly_out(shot, units):
    th = shot.threat
    launch = opportunity_launch_times(th, units, EARTH)
    assert launch.shape == (1, 2, th.t_s.shape[1])
    ok = np.isfinite(th.t_s[0])
    _, _, alt = ecef_to_geodetic(th.r_ecef[0][ok], EARTH)
    for m, u in enumerate(units):
        fly = u.table.time_to_reach_s(ground_range_m(u.r_ecef(EARTH), th.r_ecef[0][ok]), alt)
        direct = np.where(np.isfinite(fly), th.t_s[0][ok] - fly, np.nan)
        np.testing.assert_allclose(launch[0, m][ok], direct, rtol=1e-9, atol=1e-3)
        assert np.isnan(launch[0, m][~ok]).all()
    assert np.isfinite(launch).sum() > 10


def test_launches_before_the_time_allowed_are_not_opportunities(shot, units):
    th = shot.threat
    free = opportunity_launch_times(th, units, EARTH)
    allowed = float(np.nanmedian(free))
    bound = launch_times(th, fleet(units, EARTH), EARTH, not_before_s=np.array([allowed]))
    np.testing.assert_array_equal(bound, np.where(free >= allowed, free, np.nan))
    assert np.isnan(launch_times(th, fleet(units, EARTH), EARTH, not_before_s=np.array([np.inf]))).all()


def test_engage_windows_are_the_kernel_opportunities(catalog, shot, units):
    th = shot.threat
    result = engage(th, units, deployment_posts(catalog, ["redzikowo", "deveselu"], ["kurecik"]),
                    timeline_for(catalog), EARTH)
    usable = launch_times(th, fleet(units, EARTH), EARTH, not_before_s=result.launch_allowed_t_s)
    for m in range(len(units)):
        hits = np.flatnonzero(np.isfinite(usable[0, m]))
        assert (result.first_index[0, m], result.last_index[0, m]) == ((hits[0], hits[-1]) if hits.size else (-1, -1))
    assert result.shots[0] >= 1


def test_speed_ladder_on_a_rung_is_that_rung_and_faster_never_needs_an_earlier_launch(shot, catalog):
    """The speed-ladder fly-out on a rung is that rung's table alone; between rungs, faster never flies longer."""
    th = shot.threat
    unit = fire_unit(catalog, "redzikowo", "sm3-iia", EARTH)
    speeds = (3500.0, 4500.0, 5500.0)
    on_rung = launch_times(th, ladder_fleet([unit], EARTH, speeds, 4500.0), EARTH)
    np.testing.assert_allclose(on_rung, launch_times(th, ladder_fleet([unit], EARTH, (4500.0,)), EARTH), rtol=1e-12)
    assert np.isfinite(on_rung).sum() > 10
    slower, faster = (launch_times(th, ladder_fleet([unit], EARTH, speeds, v), EARTH) for v in (4000.0, 5000.0))
    both = np.isfinite(slower)
    assert both.sum() > 10 and np.all(np.isfinite(faster)[both])
    assert np.all(faster[both] >= slower[both] - 1e-9)  # a later launch still makes it


def test_no_units_no_opportunities(shot):
    th = shot.threat
    assert opportunity_launch_times(th, [], EARTH).shape == (1, 0, th.t_s.shape[1])


def _without_closing_limits(unit):
    """``unit`` with a kill vehicle that closes at any speed."""
    import dataclasses

    kv = dataclasses.replace(unit.kill_vehicle, min_closing_speed_mps=0.0, max_closing_speed_mps=np.inf)
    return dataclasses.replace(unit, kill_vehicle=kv)


@pytest.fixture(scope="module")
def pac3_warsaw(catalog):
    """A generic IRBM from Tabriz at Warsaw against PAC-3 at Warsaw, cued by SBIRS: it comes down faster than
    PAC-3's kill vehicle can close on at the start of the battery's kinematic window."""
    return engage_shot(catalog, "generic-irbm", "tabriz", "warsaw", ["warsaw"], ["pac-3"], ["sbirs"],
                       timeline_for(catalog), EARTH)


def test_engage_windows_leave_out_samples_beyond_the_kill_vehicle_closing_speeds(catalog, pac3_warsaw):
    """Launch times exist exactly at the kinematic opportunities whose closing speed (threat velocity less the
    burnout velocity along the line of sight) lies within the kill vehicle's limits; engage's windows and shots
    keep to them."""
    th, unit = pac3_warsaw.threat, pac3_warsaw.batteries[0]
    free = opportunity_launch_times(th, [_without_closing_limits(unit)], EARTH)[0, 0]
    limited = opportunity_launch_times(th, [unit], EARTH)[0, 0]
    ok = np.isfinite(th.t_s[0])
    los = th.r_ecef[0][ok] - unit.r_ecef(EARTH)
    los /= np.linalg.norm(los, axis=-1, keepdims=True)
    closing = np.full(ok.shape, np.nan)
    closing[ok] = np.linalg.norm(th.v_ecef[0][ok] - unit.burnout_speed_mps * los, axis=-1)
    kv = unit.kill_vehicle
    inside = (closing >= kv.min_closing_speed_mps) & (closing <= kv.max_closing_speed_mps)
    np.testing.assert_array_equal(np.isfinite(limited), np.isfinite(free) & inside)
    beyond = np.isfinite(free) & ~inside
    assert beyond.sum() >= 1 and np.isfinite(limited).sum() >= 1  # the limit cuts the window, not all of it
    result = engage(th, [unit], pac3_warsaw.posts, timeline_for(catalog), EARTH)
    hits = np.flatnonzero(limited >= result.launch_allowed_t_s[0])
    assert (result.first_index[0, 0], result.last_index[0, 0]) == (hits[0], hits[-1])
    assert np.all(closing[result.shot_index[0, :result.shots[0]]] <= kv.max_closing_speed_mps)
    assert result.first_index[0, 0] > np.flatnonzero(beyond)[0]  # the too-fast start of the window is gone
