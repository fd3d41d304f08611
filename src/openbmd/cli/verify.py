"""``openbmd flight-test``: what can an invited observer confirm about an interceptor test?"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from openbmd.cli.render import console, print_json
from openbmd.cli.resolve import catalog, catalog_option, flags, output_folder
from openbmd.cli.units import parse_quantity
from openbmd.errors import InputError

HELP = """Fly an interceptor test, observe it as one party, and estimate its burnout
speed and height.

Example: openbmd flight-test --interceptor sm3-iia --from aegis-black-sea
         --azimuth 90deg --declared-speed 4.5km/s --observer russia
         --released tracks --trials 200 --report out/ft

--observer is a party with an assumption set (its sensors are the set's list).
--observer-sensor PLACE:SENSOR brings an instrument (catalog place or lat,lon,
and a catalog sensor), pointed at the test range (repeatable).
--released: none, tracks (the tester's range-radar tracks) or telemetry
(tracks and the interceptor's own navigation states), sent as exchange track
reports.
--limit NAME=SPEED adds a speed limit to the catalog's. --trials N repeats the
observation N times with seeded noise and reports how often the 95 % interval
holds the true value.
"""


FLAGS = {"site": "--from", "released": "--released", "release": "--released", "observer": "--observer",
         "instruments": "--observer-sensor", "observer_sensors": "--observer-sensor", "interceptor": "--interceptor",
         "trials": "--trials", "seed": "--seed", "azimuth_deg": "--azimuth", "pitch_over_deg": "--pitch-over",
         "declared_speed_km_s": "--declared-speed", "flown_speed_km_s": "--flown-speed",
         "speed_limits_km_s": "--limit"}
"""API and domain argument names -> the flags of ``flight-test``."""


def _limits(texts: list[str]) -> dict[str, float]:
    """``NAME=SPEED`` texts as name -> km/s."""
    out = {}
    for text in texts:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise InputError(f"cannot read {text!r}; write NAME=SPEED, e.g. 'five=5km/s'", "--limit")
        out[name.strip()] = parse_quantity(value, "speed", "--limit", positive=True) / 1e3
    return out


def _km_s(text: Optional[str], flag: str) -> Optional[float]:
    return parse_quantity(text, "speed", flag, positive=True) / 1e3 if text else None


def flight_test(
    interceptor: str = typer.Option(..., "--interceptor", help="Catalog interceptor."),
    site: str = typer.Option(..., "--from", help="Test range: catalog place or lat,lon."),
    azimuth: str = typer.Option(..., "--azimuth", help="Launch azimuth, e.g. 90deg."),
    observer: str = typer.Option(..., "--observer", help="Observing party, e.g. russia."),
    declared_speed: Optional[str] = typer.Option(None, "--declared-speed", help="Declared burnout speed, e.g. 4.5km/s."),
    flown_speed: Optional[str] = typer.Option(None, "--flown-speed", help="Burnout speed the test is really flown to."),
    pitch: str = typer.Option("30deg", "--pitch-over", help="Declared pitch-over angle (flight path)."),
    instruments: list[str] = typer.Option([], "--observer-sensor", help="PLACE:SENSOR the observer brings."),
    released: str = typer.Option("none", "--released", help="none, tracks or telemetry."),
    limits: list[str] = typer.Option([], "--limit", help="Extra speed limit NAME=SPEED (repeatable)."),
    trials: int = typer.Option(0, "--trials", help="Monte Carlo runs for the coverage check."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    as_json: bool = typer.Option(False, "--json", help="Machine output (SI)."),
    report: Optional[Path] = typer.Option(None, "--report", help="Write the observer's replay (HTML, JSON, figures)."),
    catalog_files: Optional[list[Path]] = catalog_option(),
) -> None:
    import math

    from openbmd import api

    output_folder(report, "--report")
    with flags(FLAGS):
        result = api.flight_test(
            interceptor, site, azimuth_deg=math.degrees(parse_quantity(azimuth, "angle", "--azimuth")),
            observer=observer, pitch_over_deg=math.degrees(parse_quantity(pitch, "angle", "--pitch-over", positive=True)),
            declared_speed_km_s=_km_s(declared_speed, "--declared-speed"),
            flown_speed_km_s=_km_s(flown_speed, "--flown-speed"), observer_sensors=instruments, released=released,
            speed_limits_km_s=_limits(limits), trials=trials, seed=seed, catalog=catalog(catalog_files))
    data = result.to_json()
    if as_json:
        print_json(data)
    else:
        _print(data)
    if report is not None:
        result.write_report(report)


def _print(data: dict) -> None:
    console().print(data["statement"])
    t = Table("data", "rows", "95 % interval")
    for row in data["tightening"]:
        ci = row["ci95"]
        t.add_row(row["data"], str(row["rows"]),
                  f"- ({row['reason']})" if ci is None else f"{ci[0]:,.2f} - {ci[1]:,.2f} m/s")
    console().print(t)
    console().print(f"estimate: {data['burnout_speed_mps']['method']}")
    fit = (data.get("batch_fit") or {}).get("burnout_speed_mps")
    if fit and fit["estimate"] is not None and fit["method"] != data["burnout_speed_mps"]["method"]:
        console().print(f"cross-check, {fit['method']}: {fit['estimate']:,.2f} m/s, "
                        f"95 % {fit['ci95'][0]:,.2f} - {fit['ci95'][1]:,.2f} m/s")
    s = data["burnout_speed_mps"]
    if s.get("budget"):
        b = s["budget"]
        console().print(f"Speed 1-sigma {s['sigma']:.3f} m/s, in quadrature: noise {b['noise']:.3f}, sensor biases "
                        f"{b['bias']:.3f}, burnout time {b['burnout_time']:.3f}, drag {b['drag']:.3f} m/s")
    unknown = data.get("observer_unknowns")
    if unknown and unknown.get("flown"):
        bt, beta = unknown["burn_time_s"], unknown["ballistic_coefficient_kg_m2"]
        console().print(f"Flown as built (the observer knows only the ranges): burn time "
                        f"{unknown['flown']['burn_time_s']:.1f} s ({bt['range'][0]:g}-{bt['range'][1]:g}, "
                        f"{bt['confidence']}), beta {unknown['flown']['ballistic_coefficient_kg_m2']:,.0f} kg/m2 "
                        f"({beta['range'][0]:,.0f}-{beta['range'][1]:,.0f}, {beta['confidence']})")
    eff = (data.get("sensor_biases") or {}).get("effect")
    if eff:
        e = eff["speed_sigma_mps"]
        console().print(f"Data's part {e['all biases']:.3f} m/s with the sensor biases estimated; "
                        f"{e['noise only']:.3f} m/s were the radars free of bias (range biases alone "
                        f"{e['range biases']:.3f}, angle biases alone {e['angle biases']:.3f})")
    cov = data.get("monte_carlo")
    if cov:
        console().print(f"coverage over {cov['trials']} runs: speed {100 * cov['speed']['coverage']:.1f} %, "
                        f"height {100 * cov['altitude']['coverage']:.1f} %")


def register(app: typer.Typer) -> None:
    app.command("flight-test", help=HELP)(flight_test)
