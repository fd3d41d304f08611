"""Radar and space IR visibility: horizon, sector, range and boost-phase laws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from openbmd.catalog import load_catalog
from openbmd.earth import aer_to_ecef, ecef_to_aer, ecef_to_geodetic, geodetic_to_ecef, wgs84
from openbmd.errors import InputError, UnknownNameError
from openbmd.sensors import SensorPost, first_detection, sensor_posts, visibility

EARTH = wgs84()


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _targets(post: SensorPost, n: int, seed: int = 1):
    """Random points around a radar: up to 3,000 km away and 1,500 km up, some below its horizon."""
    rng = np.random.default_rng(seed)
    lat = post.lat_rad + np.radians(rng.uniform(-25, 25, n))
    lon = post.lon_rad + np.radians(rng.uniform(-25, 25, n))
    alt = rng.uniform(0.0, 1.5e6, n)
    return geodetic_to_ecef(lat, lon, alt, EARTH)


def test_place_names_expand_to_their_sensors(catalog):
    posts = sensor_posts(catalog, ["kurecik", "armavir", "sbirs"])
    names = [p.name for p in posts]
    assert names[0] == "kurecik/an-tpy-2" and names[-1] == "sbirs"
    assert names[1:3] == ["armavir/voronezh@135", "armavir/voronezh@225"]  # two faces, two names
    assert len(set(names)) == len(names)
    assert math.isclose(math.degrees(posts[0].boresight_azimuth_rad), 100.0)
    assert not posts[-1].is_radar


@pytest.mark.parametrize("bad, message", [("an-tpy-2", "name the place"), ("warsaw", "has no sensors")])
def test_bad_sensor_names_are_refused(catalog, bad, message):
    with pytest.raises(InputError, match=message) as info:
        sensor_posts(catalog, [bad], "--sensor")
    assert info.value.argument == "--sensor"


def test_unknown_sensor_names_list_close_matches(catalog):
    with pytest.raises(UnknownNameError, match="kurecik"):
        sensor_posts(catalog, ["kurecick"])


@pytest.mark.parametrize("place", ["kurecik", "armavir", "gabala", "deveselu"])
def test_radar_never_sees_below_its_horizon_or_outside_its_fence(catalog, place):
    for post in sensor_posts(catalog, [place]):
        r = _targets(post, 4000)
        seen = visibility(np.zeros((len(r), 1)), r[:, None, :], np.zeros(len(r)), [post], EARTH, 0.01)[:, 0, 0]
        az, el, rng = ecef_to_aer(r, post.lat_rad, post.lon_rad, post.alt_m, EARTH)
        s = post.sensor
        assert seen.any() and (~seen).any()
        # Horizon law: nothing seen below the local horizontal of a radar standing on the ground.
        assert np.all(el[seen] >= math.radians(s.min_elevation_deg) - 1e-9)
        assert np.all(el[seen] <= math.radians(s.max_elevation_deg) + 1e-9)
        assert np.all(rng[seen] <= s.range_against_m(0.01) + 1e-6)
        if s.sector_half_width_deg < 180:
            off = (az - post.boresight_azimuth_rad + np.pi) % (2 * np.pi) - np.pi
            assert np.all(np.abs(off[seen]) <= math.radians(s.sector_half_width_deg) + 1e-9)
        # And everything inside all the limits is seen.
        inside = ((el >= math.radians(s.min_elevation_deg) + 1e-6) & (el <= math.radians(s.max_elevation_deg) - 1e-6)
                  & (rng <= s.range_against_m(0.01) * (1 - 1e-9)))
        if s.sector_half_width_deg < 180:
            inside &= np.abs(off) <= math.radians(s.sector_half_width_deg) - 1e-6
        assert np.all(seen[inside])


def test_target_behind_the_earth_is_hidden_even_with_a_low_fence(catalog):
    """A radar allowed to look 15 deg down still cannot see through the Earth."""
    post = sensor_posts(catalog, ["kurecik"])[0]
    low = post.sensor.model_copy(update={"min_elevation_deg": -15.0, "max_range_m": 2e7})
    post = SensorPost("test", low, post.lat_rad, post.lon_rad, 2000.0, post.boresight_azimuth_rad)
    from openbmd.earth import geodesic_direct

    lat, lon = geodesic_direct(post.lat_rad, post.lon_rad, post.boresight_azimuth_rad, 1.5e6, EARTH)
    ground, high = (geodetic_to_ecef(lat, lon, h, EARTH) for h in (0.0, 500e3))
    _, el, _ = ecef_to_aer(ground, post.lat_rad, post.lon_rad, post.alt_m, EARTH)
    assert math.radians(-15.0) < el < 0  # inside the fence, below the horizon
    seen = visibility(np.zeros((2, 1)), np.stack([ground, high])[:, None, :], np.zeros(2), [post], EARTH, 0.01)
    assert not seen[0, 0, 0] and seen[1, 0, 0]


def test_radar_range_grows_with_target_size(catalog):
    post = sensor_posts(catalog, ["kurecik"])[0]
    s = post.sensor
    assert math.isclose(s.range_against_m(0.16), s.range_against_m(0.01) * 2.0)
    for rcs in (0.001, 0.01, 1.0):
        r = _targets(post, 3000, seed=3)
        seen = visibility(np.zeros((len(r), 1)), r[:, None, :], np.zeros(len(r)), [post], EARTH, rcs)[:, 0, 0]
        _, _, rng = ecef_to_aer(r, post.lat_rad, post.lon_rad, post.alt_m, EARTH)
        assert np.all(rng[seen] <= s.range_against_m(rcs))


def test_space_ir_sees_only_a_burning_booster_above_the_clouds(catalog):
    post = sensor_posts(catalog, ["sbirs"])[0]
    alt = np.array([5e3, 15e3, 80e3, 150e3])
    r = geodetic_to_ecef(np.full(4, 0.6), np.full(4, 0.8), alt, EARTH)
    t = np.array([[10.0, 30.0, 100.0, 200.0]])
    first, who = first_detection(t, r[None], np.array([120.0]), [post], EARTH, 0.01)
    assert first[0] == 30.0 and who[0] == 0  # above 10 km cloud tops and still burning
    first, who = first_detection(t, r[None], np.array([20.0]), [post], EARTH, 0.01)
    assert np.isinf(first[0]) and who[0] == -1  # burnt out before it cleared the clouds


def test_first_detection_takes_the_earliest_post(catalog):
    posts = sensor_posts(catalog, ["sbirs", "kurecik"])
    t = np.array([[0.0, 40.0, 80.0, np.nan]])
    kur = posts[1]
    # Along the boresight, high up and 500 km away: the radar sees it; the booster burnt out at 10 s.
    points = [aer_to_ecef(kur.boresight_azimuth_rad, math.radians(el), 5e5, kur.lat_rad, kur.lon_rad, kur.alt_m,
                          EARTH) for el in (-30.0, -30.0, 20.0, 20.0)]
    first, who = first_detection(t, np.array(points)[None], np.array([10.0]), posts, EARTH, 0.01)
    assert first[0] == 80.0 and posts[who[0]].name == "kurecik/an-tpy-2"
