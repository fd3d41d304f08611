"""Scenarios: validation with one-line errors naming the field; ``openbmd track`` through ``register``."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from openbmd.catalog import load_catalog
from openbmd.cli.tracking import register
from openbmd.errors import InputError
from openbmd.tracking import builtin_scenario, load_scenario, parse_scenario, run_scenario
from openbmd.tracking.scenario import check_names

GOOD = {"parties": {"nato": {"sensors": ["kurecik", "sbirs"]}},
        "threats": [{"id": "a", "missile": "shahab-3", "from": "tabriz", "to": "ankara"}]}


def _with(path: str, value):
    data = json.loads(json.dumps(GOOD))
    node = data
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[int(k)] if isinstance(node, list) else node[k]
    last = keys[-1]
    if value is _DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


_DELETE = object()


def test_builtin_scenario_names_the_issue_sensors():
    sc = builtin_scenario("iran-europe")
    sensors = {s for p in sc.parties.values() for s in p.sensors}
    assert {"kurecik", "gabala", "armavir", "sbirs"} <= sensors and any(s.startswith("aegis") for s in sensors)
    check_names(sc, load_catalog())
    assert load_scenario("iran-europe") == sc


@pytest.mark.parametrize("path, value, field", [
    ("threats.0.missile", _DELETE, "threats.0.missile"),
    ("threats.0.launch_s", "soon", "threats.0.launch_s"),
    ("threats.0.launch_s", -5, "threats.0.launch_s"),
    ("parties.nato.sensors", [], "parties.nato.sensors"),
    ("parties.nato.colour", "blue", "parties.nato.colour"),
    ("parties.nato.share", {"sensors": ["gabala"]}, "parties.nato"),
    ("rcs_m2", 0, "rcs_m2"),
    ("threats", [], "threats"),
])
def test_malformed_scenarios_get_one_line_naming_the_field(path, value, field):
    with pytest.raises(InputError) as info:
        parse_scenario(_with(path, value))
    msg = str(info.value)
    assert "\n" not in msg and field in msg


@pytest.mark.parametrize("path, value, field, word", [
    ("parties.nato.sensors", ["kurecik", "kurecikk"], "parties.nato.sensors.1", "kurecikk"),
    ("parties.nato.sensors", ["warsaw"], "parties.nato.sensors.0", "no sensors"),
    ("threats.0.missile", "shahab-9", "threats.0.missile", "shahab-9"),
    ("threats.0.to", "atlantis", "threats.0.to", "atlantis"),
])
def test_unknown_names_are_errors_naming_the_field(path, value, field, word):
    with pytest.raises(InputError) as info:
        check_names(parse_scenario(_with(path, value)), load_catalog())
    msg = str(info.value)
    assert "\n" not in msg and field in msg and word in msg


def test_duplicate_threat_ids_and_bad_files(tmp_path):
    data = _with("threats", GOOD["threats"] * 2)
    with pytest.raises(InputError, match="unique"):
        parse_scenario(data)
    with pytest.raises(InputError, match="no scenario file"):
        load_scenario(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("parties: [unclosed\n")
    with pytest.raises(InputError, match="not valid YAML"):
        load_scenario(bad)
    with pytest.raises(InputError, match="^party: unknown party"):
        run_scenario(parse_scenario(GOOD), "nobody")


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def _noop() -> None:  # a second command keeps `track` a named subcommand
        pass

    return app


def test_track_command_json_contract(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: one\nparties:\n  nato:\n    sensors: [kurecik, sbirs]\n"
                    "threats:\n  - {id: a, missile: shahab-3, from: tabriz, to: ankara, launch_s: 5}\n")
    png = tmp_path / "t.png"
    result = CliRunner().invoke(_app(), ["track", "--scenario", str(path), "--party", "nato", "--json",
                                         "--png", str(png)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)  # progress lines go to stderr, never into the JSON
    (threat,) = out["threats"]
    assert {"id", "first_detection_s", "firm_track_s", "launch_point_error_m", "impact_error_m_vs_time"} <= set(threat)
    assert threat["id"] == "a" and 0 < threat["first_detection_s"] <= threat["firm_track_s"]
    assert all(len(pair) == 2 for pair in threat["impact_error_m_vs_time"])
    assert png.stat().st_size > 5_000


def test_track_command_bad_scenario_is_an_input_error(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("parties:\n  nato:\n    sensors: [kurecik, nowhere]\nthreats:\n"
                    "  - {id: a, missile: shahab-3, from: tabriz, to: ankara}\n")
    result = CliRunner().invoke(_app(), ["track", "--scenario", str(path), "--party", "nato"])
    assert isinstance(result.exception, InputError)
    assert "parties.nato.sensors.1" in str(result.exception) and "\n" not in str(result.exception)
