"""Assurance against missiles with a post-boost vehicle: each corridor's warheads are those its bus releases (as
``fly_threats`` releases them for the exercise); a pair is engageable only if every warhead is, and takes its most
demanding warhead's speed threshold and delay budget; a missile without a bus is assessed as its own flight."""

from __future__ import annotations

import numpy as np
import pytest

from openbmd.assurance import arm, assess, engageable, strategic_corridors, target_places
from openbmd.assurance.assess import WARHEADS_RULE, per_pair
from openbmd.assurance.threshold import latest_launch_s, speed_thresholds_mps
from openbmd.catalog import load_catalog
from openbmd.earth import wgs84
from openbmd.engagement import engage, timeline_for

E = wgs84()
CAT = load_catalog()


@pytest.fixture(scope="module")
def corridors():
    """Teykovo (RS-24, a bus of warheads) and Tatishchevo (SS-27, one warhead, no bus) at three cities."""
    bases = [CAT.place(n) for n in ("teykovo", "tatishchevo")]
    return strategic_corridors(CAT, bases, target_places(CAT, "washington,new-york,ottawa"), E)


def _per_warhead(corridors, dep="poland-gbi-2007"):
    armed = arm(CAT, CAT.deployment(dep), E)
    tl = timeline_for(CAT)
    w = corridors.warheads
    result = engage(w, armed.batteries, armed.posts, tl, E)
    th = speed_thresholds_mps(w, armed.batteries, result.launch_allowed_t_s, E)
    budget = latest_launch_s(w, armed.batteries, E) - (result.detection_t_s + tl.firm_track_delay_s)
    return armed, tl, result, th, budget


def test_each_corridor_flies_the_warheads_its_bus_releases(corridors):
    count = corridors.warheads_per_pair()
    for k, m in enumerate(corridors.missiles):
        bus = CAT.missile(m).post_boost
        assert count[k] == (bus.rvs if bus is not None else 1)
    assert corridors.warheads.is_warhead.all()
    assert np.all(np.diff(corridors.warhead_pair) >= 0)  # each pair's warheads together, in pair order
    # A missile without a bus: its one warhead is the corridor's own flight, sample for sample.
    for k in np.flatnonzero(count == 1):
        row = np.flatnonzero(corridors.warhead_pair == k)[0]
        n = np.isfinite(corridors.threats.t_s[k]).sum()
        np.testing.assert_array_equal(corridors.warheads.r_ecef[row, :n], corridors.threats.r_ecef[k, :n])
    # A bus's warheads ride the bus's path up to their releases, then land apart.
    for k in np.flatnonzero(count > 1):
        rows = np.flatnonzero(corridors.warhead_pair == k)
        assert np.unique(corridors.warheads.impact_t_s[rows]).size == rows.size
        np.testing.assert_array_equal(corridors.warheads.r_ecef[rows, :50], np.repeat(
            corridors.threats.r_ecef[k:k + 1, :50], rows.size, axis=0))


def test_a_pair_takes_its_most_demanding_warhead(corridors):
    armed, tl, result, th, budget = _per_warhead(corridors)
    j = assess(CAT, CAT.deployment("poland-gbi-2007"), corridors, tl, E).to_json()
    pair = corridors.warhead_pair
    for k, p in enumerate(j["pairs"]):
        mine = pair == k
        want = np.max(th[mine])
        assert (p["speed_threshold_mps"] is None) == bool(np.isnan(want))
        if p["speed_threshold_mps"] is not None:
            assert p["speed_threshold_mps"] == want
        least = np.min(budget[mine])
        assert p["delay_budget_s"] == (float(least) if np.isfinite(least) else None)
        assert p["engageable"] == bool(np.all(result.shots[mine] > 0))
        if p["engageable"] and p.get("warheads", 1) > 1:
            worst = np.flatnonzero(mine)[p["window"]["warhead"] - 1]
            assert p["window"]["shots"] == result.shots[mine].min() == result.shots[worst]
    assert any(p.get("warheads", 1) > 1 for p in j["pairs"])
    assert j["assumptions"]["warheads"] == WARHEADS_RULE


def test_a_pair_with_a_bus_is_engageable_only_if_every_warhead_is(corridors):
    armed = arm(CAT, CAT.deployment("poland-gbi-2007"), E)
    tl = timeline_for(CAT)
    per_rv = engage(corridors.warheads, armed.batteries, armed.posts, tl, E).shots > 0
    ok = engageable(armed, corridors, tl, E)
    for k in range(len(corridors)):
        assert ok[k] == (corridors.reachable[k] and per_rv[corridors.warhead_pair == k].all())


def test_a_missile_without_a_bus_is_assessed_as_its_own_flight(corridors):
    """SS-27 pairs: threshold, budget and verdict are those of the corridor's flight itself, bit for bit."""
    armed = arm(CAT, CAT.deployment("poland-gbi-2007"), E)
    tl = timeline_for(CAT)
    single = np.flatnonzero(corridors.warheads_per_pair() == 1)
    assert single.size == 3
    flight = corridors.threats.take(single)
    result = engage(flight, armed.batteries, armed.posts, tl, E)
    th = speed_thresholds_mps(flight, armed.batteries, result.launch_allowed_t_s, E)
    j = assess(CAT, CAT.deployment("poland-gbi-2007"), corridors, tl, E).to_json()
    for a, k in enumerate(single):
        p = j["pairs"][k]
        assert p["speed_threshold_mps"] == (float(th[a]) if np.isfinite(th[a]) else None)
        assert p["engageable"] == bool(result.shots[a] > 0)
        assert "warheads" not in p


def test_per_pair_reduces_to_the_most_demanding_and_leaves_single_warheads_alone(corridors):
    pair = corridors.warhead_pair
    values = np.arange(len(pair), dtype=float)
    hi, lo = per_pair(values, corridors, "max"), per_pair(values, corridors, "min")
    for k in range(len(corridors)):
        assert hi[k] == values[pair == k].max() and lo[k] == values[pair == k].min()
    values[np.flatnonzero(pair == 0)[-1]] = np.nan
    assert np.isnan(per_pair(values, corridors, "max")[0])  # one warhead out of reach: no threshold
