"""``--catalog FILE`` on every command that reads the catalog: extra entries are used, ``overrides: true``
replaces shipped ones, and a bad file is one line ``file:line:column: ...`` with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openbmd.cli import main

KV = """\
kind: interceptor
{overrides}entries:
  - name: {name}
    display_name: What-if KV
    country: USA
    status: development
    intercept_phase: midcourse
    burnout_speed_mps: {speed}
    burn_time_s: 50
    min_intercept_altitude_m: 80000
    max_intercept_altitude_m: 1200000
    max_range_m: 3000000
    single_shot_pk: 0.7
    confidence: assumption
    source: {{title: what-if}}
"""
BAD = KV.format(overrides="", name="bad-kv", speed=-5)  # burnout_speed_mps must be positive: line 8


@pytest.fixture()
def bad(tmp_path: Path) -> str:
    p = tmp_path / "bad-kv.yaml"
    p.write_text(BAD, encoding="utf-8")
    return str(p)


COMMANDS = {
    "engage": ["engage", "--threat", "generic-irbm", "--from", "tabriz", "--to", "warsaw", "--site", "deveselu"],
    "footprint": ["footprint", "--threat-origin", "tabriz", "--missile", "generic-irbm", "--site", "deveselu",
                  "--grid", "2deg", "--quiet"],
    "assure": ["assure", "--deployment", "epaa-phase1", "--quiet"],
    "exercise": ["exercise", "run", "nrc-2012", "--trials", "1", "--quiet"],
    "threat": ["threat", "--areas", "tabriz", "--missiles", "sejjil-2"],
    "trajectory": ["trajectory", "--missile", "sejjil-2", "--from", "tabriz", "--to", "bucharest"],
    "reconstruct": ["reconstruct", "--apogee", "3725km", "--range", "998km", "--time", "47min"],
    "track": ["track", "--scenario", "iran-europe", "--quiet"],
    "exercise replay": ["exercise", "replay", "nrc-2012", "--trials", "1"],
    "exercise compare": ["exercise", "compare", "nrc-2012", "nrc-2012", "--trials", "1", "--quiet"],
    "flight-test": ["flight-test", "--interceptor", "sm3-iia", "--from", "aegis-black-sea", "--azimuth", "90deg",
                    "--observer", "russia"],
    "catalog show": ["catalog", "show", "sejjil-2"],
    "catalog list": ["catalog", "list", "missiles"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_bad_catalog_file_is_one_line_with_file_line_column_and_exit_2(command, bad, capsys):
    assert main([*COMMANDS[command], "--catalog", bad]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert f"{bad}:8:" in err and "burnout_speed_mps" in err and "greater than 0" in err


def test_an_extra_interceptor_is_flown_by_engage(tmp_path, capsys):
    p = tmp_path / "kv.yaml"
    p.write_text(KV.format(overrides="", name="my-kv", speed=6000), encoding="utf-8")
    argv = [*COMMANDS["engage"][:-2], "--site", "redzikowo", "--interceptor", "my-kv", "--json"]
    assert main([*argv, "--catalog", str(p)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc  # the engagement ran with the file's interceptor
    assert main(argv) == 2
    assert "--interceptor: unknown interceptor 'my-kv'" in capsys.readouterr().err


def test_overrides_replace_a_shipped_entry_and_without_it_a_repeat_is_refused(tmp_path, capsys):
    p = tmp_path / "faster.yaml"
    p.write_text(KV.format(overrides="overrides: true\n", name="sm3-ib", speed=4000), encoding="utf-8")
    assert main(["catalog", "show", "sm3-ib", "--json", "--catalog", str(p)]) == 0
    assert json.loads(capsys.readouterr().out)["burnout_speed_mps"] == 4000
    q = tmp_path / "again.yaml"
    q.write_text(KV.format(overrides="", name="sm3-ib", speed=4000), encoding="utf-8")
    assert main(["catalog", "show", "sm3-ib", "--catalog", str(q)]) == 2
    assert "duplicate name (first defined in interceptors.yaml)" in capsys.readouterr().err


def test_an_override_must_keep_the_kind(tmp_path, capsys):
    p = tmp_path / "kind.yaml"
    p.write_text(KV.format(overrides="overrides: true\n", name="warsaw", speed=4000), encoding="utf-8")
    assert main(["catalog", "show", "warsaw", "--catalog", str(p)]) == 2
    assert "overrides 'warsaw' (kind place, in places.yaml) with an entry of kind interceptor" in capsys.readouterr().err
