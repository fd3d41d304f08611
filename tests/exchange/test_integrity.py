"""What was stored is checked against what was signed: at start-up, by readers, and by `log verify`."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from openbmd.exchange.app import ServiceConfig, create_app
from openbmd.exchange.client import LogRewritten
from openbmd.exchange.merkle import ProofError
from openbmd.exchange.messages import example_body
from openbmd.exchange.signing import SignatureError
from openbmd.exchange.storage import StorageError

from .test_service import centre

PARTIES = ("nato", "russia", "china")


def _logged(tmp_path: Path, n: int = 6) -> str:
    """A closed SQLite centre with ``n`` track reports by nato, one per batch."""
    db = str(tmp_path / "i.sqlite3")
    with centre(tmp_path, db, parties=PARTIES) as (tc, c, clock, cfg):
        for _ in range(n):
            clock.t += 1000
            c["nato"].submit("track_report", example_body("track_report", clock.t))
    return db


def _sql(db: str, *statements: str) -> None:
    con = sqlite3.connect(db)
    for s in statements:
        con.execute(s)
    con.commit()
    con.close()


EDITS = {
    "sender": ("UPDATE messages SET sender = 'china' WHERE leaf_index = 2", "sender column"),
    "kind": ("UPDATE messages SET kind = 'threat_assessment' WHERE leaf_index = 2", "kind column"),
    "received_ms": ("UPDATE messages SET received_ms = received_ms + 60000 WHERE leaf_index = 2", "received_ms"),
    "older head": ("UPDATE tree_heads SET timestamp = timestamp + 1 WHERE tree_size = 2",
                   "head of size 2|leaf 1: received_ms"),
    "older head root": ("UPDATE tree_heads SET root_hash = (SELECT root_hash FROM tree_heads WHERE tree_size = 3)"
                        " WHERE tree_size = 2", "head of size 2"),
    "senders table": ("UPDATE senders SET last_sequence = 2 WHERE sender = 'nato'", "senders table"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_start_up_audit_catches_edited_columns_and_heads(tmp_path, edit):
    db = _logged(tmp_path)
    create_app(ServiceConfig(tmp_path / "centre", database=db)).state.centre.close()  # intact: opens
    sql, expect = EDITS[edit]
    _sql(db, sql)
    with pytest.raises(StorageError, match=expect):
        create_app(ServiceConfig(tmp_path / "centre", database=db))


@pytest.mark.parametrize("edit", ["sender", "kind", "received_ms", "older head", "older head root"])
def test_log_audit_catches_edits_made_while_the_centre_runs(tmp_path, edit):
    db = str(tmp_path / "r.sqlite3")
    with centre(tmp_path, db, parties=PARTIES) as (tc, c, clock, cfg):
        for _ in range(4):
            clock.t += 1000
            c["nato"].submit("track_report", example_body("track_report", clock.t))
        head = c["russia"].tree_head()
        assert c["russia"].audit(head) == {"heads": 5, "messages": 4}
        _sql(db, EDITS[edit][0])
        with pytest.raises((ProofError, SignatureError)):
            c["russia"].audit(head)


def test_a_reader_holding_a_longer_head_is_told_the_log_was_rewritten(tmp_path):
    db = _logged(tmp_path, 10)
    data = tmp_path / "centre"
    with centre(tmp_path, db, data=data) as (tc, c, clock, cfg):
        held = c["russia"].tree_head()
    _sql(db, "DELETE FROM messages WHERE leaf_index >= 5", "DELETE FROM tree_heads WHERE tree_size > 5",
         "UPDATE senders SET last_sequence = 5")
    with pytest.raises(StorageError, match="rewound"):  # the high-water mark stops it...
        create_app(ServiceConfig(data, database=db))
    shutil.rmtree(data / "state")  # ...unless the operator deletes it too
    with centre(tmp_path, db, data=data) as (tc, c, clock, cfg):
        clock.t += 20_000
        c["nato"].submit("track_report", example_body("track_report", clock.t))
        with pytest.raises(LogRewritten) as e:
            c["russia"].verify_head(held)
        assert e.value.held == held and e.value.latest.tree_size == 6
        assert "size 10" in str(e.value) and "size 6" in str(e.value)
        # A split view at equal size: a different root for the same size.
        for _ in range(4):
            c["nato"].submit("track_report", example_body("track_report", clock.t))
        with pytest.raises(LogRewritten, match="different roots"):
            c["russia"].verify_head(held)


def test_the_store_may_be_ahead_of_the_high_water_mark(tmp_path):
    """A power loss may leave the mark a batch behind the store: that is allowed."""
    db = _logged(tmp_path, 3)
    data = tmp_path / "centre"
    state = data / "state"
    saved = {p.name: p.read_bytes() for p in state.glob("head-*.json")}
    with centre(tmp_path, db, data=data) as (tc, c, clock, cfg):
        clock.t += 5000
        c["nato"].submit("track_report", example_body("track_report", clock.t))
    for name, raw in saved.items():
        (state / name).write_bytes(raw)
    (state / "head-a.json").write_bytes(b"")  # one slot torn as well
    with centre(tmp_path, db, data=data) as (tc, c, clock, cfg):
        assert c["russia"].tree_head().tree_size == 4
