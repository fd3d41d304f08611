"""Loading extra YAML files, one-line errors naming file/entry/field, and name lookups."""

from __future__ import annotations

import re

from pathlib import Path

import pytest

from openbmd.catalog import Catalog, CatalogError, Place, load_catalog, parse_entries
from openbmd.errors import InputError, UnknownNameError

GOOD_MISSILE = """\
kind: missile
entries:
  - name: test-irbm
    display_name: Test IRBM
    range_class: irbm
    propellant: solid
    stages:
      - {burn_time_s: 60, burnout_speed_mps: 2200}
      - {burn_time_s: 60, burnout_speed_mps: 4800}
    rv_ballistic_coefficient_kg_m2: 5000
    max_range_m: 3000000
    confidence: estimate
    source: {title: Test data}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def test_extra_file_entries_are_added(tmp_path: Path) -> None:
    cat = load_catalog([write(tmp_path, "extra.yaml", GOOD_MISSILE)])
    assert cat.missile("test-irbm").burnout_speed_mps == 4800
    assert "warsaw" in cat  # the shipped data is still there


def test_bad_entry_names_file_entry_and_field(tmp_path: Path) -> None:
    bad = write(tmp_path, "missiles-bad.yaml", GOOD_MISSILE.replace("burn_time_s: 60, burnout_speed_mps: 2200",
                                                                     "burn_time_s: 0, burnout_speed_mps: 2200"))
    with pytest.raises(CatalogError) as info:
        load_catalog([bad])
    message = str(info.value)
    assert "\n" not in message
    assert "missiles-bad.yaml" in message
    assert "entry 'test-irbm'" in message
    assert "field 'stages.0.burn_time_s'" in message
    assert "greater than 0" in message
    assert isinstance(info.value, InputError)
    assert info.value.entry == "test-irbm" and info.value.field == "stages.0.burn_time_s"


def test_model_level_error_names_the_entry(tmp_path: Path) -> None:
    text = GOOD_MISSILE.replace("burnout_speed_mps: 4800", "burnout_speed_mps: 2000")
    with pytest.raises(CatalogError, match=r"entry 'test-irbm': .*cumulative"):
        load_catalog([write(tmp_path, "x.yaml", text)])


def test_entry_without_name_is_named_by_index() -> None:
    text = "kind: sensor\nentries:\n  - display_name: nameless\n"
    with pytest.raises(CatalogError, match=r"s\.yaml:3:5: entry '#0': field 'name': Field required"):
        parse_entries("s.yaml", text)


def test_duplicate_name_is_an_error(tmp_path: Path) -> None:
    text = """\
kind: place
entries:
  - {name: warsaw, display_name: Warsaw again, place_type: city, lat_deg: 52, lon_deg: 21,
     country: POL, region: europe, confidence: published, source: {title: t}}
"""
    with pytest.raises(CatalogError, match=r"dup\.yaml: entry 'warsaw': duplicate name \(first defined in places\.yaml\)"):
        load_catalog([write(tmp_path, "dup.yaml", text)])


def test_unknown_reference_is_an_error(tmp_path: Path) -> None:
    text = """\
kind: place
entries:
  - name: new-site
    display_name: New site
    place_type: site
    lat_deg: 50
    lon_deg: 20
    country: POL
    region: europe
    interceptors: [sm3-iiia]
    confidence: estimate
    source: {title: t}
