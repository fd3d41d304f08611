"""Distances to a country's territory from the shipped Natural Earth borders."""

import pytest

from openbmd.earth.borders import boundary_points_deg, country, distance_to_country_m


def test_inside_is_zero():
    assert distance_to_country_m(55.75, 37.62, "RUS") == 0.0  # Moscow


def test_border_town_is_next_to_the_border():
    assert distance_to_country_m(59.377, 28.19, "RUS") < 5e3  # Narva, on the Estonian-Russian border


def test_redzikowo_is_about_160_km_from_kaliningrad():
    # Straight-line distance to the Kaliningrad oblast, the nearest Russian territory.
    assert distance_to_country_m(54.479, 17.108, "RUS") == pytest.approx(160e3, rel=0.1)


def test_boundary_is_densified():
    lat, lon = boundary_points_deg(country("POL", "50m").geometry, spacing_km=2.0)
    assert len(lat) > 1500 and lat.min() > 48.9 and lat.max() < 55.0
