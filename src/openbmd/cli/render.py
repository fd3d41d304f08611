"""Shared output helpers for commands: JSON to stdout, Rich tables for people."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console

QUIET = typer.Option(False, "--quiet", "-q", help="No progress bar on stderr.")
"""The ``--quiet`` option of every command that shows progress."""


def print_json(data: object) -> None:
    """Machine output: one JSON document on stdout."""
    json.dump(data, sys.stdout, indent=2, allow_nan=False)
    sys.stdout.write("\n")


def console() -> Console:
    """Rich console for people; 120 columns when writing to a pipe or file, so tables are not cut."""
    return Console(highlight=False, width=None if sys.stdout.isatty() else 120)


def save_figure(fig, path) -> None:
    """Write a figure from the API's ``plot()`` to ``path`` (PNG, SVG or PDF by its suffix)."""
    from openbmd.report.figures import save_figure as save

    save(fig, path)
