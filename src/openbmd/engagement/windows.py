"""Engagement windows: when and where interceptors can meet sampled threats.

The timeline for each threat runs: launch (t = 0) → first detection by any sensor
post → firm track (+ ``firm_track_delay_s``) → interceptor launch allowed
(+ ``decision_delay_s``) → intercept. An *intercept opportunity* is a threat
sample at time t, position p, such that a fire unit's interceptor, launched at
t − T(p) no earlier than allowed, reaches p at t inside its altitude and range
envelope (T from the :class:`FlyoutTable`; launch times from the one opportunity
kernel, :mod:`openbmd.engagement.opportunity`). Shoot-look-shoot: after each shot's
intercept the defence waits ``kill_assessment_delay_s`` before launching the next,
from whichever battery meets the threat earliest.

Times are s after threat launch; windows are resolved to the threat's sample spacing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from openbmd.catalog import Timeline
from openbmd.earth import EarthModel, ecef_to_geodetic
from openbmd.earth.kernels import FAST
from openbmd.engagement.fireunit import FireUnit
from openbmd.engagement.flyout import ground_range_m
from openbmd.engagement.opportunity import committable_launch_times, opportunity_launch_times
from openbmd.flight import FlownThreats
from openbmd.sensors import SensorPost, first_detection

MAX_SHOTS = 16
"""Most shoot-look-shoot shots counted per threat."""


@dataclass(frozen=True)
class EngagementBatch:
    """Per threat (N) and battery (M) results of :func:`engage`, as arrays.

    ``detection_t_s``/``launch_allowed_t_s`` (N,) are inf when never detected;
    ``first_index``/``last_index`` (N, M) are the sample indices of the earliest and
    latest opportunity (-1 when none); ``shots`` (N,) the shoot-look-shoot count with
    ``shot_index``/``shot_battery`` (N, MAX_SHOTS) giving each shot's sample and battery.
    """

    detection_t_s: NDArray
    detected_by: NDArray
    launch_allowed_t_s: NDArray
    first_index: NDArray
    last_index: NDArray
    shots: NDArray
    shot_index: NDArray
    shot_battery: NDArray


def engage(threats: FlownThreats, batteries: Sequence[FireUnit], posts: Sequence[SensorPost], timeline: Timeline,
           earth: EarthModel) -> EngagementBatch:
    """Detection, opportunities and shoot-look-shoot shots of every fire unit against every threat; no
    launch before the threat burns out unless the unit's interceptor is boost-phase capable.

    Times are on the threats' clock: s after launch for threats launched at t = 0."""
    det_t, det_by = first_detection(threats.t_s, threats.r_ecef, threats.burnout_t_s, posts, earth,
                                    timeline.threat_rcs_m2)
    allowed = det_t + timeline.firm_track_delay_s + timeline.decision_delay_s
    if not batteries:
        n = len(threats)
        none = np.full((n, 0), -1, dtype=np.int64)
        return EngagementBatch(det_t, det_by, allowed, none, none, np.zeros(n, np.int64),
                               np.full((n, MAX_SHOTS), -1), np.full((n, MAX_SHOTS), -1))
    launch = committable_launch_times(threats, batteries, earth, not_before_s=allowed)
    first, last, shots, shot_j, shot_m = _shoot_look_shoot(
        np.ascontiguousarray(threats.t_s, float), launch, float(timeline.kill_assessment_delay_s), MAX_SHOTS)
    return EngagementBatch(det_t, det_by, allowed, first, last, shots, shot_j, shot_m)


