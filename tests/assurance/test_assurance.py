"""Assurance laws: monotonic in speed and delay, thresholds consistent with direct checks, criteria."""

from __future__ import annotations

import numpy as np
import pytest

from openbmd.assurance import (arm, assess, assess_years, engageable, evaluate_criteria, force_bases,
                               site_checks, strategic_corridors, target_places)
from openbmd.assurance.threshold import LADDER_MPS, engageable_at_mps, speed_thresholds_mps
from openbmd.catalog import load_catalog
from openbmd.earth import wgs84
from openbmd.engagement import engage, timeline_for
from openbmd.errors import InputError, UnknownNameError

EARTH = wgs84()


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def corridors(catalog):
    """Western and central Russian bases to north-east American cities."""
    bases = [catalog.place(n) for n in ("kozelsk", "tatishchevo", "teykovo", "nizhny-tagil")]
    targets = target_places(catalog, "washington,new-york,boston,ottawa,chicago")
    return strategic_corridors(catalog, bases, targets, EARTH)


def _engageable(catalog, corridors, dep="epaa-phase3", speed=None, **timeline):
    armed = arm(catalog, catalog.deployment(dep), EARTH, burnout_speed_mps=speed)
    return engageable(armed, corridors, timeline_for(catalog, **timeline), EARTH)


def test_named_forces_and_target_sets(catalog):
    assert {p.name for p in force_bases(catalog, "russia-icbm")} >= {"kozelsk", "uzhur", "dombarovsky"}
    assert {p.name for p in force_bases(catalog, "us-icbm")} == {"minot", "malmstrom", "fe-warren"}
    assert "washington" in {p.name for p in target_places(catalog, "north-america")}
    assert "moscow" in {p.name for p in target_places(catalog, "russia")}
    with pytest.raises(UnknownNameError, match="^forces: unknown place"):
        force_bases(catalog, "china-icbm")
    with pytest.raises(InputError, match="not a missile base"):
        force_bases(catalog, "warsaw")


def test_corridors_reach_their_targets(corridors):
    assert len(corridors) == 20 and corridors.reachable.all()
    t = corridors.threats.t_s
    flight = np.nanmax(t, axis=1)
    assert np.all((flight > 1500) & (flight < 2400))  # ICBM flight times, 25-40 min


def test_faster_interceptors_never_shrink_the_engageable_set(catalog, corridors):
    sets = [_engageable(catalog, corridors, speed=v) for v in (3000.0, 4500.0, 6000.0, 8000.0)]
    for slow, fast in zip(sets, sets[1:]):
        assert np.all(fast[slow])  # every pair engageable when slower stays engageable when faster
    assert sets[-1].sum() > sets[0].sum()


def test_shorter_delays_never_shrink_the_engageable_set(catalog, corridors):
    sets = [_engageable(catalog, corridors, speed=6000.0, decision_delay_s=d) for d in (600.0, 240.0, 60.0, 0.0)]
    for slow, fast in zip(sets, sets[1:]):
        assert np.all(fast[slow])
    assert sets[-1].sum() > sets[0].sum()


def test_absurdly_fast_and_prompt_engages_some_and_slow_engages_none(catalog, corridors):
    assert _engageable(catalog, corridors, speed=10000.0, decision_delay_s=0.0).sum() > 0
    assert _engageable(catalog, corridors, speed=1000.0, decision_delay_s=0.0).sum() == 0


def test_speed_threshold_agrees_with_direct_checks(catalog, corridors):
    """One interceptor type: engageable at speed v exactly when the threshold is below v (within 3 %)."""
    dep = catalog.deployment("poland-gbi-2007")
    tl = timeline_for(catalog)
    result = assess(catalog, dep, corridors, tl, EARTH)
    th = np.array([p["speed_threshold_mps"] or np.inf for p in result.pairs])
    assert np.isfinite(th).sum() >= 5
    for v in (5000.0, 6000.0, 7000.0):
        direct = engageable(arm(catalog, dep, EARTH, burnout_speed_mps=v), corridors, tl, EARTH)
        assert np.all(th[direct] <= v * 1.03)
        assert np.all(th[~direct] >= v * 0.97)


def test_delay_budget_agrees_with_direct_checks(catalog, corridors):
    dep = catalog.deployment("poland-gbi-2007")
    result = assess(catalog, dep, corridors, timeline_for(catalog), EARTH, with_thresholds=False)
    budget = np.array([p["delay_budget_s"] if p["delay_budget_s"] is not None else -np.inf for p in result.pairs])
    for delay in (60.0, 300.0):
        direct = _engageable(catalog, corridors, dep="poland-gbi-2007", decision_delay_s=delay)
        assert np.all(budget[direct] >= delay - 4.0)  # 4 s: the corridors' sample spacing
        assert np.all(budget[~direct] <= delay + 4.0)


def test_assessment_json(catalog, corridors):
    j = assess(catalog, catalog.deployment("epaa-phase4"), corridors, timeline_for(catalog), EARTH).to_json()
    assert j["summary"]["total_pairs"] == 20
    assert {"base", "target", "engageable", "speed_threshold_mps", "window"} <= set(j["pairs"][0])
    assert {"name", "border_distance_m", "max_reach_m", "satisfies_distance_criterion"} <= set(j["sites"][0])
    for p in j["pairs"]:
        assert (p["window"] is not None) == p["engageable"]


