"""The post-boost vehicle: releases along the bus path reproduce the unbroken flight, increments order the
impacts down range, light decoys lag their warheads in the atmosphere, and bad plans are refused."""

from __future__ import annotations

import math

import numpy as np
import pytest

from openbmd.catalog import load_catalog
from openbmd.earth import ecef_to_geodetic, geodesic_inverse, wgs84
from openbmd.errors import InputError
from openbmd.flight import aim_missile
from openbmd.flight.pbv import BusPlan, plan_of, release, release_missile
from openbmd.flight.threats import ObjectKind

E = wgs84()
M = load_catalog().missile("generic-icbm")
LAUNCH = tuple(map(math.radians, (51.05, 59.8)))
TARGET = tuple(map(math.radians, (47.5, -100.0)))


@pytest.fixture(scope="module")
def shot():
    return aim_missile(M, *LAUNCH, *TARGET, E, sample_dt_s=5.0)


def _impacts(threats):
    lat, lon, _ = ecef_to_geodetic(threats.impact_r_ecef, E)
    return lat, lon


def test_a_release_without_increments_flies_on_as_the_unbroken_shot(shot):
    r = release(shot, BusPlan(rvs=1, spread_mps=0.0, cross_mps=0.0), E, rv_beta_kg_m2=M.rv_ballistic_coefficient_kg_m2)
    rv = r.threats.take(r.threats.kind == ObjectKind.WARHEAD)
    lat, lon = _impacts(rv)
    ilat, ilon, _ = shot.trajectory.event_geodetic("impact")
    miss, _, _ = geodesic_inverse(lat[0], lon[0], ilat[0], ilon[0], E)
    assert miss < 20.0  # m: breaking the coast at the release changes nothing but integrator steps
    assert rv.impact_t_s[0] == pytest.approx(shot.trajectory.event_t_s[0, 3], abs=0.05)
    assert r.release_t_s[0] == pytest.approx(shot.trajectory.event_t_s[0, 0] + 60.0, abs=1e-9)


def test_along_track_increments_order_the_impacts_down_range(shot):
    plan = BusPlan(rvs=5, spread_mps=60.0, cross_mps=0.0, interval_s=15.0)
    r = release(shot, plan, E, rv_beta_kg_m2=M.rv_ballistic_coefficient_kg_m2)
    rv = r.threats.take(r.threats.kind == ObjectKind.WARHEAD)
    lat, lon = _impacts(rv)
    down, _, _ = geodesic_inverse(np.full(5, LAUNCH[0]), np.full(5, LAUNCH[1]), lat, lon, E)
    assert np.all(np.diff(down) > 10e3)  # each +15 m/s carries the next warhead tens of km farther
    assert np.diff(r.release_t_s[:5]) == pytest.approx(np.full(4, 15.0), abs=1e-9)
    aim_miss, _, _ = geodesic_inverse(np.full(5, TARGET[0]), np.full(5, TARGET[1]), lat, lon, E)
    assert aim_miss.min() < 0.5 * (down.max() - down.min())  # the pattern straddles the aim point


def test_light_decoys_lag_their_warheads_and_heavy_ones_keep_up(shot):
    beta = M.rv_ballistic_coefficient_kg_m2
    light = release(shot, BusPlan(rvs=2, decoys_per_rv=3, decoy_beta_kg_m2=30.0), E, rv_beta_kg_m2=beta)
    t = light.threats
    assert list(t.kind).count(ObjectKind.DECOY) == 6 and t.kind[-1] == ObjectKind.BOOSTER
    dec = t.kind == ObjectKind.DECOY
    rv_of = light.rv_index[dec]
    assert np.all(t.impact_t_s[dec] > t.impact_t_s[rv_of] + 60.0)  # the air strips 30 kg/m² balloons
    same = release(shot, BusPlan(rvs=2, decoys_per_rv=3, decoy_push_mps=0.0, decoy_beta_kg_m2=beta), E,
                   rv_beta_kg_m2=beta).threats
    d2 = same.kind == ObjectKind.DECOY
    np.testing.assert_allclose(same.impact_t_s[d2], same.impact_t_s[light.rv_index[dec]], atol=1e-6)
    assert np.all(same.launch_t_s == shot.trajectory.start_t_s[0]) and np.all(same.burnout_t_s < same.impact_t_s)


@pytest.mark.parametrize("plan, field", [
    (dict(rvs=0), "rvs"), (dict(rvs=2, interval_s=0.0), "interval_s"), (dict(rvs=2, decoys_per_rv=-1), "decoys_per_rv"),
])
def test_bad_plans_are_refused_naming_the_field(plan, field):
    with pytest.raises(InputError) as err:
        BusPlan(**plan)
    assert err.value.argument == field


def test_a_release_after_the_impact_is_refused(shot):
    with pytest.raises(InputError, match="before its first release"):
        release(shot, BusPlan(rvs=1, first_release_s=5000.0), E, rv_beta_kg_m2=M.rv_ballistic_coefficient_kg_m2)
    with pytest.raises(InputError, match="before its last release"):
        release(shot, BusPlan(rvs=40, interval_s=60.0), E, rv_beta_kg_m2=M.rv_ballistic_coefficient_kg_m2)


def test_a_catalog_bus_releases_its_warheads_in_a_footprint_of_a_few_hundred_km():
    cat = load_catalog()
    ss18 = cat.missile("ss-18")
    shot = aim_missile(ss18, *LAUNCH, *TARGET, E, sample_dt_s=5.0)
    r = release_missile(ss18, shot, E)
    rv = r.threats.take(r.threats.kind == ObjectKind.WARHEAD)
    assert len(rv) == ss18.post_boost.rvs == 10
    lat, lon = _impacts(rv)
    down, _, _ = geodesic_inverse(np.full(10, LAUNCH[0]), np.full(10, LAUNCH[1]), lat, lon, E)
    assert 50e3 < np.ptp(down) < 1500e3
    with pytest.raises(InputError, match="no post-boost vehicle"):
        plan_of(cat.missile("sejjil-2"))


def test_the_bus_plan_defaults_carry_provenance_and_agree_with_the_catalog_model():
    # Every numeric default is marked as the catalog marks figures (tests/catalog/test_figure_provenance.py):
    # a source and a kind, and for estimates a range that holds the value.
    from dataclasses import fields

    from openbmd.catalog.models import PostBoost
    from openbmd.flight.pbv import DEFAULT_FIGURES, BusPlan

    defaults = {f.name: f.default for f in fields(BusPlan) if f.name != "rvs"}
    assert set(DEFAULT_FIGURES) == {k for k, v in defaults.items() if isinstance(v, float)}
    for name, fig in DEFAULT_FIGURES.items():
        assert fig.source, name
        if fig.confidence == "estimate":
            assert fig.has_range and fig.low <= defaults[name] <= fig.high, name
    for name, field in PostBoost.model_fields.items():  # the catalog's bus takes the same defaults
        if name in defaults:
            assert field.default == defaults[name], name
