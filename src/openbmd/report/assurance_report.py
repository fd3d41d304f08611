"""The assurance report: one self-contained, offline HTML file (figures inlined) plus the JSON.

``write_assurance_report(DIR, data, corridors)`` writes ``DIR/index.html``,
``DIR/assurance.json``, ``DIR/corridors.png`` and ``DIR/speed_threshold.png``.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

import numpy as np

from openbmd.earth import ecef_to_geodetic, wgs84
from openbmd.report.figures import new_figure, save_figure
from openbmd.report.labels import declutter
from openbmd.report.maps import polar_axes

# Okabe & Ito (2008), as the page's corridors: vermillion, blue, grey.
_ENGAGEABLE, _SAFE, _OUT = "#D55E00", "#0072B2", "#999999"

_METHOD = """
<h2>Method and assumptions</h2>
<p>Each base's typical missile flies a minimum-energy trajectory to each target on the rotating WGS-84 Earth
(J2 gravity, USSA-76 drag on re-entry), aimed in batch. The deployment's sensors detect it by the geometric model
of <code>openbmd.sensors</code> (radar horizon, fence, sector and range against the catalog timeline's RCS; space
infrared sees the burning booster above the clouds). After the firm-track and decision delays of the timeline,
an interceptor may launch; a pair is <b>engageable</b> when some point of the missile's path can be reached by an
interceptor in time, inside the interceptor's catalog altitude and range envelope (fly-out tables from the same
flight core). The <b>speed threshold</b> is the least burnout speed, common to all the deployment's interceptors,
at which the pair becomes engageable (bisection over fly-out tables built on a speed ladder); the <b>delay
budget</b> is the longest decision delay that still leaves an opportunity at the deployment's own speeds.
Border distances are geodesic distances to the nearest point of the country's territory in the shipped Natural
Earth 1:50m data (its depiction of borders, including disputed ones).</p>
<p>Not modelled: decoys and discrimination, the kill vehicle's divert and seeker limits, interceptor inventories
and salvo doctrine, radar resource limits, and the exact orientation of radars beyond the catalog's estimates.
Every number comes from the catalog, with its source; most interceptor and sensor figures are estimates.</p>
<h3>Published analyses to compare with</h3>
<ul>
<li>D. Wilkening, "Does Missile Defence in Europe Threaten Russia?", <i>Survival</i> 54(1), 2012: in broad terms,
the EPAA's early phases have little or no capability against Russian ICBMs; the faster interceptors of a later
phase could have some, depending strongly on where they are based and how early they are cued.</li>
<li>Y. Butt and T. Postol, "Upsetting the Reset: The Technical Basis of Russian Concern Over NATO Missile
Defense", FAS, 2011: fast SM-3 variants, cued early and based in northern Europe or at sea, could engage Russian
ICBMs, so Russia's concern had a technical basis.</li>
<li>US National Research Council, "Making Sense of Ballistic Missile Defense", 2012: judged the planned SM-3 IIB
sites in Europe poorly placed to defend the United States and proposed a different architecture.</li>
</ul>
<p>Compare the speed thresholds above with the interceptor speeds those studies assume (about 3 km/s for SM-3
IA/IB, 4.5 km/s for IIA, 5-5.5 km/s for the cancelled IIB) and with the 3.5 km/s limit Russia proposed. Read the
originals: the summaries here are short and the assumptions differ.</p>
"""


def _img(path: Path) -> str:
    return f'<img src="data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()}" alt="{path.stem}">'


def corridor_map(path: Path, data: dict[str, Any], corridors) -> Path:
    """Ground tracks of every corridor on a north-polar map (ICBM flights cross the pole), vermillion where
    engageable, blue where not, grey beyond reach; with the deployment's sites, the bases and the targets."""
    from matplotlib.lines import Line2D

    from openbmd.catalog import load_catalog

    earth = wgs84()
    cat = load_catalog()
    tracks = []
    for k, pair in enumerate(data["pairs"]):
        t = corridors.threats.t_s[k]
        ok = np.isfinite(t)
        if not ok.any():
            continue
        lat, lon, _ = ecef_to_geodetic(corridors.threats.r_ecef[k][ok], earth)
        colour = _ENGAGEABLE if pair["engageable"] else _SAFE if pair["reachable"] else _OUT
        tracks.append((np.degrees(lat), np.degrees(lon), colour))
    lat_min = min([20.0, *(float(t[0].min()) - 5.0 for t in tracks)])
    fig, m = polar_axes(max(lat_min, -10.0))
    for lat, lon, colour in sorted(tracks, key=lambda x: x[2] == _ENGAGEABLE):  # engageable drawn on top
        m.plot(lat, lon, color=colour, linewidth=0.9 if colour != _ENGAGEABLE else 1.4, alpha=0.8, zorder=3)
    marks = [("interceptor site", "s", "#0072B2", [s["name"] for s in data.get("sites", [])]),
             ("ICBM base", "^", "#000000", sorted(set(corridors.bases))),
             ("target", "o", "#000000", sorted(set(corridors.targets)))]
    for label, shape, colour, names in marks:
        places = {n: cat.place(n.split("/")[0]) for n in names}
        for k, (n, p) in enumerate(places.items()):
            x, y = m.project(p.lat_deg, p.lon_deg)
            m.ax.plot(x, y, marker=shape, color=colour, markersize=6 if shape == "s" else 4, linestyle="none",
                      zorder=4, markeredgecolor="#fff" if shape == "s" else colour)
            if shape == "s":
                m.ax.annotate(n.split("/")[0], (x, y), xytext=(5, 4), textcoords="offset points", fontsize=7,
                              color=colour, zorder=5)
    handles = [Line2D([], [], color=_ENGAGEABLE, lw=1.4, label="engageable"),
               Line2D([], [], color=_SAFE, lw=0.9, label="not engageable"),
               Line2D([], [], color=_OUT, lw=0.9, label="beyond the missile's reach"),
               *(Line2D([], [], marker=s, color=c, ls="", label=lab) for lab, s, c, _ in marks)]
    m.ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.9)
    m.ax.set_title(f"{data['deployment']}: corridors {data.get('forces', '')} → {data.get('targets', '')}",
                   fontsize=11)
    m.ax.text(0.995, 0.005, "North-polar azimuthal equidistant; map: Natural Earth (public domain)",
              transform=m.ax.transAxes, fontsize=6, ha="right", va="bottom", color="#555555")
    declutter(fig)
    return save_figure(fig, path)


