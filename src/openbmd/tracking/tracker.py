"""Multi-target tracking of one party's measurements with Stone Soup.

Per scan (one post, one look time) the tracker:

1. gates coarsely (a cheap Euclidean test: radar detections converted to ECEF,
   IR lines of sight by their distance to the track) so that Stone Soup's
   Mahalanobis :class:`~.DistanceHypothesiser` only sees plausible pairs;
2. associates by global nearest neighbour (:class:`~.GNNWith2DAssignment`);
3. updates with the extended Kalman filter (:class:`~.ExtendedKalmanUpdater`);
4. starts a tentative track on each unused detection, confirms it after M hits in
   its first N opportunities (an opportunity: a scan of a post that would see the
   track's predicted position) if its speed is a missile's (below ``max_speed_mps``),
   drops it if unconfirmed after ``tentative_life_s``, and deletes a confirmed track
   after K missed opportunities in a row, on predicted impact, or after a long coast.

**Boost.** Thrust is not modelled in the state; a track is flown with the same
ballistic model but a large white-acceleration noise (``q_boost_m2_s3``, about the
variance of an unknown 20-60 m/s² thrust over a few-second look) while it may still be
burning: until ``boost_window_s`` after its first hit, and in any case while the
space IR sensor still reports its plume. This is the two-model idea of an IMM with
the mode decided from the sensors (a plume is a burn) rather than from
likelihoods; it keeps the filter consistent through boost and staging at the cost
of slower convergence just after burnout. It is simpler and more robust than a
constant-acceleration state for staged boosters whose thrust changes step-wise.
**Drag** is in the motion model in every phase (US Standard Atmosphere 1976, the ballistic
coefficient ``beta_kg_m2``), with a log-normal β prior (95 % within a factor ``beta_factor_95``):
each prediction adds σ²_lnβ s sᵀ to the process noise, s = ∂x/∂ln β flown with the state
(:class:`~.BallisticPredictor`), so the drag uncertainty grows as the air thickens. Midcourse
(``q_ballistic_m2_s3``) and re-entry (``q_reentry_m2_s3``, below ``reentry_altitude_m`` on the way
down) add only a small white noise for what the model leaves out.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from stonesoup.base import Property
from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
from stonesoup.hypothesiser.base import Hypothesiser
from stonesoup.hypothesiser.distance import DistanceHypothesiser
from stonesoup.measures import Mahalanobis
from stonesoup.types.angle import Bearing
from stonesoup.types.array import CovarianceMatrix, StateVector
from stonesoup.types.detection import Detection
from stonesoup.types.hypothesis import SingleHypothesis
from stonesoup.types.multihypothesis import MultipleHypothesis
from stonesoup.types.state import GaussianState
from stonesoup.types.track import Track
from stonesoup.types.update import GaussianStateUpdate
from stonesoup.updater.kalman import ExtendedKalmanUpdater

from openbmd.earth import EarthModel
from openbmd.earth.kernels import geodetic_lat_alt
from openbmd.sensors.measurements import MeasurementBatch, noise_sigmas, post_frame
from openbmd.sensors.visibility import SensorPost, post_parameters, sees
from openbmd.tracking.models import (BallisticPredictor, BallisticTransitionModel, LineOfSightMeasurementModel,
                                     RadarMeasurementModel, RadarRangeRateMeasurementModel, free_flight_phase,
                                     sigma_ln_beta)

EPOCH = dt.datetime(2000, 1, 1)
"""Stone Soup wants datetimes: scenario time t (s) is ``EPOCH + t``."""


def to_datetime(t_s: float) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=float(t_s))


def to_seconds(when: dt.datetime) -> float:
    return (when - EPOCH).total_seconds()


@dataclass(frozen=True)
class TrackerConfig:
    """Tracker settings. Noise densities in m²/s³, distances in m, speeds in m/s, times in s."""

    q_boost_m2_s3: float = 4.0e3
    """Boost: thrust is not in the state. Estimate: an unknown 20-60 m/s² thrust acceleration (catalog
    boosters: thrust / mass from lift-off to burnout) changing over a few-second look, q ≈ (30 m/s²)² · 5 s;
    range 1e3-1e4, the value tuned for boost NEES near 6 (tools/measure_track_consistency.py)."""
    q_ballistic_m2_s3: float = 1.0e-6
    """Midcourse: what the J2 model leaves out. Estimate: the higher zonal harmonics (J3 ≈ -2.5e-6,
    J4 ≈ -1.6e-6, EGM96) and lunisolar gravity give 1e-5-1e-4 m/s², correlated over ~100 s, so
    q ≈ (1e-4 m/s²)² · 100 s; range 1e-8-1e-5. Larger values made midcourse tracks conservative
    (NEES 3.6 against [5.3, 6.7] at 0.05)."""
    q_reentry_m2_s3: float = 1.0e-2
    """Re-entry: white noise on top of the drag model and its β uncertainty (which carries the drag error).
    Estimate: lift and trim of a tumbling or slightly asymmetric RV, ~0.1 m/s² over ~1 s; range 1e-3-1."""
    reentry_altitude_m: float = 90e3
    beta_kg_m2: float | None = 4000.0
    """Ballistic coefficient the tracker flies drag with (kg/m²; None: vacuum): the median of its prior.
    Estimate for MRBM/IRBM re-entry vehicles (catalog estimates 3,000-5,000 kg/m², missiles.yaml)."""
    beta_factor_95: float = 2.0
    """Log-normal β prior: 95 % within [β / f, β · f] (2,000-8,000 kg/m² about 4,000). Estimate: spans the
    catalog's MRBM/IRBM RVs (3,000-5,000 kg/m²) with margin; ICBM RVs (10,000-15,000 kg/m²) need their own."""
    boost_window_s: float = 150.0
    confirm_hits: int = 3
    confirm_window: int = 5
    tentative_life_s: float = 60.0
    max_speed_mps: float = 8000.0
    delete_misses: int = 8
    max_coast_s: float = 900.0
    gate_mahalanobis: float = 5.0
    coarse_gate_m: float = 30e3
    init_speed_sigma_mps: float = 3000.0
    ir_init_altitude_m: float = 20e3
    ir_init_depth_sigma_m: float = 40e3
    rcs_m2: float = 0.05


