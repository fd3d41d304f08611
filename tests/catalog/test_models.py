"""Model validation: stage forms, missile consistency, sensors by type, interceptor envelopes, places."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import ValidationError

from openbmd.catalog import Interceptor, Missile, Place, Sensor, Source, Stage
from openbmd.earth.constants import G0_MPS2

SRC = {"title": "A public report", "year": 2012}


def missile(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "test-missile", "display_name": "Test", "range_class": "mrbm", "propellant": "solid",
        "stages": [{"burn_time_s": 60, "isp_s": 250, "propellant_mass_kg": 10000, "dry_mass_kg": 1000}],
        "payload_mass_kg": 500, "rv_ballistic_coefficient_kg_m2": 3000, "max_range_m": 1.5e6,
        "confidence": "estimate", "source": SRC,
    }
    base.update(over)
    return base


def test_stage_mass_form() -> None:
    stage = Stage(burn_time_s=60, isp_s=250, propellant_mass_kg=12000, dry_mass_kg=1500)
    assert stage.uses_mass_form
    assert stage.mass_flow_kg_s == pytest.approx(200.0)
    assert stage.gross_mass_kg == pytest.approx(13500.0)


def test_stage_speed_form() -> None:
    stage = Stage(burn_time_s=60, burnout_speed_mps=2400)
    assert not stage.uses_mass_form
    assert stage.mass_flow_kg_s is None and stage.gross_mass_kg is None


@pytest.mark.parametrize("fields, message", [
    ({"burn_time_s": 60}, "incomplete stage"),
    ({"burn_time_s": 60, "isp_s": 250, "propellant_mass_kg": 100}, "missing dry_mass_kg"),
    ({"burn_time_s": 60, "isp_s": 250, "propellant_mass_kg": 100, "dry_mass_kg": 10, "burnout_speed_mps": 2000},
     "not both"),
    ({"burn_time_s": 60, "burnout_speed_mps": 2000, "thrust_n": 1e5}, "not both"),
    ({"burn_time_s": 0, "burnout_speed_mps": 2000}, "greater than 0"),
    ({"burn_time_s": 60, "burnout_speed_mps": -1}, "greater than 0"),
])
def test_stage_rejects(fields: dict[str, float], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Stage(**fields)


def test_stage_thrust_must_agree_with_isp() -> None:
    # 12,000 kg in 60 s at 250 s Isp is 200 kg/s * 250 * g0 = 490 kN.
    thrust = 200 * 250 * G0_MPS2
    Stage(burn_time_s=60, isp_s=250, propellant_mass_kg=12000, dry_mass_kg=1500, thrust_n=thrust)
    with pytest.raises(ValidationError, match="implies an Isp"):  # kN typed where N was meant
        Stage(burn_time_s=60, isp_s=250, propellant_mass_kg=12000, dry_mass_kg=1500, thrust_n=thrust / 1000)


def test_missile_mass_form_derived_figures() -> None:
    m = Missile.model_validate(missile())
    assert m.uses_mass_form
    assert m.launch_mass_kg == pytest.approx(11500)
    assert m.ideal_delta_v_mps == pytest.approx(250 * G0_MPS2 * math.log(11500 / 1500))
    assert m.total_burn_time_s == 60
    assert m.burnout_speed_mps is None
    assert len(m.source) == 1 and m.source[0].title == "A public report"  # one mapping accepted


def test_a_figure_inherits_the_entry_provenance_unless_it_has_its_own() -> None:
    m = Missile.model_validate(missile(figures={"stages.1.isp_s": {"confidence": "estimate", "low": 230, "high": 270,
                                                                    "reason": "not published"}}))
    assert m.figure("stages.1.isp_s").confidence == "estimate" and m.figure("stages.1.isp_s").high == 270
    assert m.figure("max_range_m").confidence == "estimate" and m.figure("max_range_m").source == m.source
    assert m.value_of("stages.1.isp_s") == 250


def test_missile_speed_form() -> None:
    m = Missile.model_validate(missile(stages=[{"burn_time_s": 60, "burnout_speed_mps": 2000},
                                              {"burn_time_s": 50, "burnout_speed_mps": 4200}],
                                       payload_mass_kg=None))
    assert not m.uses_mass_form
    assert m.burnout_speed_mps == 4200
    assert m.launch_mass_kg is None and m.ideal_delta_v_mps is None


@pytest.mark.parametrize("over, message", [
    ({"stages": [{"burn_time_s": 60, "burnout_speed_mps": 2000},
                 {"burn_time_s": 60, "isp_s": 280, "propellant_mass_kg": 10, "dry_mass_kg": 1}]}, "same form"),
    ({"payload_mass_kg": None}, "payload_mass_kg is required"),
    ({"stages": [{"burn_time_s": 60, "burnout_speed_mps": 3000},
                 {"burn_time_s": 60, "burnout_speed_mps": 2500}], "payload_mass_kg": None}, "cumulative"),
    ({"stages": []}, "at least 1"),
    ({"name": "Shahab 3"}, "pattern"),
    ({"name": "shahab--3"}, "pattern"),
    ({"confidence": "guess"}, "published"),
    ({"country": "Iran"}, "pattern"),
    ({"range_class": "lrbm"}, "srbm"),
    ({"source": []}, "at least 1"),
    ({"source": {"author": "nobody"}}, "title or a url"),
    ({"colour": "green"}, "Extra inputs"),
    ({"diameter_m": 0.0}, "greater than 0"),
    ({"figures": {"max_range_m": {"confidence": "estimate", "low": 1e6, "high": 2e6}}}, "an estimate needs a range"),
    ({"figures": {"max_range_m": {"confidence": "estimate", "low": 2e6, "high": 3e6, "reason": "r"}}}, "outside its range"),
    ({"figures": {"stages.2.isp_s": {"confidence": "published"}}}, "not a numeric field"),
    ({"calibration": {"figure": "propellant-fraction", "factor": 1.2, "low": 0.85, "high": 1.1, "method": "t"}},
     "outside its bounds"),
    ({"calibration": {"figure": "isp", "factor": 1.0, "low": 0.85, "high": 1.1, "method": "t"}}, "propellant-fraction"),
])
def test_missile_rejects(over: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Missile.model_validate(missile(**over))


def test_entries_are_frozen() -> None:
    m = Missile.model_validate(missile())
    with pytest.raises(ValidationError):
        m.max_range_m = 1.0  # type: ignore[misc]


def interceptor(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "test-int", "display_name": "T", "burnout_speed_mps": 3000, "burn_time_s": 40,
        "min_intercept_altitude_m": 70e3, "max_intercept_altitude_m": 500e3, "max_range_m": 700e3,
        "single_shot_pk": 0.8, "status": "deployed", "country": "USA", "intercept_phase": "midcourse",
        "confidence": "published", "source": [SRC],
    }
    base.update(over)
    return base


def test_interceptor_valid_and_envelope_checked() -> None:
    assert Interceptor.model_validate(interceptor()).max_range_m == 700e3
    with pytest.raises(ValidationError, match="below max_intercept_altitude_m"):
        Interceptor.model_validate(interceptor(min_intercept_altitude_m=600e3))
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        Interceptor.model_validate(interceptor(single_shot_pk=1.2))
    with pytest.raises(ValidationError, match="greater than 0"):
        Interceptor.model_validate(interceptor(max_range_m=0))
    with pytest.raises(ValidationError, match="deployed"):
        Interceptor.model_validate(interceptor(status="retired"))


def radar(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "test-radar", "display_name": "R", "sensor_type": "radar", "band": "X", "max_range_m": 1e6,
        "reference_rcs_m2": 0.01, "sector_half_width_deg": 60, "min_elevation_deg": 1, "max_elevation_deg": 80,
        "revisit_s": 1, "range_noise_m": 5, "angle_noise_rad": 5e-4, "confidence": "estimate", "source": SRC,
    }
    base.update(over)
    return base


def test_sensor_fields_follow_type() -> None:
    r = Sensor.model_validate(radar())
    assert r.range_against_m(0.16) == pytest.approx(2e6)
    with pytest.raises(ValidationError, match="needs band"):
        Sensor.model_validate(radar(band=None))
    with pytest.raises(ValidationError, match="does not take cloud_top_altitude_m"):
        Sensor.model_validate(radar(cloud_top_altitude_m=1e4))
    with pytest.raises(ValidationError, match="min_elevation_deg must be below"):
        Sensor.model_validate(radar(min_elevation_deg=85))
    with pytest.raises(ValidationError, match="less than or equal to 180"):
        Sensor.model_validate(radar(sector_half_width_deg=200))
    ir = Sensor.model_validate({
        "name": "test-ir", "display_name": "IR", "sensor_type": "space-ir", "cloud_top_altitude_m": 1e4,
        "orbit_altitude_m": 3.5786e7, "revisit_s": 10, "angle_noise_rad": 3e-5, "confidence": "estimate",
        "source": SRC,
    })
    assert ir.max_range_m is None
    with pytest.raises(ValueError, match="not a radar"):
        ir.range_against_m(1.0)
    with pytest.raises(ValidationError, match="does not take"):
        Sensor.model_validate({**ir.model_dump(), "band": "X"})


def place(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "test-city", "display_name": "C", "place_type": "city", "lat_deg": 52.2, "lon_deg": 21.0,
        "country": "POL", "region": "europe", "population": 1000, "confidence": "published", "source": SRC,
    }
    base.update(over)
    return base


def test_place_validation() -> None:
    p = Place.model_validate(place())
    assert p.alt_m == 0.0 and p.sensors == [] and p.interceptors == []
    with pytest.raises(ValidationError, match="less than or equal to 90"):
        Place.model_validate(place(lat_deg=91))
    with pytest.raises(ValidationError, match="greater than or equal to -180"):
        Place.model_validate(place(lon_deg=-181))
    with pytest.raises(ValidationError, match="population is for cities only"):
        Place.model_validate(place(place_type="site"))
    with pytest.raises(ValidationError, match="missile is for bases"):
        Place.model_validate(place(missile="ss-27"))
    with pytest.raises(ValidationError, match="less than 360"):
        Place.model_validate(place(population=None, place_type="site",
                                   sensors=[{"sensor": "an-tpy-2", "boresight_azimuth_deg": 360}]))


def test_source_needs_title_or_url() -> None:
    assert Source(url="https://example.org").url
    with pytest.raises(ValidationError, match="title or a url"):
        Source(author="someone", year=2000)
