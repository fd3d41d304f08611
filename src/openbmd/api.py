"""The front door: a few functions in names, degrees and kilometres at the edge, SI inside.

>>> import openbmd as ob
>>> flight = ob.trajectory("generic-irbm", "tabriz", "warsaw")           # doctest: +SKIP
>>> round(flight.ground_range_m / 1e3)                                    # doctest: +SKIP
2512
>>> flight.to_dataframe().columns.tolist()                                # doctest: +SKIP
['t_s', 'lat_deg', 'lon_deg', 'altitude_m']

Places are catalog names, ``"lat,lon"`` text or ``(lat_deg, lon_deg)`` tuples; missiles, interceptors,
sensors and deployments are catalog names or catalog entries. Every result is a frozen object with
``to_json()`` (SI, angles in degrees), ``to_dataframe()`` (pandas) and ``plot()`` (the figure the CLI
draws, as a matplotlib ``Figure``). Bad input raises :class:`openbmd.errors.InputError` naming the
parameter. Long runs show progress (``progress=False`` silences it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openbmd.catalog import Catalog, Deployment, Missile, Place
from openbmd.earth import EarthModel
from openbmd.errors import InputError, UnknownNameError, renamed_arguments
from openbmd.progress import progress_bar

if TYPE_CHECKING:
    from openbmd.catalog.variants import Outcome, VariantStudy
    from openbmd.flight.dispersion import Dispersion
    import pandas as pd
    from matplotlib.figure import Figure

    from openbmd.engagement import Footprint, ShotEngagement
    from openbmd.exercise.compare import Comparison
    from openbmd.exercise.results import ExerciseResult
    from openbmd.exercise.scenario import Scenario
    from openbmd.flight import TrajectorySummary
    from openbmd.report.exports import Scene
    from openbmd.threat import ThreatAssessment
    from openbmd.tracking.picture import TrackingReport

__all__ = [
    "Catalog", "PlaceLike", "trajectory", "trajectory_from_burnout", "engage", "footprint", "assure", "exercise",
    "compare_exercises", "track", "TrajectoryResult", "EngagementResult", "FootprintResult", "AssuranceReport",
    "ExerciseReport", "ExerciseComparison", "TrackingResult", "threat", "ThreatResult", "flight_test",
    "FlightTestReport",
]

PlaceLike = str | Place | tuple[float, float]
"""A catalog place name, ``"lat,lon"`` in degrees, a :class:`~openbmd.catalog.Place` or ``(lat_deg, lon_deg)``."""

LatLon = tuple[float, float]


# --- resolution: names and degrees to catalog objects ---------------------------------------------------

def _catalog(catalog: Catalog | None) -> Catalog:
    return catalog if catalog is not None else Catalog.load()


def _earth(earth: str | EarthModel) -> EarthModel:
    from openbmd.earth import by_name

    return earth if isinstance(earth, EarthModel) else by_name(earth)


def _entry(cat: Catalog, kind: str, value: Any, argument: str) -> Any:
    if not isinstance(value, str):
        return value
    if not value.strip():
        raise InputError(f"is empty; give a catalog {kind} name", argument)
    try:
        return getattr(cat, kind)(value.strip())
    except UnknownNameError as exc:
        raise UnknownNameError(str(exc), argument) from None


def _point(cat: Catalog, place: PlaceLike, argument: str) -> tuple[float, float, str]:
    """``(lat_deg, lon_deg, label)``."""
    if isinstance(place, Place):
        return place.lat_deg, place.lon_deg, place.display_name
    if isinstance(place, tuple):
        place = ",".join(f"{float(x):g}" for x in place)
    if not isinstance(place, str) or not place.strip():
        raise InputError("is empty; give a catalog place, 'lat,lon' or (lat_deg, lon_deg)", argument)
    return cat.point(place, argument)


def _site_text(place: PlaceLike) -> str:
    """A site as the catalog name or ``"lat,lon"`` text that fire units are built from."""
    if isinstance(place, Place):
        return place.name
    if isinstance(place, tuple):
        return ",".join(f"{float(x):g}" for x in place)
    return place


def _names(values: Any) -> list[Any]:
    """One name, place or ``(lat, lon)``, or a sequence of them, as a list."""
    one_point = isinstance(values, tuple) and len(values) == 2 and all(isinstance(x, (int, float)) for x in values)
    return [values] if isinstance(values, (str, Place)) or one_point else list(values)


def _non_negative(value: float | None, argument: str) -> float | None:
    if value is not None and not (value >= 0.0 and math.isfinite(value)):
        raise InputError(f"must be a finite number ≥ 0, got {value!r}", argument)
    return value


def _positive(value: float | None, argument: str) -> float | None:
    if value is not None and not (value > 0.0 and math.isfinite(value)):
        raise InputError(f"must be a finite number > 0, got {value!r}", argument)
    return value


def _km_s(value: float | None, argument: str) -> float | None:
    return None if _positive(value, argument) is None else value * 1e3


def _timeline(cat: Catalog, timeline: str, *, launch_delay_s: float | None = None,
              track_delay_s: float | None = None, kill_assessment_s: float | None = None,
              threat_rcs_m2: float | None = None):
    from openbmd.engagement import timeline_for

    return timeline_for(cat, timeline, decision_delay_s=_non_negative(launch_delay_s, "launch_delay_s"),
                        firm_track_delay_s=_non_negative(track_delay_s, "track_delay_s"),
                        kill_assessment_delay_s=_non_negative(kill_assessment_s, "kill_assessment_s"),
                        threat_rcs_m2=_positive(threat_rcs_m2, "threat_rcs_m2"))


def _dataframe(rows: Any, columns: Sequence[str] | None = None) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


def _deg(x: float) -> float:
    return math.degrees(x)


def _over_variants(cat: Catalog, entries: Sequence[Any], n: int, seed: int, nominal: Outcome,
                   evaluate: Any, *, fixed: dict[str, Sequence[str]] | None = None, what: str = "",
                   progress: bool = True) -> VariantStudy:
    """``evaluate`` (a variant catalog -> :class:`~openbmd.catalog.variants.Outcome`) on ``n`` catalog variants
    of ``entries`` drawn with ``seed`` (see :mod:`openbmd.catalog.variants`), beside the ``nominal`` outcome."""
    from openbmd.catalog.variants import catalog_variants, study

    variants = catalog_variants(cat, entries, n, int(seed), fixed=fixed)
    with progress_bar(f"{what}: catalog variants", n, enabled=progress) as advance:
        return study(variants, nominal, evaluate, advance)


def _seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputError(f"must be a whole number, got {seed!r}", "seed")
    return seed


def _held(timeline: str, batteries: Sequence[Any], interceptor_speed_km_s: float | None,
          **timeline_figures: float | None) -> dict[str, list[str]]:
    """The figures an analysis sets itself, which stay still in every variant: the timeline's figures given a
    value, and every battery's interceptor speed when one speed is set for all."""
    held = {timeline: [k for k, v in timeline_figures.items() if v is not None]}
    if interceptor_speed_km_s is not None:
        held.update({b.interceptor.name: ["burnout_speed_mps"] for b in batteries})
    return held


class _Exportable:
    """A result that is also a map: ``scene()`` (what ``openbmd view`` shows) and ``export(path, ...)``
    (KML, CZML, GeoJSON, CSV or a scene file, by suffix)."""

    def scene(self) -> Scene:  # pragma: no cover - each result defines its own
        raise NotImplementedError

    def export(self, *paths: str | Path) -> None:
        """Write the result's scene to each path, the format chosen by its suffix."""
        from openbmd.report.exports import export_format, write_export

        for p in paths:
            export_format(p, "path")  # refuse an unknown suffix before building the scene
        scene = self.scene() if paths else None
        for p in paths:
            write_export(p, scene, "path")


