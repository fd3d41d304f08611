"""The centre's own documentation pages, served offline: Swagger UI at ``/docs`` and ReDoc at ``/redoc``.

Their JavaScript and CSS ship in ``static/`` (swagger-ui-dist 5.35.0, Apache-2.0; redoc 2.5.4, MIT;
from the npm registry, pinned in ``vendor/package-lock.json``), served by FastAPI's recipe for
self-hosted docs assets, so no page asks a CDN for anything.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
PREFIX = "/static/docs"


def add_offline_docs(app: FastAPI) -> None:
    """Serve ``/docs`` and ``/redoc`` from the package (create the app with ``docs_url=None, redoc_url=None``)."""
    app.mount(PREFIX, StaticFiles(directory=STATIC), name="docs-assets")
    favicon = f"{PREFIX}/swagger-ui/favicon-32x32.png"

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
