"""Exports of scenes: KML parses back, CZML validates against czml3's models, GeoJSON meets RFC 7946,
CSV reads back; coordinates round-trip within 1 m and times are ISO 8601."""

from __future__ import annotations

import datetime as dt
import json
import math
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from czml3 import Document
from pyproj import Geod
from shapely.geometry import LinearRing, Point, shape

from openbmd.earth import wgs84
from openbmd.errors import InputError
from openbmd.report.exports import Scene, SceneArea, ScenePath, ScenePoint, export_format, read_scene, write_export
from openbmd.report.exports.czml import scene_czml
from openbmd.report.exports.geojson import scene_geojson
from openbmd.report.exports.geometry import cells_area, coverage_fan, coverage_ground_range_m, rfc7946_polygons
from openbmd.report.exports.kml import scene_kml
from openbmd.report.exports.table import scene_table

GEOD = Geod(ellps="WGS84")
KML = "{http://www.opengis.net/kml/2.2}"
EARTH = wgs84()


def _flight(lat0: float, lon0: float, lat1: float, lon1: float, n: int = 60, apogee_m: float = 600e3) -> ScenePath:
    """A great-circle ground track with a parabolic height profile (geometry only)."""
    pts = GEOD.npts(lon0, lat0, lon1, lat1, n - 2)
    lon = np.array([lon0, *[p[0] for p in pts], lon1])
    lat = np.array([lat0, *[p[1] for p in pts], lat1])
    f = np.linspace(0.0, 1.0, n)
    return ScenePath("trajectories", f"{lat0},{lon0} to {lat1},{lon1}", 900.0 * f, lat, lon, 4 * apogee_m * f * (1 - f),
                     {"apogee_altitude_m": apogee_m}, ("A public source, An Author, 2010",))


@pytest.fixture
def scene() -> Scene:
    path = _flight(38.08, 46.29, 52.23, 21.01)
    pacific = _flight(40.0, 140.0, 45.0, -150.0)  # crosses the antimeridian
    fan = coverage_fan(38.35, 37.79, 1.5e6, 270.0, 60.0, EARTH)
    dateline_fan = coverage_fan(52.7, 174.1, 1.2e6, 0.0, 180.0, EARTH)  # a full circle across 180°
    lat, lon = np.arange(40.0, 50.0), np.arange(10.0, 25.0)
    mask = np.zeros((lat.size, lon.size), bool)
    mask[2:7, 3:12] = True
    mask[4, 6] = False  # a hole
    polys = cells_area(lat, lon, 1.0, mask)
    rings = tuple((np.asarray(p.exterior.coords), *(np.asarray(r.coords) for r in p.interiors)) for p in polys)
    return Scene("test scene", (
        ScenePoint("sites", "redzikowo", 54.48, 17.1, figures={"interceptor": "SM-3 IIA"}, sources=("Src",)),
        ScenePoint("intercepts", "shot 1", 47.5, 31.6, 511_889.5, 580.0, {"altitude_m": 511_889.5}),
    ), (path, pacific), (
        SceneArea("coverage", "kurecik", ((fan,),)),
        SceneArea("coverage", "shemya", ((dateline_fan,),)),
        SceneArea("footprints", "defended ≥ 1", rings, value=1),
    ))


def _distance_m(lon_a, lat_a, alt_a, lon_b, lat_b, alt_b) -> np.ndarray:
    _, _, d = GEOD.inv(lon_a, lat_a, lon_b, lat_b)
    return np.hypot(d, np.asarray(alt_a) - np.asarray(alt_b))


def _iso(text: str) -> dt.datetime:
    assert text.endswith("Z")
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert t.tzinfo is not None
    return t


def test_kml_parses_and_coordinates_round_trip(scene, tmp_path):
    out = tmp_path / "s.kml"
    write_export(out, scene)
    root = ET.parse(out).getroot()
    lines = root.findall(f".//{KML}LineString")
    assert len(lines) == len(scene.paths)
    for line, path in zip(lines, scene.paths):
        assert line.find(f"{KML}altitudeMode").text == "absolute"
        xyz = np.array([[float(v) for v in c.split(",")] for c in line.find(f"{KML}coordinates").text.split()])
        assert np.max(_distance_m(xyz[:, 0], xyz[:, 1], xyz[:, 2], path.lon_deg, path.lat_deg, path.alt_m)) < 1.0
    spans = root.findall(f".//{KML}TimeSpan")
    assert len(spans) == len(scene.paths)
    for span, path in zip(spans, scene.paths):
        assert (_iso(span.find(f"{KML}end").text) - _iso(span.find(f"{KML}begin").text)).total_seconds() == \
            pytest.approx(path.t_s[-1] - path.t_s[0], abs=1e-3)
    names = [p.find(f"{KML}name").text for p in root.iter(f"{KML}Placemark")]
    assert "redzikowo" in names and "shot 1" in names
    polygons = root.findall(f".//{KML}Polygon")
    # One KML polygon per GeoJSON area feature, and two for shemya's circle, cut at the antimeridian.
    assert len(polygons) == len(scene_geojson(scene)["features"]) - len(scene.points) - len(scene.paths) + 1


