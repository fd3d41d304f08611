"""The flown threat: N objects' sampled flights in ECEF, the one type every analysis layer reads.

Sensors measure it, trackers score against it, the engagement core finds intercept
opportunities on it, assurance and the exercise fly their raids and corridors into it.

>>> from openbmd.catalog import load_catalog
>>> from openbmd.earth import wgs84
>>> import math
>>> shot = ThreatShot(load_catalog().missile("shahab-3"), *map(math.radians, (38.08, 46.29, 39.93, 32.86)),
...                   count=2, decoys=1)
>>> flown = fly_threats([shot], wgs84(), sample_dt_s=2.0)            # doctest: +SKIP
>>> len(flown), list(flown.kind)                                     # doctest: +SKIP
(4, [0, 2, 0, 2])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from openbmd.earth import EarthModel, geodetic_to_ecef
from openbmd.errors import InputError
from openbmd.flight.aim import AimBatch, aim_missile
from openbmd.flight.propagate import TrajectoryBatch, Vehicle, fly_launches
from openbmd.flight.vehicle import vehicle_from_missile

if TYPE_CHECKING:
    from openbmd.catalog import Missile


class ObjectKind(IntEnum):
    """What a flown object is: a warhead (re-entry vehicle), a spent booster or a decoy."""

    WARHEAD = 0
    BOOSTER = 1
    DECOY = 2


_PER_SAMPLE = ("t_s", "r_ecef", "v_ecef")


@dataclass(frozen=True)
class FlownThreats:
    """N flown objects on one clock (s since the common epoch t = 0; a flight launched at 0 counts from launch).

    ``t_s`` (N, K) sample times, NaN padded; ``r_ecef`` (N, K, 3) m and ``v_ecef`` (N, K, 3) m/s
    (Earth-relative, the kernel's own velocities); ``burnout_t_s`` (N,) end of boost (space IR sees the
    plume until then); ``launch_t_s`` (N,) and ``launch_r_ecef`` (N, 3) m, the start point on the
    ellipsoid; ``impact_t_s`` (N,) and ``impact_r_ecef`` (N, 3) m (NaN where none); ``kind`` (N,)
    :class:`ObjectKind`; ``shot`` (N,) the aimed shot (raid entry) each object flies; ``cluster`` (N,) the
    objects that left together share a number (a warhead and the decoys released with it: the threat complex a
    radar sees around it), numbered in object order.
    """

    t_s: NDArray
    r_ecef: NDArray
    v_ecef: NDArray
    burnout_t_s: NDArray
    launch_t_s: NDArray
    launch_r_ecef: NDArray
    impact_t_s: NDArray
    impact_r_ecef: NDArray
    kind: NDArray
    shot: NDArray
    cluster: NDArray

    @staticmethod
    def from_batch(batch: TrajectoryBatch, kind: ObjectKind = ObjectKind.WARHEAD) -> "FlownThreats":
        """The samples of a batch flown with ``sample_dt_s``, each flight one object (shot and cluster i = row i)."""
        t, r, v = batch.sample_states_ecef()
        n = len(batch)
        t_imp, r_imp, _ = batch.event_ecef("impact")
        launch = np.asarray(geodetic_to_ecef(batch.launch_lat_rad, batch.launch_lon_rad,
                                             np.zeros_like(batch.launch_lat_rad), batch.earth), float)
        return FlownThreats(t, r, v, batch.event_t_s[:, 0].copy(), batch.start_t_s.copy(), launch.reshape(n, 3),
                            t_imp.copy(), r_imp, np.full(n, int(kind), dtype=np.int8), np.arange(n), np.arange(n))

    @staticmethod
    def gather(parts: Sequence[tuple[ArrayLike, "FlownThreats"]], n: int) -> "FlownThreats":
        """N rows from several flown groups: ``parts`` of (row indices, threats); rows no part fills are NaN;
        shot and cluster i = row i."""
        k = max((p.t_s.shape[1] for _, p in parts), default=1)
        out = {"t_s": np.full((n, k), np.nan), "r_ecef": np.full((n, k, 3), np.nan),
               "v_ecef": np.full((n, k, 3), np.nan), "burnout_t_s": np.full(n, np.nan),
               "launch_t_s": np.full(n, np.nan), "launch_r_ecef": np.full((n, 3), np.nan),
               "impact_t_s": np.full(n, np.nan), "impact_r_ecef": np.full((n, 3), np.nan),
               "kind": np.zeros(n, dtype=np.int8), "shot": np.arange(n), "cluster": np.arange(n)}
        for rows, p in parts:  # a handful of groups (one per missile type)
            m = p.t_s.shape[1]
            for name, arr in out.items():
                if name in ("shot", "cluster"):
                    continue
                if name in _PER_SAMPLE:
                    arr[rows, :m] = getattr(p, name)
                else:
                    arr[rows] = getattr(p, name)
        return FlownThreats(**out)

    def take(self, index: ArrayLike) -> "FlownThreats":
        """The objects at ``index`` (integer indices or a boolean mask), in that order."""
        return FlownThreats(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @property
    def x_ecef(self) -> NDArray:
        """(N, K, 6) ECEF states: position (m) then velocity (m/s)."""
        return np.concatenate([self.r_ecef, self.v_ecef], axis=-1)

    @property
    def is_warhead(self) -> NDArray:
        """(N,) whether each object is a warhead."""
        return self.kind == ObjectKind.WARHEAD

    def __len__(self) -> int:
        return self.t_s.shape[0]


@dataclass(frozen=True)
class ThreatShot:
    """One raid entry: ``count`` missiles of one type from a launch point at an aim point (geodetic, rad),
    launched ``launch_t_s`` (s) after the epoch, each with ``decoys`` light decoys on its own path; for a missile
    with a post-boost vehicle ``decoys`` are per warhead, released with it by the bus (None: the catalog bus's
    ``decoys_per_rv``; 0: none)."""

    missile: "Missile"
    launch_lat_rad: float
    launch_lon_rad: float
    target_lat_rad: float
    target_lon_rad: float
    launch_t_s: float = 0.0
    count: int = 1
    decoys: int | None = None

    @property
    def decoys_flown(self) -> int:
        """The decoys this shot flies (:func:`decoys_flown`)."""
        return decoys_flown(self.missile, self.decoys)


def decoys_flown(missile: "Missile", decoys: int | None) -> int:
    """Decoys a shot of ``missile`` flies beside each warhead: ``decoys``; where unset, a bus's own
    ``decoys_per_rv``, and none for a missile without one."""
    if decoys is not None:
        return decoys
    return missile.post_boost.decoys_per_rv if missile.post_boost is not None else 0


class ShotError(InputError):
    """A shot that cannot be aimed: ``index`` is its place among the shots, ``cause`` the aiming error."""

    def __init__(self, index: int, cause: InputError) -> None:
        super().__init__(cause.args[0], cause.argument)
        self.index = index
        self.cause = cause


def fly_aimed(vehicle: Vehicle, lat_rad: ArrayLike, lon_rad: ArrayLike, azimuth_rad: ArrayLike, kick_rad: ArrayLike,
              cutoff_s: ArrayLike, earth: EarthModel, *, sample_dt_s: float, t_launch_s: ArrayLike = 0.0,
              t_max_s: float = 7200.0) -> FlownThreats:
    """Fly N aimed launches (as :func:`openbmd.flight.fly_launches`) and keep them as flown warheads."""
    return FlownThreats.from_batch(fly_launches(vehicle, lat_rad, lon_rad, azimuth_rad, kick_rad, earth,
                                                cutoff_s=cutoff_s, t_launch_s=t_launch_s, sample_dt_s=sample_dt_s,
                                                t_max_s=t_max_s))


def fly_aim_flights(vehicle: Vehicle, lat_rad: ArrayLike, lon_rad: ArrayLike, aims: AimBatch, index: ArrayLike,
                    earth: EarthModel, *, sample_dt_s: float) -> TrajectoryBatch:
    """The flights (with samples) of the shots ``index`` of an :class:`openbmd.flight.aim.AimBatch` (launch points
    broadcast to them), long enough for the batch's longest flight (``aim_batch_t_max_s``)."""
    return fly_launches(vehicle, lat_rad, lon_rad, aims.azimuth_rad[index], aims.kick_rad[index], earth,
                        cutoff_s=aims.cutoff_s[index], sample_dt_s=sample_dt_s, t_max_s=aim_batch_t_max_s(aims))


