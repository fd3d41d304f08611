"""exercise compare: two scenarios with the same trials and seed, paired trial by trial (B − A)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import openbmd as ob
from openbmd.cli import main
from openbmd.errors import InputError
from openbmd.exercise.compare import compare_results
from openbmd.exercise.scenario import load_scenario

MODES = "independent,joint"
TRIALS = 300


@pytest.fixture(scope="module")
def catalog():
    return ob.Catalog.load()


@pytest.fixture(scope="module")
def base(catalog):
    return load_scenario("nrc-2012", catalog)


@pytest.fixture(scope="module")
def stocked(base):
    """nrc-2012 with every battery's inventory doubled: the same objects, parties and sensors (common draws)."""
    parties = [p.model_copy(update={"batteries": [b.model_copy(update={"inventory": 2 * b.inventory})
                                                  for b in p.batteries]}) for p in base.parties]
    return base.model_copy(update={"parties": parties, "name": "nrc-2012-stocked"})


@pytest.fixture(scope="module")
def comparison(base, stocked, catalog):
    return ob.compare_exercises(base, stocked, trials=TRIALS, seed=3, modes=MODES, progress=False, catalog=catalog)


def test_a_scenario_against_itself_differs_by_nothing(comparison):
    c = compare_results(comparison.a.result, comparison.a.result)
    for m in c.modes:
        assert m.p_no_leak_diff == 0.0 and m.p_no_leak_diff_ci == (0.0, 0.0) and not m.significant
        assert m.expected_leakers_diff == 0.0 and m.expected_leakers_diff_ci == (0.0, 0.0)


def test_paired_differences_agree_with_the_two_runs_and_pairing_narrows_the_interval(comparison):
    doc = comparison.to_json()
    assert doc["a"] == "nrc-2012" and doc["b"] == "nrc-2012-stocked" and doc["trials"] == TRIALS
    assert list(doc["modes"]) == MODES.split(",")
    for mode, v in doc["modes"].items():
        a, b = comparison.a.result.modes[mode], comparison.b.result.modes[mode]
        assert v["p_no_leak"] == {"a": a.p_no_leak, "b": b.p_no_leak}
        assert v["p_no_leak_diff"] == pytest.approx(b.p_no_leak - a.p_no_leak, abs=1e-12)
        assert v["expected_leakers_diff"] == pytest.approx(b.expected_leakers - a.expected_leakers)
        lo, hi = v["p_no_leak_diff_ci"]
        assert lo <= v["p_no_leak_diff"] <= hi
        # More interceptors never lower P(no leak) (a monotone law, paired draws)...
        assert v["p_no_leak_diff"] >= 0.0 and v["expected_leakers_diff"] <= 0.0
        # ...and common random numbers make the paired interval narrower than two independent runs' would be.
        pa, pb = a.p_no_leak, b.p_no_leak
        unpaired = 1.96 * math.sqrt((pa * (1 - pa) + pb * (1 - pb)) / TRIALS)
        assert (hi - lo) / 2 <= unpaired + 1e-12
    frame = comparison.to_dataframe()
    assert list(frame.index) == MODES.split(",")
    assert frame.loc["joint", "p_no_leak_diff"] == doc["modes"]["joint"]["p_no_leak_diff"]
    assert len(comparison.plot().axes) == 2
    assert "nrc-2012-stocked" in repr(comparison)


def test_runs_with_different_trials_or_seeds_do_not_pair(comparison, base, catalog):
    other = ob.exercise(base, trials=TRIALS, seed=4, modes="joint", progress=False, catalog=catalog)
    with pytest.raises(InputError) as info:
        compare_results(comparison.a.result, other.result)
    assert info.value.argument == "b" and "seed" in str(info.value)


