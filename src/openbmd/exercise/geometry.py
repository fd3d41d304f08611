"""Everything about a scenario that does not change from trial to trial, per cooperation mode.

Flights; each party's sensor posts with their roles, visibility and single-look accuracy; every
battery's intercept records (launch and intercept times, kill-vehicle basket, homing time); who
may use whose tracks under which authority; and each mode's rules, as arrays the trial engine reads:

- **independent**: each party defends its own declared assets from its own tracks and decides alone;
- **data-exchange**: the same, plus its partners' tracks after ``data_latency_s``, usable to cue its
  radars and, under launch- or engage-on-remote authority, to commit;
- **joint**: one assignment over every battery for every declared asset, all tracks pooled, each
  engagement approved by every required party (the joint decision protocol);
- **sectoral**: data exchange, but a party intercepts only over its own sector or no one's, with
  the scenario's handover rule where the owner cannot engage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import Polygon
from shapely.ops import unary_union

from openbmd.catalog import Catalog
from openbmd.earth import EarthModel, ecef_to_geodetic, geodetic_to_ecef
from openbmd.earth.borders import country
from openbmd.engagement import FireUnit, fire_unit, timeline_for
from openbmd.engagement.firecontrol import (
    ENGAGE_ON_REMOTE, LAUNCH_ON_REMOTE, ORGANIC, SENSOR_ROLES, measurement_sigma_m)
from openbmd.engagement.opportunity import committable_opportunities
from openbmd.exercise.scenario import MODES, Scenario
from openbmd.exercise.tracks import TrackTiming
from openbmd.flight import FlownThreats, ShotError, ThreatShot, fly_threats
from openbmd.sensors import SensorPost, place_posts, sensor_posts
from openbmd.sensors.visibility import visibility
from openbmd.tracking.quality import fixed_delay_model, load_track_quality, post_class

SAMPLE_DT_S = 2.0
"""Threat sample spacing, s: the time resolution of launch windows."""

SEARCH_RANGE_FACTOR = 0.7
"""Range of an uncued fire-control radar's autonomous search, as a fraction of its cued (track) range.
Estimate, range 0.5-0.9: a search fence spends far less energy per beam than a cued acquisition
(radar equation, R ∝ (energy on target)^¼). Early-warning and surveillance radars are search radars: their
catalog range is their search range, and they search at it."""

CAUSES = ("no track", "no fire-control-quality track", "out of window", "sector rule", "not defended", "inventory",
          "channels", "decoy chosen", "pk miss", "veto", "unassigned", "approval late")
"""Why a warhead leaked, as the engine codes it (index + 1; 0 = it was killed)."""


@dataclass(frozen=True)
class Objects:
    """The raid's N flown objects (warheads and decoys, scenario time in s) and the asset each is aimed at
    (index, -1 if none) with its target (deg)."""

    threats: FlownThreats
    asset: NDArray
    target_lat_deg: NDArray
    target_lon_deg: NDArray

    @property
    def is_warhead(self) -> NDArray:
        """(N,) whether each object is a warhead."""
        return self.threats.is_warhead

    @property
    def raid_index(self) -> NDArray:
        """(N,) the raid entry each object flies for."""
        return self.threats.shot


@dataclass(frozen=True)
class Posts:
    """Every party's sensor posts: owner (S,), role index (S,), revisit (S,), track-model class (S,),
    first visibility cued and uncued (S, N) s, single-look accuracy (S, N, K) m (inf where not seen),
    and whether each party's sensors see each object at each sample (P, N, K)."""

    names: list[str]
    owner: NDArray
    role: NDArray
    revisit_s: NDArray
    model_class: NDArray
    first_cued_s: NDArray
    first_uncued_s: NDArray
    last_seen_s: NDArray
    sigma_m: NDArray
    seen: NDArray


