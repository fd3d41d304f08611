import numpy as np
import pytest

from openbmd.earth import density_kg_m3, eci_to_ecef, geodetic_lat_alt, gravity_j2, ideal, wgs84
from openbmd.flight import burnout_states, fly_ballistic, free_flight, minimum_energy_burnout

RANGES_KM = [300, 1000, 2000, 3000, 5000, 8000, 10000, 13000]


def test_numeric_agrees_with_kepler_on_the_ideal_earth_from_300_to_13000_km():
    e = ideal()
    psi = np.array(RANGES_KM) * 1e3 / e.a_m
    h_bo = 150e3
    v, gamma = minimum_energy_burnout(psi, e.a_m + h_bo, e.mu_m3_s2)
    states = burnout_states(np.radians(10.0), np.radians(20.0), h_bo, v, gamma, np.radians(60.0), e)
    batch = fly_ballistic(states, e)
    ff = free_flight(e.a_m + h_bo, v, gamma, e.a_m, e.mu_m3_s2)
    assert np.all(batch.status == 0)
    np.testing.assert_allclose(batch.ground_range_m("burnout"), ff.range_angle_rad * e.a_m, rtol=1e-3)
    np.testing.assert_allclose(batch.apogee_altitude_m, ff.apogee_radius_m - e.a_m, rtol=1e-3)
    np.testing.assert_allclose(batch.flight_time_s, ff.time_of_flight_s, rtol=1e-3)
    # In fact the agreement is far tighter than the 0.1 % asked for.
    np.testing.assert_allclose(batch.ground_range_m("burnout"), ff.range_angle_rad * e.a_m, rtol=1e-7)


def test_the_issue_example_burnout_state():
    e = ideal()
    states = burnout_states(0.0, 0.0, 1275.6e3, 5270.2, np.radians(51.3), np.radians(90.0), e)
    batch = fly_ballistic(states, e)
    ff = free_flight(e.a_m + 1275.6e3, 5270.2, np.radians(51.3), e.a_m, e.mu_m3_s2)
    assert batch.ground_range_m("burnout")[0] == pytest.approx(ff.range_angle_rad * e.a_m, rel=1e-7)
    assert batch.flight_time_s[0] == pytest.approx(ff.time_of_flight_s, rel=1e-7)


def test_energy_and_angular_momentum_are_conserved_on_the_ideal_earth():
    e = ideal()
    states = burnout_states(np.radians([5.0, -30.0]), np.radians([0.0, 100.0]), [200e3, 50e3], [6500.0, 7200.0],
                            np.radians([30.0, 20.0]), np.radians([45.0, 200.0]), e)
    batch = fly_ballistic(states, e, sample_dt_s=5.0)
    for i in range(2):
        rows = batch.samples[i, : batch.n_samples[i]]
        r, v = rows[:, 1:4], rows[:, 4:7]
        energy = 0.5 * np.sum(v * v, axis=1) - e.mu_m3_s2 / np.linalg.norm(r, axis=1)
        h = np.cross(r, v)
        assert np.ptp(energy) / abs(energy[0]) < 1e-7
        assert np.max(np.linalg.norm(h - h[0], axis=1)) / np.linalg.norm(h[0]) < 1e-7


def test_eastward_goes_farther_than_westward_on_the_rotating_earth():
    e = wgs84().without_atmosphere()
    states = burnout_states(np.radians(30.0), np.radians(50.0), 200e3, 6000.0, np.radians(30.0),
                            np.radians([90.0, 270.0]), e)
    east, west = fly_ballistic(states, e).ground_range_m("burnout")
    assert east > west + 300e3


def test_events_come_in_order_and_samples_end_on_the_ground():
    e = wgs84()
    states = burnout_states(np.radians(40.0), np.radians(50.0), 150e3, 5000.0, np.radians(40.0), 0.3, e)
    batch = fly_ballistic(states, e, beta_kg_m2=5000.0, sample_dt_s=10.0)
    t = batch.event_t_s[0]
    assert t[0] < t[1] < t[2] < t[3]
    _, _, _, alt = batch.samples_geodetic(0)
    assert alt[-1] == pytest.approx(0.0, abs=1e-3)
    assert np.max(alt) == pytest.approx(batch.apogee_altitude_m[0], rel=1e-3)
    _, _, reentry_alt = batch.event_geodetic("reentry")
    assert reentry_alt[0] == pytest.approx(100e3, abs=1e-2)


def test_drag_shortens_the_flight_and_more_so_for_light_bodies():
    e = wgs84()
    states = burnout_states(np.radians(40.0), np.radians(50.0), 150e3, 3000.0, np.radians(45.0), 0.3, e)
    ranges = [fly_ballistic(states, e, beta_kg_m2=b).ground_range_m("burnout")[0] for b in (None, 20000.0, 1000.0)]
    assert ranges[0] > ranges[1] > ranges[2]