# --- flight ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrajectoryResult(_Exportable):
    """One flight: key figures (SI) and thinned samples. ``summary`` is the flight core's own summary;
    ``launch`` and ``target`` label its ends; ``missile`` is the catalog entry flown (none from burnout)."""

    summary: TrajectorySummary
    title: str
    launch: str = "launch"
    target: str = "impact"
    missile: Missile | None = None
    dispersion: Dispersion | None = None
    """With ``uncertainty``: the Monte Carlo over the missile's estimate ranges (:mod:`openbmd.flight.dispersion`)."""

    @property
    def ground_range_m(self) -> float:
        return self.summary.ground_range_m

    @property
    def apogee_altitude_m(self) -> float:
        return self.summary.apogee_altitude_m

    @property
    def flight_time_s(self) -> float:
        return self.summary.flight_time_s

    def to_json(self, samples: int = 0) -> dict[str, Any]:
        """The ``openbmd trajectory --json`` document; ``samples`` ≥ 2 adds a ``path`` of that many samples
        evenly spaced in time (s, deg, m)."""
        if samples < 0 or samples == 1:
            raise InputError(f"must be 0 (no path) or at least 2, got {samples}", "samples")
        doc = self.summary.to_json()
        if samples:
            from openbmd.report.exports.build import sampled_path

            doc["path"] = sampled_path(self.summary, samples)
        if self.dispersion is not None:
            doc["uncertainty"] = self.dispersion.to_json()
        return doc

    def scene(self) -> Scene:
        """The flight's path with its launch and impact points."""
        from openbmd.report.exports.build import trajectory_scene

        return trajectory_scene(self.summary, title=self.title, launch=self.launch, target=self.target,
                                missile=self.missile)

    def to_dataframe(self) -> pd.DataFrame:
        """One row per sample: ``t_s`` (from launch), ``lat_deg``, ``lon_deg``, ``altitude_m``."""
        import numpy as np

        s = self.summary
        return _dataframe({"t_s": s.t_s, "lat_deg": np.degrees(s.lat_rad), "lon_deg": np.degrees(s.lon_rad),
                           "altitude_m": s.alt_m})

    to_frame = to_dataframe

    def plot(self) -> Figure:
        """Ground track on the map and altitude against time (``openbmd trajectory --png``)."""
        from openbmd.report.trajectory_plot import trajectory_figure

        s = self.summary
        frame = self.to_dataframe()
        return trajectory_figure(frame.lat_deg, frame.lon_deg, frame.t_s, frame.altitude_m, title=self.title,
                                 launch=(_deg(s.launch_lat_rad), _deg(s.launch_lon_rad)),
                                 impact=(_deg(s.impact_lat_rad), _deg(s.impact_lon_rad)),
                                 launch_name=self.launch, impact_name=self.target)

    def __repr__(self) -> str:
        return (f"TrajectoryResult({self.title!r}: range {self.ground_range_m / 1e3:,.0f} km, apogee "
                f"{self.apogee_altitude_m / 1e3:,.0f} km, {self.flight_time_s / 60:.1f} min)")


def trajectory(missile: str | Missile, origin: PlaceLike, target: PlaceLike, *, apogee_km: float | None = None,
               flight_time_s: float | None = None, earth: str | EarthModel = "wgs84",
               catalog: Catalog | None = None, uncertainty: int = 0, seed: int = 0) -> TrajectoryResult:
    """Fly ``missile`` from ``origin`` to ``target``: minimum energy, or lofted/depressed to a given apogee (km)
    or flight time (s). ``uncertainty`` = N > 0 adds a Monte Carlo over N variants drawn (paired, ``seed``)
    from the catalog figures' estimate ranges: the spread of maximum range, apogee and flight time."""
    from openbmd.catalog.variants import check_variant_count
    from openbmd.flight import Loft, TrajectorySummary, aim_missile
    from openbmd.flight.dispersion import disperse

    check_variant_count(uncertainty)
    if apogee_km is not None and flight_time_s is not None:
        raise InputError("give apogee_km or flight_time_s, not both", "apogee_km")
    loft = (Loft.apogee(_positive(apogee_km, "apogee_km") * 1e3) if apogee_km is not None else
            Loft.flight_time(_positive(flight_time_s, "flight_time_s")) if flight_time_s is not None else
            Loft.min_energy())
    cat, model = _catalog(catalog), _earth(earth)
    m = _entry(cat, "missile", missile, "missile")
    lat0, lon0, label0 = _point(cat, origin, "origin")
    lat1, lon1, label1 = _point(cat, target, "target")
    with renamed_arguments({"to": "target", "from": "origin"}):
        shot = aim_missile(m, math.radians(lat0), math.radians(lon0), math.radians(lat1), math.radians(lon1),
                           model, loft)
    how = ("min-energy" if apogee_km is None and flight_time_s is None else
           f"apogee={apogee_km:g}km" if apogee_km is not None else f"time={flight_time_s:g}s")
    spread = None
    if uncertainty:
        spread = disperse(m, shot, math.radians(lat0), math.radians(lon0), model, uncertainty, int(seed))
    return TrajectoryResult(TrajectorySummary.of(shot.trajectory), f"{m.display_name}: {label0} to {label1} ({how})",
                            label0, label1, m, spread)


def trajectory_from_burnout(altitude_km: float, speed_km_s: float, flight_path_angle_deg: float, *,
                            origin: PlaceLike = (0.0, 0.0), azimuth_deg: float = 90.0, beta_kg_m2: float = 5000.0,
                            earth: str | EarthModel = "wgs84", catalog: Catalog | None = None) -> TrajectoryResult:
    """Fly from burnout conditions (Earth-relative speed and flight-path angle) above ``origin``."""
    from openbmd import flight

    _non_negative(altitude_km, "altitude_km")
    _positive(speed_km_s, "speed_km_s")
    _positive(beta_kg_m2, "beta_kg_m2")
    if not -90.0 < flight_path_angle_deg < 90.0:
        raise InputError("must lie between -90 and 90 deg", "flight_path_angle_deg")
    model = _earth(earth)
    lat, lon, label = _point(_catalog(catalog), origin, "origin")
    states = flight.burnout_states(math.radians(lat), math.radians(lon), altitude_km * 1e3, speed_km_s * 1e3,
                                   math.radians(flight_path_angle_deg), math.radians(azimuth_deg), model)
    batch = flight.fly_ballistic(states, model, beta_kg_m2=beta_kg_m2, sample_dt_s=5.0)
    if batch.status[0] != 0:
        raise InputError("this burnout state does not come back to the ground within 2 hours", "speed_km_s")
    return TrajectoryResult(flight.TrajectorySummary.of(batch, from_burnout=True), f"From burnout at {label}",
                            label)


# --- engagement ------------------------------------------------------------------------------------------

def _marks(batteries, posts) -> tuple[dict[str, LatLon], dict[str, LatLon]]:
    sites = {b.site: (_deg(b.lat_rad), _deg(b.lon_rad)) for b in batteries}
    radars = {p.name: (_deg(p.lat_rad), _deg(p.lon_rad)) for p in posts if p.is_radar}
    return sites, radars


@dataclass(frozen=True)
class EngagementResult(_Exportable):
    """One threat against a deployment: detection, firm track, launch and the intercept window.

    ``engagement`` is the engagement core's result (aim solution, samples, fire units, sensor posts, window);
    ``missile`` the threat's catalog entry; ``threat_rcs_m2`` the radar cross-section the sensors saw.
    """

    engagement: ShotEngagement
    title: str
    missile: Missile | None = None
    threat_rcs_m2: float | None = None
    uncertainty: VariantStudy | None = None
    """With ``uncertainty``: the same engagement on catalog variants drawn from the estimate ranges."""

    @property
    def feasible(self) -> bool:
        return self.engagement.window.feasible

    @property
    def window(self):
        return self.engagement.window

    def to_json(self) -> dict[str, Any]:
        """The ``openbmd engage --json`` document (with ``uncertainty``, the variants' block): the threat's verdict
        (its most demanding warhead's window: ``most_demanding_object``) and ``objects``, each engaged object's
        window with its ``kind`` (warhead, decoy) and the ``warhead`` it flies with (1-based)."""
        doc = self.window.to_json()
        doc["most_demanding_object"] = self.engagement.most_demanding
        doc["objects"] = self.engagement.objects_json()
        if self.uncertainty is not None:
            doc["uncertainty"] = self.uncertainty.to_json()
        return doc

    def outcome(self) -> Outcome:
        """What this engagement concludes: a window exists, shoot-look-shoot (a second shot after the first's kill
        assessment) is possible, each site has an opportunity; shots and times (s)."""
        from openbmd.catalog.variants import Outcome

        w = self.window
        earliest = [o.intercept_time_s for o in w.windows if o.which == "earliest"]
        latest = [o.intercept_time_s for o in w.windows if o.which == "latest"]
        sites = dict.fromkeys(b.site for b in self.engagement.batteries)
        return Outcome({"threat reaches the target": True, "window exists": w.feasible,
                        "shoot-look-shoot possible": len(w.shots) >= 2,
                        **{f"{s} has an intercept opportunity": any(o.site == s for o in w.windows) for s in sites}},
                       {"shoot_look_shoot_shots": float(len(w.shots)),
                        "earliest_intercept_s": min(earliest) if earliest else math.nan,
                        "window_s": max(latest) - min(earliest) if earliest else math.nan})

    def to_dataframe(self) -> pd.DataFrame:
        """One row per opportunity of every engaged object: ``kind`` (window or shot), site, interceptor, times (s),
        intercept point, and the object (``object`` index, ``object_kind``: warhead or decoy, ``object_label``,
        ``verdict``: true for the most demanding warhead, whose window is the threat's)."""
        e = self.engagement
        objects = e.objects_json()
        windows = e.windows if e.objects is not None else (self.window,)
        rows = [{"kind": kind, **dataclasses.asdict(o), "object": ob["object"], "object_kind": ob["kind"],
                 "object_label": ob["label"], "verdict": ob["object"] == e.most_demanding}
                for ob, w in zip(objects, windows)
                for kind, opps in (("window", w.windows), ("shot", w.shots)) for o in opps]
        return _dataframe(rows)

    to_frame = to_dataframe

    def scene(self) -> Scene:
        """The threat's path, the deployment and its coverage, the intercept points and the fly-outs."""
        from openbmd.report.exports.build import engagement_scene

        return engagement_scene(self.engagement, title=self.title, rcs_m2=self.threat_rcs_m2, missile=self.missile)

    def plot(self) -> Figure:
        """The threat's track with sites, radars and intercept points; altitude with the window shaded; every
        released object's track with its shots where the missile releases several (the verdict's bold)."""
        import numpy as np

        from openbmd.earth import ecef_to_geodetic
        from openbmd.report.engagement_plot import ObjectTrack, engagement_figure

        e, w = self.engagement, self.window
        objects = []
        if e.objects is not None and len(e.objects) > 1:
            o_lat, o_lon, o_alt = ecef_to_geodetic(e.objects.r_ecef, e.shot.trajectory.earth)
            labels = [e.object_label(i) for i in range(len(e.objects))]
            objects = [ObjectTrack(labels[i], np.degrees(o_lat[i]), np.degrees(o_lon[i]), e.objects.t_s[i], o_alt[i],
                                   len(e.windows[i].shots), i == e.most_demanding) for i in range(len(e.objects))]
        t, lat, lon, alt = e.shot.trajectory.samples_geodetic(0)
        lat, lon = np.degrees(lat), np.degrees(lon)
        starts = [o.intercept_time_s for o in w.windows if o.which == "earliest"]
        ends = [o.intercept_time_s for o in w.windows if o.which == "latest"]
        sites, radars = _marks(e.batteries, e.posts)
        return engagement_figure(lat, lon, t, alt, title=self.title, launch=(float(lat[0]), float(lon[0])),
                                 impact=(float(lat[-1]), float(lon[-1])), sites=sites, sensors=radars,
                                 intercepts={f"{o.which} ({o.site})": (o.lat_deg, o.lon_deg) for o in w.windows},
                                 window_s=(min(starts), max(ends)) if starts else None,
                                 shot_times_s=[o.intercept_time_s for o in w.shots], objects=objects)

    def __repr__(self) -> str:
        w = self.window
        verdict = "feasible" if w.feasible else f"no intercept opportunity: {w.reason}"
        return (f"EngagementResult({self.title!r}: {verdict}, "
                f"{len(w.shots)} shoot-look-shoot shot(s))")


