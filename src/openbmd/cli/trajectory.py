"""``openbmd trajectory``: fly a missile between two places, or from burnout conditions."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from openbmd.cli.exports import export_option, write_exports
from openbmd.cli.render import console, print_json, save_figure
from openbmd.cli.resolve import catalog, catalog_option, flags, opt_quantity, output_file, point
from openbmd.catalog.variants import check_variant_count
from openbmd.cli.units import parse_quantity
from openbmd.errors import InputError

HELP = """Fly a ballistic missile and report range, apogee, flight time, burnout and impact.

Form 1: --missile NAME --from PLACE --to PLACE [--loft min-energy|apogee=600km|time=900s]
Form 2: --burnout-altitude 1275.6km --burnout-speed 5.2702km/s --flight-path-angle 51.3deg
        [--earth ideal] [--no-drag] [--from lat,lon --azimuth 90deg]

Places are catalog names or "lat,lon". Burnout speed and flight-path angle are relative
to the rotating Earth (as analysts quote them); JSON output is SI with angles in degrees.
"""


def parse_loft(text: str) -> dict[str, float]:
    """``min-energy``, ``apogee=600km`` or ``time=900s`` -> the API's keyword (``apogee_km``, ``flight_time_s``)."""
    if text == "min-energy":
        return {}
    key, _, value = text.partition("=")
    if key == "apogee" and value:
        return {"apogee_km": parse_quantity(value, "length", "--loft", positive=True) / 1e3}
    if key == "time" and value:
        return {"flight_time_s": parse_quantity(value, "time", "--loft", positive=True)}
    raise InputError(f"cannot read {text!r}; use min-energy, apogee=600km or time=900s", "--loft")


FLAGS = {"missile": "--missile", "origin": "--from", "target": "--to", "apogee_km": "--loft",
         "flight_time_s": "--loft", "speed_km_s": "--burnout-speed", "uncertainty": "--uncertainty"}
"""API argument names -> the flags of ``trajectory``."""


def trajectory(
    missile: Optional[str] = typer.Option(None, "--missile", help="Catalog missile, e.g. sejjil-2."),
    origin: Optional[str] = typer.Option(None, "--from", help="Launch place: catalog name or lat,lon."),
    target: Optional[str] = typer.Option(None, "--to", help="Target place: catalog name or lat,lon."),
    loft: str = typer.Option("min-energy", "--loft", help="min-energy, apogee=600km or time=900s."),
    burnout_altitude: Optional[str] = typer.Option(None, "--burnout-altitude", help="e.g. 1275.6km"),
    burnout_speed: Optional[str] = typer.Option(None, "--burnout-speed", help="Earth-relative, e.g. 5.27km/s"),
    flight_path_angle: Optional[str] = typer.Option(None, "--flight-path-angle", help="Above horizontal, e.g. 51.3deg"),
    azimuth: str = typer.Option("90deg", "--azimuth", help="Heading at burnout, clockwise from north."),
    beta: float = typer.Option(5000.0, "--beta", help="RV ballistic coefficient for form 2, kg/m^2."),
    earth_name: str = typer.Option("wgs84", "--earth", help="wgs84 (rotating, J2, air) or ideal (validation)."),
    no_drag: bool = typer.Option(False, "--no-drag", help="Fly in vacuum on the full Earth model."),
    as_json: bool = typer.Option(False, "--json", help="Machine output (SI, degrees)."),
    png: Optional[Path] = typer.Option(None, "--png", help="Draw the ground track and altitude to this PNG."),
    samples: int = typer.Option(0, "--samples", help="Include N path samples, evenly spaced in time, in --json."),
    export: list[Path] = export_option(),
    catalog_files: Optional[list[Path]] = catalog_option("fly a missile that is not in the catalog"),
    uncertainty: int = typer.Option(0, "--uncertainty", help="Monte Carlo over N variants drawn from the "
                                    "catalog figures' estimate ranges: spread of range, apogee and time."),
    seed: int = typer.Option(0, "--seed", help="Seed of the --uncertainty draws (paired: same seed, same draws)."),
) -> None:
    from openbmd import api

    output_file(png, "--png")
    if earth_name not in ("wgs84", "ideal"):
        raise InputError(f"unknown Earth model {earth_name!r}; use wgs84 or ideal", "--earth")
    from openbmd.earth import by_name

    if samples < 0 or samples == 1:
        raise InputError("must be 0 (no path) or at least 2", "--samples")
    earth = by_name(earth_name)
    if no_drag:
        earth = earth.without_atmosphere()
    burnout_form = any(x is not None for x in (burnout_altitude, burnout_speed, flight_path_angle))
    check_variant_count(uncertainty, "--uncertainty")
    if burnout_form and uncertainty:
        raise InputError("needs the catalog form (--missile --from --to): its draws are the missile's figures",
                         "--uncertainty")
    if burnout_form:
        if missile is not None or target is not None:
            raise InputError("give either --missile/--from/--to or the burnout conditions, not both",
                             "--missile" if missile is not None else "--to")
        missing = [n for n, v in (("--burnout-altitude", burnout_altitude), ("--burnout-speed", burnout_speed),
                                  ("--flight-path-angle", flight_path_angle)) if v is None]
        if missing:
            raise InputError("missing; the burnout form needs altitude, speed and flight-path angle", missing[0])
        gamma = parse_quantity(flight_path_angle, "angle", "--flight-path-angle")
        if not -math.pi / 2 < gamma < math.pi / 2:
            raise InputError("must lie between -90deg and 90deg", "--flight-path-angle")
        altitude = opt_quantity(burnout_altitude, "length", "--burnout-altitude", non_negative=True)
        speed = opt_quantity(burnout_speed, "speed", "--burnout-speed")
        heading = parse_quantity(azimuth, "angle", "--azimuth")
        if not beta > 0:
            raise InputError(f"must be positive, got {beta:g}", "--beta")
        with flags(FLAGS):
            result = api.trajectory_from_burnout(altitude / 1e3, speed / 1e3, math.degrees(gamma),
                                                 origin=origin or "0,0", azimuth_deg=math.degrees(heading),
                                                 beta_kg_m2=beta, earth=earth)
    else:
        for flag, value in (("--missile", missile), ("--from", origin), ("--to", target)):
            if value is None:
                raise InputError("missing; give --missile, --from and --to (or the burnout conditions)", flag)
        lofted = parse_loft(loft)
        with flags(FLAGS):
            result = api.trajectory(missile, origin, target, earth=earth,
                                    catalog=catalog(catalog_files), uncertainty=uncertainty,
                                    seed=seed, **lofted)
    if as_json:
        print_json(result.to_json(samples))
    else:
        _table(result.summary, result.title, getattr(result, "dispersion", None))
    write_exports(export, result.scene)
    if png is not None:
        save_figure(result.plot(), png)


