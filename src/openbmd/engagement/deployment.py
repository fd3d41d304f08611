"""From catalog names to batteries, sensor posts and timelines; the one-threat engagement.

Errors name the parameter at fault (``sites``, ``interceptors``, ``missile``, ``origin``, ``target``):

>>> from openbmd.catalog import load_catalog
>>> from openbmd.earth import wgs84
>>> cat, earth = load_catalog(), wgs84()
>>> result = engage_shot(cat, "generic-irbm", "tabriz", "warsaw", ["redzikowo"], ["sm3-iia"],
...                      ["kurecik"], timeline_for(cat), earth)          # doctest: +SKIP
>>> result.window.feasible                                               # doctest: +SKIP
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog import Catalog, Timeline
from openbmd.earth import EarthModel
from openbmd.engagement.fireunit import FireUnit, fire_unit
from openbmd.engagement.windows import EngagementWindow, engage, windows_of
from openbmd.errors import InputError, UnknownNameError
from openbmd.flight import AimSolution, FlownThreats, ObjectKind, ShotError, aim_missile, release_objects
from openbmd.sensors import SensorPost, place_posts, sensor_posts

ENGAGE_SAMPLE_DT_S = 1.0
"""Threat sample spacing for single engagements, s."""


def timeline_for(catalog: Catalog, name: str = "default", *, firm_track_delay_s: float | None = None,
                 decision_delay_s: float | None = None, kill_assessment_delay_s: float | None = None,
                 threat_rcs_m2: float | None = None) -> Timeline:
    """A catalog timeline with any of its figures replaced (s, m²)."""
    try:
        base = catalog.timeline(name)
    except UnknownNameError as exc:
        raise UnknownNameError(str(exc), "timeline") from None
    changes = {k: v for k, v in dict(firm_track_delay_s=firm_track_delay_s, decision_delay_s=decision_delay_s,
                                     kill_assessment_delay_s=kill_assessment_delay_s,
                                     threat_rcs_m2=threat_rcs_m2).items() if v is not None}
    return base.model_copy(update=changes)


def batteries(catalog: Catalog, sites: Sequence[str], interceptors: Sequence[str], earth: EarthModel, *,
              burnout_speed_mps: float | None = None) -> list[FireUnit]:
    """One fire unit per site: a catalog place or ``"lat,lon"``.

    ``interceptors`` gives one type for all sites, one per site, or none (each site's
    first catalog interceptor). ``burnout_speed_mps`` overrides every type's speed.
    """
    if not sites:
        raise InputError("name at least one interceptor site", "sites")
    if len(interceptors) not in (0, 1, len(sites)):
        raise InputError(f"give one interceptor for all sites or one per site ({len(sites)}), not "
                         f"{len(interceptors)}", "interceptors")
    out = []
    for k, site in enumerate(sites):
        catalog.point(site, "sites")  # a bad site is named here, before the unit is built
        if interceptors:
            name = interceptors[0] if len(interceptors) == 1 else interceptors[k]
        else:
            hosted = catalog.place(site).interceptors if site in catalog else []
            if not hosted:
                raise InputError(f"site {site!r} hosts no interceptors in the catalog; name an interceptor type",
                                 "interceptors")
            name = hosted[0]
        try:
            interceptor = catalog.interceptor(name)
        except UnknownNameError as exc:
            raise UnknownNameError(str(exc), "interceptors") from None
        out.append(fire_unit(catalog, site, interceptor, earth, burnout_speed_mps=burnout_speed_mps))
    return out


def deployment_posts(catalog: Catalog, sites: Sequence[str], sensors: Sequence[str]) -> list[SensorPost]:
    """The named sensors plus every sensor mounted at the named sites (e.g. an Aegis Ashore SPY-1) or at the
    place of a site's own radar (its ``radar_at``: Moscow's Don-2N at Sofrino)."""
    posts = sensor_posts(catalog, sensors, "sensors")
    for site in sites:
        if site in catalog:
            radar_at = catalog.place(site).radar_at
            for place in (site,) if radar_at is None else (site, radar_at):
                names = {p.name for p in posts}
                posts.extend(p for p in place_posts(catalog, place) if p.name not in names)
    return posts


@dataclass(frozen=True)
class ShotEngagement:
    """One aimed threat shot and its engagement: the aim solution, the aimed flight's samples (``threat``, one
    row: for a missile with a post-boost vehicle the bus's path), the objects it puts in the air that are engaged
    (``objects``: its warheads, and decoys where it flies them, as :func:`openbmd.flight.fly_threats` releases
    them; the spent bus is left out) with each one's window (``windows``, in object order), and ``window``: the
    threat's verdict, the window of its most demanding warhead (the one with the fewest shoot-look-shoot shots,
    the first of those tied), so the threat is feasible only if every warhead is."""

    shot: AimSolution
    threat: FlownThreats
    batteries: list[FireUnit]
    posts: list[SensorPost]
    window: EngagementWindow
    objects: FlownThreats | None = None
    windows: tuple[EngagementWindow, ...] = ()

    @property
    def most_demanding(self) -> int:
        """Index in ``objects`` of the warhead whose window is ``window``."""
        return most_demanding_warhead(self.objects, self.windows) if self.objects is not None else 0

    def object_label(self, index: int) -> str:
        """``warhead k`` (1-based among the warheads) or ``decoy with warhead k``."""
        return object_labels(self.objects)[index] if self.objects is not None else "warhead 1"

    def objects_json(self) -> list[dict[str, Any]]:
        """Each engaged object's window (:meth:`EngagementWindow.to_json`) with its index, kind, label and the
        warhead it flies with (1-based)."""
        if self.objects is None:
            return [{"object": 0, "kind": "warhead", "label": "warhead 1", "warhead": 1, **self.window.to_json()}]
        labels, warhead = object_labels(self.objects), _warhead_numbers(self.objects)
        return [{"object": i, "kind": ObjectKind(int(k)).name.lower(), "label": labels[i], "warhead": int(warhead[i]),
                 **w.to_json()} for i, (k, w) in enumerate(zip(self.objects.kind, self.windows))]


def _warhead_numbers(objects: FlownThreats) -> NDArray:
    """(N,) the warhead (1-based, in object order) each object flies with: a decoy is numbered by the warhead of
    its cluster."""
    is_rv = objects.kind == ObjectKind.WARHEAD
    number = np.cumsum(is_rv)
    first_rv = {int(c): int(n) for c, n, w in zip(objects.cluster, number, is_rv) if w}  # a few objects
    return np.array([first_rv.get(int(c), 0) for c in objects.cluster], dtype=np.int64)


def object_labels(objects: FlownThreats) -> list[str]:
    """A short name per object: ``warhead k`` or ``decoy with warhead k`` (k 1-based)."""
    number = _warhead_numbers(objects)
    return [f"warhead {n}" if k == ObjectKind.WARHEAD else f"{ObjectKind(int(k)).name.lower()} with warhead {n}"
            for k, n in zip(objects.kind, number)]


def most_demanding_warhead(objects: FlownThreats, windows: Sequence[EngagementWindow]) -> int:
    """Index of the warhead with the fewest shoot-look-shoot shots (the first of those tied)."""
    rv = np.flatnonzero(objects.kind == ObjectKind.WARHEAD)
    return int(rv[np.argmin([len(windows[i].shots) for i in rv])])


def engage_shot(catalog: Catalog, missile: str, origin: str, target: str, sites: Sequence[str],
                interceptors: Sequence[str], sensors: Sequence[str], timeline: Timeline, earth: EarthModel, *,
                burnout_speed_mps: float | None = None, decoys: int | None = None) -> ShotEngagement:
    """Aim ``missile`` from ``origin`` at ``target`` (minimum energy) and engage every object it puts in the air
    (:func:`openbmd.flight.release_objects`, as :func:`openbmd.flight.fly_threats` flies a raid: a missile with a
    post-boost vehicle releases its warheads, each with ``decoys`` decoys, where unset the bus's own) with the
    deployment (see :class:`ShotEngagement`)."""
    try:
        m = catalog.missile(missile)
    except UnknownNameError as exc:
        raise UnknownNameError(str(exc), "missile") from None
    lat0, lon0, _ = catalog.point(origin, "origin")
    lat1, lon1, _ = catalog.point(target, "target")
    try:
        shot = aim_missile(m, math.radians(lat0), math.radians(lon0), math.radians(lat1), math.radians(lon1), earth,
                           sample_dt_s=ENGAGE_SAMPLE_DT_S)
    except InputError as exc:
        raise type(exc)(exc.args[0], "target") from None
    bats = batteries(catalog, sites, interceptors, earth, burnout_speed_mps=burnout_speed_mps)
    posts = deployment_posts(catalog, sites, sensors)
    threat = FlownThreats.from_batch(shot.trajectory)
    try:
        flown = release_objects(m, shot.trajectory, earth, sample_dt_s=ENGAGE_SAMPLE_DT_S, decoys=decoys)
    except ShotError as exc:
        raise type(exc.cause)(exc.cause.args[0], "target") from None
    objects = flown.take(flown.kind != ObjectKind.BOOSTER)
    result = engage(objects, bats, posts, timeline, earth)
    windows = tuple(windows_of(result, np.arange(len(objects)), objects, bats, posts, timeline, earth))
    worst = most_demanding_warhead(objects, windows)
    return ShotEngagement(shot, threat, bats, posts, windows[worst], objects, windows)
