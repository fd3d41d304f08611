"""The front door: names and degrees in, typed results out, each with a table, JSON and a picture."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import openbmd as ob
from openbmd.errors import InputError


@pytest.fixture(scope="module")
def catalog():
    return ob.Catalog.load()


def test_a_new_user_does_a_trajectory_a_footprint_and_an_exercise_in_ten_lines_importing_only_openbmd():
    script = textwrap.dedent("""\
        import openbmd as ob
        flight = ob.trajectory("generic-irbm", "tabriz", "warsaw")
        fp = ob.footprint("generic-irbm", "tabriz", sites="deveselu", interceptors="sm3-iia", sensors="kurecik",
                          region=(42, 48, 20, 30), grid_deg=2.0, progress=False)
        ex = ob.exercise("nrc-2012", trials=200, seed=1, modes="independent,joint", progress=False)
        print(round(flight.ground_range_m / 1e3), len(flight.to_dataframe()) > 100)
        print(fp.to_dataframe().defended.any(), sorted(ex.to_dataframe().index))
    """)
    assert len(script.strip().splitlines()) <= 10
    src = str(Path(__file__).resolve().parents[2] / "src")  # this checkout's package, wherever the test runs
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=True,
                         env=env)
    assert out.stdout.split("\n")[:2] == ["2512 True", "True ['independent', 'joint']"]


def test_trajectory_frame_has_one_row_per_sample_and_matches_the_json(catalog):
    f = ob.trajectory("generic-irbm", "tabriz", "warsaw", catalog=catalog)
    frame = f.to_dataframe()
    assert list(frame.columns) == ["t_s", "lat_deg", "lon_deg", "altitude_m"]
    assert len(frame) == len(f.summary.t_s) and frame.t_s.is_monotonic_increasing
    j = f.to_json()
    assert frame.altitude_m.max() == pytest.approx(j["apogee_altitude_m"], rel=0.01)  # 5 s samples near apogee
    assert (frame.lat_deg.iloc[0], frame.lon_deg.iloc[0]) == pytest.approx((j["launch"]["lat_deg"],
                                                                             j["launch"]["lon_deg"]), abs=1e-6)
    assert json.loads(json.dumps(j)) == j
    assert f.to_frame().equals(frame)


def test_places_as_names_text_tuples_or_entries_give_the_same_flight(catalog):
    warsaw = catalog.place("warsaw")
    by_name = ob.trajectory("generic-irbm", "tabriz", "warsaw", catalog=catalog)
    by_tuple = ob.trajectory(catalog.missile("generic-irbm"), "tabriz", (warsaw.lat_deg, warsaw.lon_deg),
                             catalog=catalog)
    by_entry = ob.trajectory("generic-irbm", catalog.place("tabriz"), warsaw, catalog=catalog)
    assert by_tuple.ground_range_m == pytest.approx(by_name.ground_range_m, abs=1.0)
    assert by_entry.flight_time_s == pytest.approx(by_name.flight_time_s, abs=1e-6)


def test_lofting_raises_the_apogee_and_the_flight_time_is_met(catalog):
    base = ob.trajectory("generic-irbm", "tabriz", "warsaw", catalog=catalog)
    lofted = ob.trajectory("generic-irbm", "tabriz", "warsaw", apogee_km=900, catalog=catalog)
    timed = ob.trajectory("generic-irbm", "tabriz", "warsaw", flight_time_s=1000, catalog=catalog)
    assert lofted.apogee_altitude_m == pytest.approx(900e3, rel=0.01)
    assert lofted.apogee_altitude_m > base.apogee_altitude_m
    assert timed.flight_time_s == pytest.approx(1000, abs=1.0)


def test_burnout_form_on_the_ideal_earth_is_keplers_range():
    f = ob.trajectory_from_burnout(1275.6, 5.2702, 51.3, earth="ideal")
    assert f.ground_range_m == pytest.approx(4894580.6, abs=1.0)  # the closed form of tests/flight


def test_engage_table_lists_the_window_and_the_shots(catalog):
    e = ob.engage("generic-irbm", "tabriz", "warsaw", sites="redzikowo", interceptors="sm3-iia", sensors="kurecik",
                  catalog=catalog)
    assert e.feasible
    frame = e.to_dataframe()
    assert set(frame.kind) == {"window", "shot"} and (frame.kind == "shot").sum() == e.to_json()["shots"]
    assert (frame.interceptor_launch_time_s < frame.intercept_time_s).all()
    slower = ob.engage("generic-irbm", "tabriz", "warsaw", sites=["redzikowo"], interceptors=["sm3-iia"],
                       sensors=["kurecik"], launch_delay_s=240, catalog=catalog)
    assert len(slower.to_dataframe()) <= len(frame)  # a longer decision never adds opportunities


@pytest.fixture(scope="module")
def mirved(catalog):
    """RS-24 (four warheads off its bus) from Teykovo at Washington, against Fort Greely's GBIs with SBIRS."""
    return ob.engage("rs-24", "teykovo", "washington", sites="fort-greely", interceptors="gbi", sensors="sbirs",
                     catalog=catalog, progress=False)


