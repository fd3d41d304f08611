"""The threat assessment's views: range-contour maps with country shading, GeoJSON, and an offline HTML report.

``write_threat_report(DIR, result)`` writes ``DIR/index.html`` (figures inlined), ``DIR/threat.json``,
``DIR/contours.geojson`` and one map per assumption set (``DIR/map-<set>.png``).
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from openbmd.earth.borders import country as ne_country
from openbmd.report.figures import save_figure
from openbmd.report.maps import bbox_around, draw_track, split_at_antimeridian, world_axes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_COLOURS = ("#c0392b", "#2874a6", "#7d3c98", "#d68910", "#148f77", "#5d6d7e", "#a04000", "#1f618d")
_STYLES = ("-", "--", ":", "-.")
_PART, _WHOLE = "#f5b7b1", "#e6796f"


def _ring(t: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    lat = np.asarray(t["contour"]["lat_deg"], float)
    lon = np.asarray(t["contour"]["lon_deg"], float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    return np.append(lat[ok], lat[ok][:1]), np.append(lon[ok], lon[ok][:1])


def threat_geojson(data: dict[str, Any]) -> dict[str, Any]:
    """GeoJSON FeatureCollection of the range contours (lon/lat degrees, cut at the antimeridian) of a
    ``ThreatAssessment.to_json()`` document, one MultiLineString per (missile, area, assumption)."""
    features = []
    for t in data["threats"]:
        lat, lon = _ring(t)
        pieces = split_at_antimeridian(lat, lon) if lat.size > 1 else []
        features.append({
            "type": "Feature",
            "geometry": {"type": "MultiLineString",
                         "coordinates": [[[round(float(x), 5), round(float(y), 5)] for y, x in zip(a, o)]
                                         for a, o in pieces]},
            "properties": {k: t[k] for k in ("missile", "area", "assumption", "party", "max_range_m", "min_range_m",
                                             "first_year", "exists")} | {"reaches": len(t["reaches"])},
        })
    return {"type": "FeatureCollection", "features": features}


def threat_map(path: Path, data: dict[str, Any], assumption: str) -> Path:
    """:func:`threat_figure` written to ``path``."""
    return save_figure(threat_figure(data, assumption), path)


def threat_figure(data: dict[str, Any], assumption: str) -> Figure:
    """Range contours of every missile and area under one assumption set, countries within reach shaded
    (lighter: in part, darker: whole)."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath
    import shapely

    threats = [t for t in data["threats"] if t["assumption"] == assumption]
    rings = [_ring(t) for t in threats]
    regional = rings and all(t["max_range_m"] < 5e6 for t in threats)  # else the whole world
    lat_all = np.concatenate([r[0] for r in rings]) if regional else None
    lon_all = np.concatenate([r[1] for r in rings]) if regional else None
    fig, ax = world_axes(bbox=bbox_around(lat_all, lon_all) if regional else None)
    cover: dict[str, str] = {}
    for t in (t for t in threats if t["exists"]):  # only threats that exist in the assessed year shade
        for iso, how in t["countries"].items():
            cover[iso] = "whole" if how == "whole" or cover.get(iso) == "whole" else "part"
    for iso, how in cover.items():  # shade each country reached, under the contours
        try:
            geom = ne_country(iso).geometry
        except Exception:  # a feature Natural Earth names but cannot be found again by name: leave unshaded
            continue
        for poly in shapely.get_parts(geom):
            ring = np.asarray(poly.exterior.coords)
            ax.add_patch(PathPatch(MplPath(ring), facecolor=_WHOLE if how == "whole" else _PART, edgecolor="none",
                                   alpha=0.7, zorder=0.8))
    missiles = list(dict.fromkeys(t["missile"] for t in threats))
    areas = list(dict.fromkeys(t["area"] for t in threats))
    for t, (lat, lon) in zip(threats, rings):
        colour = _COLOURS[missiles.index(t["missile"]) % len(_COLOURS)]
        style = _STYLES[areas.index(t["area"]) % len(_STYLES)]
        label = f"{t['missile']} from {t['area']}" + ("" if t["exists"] else f" (from {t['first_year']})")
        draw_track(ax, lat, lon, color=colour, linestyle=style, linewidth=1.4, label=label,
                   alpha=1.0 if t["exists"] else 0.5)
    ax.legend(fontsize=7, loc="lower left")
    year = f" in {data['year']}" if data.get("year") else ""
    ax.set_title(f"Reach under the '{assumption}' assumptions{year} (shaded: countries within reach of existing threats)",
                 fontsize=11)
    return fig


def _img(path: Path) -> str:
    return f'<img src="data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()}" alt="{path.stem}">'


def _km(m: float | None) -> str:
    return "-" if m is None else f"{m / 1e3:,.0f} km"


def _mps(v: float | None) -> str:
    """A re-entry speed (at 100 km on the way down); a flight that never climbs to 100 km has none."""
    return "stays below 100 km" if v is None else f"{v:,.0f} m/s"


def _s(v: float | None) -> str:
    return "-" if v is None else f"{v:,.0f} s"


