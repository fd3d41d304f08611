"""``openbmd assure``: can a missile-defence deployment threaten the other side's strategic missiles?"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from openbmd.cli.exports import export_option, write_exports
from openbmd.cli.render import QUIET, console, print_json
from openbmd.cli.resolve import catalog, catalog_option, flags, opt_quantity, output_folder
from openbmd.cli.uncertainty import FLAGS as UNCERTAINTY_FLAGS
from openbmd.cli.uncertainty import print_study, seed_option, uncertainty_option
from openbmd.errors import InputError

HELP = """Assess a deployment against strategic missile corridors.

Example: openbmd assure --deployment epaa-phase3 --forces russia-icbm
         --targets north-america --criteria russia-2011-2012
         --report out/assure

--deployment and --criteria take a catalog name or a YAML file in the
catalog's format (kind: deployment / kind: criteria); --criteria also
takes one criterion's name (e.g. not-to-the-urals), checked alone.
--forces: russia-icbm, us-icbm or base names; --targets: north-america,
russia, europe or place names (comma-separated). Per pair the result
gives engageability, the window, the speed threshold (the least common
interceptor burnout speed that engages it) and the delay budget (the
longest decision delay that does). A missile with a post-boost vehicle
(rs-24, ss-18) is engaged warhead by warhead as its bus releases them:
a pair is engageable only if every warhead is, and takes its most
demanding warhead's threshold (the highest) and delay budget (the least).
--observed FILE (flight-test JSON) checks --criteria with observed speeds too.
"""


FLAGS = {"deployment": "--deployment", "criteria": "--criteria", "forces": "--forces", "targets": "--targets",
         "timeline": "--timeline", "delay_s": "--delay", "by_year": "--by-year", "border": "--border",
         "interceptor_speed_km_s": "--interceptor-speed", "observed": "--observed", **UNCERTAINTY_FLAGS}
"""API argument names -> the flags of ``assure``."""


def assure(
    deployment: str = typer.Option(..., "--deployment", help="Catalog deployment or YAML file."),
    forces: str = typer.Option("russia-icbm", "--forces", help="russia-icbm, us-icbm, or base names."),
    targets: str = typer.Option("north-america", "--targets", help="north-america, russia, europe, or places."),
    interceptor_speed: Optional[str] = typer.Option(None, "--interceptor-speed", help="Set every burnout speed."),
    delay: Optional[str] = typer.Option(None, "--delay", help="Decision delay, firm track to launch, e.g. 120s."),
    timeline: str = typer.Option("default", "--timeline", help="Catalog timeline."),
    criteria: Optional[str] = typer.Option(None, "--criteria", help="Criteria set: catalog name or YAML file."),
    border: Optional[str] = typer.Option(None, "--border", help="Country whose border sites are measured from "
                                                                "(ISO code or name; default: the other side)."),
    by_year: bool = typer.Option(False, "--by-year", help="Assess each year of the deployment's declaration."),
    sweep: bool = typer.Option(False, "--sweep", help="Sensitivity: engageable pairs over speed x delay."),
    as_json: bool = typer.Option(False, "--json", help="Machine output (SI)."),
    report: Optional[Path] = typer.Option(None, "--report", help="Write HTML + JSON + figures to this folder."),
    quiet: bool = QUIET,
    export: list[Path] = export_option(),
    observed: list[Path] = typer.Option([], "--observed", help="flight-test JSON: check --criteria with observed "
                                                              "speeds too (repeatable)."),
    catalog_files: Optional[list[Path]] = catalog_option(),
    uncertainty: int = uncertainty_option(),
    seed: int = seed_option(),
) -> None:
    from openbmd import api

    output_folder(report, "--report")
    if uncertainty and report is not None:
        raise InputError("the HTML report shows the nominal assessment only; give --json or the table with it, or "
                         "drop --report", "--uncertainty")
    speed = opt_quantity(interceptor_speed, "speed", "--interceptor-speed")
    with flags(FLAGS):
        result = api.assure(deployment, forces=forces, targets=targets, criteria=criteria, border=border,
                            delay_s=opt_quantity(delay, "time", "--delay", non_negative=True),
                            interceptor_speed_km_s=None if speed is None else speed / 1e3, timeline=timeline,
                            sweep=sweep, by_year=by_year, observed=observed, progress=not quiet,
                            catalog=catalog(catalog_files), uncertainty=uncertainty, seed=seed)
    if as_json:
        print_json(result.to_json())
    else:
        _print(result.to_json())
    if report is not None:
        result.write_report(report)
    write_exports(export, result.scene)


def _print(data: dict) -> None:
    s = data["summary"]
    console().print(f"[bold]{data['deployment']}[/bold] against {data['forces']} → {data['targets']}: "
                    f"{s['engageable_pairs']} of {s['total_pairs']} pairs engageable "
                    f"({s['reachable_pairs']} within the missiles' reach)")
    t = Table("base", "pairs", "engageable", "lowest speed threshold", "longest delay budget")
    by_base: dict[str, list] = {}
    for p in data["pairs"]:
        by_base.setdefault(p["base"], []).append(p)
    for base, pairs in by_base.items():
        th = [p["speed_threshold_mps"] for p in pairs if p["speed_threshold_mps"] is not None]
        bud = [p["delay_budget_s"] for p in pairs if p["delay_budget_s"] is not None]
        t.add_row(base, str(len(pairs)), str(sum(p["engageable"] for p in pairs)),
                  f"{min(th) / 1e3:.2f} km/s" if th else "> 10 km/s", f"{max(bud):,.0f} s" if bud else "-")
    console().print(t)
    sites = Table("site", "interceptor", "border distance", "reach", "distance ≥ reach")
    for site in data["sites"]:
        sites.add_row(site["name"], site["interceptor"], f"{site['border_distance_m'] / 1e3:,.0f} km",
                      f"{site['max_reach_m'] / 1e3:,.0f} km", "yes" if site["satisfies_distance_criterion"] else "no")
    console().print(sites)
    for c in data.get("criteria", []):
        mark = "[green]met[/green]" if c["satisfied"] else "[red]broken[/red]"
        console().print(f"{c['name']}: {mark} — {c['detail']}; engageable pairs {c['engageable_pairs_as_deployed']}"
                        f" as deployed, {c['engageable_pairs_if_met']} if met")
    sens = data.get("sensitivity")
    if sens:
        t = Table("delay \\ speed", *(f"{v / 1e3:g} km/s" for v in sens["speeds_mps"]))
        for d, row in zip(sens["delays_s"], sens["engageable_pairs"]):
            t.add_row(f"{d:g} s", *(str(c) for c in row))
        console().print("Engageable pairs by common interceptor speed and decision delay:")
        console().print(t)
        console().print(f"{len(sens['flips'])} pairs flip inside this grid")
    for c in data.get("criteria_observed", []):
        for row in c["checks"]:
            console().print(f"{c['name']}: {_observed_text(row)}", soft_wrap=True)
    for y in data.get("years", []):
        console().print(f"{y['year']}: {y['engageable_pairs']} of {y['total_pairs']} pairs engageable, "
                        f"{y['interceptors']} interceptors")
    if "uncertainty" in data:
        print_study(data["uncertainty"])


def _observed_text(row: dict) -> str:
    """One criterion row of ``criteria_observed`` in words: the declared verdict, then the observed one."""
    if "interceptor" not in row:
        return row.get("note", "")
    who = f"{row['site']} ({row['interceptor']})" if "site" in row else row["interceptor"]
    declared = "holds" if row["declared_holds"] else "fails"
    if "reach_m" not in row:  # a speed limit
        head = f"{who}: declared {row['declared_mps'] / 1e3:.2f} km/s {declared}"
        o = row["observed"]
        if o is None:
            return f"{head}; not observed (no --observed flight test of {row['interceptor']})"
        lo, hi = o["ci95"]
        conf = row["confidence"]
        verdict = ("holds" if row["observed_holds"] else "fails (95 % confident above the limit)" if conf <= 0.05
                   else "undecided (holding needs 95 %)")
        sure = ">99.9%" if conf > 0.999 else "<0.1%" if conf < 0.001 else f"{conf:.1%}"
        return (f"{head}; observed {o['estimate_mps'] / 1e3:.2f} km/s (95 %: {lo / 1e3:.2f}-{hi / 1e3:.2f}), "
                f"{sure} confident below the limit: {verdict}")
    reach = row["reach_m"]
    head = f"{who}: declared {declared} (reach {reach['declared'] / 1e3:,.0f} km)"
    verdict = row["observed_holds"]
    if verdict is None:
        return f"{head}; not observed (no --observed flight test of {row['interceptor']})"
    span = f"reach {reach['observed_low'] / 1e3:,.0f}-{reach['observed_high'] / 1e3:,.0f} km"
    words = {"holds": "holds at both ends of the observed speed's 95 % interval",
             "fails": "fails at both ends of the observed speed's 95 % interval",
             "undecided": "undecided: holds at one end of the observed speed's 95 % interval, fails at the other"}
    return f"{head}; observed {words[verdict]} ({span})"


def register(app: typer.Typer) -> None:
    app.command("assure", help=HELP)(assure)
