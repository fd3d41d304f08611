import numpy as np
import pytest

from openbmd.earth import (
    aer_to_ecef, ecef_to_aer, ecef_to_eci, ecef_to_enu, ecef_to_geodetic, eci_to_ecef, enu_to_ecef,
    geodetic_lat_alt, geodetic_to_ecef, ideal, wgs84,
)

RNG = np.random.default_rng(7)


@pytest.mark.parametrize("earth", [wgs84(), ideal()], ids=["wgs84", "ideal"])
def test_geodetic_ecef_round_trip_to_the_millimetre(earth):
    lat = RNG.uniform(-np.pi / 2, np.pi / 2, 2000)
    lon = RNG.uniform(-np.pi, np.pi, 2000)
    alt = RNG.uniform(-5e3, 3e6, 2000)
    lat2, lon2, alt2 = ecef_to_geodetic(geodetic_to_ecef(lat, lon, alt, earth), earth)
    back = geodetic_to_ecef(lat2, lon2, alt2, earth)
    assert np.max(np.linalg.norm(back - geodetic_to_ecef(lat, lon, alt, earth), axis=1)) < 1e-3
    assert np.max(np.abs(alt2 - alt)) < 1e-3
    assert np.max(np.abs(lat2 - lat)) < 1e-13


def test_wgs84_reference_points():
    e = wgs84()
    np.testing.assert_allclose(geodetic_to_ecef(0.0, 0.0, 0.0, e), [6378137.0, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(geodetic_to_ecef(np.pi / 2, 0.0, 0.0, e), [0.0, 0.0, 6356752.314245], atol=1e-5)


def test_kernel_geodetic_altitude_matches_pymap3d():
    e = wgs84()
    lat = RNG.uniform(-np.pi / 2, np.pi / 2, 500)
    lon = RNG.uniform(-np.pi, np.pi, 500)
    alt = RNG.uniform(-1e3, 5e6, 500)
    r = geodetic_to_ecef(lat, lon, alt, e)
    for k in range(500):
        la, h = geodetic_lat_alt(r[k, 0], r[k, 1], r[k, 2], e.a_m, e.e2)
        assert abs(h - alt[k]) < 1e-3
        assert abs(la - lat[k]) < 1e-9


def test_eci_round_trip_with_velocity():
    e = wgs84()
    r = geodetic_to_ecef(RNG.uniform(-1, 1, 100), RNG.uniform(-3, 3, 100), RNG.uniform(0, 1e6, 100), e)
    v = RNG.normal(0, 3000, (100, 3))
    t = RNG.uniform(0, 3600, 100)
    r_eci, v_eci = ecef_to_eci(r, t, e, v)
    r2, v2 = eci_to_ecef(r_eci, t, e, v_eci)
    np.testing.assert_allclose(r2, r, atol=1e-6)
    np.testing.assert_allclose(v2, v, atol=1e-9)


def test_a_point_fixed_on_earth_moves_eastward_in_eci():
    e = wgs84()
    r = geodetic_to_ecef(0.0, 0.0, 0.0, e)
    _, v_eci = ecef_to_eci(r, 0.0, e, np.zeros(3))
    assert v_eci[1] == pytest.approx(e.omega_rad_s * e.a_m)  # ~465 m/s eastward at the equator
    r_later = ecef_to_eci(r, 3600.0, e)
    assert np.degrees(np.arctan2(r_later[1], r_later[0])) == pytest.approx(np.degrees(e.omega_rad_s * 3600.0))


def test_enu_and_aer_round_trips():
    e = wgs84()
    lat0, lon0, h0 = np.radians(52.2), np.radians(21.0), 100.0
    target = geodetic_to_ecef(np.radians(53.0), np.radians(22.0), 2e5, e)
    enu = ecef_to_enu(target, lat0, lon0, h0, e)
    np.testing.assert_allclose(enu_to_ecef(enu, lat0, lon0, h0, e), target, atol=1e-6)
    az, el, rng = ecef_to_aer(target, lat0, lon0, h0, e)
    assert 0 < az < np.pi / 2 and el > 0
    np.testing.assert_allclose(aer_to_ecef(az, el, rng, lat0, lon0, h0, e), target, atol=1e-6)


def test_eci_ecef_kernels_are_the_array_expressions():
    """The one-pass rotation and omega-cross kernels give the bits of the plain numpy expressions, on strided
    views and broadcast angles alike."""
    earth = wgs84()
    rng = np.random.default_rng(7)
    s = rng.normal(size=(20, 40, 7)) * 7e6
    r, v, t = s[:, :30, 1:4], s[:, :30, 4:7], np.abs(s[:, :30, 0]) * 1e-3
    w = earth.omega_rad_s

    def rot(vec, angle):
        c, sn = np.cos(angle), np.sin(angle)
        return np.stack(np.broadcast_arrays(c * vec[..., 0] - sn * vec[..., 1], sn * vec[..., 0] + c * vec[..., 1],
                                            vec[..., 2]), axis=-1)

    def cross(vec):
        return np.stack(np.broadcast_arrays(-w * vec[..., 1], w * vec[..., 0], 0.0 * vec[..., 2]), axis=-1)

    r_ecef, v_ecef = eci_to_ecef(r, t, earth, v)
    np.testing.assert_array_equal(r_ecef, rot(r, -w * t))
    np.testing.assert_array_equal(v_ecef, rot(v, -w * t) - cross(r_ecef))
    r_eci, v_eci = ecef_to_eci(r, 12.5, earth, v)
    np.testing.assert_array_equal(r_eci, rot(r, w * 12.5))
    np.testing.assert_array_equal(v_eci, rot(v + cross(r), w * 12.5))
    np.testing.assert_array_equal(ecef_to_eci(r[0, 0], t[:, :1], earth), rot(r[0, 0], w * t[:, :1]))
