"""Making and saving matplotlib figures without pyplot, a display or global state.

Figures are plain :class:`matplotlib.figure.Figure` objects (rendered with
Agg when saved), so they are safe in scripts, tests, threads and servers.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from openbmd.errors import InputError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: File suffix -> matplotlib format, for the formats reports use.
FORMATS: Mapping[str, str] = MappingProxyType({".png": "png", ".svg": "svg", ".pdf": "pdf"})

# Leave out dates and versions that would make two runs' files differ.
_METADATA: Mapping[str, Mapping[str, None]] = MappingProxyType({
    "png": MappingProxyType({"Software": None}),
    "svg": MappingProxyType({"Date": None, "Creator": None}),
    "pdf": MappingProxyType({"CreationDate": None, "Creator": None, "Producer": None}),
})


def new_figure(width_in: float = 10.0, height_in: float = 6.0) -> Figure:
    """A new figure of *width_in* x *height_in* inches with constrained layout, outside pyplot."""
    from matplotlib.figure import Figure as _Figure

    return _Figure(figsize=(width_in, height_in), layout="constrained")


def save_figure(fig: Figure, path: str | os.PathLike[str], *, dpi: float = 150.0) -> Path:
    """Write *fig* to *path* (``.png``, ``.svg`` or ``.pdf``) and return the path.

    Parent directories are made as needed. The file is written beside its
    final place and then renamed over it, so a reader never sees half a file
    and a failure leaves any old file untouched. Dates and software versions
    are left out of the file's metadata, so the same figure gives the same
    bytes. Raises :class:`~openbmd.errors.InputError` for an unknown suffix.
    """
    target = Path(path)
    fmt = FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise InputError(f"cannot save a figure as {target.name!r}; use one of "
                         f"{', '.join(FORMATS)}", "path")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix,
                                    dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fig.savefig(fh, format=fmt, dpi=dpi, metadata=dict(_METADATA[fmt]),
                        facecolor="white")
        if tmp.stat().st_size == 0:
            raise OSError(f"matplotlib wrote an empty {fmt} file for {target}")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
