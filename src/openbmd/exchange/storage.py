"""Storage of the log behind one small interface, with the release policy applied at the query.

Two backends implement :class:`Storage`: SQLite (:mod:`openbmd.exchange.store_sqlite`, the
default, a file in the data directory) and PostgreSQL (:mod:`openbmd.exchange.store_postgres`).
:func:`open_storage` picks one from a URL.

One call of :meth:`Storage.append` is one durable transaction: the message rows (each also a
Merkle leaf), the senders' last sequence numbers and the signed tree head that covers them. It
returns only once the transaction is on disk, so whoever acknowledges after it acknowledges
durable data. The tree head of every batch is kept, so every head the centre ever returned can
be fetched again and checked.

Each message is kept as two documents: the leaf data (the RFC 8785 signed envelope, which holds
the field commitments but no body value and no salt) and the opening (compact JSON ``{body, salts}``,
not hashed).

The release policy is applied in one place, :meth:`Storage.released`: the SQL query selects only
the (sender, kind) pairs released to the reader, and the same method drops the withheld body
fields and their salts before anything leaves storage.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openbmd.exchange.config import ReleasePolicy
from openbmd.exchange.treehead import TreeHead

__all__ = ["StoredMessage", "ReleasedMessage", "Storage", "StorageError", "open_storage"]

Pairs = dict[tuple[str, str], tuple[str, ...]]


class StorageError(RuntimeError):
    """The database refused or lost a write, or holds something inconsistent."""


@dataclass(frozen=True)
class StoredMessage:
    """One accepted message: its log position, routing fields, the leaf data and the opening.

    ``envelope`` is the RFC 8785 JSON of the signed envelope (with its commitments and signature),
    the leaf's data; ``opened`` is the compact JSON of ``{body, salts}``; ``received_ms`` is the
    centre's clock at acceptance, Unix ms.
    """

    leaf_index: int
    sender: str
    kind: str
    sequence: int
    timestamp: int
    received_ms: int
    envelope: bytes
    opened: bytes
    leaf_hash: bytes

    def body(self) -> dict[str, Any]:
        """The whole body, every field (centre-side checks only: no release policy)."""
        return json.loads(self.opened)["body"]

    def release(self, withheld: tuple[str, ...]) -> dict[str, Any]:
        """The signed envelope with ``body`` and ``salts`` of every field not ``withheld``."""
        env = json.loads(self.envelope)
        opened = json.loads(self.opened)
        for part in ("body", "salts"):
            env[part] = {k: v for k, v in opened[part].items() if k not in withheld}
        return env


@dataclass(frozen=True)
class ReleasedMessage:
    """A message as one reader may see it: withheld body fields and their salts are removed, and
    the fields are listed in ``withheld_fields`` (their commitments stay in the signed envelope).
    ``received_ms`` is the timestamp of the first signed head that covers the leaf."""

    leaf_index: int
    received_ms: int
    envelope: dict[str, Any]
    withheld_fields: tuple[str, ...] = field(default=())
    sender: str = ""
    kind: str = ""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form for the API; ``sender`` and ``kind`` are the stored routing columns
        (a reader checks them against the signed envelope)."""
        return {"leaf_index": self.leaf_index, "received_ms": self.received_ms, "sender": self.sender,
                "kind": self.kind, "envelope": self.envelope, "withheld_fields": list(self.withheld_fields)}


