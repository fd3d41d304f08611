"""Run a tracking scenario end to end: fly the raid, measure, track per party, fuse, score.

``run_scenario(scenario, party)`` with ``party`` a party name or ``"joint"`` (the
centre fuses every party's shared tracks). Measurements are drawn once for every
sensor of every party, so a party alone and the joint centre see the same noise.
Scores are against truth: times are seconds after each threat's launch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog import Catalog, load_catalog
from openbmd.earth import EarthModel, wgs84
from openbmd.earth.geodesy import geodesic_inverse
from openbmd.errors import InputError
from openbmd.flight import FlownThreats, ShotError, ThreatShot, fly_threats
from openbmd.sensors import SensorPost, sensor_posts
from openbmd.sensors.measurements import MeasurementBatch, MeasurementOptions, generate_measurements
from openbmd.tracking.fusion import PictureTrack, SharedTracks, build_picture
from openbmd.tracking.models import sigma_ln_beta
from openbmd.tracking.products import (BoostCorrection, LaunchEstimate, boost_correction, correct_launch,
                                      estimate_launch, predict_impacts, range_class)
from openbmd.tracking.scenario import Scenario, check_names
from openbmd.tracking.tracker import TrackerConfig, track_party

JOINT = "joint"


@dataclass(frozen=True)
class ThreatReport:
    """Scores of one threat in one picture (times s after its launch, distances m; None: never)."""

    id: str
    missile: str
    first_detection_s: float | None
    firm_track_s: float | None
    launch_point_error_m: float | None
    launch_time_error_s: float | None
    range_class: str
    impact_error_m_vs_time: list[list[float]]
    impact_ellipse_m_vs_time: list[list[float]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "missile": self.missile, "first_detection_s": self.first_detection_s,
                "firm_track_s": self.firm_track_s, "launch_point_error_m": self.launch_point_error_m,
                "launch_time_error_s": self.launch_time_error_s, "range_class": self.range_class,
                "impact_error_m_vs_time": self.impact_error_m_vs_time,
                "impact_ellipse_semi_major_m_vs_time": self.impact_ellipse_m_vs_time}


@dataclass(frozen=True)
class TrackingReport:
    """A party's (or the joint centre's) picture of a scenario, scored."""

    scenario: str
    party: str
    threats: list[ThreatReport]
    n_tracks: int
    n_false_tracks: int

    def to_json(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "party": self.party, "n_tracks": self.n_tracks,
                "n_false_tracks": self.n_false_tracks, "threats": [t.to_json() for t in self.threats]}


def fly_raid(scenario: Scenario, catalog: Catalog, earth: EarthModel) -> FlownThreats:
    """The scenario's threats, in scenario order, flown at their launch times (scenario clock, s)."""
    shots = []
    for k, t in enumerate(scenario.threats):
        lat0, lon0, _ = catalog.point(t.origin, f"threats.{k}.from")
        lat1, lon1, _ = catalog.point(t.target, f"threats.{k}.to")
        shots.append(ThreatShot(catalog.missile(t.missile), math.radians(lat0), math.radians(lon0),
                                math.radians(lat1), math.radians(lon1), t.launch_s))
    try:
        return fly_threats(shots, earth, sample_dt_s=scenario.sample_dt_s)
    except ShotError as exc:
        raise InputError(f"{scenario.threats[exc.index].id}: {exc.cause.args[0]}", f"threats.{exc.index}.to") from None


def _posts_by_party(scenario: Scenario, catalog: Catalog) -> tuple[list[SensorPost], dict[str, list[int]],
                                                                  dict[str, list[int]]]:
    """All posts, and per party the indices of its posts and of its shared posts."""
    posts: list[SensorPost] = []
    own: dict[str, list[int]] = {}
    shared: dict[str, list[int]] = {}
    for pname, party in scenario.parties.items():
        share = set(party.share.sensors if party.share.sensors is not None else party.sensors)
        own[pname], shared[pname] = [], []
        for k, name in enumerate(party.sensors):
            for post in sensor_posts(catalog, [name], argument=f"parties.{pname}.sensors.{k}"):
                own[pname].append(len(posts))
                if name in share:
                    shared[pname].append(len(posts))
                posts.append(post)
    return posts, own, shared


