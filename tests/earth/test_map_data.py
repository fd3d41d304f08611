"""The shipped Natural Earth data: present, offline, cut at the antimeridian, sensible."""

from __future__ import annotations

import gzip
import json
import socket
from importlib import resources

import numpy as np
import pytest
import shapely
from pyproj import Geod

from openbmd.errors import UnknownNameError
from openbmd.report import maps

SCALES = ["110m", "50m"]
DATA_FILES = [f"{kind}-{scale}.geojson.gz" for kind in ("countries", "land") for scale in SCALES]
GEOD = Geod(ellps="WGS84")


def area_km2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def rings(geom):
    for poly in shapely.get_parts(geom):
        yield np.asarray(poly.exterior.coords)
        for hole in poly.interiors:
            yield np.asarray(hole.coords)


def test_data_files_and_licence_are_shipped():
    data = resources.files("openbmd.earth").joinpath("data")
    for name in DATA_FILES:
        assert data.joinpath(name).is_file(), name
    licence = data.joinpath("LICENSE-natural-earth.md").read_text(encoding="utf-8")
    assert "world-atlas" in licence and "2.0.2" in licence
    assert "ISC" in licence and "public domain" in licence and "Bostock" in licence
    assert "https://registry.npmjs.org/world-atlas/-/world-atlas-2.0.2.tgz" in licence


