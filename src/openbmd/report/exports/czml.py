"""CZML (Cesium) of a scene, built from czml3's models: a clock over the scene's time span, each path a
time-tagged position (cartographic degrees, m) drawn with its trail, points and areas with labels."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from czml3 import Document, Packet
from czml3.properties import (Clock, Color, Label, Material, Path as CzPath, Point, Polygon, PolylineMaterial,
                              Position, PositionList, SolidColorMaterial)
from czml3.types import TimeInterval

from openbmd.report.exports.geometry import rfc7946_polygons
from openbmd.report.exports.scene import LAYERS, Scene, describe_html


def scene_czml(scene: Scene) -> Document:
    """The scene as a czml3 :class:`Document` (validated by czml3's models as it is built)."""
    span = scene.time_span_s() or (0.0, 0.0)
    start, stop = scene.iso(span[0]), scene.iso(max(span[1], span[0] + 1.0))
    packets = [Packet(id="document", name=scene.title, version="1.0",
                      clock=Clock(interval=TimeInterval(start=start, end=stop), currentTime=start, multiplier=10))]
    used: set[str] = set()
    for p in scene.points:
        packets.append(Packet(
            id=_id(p, used), name=p.name, description=describe_html(p),
            position=Position(cartographicDegrees=[p.lon_deg, p.lat_deg, p.alt_m]),
            point=Point(pixelSize=8, color=_rgba(LAYERS[p.layer][1])),
            label=Label(text=p.name, font="11pt sans-serif", show=True),
            **({} if p.t_s is None else {"availability": TimeInterval(start=scene.iso(p.t_s), end=stop)})))
    for q in scene.paths:
        samples = np.column_stack([q.t_s - q.t_s[0], q.lon_deg, q.lat_deg, q.alt_m]).ravel().tolist()
        packets.append(Packet(
            id=_id(q, used), name=q.name, description=describe_html(q),
            availability=TimeInterval(start=scene.iso(q.t_s[0]), end=scene.iso(q.t_s[-1])),
            position=Position(epoch=scene.iso(q.t_s[0]), cartographicDegrees=samples,
                              interpolationAlgorithm="LAGRANGE", interpolationDegree=3),
            point=Point(pixelSize=7, color=_rgba(LAYERS[q.layer][1])),
            path=CzPath(leadTime=0.0, trailTime=float(q.t_s[-1] - q.t_s[0]), width=2.0, resolution=5.0,
                        material=PolylineMaterial(solidColor=SolidColorMaterial(color=_rgba(LAYERS[q.layer][1])))),
            label=Label(text=q.name, font="10pt sans-serif", show=True)))
    for a in scene.areas:
        for k, rings in enumerate(rfc7946_polygons(a.polygons)):
            outer = np.asarray(rings[0])
            flat = np.column_stack([outer[:, 0], outer[:, 1], np.zeros(len(outer))]).ravel().tolist()
            packets.append(Packet(
                id=_id(a, used), name=a.name, description=describe_html(a),
                polygon=Polygon(positions=PositionList(cartographicDegrees=flat),
                                material=Material(solidColor=SolidColorMaterial(
                                    color=_rgba(LAYERS[a.layer][1], 0x55))),
                                outline=True, outlineColor=_rgba(LAYERS[a.layer][1]))))
    return Document(packets=packets)


def write_czml(path: str | Path, scene: Scene) -> None:
    scene_czml(scene).save(path, indent=None)


def _rgba(hex_rgb: str, alpha: int = 255) -> Color:
    return Color(rgba=[int(hex_rgb[1:3], 16), int(hex_rgb[3:5], 16), int(hex_rgb[5:7], 16), alpha])


def _id(f, used: set[str]) -> str:
    base = f"{f.layer}/" + re.sub(r"[^A-Za-z0-9_.-]+", "-", f.name).strip("-")
    k, out = 1, base
    while out in used:
        k += 1
        out = f"{base}-{k}"
    used.add(out)
    return out
