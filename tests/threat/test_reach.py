"""Range contours: flown reach agrees with single aimed shots, is round on a still sphere, and grows with range."""

from __future__ import annotations

import math

import numpy as np
import pytest

from openbmd.catalog import AssumptionSet, MissileAssumption, load_catalog
from openbmd.earth import geodesic_direct, ideal, wgs84
from openbmd.errors import OutOfRangeError
from openbmd.flight import aim
from openbmd.flight.aim import maximum_range_m
from openbmd.threat import assumed_missile, reach_contours, reach_of, reference_range_m

CAT = load_catalog()
EARTH = wgs84()
SHAHRUD = CAT.place("shahrud")


def _figure(value: float, basis: str = "published") -> dict:
    return {"value": value, "basis": basis, "source": {"title": "test figure"}}


def _assumption(missile: str, **figures: float) -> MissileAssumption:
    return MissileAssumption.model_validate({"missile": missile, **{k: _figure(v) for k, v in figures.items()}})


@pytest.fixture(scope="module")
def sejjil_contour():
    am = assumed_missile(CAT.missile("sejjil-2"), MissileAssumption(missile="sejjil-2"), EARTH)
    contour = reach_contours(am.vehicle, np.radians([SHAHRUD.lat_deg]), np.radians([SHAHRUD.lon_deg]), EARTH,
                             n_azimuth=12)
    return am, contour


def test_contour_agrees_with_single_aimed_trajectories(sejjil_contour):
    """At sampled bearings a target 1 % inside the contour can be aimed at; 1 % outside it cannot."""
    am, c = sejjil_contour
    lat0, lon0 = c.launch_lat_rad[0], c.launch_lon_rad[0]
    for z in (0, 3, 7):
        bearing, dist = c.bearing_rad[0, z], c.range_m[0, z]
        lat_in, lon_in = geodesic_direct(lat0, lon0, bearing, 0.99 * dist, EARTH)
        sol = aim(am.vehicle, lat0, lon0, float(lat_in), float(lon_in), EARTH, sample_dt_s=None)
        assert sol.miss_m < 10.0
        lat_out, lon_out = geodesic_direct(lat0, lon0, bearing, 1.01 * dist, EARTH)
        with pytest.raises(OutOfRangeError):
            aim(am.vehicle, lat0, lon0, float(lat_out), float(lon_out), EARTH, sample_dt_s=None)


def test_contour_between_its_bearings_agrees_with_single_aimed_trajectories(sejjil_contour):
    """Targets are judged on the contour interpolated between its flown bearings: half-way between two of them a
    target 1 % inside can be aimed at and one 1 % outside cannot, as at the bearings themselves."""
    am, c = sejjil_contour
    lat0, lon0 = c.launch_lat_rad[0], c.launch_lon_rad[0]
    b = np.sort(np.mod(c.bearing_rad[0], 2 * math.pi))
    for mid in (0.5 * (b[1:] + b[:-1]))[[1, 5, 8]]:
        dist = float(c.range_at_bearing_m(0, np.array([mid]))[0])
        lat_in, lon_in = geodesic_direct(lat0, lon0, mid, 0.99 * dist, EARTH)
        assert c.within(0, lat_in, lon_in, EARTH)[0]
        assert aim(am.vehicle, lat0, lon0, float(lat_in), float(lon_in), EARTH, sample_dt_s=None).miss_m < 10.0
        lat_out, lon_out = geodesic_direct(lat0, lon0, mid, 1.01 * dist, EARTH)
        assert not c.within(0, lat_out, lon_out, EARTH)[0]
        with pytest.raises(OutOfRangeError):
            aim(am.vehicle, lat0, lon0, float(lat_out), float(lon_out), EARTH, sample_dt_s=None)


def test_contour_matches_the_single_bearing_maximum_range(sejjil_contour):
    am, c = sejjil_contour
    for z in (1, 5, 9):
        single = maximum_range_m(am.vehicle, c.launch_lat_rad[0], c.launch_lon_rad[0], c.azimuth_rad[z], EARTH)
        assert c.range_m[0, z] == pytest.approx(single, rel=2e-3)


def test_rotating_earth_reaches_farther_east_than_west(sejjil_contour):
    _, c = sejjil_contour
    east = c.range_at_bearing_m(0, np.array([math.pi / 2]))[0]
    west = c.range_at_bearing_m(0, np.array([3 * math.pi / 2]))[0]
    assert east > 1.03 * west  # the launch site's eastward speed (~375 m/s at 36 deg N) adds to burnout speed


def test_still_sphere_gives_a_circle():
    """On the ideal Earth (still sphere, vacuum, point mass) the reach is the same on every bearing."""
    earth = ideal()
    am = assumed_missile(CAT.missile("shahab-3"), MissileAssumption(missile="shahab-3"), earth)
    c = reach_contours(am.vehicle, np.radians([10.0, 50.0]), np.radians([20.0, -40.0]), earth, n_azimuth=8)
    spread = (c.max_range_m - c.min_range_m) / c.max_range_m
    assert np.all(spread < 2e-3)
    assert c.max_range_m[0] == pytest.approx(c.max_range_m[1], rel=2e-3)


def test_stated_range_is_flown_on_the_reference_bearing():
    for km in (1500.0, 2500.0):
        am = assumed_missile(CAT.missile("sejjil-2"), _assumption("sejjil-2", max_range_m=km * 1e3), EARTH)
        assert reference_range_m(am.vehicle, EARTH) == pytest.approx(km * 1e3, rel=1.5e-3)
        assert (am.performance_factor > 1.0) == (km > 2000.0)


