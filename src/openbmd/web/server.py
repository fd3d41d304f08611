"""The small server behind ``openbmd view``: the page, its vendored assets, the scenes and the map data.

It listens on loopback only and serves nothing it did not ship or was not given: the page and
its JavaScript from ``static/``, Natural Earth land and countries from :mod:`openbmd.earth`'s data,
and the scenes as JSON. It takes scenes as plain ``openbmd-scene`` documents (the CLI reads the
files), so it imports no other openbmd package. Routes:

- ``/`` the page; ``/static/...`` its assets;
- ``/api/scene``: every scene given, merged (the ``openbmd-scene`` document) with ``layers`` styles
  and the scenes' ``panels`` (the mode comparison, a replay's event log);
- ``/api/world/{land,countries}``: Natural Earth 110m GeoJSON (gzip-encoded as shipped);
- ``/api/live`` (live mode): server-sent events, the party's fused picture as scene features each
  time it changes (see :mod:`openbmd.web.live`: this server signs the requests to the centre).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Sequence

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

STATIC = Path(__file__).parent / "static"
HOST = "127.0.0.1"


def scene_payload(scenes: Sequence[dict[str, Any]], layers: dict[str, Any]) -> dict[str, Any]:
    """What the page loads: the scenes' features in one document (the first one's epoch), with the
    layers' legend labels and colours."""
    return {"format": "openbmd-scene", "version": 1,
            "title": " + ".join(s.get("title", "") for s in scenes) or "nothing loaded",
            "epoch": scenes[0]["epoch"] if scenes else "2000-01-01T12:00:00.000Z",
            "features": [f for s in scenes for f in s.get("features", [])], "layers": layers,
            "panels": [x for s in scenes for x in s.get("panels", [])]}


def create_view_app(scenes: Sequence[dict[str, Any]], layers: dict[str, Any], live: Any = None) -> FastAPI:
    """The view's app over fixed ``scenes`` (``openbmd-scene`` documents); ``layers`` maps each layer
    name to its ``label`` and ``colour``; ``live``, a started :class:`~openbmd.web.live.LiveFeed`."""
    app = FastAPI(title="openbmd view", docs_url=None, redoc_url=None, openapi_url=None)
    payload = scene_payload(scenes, layers)
    if live is not None:
        payload["live"] = {"party": live.party, "centre": live.base_url}
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-store"})

    @app.get("/api/scene")
    def scene() -> JSONResponse:
        return JSONResponse(payload)

    @app.get("/api/world/{kind}")
    def world(kind: str) -> Response:
        if kind not in ("land", "countries"):
            raise HTTPException(404, f"no map layer {kind!r}")
        # Read as package data (openbmd/earth/data), without importing the earth package's code.
        data = resources.files("openbmd").joinpath("earth", "data", f"{kind}-110m.geojson.gz").read_bytes()
        return Response(data, media_type="application/geo+json",
                        headers={"content-encoding": "gzip", "cache-control": "max-age=3600"})

    @app.get("/api/live")
    async def live_stream(request: Request) -> StreamingResponse:
        if live is None:
            raise HTTPException(404, "not in live mode (openbmd view --centre URL --data DIR --as PARTY)")

        async def events():
            seen = -1
            yield b": openbmd live picture\n\n"
            while not await request.is_disconnected():
                version, doc = await run_in_threadpool(live.wait, seen, 1.0)
                if version != seen:
                    seen = version
                    yield f"id: {version}\nevent: picture\ndata: {json.dumps(doc)}\n\n".encode()
                else:
                    yield b": still here\n\n"

        return StreamingResponse(events(), media_type="text/event-stream", headers={"cache-control": "no-store"})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    return app


@contextlib.contextmanager
def serving(app: FastAPI, port: int = 0) -> Iterator[str]:
    """Run ``app`` on 127.0.0.1:``port`` (0: any free port) in a thread; yield its URL; stop on exit."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False,
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the view server did not start")
            thread.join(0.01)
        yield f"http://{HOST}:{sock.getsockname()[1]}/"
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()
