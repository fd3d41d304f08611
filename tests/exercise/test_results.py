"""The typed exercise results: attribute access in the package, today's JSON at the boundary."""

from __future__ import annotations

import dataclasses
import json

import pytest

from openbmd.exercise.results import (DecisionProtocol, EqualUse, ExerciseNotes, ExerciseResult, ModeResult,
                                      PairedDifference, PartyMetrics, RaidLeak, UsePoint)

AUTH = {"organic": 3.0, "launch-on-remote": 1.0, "engage-on-remote": 0.0}


def _mode(name: str, **kw) -> ModeResult:
    curve = (UsePoint(0.5, 2.0, 0.2, 1.5), UsePoint(1.0, 4.0, 0.4, 0.8))
    fields = dict(mode=name, trials=10, p_no_leak=0.4, p_no_leak_ci=(0.2, 0.6), expected_leakers=0.8,
                  expected_leakers_ci=(0.5, 1.1), interceptors_used=4.0, interceptors_used_ci=(3.5, 4.5),
                  value_defended=0.9, value_defended_ci=(0.85, 0.95),
                  parties={"nato": PartyMetrics(4.0, (3.5, 4.5), 1.2, (1.0, 1.4), AUTH)}, interceptors_wasted=0.0,
                  interceptors_at_decoys=0.5, interceptors_by_authority=AUTH,
                  leak_causes={"pk miss": 0.6, "no track": 0.2, "inventory": 0.0},
                  leak_by_raid=(RaidLeak("shahab-3", "tabriz", "warsaw", 2, 0.3),),
                  interceptors_per_p=EqualUse(curve, 200, 0.2, 2.0, 2.0, 0.2, 1.5))
    return ModeResult(**{**fields, **kw})


def test_a_mode_writes_todays_keys_in_order_and_leaves_out_what_it_lacks():
    ind = _mode("independent")
    doc = ind.to_json()
    assert list(doc) == ["trials", "p_no_leak", "p_no_leak_ci", "expected_leakers", "expected_leakers_ci",
                         "interceptors_used", "interceptors_used_ci", "value_defended", "value_defended_ci",
                         "parties", "interceptors_wasted", "interceptors_at_decoys", "interceptors_by_authority",
                         "leak_causes", "leak_by_raid", "interceptors_per_p", "explanation"]
    assert doc["p_no_leak_ci"] == [0.2, 0.6] and doc["parties"]["nato"]["kills_ci"] == [1.0, 1.4]
    assert doc["leak_by_raid"] == [{"missile": "shahab-3", "origin": "tabriz", "target": "warsaw", "count": 2,
                                    "p_leak": 0.3}]
    assert doc["interceptors_per_p"]["curve"][1] == {"inventory_scale": 1.0, "interceptors_used": 4.0,
                                                     "p_no_leak": 0.4, "expected_leakers": 0.8}
    assert doc["interceptors_per_p"]["interceptors_at_target"] == 2.0
    assert json.loads(json.dumps(doc)) == doc  # plain JSON types throughout


def test_joint_writes_its_pairing_and_protocol_after_the_raid_table_and_says_so():
    dp = DecisionProtocol(("nato", "russia"), 15.0, 0.5, 0.1, 0.5, -0.1, (-0.2, 0.0), 0.3, (0.1, 0.5), 0.2, 0.1)
    joint = _mode("joint", paired_vs_independent=PairedDifference(0.1, (0.0, 0.2), -0.4, (-0.6, -0.2)),
                  decision_protocol=dp)
    doc = joint.to_json()
    keys = list(doc)
    assert keys.index("leak_by_raid") + 1 == keys.index("paired_vs_independent")
    assert keys.index("paired_vs_independent") + 1 == keys.index("decision_protocol")
    assert keys.index("decision_protocol") + 1 == keys.index("interceptors_per_p")
    assert doc["paired_vs_independent"] == {"p_no_leak_diff": 0.1, "ci": [0.0, 0.2], "expected_leakers_diff": -0.4,
                                            "expected_leakers_ci": [-0.6, -0.2]}
    assert doc["decision_protocol"]["required_parties"] == ["nato", "russia"]
    sentence = joint.explanation
    assert sentence == doc["explanation"]
    assert sentence.startswith("joint: P(no leak) 0.400 with 4.0 interceptors, +0.100 [+0.000, +0.200]")
    assert "by cause: pk miss 0.60, no track 0.20;" in sentence and "inventory" not in sentence
    assert "nato 1.0 launch-on-remote" in sentence and "0.5 went to decoys" in sentence
    assert "approval median 15 s, veto 10%" in sentence and "at equal use (2.0 interceptors)" in sentence


def test_results_are_frozen_and_the_run_writes_its_modes_and_notes():
    joint = _mode("joint")
    with pytest.raises(dataclasses.FrozenInstanceError):
        joint.p_no_leak = 1.0
    notes = ExerciseNotes(2, 2, ("nato/deveselu/sm3-ib",), "fixed", ("kurecik/an-tpy-2",))
    run = ExerciseResult("nrc-2012", 10, 3, {"joint": joint}, notes)
    doc = run.to_json()
    assert list(doc) == ["scenario", "trials", "seed", "modes", "notes"]
    assert doc["modes"]["joint"] == joint.to_json()
    assert doc["notes"] == {"objects": 2, "warheads": 2, "batteries": ["nato/deveselu/sm3-ib"], "tracks": "fixed",
                            "sensors": ["kurecik/an-tpy-2"]}
    assert "notes" not in ExerciseResult("nrc-2012", 10, 3, {"joint": joint}).to_json()
