"""Scenes of results: what each command's result puts on a map.

Times are s after the threat's launch (the results' own clock). Figures are SI with the unit in
the name; sources are the catalog entries' public sources.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from openbmd.earth import EarthModel, ecef_to_geodetic, geodetic_to_ecef, wgs84
from openbmd.flight.threats import decoys_flown
from openbmd.report.exports.geometry import cells_area, coverage_fan, coverage_ground_range_m
from openbmd.report.exports.scene import Scene, SceneArea, ScenePath, ScenePoint

# Radar coverage is drawn for a target at this height: a ballistic threat's midcourse (an assumption of
# the picture, not of any analysis; the analyses test visibility sample by sample).
COVERAGE_ALTITUDE_M = 300e3
FLYOUT_SAMPLES = 24


def sources_of(entry: Any) -> tuple[str, ...]:
    """A catalog entry's sources as citation lines: title, author, year, URL."""
    out = []
    for s in getattr(entry, "source", None) or ():
        out.append(", ".join(str(x) for x in (s.title, s.author, s.year, s.url) if x))
    conf = getattr(entry, "confidence", None)
    return tuple(f"{line} ({conf})" if conf else line for line in out)


def trajectory_scene(summary: Any, *, title: str, launch: str = "launch", target: str = "impact",
                     missile: Any = None) -> Scene:
    """One flight (a :class:`~openbmd.flight.TrajectorySummary`): its path, launch and impact points."""
    src = sources_of(missile) if missile is not None else ()
    d = np.degrees
    figures = {"ground_range_m": summary.ground_range_m, "apogee_altitude_m": summary.apogee_altitude_m,
               "flight_time_s": summary.flight_time_s, "burnout_speed_mps": summary.burnout_speed_mps,
               "burnout_altitude_m": summary.burnout_altitude_m}
    path = ScenePath("trajectories", title, summary.t_s, d(summary.lat_rad), d(summary.lon_rad), summary.alt_m,
                     figures, src)
    pts = (ScenePoint("launches", launch, float(d(summary.launch_lat_rad)), float(d(summary.launch_lon_rad)),
                      t_s=float(summary.t_s[0])),
           ScenePoint("targets", target, float(d(summary.impact_lat_rad)), float(d(summary.impact_lon_rad)),
                      t_s=summary.impact_time_s, figures={"impact_time_s": summary.impact_time_s}))
    return Scene(title, pts, (path,))


def flown_paths(threats: Any, rows: Sequence[int], names: Sequence[str], layer: str,
                figures: Sequence[dict[str, Any]], sources: Sequence[tuple[str, ...]],
                earth: EarthModel) -> list[ScenePath]:
    """Paths of rows of a :class:`~openbmd.flight.FlownThreats` (ECEF samples, NaN padded)."""
    out = []
    for k, i in enumerate(rows):
        t = threats.t_s[i]
        ok = np.isfinite(t)
        if ok.sum() < 2:
            continue
        lat, lon, alt = ecef_to_geodetic(threats.r_ecef[i][ok], earth)
        out.append(ScenePath(layer, names[k], t[ok], np.degrees(lat), np.degrees(lon), alt, figures[k], sources[k]))
    return out


def deployment_points(batteries: Sequence[Any], posts: Sequence[Any], earth: EarthModel,
                      rcs_m2: float | None = None) -> tuple[list[ScenePoint], list[SceneArea]]:
    """Interceptor sites, radars, and each radar's coverage fan against ``rcs_m2`` (default: the
    radar's reference RCS) at :data:`COVERAGE_ALTITUDE_M`."""
    points, areas = [], []
    for b in batteries:
        points.append(ScenePoint("sites", b.name or f"{b.site}/{b.interceptor.name}", math.degrees(b.lat_rad),
                                 math.degrees(b.lon_rad), figures={
                                     "interceptor": b.interceptor.display_name,
                                     "burnout_speed_mps": b.burnout_speed_mps,
                                     "max_range_m": b.interceptor.max_range_m}, sources=sources_of(b.interceptor)))
    for p in posts:
        s = p.sensor
        if not p.is_radar:  # space IR: no place on the map; it sees boosters anywhere above the cloud tops
            continue
        lat, lon = math.degrees(p.lat_rad), math.degrees(p.lon_rad)
        rng = s.range_against_m(rcs_m2) if rcs_m2 else s.max_range_m
        reach = coverage_ground_range_m(rng, s.min_elevation_deg, COVERAGE_ALTITUDE_M, earth)
        figures = {"type": s.sensor_type, "band": s.band, "role": s.sensor_role, "range_m": rng,
                   "sector_half_width_deg": s.sector_half_width_deg,
                   "boresight_deg": math.degrees(p.boresight_azimuth_rad), "min_elevation_deg": s.min_elevation_deg}
        points.append(ScenePoint("sensors", p.name, lat, lon, figures=figures, sources=sources_of(s)))
        fan = coverage_fan(lat, lon, reach, math.degrees(p.boresight_azimuth_rad), s.sector_half_width_deg or 180.0,
                           earth)
        areas.append(SceneArea("coverage", p.name, ((fan,),), figures={
            **figures, "ground_reach_m": reach, "target_altitude_m": COVERAGE_ALTITUDE_M,
            "drawn": "derived: slant range (R^4 law) and horizon at the lowest elevation, spherical Earth"},
            sources=sources_of(s)))
    return points, areas