@dataclass(frozen=True)
class TrackHistory:
    """One confirmed track: update times ``t_s`` (U,), ECEF states ``x`` (U, 6) and covariances ``p`` (U, 6, 6)
    (m, m/s), its confirmation time (s), and the truth index most of its detections came from (-1: clutter);
    ``ballistic`` (U,) marks updates made with the ballistic (not boost) model; ``deleted_t_s`` when the
    tracker dropped it (s; inf: still held at the end of the data)."""

    track_id: int
    t_s: np.ndarray
    x: np.ndarray
    p: np.ndarray
    confirmed_t_s: float
    first_hit_t_s: float
    label: int
    posts: tuple[int, ...]
    ballistic: np.ndarray
    deleted_t_s: float = math.inf


@dataclass(frozen=True)
class PartyTracks:
    """A party's confirmed tracks and the first time each truth target was measured (s; inf never)."""

    tracks: list[TrackHistory]
    first_detection_t_s: np.ndarray


@dataclass
class _Book:
    """Per-track bookkeeping during a run (not part of any result)."""

    first_t: float
    hits: int = 1
    chances: int = 1
    misses_in_row: int = 0
    confirmed_t: float = math.inf
    last_ir_t: float = -math.inf
    ir_revisit: float = 10.0
    radar_hit: bool = False
    deleted_t: float = math.inf
    ballistic: list = field(default_factory=lambda: [False])
    labels: dict = field(default_factory=dict)
    posts: set = field(default_factory=set)

    def boosting(self, t: float, window_s: float) -> bool:
        return t - self.first_t < window_s or t - self.last_ir_t < 2.5 * self.ir_revisit


class SolveMahalanobis(Mahalanobis):
    """Stone Soup's Mahalanobis distance, by a linear solve rather than a pseudo-inverse (same value for
    the positive-definite innovation covariances met here, several times faster)."""

    def __call__(self, state1, state2):
        d = np.asarray(state1.state_vector - state2.state_vector, float).ravel()
        return float(np.sqrt(d @ np.linalg.solve(np.asarray(state1.covar, float), d)))


class PhaseGatedHypothesiser(Hypothesiser):
    """Picks a hypothesiser per track by flight phase, on the detections a coarse gate lets through.

    ``phase(track, timestamp)`` names the phase (a key of ``hypothesisers``, each a
    :class:`~.DistanceHypothesiser` with that phase's predictor); ``candidates(track)``
    gives the detections of the current scan that passed the cheap gate.
    """

    hypothesisers: dict = Property(doc="Phase name -> DistanceHypothesiser")
    phase: Callable = Property(doc="(track, timestamp) -> phase name")
    candidates: Callable = Property(doc="track -> set of detections that passed the coarse gate")

    def hypothesise(self, track, detections, timestamp, **kwargs):
        cands = self.candidates(track) & set(detections)
        if not cands:
            return MultipleHypothesis([])
        return self.hypothesisers[self.phase(track, timestamp)].hypothesise(track, cands, timestamp, **kwargs)


