"""Ground shapes for scenes: grid cells merged into areas, radar coverage fans, RFC 7946 rings.

Longitudes in deg east, latitudes in deg; rings are (K, 2) arrays of (lon, lat).
"""

from __future__ import annotations

import math

import numpy as np
import shapely
import shapely.affinity
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.polygon import orient

from openbmd.earth import EarthModel, geodesic_direct


def cells_area(lat_deg: NDArray, lon_deg: NDArray, step_deg: float, mask: NDArray) -> list[Polygon]:
    """The cells of a lat/lon grid where ``mask`` (A, B) holds, merged into polygons (clipped to ±90°)."""
    a, b = np.nonzero(mask)
    if a.size == 0:
        return []
    h = step_deg / 2
    lat, lon = np.asarray(lat_deg)[a], np.asarray(lon_deg)[b]
    cells = shapely.box(lon - h, np.maximum(lat - h, -90.0), lon + h, np.minimum(lat + h, 90.0))
    merged = shapely.union_all(cells)
    return _polygons(merged)


def coverage_fan(lat_deg: float, lon_deg: float, distance_m: float, boresight_deg: float, half_width_deg: float,
                 earth: EarthModel, n: int = 73) -> NDArray:
    """A radar's ground coverage: the sector of ``half_width_deg`` about ``boresight_deg`` (clockwise from
    north) out to the geodesic ``distance_m``; a full circle when the half-width is 180°. (K, 2) lon, lat."""
    full = half_width_deg >= 180.0
    az = (np.linspace(0.0, 360.0, n) if full else
          np.linspace(boresight_deg - half_width_deg, boresight_deg + half_width_deg, n))
    lat, lon = geodesic_direct(math.radians(lat_deg), math.radians(lon_deg), np.radians(az), distance_m, earth)
    arc = np.column_stack([np.degrees(lon), np.degrees(lat)])
    if full:
        return arc
    apex = np.array([[lon_deg, lat_deg]])
    return np.vstack([apex, arc, apex])


def coverage_ground_range_m(max_range_m: float, min_elevation_deg: float, target_alt_m: float,
                            earth: EarthModel) -> float:
    """Ground distance (m, spherical Earth of radius ``a``) to which a radar sees a target at ``target_alt_m``:
    the lesser of its slant range and its horizon at the lowest beam elevation."""
    re, rt = earth.a_m, earth.a_m + target_alt_m
    e = math.radians(min_elevation_deg)
    horizon = math.acos(min(1.0, re * math.cos(e) / rt)) - e
    cos_range = (re * re + rt * rt - max_range_m * max_range_m) / (2.0 * re * rt)
    by_range = math.acos(max(-1.0, min(1.0, cos_range))) if max_range_m > target_alt_m else 0.0
    return re * max(0.0, min(horizon, by_range))


def rfc7946_polygons(ring_sets: tuple[tuple[NDArray, ...], ...]) -> list[list[list[list[float]]]]:
    """Polygons as RFC 7946 coordinates: cut at the antimeridian, outer rings counter-clockwise, holes
    clockwise, longitudes in [-180, 180]. A ring that winds round a pole is closed along it."""
    out: list[list[list[list[float]]]] = []
    for rings in ring_sets:
        if not rings or len(rings[0]) < 3:
            continue
        shells = [_unwrap_ring(r) for r in rings]
        poly = shapely.make_valid(Polygon(shells[0], shells[1:]))
        for piece in _split_antimeridian(poly):
            p = orient(piece, sign=1.0)
            out.append([np.round(np.asarray(r.coords), 9).tolist() for r in (p.exterior, *p.interiors)])
    return out


def _unwrap_ring(ring: NDArray) -> NDArray:
    """Longitudes made continuous; a ring circling a pole (net 360° of longitude) is closed over the pole."""
    r = np.asarray(ring, dtype=np.float64)
    lon = np.unwrap(r[:, 0], period=360.0)
    lat = r[:, 1]
    turn = lon[-1] - lon[0]
    if abs(turn) > 180.0:  # winds round a pole: go up to it and back along the ring's ends
        pole = 90.0 if lat.mean() > 0 else -90.0
        lon = np.concatenate([lon, [lon[-1], lon[0]]])
        lat = np.concatenate([lat, [pole, pole]])
    return np.column_stack([lon, lat])


def _split_antimeridian(poly) -> list[Polygon]:
    """Pieces of an unwrapped polygon, each shifted into [-180, 180]."""
    pieces: list[Polygon] = []
    lo, _, hi, _ = poly.bounds
    for k in range(math.floor((lo + 180.0) / 360.0), math.floor((hi + 180.0) / 360.0) + 1):
        window = box(-180.0 + 360.0 * k, -90.0, 180.0 + 360.0 * k, 90.0)
        part = poly.intersection(window)
        for p in _polygons(part):
            pieces.append(shapely.affinity.translate(p, xoff=-360.0 * k))
    return pieces


def _polygons(geom) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom] if not geom.is_empty and geom.area > 0 else []
    if isinstance(geom, MultiPolygon) or hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _polygons(g)]
    return []

