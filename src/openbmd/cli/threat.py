"""``openbmd threat``: who is threatened by which third-country missiles, under each party's assumptions?"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from openbmd.cli.render import QUIET, console, print_json
from openbmd.cli.resolve import catalog, catalog_option, flags, output_file, output_folder
from openbmd.errors import InputError

FLAGS = {"areas": "--areas", "polygons": "--area-polygon", "missiles": "--missiles", "assumptions": "--assumptions",
         "year": "--year", "azimuths": "--azimuths"}

HELP = """Shared threat assessment: reach, targets, flight and warning times, and
where assessments diverge.

Example: openbmd threat --areas tabriz,shahrud --missiles shahab-3,sejjil-2
         --assumptions nato,russia --year 2012 --report out/threat

--areas: catalog launch areas (or any places); --missiles: catalog missiles;
--assumptions: catalog assumption sets ('openbmd catalog list assumptions').

Per missile, area and set the result gives the range contour on the rotating
Earth, the targets and countries within it, flight times, re-entry speeds and
warning times per party and for the joint network, and the year from which the
set counts the threat. The divergence table names each catalog figure two sets
state differently, and what it changes.
"""


def _polygon(text: str):
    """``NAME=LAT LON;LAT LON;...`` (deg) as a polygon launch area."""
    from openbmd.threat import polygon_area

    name, sep, body = text.partition("=")
    try:
        vertices = [tuple(float(x) for x in v.replace(",", " ").split()) for v in body.split(";") if v.strip()]
    except ValueError:
        vertices = []
    if not sep or not name.strip() or len(vertices) < 3 or any(len(v) != 2 for v in vertices):
        raise InputError(f"cannot read {text!r}; write NAME=LAT LON;LAT LON;LAT LON (deg), e.g. "
                         "'north-iran=38 45;38 48;36 48'", "--area-polygon")
    try:
        return polygon_area(name.strip(), vertices)
    except InputError as exc:
        raise InputError(exc.args[0], "--area-polygon") from None


def threat(
    areas: str = typer.Option("", "--areas", help="Launch areas, comma-separated catalog places."),
    polygons: list[str] = typer.Option([], "--area-polygon", help="A polygon launch area NAME=LAT LON;LAT LON;... "
                                                                  "in degrees (repeatable)."),
    missiles: str = typer.Option(..., "--missiles", help="Missile types, comma-separated catalog names."),
    assumptions: str = typer.Option("nato,russia", "--assumptions", help="Assumption sets, comma-separated."),
    year: Optional[int] = typer.Option(None, "--year", help="Assess the threats that exist in this year."),
    azimuths: int = typer.Option(24, "--azimuths", help="Launch azimuths per contour (at least 8)."),
    as_json: bool = typer.Option(False, "--json", help="Machine output (SI)."),
    report: Optional[Path] = typer.Option(None, "--report", help="Write HTML + JSON + GeoJSON + maps here."),
    geojson: Optional[Path] = typer.Option(None, "--geojson", help="Write the range contours as GeoJSON."),
    catalog_files: Optional[list[Path]] = catalog_option(),
    quiet: bool = QUIET,
) -> None:
    from openbmd import api

    output_folder(report, "--report")  # refuse an unwritable output before the assessment, not after it
    output_file(geojson, "--geojson")
    places = tuple(n.strip() for n in areas.split(",") if n.strip())
    with flags(FLAGS):
        result = api.threat(places + tuple(_polygon(p) for p in polygons), missiles, assumptions=assumptions,
                            year=year, azimuths=azimuths, progress=not quiet, catalog=catalog(catalog_files))
    data = result.to_json()
    if as_json:
        print_json(data)
    else:
        _print(data)
    if geojson is not None:
        import json

        geojson.write_text(json.dumps(result.geojson(), allow_nan=False), encoding="utf-8")
    if report is not None:
        result.write_report(report)


def _print(data: dict) -> None:
    from openbmd.threat import figure_text, orbital_note

    t = Table("missile", "area", "set", "greatest range", "from", "exists", "targets", "countries",
              "median joint warning")
    for th in data["threats"]:
        joint = [w for w in th["warning_time_s"].get("joint", {}).values() if w is not None]
        t.add_row(th["missile"], th["area"], th["assumption"], f"{th['max_range_m'] / 1e3:,.0f} km",
                  str(th["first_year"] or "-"), "yes" if th["exists"] else "no", str(len(th["reaches"])),
                  str(len(th["countries"])), f"{statistics.median(joint):,.0f} s" if joint else "-")
    console().print(t)
    for note in filter(None, map(orbital_note, data["threats"])):
        console().print(f"[bold red]Orbital:[/] {note}")
    if data["divergence"]:
        d = Table("missile", "figure", "values", "consequence")
        for row in data["divergence"]:
            d.add_row(row["missile"], row["field"], ", ".join(f"{k}: {figure_text(row['field'], v)}"
                                                              for k, v in row["values"].items()), row["consequence"])
        console().print("Where the assessments diverge:")
        console().print(d)
    elif len(data["assumptions"]) > 1:
        console().print("The assumption sets agree on every figure of these missiles.")


def register(app: typer.Typer) -> None:
    app.command("threat", help=HELP)(threat)