def test_engage_table_holds_every_released_warhead(mirved):
    """A MIRVed threat's table has every warhead's opportunities, each row naming its object; the verdict rows are
    the threat's own window and shots."""
    e = mirved
    frame, doc = e.to_dataframe(), e.to_json()
    assert set(frame.object) == {o["object"] for o in doc["objects"]} and len(doc["objects"]) > 1
    assert set(frame.object_kind) == {"warhead"}
    for o in doc["objects"]:
        rows = frame[frame.object == o["object"]]
        assert (rows.kind == "shot").sum() == o["shots"] and (rows.kind == "window").sum() == len(o["windows"])
        assert set(rows.object_label) == {o["label"]}
    verdict = frame[frame.verdict]
    assert set(verdict.object) == {doc["most_demanding_object"]} and (verdict.kind == "shot").sum() == doc["shots"]


def test_engage_plot_draws_every_released_warhead(mirved, catalog):
    """The picture draws each warhead's flight (map and altitude) with its shots in the legend, the verdict's marked
    and bold; a single-warhead threat's picture has no such lines."""
    doc = mirved.to_json()
    fig = mirved.plot()
    ax_map, ax_alt = fig.axes[0], fig.axes[1]
    labels = [t.get_text() for t in ax_alt.get_legend().get_texts()]
    for o in doc["objects"]:
        entry = [t for t in labels if t.startswith(o["label"] + ":")]
        assert len(entry) == 1 and f"{o['shots']} shot" in entry[0], (o["label"], labels)
        assert entry[0].endswith("(verdict)") == (o["object"] == doc["most_demanding_object"])
    lines = {ln.get_label(): ln for ln in ax_alt.get_lines() if ln.get_label().startswith("warhead")}
    assert len(lines) == len(doc["objects"])
    widths = {lab.endswith("(verdict)"): ln.get_linewidth() for lab, ln in lines.items()}
    assert widths[True] > widths[False]
    assert {t for t in (ln.get_label() for ln in ax_map.get_lines()) if t.startswith("warhead")} == set(lines)
    single = ob.engage("generic-irbm", "tabriz", "bucharest", sites="deveselu", interceptors="sm3-iia",
                       sensors="kurecik", catalog=catalog, progress=False).plot()
    assert not [ln for ln in single.axes[1].get_lines() if ln.get_label().startswith("warhead")]


def test_footprint_frame_adds_up_to_the_areas(catalog):
    fp = ob.footprint("generic-irbm", "tabriz", sites="deveselu", interceptors="sm3-iia", sensors="kurecik",
                      region=(40, 50, 15, 30), grid_deg=1.0, progress=False, catalog=catalog)
    frame = fp.to_dataframe()
    assert len(frame) == fp.footprint.shots.size
    assert frame.loc[frame.defended, "cell_area_km2"].sum() == pytest.approx(fp.defended_area_km2)
    assert (frame.defended <= frame.threatened).all()
    assert fp.to_geojson()["type"] == "FeatureCollection"


def test_exercise_frames_per_mode_and_per_trial_agree(catalog):
    ex = ob.exercise("nrc-2012", trials=300, seed=3, modes=["independent", "joint"], progress=False, catalog=catalog)
    modes, trials = ex.to_dataframe(), ex.trials()
    assert list(modes.index) == ["independent", "joint"] and len(trials) == 600
    for mode, group in trials.groupby("mode"):
        assert modes.loc[mode, "p_no_leak"] == pytest.approx(np.mean(group.leakers == 0))
        assert modes.loc[mode, "interceptors_used"] == pytest.approx(group.interceptors_used.mean())
    assert np.isnan(modes.loc["independent", "p_no_leak_vs_independent"]) or \
        modes.loc["independent", "p_no_leak_vs_independent"] is None
    assert modes.loc["joint", "p_no_leak_vs_independent"] == pytest.approx(
        modes.loc["joint", "p_no_leak"] - modes.loc["independent", "p_no_leak"], abs=1e-12)