@njit(cache=True, parallel=True, fastmath=FAST, error_model="numpy")
def _shoot_look_shoot(t, launch, ka_delay, max_shots):
    """First and last opportunity per threat and unit, and the shots, from usable launch times (N, M, K) s.

    Each next launch waits for the previous intercept's kill assessment (``ka_delay``, s); the first may
    come at the first usable launch time. Shots go to whichever unit meets the threat earliest.
    """
    n, m_count, k = launch.shape
    first = np.full((n, m_count), -1, dtype=np.int64)
    last = np.full((n, m_count), -1, dtype=np.int64)
    shots = np.zeros(n, dtype=np.int64)
    shot_j = np.full((n, max_shots), -1, dtype=np.int64)
    shot_m = np.full((n, max_shots), -1, dtype=np.int64)
    for i in prange(n):
        for m in range(m_count):
            for j in range(k):
                if launch[i, m, j] == launch[i, m, j]:
                    if first[i, m] < 0:
                        first[i, m] = j
                    last[i, m] = j
        earliest = -np.inf
        for s in range(max_shots):
            best_j, best_m = -1, -1
            for m in range(m_count):
                if first[i, m] < 0:
                    continue
                for j in range(first[i, m], last[i, m] + 1):
                    if launch[i, m, j] >= earliest:
                        if best_j < 0 or j < best_j:
                            best_j, best_m = j, m
                        break
            if best_j < 0:
                break
            shot_j[i, s], shot_m[i, s] = best_j, best_m
            shots[i] = s + 1
            earliest = t[i, best_j] + ka_delay
    return first, last, shots, shot_j, shot_m


@dataclass(frozen=True)
class Opportunity:
    """One intercept opportunity: times s after threat launch, intercept point (deg, m)."""

    site: str
    interceptor: str
    which: str
    intercept_time_s: float
    interceptor_launch_time_s: float
    altitude_m: float
    lat_deg: float
    lon_deg: float
    ground_range_m: float
    authority: str = "engage-on-remote"

    @property
    def interceptor_flight_s(self) -> float:
        """Fly-out time from interceptor launch to intercept, s."""
        return self.intercept_time_s - self.interceptor_launch_time_s

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "interceptor_flight_s": self.interceptor_flight_s}


@dataclass(frozen=True)
class EngagementWindow:
    """The engagement of one threat by a deployment: timeline, windows and shots."""

    feasible: bool
    detection_time_s: float | None
    detected_by: str | None
    firm_track_time_s: float | None
    launch_allowed_time_s: float | None
    threat_impact_time_s: float
    windows: list[Opportunity] = field(default_factory=list)
    shots: list[Opportunity] = field(default_factory=list)
    reason: str | None = None
    """Why there is no intercept opportunity, in one sentence; None when there is one."""

    def to_json(self) -> dict[str, Any]:
        return {
            "feasible": self.feasible,
            "reason": self.reason,
            "detection_time_s": self.detection_time_s,
            "detected_by": self.detected_by,
            "firm_track_time_s": self.firm_track_time_s,
            "launch_allowed_time_s": self.launch_allowed_time_s,
            "threat_impact_time_s": self.threat_impact_time_s,
            "windows": [w.to_json() for w in self.windows],
            "shots": len(self.shots),
            "shot_plan": [s.to_json() for s in self.shots],
        }


def window_of(result: EngagementBatch, i: int, threats: FlownThreats, batteries: Sequence[FireUnit],
              posts: Sequence[SensorPost], timeline: Timeline, earth: EarthModel) -> EngagementWindow:
    """Threat i's engagement as a plain :class:`EngagementWindow` (earliest and latest per battery, each shot)."""
    return windows_of(result, [i], threats, batteries, posts, timeline, earth)[0]


