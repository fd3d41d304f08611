"""Closed-form free flight against the equations of Bate, Mueller & White (1971), ch. 6.

The cases are worked the way the book works its examples (canonical units
DU = 6378.145 km, DU/TU = 7.905368 km/s); each result is reached by two
independent routes: BMW's equal-radii equations and the general conic.
"""

import numpy as np
import pytest

from openbmd.errors import InputError
from openbmd.flight import flight_path_angles_for_range, free_flight, minimum_energy_burnout, range_angle_equal_radii

MU = 3.986004418e14
DU = 6378.145e3
DU_TU = 7905.368


def test_general_conic_agrees_with_the_equal_radii_range_equation():
    r = DU * 1.05
    for q in (0.3, 0.6, 0.9, 0.99):
        for gamma in np.radians([5, 20, 35, 50, 70]):
            v = np.sqrt(q * MU / r)
            ff = free_flight(r, v, gamma, r, MU)
            assert ff.range_angle_rad == pytest.approx(range_angle_equal_radii(q, gamma), rel=1e-10)


def test_bmw_style_case_h258nmi_v24300fps_range_90deg():
    # Burnout 258 nmi high at 24,300 ft/s; which flight-path angles give a 90 deg range angle?
    r = DU + 258 * 1852.0
    v = 24300 * 0.3048
    q = v * v * r / MU
    assert q == pytest.approx(0.9436, abs=2e-4)
    low, high = flight_path_angles_for_range(q, np.pi / 2)
    assert np.degrees(low) == pytest.approx(3.7, abs=0.1)
    assert np.degrees(high) == pytest.approx(41.3, abs=0.1)
    for g in (low, high):
        assert range_angle_equal_radii(q, g) == pytest.approx(np.pi / 2, rel=1e-12)


def test_minimum_energy_condition_is_the_range_maximum():
    psi = np.radians(90.0)
    v, gamma = minimum_energy_burnout(psi, DU, MU)
    assert np.degrees(gamma) == pytest.approx(22.5)
    q = v * v * DU / MU
    assert q == pytest.approx(2 * np.sin(psi / 2) / (1 + np.sin(psi / 2)))
    assert range_angle_equal_radii(q, gamma) == pytest.approx(psi, rel=1e-12)
    # Any other angle at that speed falls short.
    for g in np.radians([10, 20, 22, 23, 25, 40]):
        assert range_angle_equal_radii(q, g) < psi
    # Q = 1 (circular speed) reaches halfway round the Earth at minimum energy.
    assert minimum_energy_burnout(np.pi, DU, MU)[0] == pytest.approx(np.sqrt(MU / DU))


def test_time_of_flight_of_a_half_ellipse_is_half_the_period():
    # Burnout at perigee-equivalent symmetric points: from apogee-symmetric range 180 deg at Q = 1, gamma = 0
    # is a circular orbit; instead take gamma from the apogee point: start at apogee, fall to the same radius.
    r = DU
    v, gamma = minimum_energy_burnout(np.radians(120), r, MU)
    ff = free_flight(r, v, gamma, r, MU)
    a = 1.0 / (2.0 / r - v * v / MU)
    period = 2 * np.pi * np.sqrt(a**3 / MU)
    # Symmetric flight: time = period * (1 - (E_b - e sin E_b)/pi) / 1 with E_b the burnout eccentric anomaly.
    e = ff.eccentricity
    cos_nu = (ff.semi_latus_rectum_m / r - 1) / e
    big_e = np.arccos((e + cos_nu) / (1 + e * cos_nu))
    expected = period * (1 - (big_e - e * np.sin(big_e)) / np.pi)
    assert ff.time_of_flight_s == pytest.approx(expected, rel=1e-12)


def test_escape_speed_is_refused():
    with pytest.raises(InputError, match="escape"):
        free_flight(DU, 12000.0, 0.5, DU, MU)
