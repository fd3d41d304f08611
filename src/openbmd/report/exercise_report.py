"""The exercise report: the modes side by side in one self-contained HTML file, with plots and a map."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from openbmd.report.figures import new_figure, save_figure
from openbmd.report.maps import to_view_lon, world_axes

if TYPE_CHECKING:
    from openbmd.exercise.compare import Comparison
    from openbmd.exercise.results import ExerciseResult, ModeResult

# Okabe & Ito (2008), safe for colour-vision deficiency.
_COLOURS = {"independent": "#999999", "data-exchange": "#0072B2", "joint": "#009E73", "sectoral": "#E69F00"}


def _img(path: Path) -> str:
    return f'<img src="data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()}" alt="{path.stem}">'


def modes_plot(path: Path, modes: Mapping[str, ModeResult]) -> Path:
    """Save :func:`modes_figure` to ``path``."""
    return save_figure(modes_figure(modes), path)


def modes_figure(results: Mapping[str, ModeResult]):
    """P(no leaker) with 95 % intervals, and interceptors used, per mode (an exercise result's ``modes``)."""
    modes = list(results)
    fig = new_figure(10.0, 4.0)
    ax1, ax2 = fig.subplots(1, 2)
    x = np.arange(len(modes))
    p = np.array([results[m].p_no_leak for m in modes])
    ci = np.array([results[m].p_no_leak_ci for m in modes])
    colours = [_COLOURS.get(m, "#555") for m in modes]
    # A zero bar still shows: a thin bar at the axis, outlined, with its value written on it.
    bars = ax1.bar(x, np.maximum(p, 0.006), color=colours, edgecolor="#333", linewidth=0.6,
                   yerr=np.clip([p - ci[:, 0], ci[:, 1] - p], 0, None), capsize=4)
    ax1.bar_label(bars, labels=[f"{v:.3f}" for v in p], padding=3, fontsize=8)
    ax1.set_xticks(x, modes, fontsize=8)
    ax1.set_ylim(0, 1.08)
    ax1.set_ylabel("P(no leaker)")
    used = np.array([results[m].interceptors_used for m in modes])
    bars = ax2.bar(x, np.maximum(used, 0.006 * max(used.max(initial=0), 1)), color=colours, edgecolor="#333",
                   linewidth=0.6)
    ax2.bar_label(bars, labels=[f"{v:.1f}" for v in used], padding=3, fontsize=8)
    ax2.set_ylim(0, max(used.max(initial=0), 1) * 1.12)
    ax2.set_xticks(x, modes, fontsize=8)
    ax2.set_ylabel("interceptors used (mean)")
    for ax in (ax1, ax2):
        ax.grid(True, axis="y", alpha=0.4)
    return fig


def comparison_figure(comparison: Comparison):
    """Paired differences B − A per mode with 95 % intervals: P(no leaker) and expected leakers."""
    modes = [m.mode for m in comparison.modes]
    fig = new_figure(10.0, 4.0)
    x = np.arange(len(modes))
    colours = [_COLOURS.get(m, "#555") for m in modes]
    for ax, key, label in zip(fig.subplots(1, 2), ("p_no_leak", "expected_leakers"),
                              ("P(no leaker)", "expected leakers")):
        d = np.array([getattr(m, f"{key}_diff") for m in comparison.modes])
        ci = np.array([getattr(m, f"{key}_diff_ci") for m in comparison.modes]).reshape(-1, 2)
        ax.bar(x, d, color=colours, yerr=np.clip([d - ci[:, 0], ci[:, 1] - d], 0, None), capsize=4)
        ax.axhline(0.0, color="black", lw=0.8)
        ax.set_xticks(x, modes, fontsize=8)
        ax.set_ylabel(f"{label}: {comparison.b} − {comparison.a}")
        ax.grid(True, axis="y", alpha=0.4)
    return fig


def scenario_map(path: Path, scenario, catalog) -> Path:
    """Launch areas, targets, batteries, sensors and the sector map."""
    fig, ax = world_axes(bbox=(25.0, 72.0, -12.0, 62.0))
    from openbmd.exercise.geometry import sector_geometry

    for party, geom in sector_geometry(scenario).items():
        first = True
        for poly in getattr(geom, "geoms", [geom]):
            ring = np.asarray(poly.exterior.coords)
            ax.plot(to_view_lon(ax, ring[:, 0]), ring[:, 1], linewidth=1.0, linestyle="--",
                    color="#922b21" if party == "russia" else "#1f618d", label=f"{party} sector" if first else None)
            first = False
    for r in scenario.raid:
        o, t = catalog.place(r.origin), catalog.place(r.target)
        ax.plot(to_view_lon(ax, np.array([o.lon_deg, t.lon_deg])), [o.lat_deg, t.lat_deg], color="#c0392b",
                linewidth=0.6 + 0.3 * r.count, alpha=0.6)
    markers = {0: ("s", "#1f618d"), 1: ("s", "#922b21")}
    for k, p in enumerate(scenario.parties):
        shape, colour = markers.get(k, ("s", "#555"))
        for b in p.batteries:
            place = catalog.place(b.site)
            ax.plot(to_view_lon(ax, place.lon_deg), place.lat_deg, marker=shape, color=colour, linestyle="none")
            ax.annotate(f"{b.interceptor} ×{b.inventory}", (to_view_lon(ax, place.lon_deg), place.lat_deg),
                        xytext=(4, 3), textcoords="offset points", fontsize=6, color=colour)
    for a in scenario.assets:
        place = catalog.place(a.place)
        ax.plot(to_view_lon(ax, place.lon_deg), place.lat_deg, marker="o", color="black", markersize=3,
                linestyle="none")
    ax.legend(loc="lower left", fontsize=7)
    ax.set_title(f"{scenario.name}: raid (red), batteries (squares), defended cities (dots)", fontsize=10)
    from openbmd.report.labels import declutter

    declutter(fig)
    return save_figure(fig, path)


def _fmt(x, spec: str = ".1f") -> str:
    return "n/a" if x is None else format(x, spec)


def write_exercise_report(out_dir: Path | str, result: ExerciseResult, scenario, catalog,
                          doc: dict[str, Any] | None = None) -> Path:
    """Write ``index.html``, ``exercise.json`` (``doc``, default ``result.to_json()``) and the figures to
    ``out_dir``; return the HTML path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    doc = result.to_json() if doc is None else doc
    (out / "exercise.json").write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    results = result.modes
    plot = modes_plot(out / "modes.png", results)
    smap = scenario_map(out / "scenario.png", scenario, catalog)
    rows = "".join(
        f"<tr><td>{html.escape(m)}</td><td>{v.p_no_leak:.3f} ({v.p_no_leak_ci[0]:.3f}–{v.p_no_leak_ci[1]:.3f})"
        f"</td><td>{v.expected_leakers:.2f}</td><td>{v.interceptors_used:.1f}</td>"
        f"<td>{v.value_defended:.1%}</td><td>" + "; ".join(
            f"{html.escape(p)}: {c.kills:.2f} kills, {c.interceptors_used:.1f} used" for p, c in v.parties.items())
        + "</td></tr>" for m, v in results.items())
    modes = list(results)
    first = results[modes[0]].leak_by_raid
    leak_rows = "".join(
        f"<tr><td>{html.escape(r.missile)}</td><td>{html.escape(r.origin)} → {html.escape(r.target)}"
        f"</td><td>{r.count}</td>" + "".join(
            f"<td>{results[m].leak_by_raid[k].p_leak:.3f}</td>" for m in modes) + "</tr>"
        for k, r in enumerate(first))
    leak_table = (f"<h2>Where the leakers come from</h2><p>Chance that one missile of each raid entry leaks.</p>"
                  f"<table><tr><th>missile</th><th>from → to</th><th>count</th>"
                  + "".join(f"<th>{html.escape(m)}</th>" for m in modes) + f"</tr>{leak_rows}</table>"
                  if first else "")
    causes = list(results[modes[0]].leak_causes)
    cause_table = ("<h2>Why the leakers leaked</h2><p>Expected leaking warheads per trial, by the first reason that "
                   "stopped every engagement of them.</p><table><tr><th>cause</th>"
                   + "".join(f"<th>{html.escape(m)}</th>" for m in modes) + "</tr>" + "".join(
                       f"<tr><td>{html.escape(c)}</td>" + "".join(
                           f"<td>{results[m].leak_causes[c]:.2f}</td>" for m in modes) + "</tr>"
                       for c in causes) + "</table>" if causes else "")
    explanations = "".join(f"<li>{html.escape(v.explanation)}</li>" for v in results.values())
    paired = "".join(
        f"<tr><td>{html.escape(m)}</td><td>{d.p_no_leak_diff:+.3f} ({d.ci[0]:+.3f} to {d.ci[1]:+.3f})</td>"
        f"<td>{d.expected_leakers_diff:+.2f} ({d.expected_leakers_ci[0]:+.2f} to {d.expected_leakers_ci[1]:+.2f})</td>"
        f"<td>{_fmt(v.interceptors_per_p.interceptors_at_target)}</td>"
        f"<td>{_fmt(v.interceptors_per_p.p_no_leak_at_common, '.3f')} / "
        f"{_fmt(v.interceptors_per_p.expected_leakers_at_common, '.2f')}</td>"
        f"<td>{v.interceptors_wasted:.1f}</td><td>{v.interceptors_at_decoys:.1f}</td></tr>"
        for m, v in results.items() if (d := v.paired_vs_independent) is not None)
    target = results[modes[0]].interceptors_per_p.p_target
    common = results[modes[0]].interceptors_per_p.interceptors_common
    paired_table = (f"<h2>Against independent, trial by trial</h2><p>Paired difference in P(no leaker) (common random "
                    f"numbers), the equal-use comparison from runs at reduced inventory (interceptors needed to reach "
                    f"P(no leaker) {_fmt(target, '.3f')}, the lowest above zero that any mode reaches, and P(no leaker) "
                    f"and expected leakers with {_fmt(common, '.1f')} interceptors, the fewest any mode fires), interceptors that hit "
                    f"already-dead objects, and interceptors spent on decoys.</p><table><tr><th>mode</th>"
                    f"<th>ΔP(no leaker) (95% CI)</th><th>Δ expected leakers (95% CI)</th>"
                    f"<th>interceptors at equal P</th><th>P / leakers at equal use</th><th>wasted</th><th>at decoys</th></tr>"
                    f"{paired}</table>"
                    if paired else "")
    track_text = ("from the track-quality model calibrated against openbmd's full tracker "
                  "(<code>openbmd.tracking.quality</code>)" if scenario.tracks == "calibrated" else
                  "fixed at the catalog timeline's firm-track delay")
    sector_text = ("a party engages whatever flies over its own sector or over no one's (the airspace reading of the "
                   "2010-12 Russian proposals)." if scenario.cooperation.sector_rule == "airspace" else
                   "a party engages only threats aimed into its own sector.")
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>openbmd exercise: {html.escape(result.scenario)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:4px 8px}}img{{max-width:100%}}</style></head><body>
<h1>Exercise: {html.escape(result.scenario)}</h1>
<p>{html.escape(scenario.description)}</p>
<p>{result.trials:,} trials per mode, seed {result.seed}; every mode sees the same random draws for the same shot.</p>
<table><tr><th>mode</th><th>P(no leaker) (95% CI)</th><th>expected leakers</th><th>interceptors used</th>
<th>value defended</th><th>per party</th></tr>{rows}</table>
<ul>{explanations}</ul>
{_img(plot)}
{paired_table}
{cause_table}
{leak_table}
<h2>Scenario</h2>{_img(smap)}
<h2>Method</h2>
<p>Each trial is event-driven in waves. Each party's sensors first see each object when geometry allows
(<code>openbmd.sensors</code>); its firm track follows after a track delay drawn per trial and per (party, object)
{track_text}. Early-warning tracks (space IR, UHF/VHF radars) only cue fire-control radars, which then acquire at
their full range; a battery commits only when a track it may use under its engagement authority (organic,
launch-on-remote, engage-on-remote) predicts the intercept point within its kill vehicle's basket
(<code>openbmd.engagement.firecontrol</code>), never before threat burnout. Partners' tracks arrive after the data
latency in the data-exchange, sectoral and joint modes; joint engagements also wait for every required party's
approval. Then come optimal weapon-target assignment per decision group (min-cost flow over the batteries; value first, then
earliest intercept) within each battery's channels, kill draws with the Pk reduced by the PIP error, kill
assessment only where a sensor sees the intercept, and re-engagement under shoot-look-shoot with interceptors held
for the look-shot; surviving warheads leak. In the independent and data-exchange modes each party defends its
declared assets and decides alone, so both may fire at one threat. In the sectoral mode no party intercepts over
another party's sector unless the owner cannot engage (the handover rule); {sector_text}</p>
<p><small>Made by openbmd from public data; rerun with <code>openbmd exercise run</code>. Map: Natural Earth.</small></p>
</body></html>"""
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
