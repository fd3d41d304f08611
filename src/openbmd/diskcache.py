"""A disk cache of arrays that are expensive to compute and fully determined by their inputs.

Entries are ``.npz`` files (no pickles) under :func:`cache_dir`, named by a hash of a key: a description of
every input that determines the arrays, and a salt from the source of the code that computes them (and the numpy
and numba versions), so that changed code or inputs never reach a stale entry. Each file also holds its key in
full and is checked against it when read; a file that cannot be read, or holds another key, is ignored (and
rewritten by the caller). Files are written whole to a temporary name and renamed, so a reader never sees half a
file.

``OPENBMD_CACHE_DIR`` sets the directory (default ``$XDG_CACHE_HOME/openbmd``, else ``~/.cache/openbmd``);
``OPENBMD_CACHE=off`` (or ``0``, ``no``, ``false``) turns the cache off.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import tempfile
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

_KEY = "__key__"


def enabled() -> bool:
    """Whether the disk cache is on (``OPENBMD_CACHE`` is not ``off``/``0``/``no``/``false``)."""
    return os.environ.get("OPENBMD_CACHE", "").strip().lower() not in ("off", "0", "no", "false")


def cache_dir() -> Path:
    """The cache directory: ``OPENBMD_CACHE_DIR``, else ``$XDG_CACHE_HOME/openbmd``, else ``~/.cache/openbmd``."""
    if os.environ.get("OPENBMD_CACHE_DIR"):
        return Path(os.environ["OPENBMD_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "openbmd"


@functools.lru_cache(maxsize=16)
def code_salt(modules: tuple[str, ...]) -> str:
    """A hash of the source files of ``modules`` (dotted names) and of the numpy and numba versions."""
    import numba

    h = hashlib.sha256(f"numpy {np.__version__} numba {numba.__version__}".encode())
    for name in modules:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        h.update(name.encode())
        h.update(Path(origin).read_bytes() if origin and os.path.exists(origin) else b"?")
    return h.hexdigest()


def _path(kind: str, key: str) -> Path:
    return cache_dir() / kind / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.npz"


def load(kind: str, key: str) -> dict[str, NDArray] | None:
    """The arrays stored under ``key`` in the ``kind`` folder, or None: cache off, no entry, an entry that cannot be
    read, or one written for another key."""
    if not enabled():
        return None
    try:
        with np.load(_path(kind, key), allow_pickle=False) as f:
            if _KEY not in f.files or str(f[_KEY]) != key:
                return None
            return {k: f[k] for k in f.files if k != _KEY}
    except Exception:  # a missing, truncated or foreign file is no entry: the caller computes and rewrites it
        return None


def save(kind: str, key: str, arrays: dict[str, NDArray]) -> None:
    """Store ``arrays`` under ``key`` in the ``kind`` folder, atomically; silently nothing when the cache is off or
    the directory cannot be written."""
    if not enabled():
        return
    path = _path(kind, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                np.savez(out, **{_KEY: np.array(key)}, **arrays)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        return