def _table(s, title: str, spread=None) -> None:
    t = Table(title=title, show_header=False)
    d = math.degrees
    rows = [
        ("Ground range", f"{s.ground_range_m / 1e3:,.1f} km"),
        ("Apogee altitude", f"{s.apogee_altitude_m / 1e3:,.1f} km"),
        ("Flight time", f"{s.flight_time_s:,.1f} s ({s.flight_time_s / 60:.1f} min)"),
        ("Burnout", f"{s.burnout_altitude_m / 1e3:.1f} km, {s.burnout_speed_mps / 1e3:.3f} km/s, "
                    f"{d(s.burnout_flight_path_angle_rad):.2f} deg, at {s.burnout_time_s:.1f} s"),
        ("Launch", f"{d(s.launch_lat_rad):.4f}, {d(s.launch_lon_rad):.4f}"),
        ("Impact", f"{d(s.impact_lat_rad):.4f}, {d(s.impact_lon_rad):.4f} at {s.impact_time_s:.1f} s"),
    ]
    if spread is not None:
        rows += _spread_rows(spread)
    for k, v in rows:
        t.add_row(k, v)
    console().print(t)


def _spread_rows(d) -> list[tuple[str, str]]:
    """The --uncertainty rows: 5th, 50th and 95th percentiles, failures, the most sensitive figures."""
    def pct(name: str, scale: float, unit: str) -> str:
        lo, mid, hi = d.percentiles(name) / scale
        f = ",.1f" if unit == "min" else ",.0f"
        return f"{mid:{f}} {unit} (5-95 %: {lo:{f}} - {hi:{f}})"

    rows = [("Uncertainty", f"{d.n} variants of the catalog figures (seed {d.draws.seed}), {d.failed} failed"),
            ("  Max range", pct("max_range_m", 1e3, "km")),
            ("  its apogee", pct("max_range_apogee_m", 1e3, "km")),
            ("  its flight time", pct("max_range_flight_time_s", 60.0, "min")),
            ("  Same steering: range", pct("ground_range_m", 1e3, "km")),
            ("  apogee", pct("apogee_altitude_m", 1e3, "km")),
            ("  flight time", pct("flight_time_s", 60.0, "min"))]
    top = d.sensitivity()[:3]
    if top:
        rows.append(("  Most sensitive to", ", ".join(f"{k} ({r:+.2f})" for k, r in top)))
    return rows


