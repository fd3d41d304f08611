"""``--uncertainty N`` on engage, footprint, assure and exercise: the command again on N catalog variants drawn
from the estimate ranges, the share of draws in which each conclusion holds, and what it turns on."""

import json
from pathlib import Path

import pytest

from openbmd import api
from openbmd.cli import main

SMALL = str(Path(__file__).parent / "data" / "uncertainty-small.yaml")
NEAR = ["engage", "--threat", "sejjil-2", "--from", "tabriz", "--to", "ankara", "--site", "deveselu",
        "--interceptor", "sm3-ib", "--quiet"]
"""Ankara lies about 1,000 km from Tabriz, far inside the reach of every Sejjil-2 variant."""
WARSAW = ["engage", "--threat", "generic-irbm", "--from", "tabriz", "--to", "warsaw", "--site", "redzikowo",
          "--interceptor", "sm3-iia", "--sensor", "kurecik", "--quiet"]
FOOTPRINT = ["footprint", "--threat-origin", "tabriz", "--missile", "generic-irbm", "--site", "deveselu",
             "--interceptor", "sm3-iia", "--sensor", "kurecik", "--region", "40,50,20,35", "--grid", "2deg", "--quiet"]
ASSURE = ["assure", "--deployment", "epaa-phase3", "--forces", "kozelsk", "--targets", "boston", "--quiet"]
EXERCISE = ["exercise", "run", SMALL, "--trials", "5", "--modes", "independent,data-exchange", "--quiet"]


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def _conclusion(block: dict, name: str) -> dict:
    return next(c for c in block["conclusions"] if c["conclusion"] == name)


def _check_shape(block: dict, trials: int, seed: int) -> None:
    assert block["trials"] == trials and block["seed"] == seed and block["percentiles"] == [5.0, 50.0, 95.0]
    drawn = {f["figure"] for f in block["figures"]}
    assert drawn and all(f["low"] <= f["value"] <= f["high"] for f in block["figures"])
    for c in block["conclusions"]:
        assert set(c) == {"conclusion", "nominal", "holds_share", "draws", "sensitivity"}
        assert 0 <= c["draws"] <= trials and (c["holds_share"] is None or 0.0 <= c["holds_share"] <= 1.0)
    for q in block["quantities"]:
        assert {"quantity", "nominal", "p5", "p50", "p95", "sensitivity"} <= set(q)
        if q["p50"] is not None:
            assert q["p5"] <= q["p50"] <= q["p95"]
    for row in block["conclusions"] + block["quantities"]:
        r = [abs(s["rank_correlation"]) for s in row["sensitivity"]]
        assert r == sorted(r, reverse=True) and {s["figure"] for s in row["sensitivity"]} <= drawn


def test_engage_repeats_with_the_seed_and_zero_draws_change_nothing(capsys):
    a = _json(capsys, [*NEAR, "--uncertainty", "3", "--seed", "5", "--json"])
    assert _json(capsys, [*NEAR, "--uncertainty", "3", "--seed", "5", "--json"]) == a
    plain = _json(capsys, [*NEAR, "--json"])
    assert "uncertainty" not in plain and _json(capsys, [*NEAR, "--uncertainty", "0", "--json"]) == plain
    assert {k: v for k, v in a.items() if k != "uncertainty"} == plain  # the draws leave the nominal answer alone
    u = a["uncertainty"]
    _check_shape(u, 3, 5)
    reach = _conclusion(u, "threat reaches the target")
    assert reach["nominal"] and reach["holds_share"] == 1.0 and reach["draws"] == 3
    assert any(f["figure"].startswith("sejjil-2.stages.") for f in u["figures"])
    assert any(f["figure"].startswith("sm3-ib.") for f in u["figures"])


def test_engage_shoot_look_shoot_turns_on_the_estimates(capsys):
    u = _json(capsys, [*WARSAW, "--uncertainty", "5", "--seed", "1", "--json"])["uncertainty"]
    _check_shape(u, 5, 1)
    assert _conclusion(u, "window exists")["holds_share"] == 1.0
    sls = _conclusion(u, "shoot-look-shoot possible")
    assert sls["nominal"] and 0.0 < sls["holds_share"] < 1.0 and sls["sensitivity"]
    first = next(q for q in u["quantities"] if q["quantity"] == "earliest_intercept_s")
    assert first["p5"] < first["p95"]  # the decision delay and the missile's figures move the first intercept


