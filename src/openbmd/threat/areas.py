"""Launch areas: a catalog place (one launch point) or a polygon (launch points over it).

A polygon area launches from its vertices, the midpoints of its edges and its centroid; a target is within
its reach when any of those points reaches it, and is flown at from the nearest of those that do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from shapely.geometry import Point, Polygon

from openbmd.catalog import Catalog
from openbmd.errors import InputError


@dataclass(frozen=True)
class LaunchArea:
    """A named launch area: its launch points (geodetic, deg) and the launching state (ISO alpha-3, or None)."""

    name: str
    lat_deg: tuple[float, ...]
    lon_deg: tuple[float, ...]
    country: str | None

    def __len__(self) -> int:
        return len(self.lat_deg)


def _home(lat_deg: float, lon_deg: float) -> str | None:
    """The Natural Earth country (ISO alpha-3) a point lies in, if any."""
    from openbmd.earth.borders import countries

    return next((k.iso_a3 for k in countries("110m") if k.geometry.covers(Point(lon_deg, lat_deg))), None)


def place_area(catalog: Catalog, name: str) -> LaunchArea:
    """A catalog place, or a literal ``"lat,lon"`` (deg), as a one-point launch area."""
    lat, lon, label = catalog.point(name, "areas")
    home = catalog.place(name).country if name in catalog else _home(lat, lon)
    return LaunchArea(name if name in catalog else label, (lat,), (lon,), home)


def polygon_area(name: str, vertices_deg: Sequence[tuple[float, float]]) -> LaunchArea:
    """A polygon launch area from (lat, lon) vertices in degrees (at least three, not crossing ±180°)."""
    v = np.asarray(vertices_deg, float)
    if v.ndim != 2 or v.shape[0] < 3 or v.shape[1] != 2:
        raise InputError(f"area {name!r}: a polygon needs at least three (lat, lon) vertices", "areas")
    if np.any(np.abs(v[:, 0]) > 90.0) or np.any(np.abs(v[:, 1]) > 180.0) or np.ptp(v[:, 1]) > 180.0:
        raise InputError(f"area {name!r}: vertices must lie within -90..90, -180..180 deg and span under 180 deg of "
                         "longitude", "areas")
    poly = Polygon([(lon, lat) for lat, lon in v])
    if not poly.is_valid or poly.area == 0.0:
        raise InputError(f"area {name!r}: the polygon's edges cross or enclose nothing", "areas")
    mid = 0.5 * (v + np.roll(v, -1, axis=0))
    c = poly.centroid
    points = np.vstack([v, mid, [[c.y, c.x]]])
    return LaunchArea(name, tuple(points[:, 0].tolist()), tuple(points[:, 1].tolist()), _home(c.y, c.x))


def resolve_areas(catalog: Catalog, areas: Sequence[str | LaunchArea]) -> list[LaunchArea]:
    """Catalog place names become one-point areas; :class:`LaunchArea` s pass through."""
    return [a if isinstance(a, LaunchArea) else place_area(catalog, a) for a in areas]
