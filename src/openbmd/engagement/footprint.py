"""Defended footprints: which aim points a deployment can defend against a launch area.

For every aim point of a lat/lon grid, the threat missile flies its minimum-energy
trajectory from the launch area (aimed in batch, :func:`openbmd.flight.aim.aim_many`);
the deployment's sensors and batteries then engage it (:func:`engage`). A point is
*defended* when it gets at least ``shots_required`` shoot-look-shoot opportunities; for a missile with a
post-boost vehicle (a MIRVed ICBM), when every warhead its bus releases gets them.
Points the missile cannot reach are not threatened and never count as defended.
Flights go coarse to fine: a lattice of points is engaged first, and finer points only
where the shot counts around them differ (:func:`defended_footprint`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pyproj import Geod

from openbmd.catalog import Missile, Timeline
from openbmd.earth import EarthModel
from openbmd.engagement.fireunit import FireUnit
from openbmd.engagement.windows import engage
from openbmd.errors import InputError
from openbmd.flight import FlownThreats, fly_aim_batch, fly_aim_flights, release_objects
from openbmd.flight.aim import AimBatch, aim_many
from openbmd.flight.threats import aim_batch_t_max_s
from openbmd.flight.vehicle import vehicle_from_missile
from openbmd.sensors import SensorPost

Box = tuple[float, float, float, float]
"""(lat_min, lat_max, lon_min, lon_max), degrees."""

REGIONS: Mapping[str, Box] = MappingProxyType({
    "europe": (35.0, 72.0, -10.0, 45.0),
    "north-america": (15.0, 72.0, -170.0, -50.0),
    "russia": (41.0, 78.0, 19.0, 180.0),
    "middle-east": (12.0, 42.0, 25.0, 63.0),
    "east-asia": (18.0, 55.0, 95.0, 150.0),
})
"""Named regions for footprints, as lat/lon boxes (degrees)."""

MAX_GRID_POINTS = 400_000
"""Largest grid accepted: each point is a full threat flight with samples."""

SAMPLE_DT_S = 2.0
"""Threat sample spacing for footprints, s: the resolution of windows and detection times."""

COARSE_STEP_DEG = 1.0
"""Default spacing (deg) of a footprint's first pass: points on a lattice at most this far apart are engaged
exactly; finer points are engaged only where their lattice corners disagree (see :func:`defended_footprint`)."""

_CHUNK = 2048
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"


def region_box(text: str, argument: str = "region") -> Box:
    """A named region (see :data:`REGIONS`) or ``"lat1,lat2,lon1,lon2"`` in degrees."""
    key = (text or "").strip().lower()
    if key in REGIONS:
        return REGIONS[key]
    parts = [p.strip() for p in key.split(",")]
    if len(parts) != 4 or not all(re.fullmatch(_NUMBER, p) for p in parts):
        raise InputError(f"unknown region {text!r}; use one of {', '.join(REGIONS)} or 'lat1,lat2,lon1,lon2' "
                         "in degrees", argument)
    lat1, lat2, lon1, lon2 = (float(p) for p in parts)
    lat_min, lat_max, lon_min, lon_max = min(lat1, lat2), max(lat1, lat2), min(lon1, lon2), max(lon1, lon2)
    if lat_min < -90 or lat_max > 90:
        raise InputError(f"latitudes in {text!r} must lie within -90..90 deg", argument)
    if lon_min < -180 or lon_max > 360:
        raise InputError(f"longitudes in {text!r} must lie within -180..360 deg", argument)
    if lat_max == lat_min or lon_max == lon_min:
        raise InputError(f"region {text!r} is empty: it has no extent in latitude or longitude", argument)
    return lat_min, lat_max, lon_min, lon_max


def grid_axes(box: Box, step_deg: float, argument: str = "grid") -> tuple[NDArray, NDArray]:
    """Latitudes and longitudes (deg) of a grid with ``step_deg`` spacing covering ``box``."""
    if not step_deg > 0:
        raise InputError("the grid step must be positive", argument)
    lat_min, lat_max, lon_min, lon_max = box
    n_lat = int(math.floor((lat_max - lat_min) / step_deg + 1e-9)) + 1
    n_lon = int(math.floor((lon_max - lon_min) / step_deg + 1e-9)) + 1
    if n_lat * n_lon > MAX_GRID_POINTS:
        raise InputError(f"a {step_deg:g} deg grid over this region has {n_lat * n_lon:,} points, more than the "
                         f"{MAX_GRID_POINTS:,} that fit in memory; use a coarser grid or a smaller region", argument)
    return lat_min + step_deg * np.arange(n_lat), lon_min + step_deg * np.arange(n_lon)


@dataclass(frozen=True)
class Footprint:
    """A defended footprint on a lat/lon grid.

    ``shots`` (A, B): shoot-look-shoot opportunities against a threat aimed at each
    point, -1 where the missile cannot reach. ``cell_area_km2`` (A,): the area each
    grid point stands for (a step × step cell on the WGS-84 ellipsoid) in its row.
    """

    lat_deg: NDArray
    lon_deg: NDArray
    step_deg: float
    shots: NDArray
    shots_required: int
    cell_area_km2: NDArray
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def defended(self) -> NDArray:
        return self.shots >= self.shots_required

    @property
    def threatened(self) -> NDArray:
        return self.shots >= 0

    def area_km2(self, mask: NDArray) -> float:
        return float((mask * self.cell_area_km2[:, None]).sum())

    @property
    def defended_area_km2(self) -> float:
        return self.area_km2(self.defended)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.meta,
            "grid_step_deg": self.step_deg,
            "shots_required": self.shots_required,
            "grid_points": int(self.shots.size),
            "threatened_points": int(self.threatened.sum()),
            "defended_points": int(self.defended.sum()),
            "threatened_area_km2": self.area_km2(self.threatened),
            "defended_area_km2": self.defended_area_km2,
        }

    def polygon(self):
        """The defended area as a shapely (Multi)Polygon in lon/lat degrees (grid cells merged)."""
        from shapely import box, unary_union

        h = self.step_deg / 2
        cells = []
        for a, lat in enumerate(self.lat_deg):
            row = np.concatenate([[False], self.defended[a], [False]])
            edges = np.flatnonzero(np.diff(row.astype(np.int8)))
            for start, stop in zip(edges[::2], edges[1::2]):  # runs of defended cells in this row
                cells.append(box(self.lon_deg[start] - h, lat - h, self.lon_deg[stop - 1] + h, lat + h))
        return unary_union(cells)

    def to_geojson(self) -> dict[str, Any]:
        """A GeoJSON FeatureCollection with the defended area as one feature."""
        from shapely.geometry import mapping

        props = {k: v for k, v in self.to_json().items() if not isinstance(v, (list, dict))}
        return {"type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": props, "geometry": mapping(self.polygon())}]}

    def write_geojson(self, path) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(self.to_geojson(), fh)


def cell_areas_km2(lat_deg: NDArray, step_deg: float, earth: EarthModel) -> NDArray:
    """Area (km²) of a step × step cell centred on each latitude, on the Earth's ellipsoid."""
    geod = Geod(a=earth.a_m, f=earth.f)
    h = step_deg / 2
    out = np.empty(len(lat_deg))
    for k, lat in enumerate(lat_deg):  # one polygon per grid row, not per point
        lo, hi = max(lat - h, -90.0), min(lat + h, 90.0)
        area, _ = geod.polygon_area_perimeter([0.0, step_deg, step_deg, 0.0], [lo, lo, hi, hi])
        out[k] = abs(area) / 1e6
    return out


