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
from openbmd.exercise.geometry import CAUSES, Posts, Prepared, fly_raid, prepare, sector_geometry
from openbmd.exercise.montecarlo import paired_difference, run_trials_mc, summarize, wilson
from openbmd.exercise.scenario import load_scenario
from openbmd.exercise.tracks import TrackTiming
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


def _one_sensor_posts(visible_s, k: int = 1, revisit_s: float = 1.0, role: int = 2) -> Posts:
    """Posts where party p has one sensor that first sees object n at ``visible_s[p, n]``, exactly (1 m)."""
    v = np.asarray(visible_s, float)
    p, n = v.shape
    return Posts([f"s{q}" for q in range(p)], np.arange(p), np.full(p, role), np.full(p, revisit_s),
                 np.zeros(p, np.int64), v.copy(), v.copy(), np.full((p, n), 1e9), np.ones((p, n, k)),
                 np.ones((p, n, k), bool))


def _synthetic(rec_l, rec_t, pk, sls=True) -> Prepared:
    """One object, B batteries of one party, perfect organic tracks from t = 0 and a huge basket."""
    n, b, r = rec_l.shape
    posts = _one_sensor_posts(np.zeros((1, n)))
    tracks = TrackTiming(posts, fixed_delay_model(0.0), "own", 0.0)
    zeros_i = np.zeros((n, b, r), np.int64)
    return Prepared(
        "joint", ["a"], [f"b{k}" for k in range(b)], rec_l, rec_t, np.full((n, b), r, np.int64), zeros_i, zeros_i,
        np.full((n, b, r), 1e6), np.full((n, b, r), 10.0), tracks, np.ones((b, 1), np.int64), np.zeros((b, 1)),
        posts.sigma_m, posts.seen, np.ones((1, 1), bool), np.zeros((1, 1)), np.zeros(b, np.int64),
        np.zeros(b, np.int64), np.full(b, pk), np.ones(b, np.int64), np.zeros(b, np.int64), np.full(b, 4, np.int64),
        np.ones(n, bool), np.ones(n), np.zeros(n, np.int64), np.ones(1), np.zeros(n, np.int64), np.ones((n, b), bool),
        np.full(n, np.inf), np.zeros(n, np.int64), np.zeros(n, bool), np.zeros(n), np.zeros(n), np.zeros((3, 2)), False, np.ones(1, bool), 0.0, 0.0,
        0.0, 1, sls, True, 10.0, 0.0, "re-engage")


def test_layered_defence_matches_the_formula():
    """One threat, n layers each with one shot and a look between them: P(no leak) = 1 - (1 - Pk)^n."""
    for n_layers, pk in ((1, 0.8), (3, 0.6), (4, 0.3)):
        b = n_layers
        rec_t = np.arange(1, b + 1, dtype=float).reshape(1, b, 1) * 100.0
        prep = _synthetic(rec_t - 50.0, rec_t, pk)
        r = _p(prep, trials=20000, seed=3)
        expected = 1 - (1 - pk) ** n_layers
        lo, hi = wilson(round(expected * 20000), 20000)
        assert abs(r["p_no_leak"] - expected) < 3 * (hi - lo) / 2 / 1.96 + 1e-9
        assert r["interceptors_used"] == pytest.approx(sum((1 - pk) ** k for k in range(n_layers)), rel=0.03)
        assert r["leak_causes"]["pk miss"] == pytest.approx(r["expected_leakers"])


def test_commit_waits_for_an_accurate_track():
    """A track younger than the commit rule allows cannot fire: with a tiny basket, no shot at all."""
    rec_t = np.array([[[300.0]]])
    prep = _synthetic(rec_t - 100.0, rec_t, 1.0)
    tight = dataclasses.replace(prep, rec_basket_m=np.full((1, 1, 1), 1e-3), sigma_m=np.full((1, 1, 1), 50.0))
    r = _p(tight, trials=200)
    assert r["interceptors_used"] == 0 and r["leak_causes"]["no fire-control-quality track"] == 1.0
    assert _p(prep, trials=200)["interceptors_used"] > 0