def test_loads_offline(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("map data must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    for fn in (maps._read_features, maps._countries, maps._land):
        fn.cache_clear()
    try:
        assert len(maps.countries("110m")) == 177
        assert len(maps.countries("50m")) == 241
        assert not maps.land("110m").is_empty and not maps.land("50m").is_empty
    finally:
        for fn in (maps._read_features, maps._countries, maps._land):
            fn.cache_clear()


@pytest.mark.parametrize("name", DATA_FILES)
def test_no_ring_jumps_across_the_map(name):
    ref = resources.files("openbmd.earth").joinpath("data", name)
    with ref.open("rb") as raw:
        collection = json.load(gzip.open(raw, "rt", encoding="utf-8"))
    n_rings = 0
    for feature in collection["features"]:
        geom = shapely.geometry.shape(feature["geometry"])
        assert geom.is_valid, feature["properties"]
        for xy in rings(geom):
            n_rings += 1
            assert xy[:, 0].min() >= -180.0 and xy[:, 0].max() <= 180.0
            assert xy[:, 1].min() >= -90.0 and xy[:, 1].max() <= 90.0
            jump = np.abs(np.diff(xy[:, 0])).max()
            assert jump <= 180.0, (feature["properties"], jump)
            assert jump <= 10.0  # what the build promises
    assert n_rings > 100


@pytest.mark.parametrize("scale", SCALES)
def test_russia(scale):
    rus = maps.country("RUS", scale)
    assert rus.name == "Russia" and rus.iso_numeric == "643"
    lon_min, lat_min, lon_max, lat_max = rus.geometry.bounds
    # Cut at the antimeridian: Chukotka's tip lies west of it, in negative longitudes.
    assert lon_min == -180.0 and lon_max == 180.0
    assert 41.0 < lat_min < 42.0 and 81.0 < lat_max < 82.0
    assert rus.contains(67.0, -175.0)  # Chukotka, east of 180
    assert rus.contains(54.71, 20.51)  # Kaliningrad
    assert 16.5e6 < area_km2(rus.geometry) < 17.5e6  # 17.1 million km2


@pytest.mark.parametrize("scale", SCALES)
def test_usa(scale):
    usa = maps.country("USA", scale)
    assert usa.name == "United States of America" and usa.iso_numeric == "840"
    lon_min, lat_min, lon_max, lat_max = usa.geometry.bounds
    assert 18.0 < lat_min < 19.5 and 71.0 < lat_max < 72.0  # Hawaii to Point Barrow
    assert usa.contains(38.90, -77.04)  # Washington
    assert usa.contains(61.22, -149.90)  # Anchorage
    assert 9.0e6 < area_km2(usa.geometry) < 10.0e6  # 9.5 million km2 (land)


@pytest.mark.parametrize("scale", SCALES)
def test_antarctica_and_fiji_straddle_cleanly(scale):
    ata = maps.country("ATA", scale)
    assert ata.contains(-89.5, 0.0) and ata.contains(-85.0, 179.9) and ata.contains(-85.0, -179.9)
    assert 11.5e6 < area_km2(ata.geometry) < 13.0e6
    fji = maps.country("Fiji", scale)
    lon_min, _, lon_max, _ = fji.geometry.bounds
    assert lon_min == -180.0 and lon_max == 180.0
    assert fji.contains(-17.8, 178.0)  # Viti Levu


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("lat, lon, inside, outside", [
    (55.7558, 37.6173, "RUS", "UKR"),  # Moscow
    (52.2297, 21.0122, "POL", "RUS"),  # Warsaw
    (35.6892, 51.3890, "IRN", "IRQ"),  # Tehran
    (38.0800, 46.2919, "IRN", "AZE"),  # Tabriz
    (53.9006, 27.5590, "BLR", "POL"),  # Minsk
    (50.4501, 30.5234, "UKR", "BLR"),  # Kyiv
    (44.4268, 26.1025, "ROU", "BGR"),  # Bucharest
    (39.9334, 32.8597, "TUR", "SYR"),  # Ankara
    (40.4093, 49.8671, "AZE", "IRN"),  # Baku
    (59.2741, 15.2066, "SWE", "NOR"),  # Örebro (Stockholm is on the coast)
    (61.4978, 23.7610, "FIN", "SWE"),  # Tampere
    (41.7151, 44.8271, "GEO", "ARM"),  # Tbilisi
    (40.1872, 44.5152, "ARM", "TUR"),  # Yerevan
    (52.5200, 13.4050, "DEU", "POL"),  # Berlin
])
def test_point_in_country(scale, lat, lon, inside, outside):
    assert maps.country(inside, scale).contains(lat, lon)
    assert not maps.country(outside, scale).contains(lat, lon)


@pytest.mark.parametrize("scale", SCALES)
def test_iso_codes(scale):
    every = maps.countries(scale)
    for c in every:
        if c.iso_numeric is not None:
            assert len(c.iso_numeric) == 3 and c.iso_numeric.isdigit()
            assert c.iso_a3 is not None and len(c.iso_a3) == 3 and c.iso_a3.isupper(), c
    codes = {c.iso_a3 for c in every}
    europe_and_neighbours = (
        "RUS USA CAN POL ROU TUR IRN DEU FRA GBR NOR SWE FIN EST LVA LTU BLR UKR AZE ARM GEO "
        "ALB AUT BEL BGR BIH CHE CYP CZE DNK ESP GRC HRV HUN IRL ISL ITA LUX MDA MKD MNE NLD "
        "PRT SRB SVK SVN XKX"
    ).split()
    missing = [a3 for a3 in europe_and_neighbours if a3 not in codes]
    assert not missing


def test_country_lookup():
    pol = maps.country("POL")
    assert maps.country("Poland") == pol
    assert maps.country("poland") == pol
    assert maps.country(616) == pol
    assert maps.country("616") == pol
    assert maps.country("United States").iso_a3 == "USA"
    assert maps.country("Türkiye").iso_a3 == "TUR"
    assert maps.country("AUS", "50m").name == "Australia"  # not Ashmore and Cartier Is.
    assert maps.country("Russia", "50m").geometry.area > maps.country("Russia").geometry.area * 0.9
    with pytest.raises(UnknownNameError, match="Poland"):
        maps.country("Polland")
    with pytest.raises(ValueError, match="scale"):
        maps.countries("10m")


def test_countries_returns_a_fresh_list_of_frozen_countries():
    a, b = maps.countries(), maps.countries()
    assert a == b and a is not b
    a.clear()
    assert len(maps.countries()) == 177
    with pytest.raises(AttributeError):
        b[0].name = "x"


@pytest.mark.parametrize("scale", SCALES)
def test_land(scale):
    land = maps.land(scale)
    assert 1.45e8 < area_km2(land) < 1.50e8  # 149 million km2 of land
    assert land.covers(shapely.Point(37.62, 55.76))
    assert not land.covers(shapely.Point(-40.0, 30.0))  # mid-Atlantic
