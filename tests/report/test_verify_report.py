"""The observer's replay report: map labels."""

from __future__ import annotations

from openbmd.report.verify_report import sensor_labels


def test_posts_on_one_site_share_one_label():
    sensors = [(44.92, 40.98, "armavir/voronezh@135"), (44.92, 40.98, "armavir/voronezh@225"),
               (40.87, 47.79, "gabala/daryal"), (40.87, 47.79, "gabala/an-tpy-2")]
    assert sensor_labels(sensors) == [(44.92, 40.98, "armavir/voronezh@135, @225"),
                                      (40.87, 47.79, "gabala/daryal, gabala/an-tpy-2")]
    assert sensor_labels([(1.0, 2.0, "x")]) == [(1.0, 2.0, "x")] and sensor_labels([]) == []
