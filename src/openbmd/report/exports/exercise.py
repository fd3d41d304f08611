"""Scenes and panels of exercises and threat assessments: one replayed trial on the map, the modes
compared beside it, and the threat assessment's range contours.

A replay (:class:`~openbmd.exercise.replay.TrialReplay`) draws each flown object from launch to its
kill or impact, each salvo as a fly-out from its battery to the object's position at intercept time,
and the events as timed points: first tracks (``detections``), kills (``kills``) and leaking warheads'
impacts (``leakers``). Times are the scenario's (s after its first launch).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from openbmd.earth import EarthModel, ecef_to_geodetic, geodetic_to_ecef, wgs84
from openbmd.report.exports.build import FLYOUT_SAMPLES, exercise_geometry, sources_of
from openbmd.report.exports.scene import Scene, SceneArea, ScenePath, ScenePoint


def _object_name(o: Any) -> str:
    return f"{o.kind} {o.index}: {o.missile} {o.origin} → {o.target}"


def _samples(threats: Any, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Object ``i``'s finite samples: times (s) and ECEF positions (m)."""
    t = threats.t_s[i]
    ok = np.isfinite(t)
    return t[ok], threats.r_ecef[i][ok]


def _at(t_s: np.ndarray, r: np.ndarray, t: float) -> np.ndarray:
    """ECEF position (m) at time ``t`` (s), linear between samples (clamped at the ends)."""
    return np.array([np.interp(t, t_s, r[:, k]) for k in range(3)])


