"""PostgreSQL backend through psycopg 3: same tables and behaviour as the SQLite one.

Durability comes from PostgreSQL's defaults, which we pin per connection
(``synchronous_commit = on``): ``COMMIT`` returns once the WAL is flushed. ``schema`` puts the
tables in their own schema (tests use one per run). A session advisory lock, keyed by schema,
keeps a second centre off the same tables; PostgreSQL drops it when the holder's connection
goes, so a crashed centre does not block its restart for long.
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
    """The log in PostgreSQL at ``url`` (``postgresql://user:pass@host:port/db``)."""

    _PH = "%s"

    def __init__(self, url: str, schema: str | None = None, lock_wait_s: float = 15.0) -> None:
        if schema is not None and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
            raise ValueError(f"bad schema name {schema!r}")
        self.schema = schema
        try:
            self._w = self._connect(url)
            self._r = self._connect(url)
        except psycopg.Error as exc:
            raise StorageError(f"cannot connect to PostgreSQL: {exc}") from exc
        key = zlib.crc32(f"openbmd.exchange:{schema or ''}".encode())
        deadline = time.monotonic() + lock_wait_s
        while not self._w.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
            if time.monotonic() > deadline:
                self._w.close()
                self._r.close()
                raise StorageError(f"another centre is using this database (schema {schema or 'default'})")
            time.sleep(0.1)
        with self._w.transaction():
            self._w.execute(SCHEMA)
        self._wlock = threading.Lock()
        self._rlock = threading.Lock()

    def _connect(self, url: str) -> psycopg.Connection:
        con = psycopg.connect(url, autocommit=True)
        con.execute("SET synchronous_commit = on")
        if self.schema:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            con.execute(f"SET search_path TO {self.schema}")
        return con

    def append(self, messages: Sequence[StoredMessage], head: TreeHead) -> None:
        rows, last = message_rows(messages), last_sequence_rows(messages)
        with self._wlock:
            try:
                with self._w.transaction(), self._w.cursor() as cur:
                    if rows:
                        cur.executemany(insert_messages_sql("%s"), rows)
                    if last:
                        cur.executemany(
                            "INSERT INTO senders (sender, last_sequence) VALUES (%s, %s) ON CONFLICT (sender) "
                            "DO UPDATE SET last_sequence = GREATEST(senders.last_sequence, excluded.last_sequence)",
                            last)
                    cur.execute("INSERT INTO tree_heads VALUES (%s,%s,%s,%s,%s)", head_row(head))
            except psycopg.Error as exc:
                raise StorageError(f"postgres append failed: {exc}") from exc

    def _query(self, sql: str, args: Sequence = ()) -> list[tuple]:
        with self._rlock:
            try:
                return self._r.execute(sql, args).fetchall()
            except psycopg.Error as exc:
                raise StorageError(f"postgres query failed: {exc}") from exc

    def drop(self) -> None:
        """Drop this storage's schema (tests only; needs ``schema``)."""
        if not self.schema:
            raise StorageError("drop() needs a dedicated schema")
        with self._wlock:
            self._w.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")

    def close(self) -> None:
        with self._wlock, self._rlock:
            self._w.close()
            self._r.close()