def test_assure_frame_has_one_row_per_pair(catalog):
    a = ob.assure("epaa-phase1", forces="kozelsk", targets="washington,chicago", catalog=catalog)
    frame = a.to_dataframe()
    assert len(frame) == a.to_json()["summary"]["total_pairs"] == 2
    assert frame.engageable.sum() == a.to_json()["summary"]["engageable_pairs"]


def test_every_result_draws_its_figure(catalog, tmp_path):
    from matplotlib.figure import Figure

    results = [ob.trajectory("generic-irbm", "tabriz", "warsaw", catalog=catalog),
               ob.engage("generic-irbm", "tabriz", "warsaw", sites="redzikowo", catalog=catalog),
               ob.assure("epaa-phase1", forces="kozelsk", targets="washington", catalog=catalog)]
    for r in results:
        fig = r.plot()
        assert isinstance(fig, Figure) and fig.axes
        fig.savefig(tmp_path / "f.png")
        assert (tmp_path / "f.png").stat().st_size > 5_000


@pytest.mark.parametrize("call, argument", [
    (lambda: ob.trajectory("generic-irbm", "tabriz", ""), "target"),
    (lambda: ob.trajectory("nope", "tabriz", "warsaw"), "missile"),
    (lambda: ob.trajectory("shahab-3", "tabriz", "warsaw"), "target"),
    (lambda: ob.trajectory("generic-irbm", (95.0, 0.0), "warsaw"), "origin"),
    (lambda: ob.trajectory("generic-irbm", "tabriz", "warsaw", apogee_km=-5), "apogee_km"),
    (lambda: ob.trajectory_from_burnout(-5, 5, 40), "altitude_km"),
    (lambda: ob.engage("generic-irbm", "tabriz", "warsaw", sites="atlantis"), "sites"),
    (lambda: ob.engage("generic-irbm", "tabriz", "warsaw", sites="redzikowo", launch_delay_s=-30), "launch_delay_s"),
    (lambda: ob.footprint("generic-irbm", "tabriz", sites="deveselu", grid_deg=0), "grid"),
    (lambda: ob.footprint("generic-irbm", "tabriz", sites="deveselu", shots=0), "shots"),
    (lambda: ob.exercise("nrc-2012", trials=0), "trials"),
    (lambda: ob.exercise("nrc-2012", trials=10, modes="united", progress=False), "modes"),
    (lambda: ob.assure("epaa-phase1", forces="china-icbm"), "forces"),
    (lambda: ob.threat("tabriz", "shahab-9", progress=False), "missiles"),
    (lambda: ob.threat("atlantis", "shahab-3", progress=False), "areas"),
    (lambda: ob.threat("tabriz", "shahab-3", assumptions="nato,martian", progress=False), "assumptions"),
    (lambda: ob.threat("tabriz", "shahab-3", azimuths=3, progress=False), "azimuths"),
    (lambda: ob.threat("tabriz", "shahab-3", year=1800, progress=False), "year"),
    (lambda: ob.threat(missiles="shahab-3", polygons={"x": [(1.0, 2.0)]}, progress=False), "polygons"),
    (lambda: ob.threat(missiles="shahab-3", progress=False), "areas"),
    (lambda: ob.flight_test("sm3-9", "pmrf", azimuth_deg=270, observer="russia"), "interceptor"),
    (lambda: ob.flight_test("sm3-iia", "atlantis", azimuth_deg=270, observer="russia"), "site"),
    (lambda: ob.flight_test("sm3-iia", "pmrf", azimuth_deg=math.nan, observer="russia"), "azimuth_deg"),
    (lambda: ob.flight_test("sm3-iia", "pmrf", azimuth_deg=270, observer="russia", pitch_over_deg=95), "pitch_over_deg"),
    (lambda: ob.flight_test("sm3-iia", "pmrf", azimuth_deg=270, observer="martians"), "observer"),
    (lambda: ob.flight_test("sm3-iia", "pmrf", azimuth_deg=270, observer="russia", released="all"), "released"),
    (lambda: ob.flight_test("sm3-iia", "pmrf", azimuth_deg=270, observer="russia", trials=-1), "trials"),
    (lambda: ob.flight_test("sm3-iia", "pmrf", azimuth_deg=270, observer="russia", declared_speed_km_s=-4.5),
     "declared_speed_km_s"),
    (lambda: ob.flight_test("sm3-iia", "pmrf", azimuth_deg=270, observer="russia", observer_sensors="kauai"),
     "observer_sensors"),
    (lambda: ob.flight_test("sm3-iia", "pmrf", azimuth_deg=270, observer="russia", speed_limits_km_s={"x": 0}),
     "speed_limits_km_s"),
])
def test_bad_arguments_name_the_python_parameter_never_a_flag(call, argument):
    with pytest.raises(InputError) as info:
        call()
    assert info.value.argument == argument
    assert "--" not in str(info.value)


