"""``openbmd view``: the local situation display, on 127.0.0.1 only, working with no network."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typer

HELP = """Show results on a local map page: layers, a time slider, a flat map and a globe.

Example: openbmd engage ... --export out/engage.scene.json
         openbmd view out/engage.scene.json out/footprint.scene.json --open

RESULTS are scene files (--export x.scene.json on trajectory, engage, footprint, assure,
exercise run) or the --json output of trajectory (with --samples N) and engage. The page
and its map data ship in the package; it listens on 127.0.0.1 only. Ctrl-C stops it.
"""


def view(
    results: list[Path] = typer.Argument(None, help="Scene files or --json results to show."),
    port: int = typer.Option(8765, "--port", help="Port on 127.0.0.1 (0: any free port)."),
    open_browser: bool = typer.Option(False, "--open", help="Open the page in the default browser."),
) -> None:
    from openbmd.errors import InputError
    from openbmd.report.exports import LAYERS, read_scene
    from openbmd.web.server import create_view_app, serving

    if not 0 <= port <= 65535:
        raise InputError("must be between 0 and 65535", "--port")
    scenes = [read_scene(p).to_json() for p in results or []]
    layers = {name: {"label": label, "colour": colour} for name, (label, colour) in LAYERS.items()}
    try:
        with serving(create_view_app(scenes, layers), port) as url:
            print(f"openbmd view: {url} (Ctrl-C stops)", file=sys.stderr, flush=True)
            if open_browser:
                import webbrowser

                webbrowser.open(url)
            while True:
                time.sleep(3600)
    except OSError as exc:
        raise InputError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}", "--port") from None
    except KeyboardInterrupt:
        pass


def register(app: typer.Typer) -> None:
    """Add ``view`` to the ``openbmd`` app."""
    app.command("view", help=HELP)(view)
