"""The post-boost vehicle (bus): warheads and decoys released one by one along its path after burnout.

The bus coasts on the missile's ballistic path from burnout. From ``first_release_s`` after burnout it
releases one warhead every ``interval_s``; before each release it has manoeuvred, so warhead k leaves with
the bus velocity plus an along-track increment spreading the warheads' impacts down range (``spread_mps``
from the first to the last, centred on the aimed shot) and a cross-track one (``cross_mps``, alternating
side). Decoys leave with the warheads, ``decoys_per_rv`` of them each, pushed off by ``decoy_push_mps`` in
different directions, and fly with their own (light) ballistic coefficient, so the atmosphere strips them
at re-entry. What comes out is a :class:`~openbmd.flight.threats.FlownThreats`, the objects the sensors and
the engagement core see, each from its own release (the bus itself, after its last release, as a spent
stage).

:func:`release` takes the release states from two ballistic flights of the bus (to the first release, then
sampled every interval). :func:`release_on_samples`, what :func:`~openbmd.flight.threats.fly_threats` uses,
releases at the samples of the missile's own flight nearest the plan (within half a sample spacing), so that
every object keeps the missile's sample grid: it rides with the bus up to its release and flies on its own from
there. Either way the objects fly in one batch per ballistic coefficient: no loop over objects.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog.models import Figure, Source
from openbmd.earth import EarthModel
from openbmd.errors import InputError
from openbmd.flight.aim import AimSolution
from openbmd.flight.propagate import StateBatch, TrajectoryBatch, fly_ballistic
from openbmd.flight.threats import FlownThreats, ObjectKind, ShotError

if TYPE_CHECKING:
    from openbmd.catalog import Missile


_SESSLER_2000 = Source(title="Countermeasures: A Technical Evaluation of the Operational Effectiveness of the Planned "
                            "US National Missile Defense System",
                      author="A. M. Sessler, J. M. Cornwall, B. Dietz et al. (UCS / MIT Security Studies Program)",
                      year=2000)
_NO_TIMELINE = Source(title="openbmd catalog, missiles.yaml: post_boost figures of the MIRVed ICBMs (estimates)")

DEFAULT_FIGURES: dict[str, Figure] = {
    "first_release_s": Figure(confidence="estimate", source=[_NO_TIMELINE], low=30.0, high=150.0,
                              reason="no public release timeline; the bus coasts and orients before its first release"),
    "interval_s": Figure(confidence="estimate", source=[_NO_TIMELINE], low=10.0, high=40.0,
                         reason="no public release timeline; a manoeuvre, a settle and a release per warhead"),
    "spread_mps": Figure(confidence="estimate", source=[_NO_TIMELINE], low=20.0, high=150.0,
                         reason="chosen to give a warhead footprint of the size open analyses describe (a few "
                                "hundred km down range)"),
    "cross_mps": Figure(confidence="estimate", source=[_NO_TIMELINE], low=0.0, high=40.0,
                        reason="cross-range spread of the footprint; not published"),
    "decoy_push_mps": Figure(confidence="assumption", source=[_SESSLER_2000],
                             reason="a gentle spring release, of the order of 1 m/s; no public figure"),
    "decoy_beta_kg_m2": Figure(confidence="estimate", source=[_SESSLER_2000], low=5.0, high=200.0,
                               reason="light balloons to heavier replicas, as in Sessler et al. (2000)"),
}
"""Provenance of :class:`BusPlan`'s defaults (SI, the field's unit), marked as the catalog marks figures; the
ranges are the catalog's own for its MIRVed missiles' buses."""


@dataclass(frozen=True)
class BusPlan:
    """A release plan (SI): ``rvs`` warheads from ``first_release_s`` after burnout every ``interval_s``;
    along-track impulse spread ``spread_mps`` (first to last warhead) and cross-track ``cross_mps``;
    ``decoys_per_rv`` decoys per warhead pushed off at ``decoy_push_mps``, with ballistic coefficient
    ``decoy_beta_kg_m2`` (a light balloon or replica: tens of kg/m²). The defaults are estimates and
    assumptions: see :data:`DEFAULT_FIGURES`."""

    rvs: int
    first_release_s: float = 60.0
    interval_s: float = 20.0
    spread_mps: float = 40.0
    cross_mps: float = 10.0
    decoys_per_rv: int = 0
    decoy_push_mps: float = 1.0
    decoy_beta_kg_m2: float = 30.0

    def __post_init__(self) -> None:
        if self.rvs < 1:
            raise InputError(f"must be at least 1, got {self.rvs}", "rvs")
        if self.decoys_per_rv < 0:
            raise InputError(f"must not be negative, got {self.decoys_per_rv}", "decoys_per_rv")
        for name in ("first_release_s", "interval_s", "decoy_beta_kg_m2"):
            if not getattr(self, name) > 0:
                raise InputError(f"must be positive, got {getattr(self, name)}", name)
        for name in ("spread_mps", "cross_mps", "decoy_push_mps"):
            if getattr(self, name) < 0:
                raise InputError(f"must not be negative, got {getattr(self, name)}", name)

    @property
    def release_times_after_burnout_s(self) -> NDArray:
        """(rvs,) release times, s after burnout."""
        return self.first_release_s + self.interval_s * np.arange(self.rvs)


def plan_of(missile: "Missile") -> BusPlan:
    """The release plan of a catalog missile's post-boost vehicle; :class:`InputError` if it has none."""
    if missile.post_boost is None:
        raise InputError(f"{missile.name} has no post-boost vehicle in the catalog", "missile")
    return BusPlan(**missile.post_boost.model_dump())


