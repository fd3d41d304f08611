"""Text to objects for the commands, and domain errors back to the flag that caused them.

Domain code names what is wrong by its own parameter or field (``sites``, ``target``,
``modes``); only here, in ``cli/``, do those names become flags (``--site``, ``--to``).
"""

from __future__ import annotations

from openbmd.cli.units import parse_quantity
from openbmd.errors import InputError, UnknownNameError, renamed_arguments

__all__ = ["flags", "point", "entry", "opt_quantity", "positive_int", "catalog_option", "catalog"]


flags = renamed_arguments
"""``with flags({"sites": "--site"}):`` re-raises a domain :class:`InputError` under the flag that set it."""


def catalog_option(what: str = "add or override missiles, interceptors, sensors or places"):
    """The ``--catalog FILE`` option (repeatable) shared by every command that reads the catalog."""
    import typer

    return typer.Option(None, "--catalog", help=f"Extra catalog YAML (repeatable): {what}. Same format and "
                                                "validation as the shipped data.")


def catalog(files):
    """The shipped catalog plus the ``--catalog`` files; a bad file is one line ``file:line:column: ...``."""
    from openbmd.catalog import Catalog

    return Catalog.load(extra=files or ())


def point(catalog, text: str, flag: str) -> tuple[float, float, str]:
    """``(lat_deg, lon_deg, label)`` of a catalog place or ``"lat,lon"`` given with ``flag``."""
    if not (text or "").strip():
        raise InputError("is empty; give a catalog place or 'lat,lon' in degrees", flag)
    return catalog.point(text, flag)


def entry(catalog, kind: str, name: str, flag: str):
    """The catalog entry of ``kind`` (``missile``, ``interceptor``, ...) called ``name``, given with ``flag``."""
    if not (name or "").strip():
        raise InputError(f"is empty; give a catalog {kind} name", flag)
    try:
        return getattr(catalog, kind)(name.strip())
    except UnknownNameError as exc:
        raise UnknownNameError(str(exc), flag) from None


def opt_quantity(text: str | None, kind: str, flag: str, *, positive: bool = True,
                 non_negative: bool = False) -> float | None:
    """An optional quantity in SI; ``positive`` refuses ≤ 0, ``non_negative`` refuses < 0."""
    if text is None:
        return None
    value = parse_quantity(text, kind, flag, positive=positive and not non_negative)
    if non_negative and value < 0.0:
        raise InputError(f"must not be negative, got {text!r}", flag)
    return value


def positive_int(value: int | None, flag: str, *, minimum: int = 1) -> int | None:
    """``value`` unless it is below ``minimum``."""
    if value is not None and value < minimum:
        raise InputError(f"must be at least {minimum}, got {value}", flag)
    return value


class OutputError(InputError):
    """An output path that cannot be written: a runtime failure (exit 1), not a usage error."""


def output_file(path, flag: str):
    """``path`` if a file can be written there (its folder is made); else :class:`OutputError` naming ``flag``."""
    return _writable(path, flag, folder=False)


def output_folder(path, flag: str):
    """``path`` if it is, or can be made, a writable folder; else :class:`OutputError` naming ``flag``."""
    return _writable(path, flag, folder=True)


def _writable(path, flag: str, *, folder: bool):
    import os
    from pathlib import Path

    if path is None:
        return None
    p = Path(path)
    if not folder and p.is_dir():
        raise OutputError(f"{str(p)!r} is a folder; give a file name", flag)
    if folder and p.exists() and not p.is_dir():
        raise OutputError(f"{str(p)!r} is a file; give a folder", flag)
    where = p if folder else p.parent
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {str(where)!r}: {exc.strerror or exc}", flag) from None
    if not os.access(where, os.W_OK):
        raise OutputError(f"cannot write in {str(where)!r}: permission denied", flag)
    return p
