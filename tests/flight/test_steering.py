"""Boost steering: the commanded pitch-over steers even when it is small (issue 14).

The programme is a vertical rise, a pitch-over ramp toward the commanded azimuth, then a gravity turn. The
hand-over to the gravity turn must not depend on the tilt the vertical rise happened to leave (Earth's
rotation, or geodetic up against the gravity direction), or every small kick flies the same flight.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from openbmd.catalog import load_catalog
from openbmd.earth import geodesic_inverse, wgs84
from openbmd.flight import fly_launches
from openbmd.flight.vehicle import vehicle_from_missile

CAT = load_catalog()
E = wgs84()
STILL = dataclasses.replace(E, name="wgs84-still", omega_rad_s=0.0)


def _impacts(batch):
    """Ground range (m) and bearing (rad, from north) of each impact from its launch point."""
    lat, lon, _ = batch.event_geodetic("impact")
    dist, bearing, _ = geodesic_inverse(batch.launch_lat_rad, batch.launch_lon_rad, lat, lon, E)
    return np.asarray(dist), np.asarray(bearing)


def _offsets_km(batch):
    """North and east offsets (km) of each impact from the first one's, in the launch point's tangent plane."""
    dist, bearing = _impacts(batch)
    north, east = dist * np.cos(bearing), dist * np.sin(bearing)
    return (north[1:] - north[0]) / 1e3, (east[1:] - east[0]) / 1e3


def test_on_a_still_earth_the_range_grows_with_the_kick_and_its_azimuth_decides_the_side():
    v = vehicle_from_missile(CAT.missile("hwasong-14"))
    lat = np.radians(40.0)
    kicks = np.radians([0.01, 0.03, 0.1, 0.3, 1.0])
    dist, _ = _impacts(fly_launches(v, lat, 0.0, np.pi / 2, kicks, STILL))
    assert np.all(np.diff(dist) > 1e3), dist / 1e3
    # Unkicked, then 0.1 deg toward the east and toward the west: they land either side of the unkicked shot.
    _, east = _offsets_km(fly_launches(v, lat, 0.0, np.array([0.0, 0.5, 1.5]) * np.pi, np.radians([0.0, 0.1, 0.1]),
                                       STILL))
    assert east[0] > 1.0 and east[1] < -1.0, east


def test_on_the_rotating_earth_a_small_kick_toward_each_azimuth_moves_the_impact_that_way():
    v = vehicle_from_missile(CAT.missile("ss-18"))
    az = np.array([0.0, 0.0, np.pi, 0.5 * np.pi, 1.5 * np.pi])  # the first is unkicked
    kicks = np.radians([0.0, 0.1, 0.1, 0.1, 0.1])
    north, east = _offsets_km(fly_launches(v, np.radians(35.0), np.radians(50.0), az, kicks, E))
    assert north[0] > 1.0 and north[1] < -1.0, north
    assert east[2] > 1.0 and east[3] < -1.0, east