def test_czml_validates_against_czml3_models_and_carries_time(scene, tmp_path):
    out = tmp_path / "s.czml"
    write_export(out, scene)
    packets = json.loads(out.read_text())
    doc = Document.model_validate(packets)  # czml3's own models
    assert doc.packets[0].id == "document" and doc.packets[0].version == "1.0"
    start, stop = packets[0]["clock"]["interval"].split("/")
    assert (_iso(stop) - _iso(start)).total_seconds() == pytest.approx(900.0)
    timed = [p for p in packets if "epoch" in p.get("position", {})]
    assert len(timed) == len(scene.paths)
    for p, path in zip(timed, scene.paths):
        s = np.array(p["position"]["cartographicDegrees"]).reshape(-1, 4)
        t = [(_iso(p["position"]["epoch"]) + dt.timedelta(seconds=x) - scene.epoch).total_seconds() for x in s[:, 0]]
        np.testing.assert_allclose(t, path.t_s, atol=1e-3)
        assert np.max(_distance_m(s[:, 1], s[:, 2], s[:, 3], path.lon_deg, path.lat_deg, path.alt_m)) < 1.0
        assert p["path"]["trailTime"] == pytest.approx(900.0)


def _check_rfc7946(doc: dict) -> None:
    assert doc["type"] == "FeatureCollection"
    w, s, e, n = doc["bbox"]
    for f in doc["features"]:
        g = f["geometry"]
        polys = {"Polygon": [g["coordinates"]], "MultiPolygon": g["coordinates"]}.get(g["type"], [])
        for poly in polys:
            for k, ring in enumerate(poly):
                assert ring[0] == ring[-1] and len(ring) >= 4
                assert LinearRing(ring).is_ccw == (k == 0), "outer rings counter-clockwise, holes clockwise"
        flat = np.array(_coords(g["coordinates"]))
        assert np.all((-180 <= flat[:, 0]) & (flat[:, 0] <= 180) & (-90 <= flat[:, 1]) & (flat[:, 1] <= 90))
        assert np.all((w <= flat[:, 0]) & (flat[:, 0] <= e) & (s <= flat[:, 1]) & (flat[:, 1] <= n))
        if g["type"] in ("LineString", "MultiLineString"):
            parts = [g["coordinates"]] if g["type"] == "LineString" else g["coordinates"]
            for part in parts:  # no segment jumps across the map: cut at the antimeridian
                assert np.max(np.abs(np.diff(np.array(part)[:, 0]))) < 180.0


def _coords(c) -> list:
    return [c] if isinstance(c[0], (int, float)) else [x for y in c for x in _coords(y)]


def test_geojson_follows_rfc7946(scene):
    doc = scene_geojson(scene)
    _check_rfc7946(doc)
    by_name = {f["properties"]["name"]: f for f in doc["features"]}
    pacific = by_name[scene.paths[1].name]
    assert pacific["geometry"]["type"] == "MultiLineString"
    times = [[_iso(t) for t in part] for part in pacific["properties"]["times"]]
    assert [len(p) for p in times] == [len(p) for p in pacific["geometry"]["coordinates"]]
    # The cut point sits on both sides at the same time and height, between its neighbours.
    a, b = pacific["geometry"]["coordinates"]
    assert abs(a[-1][0]) == 180.0 and abs(b[0][0]) == 180.0 and a[-1][2] == pytest.approx(b[0][2])
    assert times[0][-1] == times[1][0] and times[0][-2] < times[0][-1] < times[1][1]
    flat = [c for part in (a, b) for c in part]
    original = np.column_stack([scene.paths[1].lon_deg, scene.paths[1].lat_deg, scene.paths[1].alt_m])
    kept = np.array([c for c in flat if abs(c[0]) != 180.0])
    assert np.max(_distance_m(kept[:, 0], kept[:, 1], kept[:, 2], *original.T)) < 1.0
    shemya = by_name["shemya"]["geometry"]
    assert shemya["type"] == "MultiPolygon" and len(shemya["coordinates"]) == 2
    # Cutting keeps the area: the parts add up to the geodesic circle.
    fan = scene.areas[1].polygons[0][0]
    whole = abs(GEOD.polygon_area_perimeter(fan[:, 0], fan[:, 1])[0])
    parts = sum(abs(GEOD.polygon_area_perimeter(*np.array(p[0])[:, :2].T)[0]) for p in shemya["coordinates"])
    assert parts == pytest.approx(whole, rel=1e-6)
    defended = shape(by_name["defended ≥ 1"]["geometry"])
    assert len(defended.interiors) == 1 and defended.area == pytest.approx(5 * 9 - 1)