def release_missile(missile: "Missile", shot: AimSolution, earth: EarthModel, *,
                    sample_dt_s: float = 2.0) -> BusRelease:
    """:func:`release` with the catalog missile's own bus and RV ballistic coefficient."""
    return release(shot, plan_of(missile), earth, rv_beta_kg_m2=missile.rv_ballistic_coefficient_kg_m2,
                   sample_dt_s=sample_dt_s)


@dataclass(frozen=True)
class BusRelease:
    """What a bus released: ``threats`` (warheads, then decoys, then the spent bus), with ``release_t_s``
    (N,) the time each left the bus (s on the threats' clock) and ``rv_index`` (N,) the warhead each object
    came with (-1 for the bus); ``batches`` the flown batches (warheads, decoys, bus)."""

    threats: FlownThreats
    release_t_s: NDArray
    rv_index: NDArray
    batches: tuple[TrajectoryBatch, ...]


SPENT_BUS_BETA_FACTOR = 0.25
"""Ballistic coefficient of the spent bus as a fraction of its warheads' (assumption: an empty bus is a light,
blunt body; no public figure)."""


def _unit(x: NDArray) -> NDArray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _landed(plan: BusPlan, first: bool) -> InputError:
    """The error for a bus back on the ground before its first (or last) release."""
    if first:
        return InputError(f"the bus is back on the ground before its first release {plan.first_release_s:g} s "
                          "after burnout", "first_release_s")
    return InputError(f"the bus is back on the ground before its last release ({plan.rvs} warheads every "
                      f"{plan.interval_s:g} s)", "rvs")


def _bus_states(shot: AimSolution, plan: BusPlan, earth: EarthModel, beta: float) -> StateBatch:
    """The bus's ECI states at each release (before the release's increment)."""
    tr = shot.trajectory
    t_bo = tr.event_t_s[0, 0]
    start = StateBatch(np.array([t_bo]), tr.event_r_eci[:1, 0], tr.event_v_eci[:1, 0])
    first = fly_ballistic(start, earth, beta_kg_m2=beta, sample_dt_s=plan.first_release_s,
                          t_max_s=plan.first_release_s * 1.5)
    if first.n_samples[0] < 2 or first.status[0] == 0 and first.event_t_s[0, 3] <= t_bo + plan.first_release_s:
        raise _landed(plan, True)
    row = first.samples[0, 1]
    span = plan.interval_s * (plan.rvs - 1)
    bus = fly_ballistic(StateBatch(row[:1].copy(), row[None, 1:4], row[None, 4:7]), earth, beta_kg_m2=beta,
                        sample_dt_s=plan.interval_s, t_max_s=span + plan.interval_s)
    landed = bus.status[0] == 0 and bus.event_t_s[0, 3] <= row[0] + span
    if landed or bus.n_samples[0] < plan.rvs:
        raise _landed(plan, False)
    rows = bus.samples[0, :plan.rvs]
    return StateBatch(rows[:, 0].copy(), rows[:, 1:4].copy(), rows[:, 4:7].copy())


