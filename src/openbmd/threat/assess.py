"""The shared threat assessment: per missile type, launch area and assumption set, who is threatened.

For each (missile, assumption set) the missile is flown as the set assumes it
(:mod:`openbmd.threat.vehicles`); its range contours from every launch area come from one batched
survey (:mod:`openbmd.threat.reach`); every catalog target inside a contour is aimed (minimum
energy, all pairs in one batch), flown with samples, and seen (or not) by each party's sensors and by
the joint network. Warning time is impact time less the first detection by any of the sensors.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog import AssumptionSet, Catalog, MissileAssumption, Place
from openbmd.earth import EarthModel
from openbmd.flight import FlownThreats, fly_launches
from openbmd.flight.aim import aim_pairs
from openbmd.sensors import SensorPost, first_detection, sensor_posts
from openbmd.threat.areas import LaunchArea, resolve_areas
from openbmd.threat.coverage import countries_covered, places_within, target_places
from openbmd.threat.reach import ReachContour, reach_contours
from openbmd.threat.vehicles import AssumedMissile, assumed_missile

JOINT = "joint"
"""The name of the joint sensor network (every party's sensors together) in warning-time tables."""

SAMPLE_DT_S = 2.0
"""Spacing of the flight samples sensors look at (s): detection times are resolved to it."""


@dataclass(frozen=True)
class Threat:
    """One missile type from one launch area under one assumption set.

    Ranges in m, times in s, speeds in m/s (Earth-relative, at 100 km on the way down; None for flights
    that stay below 100 km).
    ``reaches`` names the catalog targets within the contour; ``flight_time_s``, ``reentry_speed_mps``
    and ``warning_time_s`` (party -> place -> s, None where no sensor of that party sees it) cover those
    the aiming solved (``unaimed`` lists the rest, at the very edge of reach). ``countries`` maps ISO
    codes to ``"whole"`` or ``"part"``. ``first_year`` is the set's year from which the missile exists
    (None: the set is silent) and ``exists`` whether it does in the assessed year. ``orbital``: the missile
    nears orbital speed from the area (:class:`~openbmd.threat.reach.ReachContour`'s ``orbital``): its farthest
    shots wrap toward the point opposite the launch point, where the contour is the maximum range (the end of the
    interval of each bearing that every point of is reached), not the farthest impact.
    """

    missile: str
    area: str
    assumption: str
    party: str
    max_range_m: float
    min_range_m: float
    contour_lat_deg: tuple[float, ...] = field(repr=False)
    contour_lon_deg: tuple[float, ...] = field(repr=False)
    reaches: tuple[str, ...]
    countries: dict[str, str]
    flight_time_s: dict[str, float]
    reentry_speed_mps: dict[str, float | None]
    warning_time_s: dict[str, dict[str, float | None]]
    unaimed: tuple[str, ...]
    first_year: int | None
    exists: bool
    orbital: bool = False

    def to_json(self) -> dict[str, Any]:
        """The documented JSON (SI)."""
        return {"missile": self.missile, "area": self.area, "assumption": self.assumption, "party": self.party,
                "max_range_m": self.max_range_m, "min_range_m": self.min_range_m, "reaches": list(self.reaches),
                "countries": dict(self.countries), "flight_time_s": dict(self.flight_time_s),
                "reentry_speed_mps": dict(self.reentry_speed_mps),
                "warning_time_s": {p: dict(w) for p, w in self.warning_time_s.items()},
                "unaimed": list(self.unaimed), "first_year": self.first_year, "exists": self.exists,
                "orbital": self.orbital,
                "contour": {"lat_deg": list(self.contour_lat_deg), "lon_deg": list(self.contour_lon_deg)}}


def orbital_note(threat: dict[str, Any]) -> str | None:
    """The plain sentence that goes with a threat's JSON (:meth:`Threat.to_json`) marked ``orbital``; None if not."""
    if not threat["orbital"]:
        return None
    return (f"{threat['missile']} from {threat['area']} under {threat['assumption']} nears orbital speed: its "
            "farthest shots wrap toward the far side of the Earth; its greatest range "
            f"({threat['max_range_m'] / 1e3:,.0f} km) is the distance out to which every point of a bearing is "
            "reached, short of its farthest impact.")


@dataclass(frozen=True)
class ThreatRequest:
    """What to assess: launch areas (catalog place names or :class:`LaunchArea` polygons), missiles (catalog
    names), assumption sets, the year (None: any) and the launch azimuths per contour."""

    areas: tuple[str | LaunchArea, ...]
    missiles: tuple[str, ...]
    assumptions: tuple[str, ...] = ("nato", "russia")
    year: int | None = None
    n_azimuth: int = 24


def _posts(catalog: Catalog, sets: Sequence[AssumptionSet]) -> dict[str, list[SensorPost]]:
    """Each party's sensor posts and the joint network's (every post once)."""
    out: dict[str, list[SensorPost]] = {}
    joint: dict[str, SensorPost] = {}
    for s in sets:
        posts = sensor_posts(catalog, s.sensors, f"assumption set {s.name} sensors")
        out[s.party] = posts
        joint.update({p.name: p for p in posts})
    out[JOINT] = list(joint.values())
    return out


@dataclass(frozen=True)
class _Flights:
    """Aimed and flown shots at the targets within reach (one row per aimed (area, place) pair)."""

    area: NDArray
    place: NDArray
    flight_time_s: NDArray
    reentry_speed_mps: NDArray
    warning_time_s: dict[str, NDArray]


def _fly_targets(am: AssumedMissile, reach: "Reach", posts: dict[str, list[SensorPost]], rcs_m2: float,
                 earth: EarthModel) -> _Flights:
    """Aim every (area, place) pair within reach in one batch, each from its nearest launch point that reaches,
    fly the aimed ones with samples, and time their first detection by each party's posts."""
    area, place = np.nonzero(reach.inside)
    empty = _Flights(area[:0], place[:0], np.zeros(0), np.zeros(0), {p: np.zeros(0) for p in posts})
    if area.size == 0:
        return empty
    plat = np.radians([p.lat_deg for p in reach.places])
    plon = np.radians([p.lon_deg for p in reach.places])
    row = reach.via[area, place]
    lat0, lon0 = reach.contours.launch_lat_rad[row], reach.contours.launch_lon_rad[row]
    aims = aim_pairs(am.vehicle, lat0, lon0, plat[place], plon[place], earth)
    ok = aims.reachable
    if not ok.any():
        return empty
    batch = fly_launches(am.vehicle, lat0[ok], lon0[ok], aims.azimuth_rad[ok], aims.kick_rad[ok], earth,
                         cutoff_s=aims.cutoff_s[ok], sample_dt_s=SAMPLE_DT_S,
                         t_max_s=1.2 * aims.longest_flight_s + 120.0)
    flown = FlownThreats.from_batch(batch)
    speed, _ = batch.speed_and_flight_path_angle("reentry")
    warning = {}
    for party, party_posts in posts.items():  # two or three networks
        t_det, _ = first_detection(flown.t_s, flown.r_ecef, flown.burnout_t_s, party_posts, earth, rcs_m2)
        warning[party] = np.where(np.isfinite(t_det), flown.impact_t_s - t_det, np.nan)
    return _Flights(area[ok], place[ok], batch.flight_time_s, speed, warning)


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


@dataclass(frozen=True)
class Reach:
    """A missile's reach under one assumption from launch areas: the flown missile, the areas, the contours of
    every launch point (``point_area`` (P,) says whose), the catalog targets, which of them each area reaches
    (bool, (A, T); the launching state's own left out) and from which launch point (``via`` (A, T), -1: none)."""

    missile: AssumedMissile
    areas: list[LaunchArea]
    contours: ReachContour
    point_area: NDArray
    places: list[Place]
    inside: NDArray
    via: NDArray

    def reached(self, area: int) -> tuple[str, ...]:
        """Names of the targets area ``area`` reaches."""
        return tuple(self.places[j].name for j in np.flatnonzero(self.inside[area]))

    def points(self, area: int) -> NDArray:
        """Contour rows of area ``area``'s launch points."""
        return np.flatnonzero(self.point_area == area)

    def outline_deg(self, area: int) -> tuple[list[float], list[float]]:
        """The area's reach outline (lat, lon in deg): its one contour, or the union of its points' contours."""
        rows = self.points(area)
        lat = np.degrees(self.contours.impact_lat_rad[rows])
        lon = np.degrees(self.contours.impact_lon_rad[rows])
        if rows.size == 1:
            return lat[0].tolist(), lon[0].tolist()
        import shapely
        from shapely.geometry import Polygon

        union = shapely.union_all([Polygon(np.column_stack([o, a])).buffer(0) for a, o in zip(lat, lon)])
        ring = max(shapely.get_parts(union), key=lambda g: g.area).exterior
        xy = np.asarray(ring.coords)[:-1]
        return xy[:, 1].tolist(), xy[:, 0].tolist()


def _reach_key(missile: str, assumption: MissileAssumption, areas: Sequence[LaunchArea], n_azimuth: int) -> tuple:
    """What decides a reach: the missile, the figures that change its flight, the areas and the azimuths."""
    figures = tuple(None if assumption.figure(f) is None else assumption.figure(f).value
                    for f in ("max_range_m", "payload_mass_kg"))
    return missile, figures, tuple(areas), n_azimuth


def reach_of(catalog: Catalog, missile: str, assumption: MissileAssumption, areas: Sequence[str | LaunchArea],
             earth: EarthModel, *, n_azimuth: int = 24, memo: dict | None = None) -> Reach:
    """Contours of ``missile`` under ``assumption`` from the areas (every launch point in one batch), and the
    targets each area covers.

    ``memo`` (a dict the caller keeps) saves reaches already flown for the same flight figures.
    """
    areas = resolve_areas(catalog, areas)
    key = ("reach",) + _reach_key(missile, assumption, areas, n_azimuth)
    if memo is not None and key in memo:
        return memo[key]
    am = assumed_missile(catalog.missile(missile), assumption, earth)
    point_area = np.concatenate([np.full(len(a), k) for k, a in enumerate(areas)])
    lat = np.radians(np.concatenate([a.lat_deg for a in areas]))
    lon = np.radians(np.concatenate([a.lon_deg for a in areas]))
    contours = reach_contours(am.vehicle, lat, lon, earth, n_azimuth=n_azimuth)
    places = target_places(catalog)
    inside = np.zeros((len(areas), len(places)), dtype=bool)
    via = np.full((len(areas), len(places)), -1)
    for k, a in enumerate(areas):  # a handful of areas and points; the places are batched
        foreign = np.array([p.country != a.country for p in places], dtype=bool)
        best = np.full(len(places), np.inf)
        for row in np.flatnonzero(point_area == k):
            within, dist = places_within(contours, row, places, earth)
            nearer = within & foreign & (dist < best)
            via[k] = np.where(nearer, row, via[k])
            best = np.where(nearer, dist, best)
        inside[k] = via[k] >= 0
    out = Reach(am, areas, contours, point_area, places, inside, via)
    if memo is not None:
        memo[key] = out
    return out


def assess_missile(catalog: Catalog, missile: str, aset: AssumptionSet, area_names: Sequence[str | LaunchArea],
                   earth: EarthModel, *, posts: dict[str, list[SensorPost]], year: int | None = None,
                   n_azimuth: int = 24, rcs_m2: float | None = None, memo: dict | None = None) -> list[Threat]:
    """The threats of one missile type from every area under one assumption set (one batch each step).

    ``memo`` (a dict the caller keeps) reuses reaches and flights of sets that fly the missile alike.
    """
    assumption = aset.for_missile(missile)
    reach = reach_of(catalog, missile, assumption, area_names, earth, n_azimuth=n_azimuth, memo=memo)
    am, areas, contours, places = reach.missile, reach.areas, reach.contours, reach.places
    rcs = rcs_m2 if rcs_m2 is not None else catalog.timeline("default").threat_rcs_m2
    key = ("flights", rcs) + _reach_key(missile, assumption, areas, n_azimuth)
    flights = memo.get(key) if memo is not None else None
    if flights is None:
        flights = _fly_targets(am, reach, posts, rcs, earth)
        if memo is not None:
            memo[key] = flights
    first = assumption.first_year
    first_year = int(first.value) if first is not None else None
    exists = year is None or first_year is None or first_year <= year
    out = []
    for k, a in enumerate(areas):
        rows = np.flatnonzero(flights.area == k)
        names = [places[j].name for j in flights.place[rows]]
        reached = reach.reached(k)
        lat, lon = reach.outline_deg(k)
        rows_k = reach.points(k)
        out.append(Threat(
            missile=missile, area=a.name, assumption=aset.name, party=aset.party,
            max_range_m=float(contours.max_range_m[rows_k].max()), min_range_m=float(contours.min_range_m[rows_k].min()),
            contour_lat_deg=tuple(lat), contour_lon_deg=tuple(lon),
            reaches=reached, countries={c: v for c, v in countries_covered(contours, rows_k, earth).items()
                                        if c != a.country},
            flight_time_s=dict(zip(names, flights.flight_time_s[rows].tolist())),
            reentry_speed_mps={n: _finite(v) for n, v in zip(names, flights.reentry_speed_mps[rows])},
            warning_time_s={p: {n: _finite(w) for n, w in zip(names, flights.warning_time_s[p][rows])}
                            for p in posts},
            unaimed=tuple(sorted(set(reached) - set(names))), first_year=first_year, exists=exists,
            orbital=bool(contours.orbital[rows_k].any())))
    return out


@dataclass(frozen=True)
class ThreatAssessment:
    """Every (missile, area, assumption set) threat, the divergence between the sets, and what was asked."""

    request: ThreatRequest
    threats: list[Threat]
    divergence: list[Any]
    sensors: dict[str, list[str]]

    def threat(self, missile: str, area: str, assumption: str) -> Threat:
        """The threat of ``missile`` from ``area`` under ``assumption``."""
        for t in self.threats:
            if (t.missile, t.area, t.assumption) == (missile, area, assumption):
                return t
        raise KeyError((missile, area, assumption))

    def to_json(self) -> dict[str, Any]:
        """The documented JSON: ``threats``, ``divergence``, and the request and sensors behind them."""
        r = self.request
        return {"areas": [a if isinstance(a, str) else a.name for a in r.areas], "missiles": list(r.missiles), "assumptions": list(r.assumptions),
                "year": r.year, "sensors": self.sensors, "threats": [t.to_json() for t in self.threats],
                "divergence": [d.to_json() for d in self.divergence]}


def assess_threats(catalog: Catalog, request: ThreatRequest, earth: EarthModel, *,
                   progress: Callable[[int], None] | None = None) -> ThreatAssessment:
    """The shared threat assessment of ``request`` (see the module docstring), with its divergence table.

    ``progress(1)`` is told of each step done: every (missile, set), then every missile's divergence
    (:func:`assessment_steps` of them in all)."""
    from openbmd.threat.divergence import divergence_table

    sets = [catalog.assumptions(n) for n in request.assumptions]
    for m in request.missiles:
        catalog.missile(m)
    resolve_areas(catalog, request.areas)
    posts = _posts(catalog, sets)
    memo: dict = {}
    advance = progress or (lambda k: None)
    threats = []
    for m in request.missiles:
        for s in sets:
            threats += assess_missile(catalog, m, s, request.areas, earth, posts=posts, year=request.year,
                                      n_azimuth=request.n_azimuth, memo=memo)
            advance(1)
    table = []
    if len(sets) > 1:
        for m in request.missiles:  # missile by missile, so that progress moves
            table += divergence_table(catalog, sets, replace(request, missiles=(m,)), threats, earth, memo=memo)
            advance(1)
    return ThreatAssessment(request, threats, table, {p: [q.name for q in v] for p, v in posts.items()})


def assessment_steps(request: ThreatRequest) -> int:
    """How many steps :func:`assess_threats` reports to its ``progress``."""
    n_sets = len(request.assumptions)
    return len(request.missiles) * (n_sets + (1 if n_sets > 1 else 0))