@dataclass(frozen=True)
class ThreatGrid:
    """Minimum-energy shots of one missile from one launch point at every point of a lat/lon grid.

    Aiming is the costly part of a footprint; a grid made once serves any number of
    deployments, timelines and speeds (sensitivity sweeps).
    """

    missile: Missile
    origin_lat_deg: float
    origin_lon_deg: float
    lat_deg: NDArray
    lon_deg: NDArray
    step_deg: float
    aims: AimBatch

    def fly(self, index: NDArray, earth: EarthModel) -> FlownThreats:
        """Samples of the shots at flat grid indices ``index`` (reachable ones only): the aimed flights (for a
        missile with a post-boost vehicle, the bus's path)."""
        return fly_aim_batch(vehicle_from_missile(self.missile), math.radians(self.origin_lat_deg),
                             math.radians(self.origin_lon_deg), self.aims, index, earth, sample_dt_s=SAMPLE_DT_S)

    @property
    def warheads_per_shot(self) -> int:
        """Warheads each shot puts in the air: the bus's ``rvs``, else 1."""
        return self.missile.post_boost.rvs if self.missile.post_boost is not None else 1

    def fly_warheads(self, index: NDArray, earth: EarthModel) -> FlownThreats:
        """The warheads of the shots at flat grid indices ``index`` (reachable ones only), ``shot`` the position
        in ``index`` each flies for: :meth:`fly` itself for a missile without a bus, else the warheads its bus
        releases along that flight (:func:`openbmd.flight.release_objects`, no decoys: they need no defending),
        none for a shot whose bus is back on the ground before its last release."""
        if self.missile.post_boost is None:
            return self.fly(index, earth)
        flights = fly_aim_flights(vehicle_from_missile(self.missile), math.radians(self.origin_lat_deg),
                                  math.radians(self.origin_lon_deg), self.aims, index, earth, sample_dt_s=SAMPLE_DT_S)
        objects = release_objects(self.missile, flights, earth, sample_dt_s=SAMPLE_DT_S,
                                  t_max_s=aim_batch_t_max_s(self.aims), decoys=0, skip_landed=True)
        return objects.take(objects.is_warhead)