def _increments(r_eci: NDArray, v_eci: NDArray, plan: BusPlan) -> tuple[NDArray, NDArray]:
    """The release increments (m/s, ECI) from the bus states ``r_eci`` (..., rvs, 3) m and ``v_eci`` m/s at each
    release: each warhead's (..., rvs, 3) on the bus velocity, and each decoy's (..., rvs, decoys_per_rv, 3) on
    its warhead's (pushed off in the plane across the track, evenly round)."""
    along = _unit(v_eci)
    cross = _unit(np.cross(r_eci, v_eci))
    up = _unit(np.cross(along, cross))
    k = np.arange(plan.rvs)
    frac = k / (plan.rvs - 1) - 0.5 if plan.rvs > 1 else np.zeros(1)
    side = np.where(k % 2 == 0, 1.0, -1.0) if plan.rvs > 1 else np.zeros(1)
    dv = (plan.spread_mps * frac)[:, None] * along + (plan.cross_mps * side)[:, None] * cross
    ang = 2 * np.pi * (np.arange(plan.decoys_per_rv) + 0.5) / max(plan.decoys_per_rv, 1)
    push = (np.cos(ang)[:, None] * cross[..., None, :] + np.sin(ang)[:, None] * up[..., None, :]) * plan.decoy_push_mps
    return dv, push


def _fly_released(t_s: NDArray, r_eci: NDArray, v_eci: NDArray, plan: BusPlan, earth: EarthModel, *,
                  rv_beta_kg_m2: float, sample_dt_s: float, t_max_s: float
                  ) -> tuple[list[TrajectoryBatch], list[NDArray], list[NDArray], list[NDArray], list[NDArray]]:
    """Fly what F buses release at their states (``t_s`` (F, rvs) s, ``r_eci``/``v_eci`` (F, rvs, 3)): the
    warheads, their decoys and each spent bus from its last release, one batch per ballistic coefficient.
    Returns per batch: the flights, kinds, bus (0..F-1), warhead (-1: the bus) and increment (m/s, ECI)."""
    f, n = t_s.shape
    dv, push = _increments(r_eci, v_eci, plan)
    bus = np.repeat(np.arange(f), n)
    rv = StateBatch(t_s.ravel(), r_eci.reshape(-1, 3), (v_eci + dv).reshape(-1, 3))
    parts = [fly_ballistic(rv, earth, beta_kg_m2=rv_beta_kg_m2, sample_dt_s=sample_dt_s, t_max_s=t_max_s)]
    kinds, buses = [np.full(f * n, int(ObjectKind.WARHEAD))], [bus]
    index, deltas = [np.tile(np.arange(n), f)], [dv.reshape(-1, 3)]
    d = plan.decoys_per_rv
    if d:
        dec = StateBatch(np.repeat(t_s.ravel(), d), np.repeat(r_eci.reshape(-1, 3), d, axis=0),
                         ((v_eci + dv)[..., None, :] + push).reshape(-1, 3))
        parts.append(fly_ballistic(dec, earth, beta_kg_m2=plan.decoy_beta_kg_m2, sample_dt_s=sample_dt_s,
                                   t_max_s=t_max_s))
        kinds.append(np.full(f * n * d, int(ObjectKind.DECOY)))
        buses.append(np.repeat(bus, d))
        index.append(np.repeat(index[0], d))
        deltas.append((dv[..., None, :] + push).reshape(-1, 3))
    last = StateBatch(t_s[:, -1].copy(), r_eci[:, -1].copy(), v_eci[:, -1].copy())
    parts.append(fly_ballistic(last, earth, beta_kg_m2=rv_beta_kg_m2 * SPENT_BUS_BETA_FACTOR,
                               sample_dt_s=sample_dt_s, t_max_s=t_max_s))
    kinds.append(np.full(f, int(ObjectKind.BOOSTER)))
    buses.append(np.arange(f))
    index.append(np.full(f, -1))
    deltas.append(np.zeros((f, 3)))
    return parts, kinds, buses, index, deltas