def aim_batch_t_max_s(aims: AimBatch) -> float:
    """How long (s) the shots of ``aims`` are flown: 1.2 times the longest flight and two minutes."""
    return 1.2 * aims.longest_flight_s + 120.0


def fly_aim_batch(vehicle: Vehicle, lat_rad: ArrayLike, lon_rad: ArrayLike, aims: AimBatch, index: ArrayLike,
                  earth: EarthModel, *, sample_dt_s: float) -> FlownThreats:
    """:func:`fly_aim_flights` kept as flown warheads (each flight one object)."""
    return FlownThreats.from_batch(fly_aim_flights(vehicle, lat_rad, lon_rad, aims, index, earth,
                                                   sample_dt_s=sample_dt_s))


def release_objects(missile: "Missile", flights: TrajectoryBatch, earth: EarthModel, *, sample_dt_s: float,
                    t_max_s: float = 7200.0, decoys: int | None = None, skip_landed: bool = False) -> FlownThreats:
    """What F ``flights`` of ``missile`` (flown with samples every ``sample_dt_s``) put in the air, flight by
    flight; ``shot`` is the flight each object came from, ``cluster`` numbers the objects that left together.

    Without a post-boost vehicle each flight is one warhead, followed by its ``decoys`` on its path (where unset,
    none): with none, exactly :meth:`FlownThreats.from_batch`. With one (the catalog's ``post_boost``), the bus
    releases its warheads along the flight, each with ``decoys`` decoys (unset: the bus's ``decoys_per_rv``),
    then leaves the spent bus (kind booster), all on the flight's sample grid
    (:func:`openbmd.flight.pbv.release_on_samples`). A bus back on the ground before its last release raises
    :class:`ShotError` naming the flight, or with ``skip_landed`` puts nothing in the air for that flight.
    """
    from openbmd.flight.pbv import lands_before_release, plan_of, release_on_samples, take_flights

    d = decoys_flown(missile, decoys)
    if missile.post_boost is None:
        flown = FlownThreats.from_batch(flights)
        if not d:
            return flown
        rows = np.repeat(np.arange(len(flown)), 1 + d)
        kind = np.tile(np.array([int(ObjectKind.WARHEAD)] + [int(ObjectKind.DECOY)] * d, dtype=np.int8), len(flown))
        return replace(flown.take(rows), kind=kind, shot=rows, cluster=rows)
    plan = replace(plan_of(missile), decoys_per_rv=d)
    keep = np.arange(len(flights))
    if skip_landed:
        keep = np.flatnonzero(~lands_before_release(flights, plan))
        if not keep.size:
            return FlownThreats.from_batch(flights).take(keep)
        flights = take_flights(flights, keep) if keep.size < len(flights) else flights
    rel = release_on_samples(flights, plan, earth, rv_beta_kg_m2=missile.rv_ballistic_coefficient_kg_m2,
                             sample_dt_s=sample_dt_s, t_max_s=t_max_s).threats
    return replace(rel, shot=keep[rel.shot])