def test_salvo_size_reserve_and_channels_are_doctrine_data():
    """One launch window: a salvo of two needs two rounds beyond the reserve, and at the last chance a battery
    fires two salvos at once (P(no leak) 1 - (1 - Pk)^4); a reserve of the whole stock fires nothing (cause
    inventory); one channel engages one of two simultaneous threats (the other leaks for channels)."""
    rec_t = np.array([[[300.0]]])
    one = _synthetic(rec_t - 100.0, rec_t, 0.6)
    stock = {"inventory": np.array([4])}
    r = {label: _p(dataclasses.replace(one, **change), trials=4000) for label, change in {
        "salvo of 2, 1 round": {"salvo": 2}, "salvo of 2": {"salvo": 2, **stock},
        "all reserved": {**stock, "reserve": np.array([4])}, "3 of 4 reserved": {**stock, "reserve": np.array([3])}
    }.items()}
    short = r["salvo of 2, 1 round"]
    assert short["interceptors_used"] == 0 and short["leak_causes"]["inventory"] == 1
    assert r["salvo of 2"]["interceptors_used"] == 4
    lo, hi = wilson(round((1 - 0.4 ** 4) * 4000), 4000)
    assert lo - 0.01 <= r["salvo of 2"]["p_no_leak"] <= hi + 0.01
    assert r["all reserved"]["interceptors_used"] == 0 and r["all reserved"]["leak_causes"]["inventory"] == 1
    assert r["3 of 4 reserved"]["interceptors_used"] == 1
    two = np.array([[[300.0]], [[300.0]]])
    pair = dataclasses.replace(_synthetic(two - 100.0, two, 1.0), **stock)
    wide, narrow = (_p(dataclasses.replace(pair, channels=np.array([c])), trials=300) for c in (4, 1))
    assert wide["p_no_leak"] == 1.0 and wide["expected_leakers"] == 0
    assert narrow["expected_leakers"] == 1 and narrow["leak_causes"]["channels"] == 1


def test_the_joint_decision_protocol_waits_for_approval_and_a_veto_stops_the_joint_engagement():
    """One launch window (launch at 200 s) on a perfect track from t = 0: a joint engagement waits for every
    required party's approval, so a 150 s approval still fires and a 250 s one misses the window (unless no party
    is required), the leaker's cause "approval late"; a veto stops it (leak cause veto) unless the battery may defend its own asset alone."""
    rec_t = np.array([[[300.0]]])
    joint = dataclasses.replace(_synthetic(rec_t - 100.0, rec_t, 1.0), joint=True)
    fired = {label: _p(dataclasses.replace(joint, **change), trials=200) for label, change in {
        "prompt": {}, "approval in time": {"approval_median_s": 150.0}, "approval late": {"approval_median_s": 250.0},
        "late, nobody required": {"approval_median_s": 250.0, "required": np.zeros(1, bool)},
        "veto": {"veto_probability": 1.0, "self_defence": np.zeros((1, 1), bool)},
        "veto, self-defence": {"veto_probability": 1.0, "self_defence": np.ones((1, 1), bool)}}.items()}
    for label in ("prompt", "approval in time", "late, nobody required", "veto, self-defence"):
        assert fired[label]["interceptors_used"] == 1 and fired[label]["p_no_leak"] == 1.0, label
    for label in ("approval late", "veto"):
        assert fired[label]["interceptors_used"] == 0 and fired[label]["p_no_leak"] == 0.0, label
    assert fired["veto"]["leak_causes"]["veto"] == 1.0
    assert fired["approval late"]["leak_causes"]["approval late"] == 1.0  # not "no fire-control-quality track"
    assert _p(dataclasses.replace(joint, joint=False, approval_median_s=250.0), trials=200)["p_no_leak"] == 1.0


