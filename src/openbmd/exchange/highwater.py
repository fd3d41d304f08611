"""The signed high-water mark: the latest tree head the centre signed, kept outside the database.

A store can go backwards without a word: a zero-length database file, a ``-wal`` deleted after a
crash, rows deleted by hand, a restored backup. The centre therefore also writes each new head,
before it acknowledges the batch, to ``DIR/state/head-a.json`` and ``head-b.json`` in turn (one
``pwrite`` of a fixed-size, space-padded record over the older slot: a few microseconds, where a
temporary file and a rename cost a millisecond), and at start-up refuses a store that is
shorter than, or not a prefix of, the newest of them. Like Trillian's and Rekor's "never go
backwards" rule, it is a check against the log's own past, not a second copy of the log.

The files are written after the database commit and before the answer, without ``fsync``: a
process crash loses nothing (the page cache survives it); a power loss may leave the mark one
batch older than the store, which the check allows (the store may be ahead, never behind).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from openbmd.exchange.config import STATE_DIR
from openbmd.exchange.treehead import TreeHead

__all__ = ["HighWaterMark"]

_SLOTS = ("head-a.json", "head-b.json")
_RECORD = 1024
"""Bytes per slot write: a head's JSON is about 250, padded with spaces."""


class HighWaterMark:
    """The newest signed head of the centre in ``data_dir`` (two alternating slot files)."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = Path(data_dir) / STATE_DIR
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._next = 0
        self._fds: list[int] | None = None

    def paths(self) -> list[Path]:
        """The slot files."""
        return [self.dir / name for name in _SLOTS]

    def load(self) -> TreeHead | None:
        """The largest head in a readable slot, or ``None`` when no slot holds one."""
        best: tuple[int, int, int] | None = None
        head = None
        for i, path in enumerate(self.paths()):
            try:
                h = TreeHead.model_validate_json(path.read_bytes())
            except (OSError, ValueError):
                continue  # missing, or torn by a power loss: the other slot stands
            rank = (h.tree_size, h.timestamp, i)
            if best is None or rank > best:
                best, head = rank, h
                self._next = 1 - i
        return head

    def store(self, head: TreeHead, head_json: bytes | None = None) -> None:
        """Write ``head`` (whose JSON text the caller may pass) over the older slot."""
        if self._fds is None:
            self._fds = [os.open(p, os.O_WRONLY | os.O_CREAT, 0o600) for p in self.paths()]
        record = (head_json or json.dumps(head.model_dump(), separators=(",", ":")).encode()).ljust(_RECORD)
        os.pwrite(self._fds[self._next], record, 0)
        self._next = 1 - self._next

    def close(self) -> None:
        """Close the slot files."""
        for fd in self._fds or ():
            os.close(fd)
        self._fds = None
