"""The fused picture one party may see: track reports released to it, fused by the tracking
component (:func:`openbmd.tracking.build_picture`, covariance intersection).

Each sender's reports with one ``track_id`` form one track history, read from the released
``body`` (the opened fields; the centre checked them against the sender's signed commitments at
submission). Reports whose covariance was withheld from the reader cannot be fused and are left
out, as are tracks whose latest report is older than ``max_age_s`` at the picture time. The
picture time defaults to the newest report released to the reader. Times inside the fusion are seconds from the oldest report used.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["PICTURE_FIELDS", "fused_picture"]

PICTURE_FIELDS = ("track_id", "time_unix_ms", "r_ecef_m", "v_ecef_mps", "covariance_si")
"""The track-report fields the picture fuses; a report released without any of them is left out."""


def fused_picture(released: Sequence[dict[str, Any]], at_unix_ms: int | None = None,
                  max_age_s: float = 900.0) -> dict[str, Any]:
    """The fused picture from released track-report messages (``Storage.released`` JSON forms).

    Returns ``{time_unix_ms, tracks: [{picture_id, r_ecef_m, v_ecef_mps, covariance_si,
    members: [[party, track_id], ...]}]}`` in SI units.
    """
    from openbmd.earth import wgs84
    from openbmd.tracking import PartyTracks, SharedTracks, TrackHistory, build_picture

    series: dict[tuple[str, str], list[tuple[int, list, list]]] = defaultdict(list)
    for m in released:
        env = m["envelope"]
        body = env["body"]
        if env["kind"] != "track_report" or any(f not in body for f in PICTURE_FIELDS):
            continue
        series[(env["sender"], body["track_id"])].append(
            (body["time_unix_ms"], body["r_ecef_m"] + body["v_ecef_mps"], body["covariance_si"]))
    if not series:
        return {"time_unix_ms": at_unix_ms, "tracks": []}
    t_ref = min(r[0] for reports in series.values() for r in reports)
    at = at_unix_ms if at_unix_ms is not None else max(r[0] for reports in series.values() for r in reports)
    by_party: dict[str, list] = defaultdict(list)
    names: dict[tuple[str, int], str] = {}
    for (party, track_name), reports in sorted(series.items()):
        reports.sort(key=lambda r: r[0])
        t_s = np.array([(r[0] - t_ref) / 1000.0 for r in reports])
        keep = np.concatenate([np.diff(t_s) > 0, [True]])  # one state per time: the last one sent
        tid = len(by_party[party])
        names[(party, tid)] = track_name
        by_party[party].append(TrackHistory(
            track_id=tid, t_s=t_s[keep], x=np.array([r[1] for r in reports], float)[keep],
            p=np.array([r[2] for r in reports], float)[keep], confirmed_t_s=float(t_s[0]),
            first_hit_t_s=float(t_s[0]), label=-1, posts=(), ballistic=np.ones(int(keep.sum()), bool),
            deleted_t_s=math.inf))
    shared = [SharedTracks(party, PartyTracks(tracks, np.zeros(0))) for party, tracks in sorted(by_party.items())]
    picture = build_picture(shared, np.array([(at - t_ref) / 1000.0]), wgs84(), max_age_s=max_age_s)
    tracks = []
    for pt in picture:
        if len(pt.t_s) == 0:
            continue
        x, p = pt.x[-1], pt.p[-1]
        tracks.append({"picture_id": int(pt.picture_id), "r_ecef_m": [float(v) for v in x[:3]],
                       "v_ecef_mps": [float(v) for v in x[3:]],
                       "covariance_si": [[float(v) for v in row] for row in p],
                       "members": [[party, names[(party, tid)]] for party, tid in pt.members]})
    return {"time_unix_ms": int(at), "tracks": tracks}
