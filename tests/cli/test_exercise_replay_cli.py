"""``openbmd exercise replay``: bad invocations get one line and exit 2; a good one prints the trial's
events, and its --json holds the map that ``openbmd view`` opens, the same trial as the API's."""

from __future__ import annotations

import json

import pytest

from openbmd.cli import main

REPLAY = ["exercise", "replay", "nrc-2012"]


@pytest.mark.parametrize("argv, words", [
    ([*REPLAY, "--mode", "united"], "--mode: unknown mode 'united'"),
    ([*REPLAY, "--trial", "20", "--trials", "20"], "--trial: must be in 0..19"),
    ([*REPLAY, "--trial", "-1", "--trials", "20"], "--trial: must be in 0..19"),
    ([*REPLAY, "--trials", "0"], "--trials: must be at least 1"),
    ([*REPLAY, "--export", "out.shp"], "--export: cannot tell the format of 'out.shp'"),
    (["exercise", "replay", "nowhere"], "scenario: no built-in scenario or file 'nowhere'"),
])
def test_bad_invocation_gets_one_line(capsys, argv, words):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("openbmd: error: ") and words in err, err


def test_a_replay_prints_its_events_and_writes_the_map(capsys, tmp_path):
    import openbmd.api as api
    from openbmd.report.exports import read_scene

    args = [*REPLAY, "--mode", "independent", "--trial", "0", "--trials", "20", "--seed", "1"]
    assert main([*args, "--json", "--export", str(tmp_path / "r.czml"), "--png", str(tmp_path / "r.png")]) == 0
    doc = json.loads(capsys.readouterr().out)
    want = api.replay("nrc-2012", "independent", 0, trials=20, seed=1)
    assert doc["events"] == json.loads(json.dumps(want.events()))
    assert doc["leakers"] == want.leakers
    (tmp_path / "r.json").write_text(json.dumps(doc))
    scene = read_scene(tmp_path / "r.json")  # what openbmd view r.json shows
    assert len(scene.paths) == len(want.replay.objects) + len(want.replay.shots)
    assert json.loads((tmp_path / "r.czml").read_text())[0]["id"] == "document"
    assert (tmp_path / "r.png").stat().st_size > 10_000
    assert main(args) == 0
    table = capsys.readouterr().out
    assert f"{want.leakers} leakers" in table
    assert table.count("kill") >= sum(o.killed_t_s is not None for o in want.replay.objects)
