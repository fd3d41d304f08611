"""The centre under faults, each reproduced the way an operator meets it, with waits of at most 30 s.

A real server process where the fault needs one (kill -9 of a verifier child, SIGKILL of the
server, oversized bodies over TCP, a restart); the in-process app elsewhere.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

from openbmd.exchange.auth import sign_request
from openbmd.exchange.canonical import canonical_json
from openbmd.exchange.client import ExchangeClient
from openbmd.exchange.config import init_data_dir, party_key_path
from openbmd.exchange.messages import example_body, sign_envelope
from openbmd.exchange.service import wall_clock_ms

from .serverproc import ServerProcess, alive, start_fails
from .test_crash import _check, _heads

PARTIES = ["p0", "p1", "p2"]


def _wait(cond, timeout_s: float = 30.0, step_s: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step_s)
    return cond()


class Load:
    """Writer threads, one per party, each resending a message refused with 503 until it is
    answered; ``acked`` holds ``(receipt, envelope)``, ``transport`` the connection errors."""

    def __init__(self, url: str, data: Path, parties=PARTIES, start_seq: int = 0) -> None:
        self.acked: list = []
        self.transport: list[str] = []
        self.unavailable = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(url, p, party_key_path(data, p).read_bytes(),
                                                                  start_seq), daemon=True) for p in parties]
        for t in self._threads:
            t.start()

    def _run(self, url: str, party: str, key: bytes, seq: int) -> None:
        body = example_body("track_report", wall_clock_ms())
        with httpx.Client(base_url=url, timeout=10.0) as http:
            while not self._stop.is_set():
                seq += 1
                env = sign_envelope(key, party, seq, wall_clock_ms(), "track_report", body)
                while not self._stop.is_set():
                    try:
                        r = http.post("/v1/messages", content=canonical_json(env),
                                      headers={"content-type": "application/json"})
                    except httpx.HTTPError as exc:
                        with self._lock:
                            self.transport.append(repr(exc))
                        time.sleep(0.05)
                        continue
                    if r.status_code == 503:
                        with self._lock:
                            self.unavailable += 1
                        time.sleep(0.05)
                        continue
                    if r.status_code == 201:
                        with self._lock:
                            self.acked.append((r.json(), env))
                    elif r.status_code != 409:  # 409: an earlier try was logged, its answer lost
                        with self._lock:
                            self.transport.append(f"{r.status_code} {r.text[:200]}")
                    break

    def count(self) -> int:
        with self._lock:
            return len(self.acked)

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(30)


def _verifiers(srv: ServerProcess) -> list[int]:
    return [pid for pid in srv.children()
            if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()]


def test_killed_verifier_is_replaced_under_load(tmp_path):
    data = tmp_path / "c"
    cfg = init_data_dir(data, PARTIES)
    with ServerProcess(data, verify_processes=1) as srv:
        load = Load(srv.url, data)
        try:
            assert _wait(lambda: load.count() >= 30)
            old = _verifiers(srv)
            assert len(old) == 1
            os.kill(old[0], signal.SIGKILL)
            at_kill = load.count()
            assert _wait(lambda: load.count() >= at_kill + 200), "writes did not resume after the verifier died"
        finally:
            load.stop()
        assert load.transport == [], load.transport[:3]  # no reset, no hang, no other refusal
        new = _verifiers(srv)
        assert len(new) == 1 and new != old
        assert httpx.get(srv.url + "/v1/ready").json()["ready"] is True
        _check(srv.url, data, cfg.centre_public_key, load.acked, _heads(load.acked))


def test_sigkill_of_the_server_leaves_no_orphans(tmp_path):
    data = tmp_path / "c"
    init_data_dir(data, PARTIES)
    srv = ServerProcess(data, verify_processes=1)
    kids = srv.children()
    try:
        assert len(kids) >= 2  # the verifier and multiprocessing's resource tracker
        os.kill(srv.proc.pid, signal.SIGKILL)  # the server alone, not its process group
        srv.proc.wait(10)
        assert _wait(lambda: not any(alive(k) for k in kids)), [k for k in kids if alive(k)]
    finally:
        for k in kids:
            if alive(k):
                os.kill(k, signal.SIGKILL)
        srv.kill()


def test_oversized_bodies_get_413_over_tcp(tmp_path):
    data = tmp_path / "c"
    init_data_dir(data, PARTIES)
    with ServerProcess(data) as srv:
        r = httpx.post(srv.url + "/v1/messages", content=b"x" * 5_000_000, timeout=30.0)
        assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"

        def chunks():  # no content-length: refused once the limit is passed
            for _ in range(80):
                yield b"y" * 65_536

        r = httpx.post(srv.url + "/v1/messages", content=chunks(), timeout=30.0)
        assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
        # A slow sender: the answer comes while it is still sending, and it can send the rest.
        with socket.create_connection(("127.0.0.1", srv.port), timeout=30.0) as s:
            s.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n")
            time.sleep(0.3)
            s.sendall(b"z" * 5_000_000)
            assert s.recv(64).startswith(b"HTTP/1.1 413")
        assert httpx.get(srv.url + "/v1/ready").status_code == 200


def _fill(srv: ServerProcess, data: Path, n: int = 40) -> None:
    with ExchangeClient(srv.url, "p0", party_key_path(data, "p0").read_bytes()) as c:
        for _ in range(n):
            c.submit("track_report", example_body("track_report", wall_clock_ms()))


def _zero_length(db: Path) -> None:
    db.write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def _delete_wal(db: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink()


def _delete_tail(db: Path) -> None:
    con = sqlite3.connect(db)
    con.execute("DELETE FROM messages WHERE leaf_index >= 30")
    con.execute("DELETE FROM tree_heads WHERE tree_size > 30")
    con.execute("UPDATE senders SET last_sequence = 30")
    con.commit()
    con.close()


@pytest.mark.parametrize("rewind", [_zero_length, _delete_wal, _delete_tail])
def test_a_rewound_store_is_refused_with_one_line(tmp_path, rewind):
    data = tmp_path / "c"
    init_data_dir(data, PARTIES)
    srv = ServerProcess(data)
    _fill(srv, data)
    srv.kill()  # SIGKILL: the last commits may still be in the -wal
    rewind(data / "exchange.sqlite3")
    code, err = start_fails(data)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "rewound" in lines[0] and "40" in lines[0], lines[0]


@pytest.mark.parametrize("damage,expect", [
    (lambda db: db.write_bytes(b"not a database, " * 512), "cannot open the database"),
    ("locked", "another centre"),
    ("config", "centre.json"),
])
def test_start_up_failures_are_one_line(tmp_path, damage, expect):
    from openbmd.exchange.store_sqlite import SqliteStorage

    data = tmp_path / "c"
    init_data_dir(data, PARTIES)
    holder = None
    if damage == "locked":
        holder = SqliteStorage(data / "exchange.sqlite3")
    elif damage == "config":
        (data / "centre.json").write_text('{"parties": []}')
    else:
        damage(data / "exchange.sqlite3")
    try:
        code, err = start_fails(data)
    finally:
        if holder is not None:
            holder.close()
    assert code in (1, 2) and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert expect in err


def test_captured_read_cannot_be_replayed_after_a_restart(tmp_path):
    data = tmp_path / "c"
    init_data_dir(data, PARTIES)
    target = "/v1/tree-head"
    headers = sign_request(party_key_path(data, "p1").read_bytes(), "p1", "GET", target, wall_clock_ms())
    srv = ServerProcess(data)
    try:
        assert httpx.get(srv.url + target, headers=headers).status_code == 200
    finally:
        srv.kill()
    with ServerProcess(data) as srv:
        r = httpx.get(srv.url + target, headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "replayed_request"
        fresh = sign_request(party_key_path(data, "p1").read_bytes(), "p1", "GET", target, wall_clock_ms())
        assert httpx.get(srv.url + target, headers=fresh).status_code == 200


def test_data_files_are_private(tmp_path):
    data = tmp_path / "c"
    init_data_dir(data, PARTIES)
    db = data / "exchange.sqlite3"
    db.touch(mode=0o644)
    os.chmod(db, 0o644)  # left world-readable by an older version: narrowed on open
    with ServerProcess(data) as srv:
        _fill(srv, data, 3)
        headers = sign_request(party_key_path(data, "p1").read_bytes(), "p1", "GET", "/v1/me", wall_clock_ms())
        assert httpx.get(srv.url + "/v1/me", headers=headers).status_code == 200
        files = [db, Path(str(db) + "-wal"), Path(str(db) + "-shm"), *sorted((data / "state").iterdir())]
        assert {f.name for f in files} >= {"exchange.sqlite3-wal", "head-a.json", "nonces.log"}
        for f in files:
            assert f.stat().st_mode & 0o077 == 0, f"{f} is mode {oct(f.stat().st_mode & 0o777)}"


def test_lock_is_taken_on_the_resolved_path(tmp_path):
    from openbmd.exchange.storage import StorageError
    from openbmd.exchange.store_sqlite import SqliteStorage

    db = tmp_path / "real" / "exchange.sqlite3"
    first = SqliteStorage(db)
    try:
        link = tmp_path / "link.sqlite3"
        link.symlink_to(db)
        with pytest.raises(StorageError, match="another centre"):
            SqliteStorage(link, lock_wait_s=0.2)
        dirlink = tmp_path / "dirlink"
        dirlink.symlink_to(db.parent)
        with pytest.raises(StorageError, match="another centre"):
            SqliteStorage(dirlink / "exchange.sqlite3", lock_wait_s=0.2)
    finally:
        first.close()