def test_perfect_kill_and_endless_inventory_leave_only_leakers_no_one_could_engage(scenario, catalog, objects):
    big = scenario.model_copy(update={"parties": [p.model_copy(update={"batteries": [
        bt.model_copy(update={"inventory": 1000, "channels": 64}) for bt in p.batteries]}) for p in scenario.parties]})
    for mode, prep in prepare(big, catalog, EARTH, objects).items():
        prep = dataclasses.replace(prep, pk=np.ones_like(prep.pk))
        r = _p(prep, trials=200, seed=1)
        for cause in ("inventory", "channels", "pk miss", "decoy chosen", "unassigned"):
            assert r["leak_causes"][cause] < 0.02, (mode, cause, r["leak_causes"])
        assert sum(r["leak_causes"].values()) == pytest.approx(r["expected_leakers"])


def test_more_sensors_or_interceptors_never_lower_p_no_leak(scenario, catalog, objects):
    """Adding a fire-control radar or a battery never lowers P(no leak), in any mode (paired draws)."""
    base = {m: _p(p)["p_no_leak"] for m, p in prepare(scenario, catalog, EARTH, objects).items()}
    russia = scenario.parties[1]
    more_sensors = russia.model_copy(update={"sensors": russia.sensors + ["sbirs", "kurecik"]})
    more_guns = russia.model_copy(update={"batteries": russia.batteries + [
        russia.batteries[0].model_copy(update={"site": "kaliningrad", "interceptor": "s-400-48n6"})]})
    for party in (more_sensors, more_guns):
        bigger = scenario.model_copy(update={"parties": [scenario.parties[0], party]})
        for m, p in prepare(bigger, catalog, EARTH, objects).items():
            assert _p(p)["p_no_leak"] >= base[m] - 0.02, m


def test_a_modes_draws_do_not_depend_on_the_other_modes_run(scenario, catalog, objects):
    """Common random numbers: joint run alone or beside independent gives the same trials."""
    alone = prepare(scenario, catalog, EARTH, objects, ("joint",))["joint"]
    both = prepare(scenario, catalog, EARTH, objects, ("independent", "joint"))["joint"]
    a, b = run_trials_mc(alone, 300, 4), run_trials_mc(both, 300, 4)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


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
        assert set(v["leak_causes"]) == set(CAUSES)
        assert sum(v["leak_causes"].values()) == pytest.approx(v["expected_leakers"])
        assert isinstance(v["explanation"], str) and v["explanation"].endswith(".")
        eq = v["interceptors_per_p"]
        assert [c["inventory_scale"] for c in eq["curve"]] == [0.25, 0.5, 0.75, 1.0]
        # equal use: the target is the lowest P(no leak) above zero any mode reaches, never 0
        best = min(m["p_no_leak"] for m in out["modes"].values() if m["p_no_leak"] > 0)
        assert eq["p_target"] == best
        if v["p_no_leak"] >= best:
            assert eq["interceptors_at_target"] <= max(c["interceptors_used"] for c in eq["curve"]) + 1e-9
        else:
            assert eq["interceptors_at_target"] is None
        assert eq["interceptors_common"] == min(m["interceptors_used"] for m in out["modes"].values())
        assert 0.0 <= eq["p_no_leak_at_common"] <= 1.0
        assert eq["expected_leakers_at_common"] >= 0.0
        assert all(c["expected_leakers"] >= 0.0 for c in eq["curve"])
        assert sum(v["interceptors_by_authority"].values()) == pytest.approx(v["interceptors_used"])
        for a, n in v["interceptors_by_authority"].items():  # each party's tally adds up to the mode's
            assert sum(p["interceptors_by_authority"][a] for p in parties) == pytest.approx(n)
        for p in parties:
            assert sum(p["interceptors_by_authority"].values()) == pytest.approx(p["interceptors_used"])
    for m in ("data-exchange", "joint", "sectoral"):
        d = out["modes"][m]["paired_vs_independent"]
        assert d["ci"][0] <= d["p_no_leak_diff"] <= d["ci"][1]
        assert d["expected_leakers_ci"][0] <= d["expected_leakers_diff"] <= d["expected_leakers_ci"][1]
        assert d["expected_leakers_diff"] == pytest.approx(
            out["modes"][m]["expected_leakers"] - out["modes"]["independent"]["expected_leakers"])
    assert "paired_vs_independent" not in out["modes"]["independent"]
    # the joint decision protocol's cost: joint paired with itself deciding at once
    dp = out["modes"]["joint"]["decision_protocol"]
    assert dp["p_no_leak_cost"] == pytest.approx(out["modes"]["joint"]["p_no_leak"] - dp["p_no_leak_deciding_at_once"])
    assert dp["p_no_leak_cost_ci"][0] <= dp["p_no_leak_cost"] <= dp["p_no_leak_cost_ci"][1]
    assert dp["expected_leakers_cost_ci"][0] <= dp["expected_leakers_cost"] <= dp["expected_leakers_cost_ci"][1]
    assert dp["approval_median_s"] > 0 and set(dp["required_parties"]) == {"nato", "russia"}
    assert dp["leakers_approval_late"] == out["modes"]["joint"]["leak_causes"]["approval late"]
    assert "joint decision protocol" in out["modes"]["joint"]["explanation"]
    assert all("decision_protocol" not in out["modes"][m] for m in ("independent", "data-exchange", "sectoral"))


