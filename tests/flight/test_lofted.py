"""Lofted-test reconstruction: a synthetic test of a known vehicle, and the public Hwasong tests."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from openbmd.catalog import load_catalog
from openbmd.earth import wgs84
from openbmd.errors import InputError
from openbmd.flight import fly_launches, maximum_range_m
from openbmd.flight.lofted import LoftedTest, family_vehicle, lofted_apogee_m, reconstruct, same_speed_range_m
from openbmd.flight.vehicle import CALIBRATION_SITE, vehicle_from_missile

CAT = load_catalog()
STILL = dataclasses.replace(wgs84(), name="wgs84-still", omega_rad_s=0.0)


def _test_of(name: str) -> LoftedTest:
    t = CAT.missile(name).flight_tests[0]
    return LoftedTest(t.apogee_m, t.range_m, t.flight_time_s)


def test_a_synthetic_lofted_test_gives_back_the_vehicles_standard_range():
    # A known two-stage liquid vehicle of the class (between the family's stage splits and burn times)
    # flown lofted on the still Earth; its true standard range must lie in the reported spread.
    v = family_vehicle(8400.0, (0.45, 0.55), (130.0, 150.0), "liquid")
    b = fly_launches(v, 0.0, 0.0, np.pi / 2, np.radians(0.3), STILL)
    test = LoftedTest(float(b.apogee_altitude_m[0]), float(b.ground_range_m()[0]), float(b.flight_time_s[0]))
    assert 2000e3 < test.apogee_m and test.range_m < 2000e3  # lofted indeed
    truth = maximum_range_m(v, 0.0, 0.0, np.pi / 2, STILL)
    r = reconstruct(test, stages=2, propellant="liquid")
    assert not r.orbital
    assert r.spread_m[0] <= truth <= r.spread_m[1], (truth, r.spread_m)
    assert r.range_m == pytest.approx(truth, rel=0.1)
    assert all(abs(m[5] / test.flight_time_s - 1.0) <= 0.08 for m in r.members)


def test_the_hwasong_14_test_reproduces_wrights_standard_range_within_the_spread():
    r = reconstruct(_test_of("hwasong-14"), stages=2, propellant="liquid")
    published = CAT.missile("hwasong-14").flight_tests[0].standard_range_m  # Wright (UCS, 2017): about 10,400 km
    assert r.spread_m[0] <= published <= r.spread_m[1], r.spread_m
    assert len(r.members) >= 3 and not r.orbital
    data = r.to_json()
    assert set(data["range_m"]) == {"estimate", "spread"} and data["orbital"] is False


def test_the_hwasong_12_test_reproduces_wrights_standard_range_within_the_method():
    # Wright (UCS, 2017): "about 4,500 km" from the 14 May 2017 test. His vehicle model is not published; the
    # simpler estimate (the test's burnout speed, from the surface, on a minimum-energy trajectory: 4,356 km)
    # leaves out the extra gravity loss of the steep lofted climb, so every refly exceeds it. The family's
    # shortest burns (100 s, lift-off thrust/weight 2.4) come within 2 % of Wright's figure, the longer ones
    # (140-180 s) above it: measured 4,556-4,849 km, estimate 4,749 km.
    test = _test_of("hwasong-12")
    r = reconstruct(test, stages=1, propellant="liquid")
    published = CAT.missile("hwasong-12").figure("max_range_m")
    assert not r.orbital and len(r.members) >= 4
    simple = same_speed_range_m(test)
    wright = CAT.missile("hwasong-12").flight_tests[0].standard_range_m
    assert wright == 4500e3
    assert simple < wright < r.spread_m[1] and simple < r.spread_m[0], (simple, r.spread_m)
    assert r.spread_m[0] <= 1.02 * wright, r.spread_m
    assert published.low <= r.spread_m[0] and r.spread_m[1] <= published.high  # inside the catalog's stated range
    burn = {m[2]: m[6] for m in r.members}
    assert burn[100.0] < burn[140.0], burn  # the longer the burn, the more the lofted climb lost to gravity
    # the catalog entry, calibrated to this test (140 s burn), flies a standard range inside the spread too
    catalogued = maximum_range_m(vehicle_from_missile(CAT.missile("hwasong-12")), 0.0, 0.0, np.pi / 2, STILL)
    assert r.spread_m[0] <= catalogued <= r.spread_m[1], (catalogued, r.spread_m)


def test_the_same_speed_estimate_is_the_closed_form_minimum_energy_range():
    # Burnout at the surface on the ideal sphere: speed from the conic through the test's apogee and range, then
    # the minimum-energy range at that speed must need exactly that speed (Bate, Mueller & White eq. 6.2-17).
    from openbmd.flight.kepler import minimum_energy_burnout

    test = _test_of("hwasong-14")
    rng = same_speed_range_m(test, radius_m=6371e3)
    v_star, _ = minimum_energy_burnout(rng / 6371e3, 6371e3, 3.986004418e14)
    r_apo, half = 6371e3 + test.apogee_m, 0.5 * test.range_m / 6371e3
    e = (r_apo - 6371e3) / (r_apo - 6371e3 * np.cos(half))
    v_test = np.sqrt(3.986004418e14 * (2 / 6371e3 - (1 + e) / r_apo))
    assert float(v_star) == pytest.approx(v_test, rel=1e-9)
    assert same_speed_range_m(LoftedTest(4e7, 1e5, 1e4)) == np.inf  # a conic that high is no longer ballistic


def test_the_hwasong_15_test_gives_more_than_wrights_13000_km_and_some_vehicles_orbit():
    # Wright (UCS, 2017): "more than 13,000 km". Every fitted vehicle exceeds it; the longest burns reach orbit
    # (reported orbital: no finite range), the shorter ones come down at 13,100-16,800 km (measured).
    r = reconstruct(_test_of("hwasong-15"), stages=2, propellant="liquid")
    ranges = np.array([m[6] for m in r.members])
    wright = CAT.missile("hwasong-15").flight_tests[0].standard_range_m  # "more than 13,000 km"
    assert r.spread_m[0] > wright and np.all(ranges > wright)
    assert r.orbital and r.to_json()["orbital"] is True
    assert np.any(np.isfinite(ranges)) and np.any(np.isinf(ranges))  # near-orbital is not orbital
    # the catalog entry, calibrated to this test with burns longer than any of the family's (150 + 230 s), is on
    # the orbital side: on the still Earth its standard shot nears the antipode (19,800 of the 20,038 km there)
    m = CAT.missile("hwasong-15")
    assert sum(s.burn_time_s for s in m.stages) > max(b[2] for b in r.members)
    catalogued = maximum_range_m(vehicle_from_missile(m), 0.0, 0.0, np.pi / 2, STILL)
    assert catalogued > 0.97 * np.pi * wgs84().a_m and catalogued > max(ranges[np.isfinite(ranges)])


def test_an_impossible_test_is_refused():
    with pytest.raises(InputError, match="no 1-stage solid vehicle"):
        reconstruct(LoftedTest(4475e3, 950e3, 10 * 60), stages=1, propellant="solid")


def test_the_catalog_hwasong_14_can_fly_its_own_test_and_keeps_wrights_estimate_beside_it():
    # Calibrated to the 28 July 2017 test: its most lofted full-burn shot to 998 km reaches the test's apogee
    # (calibrated to Wright's 10,400 km instead it reached only 3,576 km there). Its range is then what the model
    # flies, inside the reconstruction's spread for that test; Wright's figure stays with the test.
    m = CAT.missile("hwasong-14")
    t = m.flight_tests[0]
    assert m.calibration.target == "flight-test" and t.standard_range_m == 10400e3
    v = vehicle_from_missile(m)
    assert lofted_apogee_m(v, t.range_m) == pytest.approx(t.apogee_m, rel=5e-3)
    assert maximum_range_m(v, *CALIBRATION_SITE, wgs84()) == pytest.approx(m.max_range_m, rel=5e-3)
    assert 9.76e6 < maximum_range_m(v, 0.0, 0.0, np.pi / 2, STILL) < 11.85e6  # the reconstruction's spread
    # a vehicle short of the test's energy cannot reach its apogee at its range
    weak = m.model_copy(update={"payload_mass_kg": 700.0})
    assert lofted_apogee_m(vehicle_from_missile(weak), t.range_m) < 0.97 * t.apogee_m


FLOWN = [m.name for m in CAT.entries("missiles") if m.flight_tests]


def test_the_catalog_missiles_with_flight_tests_are_the_three_hwasongs():
    assert FLOWN == ["hwasong-12", "hwasong-14", "hwasong-15"]  # the parametrised test below covers each


@pytest.mark.parametrize("name", FLOWN)
def test_every_catalog_missile_with_a_flight_test_can_fly_its_first_test(name):
    # Issue 14: each is calibrated to its first test (Calibration.target flight-test, tools/calibrate_missiles.py):
    # its most lofted full-burn shot to the test's ground range reaches the test's apogee (within 1 %), and its
    # max_range_m is the range the calibrated model then flies. Calibrated to the sources' standard ranges
    # instead (kept with each test) the apogees fell short: Hwasong-12 2,009 of 2,112 km, Hwasong-14 3,576 of
    # 3,725 km, Hwasong-15 3,828 of 4,475 km. None is deliberately left calibrated to a published range; one that
    # is would be named here with its reason.
    m = CAT.missile(name)
    t = m.flight_tests[0]
    assert m.calibration.target == "flight-test", f"{name} is not calibrated to its own test"
    assert t.standard_range_m is not None  # the source's own standard-range estimate stays with the test
    v = vehicle_from_missile(m)
    assert lofted_apogee_m(v, t.range_m) == pytest.approx(t.apogee_m, rel=0.01)
    assert maximum_range_m(v, *CALIBRATION_SITE, wgs84()) == pytest.approx(m.max_range_m, rel=5e-3)
    # the 1 % tells: the heaviest payload the entry allows leaves the vehicle short of its test
    heavy = m.model_copy(update={"payload_mass_kg": m.figure("payload_mass_kg").high})
    assert lofted_apogee_m(vehicle_from_missile(heavy), t.range_m) < 0.97 * t.apogee_m
