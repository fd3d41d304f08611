"""The trial engine's rule for a shoot-shoot second salvo against the first shots its channel time displaces."""

from __future__ import annotations

import numpy as np

from openbmd.exercise.engine import BATTERY_DTYPE, OBJECT_DTYPE, _double_worth

SPAN = (100.0, 400.0)  # the two salvos' launch and intercept, s


def _case(channels: int, value_i: float = 1.0, owed_window=(150.0, 300.0, 450.0), booked_s=()):
    """One battery, object 0 to double on, object 1 owed a first shot whose only window on the battery launches
    from ``owed_window[0]`` to ``[1]`` s and lands at ``[2]`` s; ``booked_s`` channel intervals already booked."""
    bat = np.zeros(1, dtype=BATTERY_DTYPE)
    bat["channels"], bat["pk"], bat["inventory"] = channels, 0.7, 10
    obj = np.zeros(2, dtype=OBJECT_DTYPE)
    obj["is_warhead"], obj["value"] = True, (value_i, 1.0)
    rec_f = np.zeros((2, 1, 2, 4))
    rec_n = np.array([[2], [2]])
    rec_f[0, 0, :, :2] = [[SPAN[0], SPAN[1]], [SPAN[0] + 10, SPAN[1] + 10]]
    launch_0, launch_1, hit = owed_window
    rec_f[1, 0, :, :2] = [[launch_0, hit - (launch_1 - launch_0)], [launch_1, hit]]
    busy = np.zeros((2, 8, 3))
    busy_n = np.zeros(1, dtype=np.int64)
    for k, (a, b) in enumerate(booked_s):
        busy[0, k] = a, b, -1
        busy_n[0] += 1
    args = (0, 0, 0, SPAN[0], SPAN[1], 0.7, np.zeros(2, dtype=np.bool_), bat, obj, np.zeros((1, 2), dtype=np.int64),
            np.zeros((2, 1), dtype=np.bool_), np.full((1, 2), np.inf), rec_f, rec_n, busy, busy_n, 1)
    return args


def test_a_second_salvo_goes_ahead_where_the_channels_have_room():
    assert _double_worth(*_case(channels=4))


def test_a_second_salvo_yields_to_the_first_shot_it_would_crowd_out():
    """Two channels, both taken by the two salvos while the owed object must launch: its first shot (0.7 of its
    value) is worth more than the second salvo's 0.7 x 0.3 = 0.21."""
    assert not _double_worth(*_case(channels=2))


def test_a_second_salvo_at_a_far_more_valuable_object_still_goes_ahead():
    assert _double_worth(*_case(channels=2, value_i=10.0))


def test_an_owed_object_that_can_launch_after_the_two_salvos_land_is_not_crowded_out():
    assert _double_worth(*_case(channels=2, owed_window=(150.0, 420.0, 600.0)))


def test_channels_already_booked_count_against_the_second_salvo():
    assert _double_worth(*_case(channels=4))
    assert not _double_worth(*_case(channels=4, booked_s=((0.0, 500.0), (50.0, 450.0))))
