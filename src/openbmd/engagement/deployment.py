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

from openbmd.catalog import Catalog, Timeline
from openbmd.earth import EarthModel
from openbmd.engagement.fireunit import FireUnit, fire_unit
from openbmd.engagement.windows import EngagementWindow, engage, window_of
from openbmd.errors import InputError, UnknownNameError
from openbmd.flight import AimSolution, FlownThreats, aim_missile
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
    """One aimed threat shot and its engagement: the aim solution, samples and window."""

    shot: AimSolution
    threat: FlownThreats
    batteries: list[FireUnit]
    posts: list[SensorPost]
    window: EngagementWindow


def engage_shot(catalog: Catalog, missile: str, origin: str, target: str, sites: Sequence[str],
                interceptors: Sequence[str], sensors: Sequence[str], timeline: Timeline, earth: EarthModel, *,
                burnout_speed_mps: float | None = None) -> ShotEngagement:
    """Aim ``missile`` from ``origin`` at ``target`` (minimum energy) and engage it with the deployment."""
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
    result = engage(threat, bats, posts, timeline, earth)
    return ShotEngagement(shot, threat, bats, posts, window_of(result, 0, threat, bats, posts, timeline, earth))