def _measurement_models(posts: Sequence[SensorPost], earth: EarthModel) -> list:
    models = []
    for post in posts:
        origin, rot = post_frame(post, earth)
        sig = noise_sigmas(post)
        if not post.is_radar:
            models.append(LineOfSightMeasurementModel(noise_covar=np.diag(sig[:2] ** 2), origin_ecef_m=origin,
                                                      frame_rows=rot))
        elif np.isfinite(sig[3]):
            models.append(RadarRangeRateMeasurementModel(noise_covar=np.diag(sig ** 2), origin_ecef_m=origin,
                                                         frame_rows=rot))
        else:
            models.append(RadarMeasurementModel(noise_covar=np.diag(sig[:3] ** 2), origin_ecef_m=origin,
                                                frame_rows=rot))
    return models


def phase_models(config: TrackerConfig, earth: EarthModel) -> dict[str, BallisticTransitionModel]:
    """The transition model of each flight phase ('boost', 'midcourse', 'reentry'): drag with the
    config's β prior in every phase (negligible above ~150 km), white noise of the phase's density."""
    beta = config.beta_kg_m2 or 0.0
    kw = dict(mu_m3_s2=earth.mu_m3_s2, j2=earth.j2, a_m=earth.a_m, e2=earth.e2, omega_rad_s=earth.omega_rad_s,
              beta_kg_m2=beta if earth.atmosphere else 0.0,
              sigma_ln_beta=sigma_ln_beta(config.beta_factor_95) if beta > 0.0 else 0.0)
    return {"boost": BallisticTransitionModel(q_m2_s3=config.q_boost_m2_s3, **kw),
            "midcourse": BallisticTransitionModel(q_m2_s3=config.q_ballistic_m2_s3, **kw),
            "reentry": BallisticTransitionModel(q_m2_s3=config.q_reentry_m2_s3, **kw)}


