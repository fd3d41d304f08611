import functools

import numpy as np
import pytest

from openbmd.catalog import load_catalog
from openbmd.earth import geodesic_inverse, wgs84
from openbmd.errors import InputError, OutOfRangeError
from openbmd.flight import Loft, aim_missile, maximum_range_m
from openbmd.flight.vehicle import vehicle_from_missile

CAT = load_catalog()
E = wgs84()


def _rad(name):
    lat, lon, _ = CAT.point(name)
    return np.radians(lat), np.radians(lon)


@pytest.mark.parametrize("missile, target, loft", [
    ("generic-irbm", "warsaw", Loft.min_energy()),
    ("sejjil-2", "bucharest", Loft.min_energy()),
    ("sejjil-2", "bucharest", Loft.apogee(450e3)),
    ("sejjil-2", "bucharest", Loft.flight_time(690.0)),
    ("generic-icbm", "washington", Loft.min_energy()),
], ids=["irbm-warsaw", "sejjil-min-energy", "sejjil-lofted", "sejjil-depressed", "icbm-washington"])
def test_aimed_shots_hit_their_targets_on_the_rotating_earth(missile, target, loft):
    origin = "tabriz" if missile != "generic-icbm" else "kozelsk"
    shot = aim_missile(CAT.missile(missile), *_rad(origin), *_rad(target), E, loft)
    lat, lon, _ = shot.trajectory.event_geodetic("impact")
    miss, _, _ = geodesic_inverse(lat[0], lon[0], *_rad(target), E)
    assert miss < 1000.0  # the issue asks for 1 km; the solver closes to metres
    assert shot.miss_m == pytest.approx(miss, abs=1.0)
    if loft.rule == "apogee":
        assert shot.trajectory.apogee_altitude_m[0] == pytest.approx(450e3, abs=1e3)
    if loft.rule == "time":
        assert shot.trajectory.flight_time_s[0] == pytest.approx(690.0, abs=1.0)


@pytest.mark.parametrize("target, apogee_km", [((52.23, 21.01), 900.0), ((52.23, 21.01), 400.0),
                                              ((55.75, 37.6), 1000.0), ((41.0, 29.0), 600.0)])
def test_lofted_irbm_shots_close_although_the_flight_has_step_noise(target, apogee_km):
    """The adaptive steps leave metres of noise in the impact as the shot varies; the lofted solver keeps the
    best shot it has seen rather than the last (to 52.23 N 21.01 E at 900 km it circled the target at ~30 m)."""
    shot = aim_missile(CAT.missile("generic-irbm"), *_rad("tabriz"), *np.radians(target), E,
                       Loft.apogee(apogee_km * 1e3))
    assert shot.miss_m <= 10.0
    assert shot.trajectory.apogee_altitude_m[0] == pytest.approx(apogee_km * 1e3, abs=1e3)


def test_minimum_energy_needs_the_least_burnout_energy():
    m = CAT.missile("sejjil-2")
    ends = (*_rad("tabriz"), *_rad("bucharest"))

    def energy(shot):
        b = shot.trajectory
        return 0.5 * np.sum(b.event_v_eci[0, 0] ** 2) - E.mu_m3_s2 / np.linalg.norm(b.event_r_eci[0, 0])

    low = energy(aim_missile(m, *ends, E, Loft.min_energy()))
    assert low < energy(aim_missile(m, *ends, E, Loft.apogee(450e3)))
    assert low < energy(aim_missile(m, *ends, E, Loft.flight_time(690.0)))


def test_sejjil_2_cannot_reach_warsaw_from_tabriz():
    # 2,512 km against the published 2,000 km: the error says so.
    with pytest.raises(OutOfRangeError, match="2512 km away.*catalog figure 2000 km"):
        aim_missile(CAT.missile("sejjil-2"), *_rad("tabriz"), *_rad("warsaw"), E)


def test_out_of_range_target_states_the_maximum_range():
    with pytest.raises(OutOfRangeError, match=r"maximum range of \d+ km"):
        aim_missile(CAT.missile("shahab-3"), *_rad("tabriz"), *_rad("london"), E)


def test_unreachable_apogee_is_refused_clearly():
    with pytest.raises(InputError, match="apogee"):
        aim_missile(CAT.missile("sejjil-2"), *_rad("tabriz"), *_rad("bucharest"), E, Loft.apogee(5000e3))


@pytest.mark.parametrize("name", [m.name for m in CAT.entries("missiles")])
def test_every_missile_reaches_its_published_range(name):
    m = CAT.missile(name)
    reach = maximum_range_m(vehicle_from_missile(m), np.radians(35.0), np.radians(50.0), 0.0, E)
    assert reach == pytest.approx(m.max_range_m, rel=0.05)


@pytest.mark.parametrize("name, frac", [
    (m.name, f) for m in CAT.entries("missiles") for f in (0.5, 0.9, 0.995)])
