"""KML (Google Earth) of a scene, written with simplekml: one folder per layer, trajectories and fly-outs
at altitude (absolute altitude mode) with their time span, areas as ground polygons, figures and sources
in each placemark's balloon."""

from __future__ import annotations

from pathlib import Path

import simplekml

from openbmd.report.exports.geometry import rfc7946_polygons
from openbmd.report.exports.scene import LAYERS, Scene, describe_html


def scene_kml(scene: Scene) -> simplekml.Kml:
    """The scene as a :class:`simplekml.Kml` document."""
    kml = simplekml.Kml(name=scene.title)
    folders = {layer: kml.newfolder(name=LAYERS[layer][0]) for layer in scene.layers}
    for p in scene.points:
        pm = folders[p.layer].newpoint(name=p.name, coords=[(p.lon_deg, p.lat_deg, p.alt_m)],
                                       description=describe_html(p))
        pm.altitudemode = simplekml.AltitudeMode.absolute if p.alt_m > 0 else simplekml.AltitudeMode.clamptoground
        pm.style.iconstyle.color = _colour(LAYERS[p.layer][1])
        if p.t_s is not None:
            pm.timestamp.when = scene.iso(p.t_s)
    for q in scene.paths:
        line = folders[q.layer].newlinestring(name=q.name, description=describe_html(q),
                                              coords=list(zip(q.lon_deg.tolist(), q.lat_deg.tolist(),
                                                              q.alt_m.tolist())))
        line.altitudemode = simplekml.AltitudeMode.absolute
        line.tessellate = 0
        line.style.linestyle.color = _colour(LAYERS[q.layer][1])
        line.style.linestyle.width = 2
        line.timespan.begin, line.timespan.end = scene.iso(q.t_s[0]), scene.iso(q.t_s[-1])
    for a in scene.areas:
        for k, rings in enumerate(rfc7946_polygons(a.polygons)):
            poly = folders[a.layer].newpolygon(name=a.name if k == 0 else f"{a.name} ({k + 1})",
                                               description=describe_html(a))
            poly.outerboundaryis = [tuple(c) for c in rings[0]]
            poly.innerboundaryis = [[tuple(c) for c in r] for r in rings[1:]]
            poly.altitudemode = simplekml.AltitudeMode.clamptoground
            poly.tessellate = 1
            poly.style.polystyle.color = _colour(LAYERS[a.layer][1], alpha=0x55)
            poly.style.linestyle.color = _colour(LAYERS[a.layer][1])
    return kml


def write_kml(path: str | Path, scene: Scene) -> None:
    Path(path).write_text(scene_kml(scene).kml(), encoding="utf-8")


def _colour(hex_rgb: str, alpha: int = 0xFF) -> str:
    """``#RRGGBB`` -> KML's ``aabbggrr``."""
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"{alpha:02x}{b}{g}{r}".lower()
