"""Monte Carlo over the catalog's estimate ranges: a missile without ranges does not spread and reproduces
the nominal flight; the same seed repeats; paired draws obey monotonic laws variant by variant."""

from __future__ import annotations

import math

import numpy as np
import pytest

from openbmd.catalog import load_catalog, parse_entries
from openbmd.earth import wgs84
from openbmd.errors import InputError
from openbmd.flight import aim_missile, maximum_range_m
from openbmd.flight.dispersion import RESULTS, disperse
from openbmd.flight.vehicle import vehicle_from_missile

E = wgs84()
SITE = (math.radians(35.0), math.radians(50.0))
TARGET = (math.radians(44.0), math.radians(44.0))

MISSILE = """
kind: missile
entries:
  - name: {name}
    display_name: Test MRBM
    range_class: mrbm
    propellant: solid
    stages:
      - {{burn_time_s: 60, isp_s: 245, propellant_mass_kg: 11475, dry_mass_kg: 2525}}
      - {{burn_time_s: 50, isp_s: 255, propellant_mass_kg: 5259, dry_mass_kg: 1541}}
    payload_mass_kg: {payload}
    rv_ballistic_coefficient_kg_m2: 4000
    max_range_m: 2000000
    diameter_m: 1.25
    confidence: published
    source: {{title: test}}
{figures}
"""
HELD_CD = """    figures:
      boost_drag_factor: {confidence: assumption, reason: "test: held (every missile's otherwise ranges 0.7-1.3)"}
"""
RANGED = HELD_CD + """      stages.*.isp_s: {confidence: estimate, factors: [0.95, 1.05], reason: test}
      stages.*.dry_mass_kg: {confidence: estimate, factors: [0.85, 1.2], reason: test}
"""


def _missile(name="test-mrbm", payload=750.0, figures=RANGED):
    return parse_entries("t.yaml", MISSILE.format(name=name, payload=payload, figures=figures))[0]


def _shot(m):
    return aim_missile(m, *SITE, *TARGET, E)


def test_a_missile_without_ranges_does_not_spread_and_reproduces_the_nominal_flight():
    m = _missile(figures=HELD_CD)
    shot = _shot(m)
    d = disperse(m, shot, *SITE, E, 4, seed=1)
    assert d.draws.keys == () and d.failed == 0
    for name in RESULTS:
        x = getattr(d, name)
        assert np.ptp(x) == 0.0
    assert d.ground_range_m[0] == pytest.approx(shot.trajectory.ground_range_m()[0], abs=1.0)
    assert d.flight_time_s[0] == pytest.approx(shot.trajectory.flight_time_s[0], abs=1e-3)
    reach = maximum_range_m(vehicle_from_missile(m), *SITE, shot.azimuth_rad, E)
    assert d.max_range_m[0] == pytest.approx(reach, rel=5e-3)  # the kick survey against the full search


def test_the_same_seed_repeats_and_another_seed_differs():
    m = _missile()
    shot = _shot(m)
    a, b, c = (disperse(m, shot, *SITE, E, 12, seed=s) for s in (7, 7, 8))
    assert np.array_equal(a.max_range_m, b.max_range_m) and np.array_equal(a.draws.values, b.draws.values)
    assert not np.array_equal(a.draws.values, c.draws.values)
    assert set(a.draws.keys) == {"stages.1.isp_s", "stages.2.isp_s", "stages.1.dry_mass_kg", "stages.2.dry_mass_kg"}
    assert np.ptp(a.max_range_m) > 50e3  # +-5 % Isp and -15..+20 % structure move the reach by tens of km


def test_paired_draws_a_heavier_payload_shortens_every_variants_reach():
    # the heavier one overrides the entry (as --catalog does): the same entry, the same draws under a seed
    light, heavy = _missile(payload=750.0), _missile(payload=900.0)
    shot = _shot(light)
    a = disperse(light, shot, *SITE, E, 16, seed=3)
    b = disperse(heavy, shot, *SITE, E, 16, seed=3)
    assert np.array_equal(a.draws.values, b.draws.values)  # paired: the same draws of the same figures
    assert np.all(b.max_range_m < a.max_range_m)


def test_each_missile_draws_as_every_command_draws_it():
    from openbmd.catalog.variants import draw_figures
    from openbmd.flight.dispersion import FLIGHT_FIGURES

    m, other = _missile(), _missile(name="test-other")
    d = disperse(m, _shot(m), *SITE, E, 8, seed=4)
    assert np.array_equal(d.draws.values, draw_figures(m, 8, 4, FLIGHT_FIGURES, stream=m.name).values)
    assert not np.array_equal(d.draws.values, disperse(other, _shot(other), *SITE, E, 8, seed=4).draws.values)


def test_reach_rises_with_the_drawn_isp_variant_by_variant_when_only_isp_varies():
    only_isp = HELD_CD + "      stages.*.isp_s: {confidence: estimate, factors: [0.95, 1.05], reason: test}\n"
    m = _missile(figures=only_isp)
    d = disperse(m, _shot(m), *SITE, E, 16, seed=5)
    isp_sum = d.draws.values.sum(axis=1)  # both stages' Isp drawn independently: compare when both rise
    both_up = (d.draws.values[:, None, :] > d.draws.values[None, :, :]).all(axis=2)
    i, j = np.nonzero(both_up)
    assert i.size > 10 and np.all(d.max_range_m[i] > d.max_range_m[j])
    assert d.sensitivity()[0][1] > 0.5 and np.isfinite(isp_sum).all()


def test_reach_falls_with_the_drawn_boost_drag_coefficient_variant_by_variant():
    # Without a figure of its own a missile's boost_drag_factor (Cd against the kernel's V-2 curve) ranges 0.7-1.3
    # and is drawn: more drag, less reach.
    m = _missile(figures="")
    d = disperse(m, _shot(m), *SITE, E, 12, seed=6)
    assert d.draws.keys == ("boost_drag_factor",)
    cd = d.draws.column("boost_drag_factor")
    assert 0.7 <= cd.min() < 0.95 and 1.05 < cd.max() <= 1.3
    order = np.argsort(cd)
    assert np.all(np.diff(d.max_range_m[order]) < 0.0), (cd[order], d.max_range_m[order])


def test_catalog_missiles_spread_around_their_nominal_reach():
    m = load_catalog().missile("sejjil-2")
    shot = _shot(m)
    d = disperse(m, shot, *SITE, E, 24, seed=0)
    lo, mid, hi = d.percentiles("max_range_m")
    assert lo < shot.max_range_m * 1.02 and hi > shot.max_range_m * 0.98 and lo < mid < hi
    doc = d.to_json()
    assert doc["trials"] == 24 and set(doc["max_range_m"]) == {"p5", "p50", "p95"}
    assert doc["sensitivity"] and {"figure", "value", "low", "high"} == set(doc["figures"][0])


def test_trial_counts_outside_the_bounds_are_refused():
    m = _missile()
    with pytest.raises(InputError, match="at least 1"):
        disperse(m, _shot(m), *SITE, E, 0)
    with pytest.raises(InputError, match="from 0 \\(none\\) to 10,000"):
        disperse(m, _shot(m), *SITE, E, 10_001)
