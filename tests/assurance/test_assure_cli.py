"""``openbmd assure`` end to end: JSON contract, report folder, declarations and one-line errors."""

from __future__ import annotations

import json

import pytest

from openbmd.cli import main

BASE = ["assure", "--forces", "kozelsk,teykovo", "--targets", "washington,chicago,ottawa"]


def test_assure_json_contract_with_criteria_and_report(capsys, tmp_path):
    assert main([*BASE, "--deployment", "epaa-phase4", "--criteria", "russia-2011-2012", "--json", "--sweep",
                 "--report", str(tmp_path / "r")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["total_pairs"] == 6
    assert {"base", "target", "engageable", "speed_threshold_mps", "window"} <= set(out["pairs"][0])
    assert {"name", "border_distance_m", "max_reach_m", "satisfies_distance_criterion"} <= set(out["sites"][0])
    assert {c["name"] for c in out["criteria"]} == {"antonov-speed", "hundreds-not-thousand", "southern-europe",
                                                    "rogozin-distance"}
    assert all({"name", "satisfied", "detail"} <= set(c) for c in out["criteria"])
    assert len(out["sensitivity"]["engageable_pairs"]) == len(out["sensitivity"]["delays_s"])
    html = (tmp_path / "r" / "index.html").read_text()
    assert "Sensitivity" in html
    assert "data:image/png;base64," in html and "Wilkening" in html and "http" not in html.split("<body>")[0]
    assert json.loads((tmp_path / "r" / "assurance.json").read_text())["summary"] == out["summary"]


def test_speed_and_delay_options_change_the_answer(capsys):
    assert main([*BASE, "--deployment", "epaa-phase3", "--interceptor-speed", "9km/s", "--delay", "0s",
                 "--json"]) == 0
    fast = json.loads(capsys.readouterr().out)["summary"]["engageable_pairs"]
    assert main([*BASE, "--deployment", "epaa-phase3", "--interceptor-speed", "1km/s", "--json"]) == 0
    slow = json.loads(capsys.readouterr().out)["summary"]["engageable_pairs"]
    assert fast > 0 and slow == 0


def test_by_year_and_table_output(capsys):
    assert main([*BASE, "--deployment", "epaa-declared", "--by-year"]) == 0
    text = capsys.readouterr().out
    assert "2011:" in text and "2020:" in text and "border distance" in text


def test_deployment_from_a_file(capsys, tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text("""kind: deployment
entries:
  - name: my-deployment
    display_name: Mine
    country: USA
    status: hypothetical
    emplacements: [{site: deveselu, interceptor: sm3-iib, count: 24}]
    sensors: [sbirs]
    confidence: estimate
    source: {title: my own reading}
""")
    assert main([*BASE, "--deployment", str(f), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["deployment"] == "my-deployment"


@pytest.mark.parametrize("args, words", [
    (["--deployment", "epaa-phase9"], "--deployment: unknown deployment 'epaa-phase9'"),
    (["--deployment", "epaa-phase3", "--forces", "china-icbm"], "--forces: unknown place 'china-icbm'"),
    (["--deployment", "epaa-phase3", "--targets", "atlantis"], "--targets: unknown place 'atlantis'"),
    (["--deployment", "epaa-phase3", "--criteria", "nope"], "--criteria: unknown criteria 'nope'"),
    (["--deployment", "epaa-phase3", "--by-year"], "--by-year: deployment 'epaa-phase3' has no annual declaration"),
    (["--deployment", "missing.yaml"], "--deployment: no such file 'missing.yaml'"),
])
def test_bad_input_is_one_line(capsys, args, words):
    assert main(["assure", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err


def test_malformed_deployment_file_names_the_field(capsys, tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("kind: deployment\nentries:\n  - name: bad\n    display_name: Bad\n    country: USA\n"
                 "    status: hypothetical\n    emplacements: [{site: deveselu, interceptor: sm3-ib, count: -3}]\n"
                 "    confidence: estimate\n    source: {title: x}\n")
    assert main(["assure", "--deployment", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "emplacements.0.count" in err