def engage(threat: str | Missile, origin: PlaceLike, target: PlaceLike, *, sites: PlaceLike | Sequence[PlaceLike],
           interceptors: str | Sequence[str] = (), sensors: str | Sequence[str] = (), timeline: str = "default",
           launch_delay_s: float | None = None, track_delay_s: float | None = None,
           kill_assessment_s: float | None = None, threat_rcs_m2: float | None = None,
           interceptor_speed_km_s: float | None = None, catalog: Catalog | None = None, uncertainty: int = 0,
           seed: int = 0, progress: bool = True, decoys: int | None = None) -> EngagementResult:
    """Aim ``threat`` from ``origin`` at ``target`` (minimum energy) and engage it with interceptors at ``sites``.

    Every object the threat puts in the air is engaged, as the exercise flies it: a missile with a post-boost
    vehicle (a MIRVed ICBM) releases its warheads along the bus's path, each with ``decoys`` decoys (unset: the
    bus's own ``decoys_per_rv``; a missile without a bus flies ``decoys`` on its own path). The result's
    ``window`` is the most demanding warhead's; ``engagement.windows`` holds every object's.

    ``interceptors``: one type for all sites, one per site, or none (each site's first catalog type);
    ``sensors``: places with radars or space IR sensors (each site's own radars always count).
    ``uncertainty`` = N > 0 engages again on N catalog variants (seeded by ``seed``) drawn from the estimate
    ranges of every figure the engagement uses (figures given here stay fixed): the share of draws in which a
    window exists and each site has an opportunity, and the figures each turns on.
    """
    from openbmd.catalog.variants import Outcome, check_variant_count, referenced
    from openbmd.earth import wgs84
    from openbmd.engagement import engage_shot
    from openbmd.errors import OutOfRangeError

    n, seed = check_variant_count(uncertainty), _seed(seed)
    cat = _catalog(catalog)
    m = _entry(cat, "missile", threat, "missile")
    _, _, label0 = _point(cat, origin, "origin")
    _, _, label1 = _point(cat, target, "target")
    site_list = [_site_text(s) for s in _names(sites)]
    tl = _timeline(cat, timeline, launch_delay_s=launch_delay_s, track_delay_s=track_delay_s,
                   kill_assessment_s=kill_assessment_s, threat_rcs_m2=threat_rcs_m2)
    if decoys is not None and (not isinstance(decoys, int) or decoys < 0):
        raise InputError(f"must be a whole number of at least 0, got {decoys!r}", "decoys")
    result = engage_shot(cat, m.name, _site_text(origin), _site_text(target), site_list, _names(interceptors),
                         _names(sensors), tl, wgs84(),
                         burnout_speed_mps=_km_s(interceptor_speed_km_s, "interceptor_speed_km_s"), decoys=decoys)
    out = EngagementResult(result, f"{m.display_name}: {label0} to {label1} vs {', '.join(site_list)}", m,
                           tl.threat_rcs_m2)
    if not n:
        return out
    names = [_site_text(origin), _site_text(target), *site_list, *(b.interceptor.name for b in result.batteries),
             *(p.name for p in result.posts), timeline]
    fixed = _held(timeline, result.batteries, interceptor_speed_km_s, decision_delay_s=launch_delay_s,
                  firm_track_delay_s=track_delay_s, kill_assessment_delay_s=kill_assessment_s,
                  threat_rcs_m2=threat_rcs_m2)

    def evaluate(variant: Catalog) -> Outcome:
        try:
            return engage(m.name, origin, target, sites=sites, interceptors=interceptors, sensors=sensors,
                          timeline=timeline, launch_delay_s=launch_delay_s, track_delay_s=track_delay_s,
                          kill_assessment_s=kill_assessment_s, threat_rcs_m2=threat_rcs_m2,
                          interceptor_speed_km_s=interceptor_speed_km_s, catalog=variant, decoys=decoys).outcome()
        except OutOfRangeError:  # this variant of the missile falls short of the target
            return Outcome({"threat reaches the target": False})

    study = _over_variants(cat, [m, *referenced(cat, names)], n, seed, out.outcome(), evaluate, fixed=fixed,
                           what="engage", progress=progress)
    return dataclasses.replace(out, uncertainty=study)


@dataclass(frozen=True)
class FootprintResult(_Exportable):
    """The area a deployment defends: shoot-look-shoot opportunities per aim point of a lat/lon grid.

    ``footprint`` is the engagement core's :class:`~openbmd.engagement.Footprint`; ``batteries`` and
    ``posts`` the fire units and sensor posts that defend it."""

    footprint: Footprint
    region: tuple[float, float, float, float]
    origin: LatLon
    sites: dict[str, LatLon]
    radars: dict[str, LatLon]
    title: str
    origin_label: str = "launch"
    batteries: tuple[Any, ...] = ()
    posts: tuple[Any, ...] = ()
    threat_rcs_m2: float | None = None
    uncertainty: VariantStudy | None = None
    """With ``uncertainty``: the footprint again on catalog variants; ``maps["defended"]`` is the share of draws
    defending each aim point."""

    @property
    def defended_area_km2(self) -> float:
        return self.footprint.defended_area_km2

    def to_json(self) -> dict[str, Any]:
        """The ``openbmd footprint --json`` document; with ``uncertainty`` its block adds the grid's axes and
        ``area_defended_km2_by_share``: the area defended in at least that share of draws."""
        doc = self.footprint.to_json()
        if self.uncertainty is not None:
            fp, share = self.footprint, self.uncertainty.map_shares["defended"]
            block = self.uncertainty.to_json()
            block["maps"] = {"lat_deg": [float(x) for x in fp.lat_deg], "lon_deg": [float(x) for x in fp.lon_deg],
                             **block["maps"]}
            block["area_defended_km2_by_share"] = {f"{q:g}": fp.area_km2(share >= q - 1e-12)
                                                   for q in DEFENDED_SHARES}
            doc["uncertainty"] = block
        return doc

    def outcome(self) -> Outcome:
        """Which aim points are defended; the defended and threatened areas (km²) and the defended fraction."""
        from openbmd.catalog.variants import Outcome

        j = self.footprint.to_json()
        threatened = j["threatened_area_km2"]
        return Outcome({}, {"defended_area_km2": j["defended_area_km2"], "threatened_area_km2": threatened,
                            "defended_fraction": j["defended_area_km2"] / threatened if threatened else math.nan},
                       {"defended": self.footprint.defended})

    def to_geojson(self) -> dict[str, Any]:
        """The defended area as a GeoJSON FeatureCollection."""
        return self.footprint.to_geojson()

    def to_dataframe(self) -> pd.DataFrame:
        """One row per aim point: ``lat_deg``, ``lon_deg``, ``shots`` (-1: out of reach), ``threatened``,
        ``defended``, ``cell_area_km2``."""
        import numpy as np

        fp = self.footprint
        lat, lon = np.meshgrid(fp.lat_deg, fp.lon_deg, indexing="ij")
        return _dataframe({"lat_deg": lat.ravel(), "lon_deg": lon.ravel(), "shots": fp.shots.ravel(),
                           "threatened": fp.threatened.ravel(), "defended": fp.defended.ravel(),
                           "cell_area_km2": np.repeat(fp.cell_area_km2, len(fp.lon_deg))})

    to_frame = to_dataframe

    def scene(self) -> Scene:
        """The threatened area, the area defended with at least k shots for each k, the deployment and the
        launch point."""
        from openbmd.report.exports.build import footprint_scene

        return footprint_scene(self.footprint, self.batteries, self.posts, title=self.title,
                               origin=(*self.origin, self.origin_label), rcs_m2=self.threat_rcs_m2)

    def plot(self) -> Figure:
        """Opportunities per aim point on the map, the defended area outlined (``openbmd footprint --png``)."""
        from openbmd.report.engagement_plot import footprint_figure

        fp = self.footprint
        return footprint_figure(fp.lat_deg, fp.lon_deg, fp.shots, fp.shots_required, self.region, title=self.title,
                                origin=self.origin, sites=self.sites, sensors=self.radars)

    def __repr__(self) -> str:
        j = self.to_json()
        return (f"FootprintResult({self.title!r}: defended {j['defended_area_km2']:,.0f} of "
                f"{j['threatened_area_km2']:,.0f} km² threatened)")


