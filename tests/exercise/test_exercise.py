"""Exercise: scenario validation, the engine's laws, the analytic layered defence, seeds and workers."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from openbmd.catalog import load_catalog
from openbmd.cli import main
from openbmd.earth import wgs84
from openbmd.errors import InputError
from openbmd.exercise.engine import MAX_SHOTS
from openbmd.exercise.geometry import Prepared, fly_raid, prepare
from openbmd.exercise.montecarlo import run_trials_mc, summarize, wilson
from openbmd.exercise.scenario import load_scenario
from openbmd.exercise.tracks import TrackTiming, single_sensor
from openbmd.tracking.quality import fixed_delay_model, load_track_quality

EARTH = wgs84()


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def scenario(catalog):
    return load_scenario("nrc-2012", catalog)


@pytest.fixture(scope="module")
def objects(scenario, catalog):
    return fly_raid(scenario, catalog, EARTH)


def _p(prep: Prepared, trials: int = 3000, seed: int = 7) -> dict:
    return summarize(run_trials_mc(prep, trials, seed), prep.parties)


def test_builtin_scenario_is_the_2012_setting(scenario, objects):
    assert {p.name for p in scenario.parties} == {"nato", "russia"}
    assert int(objects.is_warhead.sum()) == 20
    assert len(scenario.cooperation.sectors) == 2


@pytest.mark.parametrize("edit, field", [
    (lambda d: d["raid"][0].update(missile="nope"), "raid.0.missile"),
    (lambda d: d["parties"][0]["batteries"][0].update(inventory=-1), "parties.0.batteries.0.inventory"),
    (lambda d: d["doctrine"].update(salvo=9), "doctrine.salvo"),
    (lambda d: d.update(colour="red"), "colour"),
    (lambda d: d["raid"][2].update(target="london"), "raid.2.target"),
])
def test_bad_scenarios_name_the_field(tmp_path, catalog, edit, field):
    import yaml
    from importlib import resources

    doc = yaml.safe_load((resources.files("openbmd.exercise") / "scenarios" / "nrc-2012.yaml").read_text())
    edit(doc)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError) as info:
        s = load_scenario(str(path), catalog)
        fly_raid(s, catalog, EARTH)  # a target out of the missile's reach shows when it is aimed
    assert info.value.argument == field


def test_layered_defence_matches_the_formula():
    """One threat, n layers each with one shot and a look between them: P(no leak) = 1 - (1 - Pk)^n."""
    for n_layers, pk in ((1, 0.8), (3, 0.6), (4, 0.3)):
        b = n_layers
        rec_l = np.full((1, b, 1), 0.0)
        rec_t = np.arange(1, b + 1, dtype=float).reshape(1, b, 1) * 100.0
        rec_l[0, :, 0] = rec_t[0, :, 0] - 50.0
        tracks = single_sensor(np.zeros((1, 1)), fixed_delay_model(0.0))
        prep = Prepared("joint", ["a"], [f"b{k}" for k in range(b)], rec_l, rec_t, np.ones((1, b), np.int64),
                        tracks, np.zeros(b, np.int64), np.zeros(b, np.int64), np.full(b, pk),
                        np.ones(b, np.int64), np.zeros(b, np.int64), np.array([True]), np.array([1.0]),
                        np.array([0]), np.array([1.0]), 1, True, 10.0)
        r = _p(prep, trials=20000, seed=3)
        expected = 1 - (1 - pk) ** n_layers
        lo, hi = wilson(round(expected * 20000), 20000)
        assert abs(r["p_no_leak"] - expected) < 3 * (hi - lo) / 2 / 1.96 + 1e-9
        assert r["interceptors_used"] == pytest.approx(sum((1 - pk) ** k for k in range(n_layers)), rel=0.03)


def test_perfect_kill_and_endless_inventory_leave_no_leakers(scenario, catalog, objects):
    big = scenario.model_copy(update={"tracks": "timeline", "parties": [p.model_copy(update={"batteries": [
        bt.model_copy(update={"inventory": 1000}) for bt in p.batteries]}) for p in scenario.parties]})
    for mode, prep in prepare(big, catalog, EARTH, objects).items():
        prep = dataclasses.replace(prep, pk=np.ones_like(prep.pk))
        n = len(prep.value)
        allowed = prep.tracks.allowed(prep.party, np.zeros((1, len(prep.parties), n)))[0]  # fixed delays
        engageable = np.array([any(prep.rec_count[i, b] and prep.rec_launch[i, b, prep.rec_count[i, b] - 1]
                                   >= allowed[i, b] for b in range(len(prep.pk))) for i in range(n)])
        raw = run_trials_mc(prep, 200, 1)
        assert not raw["survived"][:, engageable].any(), mode
        assert np.all(raw["survived"][:, ~engageable])


def test_more_sensors_or_interceptors_never_lower_p_no_leak(scenario, catalog, objects):
    base = {m: _p(p)["p_no_leak"] for m, p in prepare(scenario, catalog, EARTH, objects).items()}
    russia = scenario.parties[1]
    more_sensors = russia.model_copy(update={"sensors": russia.sensors + ["sbirs"]})
    more_guns = russia.model_copy(update={"batteries": russia.batteries + [
        russia.batteries[0].model_copy(update={"site": "kaliningrad", "interceptor": "s-400-48n6"})]})
    for party in (more_sensors, more_guns):
        bigger = scenario.model_copy(update={"parties": [scenario.parties[0], party]})
        for m, p in prepare(bigger, catalog, EARTH, objects).items():
            assert _p(p)["p_no_leak"] >= base[m] - 0.02, m


def test_joint_is_at_least_as_good_with_fewer_interceptors(scenario, catalog, objects):
    preps = prepare(scenario, catalog, EARTH, objects, ("independent", "joint"))
    ind, joint = _p(preps["independent"]), _p(preps["joint"])
    assert joint["p_no_leak"] >= ind["p_no_leak"] - 0.02
    assert joint["interceptors_used"] < ind["interceptors_used"]


def test_same_seed_same_answer_for_any_number_of_workers(scenario, catalog, objects):
    from dask.distributed import Client, LocalCluster

    prep = prepare(scenario, catalog, EARTH, objects, ("joint",))["joint"]
    local = run_trials_mc(prep, 1200, 5)
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as c, \
                Client(c) as client:
            remote = run_trials_mc(prep, 1200, 5, client=client)
        for k in local:
            np.testing.assert_array_equal(local[k], remote[k])
    other = run_trials_mc(prep, 1200, 6)
    assert not np.array_equal(other["leakers"], local["leakers"])
    assert MAX_SHOTS >= 4


def test_cli_json_contract(capsys):
    assert main(["exercise", "run", "nrc-2012", "--trials", "300", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["modes"]) == {"independent", "data-exchange", "joint", "sectoral"}
    for v in out["modes"].values():
        assert {"p_no_leak", "p_no_leak_ci", "expected_leakers", "interceptors_used", "value_defended"} <= set(v)
        assert v["p_no_leak_ci"][0] <= v["p_no_leak"] <= v["p_no_leak_ci"][1]
        parties = v["parties"].values()
        assert sum(p["interceptors_used"] for p in parties) == pytest.approx(v["interceptors_used"])
        for p in parties:
            assert p["kills_ci"][0] <= p["kills"] <= p["kills_ci"][1]
            assert p["interceptors_used_ci"][0] <= p["interceptors_used"] <= p["interceptors_used_ci"][1]


def test_cli_report(tmp_path, capsys):
    assert main(["exercise", "run", "nrc-2012", "--trials", "200", "--modes", "joint,sectoral",
                 "--report", str(tmp_path)]) == 0
    html = (tmp_path / "index.html").read_text()
    assert "data:image/png;base64," in html and "sectoral" in html


@pytest.mark.parametrize("args, words", [
    (["nrc-2012", "--modes", "joint,united"], "--modes: unknown mode 'united'"),
    (["nowhere"], "scenario: no built-in scenario or file 'nowhere'"),
    (["nrc-2012", "--trials", "0"], "--trials: must be at least 1"),
    (["nrc-2012", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "--workers: give --workers or --scheduler"),
])
def test_cli_bad_input(capsys, args, words):
    assert main(["exercise", "run", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err


def test_track_sharing_rules():
    """Own tracks, partners' tracks after the data latency, or the earliest track for all (joint)."""
    u = np.zeros((1, 2, 1))
    ready = {s: single_sensor(np.array([[100.0], [40.0]]), fixed_delay_model(20.0), s, 10.0, 60.0).ready(u)[0, :, 0]
             for s in ("own", "exchange", "pooled")}
    np.testing.assert_allclose(ready["own"], [180.0, 120.0])
    np.testing.assert_allclose(ready["exchange"], [130.0, 120.0])
    np.testing.assert_allclose(ready["pooled"], [130.0, 130.0])