def engagement_scene(result: Any, *, title: str, earth: EarthModel | None = None,
                     rcs_m2: float | None = None, missile: Any = None) -> Scene:
    """An engagement (:class:`~openbmd.engagement.ShotEngagement`): the threat's path, the deployment and
    its coverage, each intercept opportunity, and a fly-out from site to intercept point for each shot."""
    earth = earth or wgs84()
    w = result.window
    src = sources_of(missile) if missile is not None else ()
    paths = flown_paths(result.threat, [0], [title], "trajectories",
                        [{"threat_impact_time_s": w.threat_impact_time_s, "detected_by": w.detected_by,
                          "detection_time_s": w.detection_time_s, "firm_track_time_s": w.firm_track_time_s}],
                        [src], earth)
    points, areas = deployment_points(result.batteries, result.posts, earth, rcs_m2)
    by_site = {b.site: b for b in result.batteries}
    for o in [*w.windows, *w.shots]:
        points.append(ScenePoint("intercepts", f"{o.which} ({o.site})", o.lat_deg, o.lon_deg, o.altitude_m,
                                 o.intercept_time_s, figures=o.to_json()))
    for o in w.shots:
        b = by_site.get(o.site)
        if b is not None:
            paths.append(flyout_path(b, o, earth))
    return Scene(title, tuple(points), tuple(paths), tuple(areas))


def flyout_path(battery: Any, o: Any, earth: EarthModel) -> ScenePath:
    """An interceptor's fly-out drawn as the straight line from its site to the intercept point, timed from
    launch to intercept (a depiction of where and when, not the flown curve)."""
    a = geodetic_to_ecef(battery.lat_rad, battery.lon_rad, battery.alt_m, earth)
    b = geodetic_to_ecef(math.radians(o.lat_deg), math.radians(o.lon_deg), o.altitude_m, earth)
    f = np.linspace(0.0, 1.0, FLYOUT_SAMPLES)
    lat, lon, alt = ecef_to_geodetic(a[None, :] + f[:, None] * (b - a)[None, :], earth)
    t = o.interceptor_launch_time_s + f * o.interceptor_flight_s
    return ScenePath("flyouts", f"{o.interceptor} from {o.site} ({o.which})", t, np.degrees(lat), np.degrees(lon),
                     alt, {**o.to_json(), "drawn": "straight line, site to intercept point"},
                     sources_of(battery.interceptor))


def footprint_scene(fp: Any, batteries: Sequence[Any], posts: Sequence[Any], *, title: str,
                    origin: tuple[float, float, str], earth: EarthModel | None = None,
                    rcs_m2: float | None = None) -> Scene:
    """A footprint (:class:`~openbmd.engagement.Footprint`): the threatened area, the area defended with at
    least k shots for each k, the deployment and the launch point."""
    earth = earth or wgs84()
    meta = {k: v for k, v in fp.to_json().items() if not isinstance(v, (list, dict))}
    areas = [SceneArea("footprints", "threatened (within the missile's reach)",
                       tuple((np.asarray(p.exterior.coords), *(np.asarray(r.coords) for r in p.interiors))
                             for p in cells_area(fp.lat_deg, fp.lon_deg, fp.step_deg, fp.threatened)),
                       value=0, figures={**meta, "shots_at_least": 0})]
    top = int(fp.shots.max()) if fp.shots.size else 0
    for k in range(1, top + 1):
        mask = fp.shots >= k
        polys = cells_area(fp.lat_deg, fp.lon_deg, fp.step_deg, mask)
        areas.append(SceneArea("footprints", f"defended with ≥ {k} shot{'s' if k > 1 else ''}",
                               tuple((np.asarray(p.exterior.coords), *(np.asarray(r.coords) for r in p.interiors))
                                     for p in polys), value=k,
                               figures={"shots_at_least": k, "area_km2": fp.area_km2(mask),
                                        "points": int(mask.sum()), "grid_step_deg": fp.step_deg}))
    points, cover = deployment_points(batteries, posts, earth, rcs_m2)
    points.append(ScenePoint("launches", origin[2], origin[0], origin[1], figures={"missile": meta.get("missile")}))
    return Scene(title, tuple(points), (), tuple(areas + cover))