DEFENDED_SHARES: tuple[float, ...] = (1.0, 0.95, 0.5, 0.05)
"""The shares of draws at which a footprint's uncertainty reports the area defended in at least that share."""


def footprint(missile: str | Missile, origin: PlaceLike, *, sites: PlaceLike | Sequence[PlaceLike],
              interceptors: str | Sequence[str] = (), sensors: str | Sequence[str] = (),
              region: str | tuple[float, float, float, float] = "europe", grid_deg: float = 0.5, shots: int = 1,
              timeline: str = "default", launch_delay_s: float | None = None, track_delay_s: float | None = None,
              kill_assessment_s: float | None = None, threat_rcs_m2: float | None = None,
              interceptor_speed_km_s: float | None = None, progress: bool = True,
              catalog: Catalog | None = None, uncertainty: int = 0, seed: int = 0) -> FootprintResult:
    """Attack every aim point of a ``grid_deg`` grid over ``region`` (a name or ``(lat1, lat2, lon1, lon2)``
    in degrees) from ``origin`` and count the shots the deployment gets; a point is defended with ≥ ``shots``.
    ``uncertainty`` = N > 0 computes the footprint again on N catalog variants (seeded by ``seed``) drawn from
    the estimate ranges of the figures it uses: the share of draws defending each point, percentiles of the
    defended area and fraction, and the figures they turn on."""
    import numpy as np

    from openbmd.catalog.variants import check_variant_count, referenced
    from openbmd.earth import wgs84
    from openbmd.engagement import (batteries, defended_footprint, deployment_posts, grid_axes, region_box,
                                    threat_grid)

    n, seed = check_variant_count(uncertainty), _seed(seed)
    cat, earth = _catalog(catalog), wgs84()
    box = region_box(region if isinstance(region, str) else ",".join(f"{float(x):g}" for x in region))
    _positive(grid_deg, "grid")
    grid_axes(box, grid_deg)  # refuse a grid too fine before any work
    if not isinstance(shots, int) or shots < 1:
        raise InputError(f"must be at least 1, got {shots!r}", "shots")
    m = _entry(cat, "missile", missile, "missile")
    lat0, lon0, label0 = _point(cat, origin, "origin")
    site_list = [_site_text(s) for s in _names(sites)]
    tl = _timeline(cat, timeline, launch_delay_s=launch_delay_s, track_delay_s=track_delay_s,
                   kill_assessment_s=kill_assessment_s, threat_rcs_m2=threat_rcs_m2)
    bats = batteries(cat, site_list, _names(interceptors), earth,
                     burnout_speed_mps=_km_s(interceptor_speed_km_s, "interceptor_speed_km_s"))
    posts = deployment_posts(cat, site_list, _names(sensors))
    meta = {"missile": m.name, "threat_origin": label0, "sites": site_list,
            **({"warheads_per_aim_point": m.post_boost.rvs} if m.post_boost is not None else {}),
            "interceptors": [b.interceptor.name for b in bats], "sensors": [p.name for p in posts],
            "region": region if isinstance(region, str) else list(box)}
    with progress_bar("footprint: aiming", 1, enabled=progress) as advance:
        grid = threat_grid(m, lat0, lon0, box, grid_deg, earth)
        advance(1)
    reachable = int(np.count_nonzero(grid.aims.reachable))
    with progress_bar("footprint: engaging", reachable, enabled=progress) as advance:
        fp = defended_footprint(grid, bats, posts, tl, earth, shots_required=shots, meta=meta, progress=advance)
    site_marks, radars = _marks(bats, posts)
    out = FootprintResult(fp, box, (lat0, lon0), site_marks, radars,
                          f"{m.display_name} from {label0}: defended by {', '.join(site_list)}", label0,
                          tuple(bats), tuple(posts), tl.threat_rcs_m2)
    if not n:
        return out
    names = [_site_text(origin), *site_list, *(b.interceptor.name for b in bats), *(p.name for p in posts), timeline]
    fixed = _held(timeline, bats, interceptor_speed_km_s, decision_delay_s=launch_delay_s,
                  firm_track_delay_s=track_delay_s, kill_assessment_delay_s=kill_assessment_s,
                  threat_rcs_m2=threat_rcs_m2)

    def evaluate(variant: Catalog):
        return footprint(m.name, origin, sites=sites, interceptors=interceptors, sensors=sensors, region=region,
                         grid_deg=grid_deg, shots=shots, timeline=timeline, launch_delay_s=launch_delay_s,
                         track_delay_s=track_delay_s, kill_assessment_s=kill_assessment_s,
                         threat_rcs_m2=threat_rcs_m2, interceptor_speed_km_s=interceptor_speed_km_s, progress=False,
                         catalog=variant).outcome()

    study = _over_variants(cat, [m, *referenced(cat, names)], n, seed, out.outcome(), evaluate, fixed=fixed,
                           what="footprint", progress=progress)
    return dataclasses.replace(out, uncertainty=study)


# --- assurance -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AssuranceReport(_Exportable):
    """A deployment against strategic corridors: per pair engageability, speed threshold and delay budget;
    site distances; optionally criteria (declared and observed), the speed × delay sweep and the
    year-by-year declarations.

    ``data`` is the ``openbmd assure --json`` document; ``corridors`` the flown corridors."""

    data: dict[str, Any]
    corridors: Any
    catalog: Catalog | None = None
    uncertainty: VariantStudy | None = None
    """With ``uncertainty``: the pairs, sites and criteria again on catalog variants (also under
    ``data["uncertainty"]``)."""

    def to_json(self) -> dict[str, Any]:
        return self.data

    def to_dataframe(self) -> pd.DataFrame:
        """One row per base-target pair."""
        return _dataframe(self.data["pairs"])

    to_frame = to_dataframe

    def plot(self) -> Figure:
        """Engageable pairs against a common interceptor burnout speed (the report's threshold curve)."""
        from openbmd.report.assurance_report import threshold_figure

        return threshold_figure(self.data)

    def scene(self) -> Scene:
        """Each base-target corridor with its engageability, the deployment's sites, bases and targets."""
        from openbmd.report.exports.build import assurance_scene

        return assurance_scene(self.data, self.corridors, self.catalog or Catalog.load())

    def write_report(self, folder: str | Path) -> Path:
        """The offline HTML report (with JSON and figures) in ``folder``; returns its index.html."""
        from openbmd.report.assurance_report import write_assurance_report

        return write_assurance_report(Path(folder), self.data, self.corridors)

    def __repr__(self) -> str:
        s = self.data["summary"]
        return (f"AssuranceReport({self.data['deployment']!r}: {s['engageable_pairs']} of {s['total_pairs']} "
                f"pairs engageable)")


def _deployment_or_file(cat: Catalog, value: str | Deployment | Any, kind: str, argument: str):
    from openbmd.catalog import parse_entries

    if not isinstance(value, str):
        return value
    path = Path(value)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise InputError(f"no such file {value!r}", argument)
        entries = [e for e in parse_entries(str(path), path.read_text(encoding="utf-8")) if e.kind == kind]
        if not entries:
            raise InputError(f"{value} holds no {kind} entry", argument)
        return entries[0]
    return _entry(cat, kind, value, argument)


def _assurance_outcome(pairs: Sequence[dict[str, Any]], sites: Sequence[dict[str, Any]],
                       criteria: Sequence[dict[str, Any]]) -> Outcome:
    """What an assessment concludes: each pair engageable, each site farther from the border than its reach,
    each criterion met; the engageable and reachable pair counts."""
    from openbmd.catalog.variants import Outcome

    return Outcome({**{f"{p['base']} -> {p['target']} engageable": p["engageable"] for p in pairs},
                    **{f"{s['name']} ({s['interceptor']}) farther from the border than its reach":
                       s["satisfies_distance_criterion"] for s in sites},
                    **{f"criterion {c['name']} met": c["satisfied"] for c in criteria}},
                   {"engageable_pairs": float(sum(p["engageable"] for p in pairs)),
                    "reachable_pairs": float(sum(p["reachable"] for p in pairs))})


