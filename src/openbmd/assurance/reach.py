"""Reach over the other side's territory: can a site's interceptors reach any point of a named region?

A site's reach is its interceptor's fly-out envelope: the farthest ground range the fly-out table reaches
at or above the lowest intercept altitude, within the envelope's range limit
(:class:`openbmd.engagement.FlyoutTable`), at the burnout speed flown (catalog, declared or observed).
The region is a catalog polygon clipped to the country's Natural Earth 1:50m outline. A site reaches
over the region when its geodesic distance to the region's nearest point is less than its reach;
``share`` is the fraction of the region's area within reach (sampled on a grid).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon

from openbmd.catalog import Interceptor, Region
from openbmd.earth import EarthModel
from openbmd.earth.borders import boundary_points_deg, country
from openbmd.engagement import FireUnit
from openbmd.engagement.flyout import ballistic_coefficient_kg_m2, kinematic_reach

GRID_DEG = 0.5
"""Spacing of the grid the region's area is sampled on (deg)."""


@dataclass(frozen=True)
class RegionShape:
    """A region's clipped geometry (lon/lat degrees), its boundary points and area sample points (deg)."""

    name: str
    geometry: Polygon | MultiPolygon
    boundary_lat: np.ndarray
    boundary_lon: np.ndarray
    grid_lat: np.ndarray
    grid_lon: np.ndarray
    grid_weight: np.ndarray


@functools.lru_cache(maxsize=8)
def _shape(name: str, country_code: str, vertices: tuple[tuple[float, float], ...]) -> RegionShape:
    poly = Polygon([(lon, lat) for lat, lon in vertices])
    geom = shapely.intersection(poly, country(country_code, "50m").geometry)
    blat, blon = boundary_points_deg(geom, spacing_km=10.0)
    x0, y0, x1, y1 = geom.bounds
    lon, lat = np.meshgrid(np.arange(x0, x1 + GRID_DEG, GRID_DEG), np.arange(y0, y1 + GRID_DEG, GRID_DEG))
    inside = shapely.contains_xy(geom, lon, lat)
    glat, glon = lat[inside], lon[inside]
    return RegionShape(name, geom, blat, blon, glat, glon, np.cos(np.radians(glat)))


def region_shape(region: Region) -> RegionShape:
    """The catalog region clipped to its country (cached)."""
    return _shape(region.name, region.country, tuple((float(a), float(o)) for a, o in region.polygon_deg))


def envelope_reach_m(unit: FireUnit) -> float:
    """The unit's reach (m): the fly-out table's farthest range at intercept altitudes, within its range limit."""
    return float(min(unit.table.kinematic_range_m, unit.table.max_range_m))


@dataclass(frozen=True)
class RegionReach:
    """One site against a region: its reach (m) at ``speed_mps``, distance to the region (m, 0 inside),
    whether it reaches over the region, and the share of the region's area within reach (0..1)."""

    site: str
    interceptor: str
    speed_mps: float
    reach_m: float
    distance_m: float
    share: float

    @property
    def reaches(self) -> bool:
        return self.distance_m < self.reach_m

    def to_json(self) -> dict[str, Any]:
        return {"site": self.site, "interceptor": self.interceptor, "speed_mps": self.speed_mps,
                "reach_m": self.reach_m, "distance_m": self.distance_m, "reaches": self.reaches,
                "share_of_region": self.share}


def reach_at_speed_m(interceptor: Interceptor, speed_mps: float, earth: EarthModel) -> float:
    """The envelope reach (m) of ``interceptor`` flown at ``speed_mps``: its catalog range limit scaled with the
    kinematic reach, as :func:`openbmd.engagement.flyout_table` scales it, and no farther than that reach."""
    beta = ballistic_coefficient_kg_m2(interceptor)
    base, _ = kinematic_reach(float(interceptor.burnout_speed_mps), float(interceptor.burn_time_s), earth,
                              float(interceptor.min_intercept_altitude_m), beta)
    new, _ = kinematic_reach(float(speed_mps), float(interceptor.burn_time_s), earth,
                             float(interceptor.min_intercept_altitude_m), beta)
    return float(min(new, interceptor.max_range_m * new / base))


def reach_over_region(units: Sequence[FireUnit], region: Region, earth: EarthModel, *,
                      speeds_mps: Sequence[float] | None = None) -> list[RegionReach]:
    """Each unit against ``region`` at its own burnout speed, or at ``speeds_mps`` (one per unit)."""
    shape = region_shape(region)
    geod = Geod(a=earth.a_m, f=earth.f)
    out = []
    for u in units:  # a handful of sites; the region's points are batched
        lat, lon = math.degrees(u.lat_rad), math.degrees(u.lon_rad)
        inside = bool(shapely.contains_xy(shape.geometry, lon, lat))
        _, _, d_edge = geod.inv(np.full(shape.boundary_lat.shape, lon), np.full(shape.boundary_lat.shape, lat),
                                shape.boundary_lon, shape.boundary_lat)
        _, _, d_grid = geod.inv(np.full(shape.grid_lat.shape, lon), np.full(shape.grid_lat.shape, lat),
                                shape.grid_lon, shape.grid_lat)
        if speeds_mps is None:
            speed, reach = u.burnout_speed_mps, envelope_reach_m(u)
        else:
            speed = float(speeds_mps[len(out)])
            reach = reach_at_speed_m(u.interceptor, speed, earth)
        w = shape.grid_weight
        share = float(np.sum(w * (d_grid <= reach)) / np.sum(w)) if w.size else 0.0
        out.append(RegionReach(u.site, u.interceptor.name, speed, reach,
                               0.0 if inside else float(np.min(d_edge)), share))
    return out


def _share_text(share: float) -> str:
    """The share of a region within reach, in words: a site that reaches over its edge has 'under 1 %', not '0 %'."""
    return "under 1 %" if share < 0.005 else f"{100 * share:.0f} %"


def reach_criterion(units: Sequence[FireUnit], region: Region, earth: EarthModel) -> dict[str, Any]:
    """The reach criterion over ``region``: satisfied when no unit reaches over it, and which do."""
    checks = reach_over_region(units, region, earth)
    bad = [c for c in checks if c.reaches]
    detail = "; ".join(f"{c.site} ({c.interceptor}): reach {c.reach_m / 1e3:,.0f} km, {c.distance_m / 1e3:,.0f} km "
                       f"from {region.display_name}, {_share_text(c.share)} of it within reach" for c in bad)
    return {"satisfied": not bad, "detail": detail or f"no site reaches over {region.display_name}",
            "sites": [c.to_json() for c in checks]}
