"""World maps from shipped Natural Earth data, and ground tracks drawn on them.

The data (Natural Earth 4.1.0 countries and land at 1:110m and 1:50m, via the
npm package ``world-atlas`` 2.0.2) ships in ``openbmd/earth/data/`` (read by
:mod:`openbmd.earth.borders`, re-exported here) as gzip'd
GeoJSON, already cut at the antimeridian; nothing is downloaded. Coordinates
are longitude/latitude in degrees, longitude in [-180, 180].

>>> from openbmd.report.maps import country, world_axes, draw_track
>>> russia = country("RUS")
>>> russia.contains(55.75, 37.62)         # Moscow (lat, lon)
True
>>> fig, ax = world_axes(bbox=(35.0, 60.0, 10.0, 55.0))   # lat_min, lat_max, lon_min, lon_max
>>> lines = draw_track(ax, [38.08, 52.23], [46.29, 21.01], color="red")

Maps are equirectangular in lon/lat with an aspect of 1/cos(mid-latitude), so
shapes are true near the middle of the view. A view may run past ±180°
(``bbox=(40, 75, 150, 210)`` looks across the Bering Strait); the map is drawn
from copies of the data shifted by 360°, and :func:`draw_track` cuts a track at
the seam of the view (its centre ± 180°, i.e. the antimeridian on a view
centred on Greenwich), so no line ever crosses the whole map.
"""

from __future__ import annotations

import difflib
import functools
import gzip
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape

from openbmd.earth.borders import SCALES, Country, Scale, _check_scale, _countries, _land, _read_features, countries, country, land
from openbmd.errors import InputError

if TYPE_CHECKING:  # matplotlib is imported lazily: loading the data needs none of it
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D


#: (lat_min, lat_max, lon_min, lon_max) in degrees; lon_min < lon_max, and the
#: longitudes may run past ±180 (up to ±540) for views across the antimeridian.
BBox = tuple[float, float, float, float]

_OCEAN_COLOR = "#dce9f5"
_LAND_COLOR = "#f3f0e6"
_BORDER_COLOR = "#8c8c8c"


# --- Geometry helpers --------------------------------------------------------------


def _as_track(lat_deg: Sequence[float] | np.ndarray, lon_deg: Sequence[float] | np.ndarray,
              ) -> tuple[np.ndarray, np.ndarray]:
    lat = np.atleast_1d(np.asarray(lat_deg, dtype=np.float64))
    lon = np.atleast_1d(np.asarray(lon_deg, dtype=np.float64))
    if lat.ndim != 1 or lat.shape != lon.shape:
        raise InputError(f"lat_deg and lon_deg must be 1-D and the same length, got "
                         f"shapes {lat.shape} and {lon.shape}", "lat_deg")
    if not (np.all(np.isfinite(lat)) and np.all(np.isfinite(lon))):
        raise InputError("track latitudes and longitudes must be finite", "lat_deg")
    return lat, lon


