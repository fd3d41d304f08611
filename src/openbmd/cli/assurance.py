"""``openbmd assure``: can a missile-defence deployment threaten the other side's strategic missiles?"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from openbmd.cli.render import console, print_json
from openbmd.cli.resolve import flags, opt_quantity, output_folder
from openbmd.errors import InputError

HELP = """Assess a deployment against strategic missile corridors.

Example: openbmd assure --deployment epaa-phase3 --forces russia-icbm --targets north-america
         --criteria russia-2011-2012 --report out/assure

--deployment and --criteria take a catalog name or a YAML file in the catalog's format
(kind: deployment / kind: criteria). --forces: russia-icbm, us-icbm or base names;
--targets: north-america, russia, europe or place names (comma-separated). Per pair the
result gives engageability, the window, the speed threshold (the least common interceptor
burnout speed that engages it) and the delay budget (the longest decision delay that does).
"""


def _load(cat_file: Optional[Path]):
    from openbmd.catalog import load_catalog

    return load_catalog([cat_file] if cat_file else [])


def _pick(cat, text: str, kind: str, argument: str):
    """A catalog entry of ``kind`` by name, or the (first) one in a YAML file."""
    from openbmd.catalog import parse_entries
    from openbmd.errors import UnknownNameError

    path = Path(text)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise InputError(f"no such file {text!r}", argument)
        entries = [e for e in parse_entries(str(path), path.read_text(encoding="utf-8")) if e.kind == kind]
        if not entries:
            raise InputError(f"{text} holds no {kind} entry", argument)
        return entries[0]
    try:
        return cat.deployment(text) if kind == "deployment" else cat.criteria(text)
    except UnknownNameError as exc:
        raise UnknownNameError(str(exc), argument) from None


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
) -> None:
    from openbmd.assurance import (assess, assess_years, evaluate_criteria, force_bases, sensitivity,
                                   strategic_corridors, target_places)
    from openbmd.earth import wgs84
    from openbmd.engagement import timeline_for

    output_folder(report, "--report")
    cat, earth = _load(Path(deployment) if Path(deployment).is_file() else None), wgs84()
    dep = _pick(cat, deployment, "deployment", "--deployment")
    crit = _pick(cat, criteria, "criteria", "--criteria") if criteria else None
    speed = opt_quantity(interceptor_speed, "speed", "--interceptor-speed")
    with flags({"timeline": "--timeline", "forces": "--forces", "targets": "--targets"}):
        tl = timeline_for(cat, timeline, decision_delay_s=opt_quantity(delay, "time", "--delay", non_negative=True))
        if by_year and not dep.declarations:
            raise InputError(f"deployment {dep.name!r} has no annual declaration", "--by-year")
        corridors = strategic_corridors(cat, force_bases(cat, forces), target_places(cat, targets), earth)
    border = border or (crit.border_country if crit else ("USA" if dep.country == "RUS" else "RUS"))
    from openbmd.earth.borders import country
    from openbmd.errors import UnknownNameError

    try:
        border = country(border).iso_a3 or border
    except UnknownNameError as exc:
        raise UnknownNameError(str(exc).removeprefix("country: "), "--border") from None
    result = assess(cat, dep, corridors, tl, earth, border_country=border, burnout_speed_mps=speed)
    data = result.to_json()
    data["forces"], data["targets"] = forces, targets
    if crit is not None:
        data["criteria"] = evaluate_criteria(cat, dep, crit, corridors, tl, earth, burnout_speed_mps=speed)
    if sweep:
        data["sensitivity"] = sensitivity(cat, dep, corridors, tl, earth)
    if by_year:
        data["years"] = assess_years(cat, dep, corridors, tl, earth, border_country=border, burnout_speed_mps=speed)
    if as_json:
        print_json(data)
    else:
        _print(data)
    if report is not None:
        from openbmd.report.assurance_report import write_assurance_report

        write_assurance_report(report, data, corridors)


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
    for y in data.get("years", []):
        console().print(f"{y['year']}: {y['engageable_pairs']} of {y['total_pairs']} pairs engageable, "
                        f"{y['interceptors']} interceptors")


def register(app: typer.Typer) -> None:
    app.command("assure", help=HELP)(assure)
