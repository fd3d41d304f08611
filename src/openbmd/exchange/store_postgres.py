"""PostgreSQL backend through psycopg 3: same tables and behaviour as the SQLite one.

Durability comes from PostgreSQL's defaults, which we pin per connection
(``synchronous_commit = on``): ``COMMIT`` returns once the WAL is flushed. ``schema`` puts the
tables in their own schema (tests use one per run). A session advisory lock, keyed by schema,
keeps a second centre off the same tables; PostgreSQL drops it when the holder's connection
goes, so a crashed centre does not block its restart for long, and a centre whose connection
dropped must take it again before its next write.
"""

from __future__ import annotations

import re
import threading
import time
import zlib
from collections.abc import Sequence

import psycopg

from openbmd.exchange.storage import StorageError, StoredMessage
from openbmd.exchange.store_sql import (
    SqlStorage, head_row, insert_messages_sql, last_sequence_rows, message_rows, schema_sql,
)
from openbmd.exchange.treehead import TreeHead

__all__ = ["PostgresStorage"]

SCHEMA = schema_sql("BIGINT", "BYTEA")


class PostgresStorage(SqlStorage):
    """The log in PostgreSQL at ``url`` (``postgresql://user:pass@host:port/db``).

    A lost connection is not permanent: the next write (or readiness check) reconnects, with
    backoff from 0.1 s to 5 s, and re-takes the advisory lock before it writes anything; while
    it does not hold the lock, writes are refused (:class:`StorageError`, 503) and
    :meth:`ready` is false. Reads reconnect once per query. ``reconnected`` counts the writer's
    reconnections, so the centre knows to check the store against its memory before writing.
    """

    _PH = "%s"

    def __init__(self, url: str, schema: str | None = None, lock_wait_s: float = 15.0,
                 connect_timeout_s: float = 3.0) -> None:
        if schema is not None and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
            raise ValueError(f"bad schema name {schema!r}")
        self.schema = schema
        self._url = url
        self._timeout = max(1, int(connect_timeout_s))
        self._lock_key = zlib.crc32(f"openbmd.exchange:{schema or ''}".encode())
        self._wlock = threading.Lock()
        self._rlock = threading.Lock()
        self._w: psycopg.Connection | None = None
        self._r: psycopg.Connection | None = None
        self._retry_at = 0.0
        self._backoff = 0.1
        self.reconnected = 0
        try:
            self._r = self._connect()
            self._w = self._connect()
        except psycopg.Error as exc:
            self._close_all()
            raise StorageError(f"cannot connect to PostgreSQL: {_line(exc)}") from None
        deadline = time.monotonic() + lock_wait_s
        while not self._try_lock(self._w):
            if time.monotonic() > deadline:
                self._close_all()
                raise StorageError(f"another centre is using this database (schema {schema or 'default'})")
            time.sleep(0.1)
        with self._w.transaction():
            self._w.execute(SCHEMA)

    def _connect(self) -> psycopg.Connection:
        con = psycopg.connect(self._url, autocommit=True, connect_timeout=self._timeout,
                              application_name=f"openbmd-centre:{self.schema or ''}")
        con.execute("SET synchronous_commit = on")
        if self.schema:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            con.execute(f"SET search_path TO {self.schema}")
        return con

    def _try_lock(self, con: psycopg.Connection) -> bool:
        return bool(con.execute("SELECT pg_try_advisory_lock(%s)", (self._lock_key,)).fetchone()[0])

    def _writer(self) -> psycopg.Connection:
        """The write connection, holding the lock; reconnects after a loss (call under ``_wlock``)."""
        con = self._w
        if con is not None and not con.closed and not con.broken:
            return con
        self._w = None
        if con is not None:
            con.close()
        now = time.monotonic()
        if now < self._retry_at:
            raise StorageError("the PostgreSQL connection was lost; reconnecting")
        try:
            con = self._connect()
            if not self._try_lock(con):
                con.close()
                raise StorageError("another centre holds this database's writer lock; writes are refused")
        except (psycopg.Error, StorageError) as exc:
            self._retry_at = now + self._backoff
            self._backoff = min(5.0, self._backoff * 2)
            if isinstance(exc, StorageError):
                raise
            raise StorageError(f"PostgreSQL is unavailable: {_line(exc)}") from None
        self._w, self._backoff = con, 0.1
        self.reconnected += 1
        return con

    def prepare_write(self) -> None:
        with self._wlock:
            self._writer()

    def ready(self) -> bool:
        if not self._wlock.acquire(timeout=0.5):
            return True  # a write is under way on a live connection
        try:
            self._writer().execute("SELECT 1")
            return True
        except (psycopg.Error, StorageError):
            return False
        finally:
            self._wlock.release()

    def append(self, messages: Sequence[StoredMessage], head: TreeHead) -> None:
        rows, last = message_rows(messages), last_sequence_rows(messages)
        with self._wlock:
            con = self._w
            if con is None or con.closed or con.broken:
                raise StorageError("the PostgreSQL connection was lost; the centre reconnects before its next write")
            try:
                with con.transaction(), con.cursor() as cur:
                    if rows:
                        cur.executemany(insert_messages_sql("%s"), rows)
                    if last:
                        cur.executemany(
                            "INSERT INTO senders (sender, last_sequence) VALUES (%s, %s) ON CONFLICT (sender) "
                            "DO UPDATE SET last_sequence = GREATEST(senders.last_sequence, excluded.last_sequence)",
                            last)
                    cur.execute("INSERT INTO tree_heads VALUES (%s,%s,%s,%s,%s)", head_row(head))
            except psycopg.Error as exc:
                raise StorageError(f"postgres append failed: {_line(exc)}") from exc

    def _query(self, sql: str, args: Sequence = ()) -> list[tuple]:
        with self._rlock:
            for attempt in (0, 1):
                try:
                    if self._r is None or self._r.closed or self._r.broken:
                        if self._r is not None:
                            self._r.close()
                        self._r = None
                        self._r = self._connect()
                    return self._r.execute(sql, args).fetchall()
                except psycopg.OperationalError as exc:
                    if attempt or (self._r is not None and not self._r.broken):
                        raise StorageError(f"postgres query failed: {_line(exc)}") from exc
                except psycopg.Error as exc:
                    raise StorageError(f"postgres query failed: {_line(exc)}") from exc
        raise AssertionError("unreachable")

    def drop(self) -> None:
        """Drop this storage's schema (tests only; needs ``schema``)."""
        if not self.schema:
            raise StorageError("drop() needs a dedicated schema")
        with self._wlock:
            self._writer().execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")

    def _close_all(self) -> None:
        for con in (self._w, self._r):
            if con is not None:
                con.close()
        self._w = self._r = None

    def close(self) -> None:
        with self._wlock, self._rlock:
            self._close_all()


def _line(exc: BaseException) -> str:
    """The first line of a driver error."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