def split_at_antimeridian(lat_deg: Sequence[float] | np.ndarray,
                          lon_deg: Sequence[float] | np.ndarray,
                          *, center_lon_deg: float = 0.0,
                          ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Cut a lon/lat polyline where it crosses the seam of a map centred on *center_lon_deg*.

    The seam is ``center_lon_deg ± 180`` (the antimeridian for the default
    centre). Consecutive points are taken to be joined the short way round
    (steps under 180° of longitude). Returns ``(lat_deg, lon_deg)`` pieces whose
    longitudes lie in ``[center - 180, center + 180]``; each cut adds the
    crossing point, interpolated in longitude, to both sides, so the pieces
    reach the map's edges.
    """
    lat, lon = _as_track(lat_deg, lon_deg)
    lo = float(center_lon_deg) - 180.0
    u = np.unwrap(lon, period=360.0)
    u = u - 360.0 * math.floor((u[0] - lo) / 360.0)
    cell = np.floor((u - lo) / 360.0).astype(np.int64)
    breaks = np.flatnonzero(np.diff(cell))
    pieces: list[tuple[np.ndarray, np.ndarray]] = []
    start = 0
    seam_in: tuple[float, float] | None = None  # (lat, u) where the current piece begins
    for i in breaks:
        x_seam = lo + 360.0 * max(cell[i], cell[i + 1])
        t = (x_seam - u[i]) / (u[i + 1] - u[i])
        lat_seam = lat[i] + t * (lat[i + 1] - lat[i])
        piece_lat = [lat[start:i + 1], [lat_seam]]
        piece_u = [u[start:i + 1], [x_seam]]
        if seam_in is not None:
            piece_lat.insert(0, [seam_in[0]])
            piece_u.insert(0, [seam_in[1]])
        shift = 360.0 * cell[i]
        pieces.append((np.concatenate(piece_lat), np.concatenate(piece_u) - shift))
        seam_in = (lat_seam, x_seam)
        start = i + 1
    tail_lat, tail_u = lat[start:], u[start:]
    if seam_in is not None:
        tail_lat = np.concatenate([[seam_in[0]], tail_lat])
        tail_u = np.concatenate([[seam_in[1]], tail_u])
    pieces.append((tail_lat, tail_u - 360.0 * cell[-1]))
    # Drop pieces that are a single seam point (a track ending exactly on the seam).
    return [(a, o) for a, o in pieces if a.size > 1 and np.ptp(o) + np.ptp(a) > 0.0]


def bbox_around(lat_deg: Sequence[float] | np.ndarray, lon_deg: Sequence[float] | np.ndarray,
                *, also: Sequence[tuple[float, float]] = (), margin: float = 0.15,
                min_span_deg: float = 6.0, min_aspect: float = 1.25,
                max_aspect: float = 2.2) -> BBox:
    """A map view around a track: its extent plus *margin* (a fraction of it) each side.

    The points are taken in order as a path joined the short way round, so a
    track over the antimeridian gives a view across it: ``lon_min`` is always
    in [-180, 180) and ``lon_max`` may pass 180. *also* lists extra
    ``(lat, lon)`` points to include (launch and impact markers, event
    labels); each is placed on the side of the antimeridian of the track point
    nearest to it. The view is widened or made
    taller so that its shape on the map (width / height, with the width scaled
    by cos(mid-latitude)) lies between *min_aspect* and *max_aspect*, and it is
    never smaller than *min_span_deg* either way.
    """
    lat, lon = _as_track(lat_deg, lon_deg)
    u = np.unwrap(lon, period=360.0)
    if len(also):
        extra = np.asarray(also, dtype=np.float64).reshape(-1, 2)
        _as_track(extra[:, 0], extra[:, 1])
        # Nearest track sample to each extra point, by chord distance on the unit sphere.
        def unit(a, o):
            a, o = np.radians(a), np.radians(o)
            return np.stack([np.cos(a) * np.cos(o), np.cos(a) * np.sin(o), np.sin(a)], axis=-1)
        nearest = np.argmax(unit(extra[:, 0], extra[:, 1]) @ unit(lat, lon).T, axis=1)
        ref = u[nearest]
        u_extra = ref + ((extra[:, 1] - ref + 180.0) % 360.0 - 180.0)
        lat = np.concatenate([lat, extra[:, 0]])
        u = np.concatenate([u, u_extra])
    lon_lo, lon_hi = float(u.min()), float(u.max())
    lat_lo, lat_hi = float(lat.min()), float(lat.max())
    c_lon, c_lat = 0.5 * (lon_lo + lon_hi), 0.5 * (lat_lo + lat_hi)
    d_lon = max(lon_hi - lon_lo, min_span_deg) * (1.0 + 2.0 * margin)
    d_lat = max(lat_hi - lat_lo, min_span_deg) * (1.0 + 2.0 * margin)
    k = _cos_mid_lat((c_lat, c_lat, 0.0, 0.0))
    if d_lon * k / d_lat < min_aspect:
        d_lon = min_aspect * d_lat / k
    elif d_lon * k / d_lat > max_aspect:
        d_lat = d_lon * k / max_aspect
    d_lat = min(d_lat, 180.0)
    lat_min = max(-90.0, c_lat - 0.5 * d_lat)
    lat_max = min(90.0, lat_min + d_lat)
    lat_min = max(-90.0, lat_max - d_lat)
    if d_lon >= 300.0:  # nearly the whole world: show it all, centred on Greenwich
        return (lat_min, lat_max, -180.0, 180.0)
    # Shift by whole turns so that lon_min lies in [-180, 180); lon_max may pass 180.
    lon_min = (c_lon - 0.5 * d_lon + 180.0) % 360.0 - 180.0
    return (lat_min, lat_max, lon_min, lon_min + d_lon)


def _cos_mid_lat(bbox: BBox) -> float:
    mid_lat = 0.5 * (bbox[0] + bbox[1])
    return max(math.cos(math.radians(min(abs(mid_lat), 80.0))), 0.17)


def map_aspect(bbox: BBox) -> float:
    """Height / width of the map of *bbox* as :func:`world_axes` draws it."""
    lat_min, lat_max, lon_min, lon_max = bbox
    return (lat_max - lat_min) / ((lon_max - lon_min) * _cos_mid_lat(bbox))


def _auto_scale(bbox: BBox) -> str:
    lat_min, lat_max, lon_min, lon_max = bbox
    return "50m" if (lon_max - lon_min) <= 70.0 and (lat_max - lat_min) <= 45.0 else "110m"


def _check_bbox(bbox: BBox) -> BBox:
    try:
        lat_min, lat_max, lon_min, lon_max = (float(v) for v in bbox)
    except (TypeError, ValueError):
        raise InputError(f"bbox must be (lat_min, lat_max, lon_min, lon_max), got {bbox!r}",
                         "bbox") from None
    if not all(math.isfinite(v) for v in (lat_min, lat_max, lon_min, lon_max)):
        raise InputError(f"bbox values must be finite, got {bbox!r}", "bbox")
    if not -90.0 <= lat_min < lat_max <= 90.0:
        raise InputError(f"bbox needs -90 <= lat_min < lat_max <= 90, got {bbox!r}", "bbox")
    if not (lon_min < lon_max and lon_max - lon_min <= 360.0
            and -540.0 <= lon_min and lon_max <= 540.0):
        raise InputError(f"bbox needs lon_min < lon_max, at most 360 deg apart, within "
                         f"[-540, 540]; got {bbox!r}", "bbox")
    return (lat_min, lat_max, lon_min, lon_max)


# --- Drawing -----------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _land_paths(scale: str) -> tuple[tuple[np.ndarray, np.ndarray, tuple[float, ...]], ...]:
    """Land as (vertices, path codes, bounds) per polygon, holes included, for matplotlib."""
    from matplotlib.path import Path

    out = []
    for poly in _land(scale).geoms:
        verts, codes = [], []
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            c = np.full(len(xy), Path.LINETO, dtype=np.uint8)
            c[0], c[-1] = Path.MOVETO, Path.CLOSEPOLY
            verts.append(xy)
            codes.append(c)
        v = np.vstack(verts)
        v.flags.writeable = False
        k = np.concatenate(codes)
        k.flags.writeable = False
        out.append((v, k, poly.bounds))
    return tuple(out)


@functools.lru_cache(maxsize=4)
def _border_lines(scale: str) -> tuple[tuple[np.ndarray, tuple[float, ...]], ...]:
    """Country outlines as polylines, without the artificial edges of the data.

    Edges along the ±180° cut and along the South Pole closure are not real
    borders or coasts; they are left out, splitting the ring there.
    """
    out = []
    for c in _countries(scale):
        for poly in shapely.get_parts(c.geometry):
            for ring in (poly.exterior, *poly.interiors):
                xy = np.asarray(ring.coords)
                a, b = xy[:-1], xy[1:]
                fake = ((np.abs(a[:, 0]) == 180.0) & (a[:, 0] == b[:, 0])) | (
                    (a[:, 1] <= -89.99) & (b[:, 1] <= -89.99))
                # Split the ring into runs of real edges.
                edge_idx = np.flatnonzero(~fake)
                if edge_idx.size == 0:
                    continue
                runs = np.split(edge_idx, np.flatnonzero(np.diff(edge_idx) > 1) + 1)
                if not fake.any():
                    runs = [np.arange(len(a))]
                for run in runs:
                    line = xy[run[0]:run[-1] + 2]
                    line.flags.writeable = False
                    out.append((line, (line[:, 0].min(), line[:, 1].min(),
                                       line[:, 0].max(), line[:, 1].max())))
    return tuple(out)


def _overlaps(b: tuple[float, ...], dx: float, bbox: BBox) -> bool:
    lat_min, lat_max, lon_min, lon_max = bbox
    return b[0] + dx <= lon_max and b[2] + dx >= lon_min and b[1] <= lat_max and b[3] >= lat_min


def _lon_label(x: float, _pos: object = None) -> str:
    lon = (x + 180.0) % 360.0 - 180.0
    if abs(abs(lon) - 180.0) < 1e-9:
        return "180°"
    if abs(lon) < 1e-9:
        return "0°"
    return f"{abs(lon):g}°{'E' if lon > 0 else 'W'}"


def _lat_label(y: float, _pos: object = None) -> str:
    if abs(y) < 1e-9:
        return "0°"
    return f"{abs(y):g}°{'N' if y > 0 else 'S'}"


def _tick_step(span_deg: float) -> float:
    for step in (0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0):
        if span_deg / step <= 8.0:
            return step
    return 90.0


def world_axes(bbox: BBox | None = None, ax: Axes | None = None, *,
               scale: Scale | None = None, figsize: tuple[float, float] | None = None,
               borders: bool = True) -> tuple[Figure, Axes]:
    """Draw land and country borders on a matplotlib Axes; return ``(fig, ax)``.

    *bbox* is ``(lat_min, lat_max, lon_min, lon_max)`` in degrees (the whole
    world when ``None``); the longitudes may run past ±180° for a view across
    the antimeridian. The projection is plain lon/lat (x = longitude, y =
    latitude, so :func:`draw_track` and ``ax.plot(lon, lat)`` just work) with
    an aspect of 1/cos(mid-latitude). *scale* defaults to 1:50m for regional
    views and 1:110m for continental and world views. With no *ax*, a new
    :class:`matplotlib.figure.Figure` is made (no pyplot, no display needed),
    *figsize* inches or by default 10 inches wide and as tall as the view's
    shape asks; save it with :func:`openbmd.report.figures.save_figure`.
    """
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.figure import Figure as _Figure
    from matplotlib.path import Path
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    view = _check_bbox(bbox if bbox is not None else (-90.0, 90.0, -180.0, 180.0))
    lat_min, lat_max, lon_min, lon_max = view
    scale_used = _check_scale(scale) if scale is not None else _auto_scale(view)
    if ax is None:
        if figsize is None:
            figsize = (10.0, min(max(10.0 * map_aspect(view), 3.0), 12.0) + 0.5)
        fig = _Figure(figsize=figsize, layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure()

    shifts = [dx for dx in (-360.0, 0.0, 360.0)
              if lon_min <= 180.0 + dx and lon_max >= -180.0 + dx]
    paths = [Path(v + (dx, 0.0), k)
             for dx in shifts for v, k, b in _land_paths(scale_used) if _overlaps(b, dx, view)]
    ax.add_collection(PathCollection(paths, facecolors=_LAND_COLOR, edgecolors="none",
                                     zorder=0.5))
    if borders:
        lines = [xy + (dx, 0.0)
                 for dx in shifts for xy, b in _border_lines(scale_used) if _overlaps(b, dx, view)]
        ax.add_collection(LineCollection(lines, colors=_BORDER_COLOR,
                                         linewidths=0.5 if scale_used == "110m" else 0.4,
                                         zorder=1.0))

    ax.set_facecolor(_OCEAN_COLOR)
    ax.set_xlim(lon_min, lon_max)
    ax.set_ylim(lat_min, lat_max)
    ax.set_aspect(1.0 / _cos_mid_lat(view), adjustable="box")
    ax.xaxis.set_major_locator(MultipleLocator(_tick_step(lon_max - lon_min)))
    ax.yaxis.set_major_locator(MultipleLocator(_tick_step(lat_max - lat_min)))
    ax.xaxis.set_major_formatter(FuncFormatter(_lon_label))
    ax.yaxis.set_major_formatter(FuncFormatter(_lat_label))
    ax.tick_params(labelsize=8)
    ax.grid(True, color="white", linewidth=0.6, alpha=0.9, zorder=0.2)
    ax.set_axisbelow(True)
    return fig, ax


def draw_track(ax: Axes, lat_deg: Sequence[float] | np.ndarray,
               lon_deg: Sequence[float] | np.ndarray, **style: object) -> list[Line2D]:
    """Draw a ground track (degrees) on a map Axes, cut at the seam of the view.

    The seam is the view's centre longitude ± 180° (the antimeridian on a map
    made by :func:`world_axes` with no bbox), so no segment runs across the
    whole map. *style* goes to ``ax.plot`` (``color``, ``linewidth``, ``label``...);
    a ``label`` is given to the first piece only, so legends show it once.
    Returns the lines drawn. The view limits are left as they are.
    """
    x0, x1 = ax.get_xlim()
    center = 0.5 * (x0 + x1)
    style = {"zorder": 3.0, **style}
    label = style.pop("label", None)
    drawn: list[Line2D] = []
    for i, (lat, lon) in enumerate(split_at_antimeridian(lat_deg, lon_deg, center_lon_deg=center)):
        kw = dict(style)
        if label is not None:
            kw["label"] = label if i == 0 else "_nolegend_"
        drawn.extend(ax.plot(lon, lat, scalex=False, scaley=False, **kw))
    return drawn


def to_view_lon(ax: Axes, lon_deg: float | np.ndarray) -> float | np.ndarray:
    """Shift longitudes by multiples of 360° into the view of a map Axes (for markers, text)."""
    x0, x1 = ax.get_xlim()
    lo = 0.5 * (x0 + x1) - 180.0
    out = (np.asarray(lon_deg, dtype=np.float64) - lo) % 360.0 + lo
    return float(out) if np.ndim(out) == 0 else out


# --- The polar view ------------------------------------------------------------------

@dataclass(frozen=True)
class PolarMap:
    """A north-polar azimuthal equidistant map (pyproj ``aeqd``) down to ``lat_min_deg``: ``project(lat, lon)``
    (deg) gives its x, y in km; ``ax`` is the matplotlib Axes it is drawn on."""

    ax: Axes
    lat_min_deg: float
    center_lon_deg: float

    def project(self, lat_deg, lon_deg) -> tuple[np.ndarray, np.ndarray]:
        x, y = _polar_transformer(self.center_lon_deg).transform(np.asarray(lon_deg, float),
                                                                 np.asarray(lat_deg, float))
        return np.asarray(x) / 1e3, np.asarray(y) / 1e3

    def plot(self, lat_deg, lon_deg, *args, **kwargs):
        """``ax.plot`` in latitude and longitude (deg); lines stay whole across the antimeridian."""
        x, y = self.project(lat_deg, lon_deg)
        return self.ax.plot(x, y, *args, **kwargs)


@functools.lru_cache(maxsize=8)
def _polar_transformer(center_lon_deg: float):
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", f"+proj=aeqd +lat_0=90 +lon_0={center_lon_deg:g} +datum=WGS84 +units=m",
                                always_xy=True)


def polar_axes(lat_min_deg: float = 20.0, *, center_lon_deg: float = 0.0, ax: Axes | None = None,
               size_in: float = 8.5) -> tuple[Figure, PolarMap]:
    """Land on a north-polar azimuthal equidistant map down to ``lat_min_deg``, with parallels every 20°
    and meridians every 30°, for flights that cross the pole (ICBM corridors). Natural Earth 1:110m."""
    from matplotlib.figure import Figure as _Figure
    from matplotlib.patches import Circle, PathPatch
    from matplotlib.path import Path

    if ax is None:
        fig = _Figure(figsize=(size_in, size_in), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure()
    m = PolarMap(ax, float(lat_min_deg), float(center_lon_deg))
    r = float(m.project(lat_min_deg, center_lon_deg)[1] * -1.0)
    edge = Circle((0.0, 0.0), r, facecolor=_OCEAN_COLOR, edgecolor="#555", linewidth=0.8, zorder=0)
    ax.add_patch(edge)
    for verts, codes, bounds in _land_paths("110m"):
        if bounds[3] < lat_min_deg - 5:
            continue
        x, y = m.project(verts[:, 1], verts[:, 0])
        patch = PathPatch(Path(np.column_stack([x, y]), codes), facecolor=_LAND_COLOR, edgecolor=_BORDER_COLOR,
                          linewidth=0.4, zorder=1)
        ax.add_patch(patch)
        patch.set_clip_path(edge)
    for lat in np.arange(math.ceil(lat_min_deg / 20) * 20, 90, 20):
        lon = np.linspace(-180, 180, 361)
        (line,) = m.plot(np.full_like(lon, lat), lon, color="#ffffff", linewidth=0.6, zorder=1.5)
        ax.annotate(f"{lat:g}°N", m.project(lat, center_lon_deg + 180), fontsize=6, color="#777", ha="center")
    for lon in np.arange(-180, 180, 30):
        lat = np.linspace(lat_min_deg, 90, 50)
        m.plot(lat, np.full_like(lat, lon), color="#ffffff", linewidth=0.6, zorder=1.5)
    ax.set_xlim(-r * 1.02, r * 1.02)
    ax.set_ylim(-r * 1.02, r * 1.02)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return fig, m