def test_a_slower_joint_approval_never_raises_p_no_leak(scenario, catalog, objects):
    """The protocol's cost grows with its delay: paired trials, approval median 15 s against 120 s."""
    joint = prepare(scenario, catalog, EARTH, objects, ("joint",))["joint"]
    quick, slow = (run_trials_mc(dataclasses.replace(joint, approval_median_s=t), 600, 2) for t in (15.0, 120.0))
    d, ci = paired_difference(quick["leakers"] == 0, slow["leakers"] == 0)
    assert ci[1] >= 0.0 and d >= -0.01, (d, ci)
    assert (slow["cause"] == CAUSES.index("approval late") + 1).sum() >= (quick["cause"] == CAUSES.index(
        "approval late") + 1).sum()


def test_cli_report(tmp_path, capsys):
    assert main(["exercise", "run", "nrc-2012", "--trials", "200", "--modes", "joint,sectoral",
                 "--report", str(tmp_path)]) == 0
    html = (tmp_path / "index.html").read_text()
    assert "data:image/png;base64," in html and "sectoral" in html
    import html as html_lib

    data = json.loads((tmp_path / "exercise.json").read_text())
    assert "Why the leakers leaked" in html
    assert all(f"<td>{html_lib.escape(c)}</td>" in html for c in CAUSES)  # one row per cause
    for mode in ("joint", "sectoral"):  # one plain sentence per mode, as in the JSON
        sentence = data["modes"][mode]["explanation"]
        assert sentence.startswith(f"{mode}: ") and sentence.count(". ") == 0
        assert f"<li>{html_lib.escape(sentence)}</li>" in html


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


def test_a_cue_brings_a_fire_control_track_forward():
    """Party 0's fire-control radar searches to first see at 300 s, or 200 s when cued; party 1's
    early-warning radar tracks from 100 s. Shared (exchange), the cue brings party 0's track to 200 s."""
    posts = Posts(["fc", "ew"], np.array([0, 1]), np.array([2, 0]), np.ones(2), np.zeros(2, np.int64),
                  np.array([[200.0], [100.0]]), np.array([[300.0], [100.0]]), np.full((2, 1), 1e9),
                  np.ones((2, 1, 1)), np.ones((2, 1, 1), bool))
    u = np.zeros((1, 2, 1))
    own = TrackTiming(posts, fixed_delay_model(5.0), "own", 10.0).starts(u)[0, :, 0]
    shared = TrackTiming(posts, fixed_delay_model(5.0), "exchange", 10.0).starts(u)[0, :, 0]
    np.testing.assert_allclose(own, [305.0, 105.0])
    np.testing.assert_allclose(shared, [205.0, 105.0])


