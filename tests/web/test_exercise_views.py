"""The exercise's views in Chromium: a replayed trial plays on the map with the slider (its kills show
at their time), the mode comparison is a chart with a legend that the keyboard reaches, and the threat
assessment's range contours are a layer whose contours show their figures. Every feature and chart mark
of the files is drawn, and nothing is fetched from any host but loopback."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

import openbmd.api as api
from openbmd.report.exports import LAYERS, read_scene
from openbmd.threat.assess import Threat
from openbmd.web.server import create_view_app, serving


def _threat(assumption: str, radius_deg: float) -> dict:
    th = np.linspace(0, 2 * np.pi, 25)[:-1]
    return Threat("shahab-3", "tabriz", assumption, assumption, radius_deg * 111e3, radius_deg * 105e3,
                  tuple(38.08 + radius_deg * np.sin(th)), tuple(46.29 + radius_deg * np.cos(th) / 0.79),
                  ("ankara", "tel-aviv"), {"TUR": "part"}, {}, {}, {}, (), 2003, True).to_json()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("exercise-views")
    replay = api.replay("nrc-2012", "independent", 0, trials=20, seed=1)
    exercise = api.exercise("nrc-2012", trials=20, seed=1, modes="independent,joint", progress=False).to_json()
    threat = {"areas": ["tabriz"], "missiles": ["shahab-3"], "assumptions": ["nato", "russia"], "year": None,
              "threats": [_threat("nato", 12.0), _threat("russia", 11.0)], "divergence": []}
    out = {}
    for name, doc in (("replay", replay.to_json(scene=True)), ("exercise", exercise), ("threat", threat)):
        out[name] = d / f"{name}.json"
        out[name].write_text(json.dumps(doc))
    return out


@pytest.fixture(scope="module")
def scenes(files):
    return [read_scene(f) for f in files.values()]


@pytest.fixture(scope="module")
def view_url(scenes):  # overrides conftest's: the page shows these files
    layers = {n: {"label": lab, "colour": c} for n, (lab, c) in LAYERS.items()}
    with serving(create_view_app([s.to_json() for s in scenes], layers)) as url:
        yield url


def _slide(page, t: float) -> None:
    page.evaluate(f"document.getElementById('time').value = {t}; "
                  "document.getElementById('time').dispatchEvent(new Event('input'))")


def test_every_feature_and_chart_mark_of_the_files_is_drawn_from_loopback_alone(page, view_url, scenes):
    assert page.evaluate("window.openbmdView.error") is None and not page.failed and not page.errors
    assert page.requests and all(u.startswith(view_url) for u in page.requests), page.requests
    expected = Counter(f.layer for s in scenes for f in (*s.points, *s.paths, *s.areas))
    assert {"kills", "leakers", "detections", "flyouts", "contours"} <= set(expected)
    assert page.evaluate("window.openbmdView.counts") == dict(expected)
    drawn = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#features > g')].map(
        g => [g.dataset.layer, g.querySelectorAll('path, circle').length]))""")
    assert drawn == dict(expected)
    replay, comparison = scenes[0].panels[0], scenes[1].panels[0]
    assert page.locator("#events li").count() == len(replay["events"])
    assert page.locator("#mode-comparison .mode-bar").count() == len(comparison["modes"])
    assert page.locator("#mode-comparison .diff-mark").count() == sum(m["diff"] is not None for m in comparison["modes"])
    assert page.locator("#mode-comparison .cause-segment").count() == sum(len(m["leak_causes"])
                                                                          for m in comparison["modes"])
    # The page's timed layers are the scene's.
    from openbmd.report.exports.scene import TIMED_LAYERS

    assert set(page.evaluate("[...new Set(window.openbmdView.timed.map(x => x.f.layer))]")) == set(TIMED_LAYERS)


