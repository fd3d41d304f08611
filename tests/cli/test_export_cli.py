"""--export on the commands, trajectory --samples, and openbmd export."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from czml3 import Document
from pyproj import Geod

from openbmd.cli import main
from openbmd.report.exports import read_scene

GEOD = Geod(ellps="WGS84")


def test_trajectory_samples_and_exports_agree(capsys, tmp_path):
    files = [tmp_path / f"t{s}" for s in (".scene.json", ".kml", ".czml", ".geojson", ".csv")]
    argv = ["trajectory", "--missile", "generic-irbm", "--from", "tabriz", "--to", "warsaw", "--json", "--samples", "7"]
    for f in files:
        argv += ["--export", str(f)]
    assert main(argv) == 0
    d = json.loads(capsys.readouterr().out)
    path = d["path"]
    assert len(path["t_s"]) == 7 and path["t_s"][0] == 0.0
    assert path["t_s"][-1] == pytest.approx(d["flight_time_s"])
    assert path["lat_deg"][-1] == pytest.approx(d["impact"]["lat_deg"], abs=1e-3)
    assert max(path["alt_m"]) <= d["apogee_altitude_m"] + 1.0
    scene = read_scene(files[0])
    (flight,) = scene.paths
    assert flight.t_s[-1] == pytest.approx(d["flight_time_s"])
    assert flight.alt_m.max() == pytest.approx(d["apogee_altitude_m"], rel=0.01)
    assert [p.layer for p in scene.points] == ["launches", "targets"]
    assert flight.sources  # the missile entry's public sources
    Document.model_validate(json.loads(files[2].read_text()))
    kml = ET.parse(files[1]).getroot()
    assert kml.find(".//{http://www.opengis.net/kml/2.2}LineString") is not None
    geo = json.loads(files[3].read_text())
    line = next(f for f in geo["features"] if f["geometry"]["type"] == "LineString")
    end = line["geometry"]["coordinates"][-1]
    _, _, miss = GEOD.inv(end[0], end[1], d["impact"]["lon_deg"], d["impact"]["lat_deg"])
    assert miss < 1.0
    # The --json result itself converts too.
    result = tmp_path / "t.json"
    result.write_text(json.dumps(d))
    assert main(["export", str(result), "--to", str(tmp_path / "again.geojson")]) == 0
    again = json.loads((tmp_path / "again.geojson").read_text())
    assert next(f for f in again["features"] if f["geometry"]["type"] == "LineString")["properties"]["times"][0] \
        == "2000-01-01T12:00:00.000Z"


def test_engage_export_links_threat_flyouts_and_intercepts(tmp_path):
    out = tmp_path / "e.scene.json"
    assert main(["engage", "--threat", "generic-irbm", "--from", "tabriz", "--to", "warsaw", "--site", "redzikowo",
                 "--interceptor", "sm3-iia", "--sensor", "kurecik", "--export", str(out)]) == 0
    scene = read_scene(out)
    threat = next(p for p in scene.paths if p.layer == "trajectories")
    flyouts = [p for p in scene.paths if p.layer == "flyouts"]
    shots = [p for p in scene.points if p.layer == "intercepts" and p.name.startswith("shot")]
    assert flyouts and len(flyouts) == len(shots)
    site = next(p for p in scene.points if p.layer == "sites")
    for f, s in zip(flyouts, shots):
        _, _, d0 = GEOD.inv(f.lon_deg[0], f.lat_deg[0], site.lon_deg, site.lat_deg)
        _, _, d1 = GEOD.inv(f.lon_deg[-1], f.lat_deg[-1], s.lon_deg, s.lat_deg)
        assert d0 < 1.0 and d1 < 1.0 and f.t_s[-1] == pytest.approx(s.t_s)
        # The threat is where the interceptor meets it, when it meets it (within the sample spacing).
        lat = np.interp(s.t_s, threat.t_s, threat.lat_deg)
        lon = np.interp(s.t_s, threat.t_s, threat.lon_deg)
        _, _, gap = GEOD.inv(lon, lat, s.lon_deg, s.lat_deg)
        assert gap < 20e3
        assert np.interp(s.t_s, threat.t_s, threat.alt_m) == pytest.approx(s.alt_m, abs=20e3)
    cover = [a for a in scene.areas if a.layer == "coverage"]
    assert {a.name for a in cover} == {p.name for p in scene.points if p.layer == "sensors"}


def test_unknown_export_suffix_is_one_line_and_exit_2(capsys):
    assert main(["trajectory", "--missile", "generic-irbm", "--from", "tabriz", "--to", "warsaw",
                 "--export", "x.kmz"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--export" in err and ".kml" in err


def test_samples_must_be_two_or_more(capsys):
    assert main(["trajectory", "--missile", "generic-irbm", "--from", "tabriz", "--to", "warsaw", "--json",
                 "--samples", "1"]) == 2
    assert "--samples" in capsys.readouterr().err


def test_export_of_a_result_with_nothing_to_draw(tmp_path, capsys):
    f = tmp_path / "fp.json"
    f.write_text(json.dumps({"grid_points": 3}))
    assert main(["export", str(f), "--to", str(tmp_path / "x.kml")]) == 2
    assert "fp.json" in capsys.readouterr().err


def test_assure_export_colours_corridors_by_the_result(capsys, tmp_path):
    out, kml = tmp_path / "a.scene.json", tmp_path / "a.kml"
    assert main(["assure", "--forces", "kozelsk", "--targets", "washington,chicago", "--deployment",
                 "epaa-phase4", "--json", "--export", str(out), "--export", str(kml)]) == 0
    pairs = json.loads(capsys.readouterr().out)["pairs"]
    scene = read_scene(out)
    corridors = [p for p in scene.paths if p.layer == "corridors"]
    assert len(corridors) == sum(p["reachable"] for p in pairs) and corridors
    by_name = {c.name: c for c in corridors}
    for p in pairs:
        c = by_name.get(f"{p['base']} → {p['target']}")
        if c is None:
            continue
        assert c.figures["engageable"] == p["engageable"]
        assert c.figures["speed_threshold_mps"] == p["speed_threshold_mps"]
        _, _, d = GEOD.inv(c.lon_deg[-1], c.lat_deg[-1], *_place(p["target"]))
        assert d < 50e3  # the corridor ends at its target
    assert {p.layer for p in scene.points} == {"sites", "launches", "targets"}
    assert len(ET.parse(kml).getroot().findall(".//{http://www.opengis.net/kml/2.2}LineString")) == len(corridors)


def _place(name):
    from openbmd.catalog import load_catalog

    p = load_catalog().place(name)
    return p.lon_deg, p.lat_deg


def test_exercise_scene_holds_the_scenario_geometry():
    from openbmd.catalog import load_catalog
    from openbmd.exercise.scenario import load_scenario
    from openbmd.report.exports.build import exercise_scene

    cat = load_catalog()
    sc = load_scenario("nrc-2012", cat)
    scene = exercise_scene(sc, cat)
    layers = {layer: [f for f in (*scene.points, *scene.paths, *scene.areas) if f.layer == layer]
              for layer in scene.layers}
    assert len(layers["sites"]) == sum(len(p.batteries) for p in sc.parties)
    assert len(layers["launches"]) == len(sc.raid) == len(layers["trajectories"])
    assert len(layers["targets"]) == len(sc.assets)
    assert {a.name for a in layers.get("sectors", [])} == {f"{s.party} sector" for s in sc.cooperation.sectors}
    for path, raid in zip(layers["trajectories"], sc.raid):
        assert path.t_s[0] == pytest.approx(raid.launch_time_s, abs=1.0)
        target = cat.place(raid.target)
        _, _, d = GEOD.inv(path.lon_deg[-1], path.lat_deg[-1], target.lon_deg, target.lat_deg)
        assert d < 50e3