def _aim_key(shot: ThreatShot) -> tuple:
    """What decides a shot's aim: the missile type, launch point and aim point."""
    return shot.missile.name, shot.launch_lat_rad, shot.launch_lon_rad, shot.target_lat_rad, shot.target_lon_rad


def fly_threats(shots: Sequence[ThreatShot], earth: EarthModel, *, sample_dt_s: float,
                t_max_s: float = 7200.0) -> FlownThreats:
    """Aim each distinct shot once (minimum energy), fly every shot at its launch time in one batch per missile
    type, and expand each into its missiles, in shot order.

    A missile without a post-boost vehicle is one warhead (kind warhead) with its ``decoys`` (kind decoy) on
    its path. One with a bus (the catalog's ``post_boost``) releases its warheads one by one along the bus's
    path, each with ``decoys`` decoys (where the shot leaves them unset, the bus's own ``decoys_per_rv``), and
    leaves the spent bus (kind booster), all on the missile's sample grid: each object rides with the bus up
    to its release (:func:`release_objects`, the one release step that engage, footprint and assure use too).
    ``cluster`` numbers the objects that left together (a warhead and its decoys).

    Raises :class:`ShotError` (naming the shot) where a shot cannot be aimed or its bus lands before a release.
    """
    aims: dict[tuple, tuple[float, float, float]] = {}
    for k, s in enumerate(shots):  # a handful of raid entries; aiming is the costly part
        key = _aim_key(s)
        if key not in aims:
            try:
                sol = aim_missile(s.missile, s.launch_lat_rad, s.launch_lon_rad, s.target_lat_rad, s.target_lon_rad,
                                  earth, sample_dt_s=None)
            except InputError as exc:
                raise ShotError(k, exc) from exc
            aims[key] = (sol.azimuth_rad, sol.kick_rad, sol.cutoff_s)
    parts = []
    released: dict[int, tuple[NDArray, NDArray, NDArray]] = {}  # shot -> its objects' rows, kinds and clusters
    n_rows = len(shots)
    def group_of(s: ThreatShot) -> tuple:  # one batch per missile, and per decoy count for a bus
        return (s.missile.name, s.missile.post_boost is not None, s.decoys_flown if s.missile.post_boost is not None
                else None)

    groups = dict.fromkeys(group_of(s) for s in shots)
    for name, bus, decoys in groups:
        rows = [k for k, s in enumerate(shots) if group_of(s) == (name, bus, decoys)]
        missile = shots[rows[0]].missile
        a = np.array([aims[_aim_key(shots[k])] for k in rows])
        lat, lon = (np.array([getattr(shots[k], f) for k in rows]) for f in ("launch_lat_rad", "launch_lon_rad"))
        launch_t = [shots[k].launch_t_s for k in rows]
        if not bus:
            parts.append((rows, fly_aimed(vehicle_from_missile(missile), lat, lon, a[:, 0], a[:, 1], a[:, 2], earth,
                                          sample_dt_s=sample_dt_s, t_launch_s=launch_t, t_max_s=t_max_s)))
            continue
        flights = fly_launches(vehicle_from_missile(missile), lat, lon, a[:, 0], a[:, 1], earth, cutoff_s=a[:, 2],
                               t_launch_s=launch_t, sample_dt_s=sample_dt_s, t_max_s=t_max_s)
        try:
            rel = release_objects(missile, flights, earth, decoys=decoys, sample_dt_s=sample_dt_s, t_max_s=t_max_s)
        except ShotError as exc:
            raise ShotError(rows[exc.index], exc.cause) from exc
        parts.append((np.arange(n_rows, n_rows + len(rel)), rel))
        for i, k in enumerate(rows):
            mine = np.flatnonzero(rel.shot == i)
            released[k] = (n_rows + mine, rel.kind[mine], rel.cluster[mine] - rel.cluster[mine].min())
        n_rows += len(rel)
    table = FlownThreats.gather(parts, n_rows)
    index, kinds, clusters = [], [], []
    for k, s in enumerate(shots):  # a handful of raid entries, each a few missiles' objects in one go
        d = s.decoys_flown
        rows_k, kind_k, cluster_k = released.get(k, (np.full(1 + d, k), np.array(
            [int(ObjectKind.WARHEAD)] + [int(ObjectKind.DECOY)] * d), np.zeros(1 + d, dtype=np.int64)))
        index.append(np.tile(rows_k, s.count))
        kinds.append(np.tile(kind_k, s.count))
        per = int(cluster_k.max()) + 1
        clusters.append((cluster_k[None, :] + per * np.arange(s.count)[:, None]).ravel())
    offsets = np.cumsum([0] + [int(c.max()) + 1 for c in clusters[:-1]])
    out = table.take(np.concatenate(index).astype(np.int64))
    shot = np.concatenate([np.full(len(ix), k, dtype=np.int64) for k, ix in enumerate(index)])
    return replace(out, kind=np.concatenate(kinds).astype(np.int8), shot=shot,
                   cluster=np.concatenate([c + o for c, o in zip(clusters, offsets)]))