def threshold_curve(path: Path, data: dict[str, Any]) -> Path:
    """Save :func:`threshold_figure` to ``path``."""
    return save_figure(threshold_figure(data), path)


def threshold_figure(data: dict[str, Any]):
    """Engageable pairs against a common interceptor burnout speed (from the pairs' speed thresholds)."""
    th = np.sort([p["speed_threshold_mps"] for p in data["pairs"] if p["speed_threshold_mps"] is not None])
    fig = new_figure(8.0, 4.5)
    ax = fig.add_subplot()
    v = np.linspace(1000.0, 10000.0, 400)
    ax.step(v / 1e3, np.searchsorted(th, v, side="right"), where="post", color="#1f618d")
    ax.axvline(3.5, color="#922b21", linestyle="--", linewidth=1, label="3.5 km/s (proposed limit)")
    speeds = sorted({s["interceptor"] for s in data["sites"]})
    ax.set_xlabel("interceptor burnout speed, all sites (km/s)")
    ax.set_ylabel(f"engageable pairs (of {len(data['pairs'])})")
    ax.set_title(f"{data['deployment']}: speed threshold curve ({', '.join(speeds)})", fontsize=11)
    ax.grid(True, alpha=0.4)
    ax.legend(fontsize=8)
    return fig


def _pair_table(data: dict[str, Any]) -> str:
    bases = list(dict.fromkeys(p["base"] for p in data["pairs"]))
    targets = list(dict.fromkeys(p["target"] for p in data["pairs"]))
    cell = {(p["base"], p["target"]): p for p in data["pairs"]}
    rows = ["<tr><th>base \\ target</th>" + "".join(f"<th>{html.escape(t)}</th>" for t in targets) + "</tr>"]
    for b in bases:
        tds = []
        for t in targets:
            p = cell.get((b, t))
            if p is None or not p["reachable"]:
                tds.append('<td class="out">–</td>')
                continue
            th = p["speed_threshold_mps"]
            text = f"{th / 1e3:.1f}" if th is not None else "&gt;10"
            tds.append(f'<td class="{"hit" if p["engageable"] else "safe"}">{text}</td>')
        rows.append(f"<tr><th>{html.escape(b)}</th>{''.join(tds)}</tr>")
    return "<table>" + "".join(rows) + "</table>"


def _sensitivity_table(sens: dict[str, Any] | None) -> str:
    if not sens:
        return ""
    head = "".join(f"<th>{v / 1e3:g} km/s</th>" for v in sens["speeds_mps"])
    rows = "".join(f"<tr><th>{d:g} s</th>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
                   for d, row in zip(sens["delays_s"], sens["engageable_pairs"]))
    return (f"<h2>Sensitivity</h2><p>Engageable pairs by common interceptor burnout speed (columns) and decision "
            f"delay (rows).</p><table><tr><th>delay \\ speed</th>{head}</tr>{rows}</table>" + _flips_table(sens))


