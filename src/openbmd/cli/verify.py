"""``openbmd flight-test``: what can an invited observer confirm about an interceptor test?"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from openbmd.cli.render import console, print_json
from openbmd.cli.resolve import flags
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


FLAGS = {"site": "--from", "release": "--released", "observer": "--observer", "instruments": "--observer-sensor"}
"""Domain argument names -> the flags of ``flight-test``."""


def _limits(texts: list[str]) -> tuple[tuple[str, float], ...]:
    out = []
    for text in texts:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise InputError(f"cannot read {text!r}; write NAME=SPEED, e.g. 'five=5km/s'", "--limit")
        out.append((name.strip(), parse_quantity(value, "speed", "--limit", positive=True)))
    return tuple(out)


def flight_test(
    interceptor: str = typer.Option(..., "--interceptor", help="Catalog interceptor."),
    site: str = typer.Option(..., "--from", help="Test range: catalog place or lat,lon."),
    azimuth: str = typer.Option(..., "--azimuth", help="Launch azimuth, e.g. 90deg."),
    observer: str = typer.Option(..., "--observer", help="Observing party, e.g. russia."),
    declared_speed: Optional[str] = typer.Option(None, "--declared-speed", help="Declared burnout speed, e.g. 4.5km/s."),
    flown_speed: Optional[str] = typer.Option(None, "--flown-speed", help="Speed the test is really flown at."),
    pitch: str = typer.Option("30deg", "--pitch-over", help="Declared pitch-over angle (flight path)."),
    instruments: list[str] = typer.Option([], "--observer-sensor", help="PLACE:SENSOR the observer brings."),
    released: str = typer.Option("none", "--released", help="none, tracks or telemetry."),
    limits: list[str] = typer.Option([], "--limit", help="Extra speed limit NAME=SPEED (repeatable)."),
    trials: int = typer.Option(0, "--trials", help="Monte Carlo runs for the coverage check."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    as_json: bool = typer.Option(False, "--json", help="Machine output (SI)."),
    report: Optional[Path] = typer.Option(None, "--report", help="Write the observer's replay (HTML, JSON, figures)."),
) -> None:
    from openbmd.catalog import load_catalog
    from openbmd.earth import wgs84
    from openbmd.errors import UnknownNameError
    from openbmd.verify import run_flight_test

    if trials < 0 or trials > 100_000:
        raise InputError(f"must be 0..100000, got {trials}", "--trials")
    cat = load_catalog()
    try:
        cat.interceptor(interceptor)
    except UnknownNameError as exc:
        raise UnknownNameError(str(exc), "--interceptor") from None
    if not any(s.party == observer for s in cat.entries("assumptions")) and not instruments:
        parties = sorted({s.party for s in cat.entries("assumptions")})
        raise InputError(f"unknown party {observer!r} and no --observer-sensor; parties: {', '.join(parties)}",
                         "--observer")
    with flags(FLAGS):
        result = run_flight_test(cat, _request(interceptor, site, azimuth, observer, pitch, declared_speed,
                                               flown_speed, instruments, released, limits, trials, seed), wgs84())
    data = result.to_json()
    if as_json:
        print_json(data)
    else:
        _print(data)
    if report is not None:
        from openbmd.report.verify_report import write_flight_test_report

        write_flight_test_report(report, result)


def _request(interceptor, site, azimuth, observer, pitch, declared_speed, flown_speed, instruments, released,
             limits, trials, seed):
    from openbmd.verify import FlightTestRequest, ReleasePolicy

    return FlightTestRequest(
        interceptor, site, parse_quantity(azimuth, "angle", "--azimuth"), observer,
        kick_rad=parse_quantity(pitch, "angle", "--pitch-over", positive=True),
        declared_speed_mps=parse_quantity(declared_speed, "speed", "--declared-speed", positive=True)
        if declared_speed else None,
        flown_speed_mps=parse_quantity(flown_speed, "speed", "--flown-speed", positive=True) if flown_speed else None,
        instruments=tuple(instruments), policy=ReleasePolicy(released), speed_limits_mps=_limits(limits),
        trials=trials, seed=seed)


def _print(data: dict) -> None:
    console().print(data["statement"])
    t = Table("data", "rows", "95 % interval")
    for row in data["tightening"]:
        ci = row["ci95"]
        t.add_row(row["data"], str(row["rows"]), "-" if ci is None else f"{ci[0]:,.2f} - {ci[1]:,.2f} m/s")
    console().print(t)
    console().print(f"estimate: {data['burnout_speed_mps']['method']}")
    fit = (data.get("batch_fit") or {}).get("burnout_speed_mps")
    if fit and fit["estimate"] is not None and fit["method"] != data["burnout_speed_mps"]["method"]:
        console().print(f"cross-check, {fit['method']}: {fit['estimate']:,.2f} m/s, "
                        f"95 % {fit['ci95'][0]:,.2f} - {fit['ci95'][1]:,.2f} m/s")
    eff = (data.get("sensor_biases") or {}).get("effect")
    if eff:
        e = eff["speed_sigma_mps"]
        console().print(f"Speed 1-sigma {e['all biases']:.3f} m/s with the sensor biases estimated; "
                        f"{e['noise only']:.3f} m/s were the radars free of bias (range biases alone "
                        f"{e['range biases']:.3f}, angle biases alone {e['angle biases']:.3f})")
    cov = data.get("monte_carlo")
    if cov:
        console().print(f"coverage over {cov['trials']} runs: speed {100 * cov['speed']['coverage']:.1f} %, "
                        f"height {100 * cov['altitude']['coverage']:.1f} %")


def register(app: typer.Typer) -> None:
    app.command("flight-test", help=HELP)(flight_test)
