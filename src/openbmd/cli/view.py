"""``openbmd view``: the local situation display (placeholder until the web package lands)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add ``view`` to the ``openbmd`` app."""
