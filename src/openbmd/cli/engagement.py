"""``openbmd engage`` and ``openbmd footprint``: can a deployment hit a threat, and what does it defend?"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from openbmd.cli.exports import export_option, write_exports
from openbmd.cli.render import QUIET, console, print_json, save_figure
from openbmd.cli.resolve import catalog, catalog_option, flags, opt_quantity, output_file
from openbmd.cli.uncertainty import FLAGS as UNCERTAINTY_FLAGS
from openbmd.cli.uncertainty import print_study, seed_option, uncertainty_option
from openbmd.cli.units import parse_quantity

ENGAGE_HELP = """Engage one threat: detection, firm track, interceptor launch and the intercept window.

Example: openbmd engage --threat generic-irbm --from tabriz --to warsaw --site redzikowo
         --interceptor sm3-iia --sensor kurecik

Repeat --site and --sensor for several. --sensor takes places with radars (kurecik) or a
space IR sensor (sbirs); each site's own radars always count. With no --interceptor each
site uses its first catalog interceptor. Times are s after threat launch.

A missile with a post-boost vehicle (a MIRVed ICBM such as rs-24 or ss-18) releases its
warheads along the bus's path, as the exercise flies them: each warhead (and each decoy,
with --decoys or the catalog bus's own) is engaged and listed with its kind; the verdict
is the most demanding warhead's (feasible only if every warhead has a window). The spent
bus is not listed.
"""

FOOTPRINT_HELP = """The area a deployment defends against missiles from a launch area.

Example: openbmd footprint --threat-origin tabriz --missile generic-irbm --site deveselu
         --interceptor sm3-iia --sensor kurecik --region europe --grid 0.25deg

Each aim point of the grid is attacked with a minimum-energy shot; it is defended when it
gets at least --shots shoot-look-shoot opportunities. --region is a name (europe,
north-america, russia, middle-east, east-asia) or lat1,lat2,lon1,lon2 in degrees.

