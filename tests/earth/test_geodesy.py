import numpy as np
import pytest

from openbmd.earth import geodesic_direct, geodesic_inverse, ideal, wgs84


def test_ideal_earth_geodesic_is_the_great_circle():
    e = ideal()
    lat1, lon1, lat2, lon2 = np.radians([38.08, 46.29, 52.23, 21.01])
    d, az, _ = geodesic_inverse(lat1, lon1, lat2, lon2, e)
    cos_psi = np.sin(lat1) * np.sin(lat2) + np.cos(lat1) * np.cos(lat2) * np.cos(lon2 - lon1)
    assert d == pytest.approx(6371e3 * np.arccos(cos_psi), rel=1e-9)
    lat3, lon3 = geodesic_direct(lat1, lon1, az, d, e)
    assert lat3 == pytest.approx(lat2, abs=1e-9) and lon3 == pytest.approx(lon2, abs=1e-9)


def test_wgs84_quarter_meridian():
    d, az, _ = geodesic_inverse(0.0, 0.0, np.pi / 2, 0.0, wgs84())
    assert d == pytest.approx(10001965.729, abs=1e-2)  # the WGS-84 quarter meridian
    assert az == pytest.approx(0.0, abs=1e-12)