def windows_of(result: EngagementBatch, index: Sequence[int] | NDArray, threats: FlownThreats,
               batteries: Sequence[FireUnit], posts: Sequence[SensorPost], timeline: Timeline,
               earth: EarthModel) -> list[EngagementWindow]:
    """:func:`window_of` for the threats at ``index``, their geometry, fly-outs and visibility in batch."""
    rows = np.asarray(index, dtype=np.int64).reshape(-1)
    organic_seen = _organic_visibility(rows, threats, batteries, posts, timeline, earth)  # (n, M, K)
    # Every opportunity to report, by (row of ``rows``, sample, battery): earliest and latest per battery
    # (in battery order), then each shot.
    a_w, m_w = np.nonzero(result.first_index[rows] >= 0)
    j_w = np.stack([result.first_index[rows[a_w], m_w], result.last_index[rows[a_w], m_w]], axis=1).ravel()
    a_w, m_w = np.repeat(a_w, 2), np.repeat(m_w, 2)
    a_s, s_s = np.nonzero(np.arange(MAX_SHOTS)[None, :] < result.shots[rows][:, None])
    q_row = np.concatenate([a_w, a_s])
    q_j = np.concatenate([j_w, result.shot_index[rows[a_s], s_s]]).astype(np.int64)
    q_m = np.concatenate([m_w, result.shot_battery[rows[a_s], s_s]]).astype(np.int64)
    q_which = ["earliest", "latest"] * (len(a_w) // 2) + [f"shot {s + 1}" for s in s_s]
    r = threats.r_ecef[rows[q_row], q_j].reshape(-1, 3)
    t = threats.t_s[rows[q_row], q_j]
    lat, lon, alt = ecef_to_geodetic(r, earth)
    rng = np.empty(len(q_j))
    fly = np.empty(len(q_j))
    for m, b in enumerate(batteries):  # M (a few) fire units
        at = q_m == m
        rng[at] = ground_range_m(b.r_ecef(earth), r[at])
        fly[at] = b.table.time_to_reach_s(rng[at], alt[at])
    windows: list[list[Opportunity]] = [[] for _ in rows]
    shots: list[list[Opportunity]] = [[] for _ in rows]
    for q, (a, m, which) in enumerate(zip(q_row.tolist(), q_m.tolist(), q_which)):  # the output records
        b = batteries[m]
        tq, launch = float(t[q]), float(t[q] - fly[q])
        (windows if q < len(a_w) else shots)[a].append(Opportunity(
            b.site, b.interceptor.name, which, tq, launch, float(alt[q]), math.degrees(lat[q]),
            math.degrees(lon[q]), float(rng[q]), authority_for(organic_seen[a, m], threats.t_s[rows[a]], launch, tq)))
    out = []
    for a, i in enumerate(rows):
        det = float(result.detection_t_s[i])
        seen = math.isfinite(det)
        last_t = threats.t_s[i][np.isfinite(threats.t_s[i])]
        out.append(EngagementWindow(
            feasible=bool(windows[a]), reason=None if windows[a] else _no_window_reason(seen, posts, batteries),
            detection_time_s=det if seen else None,
            detected_by=posts[int(result.detected_by[i])].name if seen else None,
            firm_track_time_s=det + timeline.firm_track_delay_s if seen else None,
            launch_allowed_time_s=float(result.launch_allowed_t_s[i]) if seen else None,
            threat_impact_time_s=float(last_t[-1]), windows=windows[a], shots=shots[a]))
    return out


def _no_window_reason(seen: bool, posts: Sequence[SensorPost], batteries: Sequence[FireUnit]) -> str:
    """One sentence on why a threat has no intercept opportunity."""
    if not posts:
        sites = ", ".join(sorted({b.site for b in batteries}))
        return f"no sensor: {sites} has no radar of its own in the catalog, and no other sensor was given"
    if not seen:
        return f"none of the {len(posts)} sensors ({', '.join(p.name for p in posts)}) detects the threat"
    return "no point of the threat's path lies within the interceptors' fly-out between launch allowed and impact"


def _organic_visibility(rows: NDArray, threats: FlownThreats, batteries: Sequence[FireUnit],
                        posts: Sequence[SensorPost], timeline: Timeline, earth: EarthModel) -> NDArray:
    """(n, M, K): whether battery m's own radar (at its site, or the site's ``radar_at`` place) sees threat
    ``rows[a]`` at each sample."""
    from openbmd.sensors.visibility import visibility

    out = np.zeros((len(rows), len(batteries), threats.t_s.shape[1]), dtype=bool)
    if not len(rows):
        return out
    t, r, burnout = threats.t_s[rows], threats.r_ecef[rows], threats.burnout_t_s[rows]
    for m, b in enumerate(batteries):  # M (a few) fire units
        own = [p for p in posts if p.is_radar and p.name.split("/")[0] in (b.site, b.radar_site)]
        if own:
            out[:, m] = visibility(t, r, burnout, own, earth, timeline.threat_rcs_m2).any(axis=-1)
    return out


def authority_for(organic_seen: NDArray, t_s: NDArray, launch_s: float, intercept_s: float) -> str:
    """The engagement authority a shot needs: ``organic`` when the battery's own radar sees the threat at
    launch, ``launch-on-remote`` when it sees it only later, before the intercept, else ``engage-on-remote``."""
    at_launch = organic_seen[(t_s <= launch_s)]
    if at_launch.size and at_launch[-1]:
        return "organic"
    if organic_seen[(t_s > launch_s) & (t_s <= intercept_s)].any():
        return "launch-on-remote"
    return "engage-on-remote"