def _criteria(cat: Catalog, value: Any):
    """A criteria set: a catalog set's name, a YAML file, an entry, or the name of one criterion in a catalog set
    (``not-to-the-urals``), which is then checked alone."""
    try:
        return _deployment_or_file(cat, value, "criteria", "criteria")
    except UnknownNameError:
        for cs in cat.entries("criteria"):
            one = [c for c in cs.criteria if c.name == value.strip()]
            if one:
                return cs.model_copy(update={"criteria": one})
        raise


def assure(deployment: str | Deployment, *, forces: str = "russia-icbm", targets: str = "north-america",
           criteria: str | None = None, border: str | None = None, delay_s: float | None = None,
           interceptor_speed_km_s: float | None = None, timeline: str = "default", sweep: bool = False,
           by_year: bool = False, observed: Sequence[str | Path | FlightTestReport] = (), progress: bool = True,
           catalog: Catalog | None = None, uncertainty: int = 0, seed: int = 0) -> AssuranceReport:
    """Can ``deployment`` (a catalog name, a YAML file in the catalog's format, or an entry) engage the strategic
    missiles of ``forces`` (a named force or base names) flying at ``targets`` (a named set or places)?
    ``observed``: flight-test JSON files (``openbmd flight-test --json``), or :func:`flight_test` results, whose
    observed speeds check ``criteria`` beside the declared ones. ``uncertainty`` = N > 0 assesses again on N
    catalog variants (seeded by ``seed``) drawn from the estimate ranges of the figures used (missiles, bases,
    interceptors, sites, sensors, timeline): the share of draws in which each pair is engageable, each site's
    distance check and each criterion holds, and the figures each turns on. The sweep, the years and the observed
    checks stay nominal."""
    from openbmd.assurance import (assess, assess_years, evaluate_criteria, force_bases, sensitivity,
                                   strategic_corridors, target_places)
    from openbmd.assurance.assess import SWEEP_DELAYS_S
    from openbmd.catalog import load_catalog
    from openbmd.catalog.variants import check_variant_count, referenced
    from openbmd.earth import wgs84
    from openbmd.earth.borders import country
    from openbmd.engagement import timeline_for

    n, seed = check_variant_count(uncertainty), _seed(seed)
    if catalog is None:
        extra = [deployment] if isinstance(deployment, str) and Path(deployment).is_file() else []
        catalog = load_catalog(extra)
    cat, earth = catalog, wgs84()
    dep = _deployment_or_file(cat, deployment, "deployment", "deployment")
    crit = _criteria(cat, criteria) if criteria else None
    speed = _km_s(interceptor_speed_km_s, "interceptor_speed_km_s")
    tl = timeline_for(cat, timeline, decision_delay_s=_non_negative(delay_s, "delay_s"))
    if by_year and not dep.declarations:
        raise InputError(f"deployment {dep.name!r} has no annual declaration", "by_year")
    corridors = strategic_corridors(cat, force_bases(cat, forces), target_places(cat, targets), earth)
    border = border or (crit.border_country if crit else ("USA" if dep.country == "RUS" else "RUS"))
    try:
        border = country(border).iso_a3 or border
    except UnknownNameError as exc:
        raise UnknownNameError(str(exc).removeprefix("country: "), "border") from None
    data = assess(cat, dep, corridors, tl, earth, border_country=border, burnout_speed_mps=speed).to_json()
    data["forces"], data["targets"] = forces, targets
    if crit is not None:
        data["criteria"] = evaluate_criteria(cat, dep, crit, corridors, tl, earth, burnout_speed_mps=speed)
    if observed:
        data["criteria_observed"] = _observed(cat, dep, crit, observed, earth)
    if sweep:
        with progress_bar("assure: speed x delay sweep", len(SWEEP_DELAYS_S), enabled=progress) as advance:
            data["sensitivity"] = sensitivity(cat, dep, corridors, tl, earth, progress=advance)
    if by_year:
        data["years"] = assess_years(cat, dep, corridors, tl, earth, border_country=border, burnout_speed_mps=speed)
    if not n:
        return AssuranceReport(data, corridors, cat)

    def evaluate(variant: Catalog) -> Outcome:
        v_dep = variant.deployment(dep.name)
        v_corridors = strategic_corridors(variant, force_bases(variant, forces), target_places(variant, targets),
                                          earth)
        v_tl = timeline_for(variant, timeline, decision_delay_s=delay_s)
        v = assess(variant, v_dep, v_corridors, v_tl, earth, border_country=border, burnout_speed_mps=speed,
                   with_thresholds=False).to_json()
        v_crit = (evaluate_criteria(variant, v_dep, crit, v_corridors, v_tl, earth, burnout_speed_mps=speed)
                  if crit is not None else [])
        return _assurance_outcome(v["pairs"], v["sites"], v_crit)

    names = [*corridors.bases, *corridors.targets, *corridors.missiles, timeline]
    fixed = _held(timeline, [], None, decision_delay_s=delay_s)
    if speed is not None:
        fixed.update({e.interceptor: ["burnout_speed_mps"] for e in dep.emplacements})
    study = _over_variants(cat, [dep, *referenced(cat, [dep.name, *names])], n, seed,
                           _assurance_outcome(data["pairs"], data["sites"], data.get("criteria", [])), evaluate,
                           fixed=fixed, what="assure", progress=progress)
    data["uncertainty"] = study.to_json()
    return AssuranceReport(data, corridors, cat, study)


def _observed(cat: Catalog, dep: Deployment, crit: Any, files: Sequence[str | Path], earth: EarthModel) -> list:
    """The criteria with the observed speeds of ``files`` (flight-test JSON) beside the declared ones."""
    import json

    from openbmd.assurance.observed import criteria_both_ways, observed_speed

    if crit is None:
        raise InputError("is needed to check observed flight tests against", "criteria")
    speeds = []
    for f in files:
        if isinstance(f, (FlightTestReport, dict)):  # a flight test of this session, or its JSON already read
            source = "observed"
            speeds.append(observed_speed(f.to_json() if isinstance(f, FlightTestReport) else f, source))
        else:
            source = str(f)
            try:
                speeds.append(observed_speed(json.loads(Path(f).read_text(encoding="utf-8")), source))
            except InputError:
                raise
            except (OSError, ValueError) as exc:
                raise InputError(f"cannot read {f}: {exc}", "observed") from None
        try:  # a flight test of an interceptor the catalog does not know would check nothing: say so
            cat.interceptor(speeds[-1].interceptor)
        except UnknownNameError as exc:
            raise UnknownNameError(f"{source}: {exc}", "observed") from None
    return criteria_both_ways(cat, dep, crit, speeds, earth)


# --- threat assessment -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ThreatResult:
    """A shared threat assessment: per missile, launch area and assumption set the reach on the rotating Earth,
    the targets and countries within it, flight, re-entry and warning times, and the year the threat exists
    from; and the divergence table (which catalog figure two sets state differently, and what it changes).

    ``assessment`` is the threat package's :class:`~openbmd.threat.ThreatAssessment`."""

    assessment: ThreatAssessment

    @property
    def threats(self) -> list:
        return self.assessment.threats

    @property
    def divergence(self) -> list:
        return self.assessment.divergence

    def to_json(self) -> dict[str, Any]:
        """The ``openbmd threat --json`` document (SI)."""
        return self.assessment.to_json()

    def to_dataframe(self) -> pd.DataFrame:
        """One row per (missile, area, assumption set): greatest range (m), the year it exists from, whether it
        exists in the assessed year, whether it nears orbital speed, targets and countries reached, median joint
        warning time (s)."""
        import numpy as np

        rows = []
        for t in self.assessment.threats:
            joint = [w for w in t.warning_time_s.get("joint", {}).values() if w is not None]
            rows.append({"missile": t.missile, "area": t.area, "assumption": t.assumption,
                         "max_range_m": t.max_range_m, "first_year": t.first_year, "exists": t.exists,
                         "orbital": t.orbital, "targets": len(t.reaches), "countries": len(t.countries),
                         "median_joint_warning_s": float(np.median(joint)) if joint else None})
        return _dataframe(rows).set_index(["missile", "area", "assumption"])

    to_frame = to_dataframe

    def divergence_frame(self) -> pd.DataFrame:
        """One row per diverging figure: missile, field, each set's value, and the consequence in words."""
        sets = self.assessment.request.assumptions
        rows = [{"missile": d.missile, "field": d.field, **{f"value_{k}": d.values.get(k) for k in sets},
                 "consequence": d.consequence} for d in self.assessment.divergence]
        return _dataframe(rows, ["missile", "field", *(f"value_{k}" for k in sets), "consequence"])

    def plot(self, assumption: str | None = None) -> Figure:
        """The range contours under ``assumption`` (default: the first set), countries within reach shaded."""
        from openbmd.report.threat_report import threat_figure

        sets = list(self.assessment.request.assumptions)
        if assumption is None:
            assumption = sets[0]
        if assumption not in sets:
            raise InputError(f"{assumption!r} was not assessed; choose one of {', '.join(sets)}", "assumption")
        return threat_figure(self.to_json(), assumption)

    def geojson(self) -> dict[str, Any]:
        """The range contours as a GeoJSON FeatureCollection (``openbmd threat --geojson``)."""
        from openbmd.report.threat_report import threat_geojson

        return threat_geojson(self.to_json())

    def write_report(self, folder: str | Path) -> Path:
        """The offline HTML report (maps, tables, JSON and GeoJSON) in ``folder``; returns its index.html."""
        from openbmd.report.threat_report import write_threat_report

        return write_threat_report(Path(folder), self.to_json())

    def __repr__(self) -> str:
        r = self.assessment.request
        return (f"ThreatResult({len(r.missiles)} missiles x {len(r.areas)} areas x {len(r.assumptions)} sets: "
                f"{sum(t.exists for t in self.threats)} of {len(self.threats)} threats exist, "
                f"{len(self.divergence)} diverging figures)")


