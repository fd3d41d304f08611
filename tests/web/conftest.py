"""A scene with every layer, served by the view server, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod

from openbmd.earth import wgs84
from openbmd.report.exports import LAYERS, Scene, SceneArea, ScenePath, ScenePoint
from openbmd.report.exports.geometry import cells_area, coverage_fan
from openbmd.web.server import create_view_app, serving

CHROMIUM = "/usr/bin/chromium"
GEOD = Geod(ellps="WGS84")


def _flight(name: str, layer: str, a: tuple[float, float], b: tuple[float, float], t0: float, t1: float,
            apogee_m: float, n: int = 80) -> ScenePath:
    mid = GEOD.npts(a[1], a[0], b[1], b[0], n - 2)
    lon = np.array([a[1], *[p[0] for p in mid], b[1]])
    lat = np.array([a[0], *[p[1] for p in mid], b[0]])
    f = np.linspace(0.0, 1.0, n)
    return ScenePath(layer, name, t0 + (t1 - t0) * f, lat, lon, 4 * apogee_m * f * (1 - f), {"apogee_m": apogee_m},
                     ("Test source, 2012",))


def every_layer_scene() -> Scene:
    earth = wgs84()
    lat, lon = np.arange(44.0, 56.0), np.arange(14.0, 30.0)
    shots = np.full((lat.size, lon.size), -1)
    shots[1:11, 1:15] = 0
    shots[3:9, 3:12] = 1
    shots[5:7, 5:9] = 2
    foot = []
    for k in (0, 1, 2):
        polys = cells_area(lat, lon, 1.0, shots >= k)
        foot.append(SceneArea("footprints", f"≥ {k} shots", tuple(
            (np.asarray(p.exterior.coords), *(np.asarray(r.coords) for r in p.interiors)) for p in polys), value=k))
    return Scene("every layer", (
        ScenePoint("sites", "redzikowo/sm3-iia", 54.48, 17.1, figures={"interceptor": "SM-3 Block IIA"},
                   sources=("Interceptor source, 2011",)),
        ScenePoint("sites", "deveselu/sm3-ib", 44.08, 24.4),
        ScenePoint("sensors", "kurecik/an-tpy-2", 38.35, 37.79, sources=("Radar source, 2011",)),
        ScenePoint("launches", "tabriz", 38.08, 46.29, t_s=0.0),
        ScenePoint("targets", "warsaw", 52.23, 21.01),
        ScenePoint("intercepts", "shot 1", 47.5, 31.6, 511e3, 580.0),
    ), (
        _flight("tabriz to warsaw", "trajectories", (38.08, 46.29), (52.23, 21.01), 0.0, 868.0, 556e3),
        _flight("tabriz to london", "trajectories", (38.08, 46.29), (51.5, -0.12), 60.0, 1100.0, 700e3),
        _flight("sm3 from redzikowo", "flyouts", (54.48, 17.1), (47.5, 31.6), 171.0, 580.0, 511e3, n=24),
        _flight("kozelsk to washington", "corridors", (54.0, 35.8), (38.9, -77.0), 0.0, 1800.0, 1200e3),
    ), (
        SceneArea("coverage", "kurecik/an-tpy-2", ((coverage_fan(38.35, 37.79, 1.6e6, 270.0, 60.0, earth),),)),
        *foot,
        SceneArea("sectors", "nato sector", ((np.array([[10, 45], [20, 45], [20, 55], [10, 55], [10, 45.0]]),),)),
    ))


@pytest.fixture(scope="session")
def scene() -> Scene:
    return every_layer_scene()


@pytest.fixture(scope="session")
def view_url(scene):
    layers = {n: {"label": lab, "colour": c} for n, (lab, c) in LAYERS.items()}
    with serving(create_view_app([scene.to_json()], layers)) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def page(browser, view_url):
    """The page loaded, with every request recorded and any leaving loopback refused."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.requests, pg.failed, pg.errors = [], [], []

    def route(r):
        pg.requests.append(r.request.url)
        if r.request.url.startswith(view_url):
            r.continue_()
        else:
            r.abort()

    context.route("**/*", route)
    pg.on("requestfailed", lambda r: pg.failed.append(r.url))
    pg.on("response", lambda r: r.status >= 400 and pg.failed.append(f"{r.status} {r.url}"))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("console", lambda m: m.type == "error" and pg.errors.append(m.text))
    pg.goto(view_url)
    pg.wait_for_function("window.openbmdView.ready || window.openbmdView.error", timeout=15000)
    yield pg
    context.close()
