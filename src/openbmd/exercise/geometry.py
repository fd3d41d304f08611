"""Everything about a scenario that does not change from trial to trial, per cooperation mode.

Flights, detections by each party, the interceptors' launch windows against each
threat object, and the four modes' rules, as arrays the trial engine reads:

- **independent**: each party sees with its own sensors and fires on its own;
- **data-exchange**: each party also gets the others' detections after ``data_latency_s``,
  and still decides alone (both may fire at one threat);
- **joint**: all sensors pooled, one assignment over every battery, plus
  ``joint_decision_latency_s``;
- **sectoral**: data exchange, but a party never intercepts over another party's sector; under
  ``sector_rule: targets`` it also engages only threats aimed into its own sector.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import Polygon

from openbmd.catalog import Catalog
from openbmd.earth import EarthModel, ecef_to_geodetic
from openbmd.engagement import Battery, ThreatSamples, flyout_table, timeline_for
from openbmd.engagement.windows import opportunity_launch_times
from openbmd.errors import InputError
from openbmd.exercise.scenario import MODES, Scenario
from openbmd.flight import aim_missile
from openbmd.exercise.tracks import TrackTiming
from openbmd.sensors import first_detection, place_posts, sensor_posts
from openbmd.tracking.quality import fixed_delay_model, load_track_quality, post_class

SAMPLE_DT_S = 2.0
"""Threat sample spacing, s: the time resolution of launch windows."""


@dataclass(frozen=True)
class Objects:
    """The raid's N objects (warheads and decoys) and their flights, in scenario time (s)."""

    threats: ThreatSamples
    is_warhead: NDArray
    asset: NDArray
    raid_index: NDArray
    target_lat_deg: NDArray
    target_lon_deg: NDArray


@dataclass(frozen=True)
class Prepared:
    """One mode's arrays for the trial engine (see :mod:`openbmd.exercise.engine`)."""

    mode: str
    parties: list[str]
    battery_names: list[str]
    rec_launch: NDArray      # (N, B, R) record launch times, increasing, s
    rec_intercept: NDArray   # (N, B, R) intercept time of each record, s
    rec_count: NDArray       # (N, B)
    tracks: TrackTiming      # when each party may fire at each object, per trial
    group: NDArray           # (B,) decision group
    party: NDArray           # (B,)
    pk: NDArray              # (B,)
    inventory: NDArray       # (B,)
    reserve: NDArray         # (B,)
    is_warhead: NDArray      # (N,)
    value: NDArray           # (N,) value of the asset each object is aimed at
    asset: NDArray           # (N,) asset index, -1 if none
    asset_value: NDArray     # (A,)
    salvo: int
    shoot_look_shoot: bool
    kill_assessment_s: float


def fly_raid(scenario: Scenario, catalog: Catalog, earth: EarthModel) -> Objects:
    """Aim every raid entry once (minimum energy) and expand it into its missiles and decoys."""
    assets = [a.place for a in scenario.assets]
    flights = []
    for i, r in enumerate(scenario.raid):
        o, t = catalog.place(r.origin), catalog.place(r.target)
        try:
            shot = aim_missile(catalog.missile(r.missile), math.radians(o.lat_deg), math.radians(o.lon_deg),
                               math.radians(t.lat_deg), math.radians(t.lon_deg), earth, sample_dt_s=SAMPLE_DT_S)
        except InputError as exc:
            raise type(exc)(exc.args[0], f"raid.{i}.target") from None
        flights.append(ThreatSamples.from_batch(shot.trajectory))
    k = max(f.t_s.shape[1] for f in flights)
    rows = []
    for idx, (r, f) in enumerate(zip(scenario.raid, flights)):
        for _ in range(r.count):
            for d in range(1 + r.decoys):
                rows.append((idx, d == 0))
    n = len(rows)
    t = np.full((n, k), np.nan)
    pos = np.full((n, k, 3), np.nan)
    burnout = np.zeros(n)
    for row, (idx, _) in enumerate(rows):
        f, r = flights[idx], scenario.raid[idx]
        m = f.t_s.shape[1]
        t[row, :m] = f.t_s[0] + r.launch_time_s
        pos[row, :m] = f.r_ecef[0]
        burnout[row] = f.burnout_t_s[0] + r.launch_time_s
    raid_index = np.array([idx for idx, _ in rows])
    targets = [catalog.place(scenario.raid[i].target) for i in raid_index]
    return Objects(ThreatSamples(t, pos, burnout), np.array([w for _, w in rows]),
                   np.array([assets.index(p.name) if p.name in assets else -1 for p in targets]), raid_index,
                   np.array([p.lat_deg for p in targets]), np.array([p.lon_deg for p in targets]))