def assurance_scene(data: dict[str, Any], corridors: Any, catalog: Any, *, earth: EarthModel | None = None) -> Scene:
    """Strategic corridors (each base-target flight, with engageability and speed threshold), the
    deployment's sites, and the bases and targets."""
    earth = earth or wgs84()
    pairs = data["pairs"]
    names = [f"{p['base']} → {p['target']}" for p in pairs]
    figures = [{k: v for k, v in p.items() if not isinstance(v, (list, dict))} for p in pairs]
    srcs = [sources_of(catalog.missile(m)) for m in corridors.missiles]
    paths = flown_paths(corridors.threats, range(len(pairs)), names, "corridors", figures, srcs, earth)
    points = []
    for s in data.get("sites", []):
        place = catalog.place(s["name"].split("/")[0])
        points.append(ScenePoint("sites", s["name"], place.lat_deg, place.lon_deg,
                                 figures={k: v for k, v in s.items() if not isinstance(v, (list, dict))},
                                 sources=sources_of(place)))
    for layer, names_ in (("launches", sorted(set(corridors.bases))), ("targets", sorted(set(corridors.targets)))):
        for n in names_:
            place = catalog.place(n)
            points.append(ScenePoint(layer, place.display_name, place.lat_deg, place.lon_deg,
                                     sources=sources_of(place)))
    return Scene(f"{data.get('deployment', 'deployment')}: corridors", tuple(points), tuple(paths))


def exercise_geometry(scenario: Any, catalog: Any) -> tuple[list[ScenePoint], list[SceneArea]]:
    """An exercise's fixed geometry: batteries, sensors, launch areas (timed), defended assets, sector maps."""
    from shapely.geometry import mapping

    from openbmd.exercise.geometry import sector_geometry

    points, areas = [], []
    for party in scenario.parties:
        for b in party.batteries:
            place = catalog.place(b.site)
            points.append(ScenePoint("sites", f"{party.name}: {b.site}/{b.interceptor}", place.lat_deg,
                                     place.lon_deg, figures={"party": party.name, "interceptor": b.interceptor,
                                                             "inventory": b.inventory},
                                     sources=sources_of(catalog.interceptor(b.interceptor))))
        for s in party.sensors:
            entry = catalog.get(s)
            if getattr(entry, "lat_deg", None) is not None:
                points.append(ScenePoint("sensors", f"{party.name}: {s}", entry.lat_deg, entry.lon_deg,
                                         figures={"party": party.name}, sources=sources_of(entry)))
    for r in scenario.raid:
        o, m = catalog.place(r.origin), catalog.missile(r.missile)
        points.append(ScenePoint("launches", f"{r.missile} ×{r.count} from {r.origin} at {r.target}", o.lat_deg,
                                 o.lon_deg, t_s=r.launch_time_s, figures={"missile": r.missile, "count": r.count,
                                                                         "target": r.target,
                                                                         "decoys": decoys_flown(m, r.decoys)},
                                 sources=sources_of(m)))
    for a in scenario.assets:
        place = catalog.place(a.place)
        points.append(ScenePoint("targets", place.display_name, place.lat_deg, place.lon_deg,
                                 figures={"value": a.value}, sources=sources_of(place)))
    for party, geom in sector_geometry(scenario).items():
        polys = mapping(geom)["coordinates"]
        polys = [polys] if mapping(geom)["type"] == "Polygon" else polys
        areas.append(SceneArea("sectors", f"{party} sector", tuple(tuple(np.asarray(r) for r in p) for p in polys),
                               figures={"party": party}))
    return points, areas