RECONSTRUCT_HELP = """Reconstruct a missile's standard-trajectory range from a lofted test.

A family of vehicles (stage splits, burn times and mass per cross-section, boost drag included, for the
stage count and propellant) is fitted to the test's apogee and ground range (and checked against its flight
time) on a still Earth, then flown to maximum range: on the still Earth, and with --from and --azimuth on the
rotating Earth. "Orbital": some fitted vehicle's standard shot orbits or reaches the far side of the Earth.
Example: openbmd reconstruct --apogee 3725km --range 998km --time 47min --stages 2 --propellant liquid
"""


def reconstruct(
    apogee: str = typer.Option(..., "--apogee", help="Observed apogee altitude, e.g. 3725km."),
    ground_range: str = typer.Option(..., "--range", help="Observed ground range, e.g. 998km."),
    flight_time: str = typer.Option(..., "--time", help="Observed flight time, e.g. 47min."),
    stages: int = typer.Option(2, "--stages", help="Number of stages: 1, 2 or 3."),
    propellant: str = typer.Option("liquid", "--propellant", help="liquid or solid."),
    origin: Optional[str] = typer.Option(None, "--from", help="Launch site (name or lat,lon) for the rotating Earth."),
    azimuth: Optional[str] = typer.Option(None, "--azimuth", help="Bearing of the standard shot, e.g. 45deg."),
    as_json: bool = typer.Option(False, "--json", help="Machine output (SI)."),
    catalog_files: Optional[list[Path]] = catalog_option("places for --from"),
) -> None:
    from openbmd.flight.lofted import LoftedTest
    from openbmd.flight.lofted import reconstruct as run

    if (origin is None) != (azimuth is None):
        raise InputError("give --from and --azimuth together", "--from" if origin is None else "--azimuth")
    test = LoftedTest(parse_quantity(apogee, "length", "--apogee", positive=True),
                      parse_quantity(ground_range, "length", "--range", positive=True),
                      parse_quantity(flight_time, "time", "--time", positive=True))
    if propellant not in ("liquid", "solid"):
        raise InputError("must be liquid or solid", "--propellant")
    if stages not in (1, 2, 3):
        raise InputError("must be 1, 2 or 3", "--stages")
    cat = catalog(catalog_files) if catalog_files or origin is not None else None  # a bad file is refused either way
    site = {}
    if origin is not None:
        lat, lon, _ = point(cat, origin, "--from")
        site = {"site_lat_rad": math.radians(lat), "site_lon_rad": math.radians(lon),
                "azimuth_rad": parse_quantity(azimuth, "angle", "--azimuth")}
    result = run(test, stages=stages, propellant=propellant, **site)
    if as_json:
        print_json(result.to_json())
        return
    t = Table(title=f"Lofted test: apogee {test.apogee_m / 1e3:,.0f} km, range {test.range_m / 1e3:,.0f} km, "
                    f"{test.flight_time_s / 60:.0f} min ({stages}-stage {propellant})", show_header=False)

    def km(x: float) -> str:
        return "orbital" if not math.isfinite(x) else f"{x / 1e3:,.0f} km"

    t.add_row("Standard range (still Earth)", f"{km(result.range_m)} ({km(result.spread_m[0])} - "
                                              f"{km(result.spread_m[1])})")
    if result.range_rotating_m is not None:
        t.add_row("Standard range (rotating Earth)", f"{km(result.range_rotating_m)} ({km(result.spread_rotating_m[0])}"
                                                     f" - {km(result.spread_rotating_m[1])})")
    t.add_row("Fitted vehicles", str(len(result.members)))
    console().print(t)
    if result.orbital:
        console().print("[bold red]Orbital:[/] some fitted vehicle reaches orbit, or nears the point opposite its "
                        "launch point, on a standard trajectory; its range is not finite and no range figure "
                        "bounds it.")


def register(app: typer.Typer) -> None:
    app.command("trajectory", help=HELP)(trajectory)
    app.command("reconstruct", help=RECONSTRUCT_HELP)(reconstruct)
