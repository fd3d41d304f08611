"""Live mode against a running centre: a track shows on the page within 10 s of its submission, a
party's page never shows what was not released to it, and the page never holds the key."""

from __future__ import annotations

import math

import numpy as np
import pytest

from openbmd.earth import geodetic_to_ecef, wgs84
from openbmd.exchange.app import ServiceConfig, create_app
from openbmd.exchange.client import ExchangeClient
from openbmd.exchange.config import CONFIG_FILE, CentreConfig, init_data_dir, load_config, party_key_path
from openbmd.exchange.messages import example_body
from openbmd.exchange.service import wall_clock_ms
from openbmd.report.exports import LAYERS
from openbmd.web.live import LiveFeed, ellipse_ring
from openbmd.web.server import create_view_app, serving

# russia's tracks are released to nato; china releases nothing to nato.
RELEASE = {"parity": False, "rules": [{"sender": "russia", "recipient": "nato", "kind": "track_report"},
                                      {"sender": "nato", "recipient": "russia", "kind": "track_report"}]}


def _track(track_id: str, lat_deg: float, lon_deg: float) -> dict:
    """A track report at 300 km over a place, climbing north-west at 3 km/s, 1 km position sigma."""
    earth = wgs84()
    r = geodetic_to_ecef(math.radians(lat_deg), math.radians(lon_deg), 300e3, earth)
    up = r / np.linalg.norm(r)
    north = np.array([-math.sin(math.radians(lat_deg)) * math.cos(math.radians(lon_deg)),
                      -math.sin(math.radians(lat_deg)) * math.sin(math.radians(lon_deg)),
                      math.cos(math.radians(lat_deg))])
    v = 3000.0 * north + 500.0 * up
    body = example_body("track_report", wall_clock_ms())
    body.update(track_id=track_id, r_ecef_m=r.tolist(), v_ecef_mps=v.tolist(),
                covariance_si=[[(1e6 if i < 3 else 100.0) if i == j else 0.0 for j in range(6)] for i in range(6)])
    return body


@pytest.fixture
def live_page(browser, tmp_path):
    data = tmp_path / "centre"
    init_data_dir(data, ["nato", "russia", "china"])
    cfg = load_config(data).model_dump(mode="json")
    cfg["release"] = RELEASE
    (data / CONFIG_FILE).write_text(CentreConfig.model_validate(cfg).model_dump_json())
    centre_app = create_app(ServiceConfig(data, database=str(tmp_path / "c.sqlite3")))
    layers = {n: {"label": lab, "colour": c} for n, (lab, c) in LAYERS.items()}
    with serving(centre_app) as centre_url:
        feed = LiveFeed(centre_url, "nato", party_key_path(data, "nato").read_bytes()).start()
        try:
            with serving(create_view_app([], layers, feed)) as url:
                context = browser.new_context()
                page = context.new_page()
                page.requests = []
                context.route("**/*", lambda r: (page.requests.append(r.request),
                                                 r.continue_() if r.request.url.startswith(url) else r.abort()))
                page.goto(url)
                page.wait_for_function("window.openbmdView.ready && window.openbmdView.liveUpdates > 0",
                                       timeout=15000)
                clients = {p: ExchangeClient(centre_url, p, party_key_path(data, p).read_bytes()) for p in
                           ("russia", "china")}
                yield page, clients, data
                for c in clients.values():
                    c.close()
                context.close()
        finally:
            feed.stop()


def test_a_released_track_shows_and_an_unreleased_one_never_does(live_page):
    page, clients, data = live_page
    assert page.locator("#layer-tracks circle").count() == 0
    clients["china"].submit("track_report", _track("china-secret-7", 10.0, 100.0))
    clients["russia"].submit("track_report", _track("r-1", 52.0, 30.0))
    page.wait_for_function("document.querySelectorAll('#layer-tracks circle').length > 0", timeout=10_000)
    page.wait_for_function("document.querySelectorAll('#layer-impacts circle').length > 0", timeout=10_000)
    state = page.evaluate("window.openbmdView.scene.features")
    tracks = [f for f in state if f["layer"] == "tracks"]
    assert len(tracks) == 1 and tracks[0]["figures"]["members"] == "russia:r-1"
    assert tracks[0]["lat_deg"] == pytest.approx(52.0, abs=1e-6)
    assert tracks[0]["alt_m"] == pytest.approx(300e3, abs=1.0)
    impact = next(f for f in state if f["layer"] == "impacts" and f["type"] == "point")
    assert impact["lat_deg"] > 52.0  # flying north
    assert impact["figures"]["ellipse_95_semi_major_m"] > 1000.0  # 1 km sigma at 300 km grows on the way down
    assert "china" not in page.content() and "china-secret-7" not in str(state)
    assert "live as nato: 1 track" in page.inner_text("#status")


def test_the_page_never_holds_the_key(live_page):
    page, clients, data = live_page
    key = party_key_path(data, "nato").read_text()
    body = "".join(line for line in key.splitlines() if "PRIVATE KEY" not in line)
    assert body and body[:40] not in page.content()
    for r in page.requests:
        assert not any(h.lower().startswith("x-openbmd") for h in r.headers)
        assert r.url.startswith("http://127.0.0.1:")
    scene = page.evaluate("JSON.stringify(window.openbmdView.scene)")
    assert body[:40] not in scene and "signature" not in scene.lower()


def test_the_impact_ellipse_has_its_semi_axes():
    earth = wgs84()
    ring = ellipse_ring(50.0, 20.0, 40e3, 10e3, math.radians(30.0), earth)
    from pyproj import Geod

    g = Geod(ellps="WGS84")
    _, _, d = g.inv(np.full(len(ring), 20.0), np.full(len(ring), 50.0), ring[:, 0], ring[:, 1])
    assert d.max() == pytest.approx(40e3, rel=1e-3) and d.min() == pytest.approx(10e3, rel=1e-2)
    az, _, _ = g.inv(20.0, 50.0, ring[0, 0], ring[0, 1])
    assert az == pytest.approx(30.0, abs=0.1)
    area = abs(g.polygon_area_perimeter(ring[:, 0], ring[:, 1])[0])
    assert area == pytest.approx(math.pi * 40e3 * 10e3, rel=1e-2)