def _geodetic(r: np.ndarray, earth: EarthModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lat, lon, alt = ecef_to_geodetic(np.atleast_2d(r), earth)
    return np.degrees(lat), np.degrees(lon), alt


def replay_scene(replay: Any, scenario: Any, catalog: Any, earth: EarthModel | None = None) -> Scene:
    """One replayed trial on the map: the scenario's geometry, every object's flight up to its kill or
    impact, the salvos' fly-outs, and the first tracks, kills and leakers as timed points; with the
    trial's event log as a ``replay`` panel."""
    earth = earth or wgs84()
    th = replay.flown.threats
    points, areas = exercise_geometry(scenario, catalog)
    paths: list[ScenePath] = []
    where: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for o in replay.objects:
        t, r = _samples(th, o.index)
        where[o.index] = (t, r)
        end = o.killed_t_s if o.killed_t_s is not None else (o.impact_t_s if o.impact_t_s is not None else t[-1])
        keep = t < end
        tt, rr = np.append(t[keep], end), np.vstack([r[keep], _at(t, r, end)])
        if tt.size < 2:
            continue
        lat, lon, alt = _geodetic(rr, earth)
        fate = ("killed" if o.killed_t_s is not None else f"leaked ({o.leak_cause})" if o.leaked else
                "survived" if o.kind == "warhead" else "not a warhead")
        paths.append(ScenePath("trajectories", _object_name(o), tt, lat, lon, alt,
                               {**{k: v for k, v in vars(o).items() if k != "index"}, "object": o.index, "fate": fate},
                               sources_of(catalog.missile(o.missile))))
        if o.first_track_t_s is not None:
            sensor = replay.sensors[int(np.argmin(replay.first_track_s[:, o.index]))]
            la, lo, al = _geodetic(_at(t, r, o.first_track_t_s), earth)
            points.append(ScenePoint("detections", f"first track of {o.kind} {o.index}", float(la[0]), float(lo[0]),
                                     float(al[0]), o.first_track_t_s,
                                     {"object": o.index, "sensor": sensor, "first_track_t_s": o.first_track_t_s}))
        if o.killed_t_s is not None:
            la, lo, al = _geodetic(_at(t, r, o.killed_t_s), earth)
            points.append(ScenePoint("kills", f"kill of {o.kind} {o.index}", float(la[0]), float(lo[0]), float(al[0]),
                                     o.killed_t_s, {"object": o.index, "killed_t_s": o.killed_t_s,
                                                    "target": o.target}))
        elif o.leaked:
            la, lo, _ = _geodetic(_at(t, r, end), earth)
            points.append(ScenePoint("leakers", f"leaker: {o.kind} {o.index} at {o.target}", float(la[0]),
                                     float(lo[0]), 0.0, end, {"object": o.index, "impact_t_s": end,
                                                              "leak_cause": o.leak_cause, "target": o.target}))
    for n, s in enumerate(replay.shots):
        site = catalog.place(s.battery.split("/")[1])
        a = geodetic_to_ecef(np.radians(site.lat_deg), np.radians(site.lon_deg), 0.0, earth)
        b = _at(*where[s.target], s.intercept_t_s)
        f = np.linspace(0.0, 1.0, FLYOUT_SAMPLES)
        lat, lon, alt = _geodetic(a[None, :] + f[:, None] * (b - a)[None, :], earth)
        o = replay.objects[s.target]
        late = o.killed_t_s is not None and s.intercept_t_s > o.killed_t_s
        outcome = "already killed" if late else "kill" if s.killed else "miss"
        paths.append(ScenePath("flyouts", f"shot {n}: {s.battery} at {o.kind} {o.index} ({outcome})",
                               s.launch_t_s + f * (s.intercept_t_s - s.launch_t_s), lat, lon, alt,
                               {**vars(s), "outcome": outcome,
                                "drawn": "straight line, battery to the object at intercept time"}))
    title = f"{replay.scenario}: {replay.mode}, trial {replay.trial} of {replay.trials:,} (seed {replay.seed})"
    return Scene(title, tuple(points), tuple(paths), tuple(areas), panels=(replay_panel(replay),))


def replay_panel(replay: Any) -> dict[str, Any]:
    """The trial's events in time order, each with a line of text, for the page's event log."""
    objs = replay.objects

    def text(e: dict[str, Any]) -> str:
        o = objs[e["object"]]
        what = f"{o.kind} {o.index}"
        if e["event"] == "launch":
            return f"launch: {_object_name(o)}"
        if e["event"] == "track":
            return f"first track: {what} by {e['sensor']}"
        if e["event"] == "shot":
            return (f"shot: {e['battery']} at {what} ({e['authority']}), intercept at {e['intercept_t_s']:.0f} s: "
                    f"{'kill' if e['killed'] else 'miss'}")
        if e["event"] == "kill":
            return f"kill: {what}"
        return f"leak: {what} reaches {o.target} ({e['cause']})"

    events = [{"t_s": e["t_s"], "event": e["event"], "object": e["object"], "text": text(e)} for e in replay.events()]
    return {"kind": "replay", "title": f"Replay: {replay.mode}, trial {replay.trial}", "scenario": replay.scenario,
            "mode": replay.mode, "trial": replay.trial, "trials": replay.trials, "seed": replay.seed,
            "leakers": replay.leakers, "shots": len(replay.shots),
            "kills": sum(o.killed_t_s is not None for o in objs), "events": events}


def comparison_panel(data: dict[str, Any]) -> dict[str, Any]:
    """The modes side by side from an ``exercise run --json`` document: P(no leak) with its 95 % interval,
    the paired difference to independent with its interval, and expected leakers by cause."""
    modes = []
    for mode, v in data["modes"].items():
        d = v.get("paired_vs_independent") or {}
        modes.append({"mode": mode, "p_no_leak": v["p_no_leak"], "p_no_leak_ci": list(v["p_no_leak_ci"]),
                      "diff": d.get("p_no_leak_diff"), "diff_ci": list(d["ci"]) if d.get("ci") else None,
                      "expected_leakers": v["expected_leakers"], "interceptors_used": v.get("interceptors_used"),
                      "leak_causes": {c: x for c, x in (v.get("leak_causes") or {}).items() if x > 0}})
    return {"kind": "mode-comparison", "title": f"{data.get('scenario', 'exercise')}: {data.get('trials', 0):,} "
                                                f"trials per mode, seed {data.get('seed')}",
            "baseline": "independent", "modes": modes}


def threat_scene(data: dict[str, Any], where: str = "threat") -> Scene:
    """The range contours of a ``threat --json`` document: one area per (missile, launch area, assumption
    set), with the figures of the assessment."""
    areas = []
    for t in data["threats"]:
        lat = np.asarray(t["contour"]["lat_deg"], float)
        lon = np.asarray(t["contour"]["lon_deg"], float)
        ok = np.isfinite(lat) & np.isfinite(lon)
        if ok.sum() < 3:
            continue
        ring = np.column_stack([lon[ok], lat[ok]])
        if not np.array_equal(ring[0], ring[-1]):
            ring = np.vstack([ring, ring[:1]])
        countries = t.get("countries") or {}
        figures = {k: t.get(k) for k in ("missile", "area", "assumption", "party", "max_range_m", "min_range_m",
                                          "first_year", "exists")}
        figures |= {"reaches": ", ".join(t.get("reaches") or []) or "none",
                    "countries_whole": sum(v == "whole" for v in countries.values()),
                    "countries_part": sum(v == "part" for v in countries.values())}
        areas.append(SceneArea("contours", f"{t['missile']} from {t['area']} ({t['assumption']})", ((ring,),),
                               figures=figures))
    years = f", {data['year']}" if data.get("year") else ""
    return Scene(f"threat assessment ({where}{years})", areas=tuple(areas))