def test_catalog_load_takes_extra_files(tmp_path):
    extra = tmp_path / "mine.yaml"
    extra.write_text("kind: place\nentries:\n  - name: my-city\n    display_name: My City\n    place_type: city\n"
                     "    country: POL\n    region: europe\n    lat_deg: 52.0\n    lon_deg: 20.0\n"
                     "    confidence: estimate\n"
                     "    source: [{title: A map, year: 2020}]\n")
    cat = ob.Catalog.load(extra=[extra])
    assert "my-city" in cat and len(cat) == len(ob.Catalog.load()) + 1
    f = ob.trajectory("generic-irbm", "tabriz", "my-city", catalog=cat)
    assert math.isclose(f.to_json()["impact"]["lat_deg"], 52.0, abs_tol=0.01)


@pytest.mark.parametrize("first", [
    "import openbmd.exercise.engine",  # the subpackage first...
    "ob.exercise",  # ...or the name first
    "from openbmd import exercise",
    "from openbmd.exercise.run import run_exercise",
])
def test_openbmd_exercise_is_the_package_and_calls_the_api_function_whatever_is_imported_first(first):
    # A fresh interpreter each time: which of the two gets imported first is the whole point.
    code = f"""
import inspect, sys
import openbmd as ob
import openbmd.errors
{first}
import openbmd.exercise.engine
from openbmd import exercise
from openbmd.exercise.run import run_exercise
assert ob.exercise is exercise is sys.modules["openbmd.exercise"], ob.exercise
assert ob.exercise.engine.run_trials is sys.modules["openbmd.exercise.engine"].run_trials
assert ob.exercise.run.run_exercise is run_exercise
assert inspect.signature(ob.exercise) == inspect.signature(ob.api.exercise)
assert "trials" in inspect.signature(ob.exercise).parameters
try:  # the call reaches the API function (its own check of trials; the ten-line test runs a real one)
    ob.exercise("nrc-2012", trials=0)
except ob.errors.InputError as exc:
    assert exc.argument == "trials", exc
else:
    raise AssertionError("ob.exercise(trials=0) did not reach openbmd.api.exercise")
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(Path(ob.__file__).parents[1])})
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_every_result_is_also_an_export(tmp_path, catalog):
    from openbmd.report.exports import read_scene

    flight = ob.trajectory("generic-irbm", "tabriz", "warsaw", catalog=catalog)
    flight.export(tmp_path / "flight.scene.json", tmp_path / "out" / "flight.kml")
    scene = read_scene(tmp_path / "flight.scene.json")
    assert [p.name for p in scene.points] == [flight.launch, flight.target] and "Tabriz" in flight.launch
    assert scene.paths[0].lat_deg[0] == pytest.approx(math.degrees(flight.summary.launch_lat_rad), abs=1e-6)
    assert (tmp_path / "out" / "flight.kml").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    doc = flight.to_json(samples=5)
    assert len(doc["path"]["t_s"]) == 5 and doc["path"]["t_s"][-1] == pytest.approx(flight.summary.t_s[-1])
    with pytest.raises(InputError) as bad:
        flight.to_json(samples=1)
    assert bad.value.argument == "samples"
    with pytest.raises(InputError) as bad:
        flight.export(tmp_path / "flight.docx")
    assert bad.value.argument == "path" and not (tmp_path / "flight.docx").exists()


def test_observed_flight_tests_need_criteria(catalog, tmp_path):
    f = tmp_path / "ft.json"
    f.write_text(json.dumps({"interceptor": "sm3-ia"}), encoding="utf-8")
    with pytest.raises(InputError) as bad:
        ob.assure("epaa-phase1", forces="kozelsk", targets="washington", observed=[f], progress=False,
                  catalog=catalog)
    assert bad.value.argument == "criteria" and "observed" in str(bad.value)


def test_threat_returns_the_assessment_with_its_tables_map_geojson_and_report(catalog, tmp_path):
    """``ob.threat`` is the threat package's assessment of the same request, in names at the edge."""
    from matplotlib.figure import Figure

    from openbmd.earth import wgs84
    from openbmd.threat import ThreatRequest, assess_threats, differing_fields

    result = ob.threat("shahrud", "sejjil-2", azimuths=8, year=2012, progress=False, catalog=catalog)
    direct = assess_threats(catalog, ThreatRequest(("shahrud",), ("sejjil-2",), ("nato", "russia"), 2012, 8), wgs84())
    assert result.to_json() == direct.to_json()
    frame = result.to_dataframe()
    assert list(frame.index) == [("sejjil-2", "shahrud", "nato"), ("sejjil-2", "shahrud", "russia")]
    assert frame.loc[("sejjil-2", "shahrud", "nato"), "max_range_m"] == result.threats[0].max_range_m
    fields = set(differing_fields(catalog.assumptions("nato"), catalog.assumptions("russia"), "sejjil-2"))
    assert set(result.divergence_frame().field) == fields and fields
    fig = result.plot("russia")
    assert isinstance(fig, Figure) and fig.axes
    with pytest.raises(InputError) as bad:
        result.plot("martian")
    assert bad.value.argument == "assumption"
    assert len(result.geojson()["features"]) == len(result.threats)
    assert result.write_report(tmp_path / "r").name == "index.html" and (tmp_path / "r" / "threat.json").exists()
    polygon = ob.threat(missiles=["sejjil-2"], assumptions="nato", azimuths=8, progress=False, catalog=catalog,
                        polygons={"north-iran": [(38.0, 45.0), (38.0, 48.0), (36.0, 48.0)]})
    assert [t.area for t in polygon.threats] == ["north-iran"]