def test_a_ballistic_coefficient_per_state_flies_each_as_its_own_batch_would():
    """One β per row: each row lands as the batch of its β alone (same bits); a NaN β leaves its row unflown."""
    from openbmd.flight import StateBatch

    e = wgs84()
    states = burnout_states(np.radians(40.0), np.radians(50.0), 80e3, np.array([3000.0, 3000.0, 3000.0, 3500.0]),
                            np.radians(45.0), 0.3, e)
    betas = np.array([1000.0, 20000.0, np.nan, 3000.0])
    batch = fly_ballistic(states, e, beta_kg_m2=betas)
    for i in (0, 1, 3):
        alone = fly_ballistic(StateBatch(states.t_s[i:i + 1], states.r_eci[i:i + 1], states.v_eci[i:i + 1]), e,
                              beta_kg_m2=betas[i])
        np.testing.assert_array_equal(alone.event_r_eci[0], batch.event_r_eci[i])
    assert batch.ground_range_m("burnout")[0] < batch.ground_range_m("burnout")[1]
    assert batch.status[2] == 3 and np.isnan(batch.event_t_s[2]).all()


def test_a_batch_gives_the_same_answer_as_single_flights():
    e = wgs84()
    rng = np.random.default_rng(5)
    n = 50
    states = burnout_states(rng.uniform(-1, 1, n), rng.uniform(-3, 3, n), rng.uniform(1e5, 3e5, n),
                            rng.uniform(3000, 7000, n), rng.uniform(0.2, 0.8, n), rng.uniform(0, 6, n), e)
    batch = fly_ballistic(states, e, beta_kg_m2=10000.0)
    from openbmd.flight import StateBatch

    import numba

    threads = numba.get_num_threads()
    # A single flight runs on one kernel thread (FLIGHTS_PER_THREAD), the batch on all: the same bits, and the
    # caller's thread count comes back.
    one = fly_ballistic(StateBatch(states.t_s[7:8], states.r_eci[7:8], states.v_eci[7:8]), e, beta_kg_m2=10000.0)
    np.testing.assert_array_equal(one.event_r_eci[0], batch.event_r_eci[7])
    assert numba.get_num_threads() == threads


def test_keeping_samples_changes_no_result():
    e = wgs84()
    states = burnout_states(np.radians(40.0), np.radians(50.0), 300e3, 5200.0, np.radians(45.0), 1.0, e)
    plain = fly_ballistic(states, e, beta_kg_m2=3000.0)
    sampled = fly_ballistic(states, e, beta_kg_m2=3000.0, sample_dt_s=5.0)
    np.testing.assert_array_equal(plain.event_t_s, sampled.event_t_s)
    np.testing.assert_array_equal(plain.event_r_eci, sampled.event_r_eci)


@pytest.mark.parametrize("beta", [2_000.0, 20_000.0])
def test_default_tolerances_land_within_half_a_metre_of_a_tight_integration(beta):
    # The looser velocity tolerance below 100 km (Tolerances.reentry_atol_mps), the step control (eighth order in
    # space, steps ended on the density knots, PI with the drag's growth anticipated in the air), checked where
    # they act: J2, rotating Earth and drag, 3-7.2 km/s, against the same flights at 1e-12 / 10 um / 1e-8 m/s.
    # Measured: at most 0.20 m (beta 2,000) and 0.016 m (20,000), median 15 mm and 1.6 mm (fifth order
    # throughout, with 2e-4 m/s below 100 km: 0.28 and 0.12 m). Half a metre keeps the bench's 1 m with room.
    from openbmd.flight import Tolerances

    e = wgs84()
    states = _random_burnouts(7, 40, (3000, 7200), (10, 45), e)
    tight = Tolerances(rtol=1e-12, atol_m=1e-5, atol_mps=1e-8, reentry_atol_mps=1e-8, max_step_s=10.0)
    hits = []
    for tol in (Tolerances(), tight):
        b = fly_ballistic(states, e, beta_kg_m2=beta, tol=tol)
        assert np.all(b.status == 0)
        hits.append(eci_to_ecef(b.event_r_eci[:, 3], b.event_t_s[:, 3], e))
    assert np.max(np.linalg.norm(hits[0] - hits[1], axis=1)) < 0.5


def _random_burnouts(seed, n, speed_mps, gamma_deg, e):
    """n burnout states anywhere between 60 S and 60 N, 150-300 km up, speed and flight-path angle drawn
    from the given (low, high) ranges, in any azimuth."""
    rng = np.random.default_rng(seed)
    return burnout_states(np.radians(rng.uniform(-60, 60, n)), np.radians(rng.uniform(0, 360, n)),
                          rng.uniform(150e3, 300e3, n), rng.uniform(*speed_mps, n), np.radians(rng.uniform(*gamma_deg, n)),
                          rng.uniform(0, 2 * np.pi, n), e)