def test_distance_criterion(catalog):
    sites = {s.name: s for s in site_checks(arm(catalog, catalog.deployment("epaa-phase3"), EARTH), "RUS")}
    assert sites["redzikowo"].border_distance_m == pytest.approx(160e3, rel=0.1)  # Kaliningrad
    assert not sites["redzikowo"].satisfies_distance_criterion
    assert sites["deveselu"].max_reach_m == 700e3


def test_criteria_say_what_they_buy(catalog, corridors):
    out = {c["name"]: c for c in evaluate_criteria(catalog, catalog.deployment("epaa-phase4"),
                                                   catalog.criteria("russia-2011-2012"), corridors,
                                                   timeline_for(catalog), EARTH)}
    assert not out["antonov-speed"]["satisfied"]  # SM-3 IIA/IIB are faster than 3.5 km/s
    assert out["hundreds-not-thousand"]["satisfied"]
    assert not out["southern-europe"]["satisfied"] and "redzikowo" in out["southern-europe"]["detail"]
    assert not out["rogozin-distance"]["satisfied"]
    for c in out.values():
        assert c["engageable_pairs_if_met"] <= c["engageable_pairs_as_deployed"]
    assert out["antonov-speed"]["engageable_pairs_if_met"] == 0


def test_annual_declaration_runs_year_by_year(catalog, corridors):
    years = assess_years(catalog, catalog.deployment("epaa-declared"), corridors, timeline_for(catalog), EARTH)
    assert [y["year"] for y in years] == list(range(2011, 2021))
    assert years[0]["engageable_pairs"] == 0  # SM-3 IA at sea
    counts = [y["engageable_pairs"] for y in years]
    assert counts[-1] >= counts[0] and years[-1]["interceptors"] == 72


def test_sensitivity_grid_is_monotonic(catalog, corridors):
    from openbmd.assurance import sensitivity

    sens = sensitivity(catalog, catalog.deployment("epaa-phase4"), corridors, timeline_for(catalog), EARTH,
                       speeds_mps=(3000.0, 5000.0, 7000.0, 9000.0), delays_s=(0.0, 120.0, 480.0))
    grid = np.array(sens["engageable_pairs"])
    assert np.all(np.diff(grid, axis=1) >= 0) and np.all(np.diff(grid, axis=0) <= 0)
    assert grid[0, -1] > grid[-1, 0] and sens["flips"]


def test_speed_thresholds_are_continuous_not_ladder_rungs(catalog, corridors):
    """Thresholds are bisected between the rungs: they fall strictly between rungs, and 10 m/s either side of
    each one flips engageability on the same speed-interpolated fly-out."""
    armed = arm(catalog, catalog.deployment("poland-gbi-2007"), EARTH)
    allowed = engage(corridors.threats, armed.batteries, armed.posts, timeline_for(catalog), EARTH).launch_allowed_t_s
    th = speed_thresholds_mps(corridors.threats, armed.batteries, allowed, EARTH)
    inside = np.flatnonzero((th > LADDER_MPS[0]) & (th < LADDER_MPS[-1]))
    assert inside.size >= 5
    assert not np.isin(th[inside], LADDER_MPS).any()
    assert np.unique(np.round(th[inside])).size > 1
    for k in inside:
        one = corridors.threats.take([k])
        assert engageable_at_mps(one, armed.batteries, allowed[[k]], EARTH, th[k] + 10.0)[0]
        assert not engageable_at_mps(one, armed.batteries, allowed[[k]], EARTH, th[k] - 10.0)[0]


def _closing_limited(batteries, **limits):
    import dataclasses

    return [dataclasses.replace(u, kill_vehicle=dataclasses.replace(u.kill_vehicle, **limits)) for u in batteries]


def test_speed_thresholds_keep_the_kill_vehicle_closing_limits_at_each_trial_speed(catalog, corridors):
    """Thresholds apply the kill vehicle's closing-speed limits at each trial speed: a higher least closing speed
    never lowers one and raises some; a lower greatest closing speed (7 km/s here) makes some pairs engageable at
    8 km/s but not at 10, and their thresholds are still found, flipping engageability 10 m/s either side."""
    armed = arm(catalog, catalog.deployment("poland-gbi-2007"), EARTH)
    allowed = engage(corridors.threats, armed.batteries, armed.posts, timeline_for(catalog), EARTH).launch_allowed_t_s
    th = speed_thresholds_mps(corridors.threats, armed.batteries, allowed, EARTH)
    assert np.isfinite(th).all()
    slow_min = speed_thresholds_mps(corridors.threats, _closing_limited(armed.batteries, min_closing_speed_mps=6000.0),
                                    allowed, EARTH)
    assert np.all(slow_min >= th - 1.0) and np.any(slow_min > th + 100.0)
    capped = _closing_limited(armed.batteries, max_closing_speed_mps=7000.0)
    lost = (engageable_at_mps(corridors.threats, capped, allowed, EARTH, 8000.0)
            & ~engageable_at_mps(corridors.threats, capped, allowed, EARTH, LADDER_MPS[-1]))
    assert lost.sum() >= 1
    th_capped = speed_thresholds_mps(corridors.threats, capped, allowed, EARTH)
    for k in np.flatnonzero(lost):
        one = corridors.threats.take([k])
        assert np.isfinite(th_capped[k])
        assert engageable_at_mps(one, capped, allowed[[k]], EARTH, th_capped[k] + 10.0)[0]
        assert not engageable_at_mps(one, capped, allowed[[k]], EARTH, th_capped[k] - 10.0)[0]