def test_calibrated_delays_scale_with_revisit():
    model = load_track_quality()
    u = np.random.default_rng(3).random((20000, 1, 1))
    fast = TrackTiming(_one_sensor_posts([[50.0]], revisit_s=1.0), model, "own", 0.0).starts(u)[:, 0, 0] - 50.0
    slow = TrackTiming(_one_sensor_posts([[50.0]], revisit_s=10.0), model, "own", 0.0).starts(u)[:, 0, 0] - 50.0
    finite = np.isfinite(fast)
    assert finite.mean() == pytest.approx(model.p_firm[0], abs=0.01)
    np.testing.assert_allclose(slow[finite], 10.0 * fast[finite])


def test_timeline_tracks_give_one_answer_for_every_trial(scenario, catalog, objects):
    fixed = scenario.model_copy(update={"tracks": "timeline"})
    prep = prepare(fixed, catalog, EARTH, objects, ("independent",))["independent"]
    a = prep.tracks.starts(np.random.default_rng(1).random((5, 2, len(prep.value))))
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


@pytest.mark.parametrize("rule, handover", [("airspace", "never"), ("targets", "never"),
                                           ("airspace", "where-owner-cannot")])
def test_sectoral_rules(scenario, catalog, objects, rule, handover):
    """Never over another party's sector, except (handover) where that party has no engagement of the threat."""
    import shapely

    coop = scenario.cooperation.model_copy(update={"sector_rule": rule, "sector_handover": handover})
    sc = scenario.model_copy(update={"cooperation": coop})
    prep = prepare(sc, catalog, EARTH, objects, ("sectoral",))["sectoral"]
    sectors = sector_geometry(sc)
    points = _intercept_points(prep, objects)
    assert points
    engaged = {(i, prep.parties[prep.party[b]]) for i, b, _, _ in points}
    for i, b, lon, lat in points:
        mine = prep.parties[prep.party[b]]
        for name, geom in sectors.items():
            if name != mine and shapely.contains_xy(geom, lon, lat):
                assert handover == "where-owner-cannot" and not any(
                    shapely.contains_xy(sectors[name], lo, la) for i2, b2, lo, la in points
                    if i2 == i and prep.parties[prep.party[b2]] == name), (i, mine, name)
    target_party = [next((name for name, geom in sectors.items() if shapely.contains_xy(
        geom, objects.target_lon_deg[i], objects.target_lat_deg[i])), None) for i in range(len(objects.is_warhead))]
    foreign = {(i, p) for i, p in engaged if target_party[i] != p}
    if rule == "targets":
        assert not foreign


def test_p_no_leak_at_equal_use_interpolates_the_curve():
    from openbmd.exercise.results import UsePoint
    from openbmd.exercise.run import _at_use

    curve = [UsePoint(0.25, 10.0, 0.1, 3.0), UsePoint(1.0, 30.0, 0.5, 1.0), UsePoint(0.5, 20.0, 0.3, 2.0)]
    assert _at_use(curve, 25.0) == pytest.approx(0.4)
    assert _at_use(curve, 30.0) == pytest.approx(0.5)
    assert _at_use(curve, 25.0, "expected_leakers") == pytest.approx(1.5)
    assert _at_use(curve, 5.0) is None


