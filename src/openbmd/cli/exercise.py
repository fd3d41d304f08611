"""``openbmd exercise``: the cooperation modes side by side, over many seeded trials."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from openbmd.cli.exports import export_option, write_exports
from openbmd.cli.render import QUIET, console, print_json
from openbmd.cli.resolve import catalog, catalog_option, flags, output_folder, positive_int
from openbmd.cli.uncertainty import FLAGS as UNCERTAINTY_FLAGS
from openbmd.cli.uncertainty import print_study, uncertainty_option
from openbmd.errors import InputError

app = typer.Typer(help="Computer-assisted exercise: compare cooperation modes by Monte Carlo.",
                  no_args_is_help=True)

RUN_HELP = """Run a scenario (built-in name or YAML file) in each cooperation mode.

Example: openbmd exercise run nrc-2012 --trials 10000 --seed 1 --workers 2
         --report out/exercise

Modes: independent, data-exchange, joint, sectoral. The same seed gives the
same answer for any number of workers. --scheduler ADDR uses a running Dask
scheduler instead. --uncertainty N runs again on N catalog variants (the same
trials and --seed in each) and says in what share of draws each mode beats
independent.
"""


FLAGS = {"modes": "--modes", "trials": "--trials", "workers": "--workers", "scheduler": "--scheduler",
         "uncertainty": UNCERTAINTY_FLAGS["uncertainty"]}
"""API argument names -> the flags of ``exercise run``."""


# Options that `run` and `compare` share.
MODES_OPTION = typer.Option("independent,data-exchange,joint,sectoral", "--modes", help="Comma-separated.")
WORKERS_OPTION = typer.Option(None, "--workers", help="Local Dask cluster with N worker processes.")
SCHEDULER_OPTION = typer.Option(None, "--scheduler", help="Address of a running Dask scheduler.")
JSON_OPTION = typer.Option(False, "--json", help="Machine output.")


@app.command("run", help=RUN_HELP)
def run(
    scenario: str = typer.Argument(..., help="Built-in scenario name or YAML file."),
    modes: str = MODES_OPTION,
    trials: int = typer.Option(10_000, "--trials", help="Monte Carlo trials per mode."),
    seed: int = typer.Option(1, "--seed", help="Random seed (same seed, same answer)."),
    workers: Optional[int] = WORKERS_OPTION,
    scheduler: Optional[str] = SCHEDULER_OPTION,
    as_json: bool = JSON_OPTION,
    report: Optional[Path] = typer.Option(None, "--report", help="Write an HTML report to this folder."),
    quiet: bool = QUIET,
    export: list[Path] = export_option(),
    catalog_files: Optional[list[Path]] = catalog_option(),
    uncertainty: int = uncertainty_option(),
) -> None:
    from openbmd import api

    output_folder(report, "--report")
    positive_int(trials, "--trials")
    if workers is not None and scheduler is not None:
        raise InputError("give --workers or --scheduler, not both", "--workers")
    if uncertainty and report is not None:
        raise InputError("the HTML report shows the nominal run only; give --json or the table with it, or drop "
                         "--report", "--uncertainty")
    with flags(FLAGS):
        result = api.exercise(scenario, trials=trials, seed=seed, modes=modes, workers=workers, scheduler=scheduler,
                              progress=not quiet, catalog=catalog(catalog_files), uncertainty=uncertainty)
    sc = result.scenario
    if as_json:
        print_json(result.to_json())
    else:
        t = Table("mode", "P(no leaker)", "95% CI", "vs independent (paired)", "leakers", "interceptors",
                  "value defended", title=f"{sc.name}: {trials:,} trials per mode, seed {seed}")
        for m, v in result.result.modes.items():
            lo, hi = v.p_no_leak_ci
            d = v.paired_vs_independent
            vs = f"{d.p_no_leak_diff:+.3f} ({d.ci[0]:+.3f} to {d.ci[1]:+.3f})" if d else ""
            t.add_row(m, f"{v.p_no_leak:.3f}", f"{lo:.3f}-{hi:.3f}", vs, f"{v.expected_leakers:.2f}",
                      f"{v.interceptors_used:.1f}", f"{v.value_defended:.1%}")
        console().print(t)
        for v in result.result.modes.values():
            console().print(v.explanation, soft_wrap=True)
        if result.uncertainty is not None:
            print_study(result.uncertainty.to_json())
    if report is not None:
        result.write_report(report)
    write_exports(export, result.scene)


COMPARE_HELP = """Run two scenarios (built-in names or YAML files) with the same trials and
seed, side by side.

