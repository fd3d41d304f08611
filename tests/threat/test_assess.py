"""The shared assessment end to end: targets, flight and warning times, years, and the divergence table."""

from __future__ import annotations

import numpy as np
import pytest

from openbmd.catalog import ASSUMED_FIELDS, AssumptionSet, load_catalog
from openbmd.earth import wgs84
from openbmd.threat import JOINT, ThreatRequest, assess_threats, differing_fields

CAT = load_catalog()
EARTH = wgs84()


@pytest.fixture(scope="module")
def result():
    return assess_threats(CAT, ThreatRequest(("tabriz", "shahrud"), ("shahab-3", "sejjil-2"), year=2012,
                                             n_azimuth=18), EARTH)


def test_every_missile_area_and_set_is_assessed(result):
    keys = {(t.missile, t.area, t.assumption) for t in result.threats}
    assert keys == {(m, a, s) for m in ("shahab-3", "sejjil-2") for a in ("tabriz", "shahrud")
                    for s in ("nato", "russia")}


def test_targets_are_within_the_contour_and_timed_as_single_aimed_shots(result):
    from openbmd.earth import geodesic_inverse
    from openbmd.flight import aim_missile

    t = result.threat("sejjil-2", "tabriz", "nato")
    area = CAT.place("tabriz")
    names = list(t.flight_time_s)
    assert len(names) >= 5
    dist = [float(geodesic_inverse(*np.radians([area.lat_deg, area.lon_deg, CAT.place(n).lat_deg,
                                                CAT.place(n).lon_deg]), EARTH)[0]) for n in names]
    assert max(dist) <= t.max_range_m
    for name in ("ankara", "kurecik"):  # one minimum-energy shot each, aimed alone
        p = CAT.place(name)
        sol = aim_missile(CAT.missile("sejjil-2"), *np.radians([area.lat_deg, area.lon_deg, p.lat_deg, p.lon_deg]),
                          EARTH, sample_dt_s=None)
        # the batch aims near minimum energy (kick taken from a reference bearing): within 10 % of the lone shot
        assert t.flight_time_s[name] == pytest.approx(float(sol.trajectory.flight_time_s[0]), rel=0.10)
    speeds = [v for v in t.reentry_speed_mps.values() if v is not None]
    assert speeds and all(1500.0 < v < 5500.0 for v in speeds)


def test_launching_state_is_never_its_own_target(result):
    for t in result.threats:
        assert "tehran" not in t.reaches
        assert "IRN" not in t.countries


def test_joint_network_warns_no_later_than_any_party(result):
    for t in result.threats:
        for place, joint in t.warning_time_s[JOINT].items():
            for party in ("nato", "russia"):
                own = t.warning_time_s[party][place]
                if own is not None:
                    assert joint is not None and joint >= own - 1e-9
            if joint is not None:
                assert joint <= t.flight_time_s[place] + 1e-9


def test_the_joint_network_is_every_party_sensor_once(result):
    """Armavir's two Voronezh faces are two posts with two names, and the joint network keeps both."""
    own = result.sensors["nato"] + result.sensors["russia"]
    assert sorted(result.sensors[JOINT]) == sorted(set(own))
    assert {"armavir/voronezh@135", "armavir/voronezh@225"} <= set(result.sensors[JOINT])
    for names in result.sensors.values():
        assert len(set(names)) == len(names)


def test_year_decides_whether_the_threat_exists(result):
    assert result.threat("sejjil-2", "tabriz", "nato").exists       # from 2009
    assert not result.threat("sejjil-2", "tabriz", "russia").exists  # from 2015
    assert result.threat("shahab-3", "tabriz", "russia").exists


def test_the_russian_payload_shortens_sejjil_and_drops_targets(result):
    nato, russia = (result.threat("sejjil-2", "tabriz", s) for s in ("nato", "russia"))
    assert russia.max_range_m < 0.95 * nato.max_range_m
    assert set(russia.reaches) < set(nato.reaches)


def test_divergence_names_exactly_the_fields_that_differ(result):
    rows = {(d.missile, d.field) for d in result.divergence}
    assert rows == {("sejjil-2", "max_range_m"), ("sejjil-2", "payload_mass_kg"), ("sejjil-2", "first_year")}
    rng = next(d for d in result.divergence if d.field == "max_range_m")
    assert rng.values == {"nato": 2.0e6, "russia": None}
    gained = {p for e in rng.effects if e.base == "russia" for p in e.gained}
    nato_only = set(rng.targets_only["nato"])
    assert gained and gained <= nato_only


def test_each_diverging_figure_carries_each_sets_basis_and_sources(result):
    """The joint product: where two sets part, each side's figure shows how it is known and from where."""
    for d in result.divergence:
        sets = CAT.assumptions("nato"), CAT.assumptions("russia")
        for s in sets:
            fig = s.for_missile(d.missile).figure(d.field)
            how = d.stated[s.name]
            if fig is None:
                assert how is None and d.values[s.name] is None
            else:
                assert how["basis"] == fig.basis and len(how["sources"]) == len(fig.source) >= 1
                assert all(src.title in text for src, text in zip(fig.source, how["sources"]) if src.title)
        assert d.to_json()["stated"] == d.stated


def test_differing_fields_on_constructed_sets():
    def aset(name: str, **figs) -> AssumptionSet:
        return AssumptionSet.model_validate({
            "name": name, "display_name": name, "party": name, "confidence": "estimate", "source": {"title": "t"},
            "missiles": [{"missile": "shahab-3", **{k: {"value": v, "basis": "published", "source": {"title": "t"}}
                                                    for k, v in figs.items()}}]})

    base = {"max_range_m": 1.3e6, "payload_mass_kg": 700.0, "cep_m": 1000.0, "inventory": 30.0, "first_year": 2003.0}
    for field in ASSUMED_FIELDS:
        changed = dict(base, **{field: base[field] * 1.1})
        assert differing_fields(aset("a", **base), aset("b", **changed), "shahab-3") == [field]
        dropped = {k: v for k, v in base.items() if k != field}
        assert differing_fields(aset("a", **base), aset("b", **dropped), "shahab-3") == [field]
    assert differing_fields(aset("a", **base), aset("b", **base), "shahab-3") == []


def test_json_has_the_documented_shape(result):
    data = result.to_json()
    t = data["threats"][0]
    for key in ("missile", "area", "assumption", "max_range_m", "reaches", "flight_time_s", "warning_time_s",
                "orbital"):
        assert key in t
    assert not any(t["orbital"] for t in data["threats"])  # Shahab-3 and Sejjil-2 are far from orbital speed
    assert set(t["warning_time_s"]) == {"nato", "russia", JOINT}
    d = data["divergence"][0]
    assert {"missile", "field", "values", "consequence"} <= set(d)
    import json

    json.dumps(data, allow_nan=False)
