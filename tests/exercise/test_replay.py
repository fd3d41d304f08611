"""A replayed trial is the same trial as in the Monte Carlo run, and its events tell the same story."""

from __future__ import annotations

import numpy as np
import pytest

from openbmd.catalog import load_catalog
from openbmd.earth import wgs84
from openbmd.errors import InputError
from openbmd.exercise.geometry import fly_raid, prepare
from openbmd.exercise.montecarlo import CHUNK_TRIALS, run_trials_mc
from openbmd.exercise.replay import replay_trial
from openbmd.exercise.scenario import load_scenario

EARTH = wgs84()
TRIALS = CHUNK_TRIALS + 200  # two chunks: a replay in the second one finds its chunk's seed


@pytest.fixture(scope="module")
def setting():
    cat = load_catalog()
    sc = load_scenario("nrc-2012", cat)
    sc = sc.model_copy(update={"raid": [r.model_copy(update={"decoys": 1}) if k < 3 else r
                                        for k, r in enumerate(sc.raid)]})
    return cat, sc


@pytest.mark.parametrize("mode", ["independent", "joint"])
def test_replay_reproduces_the_runs_trials(setting, mode):
    cat, sc = setting
    prep = prepare(sc, cat, EARTH, fly_raid(sc, cat, EARTH), (mode,))[mode]
    raw = run_trials_mc(prep, TRIALS, 5)
    for k in (0, 17, CHUNK_TRIALS + 3):
        rep = replay_trial(sc, cat, EARTH, mode, k, trials=TRIALS, seed=5)
        assert rep.leakers == raw["leakers"][k]
        assert sum(s.interceptors for s in rep.shots) == raw["used"][k]
        survived = np.array([o.killed_t_s is None for o in rep.objects])
        np.testing.assert_array_equal(survived, raw["survived"][k])
        assert sum(s.interceptors for s in rep.shots if rep.objects[s.target].kind == "decoy") == raw["at_decoys"][k]


def test_replay_events_are_consistent(setting):
    cat, sc = setting
    rep = replay_trial(sc, cat, EARTH, "data-exchange", 3, trials=100, seed=2)
    assert rep.shots, "nrc-2012 fires in every trial"
    for s in rep.shots:
        o = rep.objects[s.target]
        assert o.launch_t_s < s.launch_t_s < s.intercept_t_s
        assert o.first_track_t_s is not None and o.first_track_t_s < s.launch_t_s  # no shot without a track
        assert s.authority in ("organic", "launch-on-remote", "engage-on-remote")
    for o in rep.objects:
        if o.killed_t_s is not None:
            assert any(s.target == o.index and s.killed and s.intercept_t_s == o.killed_t_s for s in rep.shots)
        assert o.leaked == (o.kind == "warhead" and o.killed_t_s is None)
        assert (o.leak_cause is not None) == o.leaked
    t = [e["t_s"] for e in rep.events()]
    assert t == sorted(t)
    js = rep.to_json()
    assert js["leakers"] == rep.leakers and len(js["shots"]) == len(rep.shots)
    assert len(rep.to_dataframe()) == len(rep.shots)


def test_replay_refuses_a_trial_outside_the_run(setting):
    cat, sc = setting
    with pytest.raises(InputError, match="0..99"):
        replay_trial(sc, cat, EARTH, "joint", 100, trials=100, seed=1)
