"""GeoJSON (RFC 7946) of a scene: WGS-84 lon/lat (deg) and height (m), rings counter-clockwise, lines and
polygons cut at the antimeridian. Each feature's properties carry its layer, name, figures and sources;
a path's ``times`` hold its samples' ISO 8601 times, one list per line part."""

from __future__ import annotations

from typing import Any

import numpy as np

from openbmd.report.exports.geometry import rfc7946_polygons
from openbmd.report.exports.scene import Scene
from openbmd.report.maps import split_at_antimeridian


def scene_geojson(scene: Scene) -> dict[str, Any]:
    """The scene as a GeoJSON FeatureCollection (with a ``bbox``)."""
    feats: list[dict[str, Any]] = []

    def props(f, **more) -> dict[str, Any]:
        return {**f.figures, "layer": f.layer, "name": f.name, **more, "sources": list(f.sources)}

    for p in scene.points:
        extra = {} if p.t_s is None else {"time": scene.iso(p.t_s), "t_s": p.t_s}
        feats.append(_feature({"type": "Point", "coordinates": [p.lon_deg, p.lat_deg, p.alt_m]}, props(p, **extra)))
    for q in scene.paths:
        parts, times = _split_path(q)
        iso = [[scene.iso(t) for t in ts] for ts in times]
        geom = ({"type": "LineString", "coordinates": parts[0]} if len(parts) == 1 else
                {"type": "MultiLineString", "coordinates": parts})
        feats.append(_feature(geom, props(q, times=iso[0] if len(iso) == 1 else iso)))
    for a in scene.areas:
        polys = rfc7946_polygons(a.polygons)
        if not polys:
            continue
        geom = ({"type": "Polygon", "coordinates": polys[0]} if len(polys) == 1 else
                {"type": "MultiPolygon", "coordinates": polys})
        feats.append(_feature(geom, props(a, value=a.value)))
    return {"type": "FeatureCollection", "name": scene.title, "bbox": _bbox(feats), "features": feats}


def _feature(geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _split_path(q) -> tuple[list[list[list[float]]], list[list[float]]]:
    """Line parts cut at the antimeridian, heights and times interpolated at each cut.

    :func:`split_at_antimeridian` keeps the samples in order and adds one seam point at the end of
    a piece and one at the start of the next; the samples between are the track's own.
    """
    pieces = split_at_antimeridian(q.lat_deg, q.lon_deg)
    n, start, du = len(pieces), 0, np.diff(np.unwrap(q.lon_deg, period=360.0))
    parts, times = [], []
    for k, (lat, lon) in enumerate(pieces):
        first, last = int(k > 0), int(k < n - 1)
        idx = np.arange(start, start + lat.size - first - last)
        alt, t = list(q.alt_m[idx]), list(q.t_s[idx])
        if first:  # the seam between sample idx[0]-1 and idx[0], reached from this side
            f = 1.0 - (lon[1] - lon[0]) / du[idx[0] - 1]
            alt.insert(0, _lerp(q.alt_m, idx[0] - 1, f))
            t.insert(0, _lerp(q.t_s, idx[0] - 1, f))
        if last:
            f = (lon[-1] - lon[-2]) / du[idx[-1]]
            alt.append(_lerp(q.alt_m, idx[-1], f))
            t.append(_lerp(q.t_s, idx[-1], f))
        parts.append(np.column_stack([lon, lat, alt]).tolist())
        times.append(t)
        start = idx[-1] + 1
    return parts, times


def _lerp(x: np.ndarray, i: int, f: float) -> float:
    return float(x[i] + f * (x[i + 1] - x[i]))


def _bbox(feats: list[dict[str, Any]]) -> list[float]:
    lon, lat = [], []

    def walk(c) -> None:
        if isinstance(c[0], (int, float)):
            lon.append(c[0])
            lat.append(c[1])
        else:
            for x in c:
                walk(x)

    for f in feats:
        walk(f["geometry"]["coordinates"])
    if not lon:
        return [-180.0, -90.0, 180.0, 90.0]
    return [min(lon), min(lat), max(lon), max(lat)]