def _text_names(values: str | Sequence[Any], argument: str) -> tuple[Any, ...]:
    """Comma-separated text or a sequence, as a tuple of at least one name, each once (in the order given)."""
    names = tuple(n.strip() for n in values.split(",") if n.strip()) if isinstance(values, str) else tuple(values)
    if not names:
        raise InputError("give at least one name", argument)
    return tuple(dict.fromkeys(names))


def threat(areas: str | Sequence[str | Any] = (), missiles: str | Sequence[str] = (), *,
           assumptions: str | Sequence[str] = ("nato", "russia"), year: int | None = None, azimuths: int = 24,
           polygons: dict[str, Sequence[tuple[float, float]]] | None = None, progress: bool = True,
           catalog: Catalog | None = None) -> ThreatResult:
    """Who is threatened by ``missiles`` (catalog names) launched from ``areas`` (catalog places, or
    :class:`~openbmd.threat.LaunchArea` polygons) under each of ``assumptions`` (catalog assumption sets)?
    ``polygons``: more launch areas, name -> (lat, lon) vertices in degrees. ``year``: assess the threats that
    exist in that year (None: any). ``azimuths``: launch azimuths per range contour (at least 8)."""
    from openbmd.earth import wgs84
    from openbmd.threat import ThreatRequest, assess_threats, assessment_steps, polygon_area

    if not isinstance(azimuths, int) or isinstance(azimuths, bool) or azimuths < 8:
        raise InputError(f"need at least 8 azimuths (a whole number), got {azimuths!r}", "azimuths")
    if year is not None and not (isinstance(year, int) and 1950 <= year <= 2100):
        raise InputError(f"year {year!r} is outside 1950..2100", "year")
    cat = _catalog(catalog)
    with renamed_arguments({"areas": "polygons"}):
        extra = tuple(polygon_area(name, v) for name, v in (polygons or {}).items())
    places = _text_names(areas, "areas") if areas or not extra else ()
    request = ThreatRequest(places + extra, _text_names(missiles, "missiles"), _text_names(assumptions, "assumptions"),
                            year, azimuths)
    labels = [a if isinstance(a, str) else a.name for a in request.areas]
    twice = sorted({n for n in labels if labels.count(n) > 1})
    if twice:
        raise InputError(f"two launch areas are named {', '.join(map(repr, twice))}; give each area its own name",
                         "polygons" if any(not isinstance(a, str) and a.name in twice for a in request.areas)
                         else "areas")
    for area in places:
        if isinstance(area, str):
            _point(cat, area, "areas")
    for names, kind, argument in ((request.missiles, "missile", "missiles"),
                                  (request.assumptions, "assumptions", "assumptions")):
        for name in names:
            _entry(cat, kind, name, argument)
    with progress_bar("threat: missiles x sets", assessment_steps(request), enabled=progress) as advance:
        return ThreatResult(assess_threats(cat, request, wgs84(), progress=advance))


# --- flight-test observation ----------------------------------------------------------------------------

@dataclass(frozen=True)
class FlightTestReport:
    """An observed interceptor flight test: the burnout speed and height the observer estimates with their 95 %
    intervals beside the truth and the declaration, the speed limits checked, how the estimate tightens with
    more data (own sensors, + released tracks, + telemetry) and converges in time, and with ``trials`` the
    Monte Carlo coverage. ``result`` is the verify package's :class:`~openbmd.verify.FlightTestResult`."""

    result: Any

    @property
    def statement(self) -> str:
        """The result in words: 'observed 4.5000 km/s ± 0.03 m/s (95 %), declared 4.5 km/s (consistent); ...'."""
        return self.result.statement()

    def to_json(self) -> dict[str, Any]:
        """The ``openbmd flight-test --json`` document (SI)."""
        return self.result.to_json()

    def to_dataframe(self) -> pd.DataFrame:
        """The tightening table: one row per data set (own sensors, + released tracks, + telemetry) with its
        rows, speed estimate, 1-σ and 95 % interval (m/s; None where that data set fixes nothing)."""
        rows = [{"data": r["data"], "rows": r["rows"], "estimate_mps": r["estimate"], "sigma_mps": r["sigma"],
                 "ci95_low_mps": r["ci95"][0] if r["ci95"] else None,
                 "ci95_high_mps": r["ci95"][1] if r["ci95"] else None} for r in self.result.tightening]
        return _dataframe(rows).set_index("data")

    to_frame = to_dataframe

    def plot(self) -> Figure:
        """The estimate as data arrive (its 95 % band against analysis time, the truth and the declaration)."""
        from openbmd.report.verify_report import convergence_figure

        return convergence_figure(self.result)

    def write_report(self, folder: str | Path) -> Path:
        """The observer's replay (HTML with the ground track, coverage, measurements over time and the
        converging estimate; JSON and figures) in ``folder``; returns its index.html."""
        from openbmd.report.verify_report import write_flight_test_report

        return write_flight_test_report(Path(folder), self.result)

    def __repr__(self) -> str:
        r = self.result.request
        return f"FlightTestReport({r.interceptor} from {r.site}, observed by {r.observer}: {self.statement})"


def _release(released: str):
    from openbmd.verify import ReleasePolicy

    with renamed_arguments({"release": "released"}):
        return ReleasePolicy(released)


def flight_test(interceptor: str, site: PlaceLike, *, azimuth_deg: float, observer: str,
                declared_speed_km_s: float | None = None, flown_speed_km_s: float | None = None,
                pitch_over_deg: float = 30.0, observer_sensors: str | Sequence[str] = (), released: str = "none",
                speed_limits_km_s: dict[str, float] | None = None, trials: int = 0, seed: int = 0,
                catalog: Catalog | None = None) -> FlightTestReport:
    """Fly a test of ``interceptor`` from ``site`` on ``azimuth_deg`` (pitch-over ``pitch_over_deg``), observed by
    ``observer`` (a party with an assumption set: its sensors) and the instruments it brings (``observer_sensors``,
    ``"PLACE:SENSOR"``); the tester releases ``released`` (none, tracks or telemetry). The test is declared at
    ``declared_speed_km_s`` (default: the catalog's) and flown at ``flown_speed_km_s`` (default: as declared).
    ``speed_limits_km_s``: limits checked beside the catalog's (name -> km/s). ``trials``: seeded Monte Carlo
    runs scored for the coverage of the 95 % intervals."""
    from openbmd.earth import wgs84
    from openbmd.verify import FlightTestRequest, run_flight_test

    cat = _catalog(catalog)
    entry = _entry(cat, "interceptor", interceptor, "interceptor")
    _point(cat, site, "site")
    for value, argument in ((azimuth_deg, "azimuth_deg"), (pitch_over_deg, "pitch_over_deg")):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InputError(f"must be a finite angle in degrees, got {value!r}", argument)
    if not 0.0 < pitch_over_deg < 90.0:
        raise InputError(f"must be between 0 and 90 degrees, got {pitch_over_deg!r}", "pitch_over_deg")
    if isinstance(trials, bool) or not isinstance(trials, int) or not 0 <= trials <= 100_000:
        raise InputError(f"must be a whole number 0..100000, got {trials!r}", "trials")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"must be a whole number >= 0, got {seed!r}", "seed")
    instruments = (observer_sensors,) if isinstance(observer_sensors, str) else tuple(observer_sensors)
    parties = sorted({s.party for s in cat.entries("assumptions")})
    if observer not in parties and not instruments:
        raise InputError(f"unknown party {observer!r}, and it brings no sensor of its own; parties: {', '.join(parties)}",
                         "observer")
    limits = tuple((str(name), _km_s(v, "speed_limits_km_s")) for name, v in (speed_limits_km_s or {}).items())
    request = FlightTestRequest(
        entry.name, _site_text(site), math.radians(azimuth_deg), observer, kick_rad=math.radians(pitch_over_deg),
        declared_speed_mps=_km_s(declared_speed_km_s, "declared_speed_km_s"),
        flown_speed_mps=_km_s(flown_speed_km_s, "flown_speed_km_s"), instruments=instruments,
        policy=_release(released), speed_limits_mps=limits, trials=trials, seed=seed)
    with renamed_arguments({"instruments": "observer_sensors", "release": "released"}):
        return FlightTestReport(run_flight_test(cat, request, wgs84()))


