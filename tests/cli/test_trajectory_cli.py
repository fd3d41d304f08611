import json

import pytest

from openbmd.cli import main


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_burnout_form_on_the_ideal_earth_gives_the_documented_json(capsys):
    d = _json(capsys, ["trajectory", "--burnout-altitude", "1275.6km", "--burnout-speed", "5.2702km/s",
                       "--flight-path-angle", "51.3deg", "--earth", "ideal", "--json"])
    assert set(d) == {"ground_range_m", "apogee_altitude_m", "flight_time_s", "burnout", "launch", "impact"}
    assert d["burnout"] == pytest.approx({"altitude_m": 1275.6e3, "speed_mps": 5270.2,
                                          "flight_path_angle_deg": 51.3, "time_s": 0.0}, rel=1e-9, abs=1e-6)
    assert d["ground_range_m"] == pytest.approx(4894580.6, abs=1.0)  # Kepler, see tests/flight
    assert d["impact"]["time_s"] == pytest.approx(d["flight_time_s"])


def test_aimed_form_hits_the_target_and_draws_a_png(capsys, tmp_path):
    png = tmp_path / "t.png"
    d = _json(capsys, ["trajectory", "--missile", "generic-irbm", "--from", "tabriz", "--to", "52.23,21.01",
                       "--loft", "time=900s", "--json", "--png", str(png)])
    assert d["impact"]["lat_deg"] == pytest.approx(52.23, abs=0.01)
    assert d["impact"]["lon_deg"] == pytest.approx(21.01, abs=0.01)
    assert d["flight_time_s"] == pytest.approx(900.0, abs=1.0)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_drag_flies_farther_than_with_drag(capsys):
    base = ["trajectory", "--burnout-altitude", "80km", "--burnout-speed", "3km/s", "--flight-path-angle", "40deg",
            "--beta", "500", "--json"]
    with_drag = _json(capsys, base)["ground_range_m"]
    vacuum = _json(capsys, base + ["--no-drag"])["ground_range_m"]
    assert vacuum > with_drag


@pytest.mark.parametrize("argv, needle", [
    (["--missile", "sejjil-2", "--from", "tabriz", "--to", "warsaw"], "maximum range"),
    (["--missile", "sejil-2", "--from", "tabriz", "--to", "warsaw"], "sejjil-2"),
    (["--missile", "sejjil-2", "--from", "tabriz", "--to", "95,10"], "--to"),
    (["--burnout-altitude", "100km", "--burnout-speed", "-3km/s", "--flight-path-angle", "40deg"], "--burnout-speed"),
    (["--burnout-altitude", "100furlongs", "--burnout-speed", "3km/s", "--flight-path-angle", "40deg"], "--burnout-altitude"),
    (["--missile", "sejjil-2", "--from", "tabriz", "--to", "ankara", "--loft", "apogee=lots"], "--loft"),
    (["--burnout-altitude", "100km"], "--burnout-speed"),
])
def test_bad_input_gets_one_line_and_exit_2(capsys, argv, needle):
    assert main(["trajectory", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert needle in err


def test_reconstruct_reports_the_standard_range_and_orbital_flag(capsys):
    d = _json(capsys, ["reconstruct", "--apogee", "3724.9km", "--range", "998km", "--time", "47.2min",
                       "--stages", "2", "--propellant", "liquid", "--json"])
    assert d["orbital"] is False
    lo, hi = d["range_m"]["spread"]
    assert lo <= d["range_m"]["estimate"] <= hi and 8e6 < lo < hi < 14e6
    assert d["range_rotating_m"] is None


def test_reconstruct_from_a_site_flies_the_standard_shot_on_the_rotating_earth(capsys):
    # Westward from 40 N 127 E the Earth's rotation takes range away: every member falls short of its still-Earth range.
    d = _json(capsys, ["reconstruct", "--apogee", "3724.9km", "--range", "998km", "--time", "47.2min",
                       "--from", "40,127", "--azimuth", "270deg", "--json"])
    rot, still = d["range_rotating_m"], d["range_m"]
    lo, hi = rot["spread"]
    assert d["orbital"] is False and lo <= rot["estimate"] <= hi
    assert hi < still["spread"][1] and rot["estimate"] < 0.95 * still["estimate"]


def test_reconstruct_refuses_a_site_without_an_azimuth(capsys):
    assert main(["reconstruct", "--apogee", "3725km", "--range", "998km", "--time", "47min",
                 "--from", "40,127"]) == 2
    assert "--azimuth" in capsys.readouterr().err


def test_trajectory_flies_a_missile_from_an_extra_catalog_file(capsys, tmp_path):
    extra = tmp_path / "mine.yaml"
    extra.write_text("""
kind: missile
entries:
  - name: my-mrbm
    display_name: My MRBM
    range_class: mrbm
    propellant: solid
    stages:
      - {burn_time_s: 60, isp_s: 250, propellant_mass_kg: 12000, dry_mass_kg: 1500}
    payload_mass_kg: 700
    rv_ballistic_coefficient_kg_m2: 4000
    max_range_m: 1500000
    diameter_m: 1.3
    confidence: estimate
    source: {title: my estimate}
""")
    d = _json(capsys, ["trajectory", "--missile", "my-mrbm", "--catalog", str(extra), "--from", "tabriz",
                       "--to", "39.93,32.86", "--json"])
    assert d["impact"]["lat_deg"] == pytest.approx(39.93, abs=0.01)
    assert main(["trajectory", "--missile", "my-mrbm", "--from", "tabriz", "--to", "ankara"]) == 2
