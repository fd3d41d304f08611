"""``openbmd catalog list|show``: tables, JSON, and one-line errors with exit status 2."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

Main = Callable[[list[str]], int]


@pytest.fixture
def main() -> Main:
    """``openbmd.cli.main``, imported per test so that a broken sibling command fails these tests, not collection."""
    from openbmd.cli import main as cli_main

    return cli_main


def test_list_missiles(main: Main, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "list", "missiles"]) == 0
    out = capsys.readouterr().out
    for name in ("shahab-3", "sejjil-2", "minuteman-iii", "rs-24"):
        assert name in out
    assert "1,300 km" in out  # figures converted to km
    assert "warsaw" not in out


def test_list_place_type(main: Main, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "list", "launch-areas"]) == 0
    out = capsys.readouterr().out
    assert "tabriz" in out and "semnan" in out and "kurecik" not in out


def test_list_json_is_si_as_stored(main: Main, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "list", "interceptors", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_name = {d["name"]: d for d in data}
    assert by_name["sm3-iia"]["burnout_speed_mps"] == 4500
    assert all(d["kind"] == "interceptor" for d in data)


def test_list_all(main: Main, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "list", "--json"]) == 0
    kinds = {d["kind"] for d in json.loads(capsys.readouterr().out)}
    assert kinds == {"missile", "interceptor", "sensor", "place", "timeline", "deployment", "criteria", "assumptions", "region"}


def test_show_prints_fields_units_and_sources(main: Main, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "show", "sejjil-2"]) == 0
    out = capsys.readouterr().out
    assert "max_range_m" in out and "2,000 km" in out
    assert "stage 2 burn" in out and "50 s" in out
    assert "kg/m²" in out
    assert "source 1" in out and "IISS" in out
    assert "estimate" in out


def test_show_gives_each_figure_its_own_provenance(main: Main, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "show", "sm3-iia"]) == 0
    rows = {line.split("│")[1].strip(): line for line in capsys.readouterr().out.splitlines() if line.count("│") >= 3}
    assert "assumption" in rows["single_shot_pk"] and "0.5 - 0.9" in rows["single_shot_pk"]
    assert "estimate 45 s - 65 s" in rows["burn_time_s"]
    assert "published [Upsetting" in rows["burnout_speed_mps"]  # its own, cited sources
    assert "estimate 400 m/s -" in rows["divert_mps"]


def test_show_marks_figures_that_inherit_the_entrys_provenance(main: Main, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "show", "warsaw"]) == 0
    rows = {line.split("│")[1].strip(): line for line in capsys.readouterr().out.splitlines() if line.count("│") >= 3}
    assert "published (entry)" in rows["lat_deg"]


def test_show_json(main: Main, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "show", "kurecik", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "place" and data["place_type"] == "site"
    assert data["sensors"][0]["sensor"] == "an-tpy-2"
    assert data["source"][0]["title"]


@pytest.mark.parametrize("argv, text", [
    (["catalog", "show", "nope"], "unknown name 'nope'"),
    (["catalog", "show", "sejil-2"], "closest: sejjil-2"),
    (["catalog", "list", "rockets"], "unknown kind 'rockets'"),
])
def test_errors_are_one_line_exit_2(main: Main, capsys: pytest.CaptureFixture[str], argv: list[str], text: str) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1
    assert text in err
    assert "Traceback" not in captured.err + captured.out