# --- exercise --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExerciseReport(_Exportable):
    """The cooperation modes side by side over seeded Monte Carlo trials.

    ``result`` is the exercise's own :class:`~openbmd.exercise.results.ExerciseResult`."""

    result: ExerciseResult
    scenario: Scenario
    catalog: Catalog
    uncertainty: VariantStudy | None = None
    """With ``uncertainty``: the modes again on catalog variants, with the same trials and seed."""

    @property
    def modes(self) -> list[str]:
        return list(self.result.modes)

    def to_json(self) -> dict[str, Any]:
        """The ``openbmd exercise run --json`` document (with ``uncertainty``, the variants' block)."""
        doc = self.result.to_json()
        if self.uncertainty is not None:
            doc["uncertainty"] = self.uncertainty.to_json()
        return doc

    def outcome(self) -> Outcome:
        """What the run concludes: each mode beats independent (higher P(no leak)); per mode P(no leak) and
        expected leakers."""
        from openbmd.catalog.variants import Outcome
        from openbmd.exercise.compare import RAID_REACHES

        modes = self.result.modes
        base = modes.get("independent")
        beats = {RAID_REACHES: True,
                 **{f"{m} beats independent": v.p_no_leak > base.p_no_leak
                    for m, v in modes.items() if base is not None and m != "independent"}}
        return Outcome(beats, {**{f"{m} p_no_leak": v.p_no_leak for m, v in modes.items()},
                               **{f"{m} expected_leakers": v.expected_leakers for m, v in modes.items()}})

    def to_dataframe(self) -> pd.DataFrame:
        """One row per mode: P(no leak) with its 95 % interval, the paired difference to independent,
        expected leakers, interceptors used and wasted, value defended."""
        rows = []
        for mode, v in self.result.modes.items():
            d = v.paired_vs_independent
            rows.append({"mode": mode, "p_no_leak": v.p_no_leak, "p_no_leak_lo": v.p_no_leak_ci[0],
                         "p_no_leak_hi": v.p_no_leak_ci[1],
                         "p_no_leak_vs_independent": None if d is None else d.p_no_leak_diff,
                         "expected_leakers": v.expected_leakers, "interceptors_used": v.interceptors_used,
                         "interceptors_wasted": v.interceptors_wasted, "value_defended": v.value_defended})
        return _dataframe(rows).set_index("mode")

    to_frame = to_dataframe

    def trials(self) -> pd.DataFrame:
        """One row per (mode, trial): leakers, interceptors used, wasted and spent on decoys, value defended.
        The same trial number meets the same random draws in every mode (common random numbers)."""
        import numpy as np
        import pandas as pd

        parts = []
        for mode, raw in self.result.per_trial.items():
            cols = {k: v for k, v in raw.items() if np.ndim(v) == 1}
            n = len(next(iter(cols.values())))
            parts.append(pd.DataFrame({"mode": mode, "trial": np.arange(n), **cols}))
        frame = pd.concat(parts, ignore_index=True)
        return frame.rename(columns={"used": "interceptors_used", "wasted": "interceptors_wasted",
                                     "at_decoys": "interceptors_at_decoys", "defended": "value_defended"})

    def plot(self) -> Figure:
        """P(no leaker) with 95 % intervals and interceptors used, per mode (the report's first figure)."""
        from openbmd.report.exercise_report import modes_figure

        return modes_figure(self.result.modes)

    def scene(self) -> Scene:
        """The exercise's geometry: batteries, sensors, launch areas, assets, sectors and the raid's flights."""
        from openbmd.report.exports.build import exercise_scene

        return exercise_scene(self.scenario, self.catalog)

    def write_report(self, folder: str | Path) -> Path:
        """The offline HTML report in ``folder``; returns its index.html."""
        from openbmd.report.exercise_report import write_exercise_report

        return write_exercise_report(Path(folder), self.result, self.scenario, self.catalog, self.to_json())

    def __repr__(self) -> str:
        best = max(self.result.modes.values(), key=lambda v: v.p_no_leak)
        return (f"ExerciseReport({self.result.scenario!r}, {self.result.trials:,} trials, seed {self.result.seed}: "
                f"best {best.mode} P(no leak) {best.p_no_leak:.3f})")


@contextlib.contextmanager
def _dask_client(workers: int | None, scheduler: str | None) -> Iterator[Any]:
    if workers is None and scheduler is None:
        yield None
        return
    if workers is not None and scheduler is not None:
        raise InputError("give workers or scheduler, not both", "workers")
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}", "scheduler") from None
        with client:
            yield client
        return
    if workers < 1:
        raise InputError(f"must be at least 1, got {workers}", "workers")
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client


def exercise(scenario: str | Path | Scenario, *, trials: int = 10_000, seed: int = 1,
             modes: str | Sequence[str] | None = None, workers: int | None = None, scheduler: str | None = None,
             progress: bool = True, catalog: Catalog | None = None, uncertainty: int = 0) -> ExerciseReport:
    """Run ``scenario`` (a built-in name such as ``"nrc-2012"``, a YAML file or a Scenario) in each cooperation
    mode over ``trials`` seeded trials. ``workers`` starts a local Dask cluster; ``scheduler`` uses a running one.
    The same seed gives the same answer for any number of workers. ``uncertainty`` = N > 0 runs again on N catalog
    variants drawn (seeded by ``seed``) from the estimate ranges of the scenario's missiles, interceptors, sensors,
    places and timeline, each with the same trials and seed (common random numbers, so the variants differ by
    the catalog alone): the share of draws in which each mode beats independent, and P(no leak) percentiles."""
    from openbmd.catalog.variants import Outcome, check_variant_count, referenced
    from openbmd.earth import wgs84
    from openbmd.errors import OutOfRangeError
    from openbmd.exercise.compare import RAID_REACHES
    from openbmd.exercise.run import parse_modes, run_exercise
    from openbmd.exercise.scenario import MODES

    if not isinstance(trials, int) or trials < 1:
        raise InputError(f"must be at least 1, got {trials!r}", "trials")
    n = check_variant_count(uncertainty)
    cat = _catalog(catalog)
    sc = _scenario(cat, scenario)
    mode_list = parse_modes(modes if isinstance(modes, str) else ",".join(modes or MODES))
    with _dask_client(workers, scheduler) as client:
        with progress_bar(f"{sc.name}: trials", trials * len(mode_list), enabled=progress) as advance:
            result = run_exercise(sc, cat, wgs84(), modes=mode_list, trials=trials, seed=seed, client=client,
                                  progress=advance)
        out = ExerciseReport(result, sc, cat)
        if not n:
            return out

        def evaluate(variant: Catalog) -> Outcome:
            try:
                run = run_exercise(sc, variant, wgs84(), modes=mode_list, trials=trials, seed=seed, client=client)
            except OutOfRangeError:  # a variant of a raid missile falls short of its target
                return Outcome({RAID_REACHES: False})
            return ExerciseReport(run, sc, variant).outcome()

        study = _over_variants(cat, referenced(cat, _scenario_names(sc)), n, _seed(seed), out.outcome(), evaluate,
                               what=sc.name, progress=progress)
    return dataclasses.replace(out, uncertainty=study)


def _scenario_names(sc: Scenario) -> list[str]:
    """The catalog names a scenario uses: batteries' sites, interceptors and radars, sensors, the raid's missiles
    and places, the assets and the timeline."""
    names = [sc.timeline, *(a.place for a in sc.assets)]
    for party in sc.parties:
        names += [*party.sensors, *(x for b in party.batteries for x in (b.site, b.interceptor, b.radar) if x)]
    return names + [x for r in sc.raid for x in (r.missile, r.origin, r.target)]


def _scenario(cat: Catalog, value: str | Path | Scenario, argument: str = "scenario") -> Scenario:
    from openbmd.exercise.scenario import load_scenario

    with renamed_arguments({"scenario": argument}):
        return load_scenario(str(value), cat) if isinstance(value, (str, Path)) else value


