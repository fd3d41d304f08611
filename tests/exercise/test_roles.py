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
