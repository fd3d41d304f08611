"""A scene: what a result puts on a map, in one neutral form every export and the local page read.

Three kinds of feature, each on a named layer, each with its figures (SI, name carries
the unit) and the public sources of the catalog entries it draws on:

- :class:`ScenePoint`: a site, sensor, launch point, target or intercept (deg, m; optional time);
- :class:`ScenePath`: a trajectory, corridor or fly-out, time-tagged samples (s after the
  scene's epoch, deg, m above the WGS-84 ellipsoid);
- :class:`SceneArea`: a footprint, sensor coverage or sector, polygons of (lon, lat) rings in deg.

Times in results count from the threat's launch; exports that need a calendar (CZML, KML
tracks, CSV) add them to :attr:`Scene.epoch`, J2000 unless a result says otherwise.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
from numpy.typing import NDArray

from openbmd.errors import InputError

FORMAT = "openbmd-scene"
VERSION = 1
J2000 = dt.datetime(2000, 1, 1, 12, 0, 0, tzinfo=dt.timezone.utc)

# Okabe & Ito (2008), "Color Universal Design": distinguishable with any common colour-vision deficiency.
OKABE_ITO = {"orange": "#E69F00", "sky-blue": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000",
             "grey": "#999999"}

# One style per layer, shared by KML, CZML and the page: (label for legends, colour).
LAYERS: dict[str, tuple[str, str]] = {
    "sites": ("Interceptor sites", OKABE_ITO["blue"]),
    "sensors": ("Sensors", OKABE_ITO["green"]),
    "coverage": ("Sensor coverage", OKABE_ITO["green"]),
    "launches": ("Launch points", OKABE_ITO["vermillion"]),
    "targets": ("Targets and defended places", OKABE_ITO["black"]),
    "trajectories": ("Threat trajectories", OKABE_ITO["vermillion"]),
    "flyouts": ("Interceptor fly-outs", OKABE_ITO["blue"]),
    "intercepts": ("Intercept points", OKABE_ITO["orange"]),
    "footprints": ("Defended footprint", OKABE_ITO["sky-blue"]),
    "corridors": ("Strategic corridors", OKABE_ITO["purple"]),
    "sectors": ("Sectors", OKABE_ITO["yellow"]),
    "tracks": ("Fused tracks (live)", OKABE_ITO["orange"]),
    "impacts": ("Predicted impact points, 95 % ellipses", OKABE_ITO["vermillion"]),
    "detections": ("First tracks (replay)", OKABE_ITO["sky-blue"]),
    "kills": ("Kills (replay)", OKABE_ITO["green"]),
    "leakers": ("Leakers: impacts (replay)", OKABE_ITO["vermillion"]),
    "contours": ("Threat range contours", OKABE_ITO["purple"]),
}

TIMED_LAYERS = ("detections", "kills", "leakers")
"""Layers whose points are events: the page shows each from its time on."""

Figures = dict[str, Any]


def _check_layer(layer: str) -> None:
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; use one of {', '.join(LAYERS)}")


@dataclass(frozen=True)
class ScenePoint:
    """One place on the map: geodetic latitude, longitude (deg), height (m); time (s after epoch) if any."""

    layer: str
    name: str
    lat_deg: float
    lon_deg: float
    alt_m: float = 0.0
    t_s: float | None = None
    figures: Figures = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_layer(self.layer)


@dataclass(frozen=True)
class ScenePath:
    """Time-tagged samples of one flight: t (s after epoch), latitude, longitude (deg), height (m)."""

    layer: str
    name: str
    t_s: NDArray
    lat_deg: NDArray
    lon_deg: NDArray
    alt_m: NDArray
    figures: Figures = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_layer(self.layer)
        arrays = [np.asarray(a, dtype=np.float64) for a in (self.t_s, self.lat_deg, self.lon_deg, self.alt_m)]
        if len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 1 or arrays[0].size < 2:
            raise ValueError(f"path {self.name!r}: t, lat, lon and alt must be 1-D, equal length, ≥ 2 samples")
        if not all(np.all(np.isfinite(a)) for a in arrays) or np.any(np.diff(arrays[0]) <= 0):
            raise ValueError(f"path {self.name!r}: samples must be finite with increasing times")
        for name, a in zip(("t_s", "lat_deg", "lon_deg", "alt_m"), arrays):
            object.__setattr__(self, name, a)


@dataclass(frozen=True)
class SceneArea:
    """Polygons on the ground: each a list of rings (outer first), each ring (K, 2) lon, lat in deg.

    ``value`` orders nested areas of one layer (e.g. shots a footprint point gets).
    """

    layer: str
    name: str
    polygons: tuple[tuple[NDArray, ...], ...]
    value: float | None = None
    figures: Figures = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_layer(self.layer)
        polys = tuple(tuple(np.asarray(r, dtype=np.float64).reshape(-1, 2) for r in poly) for poly in self.polygons)
        object.__setattr__(self, "polygons", polys)


@dataclass(frozen=True)
class Scene:
    """A titled collection of points, paths and areas on one clock (s after ``epoch``, UTC).

    ``panels`` are figures beside the map, plain JSON with a ``kind`` (``"mode-comparison"``,
    ``"replay"``): the page draws them, the map exports leave them out."""

    title: str
    points: tuple[ScenePoint, ...] = ()
    paths: tuple[ScenePath, ...] = ()
    areas: tuple[SceneArea, ...] = ()
    epoch: dt.datetime = J2000
    panels: tuple[dict[str, Any], ...] = ()

    @property
    def layers(self) -> list[str]:
        """The layers the scene uses, in the fixed legend order."""
        used = {f.layer for f in (*self.points, *self.paths, *self.areas)}
        return [name for name in LAYERS if name in used]

    def time_span_s(self) -> tuple[float, float] | None:
        """First and last time of any timed feature (s after epoch), or None."""
        times = [t for p in self.paths for t in (p.t_s[0], p.t_s[-1])]
        times += [p.t_s for p in self.points if p.t_s is not None]
        return (float(min(times)), float(max(times))) if times else None

    def iso(self, t_s: float) -> str:
        """ISO 8601 UTC time of ``t_s`` s after the epoch, to the millisecond."""
        return iso8601(self.epoch + dt.timedelta(seconds=float(t_s)))

    def to_json(self) -> dict[str, Any]:
        """The scene document (``openbmd-scene`` version 1) that ``openbmd view`` and ``openbmd export`` read."""
        def common(f) -> dict[str, Any]:
            return {"layer": f.layer, "name": f.name, "figures": _clean(f.figures), "sources": list(f.sources)}

        feats: list[dict[str, Any]] = []
        for p in self.points:
            feats.append({"type": "point", **common(p), "lat_deg": p.lat_deg, "lon_deg": p.lon_deg,
                          "alt_m": p.alt_m, "t_s": p.t_s})
        for q in self.paths:
            feats.append({"type": "path", **common(q), "t_s": q.t_s.tolist(), "lat_deg": q.lat_deg.tolist(),
                          "lon_deg": q.lon_deg.tolist(), "alt_m": q.alt_m.tolist()})
        for a in self.areas:
            feats.append({"type": "area", **common(a), "value": a.value,
                          "polygons": [[r.tolist() for r in poly] for poly in a.polygons]})
        return {"format": FORMAT, "version": VERSION, "title": self.title, "epoch": iso8601(self.epoch),
                "features": feats, **({"panels": list(self.panels)} if self.panels else {})}

    @classmethod
    def from_json(cls, doc: dict[str, Any], where: str = "scene") -> "Scene":
        """Read a scene document; a bad one raises :class:`InputError` naming ``where`` and the feature."""
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise InputError(f"not an {FORMAT} document (no \"format\": \"{FORMAT}\")", where)
        if doc.get("version") != VERSION:
            raise InputError(f"scene version {doc.get('version')!r} is not {VERSION}", where)
        points, paths, areas = [], [], []
        for k, f in enumerate(doc.get("features", [])):
            try:
                base = dict(layer=f["layer"], name=str(f["name"]), figures=dict(f.get("figures") or {}),
                            sources=tuple(f.get("sources") or ()))
                if f["type"] == "point":
                    points.append(ScenePoint(**base, lat_deg=float(f["lat_deg"]), lon_deg=float(f["lon_deg"]),
                                             alt_m=float(f.get("alt_m") or 0.0),
                                             t_s=None if f.get("t_s") is None else float(f["t_s"])))
                elif f["type"] == "path":
                    paths.append(ScenePath(**base, t_s=f["t_s"], lat_deg=f["lat_deg"], lon_deg=f["lon_deg"],
                                           alt_m=f["alt_m"]))
                elif f["type"] == "area":
                    areas.append(SceneArea(**base, polygons=f["polygons"], value=f.get("value")))
                else:
                    raise ValueError(f"unknown feature type {f['type']!r}")
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(f"feature {k}: {exc}", where) from None
        try:
            epoch = dt.datetime.fromisoformat(str(doc.get("epoch", iso8601(J2000))).replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"epoch {doc.get('epoch')!r} is not an ISO 8601 time", where) from None
        panels = doc.get("panels") or []
        if not isinstance(panels, list) or not all(isinstance(x, dict) and "kind" in x for x in panels):
            raise InputError("panels: a list of objects, each with a \"kind\"", where)
        return cls(str(doc.get("title", "")), tuple(points), tuple(paths), tuple(areas), epoch, tuple(panels))


def merge(scenes: Iterable[Scene], title: str | None = None) -> Scene:
    """Several scenes as one (the first one's epoch)."""
    scenes = list(scenes)
    if not scenes:
        raise ValueError("no scenes to merge")
    return Scene(title or " + ".join(s.title for s in scenes),
                 tuple(p for s in scenes for p in s.points), tuple(p for s in scenes for p in s.paths),
                 tuple(a for s in scenes for a in s.areas), scenes[0].epoch,
                 tuple(x for s in scenes for x in s.panels))


def read_scene(path: str | Path) -> Scene:
    """A scene from a file: a scene document (``--export x.scene.json``) or a drawable ``--json`` result."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read it: {exc.strerror}", str(p)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"line {exc.lineno}: not JSON ({exc.msg})", str(p)) from None
    if isinstance(doc, dict) and doc.get("format") == FORMAT:
        return Scene.from_json(doc, str(p))
    from openbmd.report.exports.build import scene_from_document

    return scene_from_document(doc, str(p))


def iso8601(t: dt.datetime) -> str:
    """``2000-01-01T12:00:00.000Z``: UTC, milliseconds, a ``Z``."""
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def describe_html(feature) -> str:
    """A feature's figures as an HTML table and its sources as a list (KML balloons, CZML descriptions)."""
    def fmt(v: Any) -> str:
        return f"{v:.6g}" if isinstance(v, float) else str(v)

    rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(fmt(v))}</td></tr>"
                   for k, v in feature.figures.items())
    src = "".join(f"<li>{html.escape(s)}</li>" for s in feature.sources)
    return f"<table>{rows}</table>" + (f"<p>Sources</p><ul>{src}</ul>" if src else "")


def _clean(figures: Figures) -> Figures:
    """Figures as strict JSON: non-finite numbers become None, numpy scalars plain numbers."""
    out: Figures = {}
    for k, v in figures.items():
        if isinstance(v, (np.floating, np.integer)):
            v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            v = None
        out[k] = v
    return out