class Storage(ABC):
    """What the centre needs from a database. Backends implement the abstract methods."""

    @abstractmethod
    def append(self, messages: Sequence[StoredMessage], head: TreeHead) -> None:
        """Store messages, their senders' last sequences and ``head`` in one durable transaction."""

    @abstractmethod
    def last_sequences(self) -> dict[str, int]:
        """``{sender: last accepted sequence}``."""

    @abstractmethod
    def latest_head(self) -> TreeHead | None:
        """The most recent signed tree head, or ``None`` for an empty log."""

    @abstractmethod
    def head(self, tree_size: int) -> TreeHead | None:
        """The stored head for ``tree_size``, if the centre ever signed one."""

    @abstractmethod
    def heads(self, after: int = -1, limit: int | None = None) -> list[TreeHead]:
        """Stored heads of size above ``after``, by tree size (at most ``limit``)."""

    @abstractmethod
    def scan(self, after: int = -1, limit: int = 5000) -> list[StoredMessage]:
        """Messages with ``leaf_index > after``, in log order, every column (no policy: audits)."""

    reconnected: int = 0
    """How often the writer had to reconnect (and re-take its lock) since opening."""

    def ready(self) -> bool:
        """Whether a write could succeed now (a backend that can lose its connection says no)."""
        return True

    def prepare_write(self) -> None:
        """Make sure the next write can go ahead (reconnect, re-take the lock); raises :class:`StorageError`."""

    @abstractmethod
    def message(self, leaf_index: int) -> StoredMessage | None:
        """One message by leaf index (no policy: for the centre's own checks)."""

    @abstractmethod
    def _select(self, pairs: Sequence[tuple[str, str]], after: int, limit: int,
                leaf_index: int | None) -> list[StoredMessage]:
        """Messages whose (sender, kind) is in ``pairs``, ``leaf_index > after``, in log order."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    def released(self, reader: str, policy: ReleasePolicy, after: int = -1, limit: int = 100,
                 kind: str | None = None, leaf_index: int | None = None) -> list[ReleasedMessage]:
        """What ``policy`` releases to ``reader``: the one place the release policy is applied.

        ``after`` is the last leaf index already seen (-1 for the start); ``leaf_index`` picks
        one message.
        """
        allowed: Pairs = policy.released(reader)
        pairs = sorted(p for p in allowed if kind is None or p[1] == kind)
        if not pairs or limit <= 0:
            return []
        out = []
        for m in self._select(pairs, after, limit, leaf_index):
            omit = allowed[(m.sender, m.kind)]
            out.append(ReleasedMessage(m.leaf_index, m.received_ms, m.release(omit), omit, m.sender, m.kind))
        return out

    def approvals(self, proposal_leaf_index: int, senders: Sequence[str]) -> list[StoredMessage]:
        """Every engagement approval from ``senders`` that names the proposal at that leaf.

        A centre-side check (no release policy): the decision status is the same for all.
        """
        pairs = sorted((s, "engagement_approval") for s in senders)
        out: list[StoredMessage] = []
        after = proposal_leaf_index
        while pairs:
            page = self._select(pairs, after, 1000, None)
            for m in page:
                if m.body().get("proposal_leaf_index") == proposal_leaf_index:
                    out.append(m)
            if len(page) < 1000:
                break
            after = page[-1].leaf_index
        return out

    def __enter__(self) -> "Storage":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_storage(url: str | None, data_dir: Path | None = None) -> Storage:
    """Open a backend: ``postgresql://...`` for PostgreSQL, else a SQLite path or ``sqlite:///path``.

    A ``schema=NAME`` query parameter on a PostgreSQL URL keeps the tables in that schema.

    ``None`` means ``DATA_DIR/exchange.sqlite3``. A ``sqlite:///path?synchronous=OFF`` URL weakens
    durability (the power-loss test's control run; never for a real centre).
    """
    if url and url.startswith(("postgresql://", "postgres://")):
        from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

        from openbmd.exchange.store_postgres import PostgresStorage

        parts = urlsplit(url)
        query = parse_qsl(parts.query)
        schema = next((v for k, v in query if k == "schema"), None)
        rest = urlencode([(k, v) for k, v in query if k != "schema"])
        return PostgresStorage(urlunsplit(parts._replace(query=rest)), schema=schema)
    from openbmd.exchange.store_sqlite import SqliteStorage

    if url is None:
        if data_dir is None:
            raise ValueError("give a database URL or a data directory")
        return SqliteStorage(Path(data_dir) / "exchange.sqlite3")
    if url.startswith("sqlite:///"):
        path, _, query = url[len("sqlite:///"):].partition("?")
        options = dict(kv.split("=", 1) for kv in query.split("&") if "=" in kv)
        return SqliteStorage(Path(path), synchronous=options.get("synchronous", "FULL"))
    return SqliteStorage(Path(url))