@dataclass(frozen=True)
class ExerciseComparison:
    """Two scenarios run with the same trials and seed, and per mode the paired differences B − A.

    ``comparison`` is the exercise package's :class:`~openbmd.exercise.compare.Comparison`; ``a`` and ``b`` are
    the two runs (each an :class:`ExerciseReport`, with its per-trial outcomes)."""

    comparison: Comparison
    a: ExerciseReport
    b: ExerciseReport
    uncertainty: VariantStudy | None = None
    """With ``uncertainty``: both scenarios again on each catalog variant, paired as the nominal run is."""

    def to_json(self) -> dict[str, Any]:
        """The ``openbmd exercise compare --json`` document (with ``uncertainty``, the variants' block)."""
        doc = self.comparison.to_json()
        if self.uncertainty is not None:
            doc["uncertainty"] = self.uncertainty.to_json()
        return doc

    def to_dataframe(self) -> pd.DataFrame:
        """One row per mode: P(no leak) in A and B and the paired difference B − A with its 95 % interval;
        expected leakers the same."""
        rows = [{"mode": m.mode, "p_no_leak_a": m.p_no_leak[0], "p_no_leak_b": m.p_no_leak[1],
                 "p_no_leak_diff": m.p_no_leak_diff, "p_no_leak_diff_lo": m.p_no_leak_diff_ci[0],
                 "p_no_leak_diff_hi": m.p_no_leak_diff_ci[1], "expected_leakers_a": m.expected_leakers[0],
                 "expected_leakers_b": m.expected_leakers[1], "expected_leakers_diff": m.expected_leakers_diff,
                 "expected_leakers_diff_lo": m.expected_leakers_diff_ci[0],
                 "expected_leakers_diff_hi": m.expected_leakers_diff_ci[1]} for m in self.comparison.modes]
        return _dataframe(rows).set_index("mode")

    to_frame = to_dataframe

    def plot(self) -> Figure:
        """The paired differences B − A per mode with their 95 % intervals."""
        from openbmd.report.exercise_report import comparison_figure

        return comparison_figure(self.comparison)

    def __repr__(self) -> str:
        c = self.comparison
        diffs = ", ".join(f"{m.mode} {m.p_no_leak_diff:+.3f}" for m in c.modes)
        return f"ExerciseComparison({c.b!r} - {c.a!r}, {c.trials:,} trials, seed {c.seed}: P(no leak) {diffs})"


def compare_exercises(a: str | Path | Scenario, b: str | Path | Scenario, *, trials: int = 10_000, seed: int = 1,
                      modes: str | Sequence[str] | None = None, workers: int | None = None,
                      scheduler: str | None = None, progress: bool = True,
                      catalog: Catalog | None = None, uncertainty: int = 0) -> ExerciseComparison:
    """Run scenarios ``a`` and ``b`` (built-in names, YAML files or Scenarios) in the same modes with the same
    ``trials`` and ``seed``, and pair their trials: per mode, P(no leak) and expected leakers in each and the
    differences B − A with 95 % intervals (see :mod:`openbmd.exercise.compare`). ``uncertainty`` = N > 0 runs
    both again on each of N catalog variants (seeded by ``seed``) drawn from the estimate ranges of the figures
    either uses: the share of draws in which B leaks fewer than A, mode by mode, and what that turns on."""
    from openbmd.catalog.variants import Outcome, check_variant_count, referenced
    from openbmd.errors import OutOfRangeError
    from openbmd.exercise.compare import RAID_REACHES, compare_results

    n = check_variant_count(uncertainty)
    cat = _catalog(catalog)
    scenarios = [_scenario(cat, a, "a"), _scenario(cat, b, "b")]  # both checked before either runs
    names = tuple(v.name if not isinstance(v, (str, Path)) else str(v) for v in (a, b))

    def compared(variant: Catalog, **kw: Any) -> tuple[Comparison, ExerciseReport, ExerciseReport]:
        runs = [exercise(sc, trials=trials, seed=seed, modes=modes, workers=workers, scheduler=scheduler,
                         catalog=variant, **kw) for sc in scenarios]
        return compare_results(runs[0].result, runs[1].result, names), runs[0], runs[1]

    out = ExerciseComparison(*compared(cat, progress=progress))
    if not n:
        return out

    def evaluate(variant: Catalog) -> Outcome:
        try:
            return compared(variant, progress=False)[0].outcome()
        except OutOfRangeError:  # a variant of a raid missile falls short of its target
            return Outcome({RAID_REACHES: False})

    entries = referenced(cat, [*_scenario_names(scenarios[0]), *_scenario_names(scenarios[1])])
    study = _over_variants(cat, entries, n, _seed(seed), out.comparison.outcome(), evaluate,
                           what=f"{names[1]} - {names[0]}", progress=progress)
    return dataclasses.replace(out, uncertainty=study)


# --- tracking --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrackingResult:
    """What a party (or the joint centre) knows about a raid, and when. ``report`` is the tracking package's."""

    report: TrackingReport

    def to_json(self) -> dict[str, Any]:
        """The ``openbmd track --json`` document."""
        return self.report.to_json()

    def to_dataframe(self) -> pd.DataFrame:
        """One row per threat: detection and firm-track times (s after launch), errors (m), range class."""
        rows = [{"threat": t.id, "missile": t.missile, "first_detection_s": t.first_detection_s,
                 "firm_track_s": t.firm_track_s, "launch_point_error_m": t.launch_point_error_m,
                 "range_class": t.range_class,
                 "last_impact_error_m": t.impact_error_m_vs_time[-1][1] if t.impact_error_m_vs_time else None}
                for t in self.report.threats]
        return _dataframe(rows).set_index("threat")

    to_frame = to_dataframe

    def plot(self) -> Figure:
        """Impact-prediction error against time, per threat (``openbmd track --png``)."""
        from openbmd.report.tracking_plot import impact_error_figure

        return impact_error_figure(self.report)

    def __repr__(self) -> str:
        return (f"TrackingResult({self.report.scenario!r} as {self.report.party}: {self.report.n_tracks} tracks, "
                f"{self.report.n_false_tracks} false)")


def track(scenario: str | Path = "iran-europe", party: str = "joint", *, progress: bool = True,
          catalog: Catalog | None = None) -> TrackingResult:
    """Track a raid with ``party``'s sensors, or with the joint centre's fused picture (``"joint"``)."""
    from openbmd.tracking import load_scenario, run_scenario

    sc = load_scenario(str(scenario))
    steps = (len(sc.parties) if party == "joint" else 1) + 1
    with progress_bar(f"track: {party}", steps, enabled=progress) as advance:
        return TrackingResult(run_scenario(sc, party, catalog=catalog, progress=advance))


# --- exercise replay -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReplayResult(_Exportable):
    """One Monte Carlo trial of one mode, replayed event by event (launches, first tracks, shots, kills,
    leakers). ``replay`` is the exercise's own :class:`~openbmd.exercise.replay.TrialReplay`."""

    replay: Any
    scenario: Scenario
    catalog: Catalog

    @property
    def leakers(self) -> int:
        return self.replay.leakers

    def events(self) -> list[dict[str, Any]]:
        """Every event in time order (s after the first launch)."""
        return self.replay.events()

    def to_json(self, scene: bool = False) -> dict[str, Any]:
        """The ``openbmd exercise replay --json`` document; with ``scene``, the map too (``openbmd view``
        opens the file)."""
        doc = self.replay.to_json()
        return {**doc, "scene": self.scene().to_json()} if scene else doc

    def to_dataframe(self) -> pd.DataFrame:
        """One row per event: t_s, event (launch, track, shot, kill, leak), object, and the event's details."""
        return _dataframe(self.replay.events())

    def shots(self) -> pd.DataFrame:
        """One row per salvo fired: target object, battery, party, times (s), interceptors, killed, authority."""
        return self.replay.to_dataframe()

    def plot(self) -> Figure:
        """The trial as a timeline, one row per object (``openbmd exercise replay --png``)."""
        from openbmd.report.replay_plot import replay_figure

        return replay_figure(self.replay.to_json())

    def scene(self) -> Scene:
        """The trial on the map: the scenario's geometry, the flights to their kill or impact, the salvos'
        fly-outs, the first tracks, kills and leakers as timed points, and the event log."""
        from openbmd.report.exports.exercise import replay_scene

        return replay_scene(self.replay, self.scenario, self.catalog)

    def __repr__(self) -> str:
        r = self.replay
        return (f"ReplayResult({r.scenario!r} {r.mode}, trial {r.trial} of {r.trials:,}, seed {r.seed}: "
                f"{len(r.shots)} salvos, {r.leakers} leakers)")


def replay(scenario: str | Path | Scenario, mode: str = "joint", trial: int = 0, *, trials: int = 10_000,
           seed: int = 1, catalog: Catalog | None = None) -> ReplayResult:
    """Replay trial ``trial`` (0-based) of ``mode`` from the ``trials``-trial run of ``scenario`` with ``seed``:
    the same draws as that trial of :func:`exercise` with the same ``trials`` and ``seed``."""
    from openbmd.earth import wgs84
    from openbmd.exercise.replay import replay_trial
    from openbmd.exercise.scenario import load_scenario

    for value, name in ((trials, "trials"), (trial, "trial"), (seed, "seed")):
        if not isinstance(value, int) or isinstance(value, bool):
            raise InputError(f"must be a whole number, got {value!r}", name)
    if trials < 1:
        raise InputError(f"must be at least 1, got {trials}", "trials")
    cat = _catalog(catalog)
    sc = load_scenario(str(scenario), cat) if isinstance(scenario, (str, Path)) else scenario
    return ReplayResult(replay_trial(sc, cat, wgs84(), mode, trial, trials=trials, seed=seed), sc, cat)


__all__ += ["replay", "ReplayResult"]
