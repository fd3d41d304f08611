"""Strategic flight corridors: every base's typical missile flown at every target of a set.

Forces and target sets are named groups of catalog places:

- forces: ``russia-icbm`` (the Russian ICBM divisions), ``us-icbm`` (the US missile wings);
- target sets: ``north-america``, ``russia``, ``europe`` (the catalog's cities there).

A comma-separated list of catalog place names works for either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog import Catalog, Place
from openbmd.earth import EarthModel
from openbmd.engagement import ThreatSamples
from openbmd.errors import InputError, UnknownNameError
from openbmd.flight import fly_launches
from openbmd.flight.aim import aim_pairs
from openbmd.flight.vehicle import vehicle_from_missile

FORCES = {"russia-icbm": "RUS", "us-icbm": "USA"}
"""Named forces: the catalog's missile bases of one country."""

TARGET_SETS = {"north-america": ("region", "north-america"), "russia": ("country", "RUS"),
               "europe": ("region", "europe")}
"""Named target sets: the catalog's cities in a region or country."""

SAMPLE_DT_S = 4.0
"""Sample spacing of corridor trajectories, s."""


def force_bases(catalog: Catalog, name: str, argument: str = "--forces") -> list[Place]:
    """The bases of a named force, or of a comma-separated list of base names."""
    if name in FORCES:
        return [p for p in catalog.entries("bases") if p.country == FORCES[name] and p.missile]
    bases = _places(catalog, name, argument)
    bad = [p.name for p in bases if p.place_type != "base" or not p.missile]
    if bad:
        raise InputError(f"{bad[0]!r} is not a missile base; use {', '.join(FORCES)} or base names", argument)
    return bases


def target_places(catalog: Catalog, name: str, argument: str = "--targets") -> list[Place]:
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
            known = ", ".join(FORCES if argument == "--forces" else TARGET_SETS)
            raise UnknownNameError(f"{exc} (named sets: {known})", argument) from None
    return out


@dataclass(frozen=True)
class Corridors:
    """N base→target flights: names per pair, which pairs the missile can reach, and their samples."""

    bases: list[str]
    targets: list[str]
    missiles: list[str]
    reachable: NDArray
    threats: ThreatSamples
    base_lat_deg: NDArray
    base_lon_deg: NDArray

    def __len__(self) -> int:
        return len(self.bases)


def strategic_corridors(catalog: Catalog, bases: Sequence[Place], targets: Sequence[Place],
                        earth: EarthModel) -> Corridors:
    """Fly each base's typical missile (minimum energy) at each target, in one batch per missile type."""
    pairs = [(b, t) for b in bases for t in targets if b.name != t.name]
    if not pairs:
        raise InputError("no base-target pairs", "--targets")
    n = len(pairs)
    reachable = np.zeros(n, dtype=bool)
    chunks: dict[int, tuple[NDArray, NDArray]] = {}
    longest = 0.0
    for missile in sorted({b.missile for b, _ in pairs}):
        idx = np.array([k for k, (b, _) in enumerate(pairs) if b.missile == missile])
        vehicle = vehicle_from_missile(catalog.missile(missile))
        coords = np.radians([[pairs[k][0].lat_deg, pairs[k][0].lon_deg, pairs[k][1].lat_deg, pairs[k][1].lon_deg]
                             for k in idx])
        aims = aim_pairs(vehicle, *coords.T, earth)
        ok = idx[aims.reachable]
        reachable[ok] = True
        if ok.size:
            batch = fly_launches(vehicle, coords[aims.reachable, 0], coords[aims.reachable, 1],
                                 aims.azimuth_rad[aims.reachable], aims.kick_rad[aims.reachable], earth,
                                 cutoff_s=aims.cutoff_s[aims.reachable], sample_dt_s=SAMPLE_DT_S,
                                 t_max_s=1.2 * aims.longest_flight_s + 120.0)
            samples = ThreatSamples.from_batch(batch)
            for j, k in enumerate(ok):
                chunks[int(k)] = (samples.t_s[j], samples.r_ecef[j], samples.burnout_t_s[j])
            longest = max(longest, samples.t_s.shape[1])
    t = np.full((n, max(longest, 1)), np.nan)
    r = np.full((n, max(longest, 1), 3), np.nan)
    burnout = np.full(n, np.nan)
    for k, (tk, rk, bk) in chunks.items():  # gather the per-missile batches into one padded array
        t[k, : tk.size], r[k, : tk.size], burnout[k] = tk, rk, bk
    return Corridors([b.name for b, _ in pairs], [t.name for _, t in pairs], [b.missile for b, _ in pairs],
                     reachable, ThreatSamples(t, r, burnout), np.array([b.lat_deg for b, _ in pairs]),
                     np.array([b.lon_deg for b, _ in pairs]))