@dataclass(frozen=True)
class Prepared:
    """One mode's arrays for the trial engine (see :mod:`openbmd.exercise.engine`)."""

    mode: str
    parties: list[str]
    battery_names: list[str]
    rec_launch: NDArray      # (N, B, R) record launch times, increasing, s
    rec_intercept: NDArray   # (N, B, R) intercept time of each record, s
    rec_count: NDArray       # (N, B)
    rec_j_launch: NDArray    # (N, B, R) sample index at launch
    rec_j_intercept: NDArray  # (N, B, R) sample index at intercept
    rec_basket_m: NDArray    # (N, B, R) kill-vehicle basket, m
    rec_homing_s: NDArray    # (N, B, R) seeker homing time, s
    tracks: TrackTiming      # when each sensor holds a track on each object, per trial
    use: NDArray             # (B, S) authority bits of each battery on each post's tracks
    use_latency_s: NDArray   # (B, S) data latency of those tracks
    sigma_m: NDArray         # (S, N, K) single-look accuracy
    seen: NDArray            # (P, N, K)
    data_of: NDArray         # (G, P) whose sensors each decision group hears
    data_latency_s: NDArray  # (G, P)
    group: NDArray           # (B,) decision group
    party: NDArray           # (B,)
    pk: NDArray              # (B,)
    inventory: NDArray       # (B,)
    reserve: NDArray         # (B,)
    channels: NDArray        # (B,)
    is_warhead: NDArray      # (N,)
    value: NDArray           # (N,) value of the asset each object is aimed at
    asset: NDArray           # (N,) asset index, -1 if none
    asset_value: NDArray     # (A,)
    static_cause: NDArray    # (N,) cause code when the mode's rules alone forbid every intercept, else 0
    self_defence: NDArray    # (N, B) batteries that may still engage when a joint decision is vetoed
    strip_t_s: NDArray       # (N,) when a light decoy is stripped by the atmosphere (inf for warheads)
    strip_j: NDArray         # (N,) its sample index
    in_complex: NDArray      # (N,) the object flies in a threat complex of several objects (see _complexes)
    t0_s: NDArray            # (N,) time of each object's first sample (samples every SAMPLE_DT_S)
    burnout_t_s: NDArray     # (N,) threat burnout, s
    discrimination: NDArray  # (3, 2) per role: probability, track time needed (s)
    joint: bool
    required: NDArray        # (P,) parties that must approve a joint engagement
    approval_median_s: float
    approval_spread: float
    veto_probability: float
    salvo: int
    shoot_look_shoot: bool
    look_shot_reserve: bool
    kill_assessment_s: float
    decision_s: float
    unassessed_follow_up: str = "re-engage"  # Doctrine.unassessed_follow_up
    complex_id: NDArray | None = None  # (N,) the threat complex each object flies in (FlownThreats.cluster)
    wait_for_strip: bool = False  # Doctrine.wait_for_decoy_strip


def fly_raid(scenario: Scenario, catalog: Catalog, earth: EarthModel) -> Objects:
    """Aim every raid entry once (minimum energy) and expand it into its missiles and decoys."""
    assets = [a.place for a in scenario.assets]
    shots = []
    for r in scenario.raid:
        o, t = catalog.place(r.origin), catalog.place(r.target)
        shots.append(ThreatShot(catalog.missile(r.missile), math.radians(o.lat_deg), math.radians(o.lon_deg),
                                math.radians(t.lat_deg), math.radians(t.lon_deg), r.launch_time_s, r.count, r.decoys))
    try:
        threats = fly_threats(shots, earth, sample_dt_s=SAMPLE_DT_S)
    except ShotError as exc:
        raise type(exc.cause)(exc.cause.args[0], f"raid.{exc.index}.target") from None
    targets = [catalog.place(scenario.raid[i].target) for i in threats.shot]
    return Objects(threats, np.array([assets.index(p.name) if p.name in assets else -1 for p in targets]),
                   np.array([p.lat_deg for p in targets]), np.array([p.lon_deg for p in targets]))