def test_cli_compare_table_and_json(capsys, tmp_path, stocked):
    variant = tmp_path / "stocked.yaml"
    variant.write_text(json.dumps(stocked.model_dump(mode="json")), encoding="utf-8")  # JSON is YAML
    argv = ["exercise", "compare", "nrc-2012", str(variant), "--trials", "200", "--modes", "joint", "--quiet"]
    assert main([*argv, "--json"]) == 0
    out = capsys.readouterr()
    doc = json.loads(out.out)
    assert doc["a"] == "nrc-2012" and doc["b"] == str(variant) and doc["difference"] == "b - a"
    assert set(doc["modes"]["joint"]) >= {"p_no_leak", "p_no_leak_diff", "p_no_leak_diff_ci", "expected_leakers",
                                          "expected_leakers_diff", "expected_leakers_diff_ci", "significant"}
    assert out.err == ""
    assert main(argv) == 0
    table = capsys.readouterr().out
    d = doc["modes"]["joint"]
    assert "paired trials" in table and f"{d['p_no_leak_diff']:+.3f} ± " in table


@pytest.mark.parametrize("args, words", [
    (["nrc-2012", "nowhere"], "B: no built-in scenario or file 'nowhere'"),
    (["nowhere", "nrc-2012"], "A: no built-in scenario or file 'nowhere'"),
    (["nrc-2012", "nrc-2012", "--trials", "0"], "--trials: must be at least 1"),
    (["nrc-2012", "nrc-2012", "--modes", "united"], "--modes: unknown mode 'united'"),
    (["nrc-2012"], "Missing argument 'B'"),
])
def test_cli_compare_bad_input(capsys, args, words):
    assert main(["exercise", "compare", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err, err


SMALL = Path(__file__).parents[1] / "cli" / "data" / "uncertainty-small.yaml"


def test_compare_over_catalog_variants_pairs_each_draw(capsys, tmp_path, catalog):
    """--uncertainty N: both scenarios on each catalog variant, paired as in the nominal run. Doubling every
    battery's stock never leaks more, in any draw; the CLI's block is the API's."""
    small = load_scenario(str(SMALL), catalog)
    parties = [p.model_copy(update={"batteries": [b.model_copy(update={"inventory": 2 * b.inventory})
                                                  for b in p.batteries]}) for p in small.parties]
    stocked = tmp_path / "small-stocked.yaml"
    stocked.write_text(json.dumps(small.model_copy(update={"parties": parties}).model_dump(mode="json")),
                       encoding="utf-8")
    argv = ["exercise", "compare", str(SMALL), str(stocked), "--trials", "40", "--modes", "independent,joint",
            "--quiet", "--uncertainty", "3", "--seed", "2"]
    assert main([*argv, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    u = doc["uncertainty"]
    assert u["trials"] == 3 and u["seed"] == 2
    api = ob.compare_exercises(str(SMALL), str(stocked), trials=40, seed=2, modes="independent,joint",
                               progress=False, uncertainty=3)
    assert api.to_json() == doc and api.uncertainty.n == 3
    conclusions = {c["conclusion"]: c for c in u["conclusions"]}
    reach = conclusions["every raid missile reaches its target"]
    assert reach["nominal"] and reach["draws"] == 3 and reach["holds_share"] > 0.0
    for mode in ("independent", "joint"):
        fewer = conclusions[f"{mode}: B leaks fewer than A"]
        assert fewer["nominal"] == (doc["modes"][mode]["expected_leakers_diff"] < 0.0)
        assert fewer["draws"] == round(reach["holds_share"] * 3)  # decided where the raid flies
        diff = next(q for q in u["quantities"] if q["quantity"] == f"{mode} expected_leakers_diff")
        assert diff["nominal"] == doc["modes"][mode]["expected_leakers_diff"]
        assert diff["p95"] is None or diff["p95"] <= 0.0  # more interceptors never leak more, in every draw
    assert main(argv) == 0
    assert "Uncertainty: 3 catalog variants (seed 2)" in capsys.readouterr().out
    assert "uncertainty" not in ob.compare_exercises(str(SMALL), str(SMALL), trials=5, seed=2, modes="joint",
                                                     progress=False).to_json()


def test_compare_refuses_a_bad_variant_count(capsys):
    assert main(["exercise", "compare", str(SMALL), str(SMALL), "--uncertainty", "-1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--uncertainty: must be a whole number of variants" in err, err
