"""End to end: each party's picture, the joint centre's fused picture, partial sharing, products."""

from __future__ import annotations

import numpy as np
import pytest

from openbmd.earth import wgs84
from openbmd.tracking import builtin_scenario, parse_scenario, range_class, run_scenario
from openbmd.tracking.products import estimate_launch, predict_impacts

EARTH = wgs84()


def _small(**changes):
    data = builtin_scenario("iran-europe").model_dump(by_alias=True)
    data["threats"] = [data["threats"][i] for i in (0, 2, 4)]
    data.update(changes)
    return parse_scenario(data)


@pytest.fixture(scope="module")
def pictures():
    sc = _small()
    return {p: run_scenario(sc, p) for p in ("nato", "russia", "joint")}


def _mean_error(threat, t_from: float) -> float:
    e = np.array(threat.impact_error_m_vs_time)
    return float(np.mean(e[e[:, 0] >= t_from, 1]))


def test_every_threat_is_tracked_without_false_tracks(pictures):
    for report in pictures.values():
        assert report.n_false_tracks == 0
        for t in report.threats:
            assert t.first_detection_s is not None and t.firm_track_s >= t.first_detection_s
            assert t.impact_error_m_vs_time[-1][1] < 5e3
            assert t.launch_point_error_m < 50e3
            assert t.range_class == "mrbm"  # 1,000-2,600 km shots


def test_joint_picture_is_at_least_as_good_as_the_best_party(pictures):
    nato, russia, joint = pictures["nato"], pictures["russia"], pictures["joint"]
    total = {"best": 0.0, "joint": 0.0}
    for k, t in enumerate(joint.threats):
        singles = (nato.threats[k], russia.threats[k])
        assert t.firm_track_s <= min(s.firm_track_s for s in singles)
        assert t.first_detection_s <= min(s.first_detection_s for s in singles)
        # impact error averaged over the time every picture holds a prediction
        t_from = max(s.impact_error_m_vs_time[0][0] for s in (*singles, t))
        best = min(_mean_error(s, t_from) for s in singles)
        mine = _mean_error(t, t_from)
        assert mine <= 1.10 * best, (t.id, mine, best)  # CI bounds the covariance, not each realised error
        total["best"] += best
        total["joint"] += mine
    assert total["joint"] < total["best"]


def test_partial_sharing_and_delay_are_honoured(pictures):
    sc = _small(parties={"nato": {"sensors": ["kurecik", "aegis-black-sea", "aegis-east-med", "sbirs"],
                                  "share": {"sensors": ["kurecik"], "delay_s": 30}},
                         "russia": {"sensors": ["gabala", "armavir"]}})
    joint = run_scenario(sc, "joint")
    for k, t in enumerate(joint.threats):
        full = pictures["joint"].threats[k]
        russia = pictures["russia"].threats[k]
        assert t.firm_track_s >= full.firm_track_s  # no space IR shared, and late
        assert t.firm_track_s <= russia.firm_track_s  # never worse than the partner that shares everything
        assert t.impact_error_m_vs_time[-1][1] < 5e3


def test_false_alarms_make_no_false_tracks():
    sc = parse_scenario({"seed": 3, "false_alarms_per_scan": 2.0,
                         "parties": {"russia": {"sensors": ["gabala", "armavir"]}},
                         "threats": [{"id": "a", "missile": "sejjil-2", "from": "tabriz", "to": "bucharest"}]})
    report = run_scenario(sc, "russia")
    assert report.n_false_tracks == 0
    assert report.threats[0].firm_track_s is not None and report.threats[0].impact_error_m_vs_time[-1][1] < 5e3


def test_impact_ellipse_and_launch_back_propagation_on_a_known_state():
    from openbmd.flight import burnout_states, fly_ballistic
    from openbmd.earth import eci_to_ecef

    st = burnout_states(np.radians([35.0]), np.radians([50.0]), [0.0], [3000.0], np.radians([45.0]),
                        np.radians([300.0]), EARTH, t_s=[10.0])
    batch = fly_ballistic(st, EARTH.without_atmosphere(), sample_dt_s=100.0)
    row = batch.samples[0, 2]  # 200 s after the start, in free flight
    r, v = eci_to_ecef(row[1:4], row[0], EARTH, row[4:7])
    x = np.concatenate([r, v])[None, :]
    p = np.diag([100.0, 100.0, 100.0, 1.0, 1.0, 1.0])[None] ** 2
    imp = predict_impacts(np.array([row[0]]), x, p, EARTH)
    _, r_imp, _ = batch.event_ecef("impact")
    assert np.linalg.norm(imp.r_ecef_m[0] - r_imp[0]) < 200.0
    assert 500.0 < imp.semi_major_m[0] < 50e3 and imp.semi_minor_m[0] <= imp.semi_major_m[0]
    launch = estimate_launch(np.array([row[0]]), x, EARTH)
    r0 = eci_to_ecef(batch.event_r_eci[:, 0], batch.event_t_s[:, 0], EARTH)
    assert np.linalg.norm(launch.r_ecef_m[0] - r0[0]) < 50.0
    assert abs(launch.t_launch_s[0] - 10.0) < 0.1


@pytest.mark.parametrize("range_m, name", [(300e3, "srbm"), (1500e3, "mrbm"), (4000e3, "irbm"), (9000e3, "icbm"),
                                           (float("nan"), "")])
def test_range_classes(range_m, name):
    assert range_class(range_m) == name


def test_a_mirved_threat_is_scored_by_its_own_objects_and_the_next_threat_by_its_own():
    # An RS-24 (four warheads off a bus, and the spent bus) listed before a plain Sejjil-2: the report maps the
    # picture's tracks to threats through the raid's shot index, not by object number (object 1 is the RS-24's
    # second warhead, a longer flight of another range class).
    from openbmd.catalog import load_catalog
    from openbmd.tracking.picture import fly_raid

    sc = parse_scenario({"seed": 5, "parties": {"russia": {"sensors": ["gabala", "armavir"]}},
                         "threats": [{"id": "mirv", "missile": "rs-24", "from": "tabriz", "to": "london"},
                                     {"id": "plain", "missile": "sejjil-2", "from": "tabriz", "to": "bucharest",
                                      "launch_s": 30}]})
    raid = fly_raid(sc, load_catalog(), EARTH)
    assert list(raid.shot) == [0] * 5 + [1] and raid.is_warhead.sum() == 5
    report = run_scenario(sc, "russia")
    mirv, plain = report.threats
    for t in (mirv, plain):
        assert t.first_detection_s is not None and t.firm_track_s >= t.first_detection_s
        assert t.launch_point_error_m < 50e3 and abs(t.launch_time_error_s) < 30.0
    # Impacts against the object each track follows: the plain one to a few km; the RS-24's, seen by these
    # radars only near its releases, within a quarter of its warheads' footprint (neighbours lie a third apart).
    rv = raid.impact_r_ecef[:5][raid.is_warhead[:5]]
    footprint = np.linalg.norm(rv[:, None] - rv[None], axis=-1).max()
    assert plain.impact_error_m_vs_time[-1][1] < 5e3 and mirv.impact_error_m_vs_time[-1][1] < 0.25 * footprint
    assert (mirv.range_class, plain.range_class) == ("irbm", "mrbm")
    # Each threat's scores run over its own flight (s after its launch).
    assert plain.impact_error_m_vs_time[-1][0] <= raid.impact_t_s[5] - 30.0
    assert mirv.impact_error_m_vs_time[-1][0] > raid.impact_t_s[5] - 30.0
