"""CSV of a scene (pandas): one row per vertex, point or polygon corner.

Columns: layer, name, kind (point, path, area), part (polygon or ring number), index, time (ISO 8601
UTC, empty when untimed), t_s (s after the scene's epoch), lat_deg, lon_deg, alt_m. Figures and
sources are on each feature's first row only, as JSON text.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from openbmd.report.exports.scene import Scene

COLUMNS = ["layer", "name", "kind", "part", "index", "time", "t_s", "lat_deg", "lon_deg", "alt_m", "figures",
           "sources"]


def scene_table(scene: Scene) -> pd.DataFrame:
    """The scene as a table (see the module docstring for the columns)."""
    blocks: list[pd.DataFrame] = []

    def block(f, kind: str, t, lat, lon, alt, part=0) -> None:
        n = len(lat)
        t = np.full(n, np.nan) if t is None else np.broadcast_to(np.asarray(t, float), (n,))
        extra = [""] * n
        figures, sources = extra.copy(), extra.copy()
        if part == 0:
            figures[0], sources[0] = json.dumps(f.figures, allow_nan=False, default=str), json.dumps(list(f.sources))
        blocks.append(pd.DataFrame({
            "layer": f.layer, "name": f.name, "kind": kind, "part": part, "index": np.arange(n),
            "time": [scene.iso(x) if np.isfinite(x) else "" for x in t], "t_s": t,
            "lat_deg": np.asarray(lat, float), "lon_deg": np.asarray(lon, float),
            "alt_m": np.broadcast_to(np.asarray(alt, float), (n,)), "figures": figures, "sources": sources}))

    for p in scene.points:
        block(p, "point", p.t_s, [p.lat_deg], [p.lon_deg], p.alt_m)
    for q in scene.paths:
        block(q, "path", q.t_s, q.lat_deg, q.lon_deg, q.alt_m)
    for a in scene.areas:
        rings = [r for poly in a.polygons for r in poly]
        for k, ring in enumerate(rings):
            block(a, "area", None, ring[:, 1], ring[:, 0], 0.0, part=k)
    if not blocks:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(blocks, ignore_index=True)[COLUMNS]


def write_csv(path: str | Path, scene: Scene) -> None:
    scene_table(scene).to_csv(path, index=False, float_format="%.9g")