def test_calibrated_delays_scale_with_revisit_and_never_grow_with_more_sensors():
    model = load_track_quality()
    u = np.random.default_rng(3).random((20000, 1, 1))
    fast = single_sensor(np.array([[50.0]]), model, revisit_s=1.0).ready(u)[:, 0, 0] - 50.0
    slow = single_sensor(np.array([[50.0]]), model, revisit_s=10.0).ready(u)[:, 0, 0] - 50.0
    finite = np.isfinite(fast)
    assert finite.mean() == pytest.approx(model.p_firm[0], abs=0.01)
    np.testing.assert_allclose(slow[finite], 10.0 * fast[finite])
    assert np.median(fast[finite]) == pytest.approx(np.interp(0.5, np.linspace(0, 1, 41), model.quantiles[0]),
                                                    abs=0.1)
    both = TrackTiming(np.array([[[50.0], [45.0]]]), np.array([[1.0, 10.0]]), np.array([[0, 1]]), model,
                       "own", 0.0, 0.0).ready(u)[:, 0, 0] - 50.0
    assert np.all(both <= fast) and np.any(both < fast)  # an IR sensor seeing earlier can only help


def test_timeline_tracks_give_one_answer_for_every_trial(scenario, catalog, objects):
    fixed = scenario.model_copy(update={"tracks": "timeline"})
    prep = prepare(fixed, catalog, EARTH, objects, ("independent",))["independent"]
    a = prep.tracks.allowed(prep.party, np.random.default_rng(1).random((5, 2, len(prep.value))))
    assert np.all(a == a[:1])