def _party_batch(meas: MeasurementBatch, indices: list[int]) -> MeasurementBatch:
    """The measurements of some posts, re-indexed to those posts."""
    remap = np.full(max(int(meas.post.max(initial=0)) + 1, max(indices, default=0) + 1), -1)
    remap[indices] = np.arange(len(indices))
    sel = meas.select(np.isin(meas.post, indices))
    return MeasurementBatch(sel.t_s, remap[sel.post], sel.target, sel.z, sel.x_true_ecef)


def run_scenario(scenario: Scenario, party: str, *, catalog: Catalog | None = None, earth: EarthModel | None = None,
                 config: TrackerConfig | None = None,
                 progress: Callable[[int], None] | None = None) -> TrackingReport:
    """Track ``scenario`` as ``party`` (a party name or ``"joint"``) and score the picture; ``progress(1)`` is
    told of each party tracked and of the scoring (``len(parties) + 1`` steps for joint, 2 for one party)."""
    catalog = catalog or load_catalog()
    earth = earth or wgs84()
    if party != JOINT and party not in scenario.parties:
        raise InputError(f"unknown party {party!r}; this scenario has {', '.join(scenario.parties)} (or joint)",
                         "party")
    check_names(scenario, catalog)
    config = config or TrackerConfig(rcs_m2=scenario.rcs_m2, beta_kg_m2=scenario.assumed_beta_kg_m2,
                                     beta_factor_95=scenario.beta_factor_95)
    raid = fly_raid(scenario, catalog, earth)
    posts, own, shared_idx = _posts_by_party(scenario, catalog)
    meas = generate_measurements(raid, posts, earth, scenario.rcs_m2, np.random.default_rng(scenario.seed),
                                 MeasurementOptions(false_alarms_per_scan=scenario.false_alarms_per_scan))
    names = list(scenario.parties) if party == JOINT else [party]
    shared = []
    for pname in names:
        idx = shared_idx[pname] if party == JOINT else own[pname]
        tracks = track_party(_party_batch(meas, idx), [posts[i] for i in idx], earth, len(raid), config)
        delay = scenario.parties[pname].share.delay_s if party == JOINT else 0.0
        shared.append(SharedTracks(pname, tracks, delay))
        if progress:
            progress(1)
    report = score_picture(scenario, party, raid, shared, earth, config, catalog)
    if progress:
        progress(1)
    return report


def score_picture(scenario: Scenario, party: str, raid: FlownThreats, shared: list[SharedTracks], earth: EarthModel,
                  config: TrackerConfig, catalog: Catalog) -> TrackingReport:
    """Build the centre's picture from ``shared`` and score it against the raid's truth: each threat by the
    tracks on its objects (``raid.shot``: one warhead, or a post-boost vehicle's warheads, decoys and spent bus),
    each track's impact against the object it follows.

    Launch estimates are back-propagated from each track's first converged free-flight state, then
    corrected for the boost by the range class's catalog template (:func:`class_correction`)."""
    corrections: dict[str, BoostCorrection | None] = {}
    t0 = float(raid.launch_t_s.min())
    t1 = float(np.nanmax(raid.impact_t_s))
    times = np.arange(t0 + scenario.report_dt_s, t1, scenario.report_dt_s)
    picture = build_picture(shared, times, earth, config=config)
    impacts = None
    if picture:
        impacts = predict_impacts(np.concatenate([p.t_s for p in picture]), np.concatenate([p.x for p in picture]),
                                  np.concatenate([p.p for p in picture]), earth, scenario.assumed_beta_kg_m2,
                                  sigma_ln_beta(scenario.beta_factor_95))
    offsets = np.cumsum([0] + [len(p.t_s) for p in picture])
    by_party = {s.party: ({tr.track_id: tr for tr in s.tracks.tracks}, s.delay_s) for s in shared}
    launch_states = [_launch_state(p, by_party) for p in picture]
    launch = estimate_launch(np.array([s[0] for s in launch_states]), np.array([s[1] for s in launch_states]),
                             earth) if picture else None
    reports = []
    for k, threat in enumerate(scenario.threats):
        objects = np.flatnonzero(raid.shot == k)  # its warhead, or a bus's warheads, decoys and spent bus
        tl = float(raid.launch_t_s[objects[0]])
        first = min((float(s.tracks.first_detection_t_s[objects].min()) + s.delay_s for s in shared),
                    default=math.inf)
        mine = [j for j, p in enumerate(picture) if p.label in objects]
        firm = min((picture[j].firm_t_s for j in mine), default=math.inf)
        errors, ellipses = [], []
        for t in times:
            best, best_tr, truth = None, math.inf, -1
            for j in mine:
                i = np.flatnonzero(picture[j].t_s == t)
                if i.size and np.trace(picture[j].p[i[0], :3, :3]) < best_tr:
                    best, best_tr = offsets[j] + i[0], np.trace(picture[j].p[i[0], :3, :3])
                    truth = picture[j].label  # scored against the object it follows
            if best is not None and np.all(np.isfinite(impacts.r_ecef_m[best])):
                errors.append([round(float(t - tl), 3), float(np.linalg.norm(impacts.r_ecef_m[best]
                                                                            - raid.impact_r_ecef[truth]))])
                ellipses.append([round(float(t - tl), 3), float(impacts.semi_major_m[best])])
        lp_err = lt_err = None
        rclass = ""
        if mine:
            j = min(mine, key=lambda j: (not launch_states[j][2], -len(picture[j].t_s)))
            rows = np.concatenate([np.arange(offsets[i], offsets[i + 1]) for i in mine])
            ok_rows = rows[np.isfinite(impacts.semi_major_m[rows])]
            if np.all(np.isfinite(launch.r_ecef_m[j])) and ok_rows.size:
                best = int(ok_rows[np.argmin(impacts.semi_major_m[ok_rows])])
                rng_m = geodesic_inverse(launch.lat_rad[j], launch.lon_rad[j], impacts.lat_rad[best],
                                         impacts.lon_rad[best], earth)[0]
                rclass = range_class(float(rng_m))
                est = _one(launch, j)
                if rclass not in corrections:
                    corrections[rclass] = class_correction(catalog, rclass, earth)
                if corrections[rclass] is not None:
                    est = correct_launch(est, impacts.lat_rad[best:best + 1], impacts.lon_rad[best:best + 1],
                                         corrections[rclass], earth)
                lp_err = float(np.linalg.norm(est.r_ecef_m[0] - raid.launch_r_ecef[objects[0]]))
                lt_err = float(est.t_launch_s[0] - tl)
        reports.append(ThreatReport(threat.id, threat.missile, _rel(first, tl), _rel(firm, tl), lp_err, lt_err,
                                    rclass, errors, ellipses))
    n_false = sum(1 for p in picture if p.label < 0)
    return TrackingReport(scenario.name, party, reports, len(picture), n_false)


