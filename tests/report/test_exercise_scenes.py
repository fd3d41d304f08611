"""A replayed trial on the map tells the replay's story: every object flies to its kill or impact, each
salvo flies from its battery to where its target is at intercept time, and every first track, kill and
leaker is a point at its own time. The mode comparison and the threat contours read the results' JSON."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from czml3 import Document
from pyproj import Geod

import openbmd.api as api
from openbmd.earth import ecef_to_geodetic, wgs84
from openbmd.errors import InputError
from openbmd.report.exports import read_scene, write_export
from openbmd.report.exports.exercise import comparison_panel, threat_scene
from openbmd.threat.assess import Threat

EARTH = wgs84()
GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def replay():
    # Independent mode of nrc-2012: kills and leakers in the same trial.
    return api.replay("nrc-2012", "independent", 0, trials=20, seed=1)


@pytest.fixture(scope="module")
def scene(replay):
    return replay.scene()


def _by_layer(scene, layer):
    return [f for f in (*scene.points, *scene.paths, *scene.areas) if f.layer == layer]


def _where(replay, i, t):
    th = replay.replay.flown.threats
    ok = np.isfinite(th.t_s[i])
    r = np.array([np.interp(t, th.t_s[i][ok], th.r_ecef[i][ok][:, k]) for k in range(3)])
    lat, lon, alt = ecef_to_geodetic(r, EARTH)
    return math.degrees(float(lat)), math.degrees(float(lon)), float(alt)


def test_the_scene_holds_one_feature_per_object_shot_and_event(replay, scene):
    r = replay.replay
    assert r.leakers > 0 and any(o.killed_t_s is not None for o in r.objects)  # the trial shows both
    counts = Counter(f.layer for f in (*scene.points, *scene.paths, *scene.areas))
    assert counts["trajectories"] == len(r.objects)
    assert counts["flyouts"] == len(r.shots)
    assert counts["kills"] == sum(o.killed_t_s is not None for o in r.objects)
    assert counts["leakers"] == r.leakers
    assert counts["detections"] == sum(o.first_track_t_s is not None for o in r.objects)
    assert counts["sites"] == sum(len(p.batteries) for p in replay.scenario.parties)
    panel = scene.panels[0]
    assert panel["kind"] == "replay" and len(panel["events"]) == len(r.events())
    assert [e["t_s"] for e in panel["events"]] == sorted(e["t_s"] for e in panel["events"])
    assert sum(e["event"] == "kill" for e in panel["events"]) == counts["kills"] == panel["kills"]


def test_flights_end_at_their_kill_or_impact_and_fly_outs_meet_them(replay, scene):
    r = replay.replay
    paths = {f.figures["object"]: f for f in _by_layer(scene, "trajectories")}
    kills = {f.figures["object"]: f for f in _by_layer(scene, "kills")}
    leaks = {f.figures["object"]: f for f in _by_layer(scene, "leakers")}
    for o in r.objects:
        p = paths[o.index]
        assert p.t_s[0] == pytest.approx(o.launch_t_s, abs=1e-6)
        if o.killed_t_s is not None:
            k = kills[o.index]
            assert p.t_s[-1] == pytest.approx(o.killed_t_s) == k.t_s
            lat, lon, alt = _where(replay, o.index, o.killed_t_s)
            assert (k.lat_deg, k.lon_deg, k.alt_m) == pytest.approx((lat, lon, alt), abs=1e-6)
            assert (p.lat_deg[-1], p.lon_deg[-1]) == pytest.approx((lat, lon), abs=1e-6)
        elif o.leaked:
            assert p.t_s[-1] == pytest.approx(o.impact_t_s) == leaks[o.index].t_s
            assert p.alt_m[-1] < 2e3  # on the ground
            target = replay.catalog.place(o.target)
            _, _, miss_m = GEOD.inv(p.lon_deg[-1], p.lat_deg[-1], target.lon_deg, target.lat_deg)
            assert miss_m < 100e3, (o.target, miss_m)
    fly = _by_layer(scene, "flyouts")
    for s, f in zip(r.shots, fly):
        site = replay.catalog.place(s.battery.split("/")[1])
        assert (f.lat_deg[0], f.lon_deg[0]) == pytest.approx((site.lat_deg, site.lon_deg), abs=1e-6)
        assert (f.t_s[0], f.t_s[-1]) == pytest.approx((s.launch_t_s, s.intercept_t_s))
        lat, lon, alt = _where(replay, s.target, s.intercept_t_s)
        assert (f.lat_deg[-1], f.lon_deg[-1], f.alt_m[-1]) == pytest.approx((lat, lon, alt), abs=1e-5)
        o = r.objects[s.target]
        if s.killed and o.killed_t_s == s.intercept_t_s:  # the killing salvo ends at the kill point
            assert (f.lat_deg[-1], f.lon_deg[-1]) == pytest.approx((kills[o.index].lat_deg, kills[o.index].lon_deg))


def test_the_replayed_trial_exports_to_every_format(scene, tmp_path):
    n = len(scene.points) + len(scene.paths) + len(scene.areas)
    for suffix in ("kml", "czml", "geojson", "csv", "scene.json"):
        write_export(tmp_path / f"r.{suffix}", scene)
    Document.model_validate(json.loads((tmp_path / "r.czml").read_text()))
    placemarks = ET.parse(tmp_path / "r.kml").getroot().iter("{http://www.opengis.net/kml/2.2}Placemark")
    assert sum(1 for _ in placemarks) >= n
    gj = json.loads((tmp_path / "r.geojson").read_text())
    assert Counter(f["properties"]["layer"] for f in gj["features"])["kills"] == len(_by_layer(scene, "kills"))
    table = pd.read_csv(tmp_path / "r.csv")
    kills = table[(table.layer == "kills")]
    assert len(kills) == len(_by_layer(scene, "kills")) and kills.time.str.endswith("Z").all()
    back = read_scene(tmp_path / "r.scene.json")
    assert back.panels == scene.panels and len(back.paths) == len(scene.paths)


def test_the_replay_json_opens_as_its_scene(replay, tmp_path):
    import openbmd

    assert openbmd.replay is api.replay and "replay" in openbmd.__all__
    f = tmp_path / "replay.json"
    f.write_text(json.dumps(replay.to_json(scene=True)))
    s = read_scene(f)
    assert len(s.paths) == len(replay.scene().paths) and s.panels[0]["trial"] == 0
    assert replay.to_dataframe()["event"].tolist() == [e["event"] for e in replay.events()]
    assert len(replay.shots()) == len(replay.replay.shots)
    fig = replay.plot()
    assert len(fig.axes[0].get_yticklabels()) == len(replay.replay.objects)


def test_the_mode_comparison_panel_reads_the_exercise_json(tmp_path):
    doc = api.exercise("nrc-2012", trials=20, seed=1, modes="independent,joint", progress=False).to_json()
    panel = comparison_panel(doc)
    assert [m["mode"] for m in panel["modes"]] == ["independent", "joint"]
    ind, joint = panel["modes"]
    assert ind["diff"] is None and joint["diff"] == doc["modes"]["joint"]["paired_vs_independent"]["p_no_leak_diff"]
    assert joint["p_no_leak_ci"][0] <= joint["p_no_leak"] <= joint["p_no_leak_ci"][1]
    for m in panel["modes"]:  # the causes shown add up to the expected leakers
        assert sum(m["leak_causes"].values()) == pytest.approx(m["expected_leakers"])
        assert all(v > 0 for v in m["leak_causes"].values())
    f = tmp_path / "ex.json"
    f.write_text(json.dumps(doc))
    assert read_scene(f).panels == (panel,)


def _threat(assumption: str, radius_deg: float) -> Threat:
    th = np.linspace(0, 2 * np.pi, 25)[:-1]
    return Threat("shahab-3", "tabriz", assumption, assumption, radius_deg * 111e3, radius_deg * 105e3,
                  tuple(38.08 + radius_deg * np.sin(th)), tuple(46.29 + radius_deg * np.cos(th) / 0.79),
                  ("ankara", "tel-aviv"), {"TUR": "part", "ARM": "whole"}, {}, {}, {}, (), 2003, True)


def test_threat_contours_become_areas_with_their_figures(tmp_path):
    doc = {"areas": ["tabriz"], "missiles": ["shahab-3"], "assumptions": ["nato", "russia"], "year": 2012,
           "threats": [_threat("nato", 12.0).to_json(), _threat("russia", 11.0).to_json()], "divergence": []}
    f = tmp_path / "threat.json"
    f.write_text(json.dumps(doc))
    s = read_scene(f)
    assert [a.layer for a in s.areas] == ["contours", "contours"]
    nato = s.areas[0]
    ring = nato.polygons[0][0]
    assert len(ring) == 25 and np.array_equal(ring[0], ring[-1])  # closed
    assert ring[:-1, 1] == pytest.approx(doc["threats"][0]["contour"]["lat_deg"])
    assert nato.figures["assumption"] == "nato" and nato.figures["reaches"] == "ankara, tel-aviv"
    assert (nato.figures["countries_whole"], nato.figures["countries_part"]) == (1, 1)
    assert threat_scene(doc).areas[1].figures["max_range_m"] == pytest.approx(11.0 * 111e3)


def test_an_unreadable_result_names_the_file(tmp_path):
    f = tmp_path / "bad.json"
    f.write_text(json.dumps({"modes": {"joint": {}}, "trials": 3}))
    with pytest.raises(InputError, match="bad.json|exercise"):
        read_scene(f)