def fire_units(scenario: Scenario, catalog: Catalog, earth: EarthModel, posts: list[SensorPost] | None = None
               ) -> tuple[list[FireUnit], list[SensorPost], list[int]]:
    """The scenario's fire units and every party's sensor posts (with each post's owner).

    ``posts`` of each party: its named sensors, then each battery's organic radars (at its ``radar`` place,
    else the catalog site's ``radar_at``, else the site, and the interceptor's ``fire_control_radar`` placed at
    the site)."""
    units: list[FireUnit] = []
    all_posts: list[SensorPost] = []
    owner: list[int] = []
    for pi, p in enumerate(scenario.parties):
        mine = sensor_posts(catalog, p.sensors, f"parties.{pi}.sensors")
        all_posts.extend(mine)
        owner.extend([pi] * len(mine))
        for b in p.batteries:
            place, interceptor = catalog.place(b.site), catalog.interceptor(b.interceptor)
            organic = place_posts(catalog, b.radar or place.radar_at or b.site)
            if interceptor.fire_control_radar:
                organic.append(SensorPost(f"{place.name}/{interceptor.fire_control_radar}",
                                          catalog.sensor(interceptor.fire_control_radar),
                                          math.radians(place.lat_deg), math.radians(place.lon_deg), place.alt_m))
            idx = []
            for post in organic:
                known = [k for k, (q, o) in enumerate(zip(all_posts, owner)) if q.name == post.name and o == pi]
                if known:
                    idx.append(known[0])
                else:
                    all_posts.append(post)
                    owner.append(pi)
                    idx.append(len(all_posts) - 1)
            units.append(fire_unit(catalog, place.name, interceptor, earth,
                                   name=f"{p.name}/{place.name}/{interceptor.name}", party=pi,
                                   inventory=b.inventory, channels=b.channels, organic=tuple(idx)))
    return units, all_posts, owner


def sensor_geometry(posts: list[SensorPost], owner: list[int], n_parties: int, threats: FlownThreats,
                    rcs_m2: float, earth: EarthModel) -> Posts:
    """Visibility (cued and uncued) and single-look accuracy of every post on every object sample."""
    n, k = threats.t_s.shape
    s = len(posts)
    t = np.ascontiguousarray(threats.t_s)
    cued = visibility(t, threats.r_ecef, threats.burnout_t_s, posts, earth, rcs_m2) if s else np.zeros((n, k, 0), bool)
    search = visibility(t, threats.r_ecef, threats.burnout_t_s, posts, earth,
                        rcs_m2 * SEARCH_RANGE_FACTOR ** 4) if s else cued
    role = np.array([SENSOR_ROLES.index(p.sensor.sensor_role) for p in posts], dtype=np.int64)
    searching = role != SENSOR_ROLES.index("fire-control")
    search[..., searching] = cued[..., searching]  # early-warning and surveillance radars search at their range

    def first(vis: NDArray) -> NDArray:
        any_ = vis.any(axis=1)
        j = np.argmax(vis, axis=1)
        return np.where(any_, np.take_along_axis(t, j, axis=1), np.inf).T  # (S, N)

    def last(vis: NDArray) -> NDArray:
        any_ = vis.any(axis=1)
        j = k - 1 - np.argmax(vis[:, ::-1], axis=1)
        return np.where(any_, np.take_along_axis(t, j, axis=1), -np.inf).T  # (S, N)

    sigma = np.full((s, n, k), np.inf)
    for q, post in enumerate(posts):  # S (a dozen) vectorised evaluations
        if post.is_radar:
            site = np.asarray(geodetic_to_ecef(post.lat_rad, post.lon_rad, post.alt_m, earth), float)
            rng = np.linalg.norm(threats.r_ecef - site, axis=-1)
            sigma[q] = np.where(cued[..., q], measurement_sigma_m(post.sensor, rng), np.inf)
    seen = np.zeros((n_parties, n, k), dtype=bool)
    for p in range(n_parties):
        cols = [q for q in range(s) if owner[q] == p and posts[q].is_radar]
        if cols:
            seen[p] = cued[..., cols].any(axis=-1)
    return Posts([p.name for p in posts], np.array(owner, dtype=np.int64), role,
                 np.array([p.sensor.revisit_s for p in posts], float),
                 np.array([post_class(p) for p in posts], dtype=np.int64), first(cued), first(search), last(cued), sigma,
                 seen)


