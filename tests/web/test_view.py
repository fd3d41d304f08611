"""The local page in Chromium: it loads from loopback alone, draws every feature of the file, toggles
layers from the keyboard, moves markers with the time slider, plays, turns into a globe, and shows
an object's figures and sources."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections import Counter

import numpy as np
import pytest


def test_loads_from_loopback_only_with_no_failures(page, view_url):
    assert page.evaluate("window.openbmdView.error") is None
    assert page.requests and all(u.startswith(view_url) for u in page.requests), page.requests
    assert not page.failed and not page.errors
    assert {u.removeprefix(view_url) for u in page.requests} >= {
        "", "static/vendor/d3-geo.min.js", "api/scene", "api/world/land", "api/world/countries"}
    assert len(page.get_attribute("#land", "d")) > 10_000  # Natural Earth coastlines drawn


def test_every_feature_of_the_file_is_drawn(page, scene):
    expected = Counter(f.layer for f in (*scene.points, *scene.paths, *scene.areas))
    drawn = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#features > g')].map(
        g => [g.dataset.layer, [...g.querySelectorAll('path, circle')].filter(e => e.getAttribute('d') !== ''
                                                                             || e.tagName === 'circle').length]))""")
    assert drawn == dict(expected)
    assert page.evaluate("window.openbmdView.counts") == dict(expected)
    legend = page.inner_text("#layer-list")
    for layer in expected:
        assert f"({expected[layer]})" in legend
    markers = page.locator("#markers circle")
    assert markers.count() == len(scene.paths)


def test_layer_toggles_work_from_the_keyboard(page):
    toggle = page.locator("#toggle-trajectories")
    toggle.focus()
    page.keyboard.press("Space")
    assert page.locator("#layer-trajectories").evaluate("g => getComputedStyle(g).display") == "none"
    assert not toggle.is_checked()
    assert page.locator("#profile .profile-line.trajectories").count() == 0
    page.keyboard.press("Space")
    assert page.locator("#layer-trajectories").evaluate("g => getComputedStyle(g).display") != "none"
    assert page.locator("#profile .profile-line.trajectories").count() == 2
    # Every toggle is reachable with Tab.
    names = set()
    page.locator("#proj-flat").focus()
    for _ in range(30):
        page.keyboard.press("Tab")
        names.add(page.evaluate("document.activeElement.id"))
    assert {"toggle-sites", "toggle-footprints", "toggle-coverage", "toggle-corridors"} <= names


def test_the_time_slider_moves_the_markers_and_the_profile_cursor(page, scene):
    def at(t: float):
        page.evaluate(f"document.getElementById('time').value = {t}; "
                      "document.getElementById('time').dispatchEvent(new Event('input'))")
        return page.evaluate("""() => window.openbmdView.markers.map(m => ({at: m.at, name: m.f.name,
            cx: +m.el.getAttribute('cx'), cy: +m.el.getAttribute('cy'), shown: m.el.style.visibility !== 'hidden'}))""")

    first, later = at(300.0), at(700.0)
    threat = scene.paths[0]
    for t, state in ((300.0, first), (700.0, later)):
        m = next(s for s in state if s["name"] == threat.name)
        assert m["at"]["lat"] == pytest.approx(np.interp(t, threat.t_s, threat.lat_deg), abs=1e-9)
        assert m["at"]["lon"] == pytest.approx(np.interp(t, threat.t_s, threat.lon_deg), abs=1e-9)
        assert m["at"]["alt_m"] == pytest.approx(np.interp(t, threat.t_s, threat.alt_m), rel=1e-9)
        assert m["shown"]
    a = next(s for s in first if s["name"] == threat.name)
    b = next(s for s in later if s["name"] == threat.name)
    assert (a["cx"], a["cy"]) != (b["cx"], b["cy"])
    assert b["cx"] < a["cx"]  # flying west, towards Warsaw
    flyout = next(s for s in at(100.0) if s["name"].startswith("sm3"))
    assert not flyout["shown"]  # before its launch at 171 s
    at(800.0)
    x_800 = float(page.get_attribute("#profile-cursor .cursor", "x1"))
    at(200.0)
    assert float(page.get_attribute("#profile-cursor .cursor", "x1")) < x_800
    assert "2000-01-01T12:03:20Z" in page.inner_text("#clock")


def test_play_advances_time_and_pause_stops_it(page):
    page.click("#play")
    page.wait_for_function("window.openbmdView.t > 50", timeout=5000)
    page.click("#play")
    t = page.evaluate("window.openbmdView.t")
    page.wait_for_timeout(300)
    assert page.evaluate("window.openbmdView.t") == t and page.inner_text("#play").endswith("Play")
    assert page.evaluate("window.openbmdView.frames") > 3


def test_the_globe_shows_a_polar_corridor_and_hides_the_far_side(page, scene):
    page.click("#proj-globe")
    assert page.get_attribute("#proj-globe", "aria-pressed") == "true"
    assert len(page.locator("#layer-corridors path").get_attribute("d")) > 50
    start = page.evaluate("window.openbmdView.rotate")
    page.locator("#map").focus()
    for key in ["ArrowLeft"] * 13 + ["ArrowDown"] * 6:  # turn it about half round and tilt it south
        page.keyboard.press(key)
    lon_c, lat_c = (-x for x in page.evaluate("window.openbmdView.rotate"))
    assert abs(lon_c - -start[0]) > 90
    shown = page.evaluate("[...document.querySelectorAll('#layer-sites circle')].map(c => c.style.visibility === '')")
    sites = [p for p in scene.points if p.layer == "sites"]
    for site, visible in zip(sites, shown):
        la, lo, lc, oc = np.radians([site.lat_deg, site.lon_deg, lat_c, lon_c])
        angle = np.arccos(np.sin(la) * np.sin(lc) + np.cos(la) * np.cos(lc) * np.cos(lo - oc))
        assert visible == (angle < np.pi / 2)
    assert not all(shown)
    page.click("#proj-flat")
    assert page.get_attribute("#proj-flat", "aria-pressed") == "true"
    assert all(page.evaluate(
        "[...document.querySelectorAll('#layer-sites circle')].map(c => c.style.visibility === '')"))


def test_clicking_an_object_shows_its_figures_and_sources(page):
    page.locator("#layer-sites circle").first.click()
    details = page.inner_text("#details")
    assert "redzikowo/sm3-iia" in details and "SM-3 Block IIA" in details
    assert "Interceptor source, 2011" in page.inner_text("#sources")
    page.locator("#layer-sensors circle").first.focus()
    page.keyboard.press("Enter")
    assert "kurecik/an-tpy-2" in page.inner_text("#details")


def test_the_command_serves_on_loopback(tmp_path):
    from tests.web.conftest import every_layer_scene

    from openbmd.report.exports import write_export

    f = tmp_path / "s.scene.json"
    write_export(f, every_layer_scene())
    proc = subprocess.Popen([sys.executable, "-m", "openbmd", "view", str(f), "--port", "0"],
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert line.startswith("openbmd view: http://127.0.0.1:"), line
        url = line.split()[2]
        with urllib.request.urlopen(url + "api/scene", timeout=10) as r:
            doc = r.read().decode()
        assert '"every layer"' in doc
    finally:
        proc.terminate()
        proc.wait(10)