def test_engage_text_gives_the_share_of_draws(capsys):
    assert main([*NEAR, "--uncertainty", "2", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "Uncertainty: 2 catalog variants (seed 3)" in out
    assert "threat reaches the target in 100 % of draws (nominal: yes)" in out


def test_footprint_gives_the_share_of_draws_defending_each_point(capsys):
    doc = _json(capsys, [*FOOTPRINT, "--uncertainty", "2", "--json"])
    u = doc["uncertainty"]
    _check_shape(u, 2, 0)
    maps = u["maps"]
    share = maps["defended"]
    assert len(share) == len(maps["lat_deg"]) and all(len(row) == len(maps["lon_deg"]) for row in share)
    assert {x for row in share for x in row} <= {0.0, 0.5, 1.0}
    by_share = u["area_defended_km2_by_share"]
    assert list(by_share) == ["1", "0.95", "0.5", "0.05"]
    areas = list(by_share.values())
    assert areas == sorted(areas)
    defended = next(q for q in u["quantities"] if q["quantity"] == "defended_area_km2")
    # what every draw defends lies inside each draw's area; what any draw defends covers each
    assert by_share["1"] <= defended["p5"] * (1 + 1e-9) and by_share["0.05"] >= defended["p95"] * (1 - 1e-9)
    assert defended["nominal"] == pytest.approx(doc["defended_area_km2"])
    assert {"threatened_area_km2", "defended_fraction"} <= {q["quantity"] for q in u["quantities"]}


def test_assure_pair_kozelsk_boston_depends_on_the_estimates(capsys):
    data = _json(capsys, [*ASSURE, "--uncertainty", "3", "--json"])
    u = data["uncertainty"]
    _check_shape(u, 3, 0)
    pair = _conclusion(u, "kozelsk -> boston engageable")
    assert pair["draws"] == 3 and 0.0 < pair["holds_share"] < 1.0 and not pair["nominal"]
    assert {s["name"] for s in data["sites"]} == {c["conclusion"].split(" (")[0] for c in u["conclusions"]
                                                   if "border" in c["conclusion"]}
    reach = next(q for q in u["quantities"] if q["quantity"] == "reachable_pairs")
    assert reach["nominal"] == 1.0


def test_exercise_repeats_with_the_seed_and_says_how_often_a_mode_beats_independent(capsys):
    a = _json(capsys, [*EXERCISE, "--uncertainty", "2", "--json"])
    u = a["uncertainty"]
    _check_shape(u, 2, 1)
    beats = _conclusion(u, "data-exchange beats independent")
    reach = _conclusion(u, "every raid missile reaches its target")
    assert reach["draws"] == 2 and beats["draws"] == round(reach["holds_share"] * 2)  # decided where the raid flies
    assert {"independent p_no_leak", "data-exchange p_no_leak"} <= {q["quantity"] for q in u["quantities"]}
    r = api.exercise(SMALL, trials=5, seed=1, modes="independent,data-exchange", uncertainty=2, progress=False)
    assert r.to_json()["uncertainty"] == u and r.uncertainty.n == 2


@pytest.mark.parametrize("argv, words", [
    ([*NEAR, "--uncertainty", "-1"], "--uncertainty: must be a whole number of variants from 0 (none) to 10,000"),
    ([*FOOTPRINT, "--uncertainty", "20000"], "--uncertainty: must be a whole number of variants"),
    ([*ASSURE, "--uncertainty", "2", "--report", "out-unc"], "--uncertainty: the HTML report shows the nominal"),
    ([*EXERCISE, "--uncertainty", "2", "--report", "out-unc"], "--uncertainty: the HTML report shows the nominal"),
    ([*EXERCISE, "--uncertainty", "-3"], "--uncertainty: must be a whole number"),
])
def test_bad_uncertainty_gets_one_line_and_exit_2(capsys, tmp_path, monkeypatch, argv, words):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err


@pytest.mark.parametrize("value", [-1, True, 2.5, 10_001])
def test_api_refuses_a_bad_count_before_any_work(value):
    calls = [lambda: api.engage("sejjil-2", "tabriz", "ankara", sites="deveselu", uncertainty=value),
             lambda: api.footprint("generic-irbm", "tabriz", sites="deveselu", uncertainty=value, progress=False),
             lambda: api.assure("epaa-phase3", forces="kozelsk", targets="boston", uncertainty=value,
                                progress=False),
             lambda: api.exercise(SMALL, trials=2, uncertainty=value, progress=False)]
    for call in calls:
        with pytest.raises(api.InputError, match="uncertainty: must be a whole number of variants"):
            call()


@pytest.mark.parametrize("argv", [ASSURE, EXERCISE], ids=["assure", "exercise"])
def test_zero_draws_leave_the_output_as_it_was(capsys, argv):
    plain = _json(capsys, [*argv, "--json"])
    assert "uncertainty" not in plain and _json(capsys, [*argv, "--uncertainty", "0", "--json"]) == plain


def test_a_figure_given_on_the_command_line_is_not_drawn(capsys):
    u = _json(capsys, [*NEAR, "--launch-delay", "60s", "--uncertainty", "2", "--json"])["uncertainty"]
    drawn = {f["figure"] for f in u["figures"]}
    assert "default.decision_delay_s" not in drawn and "default.firm_track_delay_s" in drawn


def test_the_text_lists_the_conclusions_the_draws_split_and_counts_the_others(capsys):
    from openbmd.cli.uncertainty import LISTED, print_study

    fig = [{"figure": "gbi.burnout_speed_mps", "rank_correlation": 0.81}]
    rows = [{"conclusion": f"base{i} -> city engageable", "nominal": i == 0, "holds_share": 1.0 if i < 3 else 0.0,
             "draws": 10, "sensitivity": []} for i in range(LISTED + 5)]
    rows[5] = {**rows[5], "holds_share": 0.3, "sensitivity": fig}
    rows[6] = {**rows[6], "holds_share": 0.5, "draws": 4}
    block = {"trials": 10, "seed": 7, "figures": [{}] * 3, "conclusions": rows,
             "quantities": [{"quantity": "engageable_pairs", "nominal": 3.0, "p5": 2.0, "p50": 3.0, "p95": 5.0,
                             "sensitivity": fig}]}
    print_study(block)
    out = capsys.readouterr().out
    assert "Uncertainty: 10 catalog variants (seed 7) over 3 estimated figures" in out
    assert "base5 -> city engageable in 30 % of draws (nominal: no); most sensitive to gbi.burnout_speed_mps (+0.81)" \
        in out
    assert "base6 -> city engageable in 50 % of the 4 draws that decide it (6 could not)" in out
    assert f"the other {LISTED + 3} conclusions are the same in every draw: 3 hold, {LISTED} do not" in out
    assert "base0 -> city" not in out
    assert "engageable_pairs: 3 (5-95 %: 2 - 5; nominal 3)" in out
