"""The observer's replay of a flight test: ground track and coverage, measurements over time, the converging
estimate, as one offline HTML page with its JSON.

``write_flight_test_report(DIR, result)`` writes ``DIR/index.html``, ``DIR/flight-test.json``,
``DIR/track.png``, ``DIR/measurements.png`` and ``DIR/convergence.png``.
"""

from __future__ import annotations

import base64
import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from openbmd.report.figures import new_figure, save_figure
from openbmd.report.maps import bbox_around, draw_track, to_view_lon, world_axes

_SOURCE_COLOURS = ("#c0392b", "#2874a6", "#148f77")


def sensor_labels(sensors: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """One map label per sensor position (lat, lon in deg, name): posts on one site (Armavir's two Voronezh faces)
    share a label, 'armavir/voronezh@135, @225', rather than print over each other."""
    at: dict[tuple[float, float], list[str]] = {}
    for a, o, name in sensors:
        at.setdefault((round(a, 4), round(o, 4)), []).append(name)
    out = []
    for (a, o), names in at.items():
        words = [names[0]]
        for name in names[1:]:  # the common site/sensor prefix once
            head, sep, tail = name.rpartition("@")
            words.append(f"@{tail}" if sep and names[0].startswith(head + "@") else name)
        out.append((a, o, ", ".join(words)))
    return out


def track_map(path: Path, result) -> Path:
    """The test's ground track (thick where the observer's own sensors saw it) and the observer's sensors."""
    data = result.to_json()
    g = data["ground_track"]
    lat, lon = np.asarray(g["lat_deg"]), np.asarray(g["lon_deg"])
    sensors = [(math.degrees(p.lat_rad), math.degrees(p.lon_rad), p.name) for p in result.posts if p.is_radar]
    fig, ax = world_axes(bbox=bbox_around(lat, lon, also=[(a, o) for a, o, _ in sensors]))
    draw_track(ax, lat, lon, color="#555555", linewidth=1.0, label="ground track")
    obs = result.observations
    own = obs.select((obs.source == 0) & (obs.trial == 0))
    t = result.test.flown.t_s[0]
    seen = np.isin(np.round(t), np.round(own.t_s)) if len(own) else np.zeros(t.shape, bool)
    ok = np.isfinite(t)
    if seen[ok].any():
        ax.plot(to_view_lon(ax, lon[seen[ok]]), lat[seen[ok]], ".", color=_SOURCE_COLOURS[0], markersize=2,
                label="seen by the observer's radars", zorder=3)
    for a, o, name in sensor_labels(sensors):
        ax.plot(to_view_lon(ax, o), a, "^", color="black", markersize=6, zorder=4)
        ax.annotate(name, (to_view_lon(ax, o), a), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.plot(to_view_lon(ax, lon[0]), lat[0], "o", color="black", markersize=5, zorder=4)
    ax.legend(fontsize=7, loc="lower left")
    ax.set_title(f"{data['interceptor']} test from {data['from']}: what {data['observer']} sees", fontsize=11)
    return save_figure(fig, path)


def measurements_plot(path: Path, result) -> Path:
    """Observation rows over time, one line per source: each of the observer's radars, released tracks, telemetry."""
    obs = result.observations.select(result.observations.trial == 0)
    lines = [(p.name, (obs.source == 0) & (obs.post == k), _SOURCE_COLOURS[0])
             for k, p in enumerate(result.posts) if p.is_radar]
    lines += [(name, obs.source == s, _SOURCE_COLOURS[s]) for s, name in ((1, "released tracks"), (2, "telemetry"))
              if np.any(obs.source == s)]
    fig = new_figure(10.0, 1.5 + 0.35 * max(len(lines), 1))
    ax = fig.add_subplot()
    for y, (_, rows, colour) in enumerate(lines):
        ax.plot(obs.t_s[rows], np.full(int(rows.sum()), y), "|", color=colour, markersize=8)
    ax.axvline(result.test.burnout_t_s, color="black", linewidth=0.8, linestyle="--", label="burnout")
    ax.set_xlabel("time after launch (s)")
    ax.set_yticks(range(len(lines)), [name for name, _, _ in lines], fontsize=8)
    ax.set_ylim(-0.7, max(len(lines), 1) - 0.3)
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title("Measurements over time", fontsize=11)
    return save_figure(fig, path)


def convergence_plot(path: Path, result) -> Path:
    """Write :func:`convergence_figure` of ``result`` to ``path``."""
    return save_figure(convergence_figure(result), path)


def convergence_figure(result):
    """The burnout-speed estimate and its 95 % interval against the analysis time, with truth and declaration."""
    rows = [r for r in result.to_json()["convergence"] if r["ci95"] is not None]
    fig = new_figure(10.0, 3.8)
    ax = fig.add_subplot()
    if rows:
        t = np.array([r["analysis_time_s"] for r in rows])
        est = np.array([r["estimate"] for r in rows])
        lo, hi = np.array([r["ci95"] for r in rows]).T
        ax.fill_between(t, lo, hi, color="#aed6f1", label="95 % interval")
        ax.plot(t, est, "o-", color="#2874a6", label="estimate")
    ax.axhline(result.burnout_speed.true, color="black", linewidth=0.8, label="true")
    if result.burnout_speed.declared is not None:
        ax.axhline(result.burnout_speed.declared, color="#c0392b", linestyle="--", linewidth=0.8, label="declared")
    ax.set_xlabel("analysis time after launch (s)")
    ax.set_ylabel("burnout speed (m/s)")
    ax.legend(fontsize=8)
    ax.set_title("The estimate as data arrive", fontsize=11)
    return fig


def _img(path: Path) -> str:
    return f'<img src="data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()}" alt="{path.stem}">'


def flight_test_html(data: dict[str, Any], images: list[Path]) -> str:
    e = html.escape

    def ci(x):
        return "-" if x is None else f"{x[0]:,.2f} - {x[1]:,.2f}"

    tight = "".join(f"<tr><td>{e(r['data'])}</td><td>{r['rows']}</td><td>{ci(r['ci95'])}</td>"
                    f"<td>{e(r.get('reason') or '')}</td></tr>" for r in data["tightening"])
    crit = "".join(f"<tr><td>{e(c['name'])}</td><td>{c['limit']:,.0f} m/s</td><td>{c['holds']}</td>"
                   f"<td>{_conf(c['confidence'])}</td><td>{c['declared_holds']}</td></tr>" for c in data["criteria"])
    s, a = data["burnout_speed_mps"], data["burnout_altitude_m"]
    fit = (data.get("batch_fit") or {}).get("burnout_speed_mps")
    tr_text = f"<p>Estimate: {e(s.get('method', ''))}.</p>"
    if fit and fit["estimate"] is not None and fit["method"] != s.get("method"):
        tr_text += (f"<p>Cross-check, {e(fit['method'])} of the same rows: {fit['estimate']:,.2f} m/s, "
                    f"95 % interval {ci(fit['ci95'])} m/s.</p>")
    cov = data.get("monte_carlo")
    cov_text = "" if not cov else (f"<p>Over {cov['trials']} seeded runs the 95 % speed interval held the true value in "
                                   f"{100 * cov['speed']['coverage']:.1f} % of runs (height: "
                                   f"{100 * cov['altitude']['coverage']:.1f} %).</p>")
    s_est = "-" if s["estimate"] is None else f"{s['estimate']:,.2f}"
    a_est = "-" if a["estimate"] is None else f"{a['estimate']:,.0f}"
    sensors = ", ".join(data["observer_sensors"]) or "no sensors"

    def when(x):
        return "-" if x is None else f"{x:,.0f} s"

    seen = "".join(f"<tr><td>{e(c['sensor'])}</td><td>{e(c['kind'])}</td><td>{c['boost_rows']}</td>"
                   f"<td>{c['coast_rows']}</td><td>{when(c['first_s'])}</td><td>{when(c['last_s'])}</td></tr>"
                   for c in data.get("observer_coverage", []))
    a_decl = "-" if a.get("declared") is None else f"{a['declared']:,.0f}"
    s_decl = "-" if s.get("declared") is None else f"{s['declared']:,.2f}"
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>openbmd flight-test observation</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto}}table{{border-collapse:collapse;margin:8px 0}}
td,th{{border:1px solid #ccc;padding:2px 6px;font-size:13px}}img{{max-width:100%}}</style></head><body>
<h1>Observed flight test: {e(data['interceptor'])} from {e(data['from'])}</h1>
<p><b>{e(data['statement'])}</b></p>
<p>Observer: {e(data['observer'])} ({e(sensors)}); released: {e(data['released'])}.</p>
<table><tr><th></th><th>true</th><th>declared</th><th>estimate</th><th>95 % interval</th></tr>
<tr><td>burnout speed (m/s)</td><td>{s['true']:,.2f}</td><td>{s_decl}</td><td>{s_est}</td><td>{ci(s['ci95'])}</td></tr>
<tr><td>burnout height (m)</td><td>{a['true']:,.0f}</td><td>{a_decl}</td><td>{a_est}</td><td>{ci(a['ci95'])}</td></tr></table>
<h2>The observer's coverage</h2><table><tr><th>sensor or release</th><th>kind</th><th>rows in boost</th>
<th>rows in coast</th><th>first seen</th><th>last seen</th></tr>{seen}</table>
<h2>Criteria</h2><table><tr><th>criterion</th><th>limit</th><th>holds (observed)</th><th>P(speed below)</th><th>holds (declared)</th></tr>{crit}</table>
<h2>How the estimate tightens with data</h2><table><tr><th>data</th><th>rows</th><th>95 % interval (m/s)</th><th>why none</th></tr>{tight}</table>
{tr_text}{cov_text}
{''.join(_img(p) for p in images)}
<h2>Method</h2><p>The estimate is the observer's Stone Soup track: an extended Kalman filter over its rows in
time order (the declared boost as the prior, thrust as white acceleration noise; then the coast with the ballistic
model, J2, rotation and drag, and no process noise), smoothed back to the declared burnout time by Stone Soup's
Rauch-Tung-Striebel smoother; the interval is the smoothed 95 % interval. Each radar's constant biases in
elevation, azimuth and range are in the state under their priors (assumptions with sources, in the JSON's
<code>sensor_biases</code>), so the interval carries them. A batch least-squares fit of the coast rows (Gauss-Newton,
the same biases estimated) is the cross-check; the tightening with time uses it. The observer's radars see the
interceptor by their catalog coverage and noise; space IR sees only the boost. Not modelled: the uncertainty of
the burnout time itself, thrust tail-off.</p>
</body></html>"""


def _conf(p: float | None) -> str:
    return "-" if p is None else f"{p:.4f}"


def write_flight_test_report(directory: Path, result) -> Path:
    """Write the observer's replay of ``result`` (a :class:`openbmd.verify.FlightTestResult`); return index.html."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    data = result.to_json()
    (directory / "flight-test.json").write_text(json.dumps(data, indent=2, allow_nan=False), encoding="utf-8")
    images = [track_map(directory / "track.png", result), measurements_plot(directory / "measurements.png", result),
              convergence_plot(directory / "convergence.png", result)]
    index = directory / "index.html"
    index.write_text(flight_test_html(data, images), encoding="utf-8")
    return index
