"""Crash harness: SIGKILL a real server under load at random moments, restart, check the log.

After every restart: every acknowledged message is present at its leaf index, byte for byte; the
stored leaves hash to the latest signed root (nothing half-written); and the log is consistent
with every tree head the centre ever returned.
"""

from __future__ import annotations

import os
import random
import threading
import time

import httpx
import pytest

from openbmd.exchange.canonical import canonical_json
from openbmd.exchange.client import ExchangeClient
from openbmd.exchange.config import init_data_dir, party_key_path
from openbmd.exchange.merkle import MerkleTree, leaf_hash
from openbmd.exchange.messages import example_body, leaf_envelope, sign_envelope
from openbmd.exchange.service import wall_clock_ms
from openbmd.exchange.treehead import TreeHead, b64, check_consistency, verify_tree_head

from .serverproc import ServerProcess

PARTIES = ["p0", "p1", "p2", "p3"]
CYCLES = int(os.environ.get("OPENBMD_CRASH_CYCLES", "0")) or None
"""``OPENBMD_CRASH_CYCLES=50 pytest tests/exchange/test_crash.py`` sets the cycles (CI uses a few)."""
SOAK = os.environ.get("OPENBMD_SOAK") == "1"
"""The long soak, outside the normal run: ``OPENBMD_SOAK=1`` runs 100 cycles on SQLite and 30 on PostgreSQL."""


MIN_ACKED = 50
"""Acknowledged messages a run must have checked across its cycles, however loaded the machine."""
CYCLE_BUDGET_S = 20.0
"""The longest a cycle runs before its SIGKILL (waits in these tests stay under 30 s)."""


def _under_load(delay_s: float, min_acked: int, acked: list, lock, writers: list[threading.Thread]) -> None:
    """Return once the writers have run ``delay_s`` (a random moment) and this cycle has at least
    ``min_acked`` acknowledgements, or after :data:`CYCLE_BUDGET_S`, or when every writer has
    stopped. Counting acknowledgements rather than seconds keeps a loaded machine (slow commits)
    from leaving the run with too few acknowledged messages to prove anything."""
    with lock:
        start = len(acked)
    t0 = time.monotonic()
    while (elapsed := time.monotonic() - t0) < CYCLE_BUDGET_S and any(t.is_alive() for t in writers):
        with lock:
            enough = len(acked) - start >= min_acked
        if elapsed >= delay_s and enough:
            return
        time.sleep(0.01)


def _writer(url: str, party: str, key: bytes, start_seq: int, stop: threading.Event, acked: list, lock) -> None:
    seq = start_seq
    body = example_body("track_report", wall_clock_ms())
    with httpx.Client(base_url=url, timeout=10.0) as http:
        while not stop.is_set():
            seq += 1
            env = sign_envelope(key, party, seq, wall_clock_ms(), "track_report", body)
            try:
                r = http.post("/v1/messages", content=canonical_json(env),
                              headers={"content-type": "application/json"})
            except httpx.HTTPError:
                return  # server gone: this message's fate is unknown, which is allowed
            if r.status_code != 201:
                raise AssertionError(f"{party} seq {seq}: {r.status_code} {r.text}")
            with lock:
                acked.append((r.json(), env))


def _check(url: str, data, cfg_key: str, acked: list, heads: dict[int, dict]) -> TreeHead:
    """Check the log against everything acknowledged and against ``heads``; return the latest head."""
    reader = ExchangeClient(url, "p0", party_key_path(data, "p0").read_bytes(), centre_public_key=cfg_key)
    with reader:
        latest = reader.tree_head()
        msgs: list[dict] = []
        after = -1
        while True:
            page = reader.read(after=after, limit=1000)["messages"]
            msgs += page
            if len(page) < 1000:
                break
            after = page[-1]["leaf_index"]
        assert [m["leaf_index"] for m in msgs] == list(range(latest.tree_size)), "gap or extra leaf"
        leaves = [leaf_hash(canonical_json(leaf_envelope(m["envelope"]))) for m in msgs]
        assert b64(MerkleTree(leaves).root()) == latest.root_hash, "stored leaves do not match the signed root"
        for receipt, env in acked:
            assert msgs[receipt["leaf_index"]]["envelope"] == env, "acknowledged message lost or altered"
        for size, h in heads.items():
            head = TreeHead.model_validate(h)
            verify_tree_head(cfg_key, head)
            assert reader.tree_head(size).model_dump() == h, "a returned head was not kept"
            if 0 < size:
                p = reader.consistency(size, latest.tree_size)
                assert p.first_root == head.root_hash and p.second_root == latest.root_hash
                check_consistency(p)
        return latest


def _run_cycles(tmp_path, database, cycles: int, seed: int) -> None:
    rng = random.Random(seed)
    data = tmp_path / "centre"
    cfg = init_data_dir(data, PARTIES)
    keys = {p: party_key_path(data, p).read_bytes() for p in PARTIES}
    acked: list = []
    lock = threading.Lock()
    last_seq = {p: 0 for p in PARTIES}
    previous: dict[int, dict] = {}  # the latest head of the last check: every new one must extend it
    checked = 0  # acked[:checked] had their heads checked already (consistency is transitive)
    per_cycle = max(5, -(-(MIN_ACKED + 1) // cycles))  # acknowledgements each cycle waits for
    for cycle in range(cycles):
        srv = ServerProcess(data, database=database)
        try:
            if cycle:
                latest = _check(srv.url, data, cfg.centre_public_key, acked, {**previous, **_heads(acked[checked:])})
                previous, checked = {latest.tree_size: latest.model_dump()}, len(acked)
            stop = threading.Event()
            threads = [threading.Thread(target=_writer, args=(srv.url, p, keys[p], last_seq[p], stop, acked, lock))
                       for p in PARTIES]
            for t in threads:
                t.start()
            _under_load(rng.uniform(0.2, 1.0), per_cycle, acked, lock, threads)
            srv.kill()  # SIGKILL mid-load
            stop.set()
            for t in threads:
                t.join(30)
        finally:
            srv.kill()
        # Next sequences start after anything that might have been committed.
        with lock:
            for receipt, env in acked:
                last_seq[env["sender"]] = max(last_seq[env["sender"]], env["sequence"])
        for p in PARTIES:
            last_seq[p] += 1000 * (cycle + 1)  # skip past any unacknowledged in-flight sequence
    srv = ServerProcess(data, database=database)
    try:
        size = _check(srv.url, data, cfg.centre_public_key, acked, _heads(acked) if cycles <= 10 else
                      {**previous, **_heads(acked[checked:])}).tree_size
    finally:
        srv.stop()
    assert len(acked) > MIN_ACKED and size >= len(acked)


def _heads(acked: list) -> dict[int, dict]:
    return {r["tree_head"]["tree_size"]: r["tree_head"] for r, _ in acked}


def test_sigkill_under_load_sqlite(tmp_path):
    _run_cycles(tmp_path, None, cycles=CYCLES or (100 if SOAK else 5), seed=7)


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_sigkill_under_load_postgres(tmp_path, database):
    _run_cycles(tmp_path, database, cycles=CYCLES or (30 if SOAK else 3), seed=11)
