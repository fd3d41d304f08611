"""Batched aiming (aim_pairs) against single aims of the same pairs: the same minimum-energy shots."""

import numpy as np
import pytest

from openbmd.catalog import load_catalog
from openbmd.earth import geodesic_inverse, wgs84
from openbmd.flight import aim, fly_launches
from openbmd.flight.aim import aim_pairs
from openbmd.flight.vehicle import vehicle_from_missile

CAT = load_catalog()
E = wgs84()


def _rad(name):
    lat, lon, _ = CAT.point(name)
    return np.radians(lat), np.radians(lon)


@pytest.mark.parametrize("missile, origin, targets", [
    ("rs-24", "kozelsk", ["berlin", "london", "washington", "los-angeles"]),  # ICBM: 1,500 to 9,900 km
    ("generic-irbm", "tabriz", ["ankara", "warsaw"]),  # IRBM: near and far
], ids=["icbm", "irbm"])
def test_batched_shots_agree_with_single_aims(missile, origin, targets):
    v = vehicle_from_missile(CAT.missile(missile))
    lat0, lon0 = _rad(origin)
    tgt = np.array([_rad(t) for t in targets])
    batch = aim_pairs(v, np.full(len(targets), lat0), np.full(len(targets), lon0), tgt[:, 0], tgt[:, 1], E)
    assert batch.reachable.all()
    flown = fly_launches(v, lat0, lon0, batch.azimuth_rad, batch.kick_rad, E, cutoff_s=batch.cutoff_s)
    lat, lon, _ = flown.event_geodetic("impact")
    miss, _, _ = geodesic_inverse(lat, lon, tgt[:, 0], tgt[:, 1], E)
    assert np.all(np.asarray(miss) < 100.0)  # aim_pairs' miss tolerance
    for k, t in enumerate(targets):
        single = aim(v, lat0, lon0, *tgt[k], E, sample_dt_s=None)
        assert flown.flight_time_s[k] == pytest.approx(single.trajectory.flight_time_s[0], rel=0.005), t
        assert flown.apogee_altitude_m[k] == pytest.approx(single.trajectory.apogee_altitude_m[0], rel=0.01), t
        assert batch.kick_rad[k] == pytest.approx(single.kick_rad, abs=np.radians(0.1)), t
