"""``engage`` and ``footprint`` against a missile with a post-boost vehicle: every warhead its bus releases (as
``fly_threats`` releases them for the exercise) is engaged on its own path; a missile without a bus engages
exactly as its plain aimed flight."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from openbmd.catalog import load_catalog
from openbmd.cli import main
from openbmd.earth import wgs84
from openbmd.engagement import (batteries, defended_footprint, deployment_posts, engage, engage_shot, threat_grid,
                                timeline_for, window_of)
from openbmd.engagement.footprint import shots_per_shot
from openbmd.flight import FlownThreats, ObjectKind, ThreatShot, aim_missile, fly_threats

E = wgs84()
CAT = load_catalog()
RS24 = CAT.missile("rs-24")
MIRV = ["engage", "--threat", "rs-24", "--from", "teykovo", "--to", "washington", "--site", "fort-greely",
        "--interceptor", "gbi", "--sensor", "sbirs", "--json"]


@pytest.fixture(scope="module")
def mirv():
    return engage_shot(CAT, "rs-24", "teykovo", "washington", ["fort-greely"], ["gbi"], ["sbirs"], timeline_for(CAT), E)


def test_engage_lists_every_warhead_of_a_mirved_threat(capsys):
    assert main(MIRV) == 0
    out = json.loads(capsys.readouterr().out)
    rvs = RS24.post_boost.rvs
    assert rvs > 1 and len(out["objects"]) == rvs  # the catalog bus flies no decoys
    assert [o["kind"] for o in out["objects"]] == ["warhead"] * rvs
    assert [o["warhead"] for o in out["objects"]] == list(range(1, rvs + 1))
    impacts = [o["threat_impact_time_s"] for o in out["objects"]]
    assert len(set(impacts)) == rvs  # each warhead flies its own path to its own impact
    for o in out["objects"]:
        assert o["windows"] and {"site", "interceptor_flight_s", "authority"} <= set(o["windows"][0])
    # The verdict is the most demanding warhead's: feasible only if every warhead is, with the fewest shots.
    worst = out["objects"][out["most_demanding_object"]]
    assert out["feasible"] == all(o["feasible"] for o in out["objects"])
    assert out["shots"] == min(o["shots"] for o in out["objects"]) == worst["shots"]
    assert out["windows"] == worst["windows"]


def test_engage_text_names_each_object(capsys):
    assert main([a for a in MIRV if a != "--json"] + ["--quiet"]) == 0
    text = capsys.readouterr().out
    assert "most demanding" in text
    for k in range(1, RS24.post_boost.rvs + 1):
        assert f"warhead {k}" in text


def test_engaged_objects_are_those_fly_threats_releases(mirv):
    """The engagement sees the objects the exercise flies: fly_threats' warheads and decoys, sample for sample."""
    pts = [CAT.place(n) for n in ("teykovo", "washington")]
    shot = ThreatShot(RS24, *(math.radians(x) for p in pts for x in (p.lat_deg, p.lon_deg)))
    flown = fly_threats([shot], E, sample_dt_s=1.0)
    flown = flown.take(flown.kind != ObjectKind.BOOSTER)
    assert len(flown) == len(mirv.objects) == len(mirv.windows)
    k = min(flown.t_s.shape[1], mirv.objects.t_s.shape[1])
    np.testing.assert_array_equal(flown.kind, mirv.objects.kind)
    np.testing.assert_array_equal(flown.t_s[:, :k], mirv.objects.t_s[:, :k])
    np.testing.assert_array_equal(flown.r_ecef[:, :k], mirv.objects.r_ecef[:, :k])
    assert np.isnan(flown.t_s[:, k:]).all() and np.isnan(mirv.objects.t_s[:, k:]).all()


