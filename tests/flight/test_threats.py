"""The flown-threat type: expansion of aimed shots, launch-time shifts, kernel velocities, gathering."""

from __future__ import annotations

import math

import numpy as np
import pytest

from openbmd.catalog import load_catalog
from openbmd.earth import wgs84
from openbmd.flight import FlownThreats, ObjectKind, ShotError, ThreatShot, fly_threats

EARTH = wgs84()


@pytest.fixture(scope="module")
def flown():
    cat = load_catalog()
    o, t = cat.place("tabriz"), cat.place("ankara")
    pts = [math.radians(x) for x in (o.lat_deg, o.lon_deg, t.lat_deg, t.lon_deg)]
    shots = [ThreatShot(cat.missile("shahab-3"), *pts, count=2, decoys=1),
             ThreatShot(cat.missile("shahab-3"), *pts, launch_t_s=30.0)]
    return fly_threats(shots, EARTH, sample_dt_s=2.0)


def test_shots_expand_into_missiles_and_decoys(flown):
    assert len(flown) == 5
    assert list(flown.kind) == [ObjectKind.WARHEAD, ObjectKind.DECOY, ObjectKind.WARHEAD, ObjectKind.DECOY,
                                ObjectKind.WARHEAD]
    assert list(flown.shot) == [0, 0, 0, 0, 1]
    assert flown.is_warhead.sum() == 3
    np.testing.assert_array_equal(flown.r_ecef[0], flown.r_ecef[1])  # a decoy flies its warhead's path


def test_a_later_launch_flies_the_same_path_later(flown):
    ok = np.isfinite(flown.t_s[0])
    assert flown.launch_t_s[4] == 30.0 and flown.t_s[4, 0] == 30.0
    np.testing.assert_allclose(flown.t_s[4][ok], flown.t_s[0][ok] + 30.0, atol=1e-3)
    np.testing.assert_allclose(flown.r_ecef[4][ok], flown.r_ecef[0][ok], atol=2.0)  # ECEF paths, m (own step sequences)
    assert flown.burnout_t_s[4] == pytest.approx(flown.burnout_t_s[0] + 30.0, abs=1e-3)
    assert flown.impact_t_s[4] == pytest.approx(flown.impact_t_s[0] + 30.0, abs=1e-3)


def test_velocities_are_the_derivative_of_the_positions(flown):
    t, r, v = flown.t_s[0], flown.r_ecef[0], flown.v_ecef[0]
    n = int(np.isfinite(t).sum())
    mid = slice(1, n - 2)  # central differences, away from the impact row
    central = (r[2:n - 1] - r[: n - 3]) / (t[2:n - 1] - t[: n - 3])[:, None]
    err = np.linalg.norm(central - v[mid], axis=-1) / np.linalg.norm(v[mid], axis=-1)
    assert np.median(err) < 1e-4 and err.max() < 0.02
    np.testing.assert_allclose(flown.r_ecef[0, n - 1], flown.impact_r_ecef[0], atol=1e-6)
    assert flown.x_ecef.shape == (*flown.t_s.shape, 6)


def test_gather_leaves_unfilled_rows_empty(flown):
    g = FlownThreats.gather([(np.array([2, 0]), flown.take([4, 0]))], 3)
    np.testing.assert_array_equal(g.t_s[0], flown.t_s[0])
    np.testing.assert_array_equal(g.r_ecef[2], flown.r_ecef[4])
    assert np.isnan(g.t_s[1]).all() and np.isnan(g.burnout_t_s[1]) and list(g.shot) == [0, 1, 2]


def test_an_unreachable_shot_is_named():
    cat = load_catalog()
    o, t = cat.place("tabriz"), cat.place("london")
    far = ThreatShot(cat.missile("shahab-3"), *(math.radians(x) for x in (o.lat_deg, o.lon_deg, t.lat_deg,
                                                                        t.lon_deg)))
    with pytest.raises(ShotError) as info:
        fly_threats([far], EARTH, sample_dt_s=2.0)
    assert info.value.index == 0