def _flips_table(sens: dict[str, Any]) -> str:
    """The pairs engageable somewhere in the grid but not everywhere, summarised per base: how many, towards
    which targets, and the range of their speed thresholds at the shortest and the longest delay."""
    flips = sens["flips"]
    if not flips:
        return "<p>No pair flips inside this grid.</p>"
    d0, d1 = f"{sens['delays_s'][0]:g}", f"{sens['delays_s'][-1]:g}"

    def span(values: list[float | None]) -> str:
        v = [x for x in values if x is not None]
        return "none" if not v else f"{min(v) / 1e3:.1f}–{max(v) / 1e3:.1f}" if len(v) > 1 else f"{v[0] / 1e3:.1f}"

    rows = []
    for base in dict.fromkeys(f["base"] for f in flips):
        mine = [f for f in flips if f["base"] == base]
        targets = ", ".join(html.escape(f["target"]) for f in mine[:6]) + (f" and {len(mine) - 6} more"
                                                                        if len(mine) > 6 else "")
        rows.append(f"<tr><th>{html.escape(base)}</th><td>{len(mine)}</td><td>{targets}</td>"
                    f"<td>{span([f['speed_threshold_mps_by_delay'][d0] for f in mine])}</td>"
                    f"<td>{span([f['speed_threshold_mps_by_delay'][d1] for f in mine])}</td></tr>")
    return (f"<h3>{len(flips)} pairs that flip inside this grid</h3><table class=\"flips\"><tr><th>base</th>"
            f"<th>pairs</th><th>targets</th><th>speed threshold at {d0} s delay (km/s)</th>"
            f"<th>at {d1} s (km/s)</th></tr>{''.join(rows)}</table>")


def write_assurance_report(out_dir: Path | str, data: dict[str, Any], corridors) -> Path:
    """Write the report folder; return the HTML path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "assurance.json").write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    cmap = corridor_map(out / "corridors.png", data, corridors)
    curve = threshold_curve(out / "speed_threshold.png", data)
    s = data["summary"]
    sites = "".join(
        f"<tr><td>{html.escape(x['name'])}</td><td>{html.escape(x['interceptor'])}</td>"
        f"<td>{x['border_distance_m'] / 1e3:,.0f} km</td><td>{x['max_reach_m'] / 1e3:,.0f} km</td>"
        f"<td>{'yes' if x['satisfies_distance_criterion'] else 'no'}</td></tr>" for x in data["sites"])
    criteria = "".join(
        f"<tr><td>{html.escape(c['name'])}</td><td>{'met' if c['satisfied'] else 'broken'}</td>"
        f"<td>{html.escape(c['detail'])}</td><td>{c['engageable_pairs_as_deployed']}</td>"
        f"<td>{c['engageable_pairs_if_met']}</td></tr>" for c in data.get("criteria", []))
    a = data["assumptions"]
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>openbmd assurance: {html.escape(data['deployment'])}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;font-size:12px;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 6px}}
td.hit{{background:#f5b7b1}}td.safe{{background:#d5f5e3}}td.out{{color:#999}}img{{max-width:100%}}</style></head>
<body><h1>Assurance: {html.escape(data['deployment'])}</h1>
<p><b>{s['engageable_pairs']}</b> of {s['total_pairs']} base→target pairs engageable
({s['reachable_pairs']} within the missiles' reach). Forces {html.escape(str(data.get('forces')))},
targets {html.escape(str(data.get('targets')))}; timeline {html.escape(str(a['timeline']))}
(firm track {a['firm_track_delay_s']:.0f} s, decision {a['decision_delay_s']:.0f} s, RCS {a['threat_rcs_m2']} m²);
sensors {html.escape(', '.join(a['sensors']))}.</p>
<h2>Bases × targets</h2><p>Cells give the speed threshold in km/s; red: engageable as deployed.</p>
{_pair_table(data)}
<h2>Corridors</h2>{_img(cmap)}
<h2>Speed threshold curve</h2>{_img(curve)}
<h2>Sites: distance to the border against reach</h2>
<table><tr><th>site</th><th>interceptor</th><th>border distance</th><th>reach</th><th>distance ≥ reach</th></tr>
{sites}</table>
{_sensitivity_table(data.get("sensitivity"))}
{"<h2>Criteria</h2><table><tr><th>criterion</th><th></th><th>detail</th><th>engageable as deployed</th><th>if met</th></tr>" + criteria + "</table>" if criteria else ""}
{_METHOD}
<p><small>Made by openbmd from public data; rerun with <code>openbmd assure</code>. Map: Natural Earth.</small></p>
</body></html>"""
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