def _intercept_points(prep, objects):
    """(object, battery, lon, lat) of every intercept record, deg."""
    from openbmd.earth import ecef_to_geodetic

    th = objects.threats
    out = []
    for i, b in zip(*np.nonzero(prep.rec_count)):
        for t in prep.rec_intercept[i, b, : prep.rec_count[i, b]]:
            k = int(np.nanargmin(np.abs(th.t_s[i] - t)))
            lat, lon, _ = ecef_to_geodetic(th.r_ecef[i, k][None], EARTH)
            out.append((i, b, float(np.degrees(lon[0])), float(np.degrees(lat[0]))))
    return out


@pytest.mark.parametrize("rule", ["airspace", "targets"])
def test_sectoral_rules(scenario, catalog, objects, rule):
    import shapely
    from shapely.geometry import Polygon

    coop = scenario.cooperation.model_copy(update={"sector_rule": rule})
    prep = prepare(scenario.model_copy(update={"cooperation": coop}), catalog, EARTH, objects, ("sectoral",))["sectoral"]
    polys = {s.party: Polygon(s.polygon) for s in coop.sectors}
    points = _intercept_points(prep, objects)
    assert points
    for i, b, lon, lat in points:  # never over another party's sector
        mine = prep.parties[prep.party[b]]
        assert not any(shapely.contains_xy(poly, lon, lat) for name, poly in polys.items() if name != mine)
    target_party = [next((name for name, poly in polys.items() if shapely.contains_xy(
        poly, objects.target_lon_deg[i], objects.target_lat_deg[i])), None) for i in range(len(objects.is_warhead))]
    foreign = {(i, b) for i, b, _, _ in points if target_party[i] != prep.parties[prep.party[b]]}
    assert (not foreign) if rule == "targets" else foreign  # airspace: mutual support across the line