def release(shot: AimSolution, plan: BusPlan, earth: EarthModel, *, rv_beta_kg_m2: float,
            sample_dt_s: float = 2.0, t_max_s: float = 7200.0) -> BusRelease:
    """Release ``plan``'s warheads and decoys from the bus of an aimed ``shot`` (flown with samples) and fly
    them to the ground (warheads with ``rv_beta_kg_m2``)."""
    if shot.trajectory.samples is None:
        raise InputError("the aimed shot was flown without samples", "shot")
    at = _bus_states(shot, plan, earth, rv_beta_kg_m2)
    parts, kinds, _, index, _ = _fly_released(at.t_s[None], at.r_eci[None], at.v_eci[None], plan, earth,
                                              rv_beta_kg_m2=rv_beta_kg_m2, sample_dt_s=sample_dt_s, t_max_s=t_max_s)
    flown = [FlownThreats.from_batch(b) for b in parts]
    n = sum(len(f) for f in flown)
    offsets = np.cumsum([0] + [len(f) for f in flown])
    threats = FlownThreats.gather([(np.arange(offsets[i], offsets[i + 1]), f) for i, f in enumerate(flown)], n)
    tr = shot.trajectory
    threats = replace(
        threats, kind=np.concatenate(kinds).astype(np.int8), shot=np.zeros(n, dtype=np.int64),
        burnout_t_s=np.full(n, tr.event_t_s[0, 0]), launch_t_s=np.full(n, tr.start_t_s[0]),
        launch_r_ecef=np.repeat(FlownThreats.from_batch(tr).launch_r_ecef, n, axis=0))
    release_t = np.concatenate([b.event_t_s[:, 0] for b in parts])
    return BusRelease(threats, release_t, np.concatenate(index), tuple(parts))


@dataclass(frozen=True)
class GridRelease:
    """What the buses of a batch of flights released, each object on its flight's own sample grid.

    ``trajectories`` (M objects, ECI): each rides its bus (the flight it came from) up to the sample it left
    at, then flies on its own; events: the flight's burnout, then the object's own (its apogee the bus's where
    that came first). Objects run flight by flight: each warhead followed by its decoys, then the spent bus.
    ``flight`` (M,) the batch row each came from; ``kind`` (M,) :class:`ObjectKind`; ``rv_index`` (M,) the
    warhead each came with (-1: the bus); ``cluster`` (M,) the objects that left together (a warhead and its
    decoys; the bus alone), numbered from 0; ``release_j`` (M,) the sample it left at; ``release_dv_eci``
    (M, 3) m/s its increment on the bus velocity there."""

    trajectories: TrajectoryBatch
    flight: NDArray
    kind: NDArray
    rv_index: NDArray
    cluster: NDArray
    release_j: NDArray
    release_dv_eci: NDArray

    @property
    def release_t_s(self) -> NDArray:
        """(M,) when each object left its bus, s (a sample time of its flight)."""
        return self.trajectories.samples[np.arange(len(self.flight)), self.release_j, 0]

    @property
    def threats(self) -> FlownThreats:
        """The objects as flown threats (ECEF; ``shot`` the flight each came from)."""
        return replace(FlownThreats.from_batch(self.trajectories), kind=self.kind.astype(np.int8),
                       shot=self.flight.copy(), cluster=self.cluster.copy())


def _nearest_release_samples(flights: TrajectoryBatch, plan: BusPlan) -> tuple[NDArray, NDArray]:
    """(F, rvs) the sample of each flight nearest each planned release, and whether the bus is back on the
    ground (at its last, impact sample) before that release."""
    t = flights.samples[..., 0]
    want = flights.event_t_s[:, :1] + plan.release_times_after_burnout_s[None, :]
    j = np.argmin(np.abs(np.where(np.isfinite(t), t, np.inf)[:, None, :] - want[..., None]), axis=-1)
    return j, (j >= flights.n_samples[:, None] - 1) | (want >= flights.event_t_s[:, 3:4])


def lands_before_release(flights: TrajectoryBatch, plan: BusPlan) -> NDArray:
    """(F,) whether each flight's bus (flown with samples) is back on the ground before its last release, so that
    :func:`release_on_samples` refuses it."""
    return _nearest_release_samples(flights, plan)[1].any(axis=1)


def _release_samples(flights: TrajectoryBatch, plan: BusPlan) -> NDArray:
    """(F, rvs) the sample of each flight nearest each planned release; :class:`ShotError` naming a flight whose
    bus is back on the ground (at its last, impact sample) before a release."""
    j, late = _nearest_release_samples(flights, plan)
    if late.any():
        i, k = np.argwhere(late)[0]
        raise ShotError(int(i), _landed(plan, k == 0))
    return j