def prepare(scenario: Scenario, catalog: Catalog, earth: EarthModel, objects: Objects | None = None,
            modes: tuple[str, ...] = MODES) -> dict[str, Prepared]:
    """The engine's arrays for each mode; ``objects`` from :func:`fly_raid` (flown here if not given)."""
    objects = objects or fly_raid(scenario, catalog, earth)
    tl = timeline_for(catalog, scenario.timeline)
    parties = [p.name for p in scenario.parties]
    bats, party_of, pk, inv, names = [], [], [], [], []
    for pi, p in enumerate(scenario.parties):
        for b in p.batteries:
            place, interceptor = catalog.place(b.site), catalog.interceptor(b.interceptor)
            bats.append(Battery(place.name, math.radians(place.lat_deg), math.radians(place.lon_deg), place.alt_m,
                                flyout_table(interceptor, earth)))
            party_of.append(pi)
            pk.append(interceptor.single_shot_pk)
            inv.append(b.inventory)
            names.append(f"{p.name}/{place.name}/{interceptor.name}")
    party_of = np.array(party_of, dtype=np.int64)
    th = objects.threats
    visible, revisit, sensor_class = _visibility(catalog, scenario.parties, th, tl.threat_rcs_m2, earth)
    launch = opportunity_launch_times(th, bats, earth) if bats else np.zeros((len(th), 0, th.t_s.shape[1]))
    coop = scenario.cooperation
    model = load_track_quality() if scenario.tracks == "calibrated" else fixed_delay_model(tl.firm_track_delay_s)
    owner_of_target, over = _sectors(scenario, objects, earth, parties)
    out = {}
    for mode in modes:
        sharing, latency = {"independent": ("own", 0.0), "joint": ("pooled", coop.joint_decision_latency_s)}.get(
            mode, ("exchange", coop.data_latency_s))
        tracks = TrackTiming(visible, revisit, sensor_class, model, sharing, latency, tl.decision_delay_s)
        mode_launch = launch.copy()
        if mode == "sectoral":
            for b, p in enumerate(party_of):
                if coop.sector_rule == "targets":
                    mode_launch[owner_of_target != p, b, :] = np.nan
                mode_launch[:, b, :][over[p]] = np.nan  # no intercepts over another party's sector
        group = np.zeros(len(bats), dtype=np.int64) if mode == "joint" else party_of.copy()
        rec_l, rec_t, rec_n = _records(mode_launch, th.t_s)
        values = np.array([scenario.assets[a].value if a >= 0 else 0.0 for a in objects.asset])
        out[mode] = Prepared(
            mode, parties, names, rec_l, rec_t, rec_n, tracks, group, party_of, np.array(pk, float),
            np.array(inv, dtype=np.int64),
            np.floor(np.array(inv) * scenario.doctrine.reserve_fraction).astype(np.int64),
            objects.is_warhead.copy(), values, objects.asset.copy(),
            np.array([a.value for a in scenario.assets], float), scenario.doctrine.salvo,
            scenario.doctrine.shoot_look_shoot, tl.kill_assessment_delay_s)
    return out


def _visibility(catalog: Catalog, parties, threats: ThreatSamples, rcs_m2: float, earth: EarthModel
                ) -> tuple[NDArray, NDArray, NDArray]:
    """Per party and sensor post (padded): first time it could see each object (P, S, N), s (inf: never);
    its revisit time (P, S), s; its class (P, S)."""
    per_party = []
    for party in parties:
        posts = sensor_posts(catalog, party.sensors, "sensors")
        names = {p.name for p in posts}
        for b in party.batteries:  # a battery's own radars count
            posts.extend(p for p in place_posts(catalog, b.site) if p.name not in names)
            names = {p.name for p in posts}
        per_party.append(posts)
    s = max(1, max(len(posts) for posts in per_party))
    visible = np.full((len(parties), s, len(threats)), np.inf)
    revisit = np.ones((len(parties), s))
    cls = np.zeros((len(parties), s), dtype=np.int64)
    for p, posts in enumerate(per_party):
        for k, post in enumerate(posts):
            visible[p, k], _ = first_detection(threats.t_s, threats.r_ecef, threats.burnout_t_s, [post], earth, rcs_m2)
            revisit[p, k], cls[p, k] = post.sensor.revisit_s, post_class(post)
    return visible, revisit, cls


def _sectors(scenario: Scenario, objects: Objects, earth: EarthModel, parties: list[str]) -> tuple[NDArray, NDArray]:
    """Owner party of each object's target (-1: none) and, per party, samples over another party's sector."""
    th = objects.threats
    n, k = th.t_s.shape
    owner = np.full(n, -1, dtype=np.int64)
    over = np.zeros((len(parties), n, k), dtype=bool)
    if not scenario.cooperation.sectors:
        return owner, over
    polys = {s.party: Polygon(s.polygon) for s in scenario.cooperation.sectors}
    for name, poly in polys.items():
        inside = shapely.contains_xy(poly, objects.target_lon_deg, objects.target_lat_deg)
        owner[inside & (owner < 0)] = parties.index(name)
    ok = np.isfinite(th.t_s)
    lat, lon, _ = ecef_to_geodetic(np.where(ok[..., None], th.r_ecef, 1.0e7), earth)
    lat_d, lon_d = np.degrees(lat), np.degrees(lon)
    for name, poly in polys.items():
        q = parties.index(name)
        inside = shapely.contains_xy(poly, lon_d, lat_d) & ok
        for p in range(len(parties)):
            if p != q:
                over[p] |= inside
    return owner, over


def _records(launch: NDArray, t: NDArray) -> tuple[NDArray, NDArray, NDArray]:
    """Per (object, battery), the samples whose launch time beats every earlier one: the first sample with
    launch ≥ X is always such a record, so a binary search over records answers "earliest intercept"."""
    n, b, k = launch.shape
    r = max(k, 1)
    rec_l = np.full((n, b, r), np.inf)
    rec_t = np.full((n, b, r), np.inf)
    rec_n = np.zeros((n, b), dtype=np.int64)
    lf = np.where(np.isnan(launch), -np.inf, launch)
    running = np.maximum.accumulate(lf, axis=2)
    prev = np.concatenate([np.full((n, b, 1), -np.inf), running[..., :-1]], axis=2)
    is_rec = lf > prev
    for i in range(n):  # N x B small loops over already-computed masks
        for m in range(b):
            idx = np.flatnonzero(is_rec[i, m])
            rec_n[i, m] = idx.size
            rec_l[i, m, : idx.size] = launch[i, m, idx]
            rec_t[i, m, : idx.size] = t[i, idx]
    return rec_l, rec_t, rec_n
