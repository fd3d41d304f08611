"""/docs and /redoc are served from the package: every asset they name is local and answers."""

from __future__ import annotations

import re
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from openbmd.exchange.app import ServiceConfig, create_app
from openbmd.exchange.config import init_data_dir


def test_docs_pages_name_only_local_assets(tmp_path):
    init_data_dir(tmp_path / "centre", ["nato", "russia"])
    app = create_app(ServiceConfig(tmp_path / "centre", database=str(tmp_path / "d.sqlite3")))
    with TestClient(app) as tc:
        for page, kinds in (("/docs", {"javascript", "css", "png"}), ("/redoc", {"javascript", "png"})):
            r = tc.get(page)
            assert r.status_code == 200 and "text/html" in r.headers["content-type"]
            urls = re.findall(r'(?:src|href)="([^"]+)"', r.text) + re.findall(r"url: '([^']+)'", r.text)
            assert urls and not [u for u in urls if "//" in u], "nothing from another host"
            seen = set()
            for u in urls:
                got = tc.get(u)
                assert got.status_code == 200, u
                ctype = got.headers["content-type"]
                seen |= {k for k in ("javascript", "css", "png") if k in ctype}
                if u.endswith(".js"):
                    assert len(got.content) > 100_000  # the real bundle, not a stub
            assert kinds <= seen
        assert tc.get("/openapi.json").json()["info"]["title"] == "openbmd exchange centre"
        assert "/docs" not in tc.get("/openapi.json").json()["paths"]


def test_root_is_a_status_page(tmp_path):
    from openbmd.exchange.client import ExchangeClient
    from openbmd.exchange.config import party_key_path
    from openbmd.exchange.messages import example_body
    from openbmd.exchange.service import wall_clock_ms

    init_data_dir(tmp_path / "centre", ["nato", "russia"])
    app = create_app(ServiceConfig(tmp_path / "centre", database=str(tmp_path / "d.sqlite3")))
    with TestClient(app) as tc:
        c = ExchangeClient("http://testserver", "nato", party_key_path(tmp_path / "centre", "nato").read_bytes(),
                           http=tc)
        c.submit("track_report", example_body("track_report", wall_clock_ms()))
        c.submit("track_report", example_body("track_report", wall_clock_ms()))
        r = tc.get("/")
        head = c.tree_head()
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "nato, russia" in r.text and head.root_hash in r.text
    assert "<code>2</code>" in r.text and head.tree_size == 2
    assert not [u for u in re.findall(r"(?:src|href)='([^']+)'", r.text) if "//" in u]