def prepare(scenario: Scenario, catalog: Catalog, earth: EarthModel, objects: Objects | None = None,
            modes: tuple[str, ...] = MODES) -> dict[str, Prepared]:
    """The engine's arrays for each mode; ``objects`` from :func:`fly_raid` (flown here if not given)."""
    objects = objects or fly_raid(scenario, catalog, earth)
    tl = timeline_for(catalog, scenario.timeline)
    parties = [p.name for p in scenario.parties]
    n_p = len(parties)
    units, posts, owner = fire_units(scenario, catalog, earth)
    th = objects.threats
    n, k = th.t_s.shape
    geo = sensor_geometry(posts, owner, n_p, th, tl.threat_rcs_m2, earth)
    party_of = np.array([u.party for u in units], dtype=np.int64)
    launch, basket, homing = _opportunities(units, objects, earth)
    coop, doc = scenario.cooperation, scenario.doctrine
    model = load_track_quality() if scenario.tracks == "calibrated" else fixed_delay_model(tl.firm_track_delay_s)
    defends = _declared(scenario, objects)
    in_sector = _in_sectors(scenario, objects, earth, parties)
    asset_owner = _asset_owner(defends)
    strip_t, strip_j = _strip_times(objects, doc.light_decoy_strip_altitude_m, earth)
    complex_id, in_complex = _complexes(objects)
    disc = np.array([[doc.discrimination[r].p if r in doc.discrimination else 0.0,
                      doc.discrimination[r].after_s if r in doc.discrimination else 0.0] for r in SENSOR_ROLES])
    kinematic = np.isfinite(launch).any(axis=2)  # (N, B)
    values = np.array([scenario.assets[a].value if a >= 0 else 0.0 for a in objects.asset])
    required = np.zeros(n_p, dtype=bool)
    for name in coop.required_parties or parties:
        required[parties.index(name)] = True
    out = {}
    for mode in modes:
        sharing, latency = ("own", 0.0) if mode == "independent" else ("exchange", coop.data_latency_s)
        tracks = TrackTiming(geo, model, sharing, latency)
        group = np.zeros(len(units), dtype=np.int64) if mode == "joint" else party_of.copy()
        n_groups = int(group.max()) + 1 if len(units) else 1
        allowed = np.ones((n, len(units)), dtype=bool)  # (object, battery) permitted by the mode's rules
        mode_launch = launch.copy()
        if mode == "joint":
            allowed &= defends.any(axis=1)[:, None]
        elif mode == "sectoral":
            mode_launch = _sector_mask(launch, party_of, in_sector, coop.sector_handover)
            if coop.sector_rule == "targets":
                allowed &= target_sector(scenario, objects)[:, None] == party_of[None, :]
        else:
            allowed &= defends[:, party_of]
        mode_launch[~allowed] = np.nan
        rec = _records(mode_launch, th.t_s, basket, homing)
        static = np.zeros(n, dtype=np.int64)
        permitted = rec[2].sum(axis=1) > 0
        static[~kinematic.any(axis=1)] = CAUSES.index("out of window") + 1
        blocked = kinematic.any(axis=1) & ~permitted
        static[blocked] = (CAUSES.index("sector rule") if mode == "sectoral" else CAUSES.index("not defended")) + 1
        self_def = np.zeros((n, len(units)), dtype=bool)
        if mode == "joint":
            self_def = (asset_owner[:, None] == party_of[None, :]) & (asset_owner[:, None] >= 0)
        use, use_lat = _authorities(scenario, units, geo, mode, coop.data_latency_s)
        data_of = np.zeros((n_groups, n_p), dtype=bool)
        data_lat = np.zeros((n_groups, n_p))
        for g in range(n_groups):
            mine = set(range(n_p)) if mode == "joint" else {g}
            for p in range(n_p):
                data_of[g, p] = mode != "independent" or p in mine
                data_lat[g, p] = 0.0 if p in mine else coop.data_latency_s
        out[mode] = Prepared(
            mode, parties, [u.name for u in units], *rec, tracks, use, use_lat, geo.sigma_m, geo.seen, data_of,
            data_lat, group, party_of, np.array([u.interceptor.single_shot_pk for u in units], float),
            np.array([u.inventory for u in units], dtype=np.int64),
            np.floor(np.array([u.inventory for u in units]) * doc.reserve_fraction).astype(np.int64),
            np.array([u.channels for u in units], dtype=np.int64), objects.is_warhead.copy(), values,
            objects.asset.copy(), np.array([a.value for a in scenario.assets], float), static, self_def, strip_t,
            strip_j, in_complex, th.t_s[:, 0].copy(), th.burnout_t_s.copy(), disc,
            mode == "joint", required, coop.joint_decision_latency_s, coop.joint_approval_spread,
            coop.joint_veto_probability, doc.salvo, doc.shoot_look_shoot, doc.look_shot_reserve,
            tl.kill_assessment_delay_s, tl.decision_delay_s, doc.unassessed_follow_up,
            complex_id, doc.wait_for_decoy_strip)
    return out


