"""The centre's own pages, served offline: a status page at ``/``, Swagger UI at ``/docs`` and ReDoc at
``/redoc``.

Their JavaScript and CSS ship in ``static/`` (swagger-ui-dist 5.35.0, Apache-2.0; redoc 2.5.4, MIT;
from the npm registry, pinned in ``vendor/package-lock.json``), served by FastAPI's recipe for
self-hosted docs assets, so no page asks a CDN for anything.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
PREFIX = "/static/docs"


def add_offline_docs(app: FastAPI) -> None:
    """Serve ``/``, ``/docs`` and ``/redoc`` from the package (create the app with ``docs_url=None,
    redoc_url=None``; ``app.state.centre`` is the :class:`~openbmd.exchange.service.Centre`)."""
    app.mount(PREFIX, StaticFiles(directory=STATIC), name="docs-assets")
    favicon = f"{PREFIX}/swagger-ui/favicon-32x32.png"

    @app.get("/", include_in_schema=False)
    def status() -> HTMLResponse:
        centre = app.state.centre
        head = centre.tree_head()
        when = dt.datetime.fromtimestamp(head.timestamp / 1000, dt.timezone.utc).isoformat(timespec="seconds")
        rows = [("Tree size (messages logged)", f"{head.tree_size:,}"),
                ("Root hash (SHA-256, base64)", head.root_hash), ("Last tree head signed", when),
                ("Centre key id", head.key_id),
                ("Parties", ", ".join(p.name for p in centre.config.parties)),
                ("Release rules", str(len(centre.config.release.rules))),
                ("Parity", "on" if centre.config.release.parity else "off")]
        table = "".join(f"<tr><th>{html.escape(k)}</th><td><code>{html.escape(v)}</code></td></tr>" for k, v in rows)
        return HTMLResponse(
            f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(app.title)}</title>"
            f"<link rel=icon href='{favicon}'><style>body{{font:15px system-ui,sans-serif;margin:2rem;max-width:60rem}}"
            f"th{{text-align:left;padding-right:1rem}}td,th{{padding:.2rem 0}}</style></head><body>"
            f"<h1>{html.escape(app.title)}</h1><table>{table}</table>"
            f"<p>API: <a href='/docs'>Swagger UI</a> · <a href='/redoc'>ReDoc</a> · "
            f"<a href='{app.openapi_url}'>OpenAPI JSON</a>. Reads need signed request headers "
            f"(<code>openbmd client</code> signs them).</p></body></html>")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title}: API",
                                   swagger_js_url=f"{PREFIX}/swagger-ui/swagger-ui-bundle.js",
                                   swagger_css_url=f"{PREFIX}/swagger-ui/swagger-ui.css", swagger_favicon_url=favicon)

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title}: API",
                              redoc_js_url=f"{PREFIX}/redoc/redoc.standalone.js", redoc_favicon_url=favicon,
                              with_google_fonts=False)