_METHOD = """
<h2>Method</h2>
<p>Each missile is flown as the assumption set states it: its payload replaced where the set gives one, and its
performance scaled to the set's range (flown due north from 30&deg;N on a still Earth). From every launch area the
farthest impact on each launch azimuth is found over the pitch-over angle by batched flights on the rotating WGS-84
Earth (J2 gravity, drag); those impact points make the contour. Targets within a contour are aimed near minimum
energy in one batch and flown; warning time is impact time less the first detection by the party's own sensors
(the set's list) or by all parties' sensors together (joint), with the geometric detection model of
<code>openbmd.sensors</code> at the catalog timeline's RCS. The divergence table lists each figure two sets state
differently and tries it one at a time, both ways: what one set would conclude with the other's figure.</p>
"""


def _values_text(row: dict[str, Any]) -> str:
    """Each set's value of a diverging figure in words ('nato: 2,000 km, russia: not stated')."""
    from openbmd.threat import figure_text

    return ", ".join(f"{k}: {figure_text(row['field'], v)}" for k, v in row["values"].items())


def _stated_html(row: dict[str, Any]) -> str:
    """Each set's basis and sources for a diverging figure, one line per set."""
    e = html.escape
    lines = []
    for k, how in (row.get("stated") or {}).items():
        if how is None:
            lines.append(f"{e(k)}: not stated (the catalog's figure)")
        else:
            lines.append(f"{e(k)}: {e(how['basis'])}; " + "; ".join(e(x) for x in how["sources"]))
    return "<br>".join(lines) or "-"


def threat_html(data: dict[str, Any], images: list[Path]) -> str:
    """The report page: summary, divergence, per-target tables, maps."""
    from openbmd.threat import orbital_note

    e = html.escape
    rows = "".join(
        f"<tr><td>{e(t['missile'])}</td><td>{e(t['area'])}</td><td>{e(t['assumption'])}</td>"
        f"<td>{_km(t['max_range_m'])}</td><td>{_km(t['min_range_m'])}</td><td>{t['first_year'] or '-'}</td>"
        f"<td>{'yes' if t['exists'] else 'no'}</td><td>{len(t['reaches'])}</td><td>{len(t['countries'])}</td></tr>"
        for t in data["threats"])
    div = "".join(f"<tr><td>{e(d['missile'])}</td><td><code>{e(d['field'])}</code></td>"
                  f"<td>{e(_values_text(d))}</td><td>{e(d['consequence'])}</td><td>{_stated_html(d)}</td></tr>"
                  for d in data["divergence"]) or "<tr><td colspan=5>The sets agree on every figure.</td></tr>"
    detail = []
    for t in data["threats"]:
        parties = list(t["warning_time_s"])
        head = "".join(f"<th>warning ({e(p)})</th>" for p in parties)
        body = "".join(
            f"<tr><td>{e(p)}</td><td>{_s(ft)}</td><td>{_mps(t['reentry_speed_mps'].get(p))}</td>"
            + "".join(f"<td>{_s(t['warning_time_s'][q].get(p))}</td>" for q in parties) + "</tr>"
            for p, ft in sorted(t["flight_time_s"].items(), key=lambda kv: kv[1]))
        detail.append(f"<h3>{e(t['missile'])} from {e(t['area'])}, {e(t['assumption'])}</h3>"
                      f"<table><tr><th>target</th><th>flight time</th><th>re-entry speed</th>{head}</tr>{body}</table>")
    orbital = "".join(f"<p class=orbital><b>Orbital:</b> {e(n)}</p>" for n in map(orbital_note, data["threats"]) if n)
    figs = "".join(_img(p) for p in images)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>openbmd threat assessment</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto}}table{{border-collapse:collapse;margin:8px 0}}
td,th{{border:1px solid #ccc;padding:2px 6px;font-size:13px}}img{{max-width:100%}}</style></head><body>
<h1>Shared threat assessment</h1>
<p>Areas: {e(', '.join(data['areas']))}; missiles: {e(', '.join(data['missiles']))}; assumption sets:
{e(', '.join(data['assumptions']))}{'; year ' + str(data['year']) if data.get('year') else ''}.</p>
<table><tr><th>missile</th><th>area</th><th>set</th><th>greatest range</th><th>least range</th><th>from</th>
<th>exists</th><th>targets</th><th>countries</th></tr>{rows}</table>
{orbital}
<h2>Where the assessments diverge</h2>
<table><tr><th>missile</th><th>figure</th><th>values</th><th>consequence</th><th>sources</th></tr>{div}</table>
{figs}
{_METHOD}
<h2>Targets</h2>{''.join(detail)}
</body></html>"""


def write_threat_report(directory: Path, data: dict[str, Any]) -> Path:
    """Write the report of a ``ThreatAssessment.to_json()`` document into ``directory``; return index.html."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "threat.json").write_text(json.dumps(data, indent=2, allow_nan=False), encoding="utf-8")
    (directory / "contours.geojson").write_text(json.dumps(threat_geojson(data), allow_nan=False), encoding="utf-8")
    images = [threat_map(directory / f"map-{a}.png", data, a) for a in data["assumptions"]]
    index = directory / "index.html"
    index.write_text(threat_html(data, images), encoding="utf-8")
    return index
