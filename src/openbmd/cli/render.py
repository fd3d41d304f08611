"""Shared output helpers for commands: JSON to stdout, Rich tables for people."""

from __future__ import annotations

import json
import sys

from rich.console import Console


def print_json(data: object) -> None:
    """Machine output: one JSON document on stdout."""
    json.dump(data, sys.stdout, indent=2, allow_nan=False)
    sys.stdout.write("\n")


def console() -> Console:
    """Rich console for people; 120 columns when writing to a pipe or file, so tables are not cut."""
    return Console(highlight=False, width=None if sys.stdout.isatty() else 120)