def _complexes(objects: Objects) -> tuple[NDArray, NDArray]:
    """(N,) the threat complex each object flies in (numbered from 0) and whether it holds several objects, its
    radar picture showing more than one: those that left together (``FlownThreats.cluster``): a warhead with the
    decoys on its path or, off a post-boost vehicle, with the decoys released beside it; the bus's warheads fly
    apart, each in its own."""
    _, where, size = np.unique(objects.threats.cluster, return_inverse=True, return_counts=True)
    return where.astype(np.int64), size[where] > 1


def _opportunities(units: list[FireUnit], objects: Objects, earth: EarthModel) -> tuple[NDArray, NDArray, NDArray]:
    """(N, B, K) launch time at each threat sample (NaN where the battery cannot meet it there), kill-vehicle
    basket (m) and homing time (s): the core's opportunities (``committable_opportunities``: none before burnout,
    none outside the kill vehicle's closing-speed limits)."""
    opp = committable_opportunities(objects.threats, units, earth)
    return opp.launch_s, opp.basket_m, opp.homing_s


def _declared(scenario: Scenario, objects: Objects) -> NDArray:
    """(N, P): whether party p declares the asset object n is aimed at among those it defends."""
    assets = [a.place for a in scenario.assets]
    out = np.zeros((len(objects.asset), len(scenario.parties)), dtype=bool)
    for p, party in enumerate(scenario.parties):
        mine = set(assets if party.defends is None else party.defends)
        out[:, p] = [a >= 0 and assets[a] in mine for a in objects.asset]
    return out


def _asset_owner(defends: NDArray) -> NDArray:
    """(N,) the party that declares each object's asset (the first, if several); -1 if none."""
    return np.where(defends.any(axis=1), np.argmax(defends, axis=1), -1)


def sector_geometry(scenario: Scenario) -> dict[str, object]:
    """Each party's sector as one shapely geometry (lon/lat degrees)."""
    out = {}
    for s in scenario.cooperation.sectors:
        parts = [country(c, "50m").geometry for c in s.countries]
        if s.polygon is not None:
            parts.append(Polygon(s.polygon))
        out[s.party] = unary_union(parts)
    return out


def target_sector(scenario: Scenario, objects: Objects) -> NDArray:
    """(N,) the party whose sector holds each object's target; -1 if none."""
    parties = [p.name for p in scenario.parties]
    out = np.full(len(objects.is_warhead), -1, dtype=np.int64)
    for name, geom in sector_geometry(scenario).items():
        inside = shapely.contains_xy(geom, objects.target_lon_deg, objects.target_lat_deg)
        out[inside & (out < 0)] = parties.index(name)
    return out


def _in_sectors(scenario: Scenario, objects: Objects, earth: EarthModel, parties: list[str]) -> NDArray:
    """(P, N, K): whether each object sample lies over party p's sector."""
    th = objects.threats
    n, k = th.t_s.shape
    out = np.zeros((len(parties), n, k), dtype=bool)
    if not scenario.cooperation.sectors:
        return out
    ok = np.isfinite(th.t_s)
    lat, lon, _ = ecef_to_geodetic(np.where(ok[..., None], th.r_ecef, 1.0e7), earth)
    lat_d, lon_d = np.degrees(lat), np.degrees(lon)
    for name, geom in sector_geometry(scenario).items():
        out[parties.index(name)] |= shapely.contains_xy(geom, lon_d, lat_d) & ok
    return out


def _sector_mask(launch: NDArray, party_of: NDArray, in_sector: NDArray, handover: str) -> NDArray:
    """Launch times with intercepts over another party's sector removed, except, under ``where-owner-cannot``,
    over the sector of an owner that has no engagement of that object at all."""
    out = launch.copy()
    n_p = in_sector.shape[0]
    own_ok = np.zeros((n_p, launch.shape[0]), dtype=bool)  # party q can engage object n over its own sector
    for q in range(n_p):
        cols = party_of == q
        if cols.any():
            own_ok[q] = (np.isfinite(launch[:, cols]) & in_sector[q][:, None, :]).any(axis=(1, 2))
    for b, p in enumerate(party_of):
        forbidden = np.zeros(in_sector.shape[1:], dtype=bool)
        for q in range(n_p):
            if q == p:
                continue
            closed = in_sector[q] if handover == "never" else in_sector[q] & own_ok[q][:, None]
            forbidden |= closed
        out[:, b][forbidden] = np.nan
    return out