Example: openbmd exercise compare nrc-2012 my-variant.yaml --trials 10000

Per mode: P(no leaker) and expected leakers in A and in B, and the paired
difference B - A with its 95% interval, as +d ± half-width (trial k of A
against trial k of B: the same draws where the two scenarios hold the same
objects). "*" marks a P(no leaker) difference whose interval leaves out zero.
--uncertainty N runs both again on N catalog variants: the share of draws in
which B leaks fewer than A, per mode, and the figures that turns on.
"""


@app.command("compare", help=COMPARE_HELP)
def compare(
    a: str = typer.Argument(..., metavar="A", help="Scenario A: built-in name or YAML file."),
    b: str = typer.Argument(..., metavar="B", help="Scenario B: built-in name or YAML file."),
    modes: str = MODES_OPTION,
    trials: int = typer.Option(10_000, "--trials", help="Monte Carlo trials per mode and scenario."),
    seed: int = typer.Option(1, "--seed", help="Random seed, the same for both."),
    workers: Optional[int] = WORKERS_OPTION,
    scheduler: Optional[str] = SCHEDULER_OPTION,
    as_json: bool = JSON_OPTION,
    quiet: bool = QUIET,
    catalog_files: Optional[list[Path]] = catalog_option(),
    uncertainty: int = uncertainty_option(),
) -> None:
    from openbmd import api

    positive_int(trials, "--trials")
    if workers is not None and scheduler is not None:
        raise InputError("give --workers or --scheduler, not both", "--workers")
    with flags({**FLAGS, "a": "A", "b": "B"}):
        result = api.compare_exercises(a, b, trials=trials, seed=seed, modes=modes, workers=workers,
                                       scheduler=scheduler, progress=not quiet, catalog=catalog(catalog_files),
                                       uncertainty=uncertainty)
    if as_json:
        print_json(result.to_json())
        return
    c = result.comparison
    t = Table("mode", "P(no leaker) A", "P(no leaker) B", "B - A, 95%", "leakers A", "leakers B", "B - A, 95%",
              title=f"B {c.b} against A {c.a}: {trials:,} paired trials per mode, seed {seed}")
    for v in c.modes:
        t.add_row(v.mode, f"{v.p_no_leak[0]:.3f}", f"{v.p_no_leak[1]:.3f}",
                  _plus_minus(v.p_no_leak_diff, v.p_no_leak_diff_ci, 3) + (" *" if v.significant else ""),
                  f"{v.expected_leakers[0]:.2f}", f"{v.expected_leakers[1]:.2f}",
                  _plus_minus(v.expected_leakers_diff, v.expected_leakers_diff_ci, 2))
    console().print(t)
    if result.uncertainty is not None:
        print_study(result.uncertainty.to_json())


def _plus_minus(value: float, ci: tuple[float, float], digits: int) -> str:
    """``+0.120 ± 0.031``: a difference and the half-width of its (symmetric) 95 % interval."""
    return f"{value:+.{digits}f} ± {(ci[1] - ci[0]) / 2:.{digits}f}"


@app.command("list", help="List the built-in scenarios.")
def list_scenarios() -> None:
    from openbmd.exercise.scenario import builtin_scenarios

    for name in builtin_scenarios():
        console().print(name)


@app.command("show", help="Print a built-in scenario's YAML (copy it to make your own).")
def show(name: str = typer.Argument(..., help="Built-in scenario name, e.g. nrc-2012.")) -> None:
    from importlib import resources

    from openbmd.exercise.scenario import builtin_scenarios

    if name not in builtin_scenarios():
        raise InputError(f"no built-in scenario {name!r}; built in: {', '.join(builtin_scenarios())}", "NAME")
    typer.echo((resources.files("openbmd.exercise") / "scenarios" / f"{name}.yaml").read_text("utf-8"), nl=False)


def _register_replay() -> None:
    from openbmd.cli.exercise_replay import REPLAY_HELP, replay

    app.command("replay", help=REPLAY_HELP)(replay)


_register_replay()