def test_a_bus_releases_each_warhead_in_its_own_complex_with_its_decoys(tmp_path, catalog):
    # Objects that left together fly in one threat complex (the engine waits for discrimination there): a plain
    # missile's warhead and decoys; off a bus, each warhead with the decoys released beside it, while the bus's
    # warheads and the spent bus fly apart, each alone.
    import yaml
    from importlib import resources

    doc = yaml.safe_load((resources.files("openbmd.exercise") / "scenarios" / "nrc-2012.yaml").read_text())
    doc["raid"] = [{"missile": "rs-24", "origin": "tabriz", "target": "warsaw", "decoys": 2},
                   {"missile": "rs-24", "origin": "tabriz", "target": "moscow", "launch_time_s": 30},
                   {"missile": "sejjil-2", "origin": "tabriz", "target": "bucharest", "count": 2, "decoys": 1}]
    path = tmp_path / "bus.yaml"
    path.write_text(yaml.safe_dump(doc))
    sc = load_scenario(str(path), catalog)
    objects = fly_raid(sc, catalog, EARTH)
    kind, raid = objects.threats.kind, objects.raid_index
    rvs = catalog.missile("rs-24").post_boost.rvs
    assert [int((raid == k).sum()) for k in range(3)] == [rvs * 3 + 1, rvs + 1, 4]
    prep = prepare(sc, catalog, EARTH, objects, ("independent",))["independent"]
    booster = kind == 1
    np.testing.assert_array_equal(prep.in_complex[raid == 0], ~booster[raid == 0])  # 4 × (warhead + 2 decoys)
    assert not prep.in_complex[raid == 1].any()  # four warheads and a bus, no decoys: each alone
    assert prep.in_complex[raid == 2].all()
    # Every object of a bus aims at its entry's asset, and the trials run with them.
    assert np.all(objects.asset[raid == 0] == [a.place for a in sc.assets].index("warsaw"))
    m = _p(prep, trials=200)
    assert 0.0 <= m["p_no_leak"] <= 1.0 and m["expected_leakers"] <= int(objects.is_warhead.sum())


@pytest.mark.parametrize("layer", ["exo", "endo"])
def test_interceptors_after_burnout_keep_the_engage_windows(scenario, catalog, objects, layer):
    """No decoys and tracks from the first look: each battery's intercept opportunities in the exercise
    (kill-vehicle limits applied) begin and end at the samples of ``engage``'s earliest and latest windows on the
    same flown raid, where launch is allowed from detection (space IR in boost, no delays), exo-atmospheric and
    endo-atmospheric batteries alike: both read the core's closing-speed limits."""
    from openbmd.engagement import engage, timeline_for
    from openbmd.exercise.geometry import _opportunities, fire_units
    from openbmd.sensors import sensor_posts

    units, _, _ = fire_units(scenario, catalog, EARTH)
    exo = [u for u in units if (u.interceptor.min_intercept_altitude_m >= 70e3) == (layer == "exo")]
    assert len(exo) >= 2
    launch, _, _ = _opportunities(exo, objects, EARTH)
    tl = timeline_for(catalog, firm_track_delay_s=0.0, decision_delay_s=0.0, kill_assessment_delay_s=0.0)
    windows = engage(objects.threats, exo, sensor_posts(catalog, ["sbirs"]), tl, EARTH)
    assert np.all(windows.launch_allowed_t_s <= objects.threats.burnout_t_s)  # burnout, not detection, binds
    ok = np.isfinite(launch)
    k = launch.shape[2]
    first = np.where(ok.any(axis=2), np.argmax(ok, axis=2), -1)
    last = np.where(ok.any(axis=2), k - 1 - np.argmax(ok[..., ::-1], axis=2), -1)
    assert (first >= 0).sum() > (20 if layer == "exo" else 5)
    np.testing.assert_array_equal(first, windows.first_index)
    np.testing.assert_array_equal(last, windows.last_index)


def test_builtin_sector_maps_cite_their_source_and_hold_only_known_territory(catalog):
    """Every built-in scenario's sectors name the proposal they follow, and each country in them is a Natural Earth
    country held by one party only."""
    from openbmd.earth.borders import country
    from openbmd.exercise.scenario import builtin_scenarios

    for name in builtin_scenarios():
        sectors = load_scenario(name, catalog).cooperation.sectors
        assert sectors, name
        held = [c for s in sectors for c in s.countries]
        assert len(held) == len(set(held)), name
        for s in sectors:
            assert len(s.source.strip()) > 10, (name, s.party)
            for c in s.countries:
                assert country(c, "50m").geometry.area > 0, (name, c)
    # the 2012 exercise's map: NATO's members then, and no third country (Belarus) in Russia's sector
    held = {s.party: set(s.countries) for s in load_scenario("nrc-2012", catalog).cooperation.sectors}
    assert held["russia"] == {"RUS"} and not held["nato"] & {"FIN", "SWE", "MNE", "MKD", "BLR", "UKR", "GEO"}
    assert len(held["nato"]) == 28
