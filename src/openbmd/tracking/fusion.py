"""The joint centre's picture: track-to-track fusion by covariance intersection.

**Why track-to-track, and why covariance intersection.** The parties in the talks
would share *tracks* (and could choose which sensors feed them and how late they
send them), not raw detections: raw radar data reveal sensor performance and are
the last thing a party gives away. Each party's tracker also starts from its own
priors and shares the same ballistic model and process noise, so the errors of two
parties' tracks of one missile are correlated by an amount nobody knows. A plain
Kalman-style combination would then be over-confident; covariance intersection

    P⁻¹ = ω P₁⁻¹ + (1 − ω) P₂⁻¹,    x = P (ω P₁⁻¹ x₁ + (1 − ω) P₂⁻¹ x₂)

is consistent for *any* cross-correlation (Julier & Uhlmann 1997), with ω chosen
to minimise the trace of P with velocity weighted by (300 s)², as the impact
prediction weighs it (a plain trace would let metres² of position drown the (m/s)²
of velocity), so the fused covariance is never larger (in that measure) than the
better input's and never over-confident, which is what the centre must guarantee.
(It bounds the error, not each realised error: on one run a fused estimate can land
a little further from the truth than the better party's.) Several tracks fuse
pairwise in sequence.

**Partial sharing and delay.** A party's shared tracks are built from its shared
sensors only (the caller runs its tracker on that subset). The centre gets each
track ``delay_s`` late: at picture time t it uses the party's latest state no later
than t − delay, predicted to t with the ballistic model, and a track appears only
once it was confirmed at least ``delay_s`` before t. A track coasts through coverage
gaps on its prediction (the party's motion model of the track's phase: drag with the β prior
in re-entry, the phase's process noise), and leaves the picture when the party drops it, when its last
update is older than ``max_age_s``, or when it is predicted under ground (its missile
has come down).

**Association across parties** is by Mahalanobis distance of predicted positions
(3 degrees of freedom, gate at the 99.9 % point), never joining two tracks of the
same party (a party's newer track may take over from its older one), and only once
both are well enough known (a space-IR-only track is tens of km deep). Joined tracks
stay together while they keep gating; a member that drifts out is matched afresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar

from openbmd.earth import EarthModel
from openbmd.earth.kernels import geodetic_arrays
from openbmd.tracking._kernels import propagate_many
from openbmd.tracking.models import free_flight_phase
from openbmd.tracking.tracker import PartyTracks, TrackerConfig, phase_models

GATE_3DOF = 16.27
"""99.9 % point of chi-square with 3 degrees of freedom."""


@dataclass(frozen=True)
class SharedTracks:
    """What the centre gets from one party: its tracks and the delay (s)."""

    party: str
    tracks: PartyTracks
    delay_s: float = 0.0


@dataclass(frozen=True)
class PictureTrack:
    """One centre track: picture times ``t_s`` (T,), fused states ``x`` (T, 6), ``p`` (T, 6, 6);
    ``firm_t_s`` when the centre first held it (s); ``label`` truth index (scoring only);
    ``members`` (party, track id) pairs fused into it."""

    picture_id: int
    t_s: NDArray
    x: NDArray
    p: NDArray
    firm_t_s: float
    label: int
    members: tuple[tuple[str, int], ...]


def covariance_intersection(x1: NDArray, p1: NDArray, x2: NDArray, p2: NDArray,
                            velocity_weight_s: float = 300.0) -> tuple[NDArray, NDArray]:
    """Fuse two estimates with unknown cross-correlation.

    ω minimises trace(W P) with W = diag(1, 1, 1, τ², τ², τ²), τ = ``velocity_weight_s``: a velocity
    error of 1 m/s moves a predicted impact by roughly τ metres, so this weighs the state as the impact
    prediction does (a plain trace would let metres² of position drown the (m/s)² of velocity). States
    of another size use the plain trace.
    """
    w_diag = np.ones(len(x1))
    if len(x1) == 6:
        w_diag[3:] = velocity_weight_s ** 2
    i1, i2 = np.linalg.inv(p1), np.linalg.inv(p2)

    def fused(w: float):
        p = np.linalg.inv(w * i1 + (1.0 - w) * i2)
        return p, p @ (w * i1 @ x1 + (1.0 - w) * i2 @ x2)

    w = minimize_scalar(lambda w: float(np.diag(fused(w)[0]) @ w_diag), bounds=(0.0, 1.0), method="bounded",
                        options={"xatol": 1e-3}).x
    p, x = fused(float(w))
    return x, 0.5 * (p + p.T)


def predict_states(x: NDArray, p: NDArray, dt_s: NDArray, phases: Sequence[str], models: dict
                   ) -> tuple[NDArray, NDArray]:
    """States (n, 6) and covariances (n, 6, 6) (m, m/s) predicted ``dt_s`` (n,) s ahead with the tracker's
    motion model (:func:`phase_models`): the ballistic mean and transition matrix, plus the process noise
    of each row's phase (its white noise and the β prior's σ² s sᵀ)."""
    ref = models["midcourse"]
    dt = np.asarray(dt_s, float)
    beta = np.full(len(dt), ref.beta_kg_m2)
    x1, phi, s_beta = propagate_many(np.ascontiguousarray(x, dtype=float), dt, ref.mu_m3_s2, ref.j2, ref.a_m,
                                     ref.e2, ref.omega_rad_s, beta, ref.max_step_s)
    q = np.array([models[ph].process_noise(d, sb) for ph, d, sb in zip(phases, dt, s_beta)]).reshape(-1, 6, 6)
    return x1, np.einsum("nij,njk,nlk->nil", phi, p, phi) + q


def _available(shared: SharedTracks, t: float, earth: EarthModel, models: dict, max_age_s: float,
               reentry_altitude_m: float):
    """((track id, last update s) pairs, states at t (n, 6), covariances (n, 6, 6)) of a party's tracks the
    centre holds at t, each predicted from its last update with the model of its phase there (boost if the
    party's tracker was still treating it as boosting)."""
    ids, xs, ps, dts, phases = [], [], [], [], []
    for tr in shared.tracks.tracks:
        t_avail = t - shared.delay_s
        if tr.confirmed_t_s > t_avail:
            continue
        k = int(np.searchsorted(tr.t_s, t_avail, side="right")) - 1
        if k < 0 or t - tr.t_s[k] > max_age_s or t_avail > tr.deleted_t_s:
            continue
        ids.append((tr.track_id, float(tr.t_s[k])))
        xs.append(tr.x[k])
        ps.append(tr.p[k])
        dts.append(t - tr.t_s[k])
        phases.append("boost" if not tr.ballistic[k] else free_flight_phase(tr.x[k], earth, reentry_altitude_m))
    if not ids:
        return [], np.zeros((0, 6)), np.zeros((0, 6, 6))
    x1, p1 = predict_states(np.array(xs), np.array(ps), np.array(dts), phases, models)
    up = geodetic_arrays(x1[:, 0].copy(), x1[:, 1].copy(), x1[:, 2].copy(), earth.a_m, earth.e2)[1] > 0.0
    return [i for i, u in zip(ids, up) if u], x1[up], p1[up]


def _d2(x1: NDArray, p1: NDArray, x2: NDArray, p2: NDArray) -> float:
    d = x1[:3] - x2[:3]
    return float(d @ np.linalg.solve(p1[:3, :3] + p2[:3, :3], d))


def build_picture(shared: Sequence[SharedTracks], times_s: NDArray, earth: EarthModel, *,
                  q_m2_s3: float | None = None, max_age_s: float = 900.0, max_join_sigma_m: float = 50e3,
                  config: TrackerConfig | None = None) -> list[PictureTrack]:
    """The centre's picture at ``times_s`` from the parties' shared tracks (see the module docstring).

    Tracks are predicted to each picture time with the parties' motion models (:func:`phase_models` of
    ``config``, default :class:`TrackerConfig`): drag with the β prior, and the process noise of the flight
    phase at the last update. ``q_m2_s3`` (m²/s³), if given, replaces the midcourse noise density.

    Tracks join only when their combined position uncertainty is below ``max_join_sigma_m`` (m): a
    space-IR-only track, tens of km deep along the line of sight, is not yet fit to be matched. A member
    that no longer gates with its centre track's first member leaves it and is matched afresh.
    """
    link: dict[tuple[str, int], int] = {}
    ever: dict[int, set] = {}
    rows: dict[int, list] = {}
    firm: dict[int, float] = {}
    info = {(s.party, tr.track_id): (tr.label, len(tr.t_s), tr.confirmed_t_s + s.delay_s)
            for s in shared for tr in s.tracks.tracks}
    next_id = 0
    config = config or TrackerConfig()
    if q_m2_s3 is not None:
        config = replace(config, q_ballistic_m2_s3=q_m2_s3)
    models = phase_models(config, earth)
    for t in np.asarray(times_s, float):
        groups: dict[int, list] = {}
        pending = []
        for s in shared:
            ids, xs, ps = _available(s, float(t), earth, models, max_age_s, config.reentry_altitude_m)
            for (tid, t_upd), x, p in zip(ids, xs, ps):
                key = (s.party, tid)
                if key in link:
                    groups.setdefault(link[key], []).append((key, x, p, t_upd))
                else:
                    pending.append((key, x, p, t_upd))
        for gid in list(groups):  # members that drifted apart leave and are matched afresh
            head, *rest = groups[gid]
            keep = [head]
            for m in rest:
                if _d2(m[1], m[2], head[1], head[2]) < GATE_3DOF:
                    keep.append(m)
                else:
                    del link[m[0]]
                    pending.append(m)
            groups[gid] = keep
        for key, x, p, t_upd in pending:
            best, best_d2 = None, GATE_3DOF
            for gid, members in groups.items():
                same = [m for m in members if m[0][0] == key[0]]
                if same and same[0][3] >= t_upd:
                    continue  # the party's own, fresher track already stands for this object
                other = ([m for m in members if m[0][0] != key[0]] or members)[0]
                if np.sqrt(np.trace(p[:3, :3] + other[2][:3, :3])) > max_join_sigma_m:
                    continue
                d2 = _d2(x, p, other[1], other[2])
                if d2 < best_d2:
                    best, best_d2 = gid, d2
            if best is None:
                best = next_id
                next_id += 1
            else:  # a newer track of the same party replaces its older one in this object
                groups[best] = [m for m in groups[best] if m[0][0] != key[0]]
            link[key] = best
            groups.setdefault(best, []).append((key, x, p, t_upd))
        for gid, members in groups.items():
            if not members:
                continue
            x, p = members[0][1], members[0][2]
            for _, x2, p2, _ in members[1:]:
                x, p = covariance_intersection(x, p, x2, p2)
            rows.setdefault(gid, []).append((t, x, p))
            ever.setdefault(gid, set()).update(m[0] for m in members)
            firm[gid] = min(firm.get(gid, np.inf), min(info[m[0]][2] for m in members))
    out = []
    for gid, r in sorted(rows.items()):
        members = tuple(sorted(ever[gid]))
        votes: dict[int, int] = {}
        for m in members:  # each member votes its truth label with its number of updates (scoring only)
            votes[info[m][0]] = votes.get(info[m][0], 0) + info[m][1]
        label = max(votes, key=votes.get) if votes else -1
        out.append(PictureTrack(gid, np.array([a[0] for a in r]), np.array([a[1] for a in r]),
                                np.array([a[2] for a in r]), firm[gid], label, members))
    return out
