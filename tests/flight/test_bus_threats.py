"""fly_threats with a post-boost vehicle: warheads and decoys leave the bus along its path on the missile's own
sample grid, at the bus's position, with the plan's increments, and land in a footprint down range; missiles
without a bus fly exactly their plain aimed flight."""

from __future__ import annotations

import math
from dataclasses import fields, replace

import numpy as np
import pytest

from openbmd.catalog import load_catalog
from openbmd.catalog.models import PostBoost
from openbmd.earth import ecef_to_geodetic, geodesic_inverse, wgs84
from openbmd.flight import ObjectKind, ShotError, ThreatShot, aim_missile, fly_aimed, fly_launches, fly_threats
from openbmd.flight.pbv import plan_of, release_on_samples
from openbmd.flight.vehicle import vehicle_from_missile

E = wgs84()
CAT = load_catalog()
SS18 = CAT.missile("ss-18")
DT = 2.0
LAUNCH = tuple(map(math.radians, (51.05, 59.8)))  # Dombarovsky
TARGET = tuple(map(math.radians, (47.5, -100.0)))  # North Dakota


@pytest.fixture(scope="module")
def aimed():
    return aim_missile(SS18, *LAUNCH, *TARGET, E, sample_dt_s=None)


@pytest.fixture(scope="module")
def grid(aimed):
    """The SS-18's flight and what its bus (two decoys per warhead) releases on that flight's samples."""
    flights = fly_launches(vehicle_from_missile(SS18), *LAUNCH, aimed.azimuth_rad, aimed.kick_rad, E,
                           cutoff_s=aimed.cutoff_s, sample_dt_s=DT)
    plan = replace(plan_of(SS18), decoys_per_rv=2)
    return flights, plan, release_on_samples(flights, plan, E, rv_beta_kg_m2=SS18.rv_ballistic_coefficient_kg_m2,
                                             sample_dt_s=DT)


