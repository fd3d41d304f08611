"""SQLite backend: one file, WAL journal, ``synchronous=FULL`` so a commit survives power loss.

One connection writes (the centre's single writer thread); another, behind a lock, reads. An
exclusive lock on ``FILE.lock`` keeps a second centre off the same file: the centre holds the
Merkle tree in memory, so it must be the only writer. The lock is taken on the resolved path, so
a symlink to the file meets the same lock. The kernel drops the lock if the process dies, so a
restart after a crash is not blocked. The database is created mode 0600 (SQLite gives its
``-wal`` and ``-shm`` files the database's mode): it holds every withheld field.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from openbmd.exchange.config import private_file
from openbmd.exchange.storage import StorageError, StoredMessage
from openbmd.exchange.store_sql import (
    SqlStorage, head_row, insert_messages_sql, last_sequence_rows, message_rows, schema_sql,
)
from openbmd.exchange.treehead import TreeHead

__all__ = ["SqliteStorage"]

SCHEMA = schema_sql("INTEGER", "BLOB")


SYNCHRONOUS = ("FULL", "EXTRA", "NORMAL", "OFF")


def _connect(path: Path, synchronous: str = "FULL") -> sqlite3.Connection:
    con = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30.0)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(f"PRAGMA synchronous={synchronous}")
    con.execute("PRAGMA foreign_keys=ON")
    return con


def _lock_file(path: Path, wait_s: float) -> int | None:
    try:
        import fcntl
    except ImportError:  # not POSIX: no guard
        return None
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                raise StorageError(f"another centre is using {path.with_suffix('')}") from None
            time.sleep(0.05)


class SqliteStorage(SqlStorage):
    """The log in one SQLite file (WAL, ``synchronous=FULL``; anything weaker, for the power-loss
    test's control run only, loses acknowledged messages)."""

    def __init__(self, path: Path, lock_wait_s: float = 10.0, synchronous: str = "FULL") -> None:
        if synchronous.upper() not in SYNCHRONOUS:
            raise StorageError(f"synchronous must be one of {', '.join(SYNCHRONOUS)}, not {synchronous!r}")
        self.path = Path(path).resolve()
        self._lockfd = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lockfd = _lock_file(self.path.with_name(self.path.name + ".lock"), lock_wait_s)
            for suffix in ("", "-wal", "-shm"):
                f = self.path.with_name(self.path.name + suffix)
                if not suffix or f.exists():
                    private_file(f)
            self._w = _connect(self.path, synchronous.upper())
            self._w.executescript(SCHEMA)
            self._r = _connect(self.path)
        except (sqlite3.Error, OSError) as exc:
            if self._lockfd is not None:
                os.close(self._lockfd)
            raise StorageError(f"cannot open the database {self.path}: {exc}") from None
        self._wlock = threading.Lock()
        self._rlock = threading.Lock()

    def append(self, messages: Sequence[StoredMessage], head: TreeHead) -> None:
        with self._wlock:
            con = self._w
            try:
                con.execute("BEGIN IMMEDIATE")
                con.executemany(insert_messages_sql("?"),
                                message_rows(messages))
                con.executemany(
                    "INSERT INTO senders (sender, last_sequence) VALUES (?, ?) ON CONFLICT(sender) "
                    "DO UPDATE SET last_sequence = MAX(last_sequence, excluded.last_sequence)",
                    last_sequence_rows(messages))
                con.execute("INSERT INTO tree_heads VALUES (?,?,?,?,?)", head_row(head))
                con.execute("COMMIT")
            except sqlite3.Error as exc:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise StorageError(f"sqlite append failed: {exc}") from exc

    def _query(self, sql: str, args: Sequence = ()) -> list[tuple]:
        with self._rlock:
            try:
                return self._r.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise StorageError(f"sqlite query failed: {exc}") from exc

    def close(self) -> None:
        with self._wlock, self._rlock:
            self._w.close()
            self._r.close()
            if self._lockfd is not None:
                os.close(self._lockfd)  # releases the lock
                self._lockfd = None
