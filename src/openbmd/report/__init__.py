"""Views: maps from shipped Natural Earth data, plots and saved pictures.

A leaf package: nothing else in openbmd imports it.

- :mod:`openbmd.report.maps`: countries and land (``countries``, ``country``,
  ``land``), map axes (``world_axes``) and ground tracks (``draw_track``),
  all cut at the antimeridian.
- :mod:`openbmd.report.trajectory_plot`: ``save_trajectory_png``, one flight's
  ground track and altitude over time.
- :mod:`openbmd.report.figures`: ``new_figure`` and ``save_figure`` (atomic,
  reproducible writes of PNG, SVG or PDF; no pyplot, no display).
- :mod:`openbmd.report.exports`: results as scenes (``build``) and their KML, CZML,
  GeoJSON (RFC 7946), CSV and ``openbmd-scene`` files (``write_export``, by suffix).

Map data: Natural Earth 4.1.0 (public domain) via world-atlas 2.0.2 (ISC); see
``data/LICENSE-natural-earth.md``.
"""

from openbmd.report.figures import new_figure, save_figure
from openbmd.report.maps import Country, countries, country, draw_track, land, world_axes
from openbmd.report.trajectory_plot import save_trajectory_png, trajectory_figure

__all__ = [
    "Country",
    "countries",
    "country",
    "draw_track",
    "land",
    "new_figure",
    "save_figure",
    "save_trajectory_png",
    "trajectory_figure",
    "world_axes",
]