def test_heavier_payload_flies_shorter():
    ranges = [assumed_missile(CAT.missile("sejjil-2"), _assumption("sejjil-2", payload_mass_kg=kg), EARTH)
              .reference_range_m for kg in (500.0, 750.0, 1000.0, 1250.0)]
    assert all(a > b for a, b in zip(ranges, ranges[1:]))


def test_longer_range_never_covers_fewer_targets_or_countries():
    areas = ("shahrud", "tabriz")
    reached, countries = [], []
    from openbmd.threat import countries_covered

    for km in (1300.0, 1800.0, 2400.0, 3000.0):
        r = reach_of(CAT, "sejjil-2", _assumption("sejjil-2", max_range_m=km * 1e3), areas, EARTH, n_azimuth=18)
        reached.append({p for k in range(len(areas)) for p in r.reached(k)})
        countries.append({c for k in range(len(areas)) for c in countries_covered(r.contours, k, EARTH)})
    for a, b in zip(reached, reached[1:]):
        assert a <= b
    for a, b in zip(countries, countries[1:]):
        assert a <= b
    assert len(reached[-1]) > len(reached[0])


def test_assumption_set_figure_needs_a_range_when_estimated():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="low and high"):
        MissileAssumption.model_validate({"missile": "sejjil-2", "max_range_m": _figure(2e6, "estimate")})
    with pytest.raises(ValidationError, match="outside its range"):
        MissileAssumption.model_validate({"missile": "sejjil-2", "max_range_m": {
            "value": 3e6, "basis": "estimate", "low": 1e6, "high": 2e6, "source": {"title": "t"}}})
    with pytest.raises(ValidationError, match="listed twice"):
        AssumptionSet.model_validate({"name": "x", "display_name": "X", "party": "x", "confidence": "estimate",
                                      "source": {"title": "t"},
                                      "missiles": [{"missile": "shahab-3"}, {"missile": "shahab-3"}]})


def test_a_polygon_area_reaches_at_least_what_each_of_its_points_reaches():
    from openbmd.threat import polygon_area

    poly = polygon_area("north-west-iran", [(38.5, 45.0), (38.5, 48.0), (35.5, 48.0), (35.5, 45.0)])
    assert poly.country == "IRN" and len(poly) == 9
    one = MissileAssumption(missile="shahab-3")
    area_reach = reach_of(CAT, "shahab-3", one, (poly,), EARTH, n_azimuth=12)
    corners = reach_of(CAT, "shahab-3", one, ("38.5,45.0", "35.5,48.0"), EARTH, n_azimuth=12)
    union = set(area_reach.reached(0))
    for k in range(2):
        assert set(corners.reached(k)) <= union
    lat, lon = area_reach.outline_deg(0)
    assert len(lat) > 12 and len(lat) == len(lon)
    # every target is flown at from the nearest launch point that reaches it
    rows = area_reach.via[0][area_reach.inside[0]]
    assert np.all(area_reach.point_area[rows] == 0)


@pytest.fixture(scope="module")
def hwasong_contour():
    """Hwasong-14 from Tabriz on 8 launch azimuths: near-orbital eastward (farthest shot 19,151 km due east)."""
    am = assumed_missile(CAT.missile("hwasong-14"), MissileAssumption(missile="hwasong-14"), EARTH)
    tabriz = CAT.place("tabriz")
    return am, reach_contours(am.vehicle, np.radians([tabriz.lat_deg]), np.radians([tabriz.lon_deg]), EARTH,
                              n_azimuth=8)


def test_near_the_antipode_the_contour_is_the_aimed_maximum_range_not_the_farthest_shot(hwasong_contour):
    """Due east, where Hwasong-14's farthest full-burn shot passes 85 % of the way to the antipode, the contour's
    range is the aimed maximum range (where the interval of the bearing every point of is reached ends), within
    1 %, and short of the farthest shot; the contour point lies on the bearing at that distance."""
    from openbmd.earth import geodesic_inverse
    from openbmd.flight.aim import _reach_and_farthest
    from openbmd.flight.propagate import Tolerances

    am, c = hwasong_contour
    lat0, lon0 = c.launch_lat_rad[0], c.launch_lon_rad[0]
    east = int(np.argmin(np.abs(c.azimuth_rad - math.pi / 2)))
    reach, far = (float(x[0]) for x in _reach_and_farthest(am.vehicle, lat0, lon0, np.array([math.pi / 2]), EARTH,
                                                             Tolerances()))
    assert far > 0.85 * 20_000e3 and reach < 0.99 * far  # the farthest impact would overstate the reach
    assert c.range_at_bearing_m(0, np.array([math.pi / 2]))[0] == pytest.approx(reach, rel=1e-2)
    dist, bearing, _ = geodesic_inverse(lat0, lon0, c.impact_lat_rad[0, east], c.impact_lon_rad[0, east], EARTH)
    assert float(bearing) == pytest.approx(math.pi / 2, abs=1e-6)
    assert float(dist) == pytest.approx(c.range_m[0, east], rel=1e-9)
    assert c.max_range_m[0] < 0.99 * far


def test_a_near_orbital_missile_is_marked_orbital_and_an_ordinary_one_is_not(hwasong_contour):
    _, c = hwasong_contour
    assert c.orbital.tolist() == [True]
    for name in ("shahab-3", "generic-icbm"):  # 1,300 and 12,800 km: far from orbital speed
        am = assumed_missile(CAT.missile(name), MissileAssumption(missile=name), EARTH)
        ordinary = reach_contours(am.vehicle, np.radians([SHAHRUD.lat_deg]), np.radians([SHAHRUD.lon_deg]), EARTH,
                                  n_azimuth=8)
        assert ordinary.orbital.tolist() == [False]