def test_openbmd_threat_is_the_package_and_calls_the_api_function():
    code = """
import inspect, sys
import openbmd as ob
import openbmd.threat.assess
from openbmd.threat import ThreatRequest
assert ob.threat is sys.modules["openbmd.threat"] and ob.threat.ThreatRequest is ThreatRequest
assert inspect.signature(ob.threat) == inspect.signature(ob.api.threat)
try:
    ob.threat("tabriz", "shahab-9", progress=False)
except ob.errors.InputError as exc:
    assert exc.argument == "missiles", exc
else:
    raise AssertionError("ob.threat did not reach openbmd.api.threat")
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(Path(ob.__file__).parents[1])})
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_flight_test_is_the_verify_run_in_degrees_and_km_s_at_the_edge(catalog, tmp_path):
    """``ob.flight_test`` flies, observes and estimates as :func:`openbmd.verify.run_flight_test` does for the same
    request in SI; its frame is the tightening table, its figure the convergence, its report the replay."""
    from openbmd.earth import wgs84
    from openbmd.verify import FlightTestRequest, ReleasePolicy, run_flight_test

    result = ob.flight_test("sm3-iia", "aegis-black-sea", azimuth_deg=90.0, observer="russia",
                            declared_speed_km_s=4.5, released="tracks", speed_limits_km_s={"five": 5.0},
                            catalog=catalog)
    direct = run_flight_test(catalog, FlightTestRequest("sm3-iia", "aegis-black-sea", math.radians(90.0), "russia",
                                                        declared_speed_mps=4500.0, policy=ReleasePolicy("tracks"),
                                                        speed_limits_mps=(("five", 5000.0),)), wgs84())
    assert result.to_json()["burnout_speed_mps"] == direct.to_json()["burnout_speed_mps"]
    assert result.statement == direct.statement() and "below the 5 km/s limit (five)" in result.statement
    frame = result.to_dataframe()
    assert list(frame.index) == ["own sensors", "own sensors + released tracks",
                                 "own sensors + released tracks + telemetry"]
    assert (frame["ci95_high_mps"] - frame["ci95_low_mps"]).is_monotonic_decreasing
    assert frame.loc["own sensors + released tracks", "estimate_mps"] == direct.burnout_speed.estimate
    assert len(result.plot().axes) == 1
    assert result.write_report(tmp_path / "ft").name == "index.html"
    assert json.loads((tmp_path / "ft" / "flight-test.json").read_text())["statement"] == result.statement
    assert "FlightTestReport(sm3-iia" in repr(result)


def test_assure_takes_a_flight_test_result_as_the_observation(catalog, tmp_path):
    """A Python user hands ``ob.assure`` the ``ob.flight_test`` result itself: the same check as its JSON file."""
    ft = ob.flight_test("sm3-ia", "aegis-black-sea", azimuth_deg=90.0, observer="russia", released="tracks",
                        catalog=catalog)
    f = tmp_path / "ft.json"
    f.write_text(json.dumps(ft.to_json()))
    kw = dict(forces="kozelsk", targets="washington", criteria="urals-reach", progress=False, catalog=catalog)
    by_object = ob.assure("epaa-phase1", observed=[ft], **kw).to_json()["criteria_observed"]
    assert by_object == ob.assure("epaa-phase1", observed=[f], **kw).to_json()["criteria_observed"]
    row = by_object[0]["checks"][0]
    assert row["interceptor"] == "sm3-ia" and row["observed_holds"] == ("holds" if row["declared_holds"] else "fails")
