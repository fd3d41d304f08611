import numpy as np
import pytest

from openbmd.earth import density_kg_m3, gravity_j2, speed_of_sound_mps, wgs84


def _potential(r, mu, j2, re):
    rn = np.linalg.norm(r)
    s = r[2] / rn
    return -mu / rn * (1.0 - j2 * (re / rn) ** 2 * 0.5 * (3 * s * s - 1.0))


def test_j2_gravity_is_the_gradient_of_the_j2_potential():
    e = wgs84()
    rng = np.random.default_rng(3)
    for _ in range(20):
        r = rng.normal(size=3)
        r *= rng.uniform(6.4e6, 1.2e7) / np.linalg.norm(r)
        h = 1.0
        grad = np.array([(_potential(r + h * d, e.mu_m3_s2, e.j2, e.a_m) - _potential(r - h * d, e.mu_m3_s2, e.j2, e.a_m)) / (2 * h)
                         for d in np.eye(3)])
        np.testing.assert_allclose(gravity_j2(*r, e.mu_m3_s2, e.j2, e.a_m), -grad, rtol=1e-6)


def test_gravity_at_the_equator():
    e = wgs84()
    g = np.linalg.norm(gravity_j2(e.a_m, 0.0, 0.0, e.mu_m3_s2, e.j2, e.a_m))
    # GM/a^2 (1 + 3/2 J2): 9.8142 m/s^2 before the centrifugal term.
    assert g == pytest.approx(e.mu_m3_s2 / e.a_m**2 * (1 + 1.5 * e.j2), rel=1e-12)
    assert g == pytest.approx(9.8142, abs=1e-4)


@pytest.mark.parametrize("h_km, rho", [(0, 1.2250), (10, 0.41351), (20, 0.088910), (30, 0.018410),
                                       (40, 3.9957e-3), (50, 1.0269e-3), (60, 3.0968e-4), (70, 8.2829e-5),
                                       (80, 1.8458e-5), (86, 6.958e-6), (100, 5.604e-7), (300, 1.916e-11),
                                       (800, 1.136e-14)])
def test_us_standard_atmosphere_1976_table_values(h_km, rho):
    # NASA-TM-X-74335 (1976), Table I (geometric altitude).
    assert density_kg_m3(h_km * 1e3) == pytest.approx(rho, rel=2e-3)


def test_density_falls_monotonically_and_is_continuous_at_86_km():
    h = np.linspace(0, 999e3, 20000)
    rho = np.array([density_kg_m3(x) for x in h])
    assert np.all(np.diff(rho) < 0)
    assert density_kg_m3(86e3 - 1e-3) == pytest.approx(density_kg_m3(86e3 + 1e-3), rel=2e-3)


@pytest.mark.parametrize("h_km, a", [(0, 340.294), (5, 320.545), (11, 295.070), (15, 295.070), (25, 298.389),
                                     (47, 329.799), (80, 282.543)])
def test_speed_of_sound_follows_the_us_standard_atmosphere_1976(h_km, a):
    # NASA-TM-X-74335 (1976), Table I (geometric altitude), speed of sound in m/s.
    assert speed_of_sound_mps(h_km * 1e3) == pytest.approx(a, rel=2e-3)
