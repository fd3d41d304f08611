"""One picture of one flight: the ground track on a map and the altitude over time.

Takes plain arrays (degrees, seconds, metres), so any propagator's output can
be drawn::

    save_trajectory_png("out/tabriz-warsaw.png", lat_deg, lon_deg, t_s, alt_m,
                        title="Tabriz to Warsaw, 2,100 km", launch=(38.08, 46.29),
                        impact=(52.23, 21.01), events={"burnout": (39.1, 44.9)})
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from openbmd.errors import InputError
from openbmd.report.figures import new_figure, save_figure
from openbmd.report.maps import bbox_around, draw_track, map_aspect, to_view_lon, world_axes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LatLon = tuple[float, float]
ArrayLike = Sequence[float] | np.ndarray

_TRACK_COLOR = "#c0392b"
_ATTRIBUTION = "Map: Natural Earth (public domain)"


def _arrays(lat_deg: ArrayLike, lon_deg: ArrayLike, t_s: ArrayLike, alt_m: ArrayLike,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    arrays = [np.asarray(a, dtype=np.float64) for a in (lat_deg, lon_deg, t_s, alt_m)]
    names = ("lat_deg", "lon_deg", "t_s", "alt_m")
    n = arrays[0].shape
    for name, a in zip(names, arrays):
        if a.ndim != 1 or a.shape != n:
            raise InputError(f"lat_deg, lon_deg, t_s and alt_m must be 1-D arrays of one "
                             f"length; {name} has shape {a.shape}, lat_deg {n}", name)
        if not np.all(np.isfinite(a)):
            raise InputError("must hold only finite numbers", name)
    if n[0] < 2:
        raise InputError("a trajectory needs at least 2 samples", "t_s")
    return arrays[0], arrays[1], arrays[2], arrays[3]


def _nearest_sample(lat: np.ndarray, lon: np.ndarray, point: LatLon) -> int:
    """Index of the track sample nearest to *point* on the unit sphere."""
    la, lo = np.radians(lat), np.radians(lon)
    pa, po = np.radians(point[0]), np.radians(point[1])
    cos_d = np.sin(la) * np.sin(pa) + np.cos(la) * np.cos(pa) * np.cos(lo - po)
    return int(np.argmax(cos_d))


def trajectory_figure(lat_deg: ArrayLike, lon_deg: ArrayLike, t_s: ArrayLike, alt_m: ArrayLike,
                      *, title: str, launch: LatLon, impact: LatLon,
                      events: Mapping[str, LatLon] | None = None, also_show: Sequence[LatLon] = (),
                      launch_name: str | None = None, impact_name: str | None = None) -> Figure:
    """The figure that :func:`save_trajectory_png` saves, for other formats or further drawing.

    The map also takes in the points of ``also_show`` (e.g. sites drawn afterwards); ``launch_name`` and
    ``impact_name`` (place names) label the two ends on the map.

    Top: the ground track on a map zoomed to it (launch ▲, impact ✕, events
    ●). Bottom: altitude in km against time in minutes, with the apogee and
    the events marked at the track samples nearest to them.
    """
    lat, lon, t, alt = _arrays(lat_deg, lon_deg, t_s, alt_m)
    events = dict(events or {})
    marks = [tuple(map(float, launch)), tuple(map(float, impact)),
             *(tuple(map(float, p)) for p in events.values()), *(tuple(map(float, p)) for p in also_show)]

    view = bbox_around(lat, lon, also=marks)
    map_h = min(max(9.0 * map_aspect(view), 3.0), 8.0)
    fig = new_figure(10.0, map_h + 3.4)
    grid = fig.add_gridspec(2, 1, height_ratios=(map_h + 0.4, 2.6))
    ax_map = fig.add_subplot(grid[0])
    ax_alt = fig.add_subplot(grid[1])

    world_axes(bbox=view, ax=ax_map)
    draw_track(ax_map, lat, lon, color=_TRACK_COLOR, linewidth=1.8, label="ground track")
    ax_map.plot(to_view_lon(ax_map, launch[1]), launch[0], marker="^", color="#1e8449",
                markersize=9, linestyle="none", zorder=4, label="launch")
    ax_map.plot(to_view_lon(ax_map, impact[1]), impact[0], marker="X", color="#922b21",
                markersize=9, linestyle="none", zorder=4, label="impact")
    for name, (p_lat, p_lon) in ((launch_name, launch), (impact_name, impact)):
        if name:
            ax_map.annotate(name, (to_view_lon(ax_map, p_lon), p_lat), xytext=(6, -10), textcoords="offset points",
                            fontsize=9, fontweight="bold", color="#222222", zorder=5)
    for name, (e_lat, e_lon) in events.items():
        x = to_view_lon(ax_map, e_lon)
        ax_map.plot(x, e_lat, marker="o", color="#1f3a93", markersize=5, zorder=4,
                    linestyle="none")
        ax_map.annotate(name, (x, e_lat), xytext=(5, 4), textcoords="offset points",
                        fontsize=8, color="#1f3a93", zorder=5)
    ax_map.legend(loc="best", fontsize=8, framealpha=0.85)
    ax_map.set_title(title, fontsize=12)
    ax_map.text(0.995, 0.005, _ATTRIBUTION, transform=ax_map.transAxes, fontsize=6,
                ha="right", va="bottom", color="#555555")

    t_min, alt_km = t / 60.0, alt / 1000.0
    ax_alt.plot(t_min, alt_km, color=_TRACK_COLOR, linewidth=1.6)
    i_apo = int(np.argmax(alt_km))
    ax_alt.plot(t_min[i_apo], alt_km[i_apo], marker="o", color="black", markersize=4)
    ax_alt.annotate(f"apogee {alt_km[i_apo]:,.0f} km at {t_min[i_apo]:.1f} min",
                    (t_min[i_apo], alt_km[i_apo]), xytext=(6, -12),
                    textcoords="offset points", fontsize=8)
    for name, point in events.items():
        i = _nearest_sample(lat, lon, point)
        ax_alt.plot(t_min[i], alt_km[i], marker="o", color="#1f3a93", markersize=4)
        ax_alt.annotate(name, (t_min[i], alt_km[i]), xytext=(4, 4),
                        textcoords="offset points", fontsize=8, color="#1f3a93")
    ax_alt.set_xlabel("time since launch (min)")
    ax_alt.set_ylabel("altitude (km)")
    ax_alt.set_xlim(t_min[0], t_min[-1])
    ax_alt.set_ylim(min(0.0, float(alt_km.min())), float(alt_km.max()) * 1.15 + 1e-9)
    ax_alt.grid(True, linewidth=0.5, alpha=0.5)
    from openbmd.report.labels import declutter

    declutter(fig)
    return fig


def save_trajectory_png(path: str | os.PathLike[str], lat_deg: ArrayLike, lon_deg: ArrayLike,
                        t_s: ArrayLike, alt_m: ArrayLike, *, title: str, launch: LatLon,
                        impact: LatLon, events: Mapping[str, LatLon] | None = None,
                        launch_name: str | None = None, impact_name: str | None = None,
                        dpi: float = 150.0) -> Path:
    """Save a ground-track map with an altitude-versus-time panel as a PNG; return its path.

    *lat_deg*, *lon_deg* (degrees), *t_s* (seconds since launch) and *alt_m*
    (metres) are the thinned samples of one trajectory; *launch*, *impact* and
    each of *events* (name -> point) are ``(lat, lon)`` in degrees. The map
    zooms to the track with a margin and cuts it at the antimeridian.
    """
    fig = trajectory_figure(lat_deg, lon_deg, t_s, alt_m, title=title, launch=launch,
                            impact=impact, events=events, launch_name=launch_name, impact_name=impact_name)
    return save_figure(fig, path, dpi=dpi)