def test_the_slider_replays_the_trial_and_a_kill_shows_at_its_time(page, scenes):
    scene = scenes[0]
    kill = next(p for p in scene.points if p.layer == "kills")
    obj = kill.figures["object"]
    k = page.evaluate(f"window.openbmdView.scene.features.findIndex(f => f.layer === 'kills' && f.t_s === {kill.t_s} "
                      f"&& f.figures.object === {obj})")
    circle = page.locator(f"#layer-kills circle[data-k='{k}']")
    flight = next(p for p in scene.paths if p.layer == "trajectories" and p.figures["object"] == obj)

    def marker():
        return page.evaluate(f"""() => {{ const m = window.openbmdView.markers.find(m => m.f.name === {json.dumps(flight.name)});
            return {{shown: m.el.style.visibility !== 'hidden', cx: +m.el.getAttribute('cx')}}; }}""")

    kills = [e for e in scene.panels[0]["events"] if e["event"] == "kill"]
    row = page.locator("#events li[data-event='kill']").nth(
        next(i for i, e in enumerate(kills) if e["object"] == obj))
    _slide(page, kill.t_s - 20.0)
    assert circle.evaluate("c => c.style.visibility") == "hidden"
    assert "past" not in (row.get_attribute("class") or "")
    before = marker()
    assert before["shown"]  # the warhead still flies
    _slide(page, kill.t_s + 1.0)
    assert circle.evaluate("c => c.style.visibility") == ""
    assert "past" in row.get_attribute("class")
    assert not marker()["shown"]  # killed: its flight has ended
    assert "events by now" in page.inner_text("#events-count")
    # A fly-out's marker moves between its launch and its intercept.
    shot = next(p for p in scene.paths if p.layer == "flyouts")
    xs = []
    for t in (shot.t_s[0] + 1.0, shot.t_s[-1] - 1.0):
        _slide(page, t)
        xs.append(page.evaluate(f"+window.openbmdView.markers.find(m => m.f.name === {json.dumps(shot.name)})"
                                ".el.getAttribute('cx')"))
    assert xs[0] != xs[1]
    # An event in the log moves the slider to its time; the log is one tab stop, walked with the arrow keys.
    row.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("window.openbmdView.t") == pytest.approx(kill.t_s)
    page.locator("#events").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.evaluate("window.openbmdView.t") == pytest.approx(scene.panels[0]["events"][1]["t_s"])


def test_the_mode_comparison_has_a_legend_and_the_keyboard_reaches_its_bars(page, scenes):
    comparison = scenes[1].panels[0]
    legend = page.inner_text("#mode-comparison .chart-legend")
    assert all(m["mode"] in legend for m in comparison["modes"])
    okabe_ito = {c.lower() for c in ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
                                     "#000000")}
    fills = page.evaluate("[...document.querySelectorAll('#mode-comparison rect')].map(r => r.getAttribute('fill'))")
    assert fills and {f.lower() for f in fills} <= okabe_ito
    page.locator("#proj-flat").focus()
    reached = None
    for _ in range(120):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('mode-bar')"):
            reached = page.evaluate("document.activeElement.dataset.mode")
            break
    assert reached == comparison["modes"][0]["mode"]
    page.keyboard.press("Enter")
    details = page.inner_text("#details")
    m = comparison["modes"][0]
    assert "P(no leaker)" in details and f"{m['p_no_leak']:.3f}" in details
    # The values are written on the bars, a zero bar included.
    values = page.evaluate("[...document.querySelectorAll('#mode-comparison .mode-bar .value')].map(t => t.textContent)")
    assert values == [f"{m['p_no_leak']:.3f}" for m in comparison["modes"]]


def test_a_contour_shows_its_figures_and_the_legend_names_each_assumption_set(page):
    legend = page.inner_text("#layer-list")
    assert "Threat range contours (2)" in legend and "nato assumptions" in legend and "russia assumptions" in legend
    strokes = page.evaluate("[...document.querySelectorAll('#layer-contours path')].map(p => p.getAttribute('stroke'))")
    assert len(set(strokes)) == 2
    page.locator("#layer-contours path").first.evaluate("e => e.dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    details = page.inner_text("#details")
    assert "shahab-3 from tabriz (nato)" in details and "max_range_m" in details and "ankara, tel-aviv" in details