def _strip_times(objects: Objects, strip_alt_m: float, earth: EarthModel) -> tuple[NDArray, NDArray]:
    """(N,) time and sample at which each light decoy descends below ``strip_alt_m``; inf for warheads."""
    th = objects.threats
    n, k = th.t_s.shape
    ok = np.isfinite(th.t_s)
    _, _, alt = ecef_to_geodetic(np.where(ok[..., None], th.r_ecef, 1.0e7), earth)
    apogee = np.argmax(np.where(ok, alt, -np.inf), axis=1)
    after = (np.arange(k)[None, :] > apogee[:, None]) & ok & (alt < strip_alt_m)
    hit = after.any(axis=1) & ~objects.is_warhead
    j = np.where(hit, np.argmax(after, axis=1), 0)
    return np.where(hit, th.t_s[np.arange(n), j], np.inf), j.astype(np.int64)


def _authorities(scenario: Scenario, units: list[FireUnit], geo: Posts, mode: str, latency_s: float
                 ) -> tuple[NDArray, NDArray]:
    """(B, S) authority bits and latency (s) with which battery b may use post s's tracks to commit."""
    s = len(geo.names)
    use = np.zeros((len(units), s), dtype=np.int64)
    lat = np.zeros((len(units), s))
    for b, u in enumerate(units):
        auth = scenario.parties[u.party].authorities
        remote = (LAUNCH_ON_REMOTE if "launch-on-remote" in auth else 0) | (
            ENGAGE_ON_REMOTE if "engage-on-remote" in auth else 0)
        for q in range(s):
            if geo.role[q] == 0:
                continue  # early warning only cues
            if q in u.organic:
                use[b, q] = ORGANIC if "organic" in auth else 0
            elif geo.owner[q] == u.party:
                use[b, q] = remote
            elif mode != "independent":
                use[b, q] = remote
                lat[b, q] = latency_s
    return use, lat


def _records(launch: NDArray, t: NDArray, basket: NDArray, homing: NDArray) -> tuple[NDArray, ...]:
    """Per (object, battery), the samples whose launch time beats every earlier one: the first sample with
    launch ≥ X is always such a record, so a search over records finds the earliest intercept. Returns
    launch and intercept times, count, launch and intercept sample indices, basket and homing time."""
    n, b, k = launch.shape
    r = max(k, 1)
    rec_l = np.full((n, b, r), np.inf)
    rec_t = np.full((n, b, r), np.inf)
    rec_jl = np.zeros((n, b, r), dtype=np.int64)
    rec_jt = np.zeros((n, b, r), dtype=np.int64)
    rec_b = np.zeros((n, b, r))
    rec_h = np.zeros((n, b, r))
    rec_n = np.zeros((n, b), dtype=np.int64)
    lf = np.where(np.isnan(launch), -np.inf, launch)
    running = np.maximum.accumulate(lf, axis=2)
    prev = np.concatenate([np.full((n, b, 1), -np.inf), running[..., :-1]], axis=2)
    is_rec = lf > prev
    tt = np.where(np.isfinite(t), t, np.inf)
    for i in range(n):  # N x B small loops over already-computed masks
        for m in range(b):
            idx = np.flatnonzero(is_rec[i, m])
            c = idx.size
            rec_n[i, m] = c
            rec_l[i, m, :c] = launch[i, m, idx]
            rec_t[i, m, :c] = t[i, idx]
            rec_jt[i, m, :c] = idx
            rec_jl[i, m, :c] = np.minimum(np.searchsorted(tt[i], launch[i, m, idx]), idx)
            rec_b[i, m, :c] = basket[i, m, idx]
            rec_h[i, m, :c] = homing[i, m, idx]
    return rec_l, rec_t, rec_n, rec_jl, rec_jt, rec_b, rec_h
