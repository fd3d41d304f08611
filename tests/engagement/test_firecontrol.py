"""Fire control: the track-accuracy closed form against seeded least-squares fits, the basket and the Pk law."""

from __future__ import annotations

import numpy as np
import pytest

from openbmd.catalog import load_catalog
from openbmd.engagement.firecontrol import (
    COMMIT_SIGMAS, GENERIC_KILL_VEHICLE, SENSOR_ROLES, effective_pk, kill_vehicle, measurement_sigma_m, pip_sigma_m,
    track_sigma_m)


@pytest.mark.parametrize("n, dt, tau", [(5, 1.0, 0.0), (20, 1.0, 100.0), (60, 5.0, 300.0), (200, 0.5, 30.0)])
def test_pip_sigma_is_the_spread_of_least_squares_predictions(n, dt, tau):
    """Fit a line to n noisy looks, predict tau past the last: the spread over 20,000 seeded fits is the formula."""
    rng = np.random.default_rng(11)
    sigma = 250.0
    t = np.arange(n) * dt
    noise = rng.normal(0.0, sigma, (20000, n))
    slope, intercept = np.polyfit(t, noise.T, 1)
    predicted = intercept + slope * (t[-1] + tau)
    assert np.std(predicted) == pytest.approx(pip_sigma_m(sigma, float(n), dt, tau), rel=0.03)


def test_track_accuracy_improves_with_age_and_worsens_with_lead():
    ages = [track_sigma_m(100.0, 0.0, at, 1.0, 200.0) for at in (5.0, 20.0, 80.0)]
    leads = [track_sigma_m(100.0, 0.0, 30.0, 1.0, tau) for tau in (10.0, 100.0, 400.0)]
    assert ages == sorted(ages, reverse=True) and leads == sorted(leads)
    assert track_sigma_m(100.0, 10.0, 5.0, 1.0, 0.0) == np.inf  # no track yet


def test_early_warning_sensors_cannot_commit_a_midcourse_kill_vehicle():
    """A Voronezh track 2,000 km out (3 mrad) after 30 looks (150 s), 400 s ahead: outside an SM-3 IB basket;
    an AN/TPY-2 track at 1,000 km after 120 s fits it with room to spare."""
    cat = load_catalog()
    kv = kill_vehicle(cat.interceptor("sm3-ib"))
    basket = float(kv.basket_m(7000.0))
    ew = pip_sigma_m(float(measurement_sigma_m(cat.sensor("voronezh"), 2.0e6)), 30.0, 5.0, 400.0)
    fc = pip_sigma_m(float(measurement_sigma_m(cat.sensor("an-tpy-2"), 1.0e6)), 120.0, 1.0, 400.0)
    assert COMMIT_SIGMAS * ew > basket > 5 * COMMIT_SIGMAS * fc
    assert cat.sensor("voronezh").sensor_role == "early-warning" and cat.sensor("an-tpy-2").sensor_role == "fire-control"


def test_each_sensor_class_holds_the_radars_public_sources_give_it():
    """Early warning: space IR and the Russian UHF/VHF warning radars; surveillance: the early-warning radars the
    Missile Defense Agency upgraded to pass tracks to GMD fire control (UEWR, Cobra Dane); fire control: the X- and
    S-band battery and ship radars. An upgraded radar's own declared role overrides its band's default."""
    cat = load_catalog()
    roles = {s.name: s.sensor_role for s in cat.entries("sensors")}
    assert {n for n, r in roles.items() if r == "early-warning"} == {"sbirs", "voronezh", "daryal"}
    assert {n for n, r in roles.items() if r == "surveillance"} == {"uewr", "cobra-dane"}
    assert {n for n, r in roles.items() if r == "fire-control"} == {"an-tpy-2", "spy-1", "don-2n", "92n6"}
    for name in ("uewr", "cobra-dane"):  # by band alone (UHF, L) they would be early warning
        s = cat.sensor(name)
        assert s.model_copy(update={"role": None}).sensor_role == "early-warning"
    assert {m.sensor for m in cat.place("fylingdales").sensors} == {"uewr"}
    assert {m.sensor for m in cat.place("eareckson").sensors} == {"cobra-dane"}


def test_every_catalog_sensor_and_interceptor_has_its_fire_control_figures():
    cat = load_catalog()
    for s in cat.entries("sensors"):
        assert s.role in SENSOR_ROLES, s.name
    for i in cat.entries("interceptors"):
        assert i.divert_mps and i.seeker_acquisition_range_m and i.max_closing_speed_mps, i.name
        assert i.min_closing_speed_mps is not None


def test_basket_is_zero_outside_the_closing_speed_limits_and_pk_falls_with_pip_error():
    kv = GENERIC_KILL_VEHICLE
    b = kv.basket_m(np.array([kv.min_closing_speed_mps - 1, 3000.0, 6000.0, kv.max_closing_speed_mps + 1]))
    assert b[0] == 0 and b[3] == 0 and b[1] > b[2] > 0  # faster closing leaves less homing time
    pks = [effective_pk(0.8, s, 1000.0) for s in (1.0, 300.0, 1000.0, 5000.0)]
    assert pks[0] == pytest.approx(0.8) and pks == sorted(pks, reverse=True)
    assert effective_pk(0.8, 10.0, 0.0) == 0.0
