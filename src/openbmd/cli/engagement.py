"""``openbmd engage`` and ``openbmd footprint``: can a deployment hit a threat, and what does it defend?"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from openbmd.cli.render import console, print_json
from openbmd.cli.resolve import entry, flags, opt_quantity, output_file, point, positive_int
from openbmd.cli.units import parse_quantity

ENGAGE_HELP = """Engage one threat: detection, firm track, interceptor launch and the intercept window.

Example: openbmd engage --threat generic-irbm --from tabriz --to warsaw --site redzikowo
         --interceptor sm3-iia --sensor kurecik

Repeat --site and --sensor for several. --sensor takes places with radars (kurecik) or a
space IR sensor (sbirs); each site's own radars always count. With no --interceptor each
site uses its first catalog interceptor. Times are s after threat launch.
"""

FOOTPRINT_HELP = """The area a deployment defends against missiles from a launch area.

Example: openbmd footprint --threat-origin tabriz --missile generic-irbm --site deveselu
         --interceptor sm3-iia --sensor kurecik --region europe --grid 0.25deg

Each aim point of the grid is attacked with a minimum-energy shot; it is defended when it
gets at least --shots shoot-look-shoot opportunities. --region is a name (europe,
north-america, russia, middle-east, east-asia) or lat1,lat2,lon1,lon2 in degrees.
"""


FLAGS = {"missile": "--threat", "origin": "--from", "target": "--to", "sites": "--site",
         "interceptors": "--interceptor", "sensors": "--sensor", "timeline": "--timeline", "region": "--region",
         "grid": "--grid"}
"""Domain argument names -> the flags of ``engage`` and ``footprint``."""


def _timeline(cat, timeline: str, launch_delay, track_delay, kill_assessment, threat_rcs):
    from openbmd.engagement import timeline_for

    return timeline_for(cat, timeline,
                        decision_delay_s=opt_quantity(launch_delay, "time", "--launch-delay", non_negative=True),
                        firm_track_delay_s=opt_quantity(track_delay, "time", "--track-delay", non_negative=True),
                        kill_assessment_delay_s=opt_quantity(kill_assessment, "time", "--kill-assessment",
                                                             non_negative=True),
                        threat_rcs_m2=opt_quantity(threat_rcs, "area", "--threat-rcs"))


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
    as_json: bool = typer.Option(False, "--json", help="Machine output (SI, degrees)."),
    png: Optional[Path] = typer.Option(None, "--png", help="Draw the engagement to this PNG."),
) -> None:
    from openbmd.catalog import load_catalog
    from openbmd.earth import wgs84
    from openbmd.engagement import engage_shot

    output_file(png, "--png")
    cat = load_catalog()
    m = entry(cat, "missile", threat, "--threat")
    point(cat, origin, "--from"), point(cat, target, "--to")
    speed = opt_quantity(interceptor_speed, "speed", "--interceptor-speed")
    with flags(FLAGS):
        tl = _timeline(cat, timeline, launch_delay, track_delay, kill_assessment, threat_rcs)
        result = engage_shot(cat, m.name, origin, target, site, interceptor, sensor, tl, wgs84(),
                             burnout_speed_mps=speed)
    w = result.window
    title = f"{m.display_name}: {origin} to {target} vs {', '.join(site)}"
    if as_json:
        print_json(w.to_json())
    else:
        _engage_table(w, title)
    if png is not None:
        _engage_png(png, result, title, cat)


def _engage_table(w, title: str) -> None:
    def t(x):
        return "never" if x is None else f"{x:,.0f} s"

    console().print(f"[bold]{title}[/bold]")
    console().print(f"detected {t(w.detection_time_s)} by {w.detected_by or '-'}; firm track {t(w.firm_track_time_s)}; "
                    f"launch allowed {t(w.launch_allowed_time_s)}; impact {t(w.threat_impact_time_s)}")
    if not w.feasible:
        console().print("[red]no intercept opportunity[/red]")
        return
    table = Table("site", "type", "event", "launch s", "hit s", "alt km", "lat", "lon", "range km")
    for o in w.windows + w.shots:
        table.add_row(o.site, o.interceptor, o.which, f"{o.interceptor_launch_time_s:,.0f}",
                      f"{o.intercept_time_s:,.0f}", f"{o.altitude_m / 1e3:,.0f}", f"{o.lat_deg:.2f}",
                      f"{o.lon_deg:.2f}", f"{o.ground_range_m / 1e3:,.0f}")
    console().print(table)
    console().print(f"shoot-look-shoot shots: {len(w.shots)}")


def _engage_png(png: Path, result, title: str, cat) -> None:
    import numpy as np

    from openbmd.report.engagement_plot import save_engagement_png

    traj = result.shot.trajectory
    t, lat, lon, alt = traj.samples_geodetic(0)
    d = np.degrees
    w = result.window
    starts = [o.intercept_time_s for o in w.windows if o.which == "earliest"]
    ends = [o.intercept_time_s for o in w.windows if o.which == "latest"]
    save_engagement_png(
        png, d(lat), d(lon), t, alt, title=title, launch=(float(d(lat[0])), float(d(lon[0]))),
        impact=(float(d(lat[-1])), float(d(lon[-1]))),
        sites={b.site: (math.degrees(b.lat_rad), math.degrees(b.lon_rad)) for b in result.batteries},
        sensors={p.name: (math.degrees(p.lat_rad), math.degrees(p.lon_rad)) for p in result.posts if p.is_radar},
        intercepts={f"{o.which} ({o.site})": (o.lat_deg, o.lon_deg) for o in w.windows},
        window_s=(min(starts), max(ends)) if starts else None, shot_times_s=[o.intercept_time_s for o in w.shots])


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
) -> None:
    from openbmd.catalog import load_catalog
    from openbmd.earth import wgs84
    from openbmd.engagement import (batteries, defended_footprint, deployment_posts, grid_axes, region_box,
                                    threat_grid)
    output_file(geojson, "--geojson"), output_file(png, "--png")
    cat = load_catalog()
    earth = wgs84()
    step = math.degrees(parse_quantity(grid, "angle", "--grid", positive=True))
    positive_int(shots, "--shots")
    m = entry(cat, "missile", missile, "--missile")
    lat0, lon0, origin_label = point(cat, threat_origin, "--threat-origin")
    speed = opt_quantity(interceptor_speed, "speed", "--interceptor-speed")
    with flags(FLAGS):
        box = region_box(region)
        grid_axes(box, step)  # refuse a grid too fine before any work
        tl = _timeline(cat, timeline, launch_delay, track_delay, kill_assessment, threat_rcs)
        bats = batteries(cat, site, interceptor, earth, burnout_speed_mps=speed)
        posts = deployment_posts(cat, site, sensor)
    meta = {"missile": missile, "threat_origin": threat_origin, "sites": site,
            "interceptors": [b.interceptor.name for b in bats], "sensors": [p.name for p in posts], "region": region}
    grid_of_shots = threat_grid(m, lat0, lon0, box, step, earth)
    fp = defended_footprint(grid_of_shots, bats, posts, tl, earth, shots_required=shots, meta=meta)
    if geojson is not None:
        fp.write_geojson(geojson)
    if as_json:
        print_json(fp.to_json())
    else:
        j = fp.to_json()
        console().print(f"{m.display_name} from {origin_label}: {j['threatened_points']:,} of {j['grid_points']:,} "
                        f"aim points threatened ({j['threatened_area_km2']:,.0f} km²); defended "
                        f"{j['defended_points']:,} ({j['defended_area_km2']:,.0f} km²) with ≥ {shots} shot(s)")
    if png is not None:
        from openbmd.report.engagement_plot import save_footprint_png

        save_footprint_png(png, fp.lat_deg, fp.lon_deg, fp.shots, shots, box,
                           title=f"{m.display_name} from {origin_label}: defended by {', '.join(site)}",
                           origin=(lat0, lon0),
                           sites={b.site: (math.degrees(b.lat_rad), math.degrees(b.lon_rad)) for b in bats},
                           sensors={p.name: (math.degrees(p.lat_rad), math.degrees(p.lon_rad))
                                    for p in posts if p.is_radar})


def register(app: typer.Typer) -> None:
    app.command("engage", help=ENGAGE_HELP)(engage)
    app.command("footprint", help=FOOTPRINT_HELP)(footprint)
