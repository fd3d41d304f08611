"""Exports of every result: KML (Google Earth), CZML (Cesium), GeoJSON (RFC 7946), CSV, and the
``openbmd-scene`` document that ``openbmd view`` reads.

A result becomes a :class:`Scene` (:mod:`.build`); each writer takes a scene. :func:`write_export`
picks the writer from the file's suffix.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from openbmd.errors import InputError
from openbmd.report.exports.scene import (LAYERS, Scene, SceneArea, ScenePath, ScenePoint, merge,
                                          read_scene)

SUFFIXES = (".scene.json", ".kml", ".czml", ".geojson", ".csv")


def export_format(path: str | Path, argument: str = "path") -> str:
    """The format a file name asks for, by suffix; an unknown one raises :class:`InputError`."""
    name = Path(path).name.lower()
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return suffix
    raise InputError(f"cannot tell the format of {str(path)!r}; end it in {', '.join(SUFFIXES)}", argument)


def write_export(path: str | Path, scene: Scene, argument: str = "path") -> None:
    """Write ``scene`` to ``path`` in the format its suffix names."""
    from openbmd.report.exports.czml import write_czml
    from openbmd.report.exports.geojson import scene_geojson
    from openbmd.report.exports.kml import write_kml
    from openbmd.report.exports.table import write_csv

    fmt = export_format(path, argument)
    writers: dict[str, Callable[[Path, Scene], None]] = {
        ".kml": write_kml, ".czml": write_czml, ".csv": write_csv,
        ".geojson": lambda p, s: _write_json(p, scene_geojson(s)),
        ".scene.json": lambda p, s: _write_json(p, s.to_json()),
    }
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        writers[fmt](p, scene)
    except OSError as exc:
        raise InputError(f"cannot write {p}: {exc.strerror}", argument) from None


def _write_json(path: Path, doc: dict) -> None:
    path.write_text(json.dumps(doc, allow_nan=False), encoding="utf-8")


__all__ = ["LAYERS", "SUFFIXES", "Scene", "SceneArea", "ScenePath", "ScenePoint", "export_format", "merge",
           "read_scene", "write_export"]
