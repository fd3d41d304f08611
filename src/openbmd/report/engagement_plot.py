"""Pictures of engagements: one threat's windows, and a defended footprint on the map.

Both take plain arrays and points in degrees, seconds and metres.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from typing import TYPE_CHECKING

from openbmd.report.figures import new_figure, save_figure
from openbmd.report.labels import declutter
from openbmd.report.maps import draw_track, map_aspect, to_view_lon, world_axes
from openbmd.report.trajectory_plot import LatLon, trajectory_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_SITE_STYLE = dict(marker="s", color="#1f618d", markersize=7, linestyle="none", zorder=5)
_SENSOR_STYLE = dict(marker="D", color="#7d3c98", markersize=6, linestyle="none", zorder=5)
_ORIGIN_STYLE = dict(marker="*", color="#922b21", markersize=12, linestyle="none", zorder=5)


@dataclass(frozen=True)
class ObjectTrack:
    """One released object's flight for the picture: its label (``warhead 2``, ``decoy with warhead 1``), samples
    (degrees, s, m), its shoot-look-shoot shots, and whether its window is the threat's verdict."""

    label: str
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    t_s: np.ndarray
    alt_m: np.ndarray
    shots: int
    verdict: bool = False


_OBJECT_COLOURS = ("#b03a2e", "#d68910", "#117a65", "#6c3483", "#2874a6", "#7b7d7d")


def _draw_objects(ax_map, ax_alt, objects: Sequence[ObjectTrack]) -> None:
    """Each released object's ground track and altitude, the verdict's bold, with its shots in the legend."""
    for k, ob in enumerate(objects):
        colour = _OBJECT_COLOURS[k % len(_OBJECT_COLOURS)]
        width, style = (1.6, "-") if ob.verdict else (0.9, ":" if ob.label.startswith("decoy") else "--")
        label = f"{ob.label}: {ob.shots} shot{'s' if ob.shots != 1 else ''}" + (" (verdict)" if ob.verdict else "")
        ok = np.isfinite(ob.t_s)
        draw_track(ax_map, ob.lat_deg[ok], ob.lon_deg[ok], color=colour, linewidth=width, linestyle=style,
                   label=label, zorder=3)
        ax_alt.plot(ob.t_s[ok] / 60.0, ob.alt_m[ok] / 1e3, color=colour, linewidth=width, linestyle=style,
                    label=label)


def _mark(ax, points: Mapping[str, LatLon], style: dict, label: str) -> None:
    for k, (name, (lat, lon)) in enumerate(points.items()):
        x = to_view_lon(ax, lon)
        ax.plot(x, lat, label=label if k == 0 else None, **style)
        ax.annotate(name, (x, lat), xytext=(5, -10), textcoords="offset points", fontsize=7, color=style["color"])


def save_engagement_png(path: str | os.PathLike[str], *args, **kwargs) -> Path:
    """Save :func:`engagement_figure` (same arguments) to ``path``."""
    return save_figure(engagement_figure(*args, **kwargs), path)


def engagement_figure(lat_deg, lon_deg, t_s, alt_m, *, title: str,
                      launch: LatLon, impact: LatLon, sites: Mapping[str, LatLon],
                      sensors: Mapping[str, LatLon], intercepts: Mapping[str, LatLon],
                      window_s: tuple[float, float] | None, shot_times_s: Sequence[float] = (),
                      objects: Sequence[ObjectTrack] = ()) -> Figure:
    """The threat's track with sites (■), sensors (◆) and intercept points, and its altitude over time
    with the engagement window shaded and each shoot-look-shoot shot marked. Where the missile releases several
    objects (a post-boost vehicle's warheads and decoys), ``objects`` draws each one's track with its shots, the
    verdict's (the most demanding warhead's, whose window is shaded) bold."""
    fig = trajectory_figure(lat_deg, lon_deg, t_s, alt_m, title=title, launch=launch, impact=impact,
                            events=dict(intercepts), also_show=[*sites.values(), *sensors.values()])
    ax_map, ax_alt = fig.axes[0], fig.axes[1]
    if len(objects) > 1:
        _draw_objects(ax_map, ax_alt, objects)
    _mark(ax_map, sites, _SITE_STYLE, "interceptor site")
    _mark(ax_map, sensors, _SENSOR_STYLE, "radar")
    ax_map.legend(loc="best", fontsize=8, framealpha=0.85)
    if window_s is not None:
        ax_alt.axvspan(window_s[0] / 60.0, window_s[1] / 60.0, color="#2e86c1", alpha=0.15,
                       label="intercept window")
    for k, t in enumerate(shot_times_s):
        ax_alt.axvline(t / 60.0, color="#1f618d", linewidth=0.8, linestyle="--",
                       label="shoot-look-shoot shots" if k == 0 else None)
    if window_s is not None or shot_times_s or len(objects) > 1:
        ax_alt.legend(loc="upper right", fontsize=7 if len(objects) > 1 else 8)
    declutter(fig)
    return fig


