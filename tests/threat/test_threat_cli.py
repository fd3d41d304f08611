"""``openbmd threat`` end to end: the JSON contract, the report folder, GeoJSON and one-line errors."""

from __future__ import annotations

import json
import statistics

from openbmd.cli import main

BASE = ["threat", "--areas", "tabriz", "--missiles", "shahab-3,sejjil-2", "--azimuths", "12"]


def test_threat_json_contract_report_and_geojson(capsys, tmp_path):
    assert main([*BASE, "--year", "2012", "--json", "--report", str(tmp_path / "r"),
                 "--geojson", str(tmp_path / "c.geojson")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["threats"]) == 4
    t = out["threats"][0]
    assert {"missile", "area", "assumption", "max_range_m", "reaches", "flight_time_s", "warning_time_s"} <= set(t)
    assert set(t["warning_time_s"]) == {"nato", "russia", "joint"}
    assert set(t["flight_time_s"]) <= set(t["reaches"])
    assert {(d["missile"], d["field"]) for d in out["divergence"]} == {
        ("sejjil-2", "max_range_m"), ("sejjil-2", "payload_mass_kg"), ("sejjil-2", "first_year")}
    assert all({"missile", "field", "values", "consequence"} <= set(d) for d in out["divergence"])
    geo = json.loads((tmp_path / "c.geojson").read_text())
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 4
    ring = geo["features"][0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 13
    html = (tmp_path / "r" / "index.html").read_text()
    assert "data:image/png;base64," in html and "Where the assessments diverge" in html
    assert json.loads((tmp_path / "r" / "threat.json").read_text())["divergence"] == out["divergence"]
    assert (tmp_path / "r" / "map-nato.png").stat().st_size > 10_000
    page = (tmp_path / "r" / "index.html").read_text()  # each set's figure in words, its sources beside it
    assert "<th>sources</th>" in page and "nato: 2,000 km, russia: not stated" in page
    assert "russia: not stated (the catalog's figure)" in page and "(IISS, 2010)" in page
    low = [p for t in out["threats"] for p, v in t["reentry_speed_mps"].items() if v is None]
    assert not low or "stays below 100 km" in page  # a re-entry speed that cannot exist says why


def test_table_output_names_the_divergence(capsys):
    assert main(BASE) == 0
    text = capsys.readouterr().out
    assert "sejjil-2" in text and "payload_mass_kg" in text and "Where the assessments diverge" in text
    assert "nato: 2,000 km" in text and "russia: 1,000 kg" in text and "2,000,000" not in text  # km at the edge
    assert main([*BASE, "--json"]) == 0
    for t in json.loads(capsys.readouterr().out)["threats"]:  # the table's median is the median (as to_dataframe)
        joint = [w for w in t["warning_time_s"]["joint"].values() if w is not None]
        assert not joint or f"{statistics.median(joint):,.0f} s" in text


def test_bad_input_is_one_line_and_exit_2(capsys):
    for argv, needle in ((["threat", "--areas", "tabriz", "--missiles", "shahab-9"], "--missiles"),
                         (["threat", "--areas", "atlantis", "--missiles", "shahab-3"], "--areas"),
                         (["threat", "--areas", "tabriz", "--missiles", "shahab-3", "--assumptions", "nato,x"],
                          "--assumptions"),
                         (["threat", "--areas", "tabriz", "--missiles", "shahab-3", "--azimuths", "3"], "--azimuths")):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert needle in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_an_unwritable_output_is_refused_before_the_assessment(capsys, tmp_path, monkeypatch):
    """One line naming the flag, exit 1 (a runtime failure), and no assessment run first."""
    import openbmd.api

    def never(*a, **k):
        raise AssertionError("the assessment ran before the output was checked")

    monkeypatch.setattr(openbmd.api, "threat", never)
    (tmp_path / "file").write_text("x")
    for flag, path in (("--report", tmp_path / "file"), ("--geojson", tmp_path)):
        assert main([*BASE, flag, str(path)]) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"openbmd: error: {flag}: ") and len(err.splitlines()) == 1


def test_polygon_areas(capsys):
    argv = ["threat", "--area-polygon", "nw-iran=38.5 45;38.5 48;35.5 48;35.5 45", "--missiles", "shahab-3",
            "--assumptions", "nato", "--azimuths", "8", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["areas"] == ["nw-iran"] and out["threats"][0]["area"] == "nw-iran"
    assert "IRN" not in out["threats"][0]["countries"] and out["threats"][0]["reaches"]
    assert main(["threat", "--area-polygon", "x=38 45;39 46", "--missiles", "shahab-3"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--area-polygon" in err and len(err.splitlines()) == 1


def test_a_name_given_twice_is_assessed_once_and_two_areas_of_one_name_are_refused(capsys):
    argv = ["threat", "--areas", "tabriz,tabriz", "--missiles", "shahab-3,shahab-3", "--assumptions", "nato,nato",
            "--azimuths", "8", "--json", "--quiet"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["areas"], out["missiles"], out["assumptions"]) == (["tabriz"], ["shahab-3"], ["nato"])
    assert len(out["threats"]) == 1
    square = "38.5 45;38.5 48;35.5 48;35.5 45"
    for extra in (["--areas", "tabriz", "--area-polygon", f"tabriz={square}"],
                  ["--area-polygon", f"a={square}", "--area-polygon", "a=37 45;37 48;35 48"]):
        assert main(["threat", *extra, "--missiles", "shahab-3", "--azimuths", "8"]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("openbmd: error: --area-polygon: two launch areas are named ") and len(err.splitlines()) == 1


def test_progress_goes_to_stderr_and_quiet_silences_it(capsys):
    argv = ["threat", "--areas", "tabriz", "--missiles", "shahab-3", "--assumptions", "nato", "--azimuths", "8",
            "--json"]
    assert main(argv) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["threats"] and "threat: missiles x sets: 1/1 (100%)" in out.err
    assert main([*argv, "--quiet"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["threats"] and out.err == ""


def test_range_changes_never_read_minus_zero():
    from openbmd.threat.divergence import _signed_km

    assert [_signed_km(m) for m in (-300.0, 0.0, 499.0, -501.0, 1_234_567.0)] == [
        "unchanged", "unchanged", "unchanged", "-1 km", "+1,235 km"]


def test_a_near_orbital_missile_is_marked_orbital_in_a_plain_sentence(capsys, tmp_path):
    """Hwasong-14 from Tabriz wraps toward the antipode eastward: the table is followed by a sentence saying so,
    with the greatest range it quotes, and so is the report's summary table; Shahab-3 beside it gets none."""
    assert main(["threat", "--areas", "tabriz", "--missiles", "hwasong-14,shahab-3", "--assumptions", "nato",
                 "--azimuths", "8", "--quiet", "--report", str(tmp_path / "r")]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Orbital: hwasong-14 from tabriz under nato nears orbital speed" in text
    assert "Orbital: shahab-3" not in text
    page = " ".join((tmp_path / "r" / "index.html").read_text().split())
    assert "<b>Orbital:</b> hwasong-14 from tabriz under nato nears orbital speed" in page
    assert "</b> shahab-3" not in page