def _energy(r: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Inertial specific energy (J/kg) in the J2 field of ``E``: r, v (..., 3) ECI, m and m/s."""
    rn = np.linalg.norm(r, axis=-1)
    s = r[..., 2] / rn
    u = -E.mu_m3_s2 / rn * (1.0 - E.j2 * (E.a_m / rn) ** 2 * 0.5 * (3.0 * s * s - 1.0))
    return 0.5 * np.sum(v * v, axis=-1) + u


def test_each_object_leaves_at_the_bus_position_on_the_missile_grid(grid):
    flights, plan, rel = grid
    tr, m = rel.trajectories, np.arange(len(rel.flight))
    bus = flights.samples[0]
    j = rel.release_j
    np.testing.assert_array_less(np.linalg.norm(tr.samples[m, j, 1:4] - bus[j, 1:4], axis=-1), 1.0)  # m
    for i in m:  # the ride: every sample before the release is the bus's own, bit for bit
        np.testing.assert_array_equal(tr.samples[i, : j[i]], bus[: j[i]])
    # The grid goes on: the object's samples after its release fall on the bus's sample times.
    n_bus = flights.n_samples[0] - 1  # the bus's samples before its impact row
    both = np.minimum(tr.n_samples - 1, n_bus)
    for i in m:
        np.testing.assert_allclose(tr.samples[i, : both[i], 0], bus[: both[i], 0], rtol=0, atol=1e-9)
    # Releases fall on the samples nearest the plan, every interval after the first.
    wanted = flights.event_t_s[0, 0] + plan.release_times_after_burnout_s
    rv = rel.kind == ObjectKind.WARHEAD
    assert np.all(np.abs(rel.release_t_s[rv] - wanted[rel.rv_index[rv]]) <= DT / 2)
    assert rel.release_t_s[rel.kind == ObjectKind.BOOSTER][0] == rel.release_t_s[rv].max()


def test_the_splice_jumps_in_velocity_by_the_plans_increment_and_not_in_position(grid):
    flights, plan, rel = grid
    tr, m, j = rel.trajectories, np.arange(len(rel.flight)), rel.release_j
    bus = flights.samples[0]
    dv = tr.samples[m, j, 4:7] - bus[j, 4:7]
    np.testing.assert_allclose(dv, rel.release_dv_eci, atol=1e-9)
    rv = rel.kind == ObjectKind.WARHEAD
    along = bus[j[rv], 4:7] / np.linalg.norm(bus[j[rv], 4:7], axis=-1, keepdims=True)
    frac = rel.rv_index[rv] / (plan.rvs - 1) - 0.5
    np.testing.assert_allclose(np.sum(dv[rv] * along, axis=-1), plan.spread_mps * frac, atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(dv[rv], axis=-1), np.hypot(plan.spread_mps * frac, plan.cross_mps),
                               atol=1e-9)
    dec = rel.kind == ObjectKind.DECOY
    np.testing.assert_allclose(np.linalg.norm(dv[dec] - dv[rv][rel.rv_index[dec]], axis=-1), plan.decoy_push_mps,
                               atol=1e-9)
    # Energy: the increment adds v·dv + dv²/2 at the release and nothing else; then the object's own flight
    # keeps it (above the atmosphere) as a free flight does.
    r0, v0 = bus[j, 1:4], bus[j, 4:7]
    gain = _energy(tr.samples[m, j, 1:4], tr.samples[m, j, 4:7]) - _energy(r0, v0)
    np.testing.assert_allclose(gain, np.sum(v0 * dv, axis=-1) + 0.5 * np.sum(dv * dv, axis=-1), atol=1e-3)
    for i in m:
        after = tr.samples[i, j[i]: j[i] + 200]
        e = _energy(after[:, 1:4], after[:, 4:7])
        assert np.ptp(e) < 1e-7 * abs(e[0])
        # No jump in position: the steps across the release are the bus's steps to within |dv| dt (and the
        # integrator's own step sequence, under a centimetre).
        step = np.linalg.norm(np.diff(tr.samples[i, j[i] - 3: j[i] + 3, 1:4], axis=0), axis=-1)
        bus_step = np.linalg.norm(np.diff(bus[j[i] - 3: j[i] + 3, 1:4], axis=0), axis=-1)
        assert np.all(np.abs(step - bus_step) <= np.linalg.norm(dv[i]) * DT + 0.01)
        # It drifts off the bus at its increment: 60 s on, |dv| * 60 s within a tenth (the spent bus, with no
        # increment, stays on its path to the metre).
        k = j[i] + int(60 / DT)
        gap = np.linalg.norm(tr.samples[i, k, 1:4] - bus[k, 1:4])
        assert gap == pytest.approx(np.linalg.norm(dv[i]) * 60.0, rel=0.1, abs=1.0)


def test_the_warheads_land_apart_down_the_bus_path_and_light_decoys_come_down_late(grid, aimed):
    flights, plan, rel = grid
    th = rel.threats
    rv = np.flatnonzero(th.kind == ObjectKind.WARHEAD)
    lat, lon, _ = ecef_to_geodetic(th.impact_r_ecef[rv], E)
    n = len(rv)
    down, _, _ = geodesic_inverse(np.full(n, LAUNCH[0]), np.full(n, LAUNCH[1]), lat, lon, E)
    assert np.all(np.diff(down[np.argsort(rel.rv_index[rv])]) > 5e3)  # each release lands farther
    assert 100e3 < np.ptp(down) < 500e3  # a footprint of a few hundred km (SS-18: 60 m/s spread)
    miss, _, _ = geodesic_inverse(np.full(n, TARGET[0]), np.full(n, TARGET[1]), lat, lon, E)
    assert miss.min() < 0.5 * np.ptp(down)  # the pattern straddles the aim point
    apart = np.linalg.norm(th.impact_r_ecef[rv][:, None] - th.impact_r_ecef[rv][None], axis=-1)
    assert apart[~np.eye(n, dtype=bool)].min() > 5e3
    dec = th.kind == ObjectKind.DECOY
    assert np.all(th.impact_t_s[dec] > th.impact_t_s[rv][rel.rv_index[dec]] + 60.0)  # the air strips them
    assert np.all(th.burnout_t_s == flights.event_t_s[0, 0]) and np.all(th.launch_t_s == 0.0)
    assert len(th) == plan.rvs * (1 + plan.decoys_per_rv) + 1


def test_fly_threats_expands_a_bus_missile_into_warheads_decoys_and_its_spent_bus():
    shots = [ThreatShot(SS18, *LAUNCH, *TARGET, launch_t_s=20.0, count=2, decoys=1),
             ThreatShot(CAT.missile("generic-icbm"), *LAUNCH, *TARGET, decoys=1)]
    flown = fly_threats(shots, E, sample_dt_s=DT)
    one = [ObjectKind.WARHEAD, ObjectKind.DECOY] * 10 + [ObjectKind.BOOSTER]
    assert list(flown.kind) == one * 2 + [ObjectKind.WARHEAD, ObjectKind.DECOY]
    assert list(flown.shot) == [0] * 42 + [1, 1]
    # Each warhead and its decoy form a cluster; the spent bus flies alone; the plain missile and its decoy are one.
    assert list(flown.cluster) == [c for c in range(22) for _ in range(1 if c % 11 == 10 else 2)] + [22, 22]
    bus = flown.take(flown.kind == ObjectKind.BOOSTER)
    rv = flown.take(np.flatnonzero(flown.shot == 0)[:20])
    ok = np.isfinite(bus.t_s[0])
    # Every object rides the bus from launch: the same sample times, from the shot's launch time on.
    assert np.all(rv.t_s[:, 0] == 20.0) and np.all(rv.launch_t_s == 20.0)
    first = np.argmax(np.any(rv.r_ecef != bus.r_ecef[:1], axis=-1) & ok, axis=1)  # the sample each left at
    assert np.all(first > 0)
    for i in range(len(rv)):
        np.testing.assert_array_equal(rv.r_ecef[i, : first[i]], bus.r_ecef[0, : first[i]])
    np.testing.assert_array_equal(flown.r_ecef[:21], flown.r_ecef[21:42])  # two missiles of one shot: one path


def test_a_missile_without_a_bus_flies_its_plain_aimed_flight_bit_for_bit():
    plain = CAT.missile("generic-icbm")
    assert plain.post_boost is None
    aimed = aim_missile(plain, *LAUNCH, *TARGET, E, sample_dt_s=None)
    alone = fly_aimed(vehicle_from_missile(plain), *LAUNCH, aimed.azimuth_rad, aimed.kick_rad, aimed.cutoff_s, E,
                      sample_dt_s=DT, t_launch_s=5.0)
    mixed = fly_threats([ThreatShot(SS18, *LAUNCH, *TARGET), ThreatShot(plain, *LAUNCH, *TARGET, launch_t_s=5.0,
                                                                          decoys=2)], E, sample_dt_s=DT)
    mine = mixed.take(mixed.shot == 1)
    k = alone.t_s.shape[1]
    for f in fields(alone):
        if f.name in ("kind", "shot", "cluster"):
            continue
        got, want = getattr(mine, f.name), getattr(alone, f.name)
        if f.name in ("t_s", "r_ecef", "v_ecef"):
            assert np.isnan(got[:, k:]).all()  # padded to the bus objects' longer grid
            got = got[:, :k]
        np.testing.assert_array_equal(got, np.broadcast_to(want, got.shape), err_msg=f.name)
    assert list(mine.kind) == [ObjectKind.WARHEAD, ObjectKind.DECOY, ObjectKind.DECOY]


def test_a_bus_that_lands_before_its_last_release_names_its_shot():
    slow = SS18.model_copy(update={"post_boost": PostBoost(rvs=10, interval_s=600.0)})
    shots = [ThreatShot(CAT.missile("generic-icbm"), *LAUNCH, *TARGET), ThreatShot(slow, *LAUNCH, *TARGET)]
    with pytest.raises(ShotError, match="before its last release") as err:
        fly_threats(shots, E, sample_dt_s=DT)
    assert err.value.index == 1 and err.value.argument == "rvs"


def test_a_shot_may_ask_for_no_decoys_where_the_bus_carries_some():
    """Unset decoys take the bus's own ``decoys_per_rv``; 0 asks for none; a number overrides it."""
    decoyed = SS18.model_copy(update={"post_boost": SS18.post_boost.model_copy(update={"decoys_per_rv": 2})})
    kinds = {d: fly_threats([ThreatShot(decoyed, *LAUNCH, *TARGET, decoys=d)], E, sample_dt_s=DT).kind
             for d in (None, 0, 1)}
    rvs = decoyed.post_boost.rvs
    for d, per in ((None, 2), (0, 0), (1, 1)):
        assert np.sum(kinds[d] == ObjectKind.DECOY) == rvs * per
        assert np.sum(kinds[d] == ObjectKind.WARHEAD) == rvs and np.sum(kinds[d] == ObjectKind.BOOSTER) == 1
    assert ThreatShot(decoyed, *LAUNCH, *TARGET).decoys_flown == 2
    assert ThreatShot(CAT.missile("generic-icbm"), *LAUNCH, *TARGET).decoys_flown == 0
