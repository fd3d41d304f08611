"""``openbmd engage`` and ``openbmd footprint`` end to end: JSON contracts, files, one-line errors."""

from __future__ import annotations

import json

import pytest

from openbmd.cli import main

ENGAGE = ["engage", "--threat", "generic-irbm", "--from", "tabriz", "--to", "warsaw", "--site", "redzikowo",
          "--interceptor", "sm3-iia", "--sensor", "kurecik"]
FOOTPRINT = ["footprint", "--threat-origin", "tabriz", "--missile", "generic-irbm", "--site", "deveselu",
             "--interceptor", "sm3-iia", "--sensor", "kurecik", "--region", "40,50,18,32", "--grid", "2deg"]


def test_engage_json_contract(capsys, tmp_path):
    assert main([*ENGAGE, "--launch-delay", "60s", "--interceptor-speed", "4.5km/s", "--json",
                 "--png", str(tmp_path / "e.png")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["feasible"] is True and out["shots"] >= 1
    assert out["detection_time_s"] > 0
    keys = {"intercept_time_s", "interceptor_launch_time_s", "altitude_m", "lat_deg", "lon_deg"}
    assert len(out["windows"]) >= 2 and all(keys <= set(w) for w in out["windows"])
    assert (tmp_path / "e.png").stat().st_size > 10_000


def test_engage_takes_several_sites_and_sensors(capsys):
    assert main([*ENGAGE, "--site", "deveselu", "--sensor", "sbirs", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {w["site"] for w in out["windows"]} <= {"redzikowo", "deveselu"}
    assert out["detected_by"] == "sbirs"  # the IR satellite sees the boost before any radar


def test_engage_table_for_people(capsys):
    assert main(ENGAGE) == 0
    text = capsys.readouterr().out
    assert "earliest" in text and "shoot-look-shoot shots" in text


def test_footprint_json_geojson_png(capsys, tmp_path):
    geo, png = tmp_path / "f.geojson", tmp_path / "f.png"
    assert main([*FOOTPRINT, "--shots", "1", "--json", "--geojson", str(geo), "--png", str(png)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["grid_points"] == 6 * 8
    assert 0 < out["defended_points"] <= out["threatened_points"] <= out["grid_points"]
    assert out["defended_area_km2"] > 0
    doc = json.loads(geo.read_text())
    assert doc["type"] == "FeatureCollection"
    assert doc["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert png.stat().st_size > 10_000


@pytest.mark.parametrize("args, words", [
    (["engage", "--threat", "sejjil-2", "--from", "tabriz", "--to", "warsaw", "--site", "redzikowo"],
     "--to: target is 2512 km away"),
    ([*ENGAGE[:2], "nope", *ENGAGE[3:]], "--threat: unknown missile 'nope'"),
    ([*ENGAGE, "--interceptor-speed", "5"], "--interceptor-speed"),
    ([*ENGAGE, "--site", "deveselu", "--interceptor", "sm3-ib", "--interceptor", "thaad", "--interceptor", "gbi"],
     "--interceptor: give one interceptor for all sites or one per site"),
    (["engage", "--threat", "generic-irbm", "--from", "tabriz", "--to", "warsaw", "--site", "warsaw"],
     "--interceptor: site 'warsaw' hosts no interceptors"),
    ([*FOOTPRINT[:-4], "--region", "atlantis"], "--region: unknown region 'atlantis'"),
    ([*FOOTPRINT[:-4], "--region", "50,50,10,20"], "--region: region '50,50,10,20' is empty"),
    ([*FOOTPRINT[:-2], "--grid", "0.0001deg"], "--grid: a 0.0001 deg grid over this region has"),
    ([*FOOTPRINT, "--shots", "0"], "--shots: must be at least 1"),
    (["footprint", "--threat-origin", "tabriz", "--missile", "sejil", "--site", "deveselu"], "--missile: unknown"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, args, words):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and "Traceback" not in err


def test_engage_json_gives_each_window_and_shot_its_flight_time_and_authority(capsys):
    from openbmd.cli import main as cli_main

    assert cli_main(["engage", "--threat", "sejjil-2", "--from", "tabriz", "--to", "bucharest", "--site", "deveselu",
                     "--interceptor", "sm3-ib", "--sensor", "kurecik", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    items = out["windows"] + out["shot_plan"]
    assert items
    for w in items:
        assert w["authority"] in ("organic", "launch-on-remote", "engage-on-remote")
        assert w["interceptor_flight_s"] == pytest.approx(w["intercept_time_s"] - w["interceptor_launch_time_s"])
        assert w["interceptor_flight_s"] > 0
    # the latest window is nearest Deveselu, where its own SPY-1 sees the threat at least before the intercept
    latest = [w for w in out["windows"] if w["which"] == "latest"][0]
    assert latest["authority"] in ("organic", "launch-on-remote")


def test_no_interceptor_launches_before_the_threat_burns_out(capsys):
    from openbmd.catalog import load_catalog
    from openbmd.earth import wgs84
    from openbmd.engagement import engage_shot, timeline_for

    cat = load_catalog()
    fast = timeline_for(cat, firm_track_delay_s=0.0, decision_delay_s=0.0)
    result = engage_shot(cat, "generic-irbm", "tabriz", "warsaw", ["kurecik"], ["sm3-iia"], ["kurecik", "sbirs"],
                         fast, wgs84())
    burnout = float(result.threat.burnout_t_s[0])
    assert result.window.windows
    for w in result.window.windows + result.window.shots:
        assert w.interceptor_launch_time_s >= burnout


@pytest.mark.parametrize("extra, words", [
    (["--site", "fort-greely", "--interceptor", "gbi"], "fort-greely has no radar of its own"),  # no sensor given
    # Moscow's own radar is the Don-2N at Sofrino (the site's radar_at): it sees the threat, out of the A-235's reach
    (["--site", "moscow-abm", "--interceptor", "a-235"], "no point of the threat's path"),
    (["--site", "moscow-abm", "--interceptor", "a-235", "--sensor", "sofrino"], "no point of the threat's path"),
])
def test_no_opportunity_says_why(capsys, extra, words):
    assert main(["engage", "--threat", "generic-irbm", "--from", "tabriz", "--to", "warsaw", *extra, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["feasible"] is False and words in out["reason"]
    assert main(["engage", "--threat", "generic-irbm", "--from", "tabriz", "--to", "warsaw", *extra]) == 0
    assert words.split()[0] in capsys.readouterr().out


def test_feasible_engagement_has_no_reason(capsys):
    assert main([*ENGAGE, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["reason"] is None


def test_the_moscow_interceptor_engages_a_threat_aimed_at_moscow(capsys):
    """The A-235 at Moscow, cued by the Don-2N at Sofrino, meets an IRBM aimed at Moscow inside its published
    envelope (it was infeasible while the endo-atmospheric fly-out table had holes)."""
    from openbmd.catalog import load_catalog

    a235 = load_catalog().interceptor("a-235")
    assert main(["engage", "--threat", "generic-irbm", "--from", "tabriz", "--to", "moscow", "--site", "moscow-abm",
                 "--interceptor", "a-235", "--sensor", "sofrino", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["feasible"] is True and out["shots"] >= 1
    for w in out["windows"] + out["shot_plan"]:
        assert w["interceptor"] == "a-235"
        assert w["authority"] == "organic"  # the Don-2N is the site's own radar (radar_at), as in the exercise
        assert a235.min_intercept_altitude_m <= w["altitude_m"] <= a235.max_intercept_altitude_m
        assert w["ground_range_m"] <= a235.max_range_m
        assert 0 < w["interceptor_flight_s"] < 120