def _solve_ivp_impact_ecef(r0, v0, beta, e):
    """Impact point (ECEF, m) by scipy's solve_ivp (DOP853): J2 gravity and drag on the Earth-relative
    velocity, in ECI, the kernel's forces written out again."""
    from scipy.integrate import solve_ivp

    def rhs(t, y):
        _, h = geodetic_lat_alt(y[0], y[1], y[2], e.a_m, e.e2)
        vr = np.array([y[3] + e.omega_rad_s * y[1], y[4] - e.omega_rad_s * y[0], y[5]])
        drag = -0.5 * density_kg_m3(h) * np.linalg.norm(vr) / beta * vr
        return np.concatenate([y[3:], np.array(gravity_j2(y[0], y[1], y[2], e.mu_m3_s2, e.j2, e.a_m)) + drag])

    def ground(t, y):
        return geodetic_lat_alt(y[0], y[1], y[2], e.a_m, e.e2)[1]

    ground.terminal, ground.direction = True, -1
    sol = solve_ivp(rhs, (0.0, 7200.0), np.concatenate([r0, v0]), method="DOP853", rtol=1e-11,
                    atol=np.array([1e-4] * 3 + [1e-7] * 3), events=ground)
    return eci_to_ecef(sol.y_events[0][0][:3], sol.t_events[0][0], e)


@pytest.mark.parametrize("beta", [2_000.0, 20_000.0])
def test_icbm_impacts_lie_within_a_metre_of_solve_ivp(beta):
    # The bench's check (bench/bench_flight.py) as a test, on other states: ICBM burnouts (J2, rotating Earth,
    # drag through re-entry) at the default tolerances against a tighter solve_ivp. Measured: at most 2.4 cm (beta
    # 2,000) and 3 mm (20,000).
    e = wgs84()
    n = 6
    states = _random_burnouts(14, n, (6500, 7200), (15, 35), e)
    batch = fly_ballistic(states, e, beta_kg_m2=beta)
    assert np.all(batch.status == 0)
    ours = eci_to_ecef(batch.event_r_eci[:, 3], batch.event_t_s[:, 3], e)
    ref = np.array([_solve_ivp_impact_ecef(states.r_eci[i], states.v_eci[i], beta, e) for i in range(n)])
    assert np.max(np.linalg.norm(ours - ref, axis=1)) < 1.0


@pytest.mark.parametrize("column", ["lat", "lon", "azimuth", "kick", "cutoff", "t_launch"])
def test_a_row_with_a_nan_input_is_not_flown_and_the_others_fly_as_alone(column):
    """A NaN in one row's launch inputs hung the kernel (latitude, longitude, azimuth, kick: its step control
    never ends on NaN) or flew garbage (a NaN cut-off burnt to the end; a NaN launch time timed out): the row
    is skipped with status 3 and NaN events, and the other rows, with samples, match a batch without it."""
    from openbmd.catalog import load_catalog
    from openbmd.flight import fly_launches
    from openbmd.flight.vehicle import vehicle_from_missile

    e = wgs84()
    v = vehicle_from_missile(load_catalog().missile("sejjil-2"))
    rows = {"lat": np.radians([38.0, 38.0, 35.0]), "lon": np.radians([46.3, 46.3, 50.0]),
            "azimuth": np.radians([300.0, 300.0, 10.0]), "kick": np.radians([5.0, 5.0, 8.0]),
            "cutoff": np.array([60.0, 60.0, 80.0]), "t_launch": np.array([0.0, 0.0, 100.0])}

    def fly(r):
        return fly_launches(v, r["lat"], r["lon"], r["azimuth"], r["kick"], e, cutoff_s=r["cutoff"],
                            t_launch_s=r["t_launch"], sample_dt_s=10.0)

    clean = fly({k: x[[0, 2]] for k, x in rows.items()})
    rows[column][1] = np.nan
    got = fly(rows)
    assert got.status.tolist() == [0, 3, 0]
    assert np.all(np.isnan(got.event_t_s[1])) and np.all(np.isnan(got.event_r_eci[1])) and got.n_samples[1] == 0
    np.testing.assert_array_equal(got.event_r_eci[[0, 2]], clean.event_r_eci)
    np.testing.assert_array_equal(got.n_samples[[0, 2]], clean.n_samples)
    assert np.isnan(got.ground_range_m()[1]) and np.isfinite(got.ground_range_m()[[0, 2]]).all()
