"""``openbmd view``: the local situation display, on 127.0.0.1 only, working with no network."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Optional

import typer

HELP = """Show results on a local map page: layers, a time slider, flat map, globe.

Example: openbmd engage ... --export out/engage.scene.json
         openbmd view out/engage.scene.json out/footprint.scene.json --open

RESULTS are scene files (--export x.scene.json on trajectory, engage,
footprint, assure and exercise run) or the --json output of trajectory
--samples N, engage, exercise run (the mode comparison chart), exercise
replay (one trial played back with the slider) and threat (range contours).
The page and its map data ship in the package; it listens on 127.0.0.1
only. Ctrl-C stops it.

Live mode: --centre URL --data DIR --as PARTY shows the fused picture PARTY
may see at the exchange centre, as it changes. This process signs the
requests with PARTY's key (from DIR); the page never holds the key.
--centre defaults to the URL in DIR/server.json.
"""


def view(
    results: list[Path] = typer.Argument(None, help="Scene files or --json results to show."),
    port: int = typer.Option(8765, "--port", help="Port on 127.0.0.1 (0: any free port)."),
    open_browser: bool = typer.Option(False, "--open", help="Open the page in the default browser."),
    centre: Optional[str] = typer.Option(None, "--centre", help="Live mode: the exchange centre's URL."),
    data: Optional[Path] = typer.Option(None, "--data", help="Live mode: the centre data directory (keys)."),
    party: Optional[str] = typer.Option(None, "--as", help="Live mode: the party whose picture to show."),
) -> None:
    from openbmd.errors import InputError
    from openbmd.report.exports import LAYERS, read_scene
    from openbmd.web.server import create_view_app, serving

    if not 0 <= port <= 65535:
        raise InputError("must be between 0 and 65535", "--port")
    scenes = [read_scene(p).to_json() for p in results or []]
    layers = {name: {"label": label, "colour": colour} for name, (label, colour) in LAYERS.items()}
    feed = _live_feed(centre, data, party)
    try:
        with serving(create_view_app(scenes, layers, feed), port) as url:
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
    finally:
        if feed is not None:
            feed.stop()


def _live_feed(centre: Optional[str], data: Optional[Path], party: Optional[str]):
    """The live feed for ``--centre/--data/--as``, or None when none is given."""
    import json

    from openbmd.errors import InputError

    if centre is None and data is None and party is None:
        return None
    if data is None or party is None:
        raise InputError("live mode needs --data DIR and --as PARTY", "--data" if data is None else "--as")
    from openbmd.exchange.config import load_config, party_key_path
    from openbmd.web.live import LiveFeed

    from openbmd.cli.resolve import flags

    with flags({"data_dir": "--data"}):
        cfg = load_config(data)
    if cfg.party(party) is None:
        raise InputError(f"unknown party {party!r}; known: {', '.join(p.name for p in cfg.parties)}", "--as")
    key = party_key_path(data, party)
    if not key.exists():
        raise InputError(f"no private key for {party} at {key}", "--as")
    if centre is None:
        srv = data / "server.json"
        if not srv.exists():
            raise InputError(f"no {srv}; give the centre's URL", "--centre")
        centre = json.loads(srv.read_text())["url"]
    return LiveFeed(centre, party, key.read_bytes()).start()


def register(app: typer.Typer) -> None:
    """Add ``view`` to the ``openbmd`` app."""
    app.command("view", help=HELP)(view)
