"""Sensor roles in the exercise: a surveillance radar's tracks may commit a battery (under a remote authority),
an early-warning radar's only cue."""

from __future__ import annotations

import numpy as np

from openbmd.catalog import load_catalog
from openbmd.catalog.lookup import Catalog
from openbmd.earth import wgs84
from openbmd.engagement.firecontrol import ENGAGE_ON_REMOTE, LAUNCH_ON_REMOTE, SENSOR_ROLES
from openbmd.exercise.geometry import prepare
from openbmd.exercise.scenario import load_scenario

EARTH = wgs84()


def _with_fylingdales(catalog: Catalog):
    sc = load_scenario("nrc-2012", catalog)
    parties = [p.model_copy(update={"sensors": [*p.sensors, "fylingdales"]}) if p.name == "nato" else p
               for p in sc.parties]
    return sc.model_copy(update={"parties": parties})


def test_an_upgraded_early_warning_radar_may_commit_on_remote_authority_and_a_plain_one_only_cues():
    cat = load_catalog()
    plain = Catalog([e.model_copy(update={"role": "early-warning"}) if e.name == "uewr" else e for e in cat])
    roles = {}
    for label, c in (("surveillance", cat), ("early-warning", plain)):
        prep = prepare(_with_fylingdales(c), c, EARTH, modes=("data-exchange",))["data-exchange"]
        posts = prep.tracks.posts
        q = np.array([n.startswith("fylingdales/") for n in posts.names])
        assert q.sum() == 3  # three faces
        assert set(posts.role[q]) == {SENSOR_ROLES.index(label)}
        roles[label] = prep.use[:, q]
    remote = LAUNCH_ON_REMOTE | ENGAGE_ON_REMOTE
    # NATO declares both remote authorities, Russia launch-on-remote only; every battery may use the surveillance
    # tracks (its own party's or, in data exchange, its partner's), none the early-warning ones.
    assert (roles["surveillance"] & remote).all(axis=1).all() and not (roles["surveillance"] & ~remote).any()
    assert not roles["early-warning"].any()


def test_search_radars_search_at_their_range_and_a_fire_control_radar_nearer():
    """Fylingdales' UEWR faces (surveillance) watching an RS-24 from Teykovo to Washington: searching, uncued,
    they see it when a cue would let them (their catalog range is a search range), as early-warning radars do;
    the same faces as fire-control radars search at SEARCH_RANGE_FACTOR of it and see it later or not at all."""
    import math

    from openbmd.exercise.geometry import SEARCH_RANGE_FACTOR, sensor_geometry
    from openbmd.flight import FlownThreats
    from openbmd.flight.aim import aim_missile
    from openbmd.sensors import place_posts

    cat = load_catalog()
    lat0, lon0, _ = cat.point("teykovo", "origin")
    lat1, lon1, _ = cat.point("washington", "target")
    shot = aim_missile(cat.missile("rs-24"), *map(math.radians, (lat0, lon0, lat1, lon1)), EARTH, sample_dt_s=2.0)
    threat = FlownThreats.from_batch(shot.trajectory)
    first = {}
    for role in SENSOR_ROLES:
        c = Catalog([e.model_copy(update={"role": role}) if e.name == "uewr" else e for e in cat])
        posts = place_posts(c, "fylingdales")
        geo = sensor_geometry(posts, [0] * len(posts), 1, threat, 0.1, EARTH)
        assert set(geo.role) == {SENSOR_ROLES.index(role)}
        first[role] = geo.first_cued_s.ravel(), geo.first_uncued_s.ravel()
    cued, _ = first["surveillance"]
    assert np.isfinite(cued).sum() >= 2  # two faces see it
    for role in ("surveillance", "early-warning"):
        assert np.array_equal(first[role][0], cued) and np.array_equal(first[role][1], cued)
    fc_cued, fc_search = first["fire-control"]
    assert SEARCH_RANGE_FACTOR < 1.0 and np.array_equal(fc_cued, cued)
    assert np.all(fc_search >= cued) and np.any(fc_search > cued)
