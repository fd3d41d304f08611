"""What a group learns after launch: kill assessment needs a sensor that sees the intercept (and what a group does
where it cannot see one, doctrine ``unassessed_follow_up``), and the atmosphere strips light decoys."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from openbmd.catalog import load_catalog
from openbmd.earth import wgs84
from openbmd.exercise.montecarlo import draw_trials, run_logged, run_trials_mc
from openbmd.exercise.geometry import prepare
from openbmd.exercise.scenario import load_scenario

EARTH = wgs84()
TRIALS = 300


@pytest.fixture(scope="module")
def preps():
    catalog = load_catalog()
    return prepare(load_scenario("nrc-2012", catalog), catalog, EARTH, modes=("independent", "data-exchange"))


def _seeing(prep, seen: bool, follow_up: str = "re-engage"):
    return dataclasses.replace(prep, seen=np.full_like(prep.seen, seen), unassessed_follow_up=follow_up)


@pytest.mark.parametrize("mode", ["independent", "data-exchange"])
def test_a_group_that_sees_every_intercept_never_launches_once_it_knows_of_the_kill(preps, mode):
    """Every party's radars see every intercept: no shot at a killed object launches after the kill is known to
    every group (its intercept + kill assessment + data latency)."""
    prep = _seeing(preps[mode], True)
    draws = draw_trials(prep, TRIALS, np.random.default_rng(4))
    _, log = run_logged(prep, draws)
    known_by_all = prep.kill_assessment_s + prep.data_latency_s.max()
    late = checked = 0
    for tr in range(TRIALS):
        rows = log[tr][log[tr][:, 0] >= 0]
        for i in np.unique(rows[rows[:, 7] == 1, 0]).astype(int):
            at_i = rows[rows[:, 0] == i]
            kill_t = at_i[at_i[:, 7] == 1, 5].min()
            late += int(np.sum(at_i[:, 4] >= kill_t + known_by_all))
            checked += 1
    assert checked > TRIALS and late == 0


@pytest.mark.parametrize("mode", ["independent", "data-exchange"])
def test_where_no_sensor_sees_an_intercept_no_kill_is_known_and_follow_ups_fire_blind(preps, mode):
    """No radar sees any intercept: no group learns of a kill, so every planned look-shot is fired whatever the
    first shot did. Paired with the all-seeing case: at least as many interceptors, more of them wasted."""
    blind, sighted = (run_trials_mc(_seeing(preps[mode], s), TRIALS, 5) for s in (False, True))
    assert np.all(blind["used"] >= sighted["used"]) and blind["used"].mean() > sighted["used"].mean()
    assert blind["wasted"].mean() > sighted["wasted"].mean()


def test_the_unassessed_doctrine_matters_only_where_an_intercept_goes_unseen(preps):
    """With every intercept seen, 'shoot-shoot' and 're-engage' give the same trials to the bit; with none seen,
    'shoot-shoot' holds no blind look-shot: it fires fewer interceptors."""
    prep = preps["independent"]
    a, b = (run_trials_mc(_seeing(prep, True, f), TRIALS, 6) for f in ("re-engage", "shoot-shoot"))
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    blind, shoot = (run_trials_mc(_seeing(prep, False, f), TRIALS, 6) for f in ("re-engage", "shoot-shoot"))
    assert shoot["used"].mean() < blind["used"].mean()
    assert shoot["wasted"].mean() < blind["wasted"].mean()


def test_the_doctrine_is_scenario_data(tmp_path):
    catalog = load_catalog()
    sc = load_scenario("nrc-2012", catalog)
    assert sc.doctrine.unassessed_follow_up == "re-engage"
    changed = sc.model_copy(update={"doctrine": sc.doctrine.model_copy(update={"unassessed_follow_up": "shoot-shoot"})})
    assert prepare(changed, catalog, EARTH, modes=("joint",))["joint"].unassessed_follow_up == "shoot-shoot"


def test_a_terminal_defence_waits_for_the_atmosphere_to_strip_the_light_decoys():
    """Moscow's A-235 alone against the Moscow-bound IRBMs, each with a light decoy, and no sensor able to tell
    them apart. The decoys are stripped at 776 s and its last launch is at 809 s: on the prompt timeline (decision
    15 s) waiting for the strip leaves it a window, so it fires at the warheads only, while without the wait it
    spends interceptors on decoys; on the default timeline (decision 60 s) no window is left after the strip, and it
    fires at both as before."""
    catalog = load_catalog()
    sc = load_scenario("nrc-2012", catalog)
    nato, russia = sc.parties
    moscow = russia.model_copy(update={"batteries": [b for b in russia.batteries if b.site == "moscow-abm"]})
    none = {role: d.model_copy(update={"p": 0.0}) for role, d in sc.doctrine.discrimination.items()}
    raid = [r.model_copy(update={"decoys": 1}) for r in sc.raid if r.target == "moscow"]
    used = {}
    for timeline in ("prompt", "default"):
        for wait in (True, False):
            doctrine = sc.doctrine.model_copy(update={"discrimination": none, "wait_for_decoy_strip": wait})
            s = sc.model_copy(update={"parties": [nato.model_copy(update={"batteries": []}), moscow], "raid": raid,
                                      "doctrine": doctrine, "timeline": timeline})
            prep = prepare(s, catalog, EARTH, modes=("independent",))["independent"]
            used[timeline, wait] = run_trials_mc(prep, 200, 3)
    assert used["prompt", True]["at_decoys"].sum() == 0 and used["prompt", False]["at_decoys"].mean() > 1.0
    assert np.mean(used["prompt", True]["leakers"] == 0) >= np.mean(used["prompt", False]["leakers"] == 0)
    for key in used["default", True]:
        np.testing.assert_array_equal(used["default", True][key], used["default", False][key])
