"""Reach over a named region, and criteria checked with observed burnout speeds."""

from __future__ import annotations

import json

import pytest
import shapely

from openbmd.assurance import arm
from openbmd.assurance.observed import criteria_both_ways, observed_speed
from openbmd.assurance.reach import reach_at_speed_m, reach_criterion, reach_over_region, region_shape
from openbmd.catalog import load_catalog
from openbmd.earth import wgs84
from openbmd.earth.borders import distance_to_country_m
from openbmd.engagement import fire_unit
from openbmd.errors import InputError

CAT = load_catalog()
EARTH = wgs84()
URALS = CAT.region("russia-west-of-urals")


def test_region_is_european_russia():
    geom = region_shape(URALS).geometry
    inside = {n: bool(shapely.contains_xy(geom, CAT.place(n).lon_deg, CAT.place(n).lat_deg))
              for n in ("moscow", "st-petersburg", "kazan", "samara", "kaliningrad", "murmansk", "yekaterinburg",
                        "chelyabinsk", "novosibirsk-city", "warsaw", "tehran")}
    assert inside == {"moscow": True, "st-petersburg": True, "kazan": True, "samara": True, "kaliningrad": True,
                      "murmansk": True, "yekaterinburg": False, "chelyabinsk": False, "novosibirsk-city": False,
                      "warsaw": False, "tehran": False}


def test_distance_to_the_region_is_never_less_than_to_the_country():
    for site in ("redzikowo", "deveselu", "kurecik", "aegis-north-sea"):
        unit = fire_unit(CAT, site, "sm3-iia", EARTH)
        r = reach_over_region([unit], URALS, EARTH)[0]
        p = CAT.place(site)
        to_russia = distance_to_country_m(p.lat_deg, p.lon_deg, "RUS")
        assert r.distance_m >= to_russia - 2e3
    inside = reach_over_region([fire_unit(CAT, "55.75,37.62", "sm3-iia", EARTH)], URALS, EARTH)[0]
    assert inside.distance_m == 0.0 and inside.reaches


def test_faster_interceptors_never_reach_less():
    unit = fire_unit(CAT, "deveselu", "sm3-ib", EARTH)
    speeds = [2000.0, 3000.0, 4000.0, 5000.0, 6000.0]
    rows = reach_over_region([unit] * len(speeds), URALS, EARTH, speeds_mps=speeds)
    reach = [r.reach_m for r in rows]
    share = [r.share for r in rows]
    assert all(a < b for a, b in zip(reach, reach[1:]))
    assert all(a <= b for a, b in zip(share, share[1:]))
    assert not rows[0].reaches and rows[-1].reaches
    # at the catalog speed the scaled reach is the fly-out table's envelope
    assert reach_at_speed_m(unit.interceptor, unit.burnout_speed_mps, EARTH) == pytest.approx(
        min(unit.table.kinematic_range_m, unit.table.max_range_m), rel=0.02)


def test_reach_criterion_on_deployments():
    phase1 = reach_criterion(arm(CAT, CAT.deployment("epaa-phase1"), EARTH).batteries, URALS, EARTH)
    assert phase1["satisfied"]
    phase3 = reach_criterion(arm(CAT, CAT.deployment("epaa-phase3"), EARTH).batteries, URALS, EARTH)
    assert not phase3["satisfied"] and "redzikowo" in phase3["detail"]
    edge = next(c for c in phase3["sites"] if c["site"] == "deveselu")  # 658 km off, 700 km reach: over the edge
    assert edge["reaches"] and edge["share_of_region"] < 0.005
    assert "deveselu (sm3-ib): reach 700 km, 658 km from" in phase3["detail"]
    assert "under 1 % of it within reach" in phase3["detail"] and " 0 % of it" not in phase3["detail"]