def test_decoys_are_engaged_and_listed_by_kind_but_do_not_decide_the_verdict(capsys):
    assert main([*MIRV, "--decoys", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    rvs = RS24.post_boost.rvs
    kinds = [o["kind"] for o in out["objects"]]
    assert kinds == (["warhead"] + ["decoy"] * 2) * rvs  # each warhead followed by the decoys released with it
    assert [o["warhead"] for o in out["objects"]] == [k for k in range(1, rvs + 1) for _ in range(3)]
    assert out["objects"][out["most_demanding_object"]]["kind"] == "warhead"
    decoy = [o for o in out["objects"] if o["kind"] == "decoy"]
    assert all(o["label"].startswith("decoy with warhead") for o in decoy)
    # Light decoys are slowed in the atmosphere: they land after their warhead.
    for o in decoy:
        rv = next(w for w in out["objects"] if w["kind"] == "warhead" and w["warhead"] == o["warhead"])
        assert o["threat_impact_time_s"] > rv["threat_impact_time_s"]


def test_a_missile_without_a_bus_engages_exactly_its_aimed_flight():
    cat, tl = CAT, timeline_for(CAT)
    got = engage_shot(cat, "generic-irbm", "tabriz", "warsaw", ["redzikowo"], ["sm3-iia"], ["kurecik"], tl, E)
    a, b = cat.place("tabriz"), cat.place("warsaw")
    shot = aim_missile(cat.missile("generic-irbm"), *map(math.radians, (a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg)),
                       E, sample_dt_s=1.0)
    threat = FlownThreats.from_batch(shot.trajectory)
    bats = batteries(cat, ["redzikowo"], ["sm3-iia"], E)
    posts = deployment_posts(cat, ["redzikowo"], ["kurecik"])
    plain = window_of(engage(threat, bats, posts, tl, E), 0, threat, bats, posts, tl, E)
    assert got.window.to_json() == plain.to_json()
    assert len(got.windows) == 1 and got.most_demanding == 0
    np.testing.assert_array_equal(got.objects.r_ecef, threat.r_ecef)


def test_bad_decoy_count_is_one_line(capsys):
    assert main([*MIRV, "--decoys", "-1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) <= 3 and "--decoys" in " ".join(err) and "Traceback" not in " ".join(err)


@pytest.fixture(scope="module")
def mirv_grid():
    """RS-24 from Teykovo at a north-eastern American box, every point engaged (no coarse-to-fine)."""
    base = CAT.place("teykovo")
    grid = threat_grid(RS24, base.lat_deg, base.lon_deg, (36.0, 48.0, -82.0, -66.0), 2.0, E)
    bats = batteries(CAT, ["fort-greely"], ["gbi"], E)
    posts = deployment_posts(CAT, ["fort-greely"], ["sbirs"])
    tl = timeline_for(CAT)
    fp = defended_footprint(grid, bats, posts, tl, E, coarse_step_deg=None)
    return grid, bats, posts, tl, fp


def test_a_bus_footprint_counts_its_most_demanding_warhead(mirv_grid):
    grid, bats, posts, tl, fp = mirv_grid
    idx = np.flatnonzero(grid.aims.reachable)
    warheads = grid.fly_warheads(idx, E)
    assert np.all(np.bincount(warheads.shot, minlength=idx.size) == RS24.post_boost.rvs)
    per_rv = engage(warheads, bats, posts, tl, E).shots
    # Defended only if every warhead aimed at the point gets the shots; the count is the fewest among them.
    for p in range(idx.size):
        mine = per_rv[warheads.shot == p]
        assert fp.shots.reshape(-1)[idx[p]] == mine.min()
    assert fp.defended.any() and fp.threatened.sum() == idx.size
    # The warheads spread down and across range from the bus's aim point: at the edge of the GBI's reach some
    # of them fly out of it while the bus's own path (the old, one-object view) stays inside, so here the
    # warheads' footprint lies inside the bus path's and is strictly smaller.
    bus = engage(grid.fly(idx, E), bats, posts, tl, E).shots
    mine = fp.shots.reshape(-1)[idx]
    assert np.all(mine <= bus) and np.any(mine < bus)
    assert any(np.ptp(per_rv[warheads.shot == p]) > 0 for p in np.flatnonzero(mine < bus))


def test_a_bus_that_does_not_manoeuvre_defends_as_its_own_path(mirv_grid):
    """With no release increments every warhead rides on along the bus's ballistic path: its footprint is the
    bus-path footprint, but for sampling and integration restarts at the releases."""
    grid, bats, posts, tl, _ = mirv_grid
    still = RS24.model_copy(update={"post_boost": RS24.post_boost.model_copy(update={"spread_mps": 0.0,
                                                                                   "cross_mps": 0.0})})
    g = type(grid)(still, grid.origin_lat_deg, grid.origin_lon_deg, grid.lat_deg, grid.lon_deg, grid.step_deg,
                   grid.aims)
    idx = np.flatnonzero(grid.aims.reachable)
    fp = defended_footprint(g, bats, posts, tl, E, coarse_step_deg=None)
    bus = engage(grid.fly(idx, E), bats, posts, tl, E).shots
    assert np.mean(fp.shots.reshape(-1)[idx] == bus) >= 0.9
    assert np.all(np.abs(fp.shots.reshape(-1)[idx] - bus) <= 1)


def test_shots_per_shot_takes_the_fewest_and_marks_shots_with_no_object():
    assert shots_per_shot(np.array([3, 1, 2, 5]), np.array([0, 0, 2, 2]), 4).tolist() == [1, -1, 2, -1]
    same = np.array([4, 0, 2])
    assert shots_per_shot(same, np.arange(3), 3) is same  # one object per shot: its own count, untouched


def test_footprint_json_says_how_many_warheads_each_point_takes(capsys):
    assert main(["footprint", "--threat-origin", "teykovo", "--missile", "rs-24", "--site", "fort-greely",
                 "--interceptor", "gbi", "--sensor", "sbirs", "--region", "38,46,-80,-70", "--grid", "4deg",
                 "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["warheads_per_aim_point"] == RS24.post_boost.rvs
    assert out["defended_points"] <= out["threatened_points"]