"""
    with pytest.raises(CatalogError, match=r"entry 'new-site': field 'interceptors.0': 'sm3-iiia' is not a known "
                                           r"interceptor; closest: sm3-iia"):
        load_catalog([write(tmp_path, "ref.yaml", text)])
    wrong_kind = text.replace("interceptors: [sm3-iiia]", "interceptors: [an-tpy-2]")
    with pytest.raises(CatalogError, match="'an-tpy-2' is a sensor, not an interceptor"):
        load_catalog([write(tmp_path, "ref2.yaml", wrong_kind)])
    no_boresight = text.replace("interceptors: [sm3-iiia]", "sensors: [{sensor: an-tpy-2}]")
    with pytest.raises(CatalogError, match="sensors.0.boresight_azimuth_deg"):
        load_catalog([write(tmp_path, "ref3.yaml", no_boresight)])


@pytest.mark.parametrize("text, message", [
    ("kind: missile\nentries: [\n", "not valid YAML"),
    ("- just\n- a list\n", "expected a mapping with 'kind' and 'entries'"),
    ("kind: rocket\nentries: []\n", "unknown kind 'rocket'"),
    ("kind: missile\nentries: []\nextra: 1\n", "unexpected top-level key"),
    ("kind: missile\nentries: {a: 1}\n", "'entries' must be a list"),
    ("kind: missile\nentries:\n  - name: a\n    name: b\n", "key 'name' repeated"),
])
def test_malformed_files(text: str, message: str) -> None:
    with pytest.raises(CatalogError, match=message) as info:
        parse_entries("f.yaml", text)
    assert re.match(r"f\.yaml(:\d+:\d+)?: ", str(info.value))  # file:line:column where the parser knows it
    if "YAML" in message or "repeated" in message:
        assert re.match(r"f\.yaml:\d+:\d+: ", str(info.value))


def test_missing_extra_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog([tmp_path / "absent.yaml"])


def test_unknown_name_lists_closest(cat: Catalog) -> None:
    with pytest.raises(UnknownNameError, match=r"unknown missile 'sejil-2'; closest: sejjil-2"):
        cat.missile("sejil-2")
    with pytest.raises(UnknownNameError, match=r"unknown name 'warsw'; closest: warsaw"):
        cat.get("warsw")
    with pytest.raises(UnknownNameError, match="no close match"):
        cat.sensor("qqqqqqqq")


def test_wrong_kind_lookup_is_clear(cat: Catalog) -> None:
    with pytest.raises(UnknownNameError, match=r"'warsaw' is a place \(city\), not a missile"):
        cat.missile("warsaw")
    with pytest.raises(UnknownNameError, match="'shahab-3' is a missile, not a place"):
        cat.place("shahab-3")
    with pytest.raises(LookupError):  # UnknownNameError is also a LookupError
        cat.interceptor("spy-1")


def test_typed_lookups(cat: Catalog) -> None:
    assert cat.missile("shahab-3").propellant == "liquid"
    assert cat.interceptor("sm3-iia").burnout_speed_mps == 4500
    assert cat.sensor("spy-1").sector_half_width_deg == 180
    assert isinstance(cat.place("kurecik"), Place)
    assert cat.get("gbi").kind == "interceptor"


def test_entries_by_kind(cat: Catalog) -> None:
    everything = cat.entries()
    assert len(everything) == len(cat)
    for word, kind in [("missiles", "missile"), ("interceptor", "interceptor"), ("SENSORS", "sensor"),
                       ("places", "place"), ("timelines", "timeline")]:
        picked = cat.entries(word)
        assert picked and all(e.kind == kind for e in picked)
    kinds = ("missiles", "interceptors", "sensors", "places", "timelines", "deployments", "criteria", "assumptions", "regions")
    assert sum(len(cat.entries(k)) for k in kinds) == len(cat)
    place_types = ("sites", "ship-stations", "bases", "launch-areas", "cities")
    assert sum(len(cat.entries(k)) for k in place_types) == len(cat.entries("places"))
    assert all(getattr(e, "place_type") == "city" for e in cat.entries("city"))
    assert {e.name for e in cat.entries("launch_areas")} == {e.name for e in cat.entries("launch-areas")}
    with pytest.raises(InputError, match="unknown kind 'rockets'; use one of missiles"):
        cat.entries("rockets")


def test_point_literal_and_place(cat: Catalog) -> None:
    assert cat.point("52.2,21.0") == (52.2, 21.0, "52.2,21.0")
    assert cat.point(" -33.87 , 151.21 ") == (-33.87, 151.21, "-33.87,151.21")
    lat, lon, label = cat.point("warsaw")
    assert (lat, lon) == pytest.approx((52.23, 21.01), abs=0.05)
    assert label == "Warsaw"


@pytest.mark.parametrize("text, message", [
    ("95,0", "latitude 95 .* outside -90..90"),
    ("-90.5,10", "latitude -90.5"),
    ("10,181", "longitude 181 .* outside -180..180"),
    ("1,2,3", "cannot read"),
    ("", "cannot read"),
])
def test_point_errors(cat: Catalog, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        cat.point(text, argument="--target")
    assert info.value.argument == "--target"
    assert str(info.value).startswith("--target: ")


def test_point_unknown_place_names_argument(cat: Catalog) -> None:
    with pytest.raises(UnknownNameError, match="closest: warsaw") as info:
        cat.point("warsw", argument="--target")
    assert info.value.argument == "--target"
    with pytest.raises(UnknownNameError, match="not a place"):
        cat.point("shahab-3")


def test_a_site_radar_elsewhere_must_be_a_place_with_a_radar(tmp_path: Path) -> None:
    """``radar_at`` names the place of a site's own radar (Moscow's Don-2N at Sofrino); a place without one is
    refused in one line naming the file, entry and field."""
    assert load_catalog().place("moscow-abm").radar_at == "sofrino"
    site = ("kind: place\nentries:\n  - name: test-site\n    display_name: Test site\n    place_type: site\n"
            "    lat_deg: 55.0\n    lon_deg: 37.0\n"
            "    country: RUS\n    region: russia\n    interceptors: [a-235]\n    radar_at: {radar}\n"
            "    confidence: estimate\n    source:\n      - {{title: test, author: test}}\n")
    assert load_catalog([write(tmp_path, "ok.yaml", site.format(radar="sofrino"))]).place("test-site")
    with pytest.raises(CatalogError) as info:
        load_catalog([write(tmp_path, "bad.yaml", site.format(radar="warsaw"))])
    assert "\n" not in str(info.value) and "bad.yaml" in str(info.value)
    assert info.value.entry == "test-site" and info.value.field == "radar_at" and "no radar" in str(info.value)