def test_aiming_converges_out_to_99_5_percent_of_reach_in_eight_azimuths(name, frac):
    """Issue 14: every catalog missile, at 50, 90 and 99.5 % of its reach toward each of eight bearings from
    Tabriz, on the rotating Earth, lands within 10 m, measured here from the flown impact (SS-18 eastward is
    near orbital speed: its farthest shots land near the antipode)."""
    from openbmd.earth import geodesic_direct
    from openbmd.flight import aim

    v = vehicle_from_missile(CAT.missile(name))
    lat, lon = _rad("tabriz")
    bearings = np.radians(np.arange(0.0, 360.0, 45.0))
    for b, r in zip(bearings, _reach_from_tabriz(name, tuple(bearings))):
        tlat, tlon = (float(np.asarray(x)) for x in geodesic_direct(lat, lon, b, frac * r, E)[:2])
        shot = aim(v, lat, lon, tlat, tlon, E, sample_dt_s=None)
        ilat, ilon, _ = shot.trajectory.event_geodetic("impact")
        miss, _, _ = geodesic_inverse(ilat[0], ilon[0], tlat, tlon, E)
        assert miss < 10.0, (np.degrees(b), frac, float(miss))
        assert shot.miss_m == pytest.approx(float(miss), abs=0.01)


@functools.lru_cache(maxsize=None)
def _reach_from_tabriz(name: str, bearings: tuple) -> np.ndarray:
    """Reach (m) of a catalog missile from Tabriz toward bearings (rad), batched; shared by the fractions."""
    from openbmd.flight import maximum_ranges_m

    return maximum_ranges_m(vehicle_from_missile(CAT.missile(name)), *_rad("tabriz"), np.array(bearings), E)


def test_reach_toward_a_bearing_is_where_shots_still_land_on_it_near_orbital_speed():
    """SS-18 launched north-east from Tabriz nears orbital speed: its farthest shots land near the antipode, on
    any bearing, so the reach is where full-burn impacts still cross the bearing (~15,100 km, against ~19,300 km
    when the farthest impact anywhere near it was taken). Beyond it no shot hits; within it they do, and the
    point opposite a target (east and north both zero there too) is not taken for a hit."""
    from openbmd.earth import geodesic_direct
    from openbmd.flight import aim, maximum_ranges_m

    v = vehicle_from_missile(CAT.missile("ss-18"))
    lat, lon = _rad("tabriz")
    b = np.radians(45.0)
    reach = float(maximum_ranges_m(v, lat, lon, np.array([b]), E)[0])
    assert 14_000e3 < reach < 16_500e3
    for frac, hits in ((0.9, True), (1.03, False)):
        tlat, tlon = (float(np.asarray(x)) for x in geodesic_direct(lat, lon, b, frac * reach, E)[:2])
        if hits:
            shot = aim(v, lat, lon, tlat, tlon, E, sample_dt_s=None)
            ilat, ilon, _ = shot.trajectory.event_geodetic("impact")
            assert geodesic_inverse(ilat[0], ilon[0], tlat, tlon, E)[0] < 10.0
        else:
            with pytest.raises(OutOfRangeError):
                aim(v, lat, lon, tlat, tlon, E, sample_dt_s=None)


def _near_orbital_hwasong_14():
    """Hwasong-14 as catalogued when calibrated to Wright's 10,400 km (before issue 14 calibrated it to its own
    28 July 2017 test, which takes it past the antipode eastward): near orbital speed due east of Tabriz, the case
    the antipode tests below were measured on."""
    m = CAT.missile("hwasong-14")
    old = [(21371.0, 1829.0), (3280.0, 520.0)]
    stages = [s.model_copy(update={"propellant_mass_kg": p, "dry_mass_kg": d}) for s, (p, d) in zip(m.stages, old)]
    return vehicle_from_missile(m.model_copy(update={"stages": stages}))


def test_maximum_range_near_the_antipode_is_where_every_point_of_the_bearing_stops_being_reachable():
    """Hwasong-14 due east of Tabriz: full-burn shots land on the bearing as far as 19,151 km, but the points
    between ~18,780 and ~19,100 km are hit only by trajectories over the far side of the Earth, so the maximum
    range is where the reachable interval ends (18,726 km on the survey's kick grid: a lower bound within 0.3 %).
    For an ordinary ICBM (generic-icbm, 12,755 km eastward) the two figures coincide: nothing changes there."""
    from openbmd.flight.aim import _reach_and_farthest
    from openbmd.flight.propagate import Tolerances

    east = np.array([np.pi / 2])
    reach, far = (float(x[0]) for x in _reach_and_farthest(_near_orbital_hwasong_14(),
                                                             *_rad("tabriz"), east, E, Tolerances()))
    assert far == pytest.approx(19_151e3, rel=2e-3)
    assert 18_650e3 < reach < 18_800e3
    reach, far = (float(x[0]) for x in _reach_and_farthest(vehicle_from_missile(CAT.missile("generic-icbm")),
                                                             *_rad("tabriz"), east, E, Tolerances()))
    assert reach == far
    assert reach == pytest.approx(12_755e3, rel=2e-3)


def test_a_target_past_the_interval_that_no_shot_hits_says_where_the_maximum_range_ends():
    """Hwasong-14, 18,900 km due east of Tabriz: inside its farthest shot (19,151 km) but past its maximum range
    (18,726 km), in the band no near-side shot is shown to hit; the error gives the range and says why."""
    from openbmd.earth import geodesic_direct
    from openbmd.flight import aim

    lat, lon = _rad("tabriz")
    tlat, tlon = (float(np.asarray(x)) for x in geodesic_direct(lat, lon, np.pi / 2, 18_900e3, E)[:2])
    with pytest.raises(OutOfRangeError, match=r"18900 km away, beyond this missile's maximum range of 187\d\d km on "
                                              r"this bearing, past which only some points are reachable"):
        aim(_near_orbital_hwasong_14(), lat, lon, tlat, tlon, E, sample_dt_s=None)