class PartyTracker:
    """Tracks one party's measurements (see the module docstring)."""

    def __init__(self, posts: Sequence[SensorPost], earth: EarthModel, config: TrackerConfig = TrackerConfig()):
        self.posts = list(posts)
        self.earth = earth
        self.config = config
        self.phase_models = phase_models(config, earth)
        self.updater = ExtendedKalmanUpdater(measurement_model=None)
        self.models = _measurement_models(self.posts, earth)
        self.params = post_parameters(self.posts, earth, config.rcs_m2)

    def _phase(self, track, t: float, book: _Book) -> str:
        """'boost' while it may burn, 'reentry' below ``reentry_altitude_m`` on the way down, else 'midcourse'."""
        if book.boosting(t, self.config.boost_window_s):
            return "boost"
        return free_flight_phase(np.asarray(track.state.state_vector, float).ravel(), self.earth,
                                 self.config.reentry_altitude_m)

    def _hypothesiser(self, book: dict, gated: dict) -> PhaseGatedHypothesiser:
        c = self.config

        def make(model):
            return DistanceHypothesiser(BallisticPredictor(model), self.updater, SolveMahalanobis(),
                                        missed_distance=c.gate_mahalanobis)

        return PhaseGatedHypothesiser(hypothesisers={k: make(m) for k, m in self.phase_models.items()},
                                      phase=lambda track, when: self._phase(track, to_seconds(when), book[track.id]),
                                      candidates=lambda track: gated.get(track, set()))

    def _coarse_gate(self, tracks: list[Track], dets: list[Detection], t: float) -> dict:
        """Track -> detections within a generous Euclidean gate of its straight-line extrapolation (batched)."""
        x = np.array([np.asarray(tr.state.state_vector, float).ravel() for tr in tracks])
        cov = np.array([np.asarray(tr.state.covar, float) for tr in tracks])
        dt_s = t - np.array([to_seconds(tr.state.timestamp) for tr in tracks])
        p = x[:, :3] + x[:, 3:] * dt_s[:, None]
        spread = 3.0 * np.sqrt(np.trace(cov[:, :3, :3], axis1=1, axis2=2)) \
            + 3.0 * np.sqrt(np.trace(cov[:, 3:, 3:], axis1=1, axis2=2)) * np.abs(dt_s)
        gate = self.config.coarse_gate_m + spread + 5.0 * dt_s ** 2  # up to ~10 m/s² unmodelled
        if "r_ecef" in dets[0].metadata:
            r = np.array([d.metadata["r_ecef"] for d in dets])
            dist = np.linalg.norm(p[:, None, :] - r[None, :, :], axis=-1)
        else:
            o = dets[0].metadata["ray"][0]
            u = np.array([d.metadata["ray"][1] for d in dets])
            w = p - o
            along = w @ u.T
            dist = np.sqrt(np.maximum(np.sum(w * w, axis=1)[:, None] - along ** 2, 0.0))
        ok = dist < gate[:, None]
        return {tr: {dets[j] for j in np.flatnonzero(ok[i])} for i, tr in enumerate(tracks) if ok[i].any()}

    def _detections(self, batch: MeasurementBatch, rows: np.ndarray, when: dt.datetime) -> list[Detection]:
        out = []
        for i in rows:
            q = int(batch.post[i])
            model = self.models[q]
            z = batch.z[i]
            if isinstance(model, LineOfSightMeasurementModel):
                sv = StateVector([z[0], Bearing(z[1])])
                meta = {"target": int(batch.target[i]), "post": q, "ray": model.ray(z)}
            else:
                vals = [z[0], Bearing(z[1]), z[2]] + ([z[3]] if model.ndim_meas == 4 else [])
                sv = StateVector(vals)
                meta = {"target": int(batch.target[i]), "post": q, "r_ecef": model.inverse_position(z)}
            out.append(Detection(sv, timestamp=when, measurement_model=model, metadata=meta))
        return out

    def _initiate(self, det: Detection, when: dt.datetime) -> GaussianState:
        c = self.config
        model = det.measurement_model
        z = np.asarray(det.state_vector, float).ravel()
        if isinstance(model, LineOfSightMeasurementModel):
            o, d = model.ray(z)
            r_target = self.earth.a_m + c.ir_init_altitude_m  # first intersection with a sphere at that height
            b = o @ d
            s = -b - math.sqrt(max(b * b - (o @ o - r_target ** 2), 0.0))
            pos = o + s * d
            cross = float(np.sqrt(model.noise_covar[0, 0])) * s * 3.0
            p_pos = cross ** 2 * np.eye(3) + (c.ir_init_depth_sigma_m ** 2 - cross ** 2) * np.outer(d, d)
            up = pos / np.linalg.norm(pos)
            vel = 1000.0 * up
            p_vel = (0.5 * c.init_speed_sigma_mps) ** 2 * np.eye(3)
        else:
            pos = model.inverse_position(z)
            rng = z[2]
            s_ang = rng * math.sqrt(model.noise_covar[0, 0])
            s_pos = 3.0 * max(s_ang, math.sqrt(model.noise_covar[2, 2]))
            p_pos = s_pos ** 2 * np.eye(3)
            vel = np.zeros(3)
            p_vel = c.init_speed_sigma_mps ** 2 * np.eye(3)
        covar = np.zeros((6, 6))
        covar[:3, :3], covar[3:, 3:] = p_pos, p_vel
        return GaussianState(StateVector(np.concatenate([pos, vel])), CovarianceMatrix(covar), timestamp=when)

    def _handover(self, hyp, when: dt.datetime) -> GaussianStateUpdate:
        """First radar hit on a track held by space IR alone: position from the radar, velocity from the IR
        track (covariance doubled in sigma). An EKF step from a prior 40 km deep onto a 5 m measurement is too
        non-linear to trust."""
        new = self._initiate(hyp.measurement, when)
        pred = hyp.prediction
        x = np.asarray(new.state_vector, float).ravel()
        x[3:] = np.asarray(pred.state_vector, float).ravel()[3:]
        p = np.asarray(new.covar, float).copy()
        p[3:, 3:] = 4.0 * np.asarray(pred.covar, float)[3:, 3:]
        return GaussianStateUpdate(StateVector(x), CovarianceMatrix(p), hyp, timestamp=when)

    def _would_see(self, track: Track, q: int, t: float, book: _Book) -> bool:
        model = self.phase_models[self._phase(track, t, book)]
        st = track.state
        x, _ = model.propagate(np.asarray(st.state_vector, float).ravel(), t - to_seconds(st.timestamp))
        burn = math.inf if book.boosting(t, self.config.boost_window_s) else -math.inf
        return bool(sees(self.params[q], t, x[0], x[1], x[2], burn, self.earth.a_m, self.earth.e2))

    def run(self, batch: MeasurementBatch, n_targets: int) -> PartyTracks:
        """Track ``batch`` (measurements of this party's posts, indices into ``posts``)."""
        c = self.config
        book: dict[str, _Book] = {}
        gated: dict = {}
        hyp = self._hypothesiser(book, gated)
        associator = GNNWith2DAssignment(hyp)
        active: dict[Track, None] = {}  # insertion-ordered, so runs are reproducible
        finished: list[Track] = []
        first_det = np.full(n_targets, np.inf)
        ok = batch.target >= 0
        np.minimum.at(first_det, batch.target[ok], batch.t_s[ok])
        cuts = np.flatnonzero((np.diff(batch.t_s) != 0) | (np.diff(batch.post) != 0)) + 1
        for rows in np.split(np.arange(len(batch)), cuts):
            if rows.size == 0:
                continue
            t = float(batch.t_s[rows[0]])
            q = int(batch.post[rows[0]])
            when = to_datetime(t)
            dets = self._detections(batch, rows, when)
            gated.clear()
            if active:
                gated.update(self._coarse_gate(list(active), dets, t))
            hyps = associator.associate(list(gated), dets, when) if gated else {}
            used = set()
            for track in list(active):
                b = book[track.id]
                h = hyps.get(track)
                if h is not None and h.measurement is not None and isinstance(h, SingleHypothesis) and h:
                    if self.posts[q].is_radar and not b.radar_hit:
                        track.append(self._handover(h, when))
                        b.radar_hit = True
                    else:
                        track.append(self.updater.update(h))
                    b.ballistic.append(self._phase(track, t, b) != "boost")
                    used.add(h.measurement)
                    b.hits += 1
                    b.chances += 1
                    b.misses_in_row = 0
                    b.posts.add(q)
                    tgt = h.measurement.metadata["target"]
                    b.labels[tgt] = b.labels.get(tgt, 0) + 1
                    if not self.posts[q].is_radar:
                        b.last_ir_t = t
                        b.ir_revisit = self.posts[q].sensor.revisit_s
                elif self._would_see(track, q, t, b):
                    b.chances += 1
                    b.misses_in_row += 1
                tentative = b.confirmed_t == math.inf
                if tentative and b.hits >= c.confirm_hits and b.chances <= c.confirm_window \
                        and np.linalg.norm(np.asarray(track.state.state_vector, float).ravel()[3:]) < c.max_speed_mps:
                    b.confirmed_t = t
                    tentative = False
                dead = (tentative and ((b.chances >= c.confirm_window and b.hits < c.confirm_hits)
                                       or t - b.first_t > c.tentative_life_s)) \
                    or b.misses_in_row >= c.delete_misses or t - to_seconds(track.state.timestamp) > c.max_coast_s
                if not dead:
                    x = np.asarray(track.state.state_vector, float).ravel()
                    dead = geodetic_lat_alt(x[0], x[1], x[2], self.earth.a_m, self.earth.e2)[1] < -5e3
                if dead:
                    b.deleted_t = t
                    del active[track]
                    finished.append(track)
            for det in dets:
                if det in used:
                    continue
                track = Track([self._initiate(det, when)])
                bk = _Book(first_t=t, posts={q})
                bk.labels[det.metadata["target"]] = 1
                bk.radar_hit = self.posts[q].is_radar
                if not self.posts[q].is_radar:
                    bk.last_ir_t, bk.ir_revisit = t, self.posts[q].sensor.revisit_s
                book[track.id] = bk
                active[track] = None
        finished.extend(active)
        return PartyTracks([self._history(k, tr, book[tr.id]) for k, tr in enumerate(finished)
                            if book[tr.id].confirmed_t < math.inf], first_det)

    @staticmethod
    def _history(k: int, track: Track, b: _Book) -> TrackHistory:
        states = list(track.states)
        t = np.array([to_seconds(s.timestamp) for s in states])
        x = np.array([np.asarray(s.state_vector, float).ravel() for s in states])
        p = np.array([np.asarray(s.covar, float) for s in states])
        label = max(b.labels, key=b.labels.get) if b.labels else -1
        return TrackHistory(k, t, x, p, b.confirmed_t, b.first_t, int(label), tuple(sorted(b.posts)),
                            np.array(b.ballistic, dtype=bool), b.deleted_t)


def track_party(batch: MeasurementBatch, posts: Sequence[SensorPost], earth: EarthModel, n_targets: int,
                config: TrackerConfig = TrackerConfig()) -> PartyTracks:
    """Run :class:`PartyTracker` over one party's measurements."""
    return PartyTracker(posts, earth, config).run(batch, n_targets)