def test_an_honest_flight_test_observes_the_declared_reach():
    """A test flown as declared (burn time and β too) is observed at the declared speed: the reach at the observed speed is the declared
    reach (within the observed interval's metres), so declared and observed verdicts agree."""
    import math

    from openbmd.verify import FlightTestRequest, ReleasePolicy, run_flight_test

    ft = run_flight_test(CAT, FlightTestRequest("sm3-iia", "aegis-black-sea", math.radians(90.0), "russia",
                                                policy=ReleasePolicy("tracks"), unknowns=False), EARTH).to_json()
    rows = criteria_both_ways(CAT, CAT.deployment("epaa-phase3"), CAT.criteria("urals-reach"),
                              [observed_speed(ft)], EARTH)[0]["checks"]
    row = next(r for r in rows if r["interceptor"] == "sm3-iia")
    assert abs(row["reach_m"]["observed"] - row["reach_m"]["declared"]) < 100.0
    assert row["reach_m"]["observed_low"] - 100.0 <= row["reach_m"]["declared"] <= row["reach_m"]["observed_high"] + 100.0
    assert row["observed_holds"] == ("holds" if row["declared_holds"] else "fails")


def _flight_test_json(interceptor: str, estimate: float, lo: float, hi: float) -> dict:
    return {"interceptor": interceptor, "burnout_speed_mps": {"true": estimate, "declared": 3000.0,
                                                              "estimate": estimate, "sigma": (hi - lo) / 3.92,
                                                              "ci95": [lo, hi]}}


def test_criteria_both_ways_carry_the_uncertainty():
    dep = CAT.deployment("epaa-phase1")  # SM-3 IA in the eastern Mediterranean
    speed = CAT.criteria("russia-2011-2012")
    slow = observed_speed(_flight_test_json("sm3-ia", 3000.0, 2990.0, 3010.0))
    fast = observed_speed(_flight_test_json("sm3-ia", 3600.0, 3590.0, 3610.0))
    for obs, holds in ((slow, True), (fast, False)):
        rows = criteria_both_ways(CAT, dep, speed, [obs], EARTH)
        check = next(c for c in rows if c["rule"] == "max-burnout-speed")["checks"][0]
        assert check["declared_holds"] and check["observed_holds"] is holds
        assert (check["confidence"] > 0.999) is holds
    wide = observed_speed(_flight_test_json("sm3-ia", 4500.0, 2000.0, 7000.0))
    reach_rows = criteria_both_ways(CAT, dep, CAT.criteria("urals-reach"), [wide, ], EARTH)[0]["checks"][0]
    assert reach_rows["declared_holds"] and reach_rows["observed_holds"] == "undecided"
    assert reach_rows["reach_m"]["observed_low"] < reach_rows["reach_m"]["observed_high"]


def test_observed_json_errors_name_the_field():
    with pytest.raises(InputError, match="burnout_speed_mps"):
        observed_speed({"interceptor": "sm3-ia"})
    blind = {"interceptor": "sm3-ia", "burnout_speed_mps": {"estimate": None, "ci95": None}, "reason": "sees nothing"}
    with pytest.raises(InputError, match="sees nothing"):
        observed_speed(blind)
    good = _flight_test_json("sm3-ia", 3000.0, 2990.0, 3010.0)
    assert observed_speed(good).ci95 == (2990.0, 3010.0)
    for field, value in (("estimate", "fast"), ("estimate", float("nan")), ("ci95", [2990.0]), ("ci95", "wide"),
                         ("ci95", [2990.0, None]), ("ci95", [3100.0, 3200.0]), ("sigma", "big"), ("sigma", -1.0),
                         ("declared", True)):
        bad = {**good, "burnout_speed_mps": {**good["burnout_speed_mps"], field: value}}
        with pytest.raises(InputError, match=rf"'burnout_speed_mps\.{field}'") as err:
            observed_speed(bad, "ft.json")
        assert str(err.value).startswith("observed: ft.json: ") and "\n" not in str(err.value)
    with pytest.raises(InputError, match="field 'interceptor'"):
        observed_speed({**good, "interceptor": 7})


