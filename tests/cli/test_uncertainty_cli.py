"""``openbmd trajectory --uncertainty N``: the spread of range, apogee and time over the catalog's estimates."""

import json

import pytest

from openbmd import api
from openbmd.cli import main

BASE = ["trajectory", "--missile", "sejjil-2", "--from", "tabriz", "--to", "bucharest"]


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_json_reports_percentiles_sensitivity_and_repeats_with_the_seed(capsys):
    a = _json(capsys, [*BASE, "--uncertainty", "6", "--seed", "2", "--json"])
    u = a["uncertainty"]
    assert u["trials"] == 6 and u["seed"] == 2 and u["percentiles"] == [5.0, 50.0, 95.0]
    for name in ("max_range_m", "ground_range_m", "apogee_altitude_m", "flight_time_s"):
        p = u[name]
        assert p["p5"] <= p["p50"] <= p["p95"]
    assert u["max_range_m"]["p95"] > u["max_range_m"]["p5"]  # the estimates do move the reach
    assert u["sensitivity"][0]["figure"].startswith(("stages.", "payload", "rv_", "diameter"))
    b = _json(capsys, [*BASE, "--uncertainty", "6", "--seed", "2", "--json"])
    assert b["uncertainty"] == u
    assert "uncertainty" not in _json(capsys, [*BASE, "--json"])


def test_table_shows_the_spread(capsys):
    assert main([*BASE, "--uncertainty", "4"]) == 0
    out = capsys.readouterr().out
    assert "4 variants of the catalog figures (seed 0)" in out and "Max range" in out and "5-95 %" in out


def test_api_takes_the_same_monte_carlo():
    r = api.trajectory("sejjil-2", "tabriz", "bucharest", uncertainty=3, seed=2)
    assert r.dispersion is not None and r.dispersion.n == 3
    with pytest.raises(api.InputError, match="whole number"):
        api.trajectory("sejjil-2", "tabriz", "bucharest", uncertainty=-1)


@pytest.mark.parametrize("extra, words", [
    (["--uncertainty", "-2"], "--uncertainty: must be a whole number of variants from 0 (none) to 10,000"),
    (["--uncertainty", "20000"], "--uncertainty: must be a whole number of variants from 0 (none) to 10,000"),
])
def test_bad_trial_counts_get_one_line_and_exit_2(capsys, extra, words):
    assert main([*BASE, *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err


def test_uncertainty_needs_the_catalog_form(capsys):
    argv = ["trajectory", "--burnout-altitude", "100km", "--burnout-speed", "3km/s", "--flight-path-angle", "40deg",
            "--uncertainty", "3"]
    assert main(argv) == 2
    assert "--uncertainty: needs the catalog form" in capsys.readouterr().err
