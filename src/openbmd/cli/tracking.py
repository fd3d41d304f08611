"""``openbmd track``: what would a party, or the joint centre, know about a raid, and when?"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from openbmd.cli.render import QUIET, console, print_json, save_figure
from openbmd.cli.resolve import catalog, catalog_option, flags, output_file

TRACK_HELP = """Track a raid with one party's sensors, or with the joint centre's fused picture.

Example: openbmd track --scenario iran-europe --party joint --json

--scenario is a built-in name (iran-europe) or a YAML file (parties with their sensors as
catalog places, threats as missile, from, to and launch_s). --party is one of the
scenario's parties (iran-europe: nato, russia) or joint. Times are s after each threat's
launch; errors are distances to the truth in m.
"""


def track(
    scenario: str = typer.Option(..., "--scenario", help="Built-in scenario name or YAML file."),
    party: str = typer.Option("joint", "--party", help="A party of the scenario (e.g. nato, russia) or joint."),
    as_json: bool = typer.Option(False, "--json", help="Machine output (SI)."),
    png: Optional[Path] = typer.Option(None, "--png", help="Plot impact-prediction error against time."),
    quiet: bool = QUIET,
    catalog_files: Optional[list[Path]] = catalog_option("the scenario's missiles, places and sensors"),
) -> None:
    from openbmd import api

    output_file(png, "--png")
    with flags({"scenario": "--scenario", "party": "--party"}):
        result = api.track(scenario, party, progress=not quiet, catalog=catalog(catalog_files))
    if as_json:
        print_json(result.to_json())
    else:
        _table(result.report)
    if png is not None:
        save_figure(result.plot(), png)


def _table(report) -> None:
    def s(x, fmt="{:,.0f}"):
        return "never" if x is None else fmt.format(x)

    console().print(f"[bold]{report.scenario}: picture of {report.party}[/bold] "
                    f"({report.n_tracks} tracks, {report.n_false_tracks} false)")
    table = Table("threat", "missile", "detected s", "firm track s", "launch err km", "class", "impact err km (last)")
    for t in report.threats:
        last = t.impact_error_m_vs_time[-1][1] / 1e3 if t.impact_error_m_vs_time else None
        table.add_row(t.id, t.missile, s(t.first_detection_s), s(t.firm_track_s),
                      s(None if t.launch_point_error_m is None else t.launch_point_error_m / 1e3, "{:,.1f}"),
                      t.range_class or "-", s(last, "{:,.2f}"))
    console().print(table)


def register(app: typer.Typer) -> None:
    """Add ``track`` to the ``openbmd`` app."""
    app.command("track", help=TRACK_HELP)(track)