def _stack(parts: list[TrajectoryBatch], order: NDArray) -> TrajectoryBatch:
    """The rows ``order`` of the batches ``parts`` (flown with samples) taken as one batch."""
    k = max(b.samples.shape[1] for b in parts)
    samples = np.concatenate([np.pad(b.samples, ((0, 0), (0, k - b.samples.shape[1]), (0, 0)),
                                     constant_values=np.nan) for b in parts])[order]
    cat = {name: np.concatenate([getattr(b, name) for b in parts])[order]
           for name in ("event_t_s", "event_r_eci", "event_v_eci", "status", "launch_lat_rad", "launch_lon_rad",
                        "start_t_s", "n_samples")}
    return TrajectoryBatch(parts[0].earth, samples=samples, **cat)


def take_flights(flights: TrajectoryBatch, rows: NDArray) -> TrajectoryBatch:
    """The flights at ``rows`` (flown with samples), in that order."""
    return _stack([flights], np.asarray(rows, dtype=np.int64))


def _splice(flights: TrajectoryBatch, flight: NDArray, at_j: NDArray, own: TrajectoryBatch) -> TrajectoryBatch:
    """Each object m rides ``flights`` row ``flight[m]`` up to its sample ``at_j[m]`` and flies ``own`` row m
    from there (own's first sample is its state at that sample's time)."""
    m = len(flight)
    n = at_j + own.n_samples
    col = np.arange(int(n.max()))[None, :]
    ride = flights.samples[flight[:, None], np.minimum(col, flights.samples.shape[1] - 1)]
    mine = own.samples[np.arange(m)[:, None], np.clip(col - at_j[:, None], 0, own.samples.shape[1] - 1)]
    samples = np.where((col < at_j[:, None])[..., None], ride, mine)
    samples[col >= n[:, None]] = np.nan
    ev_t, ev_r, ev_v = own.event_t_s.copy(), own.event_r_eci.copy(), own.event_v_eci.copy()
    bus_first = np.zeros(ev_t.shape, dtype=bool)
    bus_first[:, 0] = True
    bus_first[:, 1] = ~np.isfinite(ev_t[:, 1]) | (flights.event_t_s[flight, 1] < ev_t[:, 0])
    ev_t = np.where(bus_first, flights.event_t_s[flight], ev_t)
    ev_r = np.where(bus_first[..., None], flights.event_r_eci[flight], ev_r)
    ev_v = np.where(bus_first[..., None], flights.event_v_eci[flight], ev_v)
    return TrajectoryBatch(own.earth, ev_t, ev_r, ev_v, own.status.copy(), flights.launch_lat_rad[flight],
                           flights.launch_lon_rad[flight], flights.start_t_s[flight], samples, n)


def release_on_samples(flights: TrajectoryBatch, plan: BusPlan, earth: EarthModel, *, rv_beta_kg_m2: float,
                       sample_dt_s: float, t_max_s: float = 7200.0) -> GridRelease:
    """Release ``plan``'s warheads and decoys from the bus of each of F ``flights`` (flown with samples every
    ``sample_dt_s``, whose coast after burnout is the bus's path) at the flight's samples nearest the planned
    releases (within ``sample_dt_s / 2``), and fly them on that grid to the ground (warheads with
    ``rv_beta_kg_m2``, decoys with the plan's, the spent bus from its last release with
    :data:`SPENT_BUS_BETA_FACTOR` of the warheads'). Raises :class:`ShotError` naming a flight whose bus lands
    before a release."""
    if flights.samples is None:
        raise InputError("the flights were flown without samples", "flights")
    j = _release_samples(flights, plan)
    rows = np.arange(len(flights))[:, None]
    at = flights.samples[rows, j]
    parts, kinds, buses, index, deltas = _fly_released(at[..., 0], at[..., 1:4], at[..., 4:7], plan, earth,
                                                       rv_beta_kg_m2=rv_beta_kg_m2, sample_dt_s=sample_dt_s,
                                                       t_max_s=t_max_s)
    flight, rv_index = np.concatenate(buses), np.concatenate(index)
    kind = np.concatenate(kinds)
    rv_or_bus = np.where(rv_index < 0, plan.rvs, rv_index)
    order = np.lexsort((kind == ObjectKind.DECOY, rv_or_bus, flight))  # flight, then warhead (bus last), decoys after
    at_j = np.where(rv_index < 0, j[:, -1][flight], j[flight, np.maximum(rv_index, 0)])
    spliced = _splice(flights, flight[order], at_j[order], _stack(parts, order))
    return GridRelease(spliced, flight[order], kind[order], rv_index[order],
                       (flight * (plan.rvs + 1) + rv_or_bus)[order], at_j[order], np.concatenate(deltas)[order])
