"""Strategic flight corridors: every base's typical missile flown at every target of a set.

Forces and target sets are named groups of catalog places:

- forces: ``russia-icbm`` (the Russian ICBM divisions), ``us-icbm`` (the US missile wings);
- target sets: ``north-america``, ``russia``, ``europe`` (the catalog's cities there).

A comma-separated list of catalog place names works for either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog import Catalog, Place
from openbmd.earth import EarthModel
from openbmd.errors import InputError, UnknownNameError
from openbmd.flight import FlownThreats, fly_aim_flights, release_objects
from openbmd.flight.threats import aim_batch_t_max_s
from openbmd.flight.aim import aim_pairs
from openbmd.flight.vehicle import vehicle_from_missile

FORCES = {"russia-icbm": "RUS", "us-icbm": "USA"}
"""Named forces: the catalog's missile bases of one country."""

TARGET_SETS = {"north-america": ("region", "north-america"), "russia": ("country", "RUS"),
               "europe": ("region", "europe")}
"""Named target sets: the catalog's cities in a region or country."""

SAMPLE_DT_S = 4.0
"""Sample spacing of corridor trajectories, s."""


def force_bases(catalog: Catalog, name: str, argument: str = "forces") -> list[Place]:
    """The bases of a named force, or of a comma-separated list of base names."""
    if name in FORCES:
        return [p for p in catalog.entries("bases") if p.country == FORCES[name] and p.missile]
    bases = _places(catalog, name, argument)
    bad = [p.name for p in bases if p.place_type != "base" or not p.missile]
    if bad:
        raise InputError(f"{bad[0]!r} is not a missile base; use {', '.join(FORCES)} or base names", argument)
    return bases


def target_places(catalog: Catalog, name: str, argument: str = "targets") -> list[Place]:
    """The cities of a named target set, or a comma-separated list of place names."""
    if name in TARGET_SETS:
        field, value = TARGET_SETS[name]
        return [p for p in catalog.entries("cities") if getattr(p, field) == value]
    return _places(catalog, name, argument)


def _places(catalog: Catalog, text: str, argument: str) -> list[Place]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise InputError("names no places", argument)
    out = []
    for n in names:
        try:
            out.append(catalog.place(n))
        except UnknownNameError as exc:
            known = ", ".join(FORCES if argument == "forces" else TARGET_SETS)
            raise UnknownNameError(f"{exc} (named sets: {known})", argument) from None
    return out


@dataclass(frozen=True)
class Corridors:
    """N base→target flights: names per pair, which pairs the missile can reach, and their flights (``threats``:
    NaN rows where it cannot; shot k is pair k; for a missile with a post-boost vehicle, the bus's path), and the
    warheads each pair's missile puts in the air (``warheads``, ``shot`` the pair: one per pair for a missile
    without a bus, the flight itself; with one, those its bus releases along it, as
    :func:`openbmd.flight.fly_threats` releases them). ``None``: the flights themselves."""

    bases: list[str]
    targets: list[str]
    missiles: list[str]
    reachable: NDArray
    threats: FlownThreats
    base_lat_deg: NDArray
    base_lon_deg: NDArray
    warheads: FlownThreats | None = None

    def __len__(self) -> int:
        return len(self.bases)

    @property
    def engaged(self) -> FlownThreats:
        """The objects an assessment engages: ``warheads`` (the flights themselves where unset)."""
        return self.threats if self.warheads is None else self.warheads

    @property
    def warhead_pair(self) -> NDArray:
        """(W,) the pair each of :attr:`engaged` flies for."""
        return self.engaged.shot if self.warheads is not None else np.arange(len(self))

    def warheads_per_pair(self) -> NDArray:
        """(N,) how many warheads each pair's missile puts in the air (0 where it cannot reach)."""
        return np.bincount(self.warhead_pair[self.reachable[self.warhead_pair]], minlength=len(self))


def strategic_corridors(catalog: Catalog, bases: Sequence[Place], targets: Sequence[Place],
                        earth: EarthModel) -> Corridors:
    """Fly each base's typical missile (minimum energy) at each target, in one batch per missile type."""
    pairs = [(b, t) for b in bases for t in targets if b.name != t.name]
    if not pairs:
        raise InputError("no base-target pairs", "targets")
    n = len(pairs)
    reachable = np.zeros(n, dtype=bool)
    parts, released, pair_of = [], [], []
    for missile in sorted({b.missile for b, _ in pairs}):
        idx = np.array([k for k, (b, _) in enumerate(pairs) if b.missile == missile])
        entry = catalog.missile(missile)
        vehicle = vehicle_from_missile(entry)
        coords = np.radians([[pairs[k][0].lat_deg, pairs[k][0].lon_deg, pairs[k][1].lat_deg, pairs[k][1].lon_deg]
                             for k in idx])
        aims = aim_pairs(vehicle, *coords.T, earth)
        ok = idx[aims.reachable]
        if not ok.size:
            continue
        flights = fly_aim_flights(vehicle, coords[aims.reachable, 0], coords[aims.reachable, 1], aims,
                                  aims.reachable, earth, sample_dt_s=SAMPLE_DT_S)
        parts.append((ok, FlownThreats.from_batch(flights)))
        objects = release_objects(entry, flights, earth, sample_dt_s=SAMPLE_DT_S, t_max_s=aim_batch_t_max_s(aims),
                                  decoys=0, skip_landed=True)  # decoys need no engaging to threaten a warhead
        objects = objects.take(objects.is_warhead)
        reachable[ok[np.unique(objects.shot)]] = True  # a bus back on the ground before its last release: no reach
        released.append(objects)
        pair_of.append(ok[objects.shot])
    pair = np.concatenate(pair_of) if pair_of else np.zeros(0, dtype=np.int64)
    order = np.argsort(pair, kind="stable")  # each pair's warheads together, in pair order
    offsets = np.cumsum([0] + [len(r) for r in released])
    warheads = FlownThreats.gather([(np.arange(offsets[i], offsets[i + 1]), r) for i, r in enumerate(released)],
                                   len(pair)).take(order)
    return Corridors([b.name for b, _ in pairs], [t.name for _, t in pairs], [b.missile for b, _ in pairs],
                     reachable, FlownThreats.gather(parts, n), np.array([b.lat_deg for b, _ in pairs]),
                     np.array([b.lon_deg for b, _ in pairs]), replace(warheads, shot=pair[order]))