def exercise_scene(scenario: Any, catalog: Any, earth: EarthModel | None = None) -> Scene:
    """An exercise's geometry (:func:`exercise_geometry`) and each raid entry's flight (its first warhead,
    scenario time)."""
    from openbmd.exercise.geometry import fly_raid

    earth = earth or wgs84()
    points, areas = exercise_geometry(scenario, catalog)
    threats = fly_raid(scenario, catalog, earth).threats
    warheads = np.flatnonzero(threats.is_warhead)
    first = {int(threats.shot[k]): int(k) for k in warheads[::-1]}  # each raid entry's first warhead
    entries = sorted(first)
    raid = [scenario.raid[i] for i in entries]
    paths = flown_paths(threats, [first[i] for i in entries],
                        [f"{r.missile} {r.origin} → {r.target} (raid {i})" for i, r in zip(entries, raid)],
                        "trajectories", [{"launch_time_s": r.launch_time_s, "count": r.count,
                                          "decoys": decoys_flown(catalog.missile(r.missile), r.decoys)}
                                         for r in raid],
                        [sources_of(catalog.missile(r.missile)) for r in raid], earth)
    return Scene(scenario.name, tuple(points), tuple(paths), tuple(areas))


def sampled_path(summary: Any, n: int) -> dict[str, list[float]]:
    """``n`` samples of a flight evenly spaced in time from launch to impact (s, deg, m), for JSON."""
    t = np.linspace(summary.t_s[0], summary.t_s[-1], n)
    lon = np.degrees(np.unwrap(summary.lon_rad))
    wrapped = (np.interp(t, summary.t_s, lon) + 180.0) % 360.0 - 180.0
    return {"t_s": t.tolist(), "lat_deg": np.interp(t, summary.t_s, np.degrees(summary.lat_rad)).tolist(),
            "lon_deg": wrapped.tolist(), "alt_m": np.interp(t, summary.t_s, summary.alt_m).tolist()}


def scene_from_document(doc: Any, where: str) -> Scene:
    """A scene from a scene document, or from the ``--json`` output of ``trajectory`` (its ``path``, with
    ``--samples``), ``engage`` (its intercept points), ``exercise replay`` (its ``scene``), ``exercise run``
    (the mode comparison, a panel) or ``threat`` (its range contours)."""
    from openbmd.errors import InputError
    from openbmd.report.exports.exercise import comparison_panel, threat_scene

    if isinstance(doc, dict) and doc.get("format") == "openbmd-scene":
        return Scene.from_json(doc, where)
    if isinstance(doc, dict) and isinstance(doc.get("scene"), dict):
        return Scene.from_json(doc["scene"], where)
    try:
        if isinstance(doc, dict) and isinstance(doc.get("modes"), dict) and "trials" in doc:
            return Scene(f"exercise ({where})", panels=(comparison_panel(doc),))
        if isinstance(doc, dict) and isinstance(doc.get("threats"), list) and "assumptions" in doc:
            return threat_scene(doc, where)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"cannot read it as an exercise or threat result: {exc!r}", where) from None
    if isinstance(doc, dict) and isinstance(doc.get("path"), dict) and "impact" in doc:
        p, title = doc["path"], f"trajectory ({where})"
        try:
            path = ScenePath("trajectories", title, p["t_s"], p["lat_deg"], p["lon_deg"], p["alt_m"],
                             {k: v for k, v in doc.items() if isinstance(v, (int, float))})
        except (KeyError, ValueError) as exc:
            raise InputError(f"path: {exc}", where) from None
        ends = (ScenePoint("launches", "launch", doc["launch"]["lat_deg"], doc["launch"]["lon_deg"], t_s=path.t_s[0]),
                ScenePoint("targets", "impact", doc["impact"]["lat_deg"], doc["impact"]["lon_deg"],
                           t_s=doc["impact"].get("time_s")))
        return Scene(title, ends, (path,))
    if isinstance(doc, dict) and "shot_plan" in doc and "windows" in doc:
        pts = tuple(ScenePoint("intercepts", f"{o['which']} ({o['site']})", o["lat_deg"], o["lon_deg"],
                               o["altitude_m"], o["intercept_time_s"], figures=o)
                    for o in [*doc["windows"], *doc["shot_plan"]])
        return Scene(f"engagement ({where})", pts)
    raise InputError("holds nothing to draw: give a scene (--export x.scene.json), trajectory --json --samples N, "
                     "or the --json of engage, exercise run, exercise replay or threat", where)