def _one(launch: LaunchEstimate, j: int) -> LaunchEstimate:
    return LaunchEstimate(launch.t_launch_s[j:j + 1], launch.r_ecef_m[j:j + 1], launch.lat_rad[j:j + 1],
                          launch.lon_rad[j:j + 1])


def class_correction(catalog: Catalog, range_class_name: str, earth: EarthModel,
                     most: int = 2) -> BoostCorrection | None:
    """The boost correction of a range class: the mean over (at most ``most`` of) the catalog's missiles of
    that class; None when the catalog has none."""
    found = []
    for m in catalog.entries("missiles"):
        if m.range_class == range_class_name and len(found) < most:
            try:
                found.append(boost_correction(m, earth))
            except InputError:
                continue
    if not found:
        return None
    return BoostCorrection(float(np.mean([c.downrange_m for c in found])), float(np.mean([c.time_s for c in found])))


def _rel(t: float, t_launch: float) -> float | None:
    return None if not math.isfinite(t) else round(t - t_launch, 3)


def _launch_state(track: PictureTrack, by_party: dict) -> tuple[float, NDArray, bool]:
    """The state to back-propagate: each member's first well-converged free-flight state (σ_pos < 2 km,
    σ_vel < 300 m/s), and of those the one whose launch point is best known (least σ_pos + 150 s · σ_vel);
    else the last state. Returns (t, x, converged)."""
    best, best_score = None, np.inf
    for pname, tid in track.members:
        tr = by_party[pname][0][tid]
        sig_r = np.sqrt(np.trace(tr.p[:, :3, :3], axis1=1, axis2=2) / 3.0)
        sig_v = np.sqrt(np.trace(tr.p[:, 3:, 3:], axis1=1, axis2=2) / 3.0)
        good = np.flatnonzero((sig_r < 2e3) & (sig_v < 300.0) & (tr.t_s >= tr.confirmed_t_s) & tr.ballistic)
        if good.size:
            i = int(good[0])
            score = float(sig_r[i] + 150.0 * sig_v[i])
        else:
            i, score = len(tr.t_s) - 1, np.inf
        if best is None or score < best_score:
            best, best_score = (float(tr.t_s[i]), tr.x[i], bool(good.size)), score
    return best
