"""``--export FILE`` on the analysis commands, and ``openbmd export``: KML, CZML, GeoJSON, CSV or a scene."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import typer

FORMATS = "KML (.kml), CZML (.czml), GeoJSON (.geojson), CSV (.csv) or an openbmd scene (.scene.json)"


def _check(param: typer.CallbackParam, paths: list[Path]) -> list[Path]:
    from openbmd.cli.resolve import output_file
    from openbmd.report.exports import export_format

    for p in paths:
        export_format(p, param.opts[0])
        output_file(p, param.opts[0])
    return paths


def export_option() -> list[Path]:
    """The ``--export`` option: repeatable, the format by suffix, refused before any work when unknown."""
    return typer.Option([], "--export", callback=_check, help=f"Write the result as {FORMATS}; repeatable.")


def write_exports(paths: list[Path], make_scene: Callable[[], object]) -> None:
    """Build the scene once (only when asked) and write each file."""
    if not paths:
        return
    from openbmd.report.exports import write_export

    scene = make_scene()
    for p in paths:
        write_export(p, scene, "--export")


EXPORT_HELP = """Convert results into KML, CZML, GeoJSON, CSV or a scene file.

Example: openbmd engage ... --export out/engage.scene.json
         openbmd export out/engage.scene.json out/fp.scene.json --to all.kml

Inputs: scene files (--export x.scene.json), or the --json output of
trajectory --samples N and of engage; several merge into one file. The
format of each --to file follows its suffix: .kml, .czml, .geojson, .csv,
.scene.json.
"""


def export(
    scenes: list[Path] = typer.Argument(..., help="Scene files or --json results."),
    to: list[Path] = typer.Option(..., "--to", callback=_check, help="Output file(s), format by suffix."),
) -> None:
    from openbmd.report.exports import merge, read_scene, write_export

    scene = merge(read_scene(p) for p in scenes)
    for p in to:
        write_export(p, scene, "--to")


def register(app: typer.Typer) -> None:
    app.command("export", help=EXPORT_HELP)(export)