def test_a_fan_round_a_pole_closes_over_it():
    fan = coverage_fan(76.5, -68.7, 3.0e6, 0.0, 180.0, EARTH)  # a full circle round Thule holds the pole
    polys = rfc7946_polygons(((fan,),))
    assert polys
    geoms = [shape({"type": "Polygon", "coordinates": p}) for p in polys]
    assert any(g.covers(Point(0.0, 90.0)) or g.buffer(1e-9).contains(Point(0.0, 89.999)) for g in geoms)
    assert not any(g.contains(Point(-68.7, 40.0)) for g in geoms)  # 4,000 km south: outside
    _check_rfc7946({"type": "FeatureCollection", "bbox": [-180, -90, 180, 90], "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": p}} for p in polys]})


def test_csv_reads_back_with_iso_times(scene, tmp_path):
    out = tmp_path / "s.csv"
    write_export(out, scene)
    df = pd.read_csv(out, keep_default_na=False)
    assert list(df.columns) == list(scene_table(scene).columns)
    for path in scene.paths:
        rows = df[(df["kind"] == "path") & (df["name"] == path.name)]
        assert len(rows) == path.t_s.size
        assert np.max(_distance_m(rows.lon_deg, rows.lat_deg, rows.alt_m, path.lon_deg, path.lat_deg,
                                  path.alt_m)) < 1.0
        t = np.array([(_iso(x) - scene.epoch).total_seconds() for x in rows["time"]])
        np.testing.assert_allclose(t, path.t_s, atol=1e-3)
        assert json.loads(rows.iloc[0]["figures"]) == path.figures
    site = df[df["name"] == "redzikowo"].iloc[0]
    assert site["time"] == "" and json.loads(site["sources"]) == ["Src"]


def test_scene_document_round_trips(scene, tmp_path):
    out = tmp_path / "s.scene.json"
    write_export(out, scene)
    back = read_scene(out)
    assert back.title == scene.title and back.epoch == scene.epoch and back.layers == scene.layers
    for a, b in zip(back.paths, scene.paths):
        np.testing.assert_array_equal(a.lat_deg, b.lat_deg)
        np.testing.assert_array_equal(a.t_s, b.t_s)
    assert [p.name for p in back.points] == [p.name for p in scene.points]
    assert back.areas[2].value == 1 and len(back.areas[2].polygons[0]) == 2


def test_kml_and_czml_build_in_memory(scene):
    assert "<kml" in scene_kml(scene).kml()
    assert scene_czml(scene).packets[0].name == "test scene"


@pytest.mark.parametrize("name", ["x.kmz", "x.json", "x"])
def test_unknown_suffix_is_refused(name):
    with pytest.raises(InputError, match="cannot tell the format") as bad:
        export_format(name)
    assert bad.value.argument == "path"  # the domain's name; the CLI says --export or --to


def test_bad_scene_file_names_file_and_feature(tmp_path):
    bad = tmp_path / "bad.scene.json"
    bad.write_text(json.dumps({"format": "openbmd-scene", "version": 1, "features": [
        {"type": "path", "layer": "trajectories", "name": "x", "t_s": [0, 1], "lat_deg": [0], "lon_deg": [0, 1],
         "alt_m": [0, 0]}]}))
    with pytest.raises(InputError, match=r"bad.scene.json: feature 0"):
        read_scene(bad)


def test_cells_merge_into_the_cells_area():
    rng = np.random.default_rng(3)
    for _ in range(3):
        mask = rng.random((12, 20)) < 0.5
        polys = cells_area(np.arange(12.0), np.arange(20.0), 1.0, mask)
        assert sum(p.area for p in polys) == pytest.approx(mask.sum())


def test_coverage_reach_closed_forms():
    a = EARTH.a_m
    h = 300e3
    # Unlimited range: the horizon at elevation 0 is acos(a / (a + h)).
    assert coverage_ground_range_m(1e9, 0.0, h, EARTH) == pytest.approx(a * math.acos(a / (a + h)))
    # Range-limited: the slant range back from the reached point equals the radar's range.
    r = 1.0e6
    theta = coverage_ground_range_m(r, 0.0, h, EARTH) / a
    slant = math.sqrt(a * a + (a + h) ** 2 - 2 * a * (a + h) * math.cos(theta))
    assert slant == pytest.approx(r, rel=1e-9)
    # Higher minimum elevation, shorter horizon; longer range never shrinks coverage.
    reach = [coverage_ground_range_m(1e9, e, h, EARTH) for e in (0.0, 2.0, 5.0, 10.0)]
    assert all(x > y for x, y in zip(reach, reach[1:]))
    by_range = [coverage_ground_range_m(r, 1.0, h, EARTH) for r in (5e5, 1e6, 2e6, 4e6, 8e6)]
    assert all(x <= y for x, y in zip(by_range, by_range[1:]))