A missile with a post-boost vehicle (a MIRVed ICBM) releases its warheads along the bus's
path: a point is defended only if every warhead aimed at it gets --shots opportunities,
and a point its bus is back on the ground before releasing them all is out of reach.
"""


FLAGS = {"missile": "--threat", "origin": "--from", "target": "--to", "sites": "--site",
         "interceptors": "--interceptor", "sensors": "--sensor", "timeline": "--timeline", "region": "--region",
         "grid": "--grid", "shots": "--shots", "decoys": "--decoys", **UNCERTAINTY_FLAGS}
"""API argument names -> the flags of ``engage`` (``footprint`` renames two: see :data:`FOOTPRINT_FLAGS`)."""

FOOTPRINT_FLAGS = {**FLAGS, "missile": "--missile", "origin": "--threat-origin"}


def _timing(launch_delay, track_delay, kill_assessment, threat_rcs, interceptor_speed) -> dict:
    """The timeline and speed options as API keyword arguments (s, m², km/s)."""
    speed = opt_quantity(interceptor_speed, "speed", "--interceptor-speed")
    return dict(launch_delay_s=opt_quantity(launch_delay, "time", "--launch-delay", non_negative=True),
                track_delay_s=opt_quantity(track_delay, "time", "--track-delay", non_negative=True),
                kill_assessment_s=opt_quantity(kill_assessment, "time", "--kill-assessment", non_negative=True),
                threat_rcs_m2=opt_quantity(threat_rcs, "area", "--threat-rcs"),
                interceptor_speed_km_s=None if speed is None else speed / 1e3)


# Options shared by both commands.
_SITE = typer.Option(..., "--site", help="Interceptor site: catalog place or lat,lon (repeatable).")
_INTERCEPTOR = typer.Option([], "--interceptor", help="Interceptor type: one for all sites or one per site.")
_SENSOR = typer.Option([], "--sensor", help="Place with radars, or a space IR sensor (repeatable).")
_SPEED = typer.Option(None, "--interceptor-speed", help="Override burnout speed, e.g. 5.5km/s.")
_LAUNCH_DELAY = typer.Option(None, "--launch-delay", help="Firm track to interceptor launch, e.g. 60s.")
_TRACK_DELAY = typer.Option(None, "--track-delay", help="First detection to firm track, e.g. 30s.")
_KILL = typer.Option(None, "--kill-assessment", help="Wait after an intercept before the next shot.")
_RCS = typer.Option(None, "--threat-rcs", help="Threat radar cross-section, e.g. 0.01m2.")
_TIMELINE = typer.Option("default", "--timeline", help="Catalog timeline: default or prompt.")


def engage(
    threat: str = typer.Option(..., "--threat", help="Catalog missile, e.g. generic-irbm."),
    origin: str = typer.Option(..., "--from", help="Launch place: catalog name or lat,lon."),
    target: str = typer.Option(..., "--to", help="Aim point: catalog name or lat,lon."),
    site: list[str] = _SITE, interceptor: list[str] = _INTERCEPTOR, sensor: list[str] = _SENSOR,
    interceptor_speed: Optional[str] = _SPEED, launch_delay: Optional[str] = _LAUNCH_DELAY,
    track_delay: Optional[str] = _TRACK_DELAY, kill_assessment: Optional[str] = _KILL,
    threat_rcs: Optional[str] = _RCS, timeline: str = _TIMELINE,
    decoys: Optional[int] = typer.Option(None, "--decoys", min=0,
                                         help="Decoys per warhead (default: the catalog bus's own, else none)."),
    as_json: bool = typer.Option(False, "--json", help="Machine output (SI, degrees)."),
    png: Optional[Path] = typer.Option(None, "--png", help="Draw the engagement to this PNG."),
    export: list[Path] = export_option(),
    catalog_files: Optional[list[Path]] = catalog_option(),
    uncertainty: int = uncertainty_option(),
    seed: int = seed_option(),
    quiet: bool = QUIET,
) -> None:
    from openbmd import api

    output_file(png, "--png")
    timing = _timing(launch_delay, track_delay, kill_assessment, threat_rcs, interceptor_speed)
    with flags(FLAGS):
        result = api.engage(threat, origin, target, sites=site, interceptors=interceptor, sensors=sensor,
                            timeline=timeline, catalog=catalog(catalog_files), uncertainty=uncertainty, seed=seed,
                            progress=not quiet, decoys=decoys, **timing)
    doc = result.to_json()
    if as_json:
        print_json(doc)
    else:
        _engage_table(result.window, result.title)
        _objects_tables(result.engagement)
        if "uncertainty" in doc:
            print_study(doc["uncertainty"])
    if png is not None:
        save_figure(result.plot(), png)
    write_exports(export, result.scene)


def _engage_table(w, title: str) -> None:
    def t(x):
        return "never" if x is None else f"{x:,.0f} s"

    console().print(f"[bold]{title}[/bold]")
    console().print(f"detected {t(w.detection_time_s)} by {w.detected_by or '-'}; firm track {t(w.firm_track_time_s)}; "
                    f"launch allowed {t(w.launch_allowed_time_s)}; impact {t(w.threat_impact_time_s)}")
    _window_rows(w)


def _objects_tables(engagement) -> None:
    """For a threat of several objects (a bus's warheads, decoys): the verdict's warhead, then each object's
    window."""
    windows = engagement.windows
    if len(windows) < 2:
        return
    worst = engagement.most_demanding
    n_rv = int(engagement.objects.is_warhead.sum())
    console().print(f"the verdict above is {engagement.object_label(worst)}'s, the most demanding of {n_rv} "
                    f"warhead(s); every object (per-site windows in --json):")
    table = Table("object", "detected s", "impact s", "earliest hit s", "latest hit s", "shots")
    for i, w in enumerate(windows):
        hits = [o.intercept_time_s for o in w.windows]
        table.add_row(engagement.object_label(i), "never" if w.detection_time_s is None else
                      f"{w.detection_time_s:,.0f}", f"{w.threat_impact_time_s:,.0f}",
                      f"{min(hits):,.0f}" if hits else "-", f"{max(hits):,.0f}" if hits else "-", f"{len(w.shots)}")
    console().print(table)


def _window_rows(w) -> None:
    """A window's opportunities and shots, or why there are none."""
    if not w.feasible:
        console().print(f"[red]no intercept opportunity[/red]: {w.reason}")
        return
    table = Table("site", "type", "event", "launch s", "hit s", "alt km", "lat", "lon", "range km")
    for o in w.windows + w.shots:
        table.add_row(o.site, o.interceptor, o.which, f"{o.interceptor_launch_time_s:,.0f}",
                      f"{o.intercept_time_s:,.0f}", f"{o.altitude_m / 1e3:,.0f}", f"{o.lat_deg:.2f}",
                      f"{o.lon_deg:.2f}", f"{o.ground_range_m / 1e3:,.0f}")
    console().print(table)
    console().print(f"shoot-look-shoot shots: {len(w.shots)}")


def footprint(
    threat_origin: str = typer.Option(..., "--threat-origin", help="Launch area: catalog place or lat,lon."),
    missile: str = typer.Option(..., "--missile", help="Catalog missile, e.g. generic-irbm."),
    site: list[str] = _SITE, interceptor: list[str] = _INTERCEPTOR, sensor: list[str] = _SENSOR,
    region: str = typer.Option("europe", "--region", help="Named region or lat1,lat2,lon1,lon2 (deg)."),
    grid: str = typer.Option("0.5deg", "--grid", help="Grid step, e.g. 0.25deg."),
    shots: int = typer.Option(1, "--shots", help="Shoot-look-shoot opportunities a point needs to count."),
    interceptor_speed: Optional[str] = _SPEED, launch_delay: Optional[str] = _LAUNCH_DELAY,
    track_delay: Optional[str] = _TRACK_DELAY, kill_assessment: Optional[str] = _KILL,
    threat_rcs: Optional[str] = _RCS, timeline: str = _TIMELINE,
    as_json: bool = typer.Option(False, "--json", help="Machine output."),
    geojson: Optional[Path] = typer.Option(None, "--geojson", help="Write the defended area as GeoJSON."),
    png: Optional[Path] = typer.Option(None, "--png", help="Draw the footprint on the map."),
    quiet: bool = QUIET,
    export: list[Path] = export_option(),
    catalog_files: Optional[list[Path]] = catalog_option(),
    uncertainty: int = uncertainty_option(),
    seed: int = seed_option(),
) -> None:
    from openbmd import api

    output_file(geojson, "--geojson"), output_file(png, "--png")
    step = math.degrees(parse_quantity(grid, "angle", "--grid", positive=True))
    timing = _timing(launch_delay, track_delay, kill_assessment, threat_rcs, interceptor_speed)
    with flags(FOOTPRINT_FLAGS):
        result = api.footprint(missile, threat_origin, sites=site, interceptors=interceptor, sensors=sensor,
                               region=region, grid_deg=step, shots=shots, timeline=timeline, progress=not quiet,
                               catalog=catalog(catalog_files), uncertainty=uncertainty, seed=seed, **timing)
    if geojson is not None:
        result.footprint.write_geojson(geojson)
    write_exports(export, result.scene)
    j = result.to_json()
    if as_json:
        print_json(j)
    else:
        console().print(f"{result.title}: {j['threatened_points']:,} of {j['grid_points']:,} aim points threatened "
                        f"({j['threatened_area_km2']:,.0f} km²); defended {j['defended_points']:,} "
                        f"({j['defended_area_km2']:,.0f} km²) with ≥ {shots} shot(s)")
        if "uncertainty" in j:
            print_study(j["uncertainty"])
            by_share = j["uncertainty"]["area_defended_km2_by_share"]
            console().print("  area defended in " + ", ".join(
                f"{'every draw' if q == '1' else f'≥ {float(q) * 100:.0f} % of draws'}: {a:,.0f} km²"
                for q, a in by_share.items()))
    if png is not None:
        save_figure(result.plot(), png)


def register(app: typer.Typer) -> None:
    app.command("engage", help=ENGAGE_HELP)(engage)
    app.command("footprint", help=FOOTPRINT_HELP)(footprint)