def test_assure_cli_takes_observed_files(capsys, tmp_path):
    from openbmd.cli import main

    f = tmp_path / "ft.json"
    f.write_text(json.dumps(_flight_test_json("sm3-ia", 3000.0, 2990.0, 3010.0)))
    base = ["assure", "--deployment", "epaa-phase1", "--forces", "kozelsk", "--targets", "washington"]
    assert main([*base, "--criteria", "urals-reach", "--observed", str(f), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["criteria"][0]["name"] == "not-to-the-urals" and out["criteria"][0]["satisfied"]
    assert out["criteria_observed"][0]["checks"][0]["observed_holds"] == "holds"
    assert main([*base, "--criteria", "not-to-the-urals", "--observed", str(f), "--json"]) == 0  # by its own name
    alone = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in alone["criteria"]] == ["not-to-the-urals"]
    assert alone["criteria"] == out["criteria"] and alone["criteria_observed"] == out["criteria_observed"]
    assert main([*base, "--criteria", "not-to-the-moon"]) == 2
    assert "--criteria: unknown criteria 'not-to-the-moon'" in capsys.readouterr().err
    assert main([*base, "--observed", str(f)]) == 2
    assert "--criteria" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main([*base, "--criteria", "urals-reach", "--observed", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "--observed" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("criteria, estimate, lo, hi, words", [
    ("russia-2011-2012", 3000.0, 2990.0, 3010.0,
     "antonov-speed: sm3-ia: declared 3.00 km/s holds; observed 3.00 km/s (95 %: 2.99-3.01), >99.9% confident "
     "below the limit: holds"),
    ("russia-2011-2012", 4500.0, 2000.0, 7000.0, "21.7% confident below the limit: undecided (holding needs 95 %)"),
    ("russia-2011-2012", 6000.0, 5990.0, 6010.0, "<0.1% confident below the limit: fails (95 % confident above"),
    ("urals-reach", 3000.0, 2990.0, 3010.0, "not-to-the-urals: aegis-east-med (sm3-ia): declared holds (reach 700 km);"
                                            " observed holds at both ends of the observed speed's 95 % interval"),
    ("urals-reach", 4500.0, 2000.0, 7000.0, "observed undecided: holds at one end of the observed speed's 95 % "
                                            "interval, fails at the other"),
    ("russia-2011-2012", 3000.0, 2990.0, 3010.0, "hundreds-not-thousand: not a figure a flight test observes"),
])
def test_assure_cli_says_what_was_observed_in_words(capsys, tmp_path, criteria, estimate, lo, hi, words):
    from openbmd.cli import main

    f = tmp_path / "ft.json"
    f.write_text(json.dumps(_flight_test_json("sm3-ia", estimate, lo, hi)))
    assert main(["assure", "--deployment", "epaa-phase1", "--forces", "kozelsk", "--targets", "washington",
                 "--criteria", criteria, "--observed", str(f), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert words in " ".join(out.split()), out
    assert "observed True" not in out and "observed False" not in out and "observed None" not in out


def test_assure_cli_refuses_a_flight_test_of_an_unknown_interceptor(capsys, tmp_path):
    from openbmd.cli import main

    f = tmp_path / "ft.json"
    f.write_text(json.dumps(_flight_test_json("sm9-x", 4000.0, 3990.0, 4010.0)))
    assert main(["assure", "--deployment", "epaa-phase1", "--forces", "kozelsk", "--targets", "washington",
                 "--criteria", "russia-2011-2012", "--observed", str(f), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--observed: {f}: unknown interceptor 'sm9-x'" in err and "Traceback" not in err


def test_assure_cli_names_an_interceptor_no_flight_test_observed(capsys, tmp_path):
    from openbmd.cli import main

    f = tmp_path / "ft.json"
    f.write_text(json.dumps(_flight_test_json("sm3-iia", 4000.0, 3990.0, 4010.0)))  # not in epaa-phase1
    assert main(["assure", "--deployment", "epaa-phase1", "--forces", "kozelsk", "--targets", "washington",
                 "--criteria", "russia-2011-2012", "--observed", str(f), "--quiet"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "sm3-ia: declared 3.00 km/s holds; not observed (no --observed flight test of sm3-ia)" in out
