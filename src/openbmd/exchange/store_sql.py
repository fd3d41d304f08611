"""What the SQL backends share: the tables, the row mapping and every read query.

A backend subclasses :class:`SqlStorage`, sets its parameter placeholder (``?`` or ``%s``) and
supplies ``_query`` and ``append``; the SQL here is portable between SQLite and PostgreSQL.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence

from openbmd.exchange.storage import Storage, StoredMessage
from openbmd.exchange.treehead import TreeHead

__all__ = ["SqlStorage", "schema_sql", "message_rows", "last_sequence_rows", "head_row", "insert_messages_sql",
           "COLUMNS"]

COLUMNS = "leaf_index, sender, kind, sequence, timestamp, received_ms, envelope, opened, leaf_hash"


def insert_messages_sql(placeholder: str) -> str:
    """``INSERT INTO messages`` of one row, with the backend's parameter ``placeholder``."""
    return f"INSERT INTO messages ({COLUMNS}) VALUES ({','.join([placeholder] * len(COLUMNS.split(',')))})"


def schema_sql(integer: str, blob: str) -> str:
    """``CREATE TABLE IF NOT EXISTS`` statements with the backend's integer and blob types."""
    return f"""
CREATE TABLE IF NOT EXISTS messages (
    leaf_index  {integer} PRIMARY KEY,
    sender      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    sequence    {integer} NOT NULL,
    timestamp   {integer} NOT NULL,
    received_ms {integer} NOT NULL,
    envelope    {blob} NOT NULL,
    opened      {blob} NOT NULL,
    leaf_hash   {blob} NOT NULL,
    UNIQUE (sender, sequence)
);
CREATE TABLE IF NOT EXISTS senders (
    sender        TEXT PRIMARY KEY,
    last_sequence {integer} NOT NULL
);
CREATE TABLE IF NOT EXISTS tree_heads (
    tree_size {integer} PRIMARY KEY,
    root_hash TEXT NOT NULL,
    timestamp {integer} NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL
);
"""


def message_rows(messages: Sequence[StoredMessage]) -> list[tuple]:
    """Rows for ``INSERT INTO messages (COLUMNS)``."""
    return [(m.leaf_index, m.sender, m.kind, m.sequence, m.timestamp, m.received_ms, m.envelope, m.opened,
             m.leaf_hash) for m in messages]


def last_sequence_rows(messages: Sequence[StoredMessage]) -> list[tuple[str, int]]:
    """``(sender, highest sequence in this batch)`` rows for the ``senders`` upsert."""
    last: dict[str, int] = {}
    for m in messages:
        last[m.sender] = max(last.get(m.sender, 0), m.sequence)
    return list(last.items())


def head_row(head: TreeHead) -> tuple:
    """The ``tree_heads`` row of a signed head."""
    return (head.tree_size, head.root_hash, head.timestamp, head.key_id, head.signature)


def _head(row: tuple | None) -> TreeHead | None:
    if row is None:
        return None
    return TreeHead(tree_size=row[0], root_hash=row[1], timestamp=row[2], key_id=row[3], signature=row[4])


def _msg(row: tuple) -> StoredMessage:
    return StoredMessage(row[0], row[1], row[2], row[3], row[4], row[5], bytes(row[6]), bytes(row[7]), bytes(row[8]))


class SqlStorage(Storage):
    """The read side of a SQL backend; subclasses set ``_PH`` and implement ``_query``."""

    _PH = "?"

    @abstractmethod
    def _query(self, sql: str, args: Sequence = ()) -> list[tuple]:
        """Run one read query and return all rows."""

    def last_sequences(self) -> dict[str, int]:
        return dict(self._query("SELECT sender, last_sequence FROM senders"))

    def latest_head(self) -> TreeHead | None:
        rows = self._query("SELECT * FROM tree_heads ORDER BY tree_size DESC LIMIT 1")
        return _head(rows[0] if rows else None)

    def head(self, tree_size: int) -> TreeHead | None:
        rows = self._query(f"SELECT * FROM tree_heads WHERE tree_size = {self._PH}", (tree_size,))
        return _head(rows[0] if rows else None)

    def heads(self, after: int = -1, limit: int | None = None) -> list[TreeHead]:
        p = self._PH
        sql = f"SELECT * FROM tree_heads WHERE tree_size > {p} ORDER BY tree_size"
        if limit is None:
            return [_head(r) for r in self._query(sql, (after,))]
        return [_head(r) for r in self._query(sql + f" LIMIT {p}", (after, limit))]

    def scan(self, after: int = -1, limit: int = 5000) -> list[StoredMessage]:
        p = self._PH
        return [_msg(r) for r in self._query(
            f"SELECT {COLUMNS} FROM messages WHERE leaf_index > {p} ORDER BY leaf_index LIMIT {p}", (after, limit))]

    def message(self, leaf_index: int) -> StoredMessage | None:
        rows = self._query(f"SELECT {COLUMNS} FROM messages WHERE leaf_index = {self._PH}", (leaf_index,))
        return _msg(rows[0]) if rows else None

    def _select(self, pairs: Sequence[tuple[str, str]], after: int, limit: int,
                leaf_index: int | None) -> list[StoredMessage]:
        p = self._PH
        values = ",".join(f"({p},{p})" for _ in pairs)
        args: list = [x for pair in pairs for x in pair]
        where = f"(sender, kind) IN (VALUES {values}) AND leaf_index > {p}"
        args.append(after)
        if leaf_index is not None:
            where += f" AND leaf_index = {p}"
            args.append(leaf_index)
        args.append(limit)
        return [_msg(r) for r in self._query(
            f"SELECT {COLUMNS} FROM messages WHERE {where} ORDER BY leaf_index LIMIT {p}", args)]
