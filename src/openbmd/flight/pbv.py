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

The release states come from two ballistic flights of the bus (to the first release, then sampled every
interval), and the objects fly in one batch per ballistic coefficient: no loop over objects.
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
from openbmd.flight.threats import FlownThreats, ObjectKind

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


def _unit(x: NDArray) -> NDArray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _bus_states(shot: AimSolution, plan: BusPlan, earth: EarthModel, beta: float) -> StateBatch:
    """The bus's ECI states at each release (before the release's increment)."""
    tr = shot.trajectory
    t_bo = tr.event_t_s[0, 0]
    start = StateBatch(np.array([t_bo]), tr.event_r_eci[:1, 0], tr.event_v_eci[:1, 0])
    first = fly_ballistic(start, earth, beta_kg_m2=beta, sample_dt_s=plan.first_release_s,
                          t_max_s=plan.first_release_s * 1.5)
    if first.n_samples[0] < 2 or first.status[0] == 0 and first.event_t_s[0, 3] <= t_bo + plan.first_release_s:
        raise InputError(f"the bus is back on the ground before its first release {plan.first_release_s:g} s "
                         "after burnout", "first_release_s")
    row = first.samples[0, 1]
    span = plan.interval_s * (plan.rvs - 1)
    bus = fly_ballistic(StateBatch(row[:1].copy(), row[None, 1:4], row[None, 4:7]), earth, beta_kg_m2=beta,
                        sample_dt_s=plan.interval_s, t_max_s=span + plan.interval_s)
    landed = bus.status[0] == 0 and bus.event_t_s[0, 3] <= row[0] + span
    if landed or bus.n_samples[0] < plan.rvs:
        raise InputError(f"the bus is back on the ground before its last release ({plan.rvs} warheads every "
                         f"{plan.interval_s:g} s)", "rvs")
    rows = bus.samples[0, :plan.rvs]
    return StateBatch(rows[:, 0].copy(), rows[:, 1:4].copy(), rows[:, 4:7].copy())


def release(shot: AimSolution, plan: BusPlan, earth: EarthModel, *, rv_beta_kg_m2: float,
            sample_dt_s: float = 2.0, t_max_s: float = 7200.0) -> BusRelease:
    """Release ``plan``'s warheads and decoys from the bus of an aimed ``shot`` (flown with samples) and fly
    them to the ground (warheads with ``rv_beta_kg_m2``)."""
    if shot.trajectory.samples is None:
        raise InputError("the aimed shot was flown without samples", "shot")
    at = _bus_states(shot, plan, earth, rv_beta_kg_m2)
    along = _unit(at.v_eci)
    cross = _unit(np.cross(at.r_eci, at.v_eci))
    up = _unit(np.cross(along, cross))
    k = np.arange(plan.rvs)
    frac = k / (plan.rvs - 1) - 0.5 if plan.rvs > 1 else np.zeros(1)
    side = np.where(k % 2 == 0, 1.0, -1.0) if plan.rvs > 1 else np.zeros(1)
    dv = (plan.spread_mps * frac)[:, None] * along + (plan.cross_mps * side)[:, None] * cross
    rv = StateBatch(at.t_s, at.r_eci, at.v_eci + dv)
    parts = [fly_ballistic(rv, earth, beta_kg_m2=rv_beta_kg_m2, sample_dt_s=sample_dt_s, t_max_s=t_max_s)]
    kinds = [np.full(plan.rvs, int(ObjectKind.WARHEAD))]
    index = [k]
    if plan.decoys_per_rv:
        d = plan.decoys_per_rv
        ang = 2 * np.pi * (np.arange(d) + 0.5) / d
        push = (np.cos(ang)[:, None] * cross[:, None, :] + np.sin(ang)[:, None] * up[:, None, :]) * plan.decoy_push_mps
        dec = StateBatch(np.repeat(at.t_s, d), np.repeat(at.r_eci, d, axis=0),
                         (rv.v_eci[:, None, :] + push).reshape(-1, 3))
        parts.append(fly_ballistic(dec, earth, beta_kg_m2=plan.decoy_beta_kg_m2, sample_dt_s=sample_dt_s,
                                   t_max_s=t_max_s))
        kinds.append(np.full(plan.rvs * d, int(ObjectKind.DECOY)))
        index.append(np.repeat(k, d))
    last = StateBatch(at.t_s[-1:], at.r_eci[-1:], at.v_eci[-1:])
    parts.append(fly_ballistic(last, earth, beta_kg_m2=rv_beta_kg_m2 / 4.0, sample_dt_s=sample_dt_s,
                               t_max_s=t_max_s))
    kinds.append(np.array([int(ObjectKind.BOOSTER)]))
    index.append(np.array([-1]))
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