def save_footprint_png(path: str | os.PathLike[str], *args, **kwargs) -> Path:
    """Save :func:`footprint_figure` (same arguments) to ``path``."""
    return save_figure(footprint_figure(*args, **kwargs), path)


def footprint_figure(lat_deg: np.ndarray, lon_deg: np.ndarray, shots: np.ndarray,
                     shots_required: int, bbox: tuple[float, float, float, float], *, title: str,
                     origin: LatLon, sites: Mapping[str, LatLon], sensors: Mapping[str, LatLon]) -> Figure:
    """Shoot-look-shoot opportunities per aim point (colour), the defended area (outlined) and the assets."""
    from matplotlib.colors import BoundaryNorm, ListedColormap

    lat_min, lat_max, lon_min, lon_max = bbox
    view = (lat_min, lat_max, min(lon_min, origin[1] - 2), max(lon_max, origin[1] + 2))
    view = (min(view[0], origin[0] - 2), max(view[1], origin[0] + 2), view[2], view[3])
    fig = new_figure(10.0, min(max(9.0 * map_aspect(view), 3.0), 9.0) + 0.8)
    ax = fig.add_subplot()
    world_axes(bbox=view, ax=ax)
    top = max(int(shots.max(initial=0)), shots_required, 1)
    # Threatened but undefended in light vermillion; defended cells yellow to dark green, none of them the sea's
    # blue (a colour-blind-safe sequence, light to dark).
    colours = ["#f4a582"] + [c for c in ("#f0e442", "#a6d96a", "#41ab5d", "#1a7837", "#00441b")][:top]
    while len(colours) < top + 1:
        colours.append(colours[-1])
    cmap = ListedColormap(colours)
    norm = BoundaryNorm(np.arange(-0.5, top + 1.5), cmap.N)
    masked = np.ma.masked_less(shots, 0)
    mesh = ax.pcolormesh(to_view_lon(ax, np.asarray(lon_deg)), lat_deg, masked, cmap=cmap, norm=norm,
                         shading="nearest", alpha=0.75, zorder=2)
    bar = fig.colorbar(mesh, ax=ax, shrink=0.7, ticks=np.arange(0, top + 1))
    bar.set_label("shoot-look-shoot opportunities (0 = threatened, undefended)")
    if (shots >= shots_required).any():
        ax.contour(to_view_lon(ax, np.asarray(lon_deg)), lat_deg, (shots >= shots_required).astype(float),
                   levels=[0.5], colors="#154360", linewidths=1.2, zorder=3)
    _mark(ax, sites, _SITE_STYLE, "interceptor site")
    _mark(ax, sensors, _SENSOR_STYLE, "radar")
    _mark(ax, {"launch area": origin}, _ORIGIN_STYLE, "threat launch area")
    from matplotlib.patches import Patch

    handles, _ = ax.get_legend_handles_labels()
    handles.append(Patch(facecolor="none", edgecolor="#777", label="no colour: beyond the missile's reach"))
    ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.85)
    ax.set_title(title, fontsize=11)
    ax.text(0.995, 0.005, "Map: Natural Earth (public domain)", transform=ax.transAxes, fontsize=6,
            ha="right", va="bottom", color="#555555")
    declutter(fig)
    return fig
