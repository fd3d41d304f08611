"""Minimum-energy aiming: against the closed-form Kepler minimum-energy trajectory, and against lofted shots."""

from __future__ import annotations

import numpy as np
import pytest

from openbmd.catalog import load_catalog
from openbmd.earth import geodesic_direct, ideal, wgs84
from openbmd.flight import Loft, Vehicle, aim, free_flight, minimum_energy_burnout
from openbmd.flight.vehicle import vehicle_from_missile

G0 = 9.80665


def _energy(shot) -> float:
    b = shot.trajectory
    return float(0.5 * np.sum(b.event_v_eci[0, 0] ** 2) - b.earth.mu_m3_s2 / np.linalg.norm(b.event_r_eci[0, 0]))


def _impulsive() -> Vehicle:
    """A near-impulsive vehicle: 8.3 km/s of ideal speed gain in 2 s (T/W ~ 180), so it burns out a few km up."""
    burn, isp, prop, dry, payload = 2.0, 400.0, 880.0, 20.0, 100.0
    mdot = prop / burn
    stages = np.array([[burn, mdot * isp * G0, mdot, dry, 0.0]])
    return Vehicle(stages, payload, 1e4, vertical_s=0.02, kick_s=0.05)


@pytest.mark.parametrize("range_km", [2000.0, 5000.0, 10000.0])
def test_minimum_energy_matches_the_closed_form_kepler_trajectory_on_the_ideal_earth(range_km):
    e = ideal()
    lat0, lon0, az = np.radians(10.0), np.radians(20.0), np.radians(60.0)
    lat1, lon1 = (float(np.asarray(x)) for x in geodesic_direct(lat0, lon0, az, range_km * 1e3, e)[:2])
    shot = aim(_impulsive(), lat0, lon0, lat1, lon1, e, Loft.min_energy())
    # Bate, Mueller & White eqs. 6.2-17/18 for burnout at the surface.
    psi = range_km * 1e3 / e.a_m
    v, gamma = minimum_energy_burnout(psi, e.a_m, e.mu_m3_s2)
    kepler = free_flight(e.a_m, v, gamma, e.a_m, e.mu_m3_s2)
    b = shot.trajectory
    assert shot.miss_m < 10.0
    assert b.apogee_altitude_m[0] == pytest.approx(kepler.apogee_radius_m - e.a_m, rel=0.01)
    assert b.flight_time_s[0] == pytest.approx(kepler.time_of_flight_s, rel=0.01)
    speed, fpa = b.speed_and_flight_path_angle("burnout")
    assert speed[0] == pytest.approx(v, rel=0.01)
    assert fpa[0] == pytest.approx(gamma, abs=np.radians(1.0))


@pytest.mark.parametrize("missile, range_km", [("generic-icbm", 9000.0), ("sejjil-2", 1500.0)])
def test_no_lofted_or_depressed_shot_needs_less_burnout_energy_than_the_minimum_energy_one(missile, range_km):
    e = wgs84()
    v = vehicle_from_missile(load_catalog().missile(missile))
    lat0, lon0 = np.radians(38.0), np.radians(46.0)
    lat1, lon1 = (float(np.asarray(x)) for x in geodesic_direct(lat0, lon0, np.radians(320.0), range_km * 1e3, e)[:2])
    low = aim(v, lat0, lon0, lat1, lon1, e, Loft.min_energy(), sample_dt_s=None)
    apogee = float(low.trajectory.apogee_altitude_m[0])
    e_low = _energy(low)
    # Apogee-constrained shots on both sides of the minimum-energy apogee (solved by their own Newton).
    for factor in (0.9, 0.97, 1.03, 1.1):
        other = aim(v, lat0, lon0, lat1, lon1, e, Loft.apogee(factor * apogee), sample_dt_s=None)
        assert _energy(other) > e_low - 1000.0, (factor, _energy(other) - e_low)  # within 1 kJ/kg of the least
    # And the energy rises away from the optimum: the minimum is a real one, not a grid point.
    far = aim(v, lat0, lon0, lat1, lon1, e, Loft.apogee(0.8 * apogee), sample_dt_s=None)
    assert _energy(far) > e_low + 500.0
