"""``openbmd exercise replay``: one Monte Carlo trial of one mode, event by event, for the map and the table."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from openbmd.cli.exports import export_option, write_exports
from openbmd.cli.render import console, print_json, save_figure
from openbmd.cli.resolve import catalog, catalog_option, flags, output_file, positive_int

REPLAY_HELP = """Replay one trial of one mode: launches, first tracks, shots, kills, leakers.

Example: openbmd exercise replay nrc-2012 --mode joint --trial 17 --trials 10000 --seed 1 --json > r.json
         openbmd view r.json

The trial is trial K (0-based) of 'exercise run' with the same --trials and --seed: the same draws,
the same outcome. --json includes the map (openbmd view opens the file); --export writes the
replayed trial as KML, CZML, GeoJSON, CSV or a scene file; --png draws its timeline.
"""

FLAGS = {"mode": "--mode", "trial": "--trial", "trials": "--trials", "seed": "--seed"}
"""API argument names -> the flags of ``exercise replay``."""


def replay(
    scenario: str = typer.Argument(..., help="Built-in scenario name or YAML file."),
    mode: str = typer.Option("joint", "--mode", help="independent, data-exchange, joint or sectoral."),
    trial: int = typer.Option(0, "--trial", help="The trial to replay (0-based)."),
    trials: int = typer.Option(10_000, "--trials", help="Trials of the run the trial belongs to."),
    seed: int = typer.Option(1, "--seed", help="Random seed of that run."),
    as_json: bool = typer.Option(False, "--json", help="Machine output, with the map for openbmd view."),
    png: Optional[Path] = typer.Option(None, "--png", help="Write the trial's timeline here."),
    export: list[Path] = export_option(),
    catalog_files: Optional[list[Path]] = catalog_option(),
) -> None:
    from openbmd import api

    positive_int(trials, "--trials")
    if png is not None:
        output_file(png, "--png")
    with flags(FLAGS):
        result = api.replay(scenario, mode, trial, trials=trials, seed=seed, catalog=catalog(catalog_files))
    if as_json:
        print_json(result.to_json(scene=True))
    else:
        from rich.table import Table

        r = result.replay
        t = Table("t (s)", "event", "object", "details",
                  title=f"{r.scenario}: {r.mode}, trial {r.trial} of {r.trials:,} (seed {r.seed}): "
                        f"{len(r.shots)} salvos, {r.leakers} leakers")
        for e in result.events():
            o = r.objects[e["object"]]
            more = {"track": lambda: e["sensor"], "leak": lambda: e["cause"],
                    "shot": lambda: f"{e['battery']} ({e['authority']}), intercept {e['intercept_t_s']:.0f} s: "
                                    f"{'kill' if e['killed'] else 'miss'}"}.get(e["event"], lambda: "")()
            t.add_row(f"{e['t_s']:.0f}", e["event"], f"{o.kind} {o.index} {o.missile} → {o.target}", more)
        console().print(t)
    if png is not None:
        save_figure(result.plot(), png)
    write_exports(export, result.scene)