def shots_per_shot(shots: NDArray, shot: NDArray, n: int) -> NDArray:
    """(n,) the fewest of ``shots`` (per object) among the objects of each shot (``shot`` (N,) in 0..n-1); -1 for a
    shot with none."""
    if len(shot) == n and np.array_equal(shot, np.arange(n)):
        return shots
    out = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, shot, shots)
    out[out == np.iinfo(np.int64).max] = -1
    return out


def threat_grid(missile: Missile, origin_lat_deg: float, origin_lon_deg: float, box: Box, step_deg: float,
                earth: EarthModel) -> ThreatGrid:
    """Aim ``missile`` from the origin (deg) at every point of a ``step_deg`` grid over ``box``."""
    lat, lon = grid_axes(box, step_deg)
    lat_g, lon_g = np.meshgrid(lat, lon, indexing="ij")
    aims = aim_many(vehicle_from_missile(missile), math.radians(origin_lat_deg), math.radians(origin_lon_deg),
                    np.radians(lat_g.ravel()), np.radians(lon_g.ravel()), earth)
    return ThreatGrid(missile, origin_lat_deg, origin_lon_deg, lat, lon, step_deg, aims)


def defended_footprint(threats: ThreatGrid, batteries: Sequence[FireUnit], posts: Sequence[SensorPost],
                       timeline: Timeline, earth: EarthModel, *, shots_required: int = 1,
                       meta: dict[str, Any] | None = None,
                       progress: Callable[[int], None] | None = None,
                       coarse_step_deg: float | None = COARSE_STEP_DEG) -> Footprint:
    """The footprint of ``batteries`` and ``posts`` against the shots of ``threats``; ``progress(k)`` is told
    of each k reachable aim points settled (engaged or filled in).

    A point's count is that of the most demanding warhead aimed at it: a missile with a post-boost vehicle
    releases its warheads along the bus's path (:meth:`ThreatGrid.fly_warheads`), and the point is defended only
    if every one of them gets ``shots_required`` shots. A point its bus cannot release all its warheads on the
    way to (back on the ground first) is out of reach (-1).

    Coarse to fine: the points of a lattice every ``2**n`` grid steps (the coarsest at most ``coarse_step_deg``
    apart) are engaged first; each halving of the lattice then engages only the new points whose four corners on
    the coarser one differ in their shot counts (or are out of reach), and gives the others their corners' common
    count. Shot counts change along a few smooth boundaries, so most points are filled in; a feature that fits
    inside one coarse cell without touching its corners is missed (none is, 0.25 deg over Europe from Tabriz).
    ``coarse_step_deg=None`` engages every point.
    """
    if shots_required < 1:
        raise InputError("the number of shots required must be at least 1", "shots")
    shape = (len(threats.lat_deg), len(threats.lon_deg))
    reachable = threats.aims.reachable.reshape(shape)
    shots = np.where(reachable, _UNKNOWN, -1).astype(np.int64)

    chunk = max(1, _CHUNK // (threats.warheads_per_shot + (threats.missile.post_boost is not None)))

    def settle(index: NDArray) -> None:  # engage the flat grid indices ``index``, in chunks
        flat = shots.reshape(-1)
        for start in range(0, index.size, chunk):  # chunks bound the memory held by samples
            idx = index[start:start + chunk]
            warheads = threats.fly_warheads(idx, earth)
            flat[idx] = shots_per_shot(engage(warheads, batteries, posts, timeline, earth).shots, warheads.shot,
                                       idx.size)
            if progress:
                progress(idx.size)

    stride = _coarse_stride(threats.step_deg, coarse_step_deg)
    on = _lattice(shape, stride)
    settle(np.flatnonzero(on & reachable))
    while stride > 1:
        stride //= 2
        new = _lattice(shape, stride) & ~on & reachable
        corners = _corner_shots(shots, 2 * stride)
        agree = (corners[0] >= 0) & np.all(corners == corners[0], axis=0)
        fill = new & agree
        shots[fill] = corners[0][fill]
        if progress and fill.any():
            progress(int(fill.sum()))
        settle(np.flatnonzero(new & ~agree))
        on |= _lattice(shape, stride)
    return Footprint(threats.lat_deg, threats.lon_deg, threats.step_deg, shots, shots_required,
                     cell_areas_km2(threats.lat_deg, threats.step_deg, earth), dict(meta or {}))


_UNKNOWN = -2


def _coarse_stride(step_deg: float, coarse_step_deg: float | None) -> int:
    """The largest power of two, in grid steps, whose spacing is at most ``coarse_step_deg`` (1: every point)."""
    if coarse_step_deg is None:
        return 1
    stride = 1
    while 2 * stride * step_deg <= coarse_step_deg * (1 + 1e-9):
        stride *= 2
    return stride


def _lattice_axis(n: int, stride: int) -> NDArray:
    """Indices 0, stride, 2 stride, ... of n, and the last."""
    return np.unique(np.r_[np.arange(0, n, stride), n - 1])


def _lattice(shape: tuple[int, int], stride: int) -> NDArray:
    """(A, B) mask of the points every ``stride`` rows and columns (the last row and column included)."""
    out = np.zeros(shape, dtype=bool)
    out[np.ix_(_lattice_axis(shape[0], stride), _lattice_axis(shape[1], stride))] = True
    return out


def _corner_shots(shots: NDArray, stride: int) -> NDArray:
    """(4, A, B): the shot counts at the corners, on the ``stride`` lattice, of the lattice cell holding each point."""
    rows = [_bracket(shots.shape[0], stride, k) for k in (0, 1)]
    cols = [_bracket(shots.shape[1], stride, k) for k in (0, 1)]
    return np.stack([shots[np.ix_(r, c)] for r in rows for c in cols])


def _bracket(n: int, stride: int, upper: int) -> NDArray:
    """For each index of n: the lattice index (every ``stride``, and the last) at or below it, or (``upper``)
    at or above it."""
    axis = _lattice_axis(n, stride)
    i = np.arange(n)
    return axis[np.searchsorted(axis, i, side="left")] if upper else axis[np.searchsorted(axis, i, side="right") - 1]
