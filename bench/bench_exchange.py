"""The exchange centre over loopback: signed submissions with durable commit, reads, proofs.

A real server process (uvicorn, SQLite with WAL and ``synchronous=FULL``) is driven by an
asyncio load generator on keep-alive HTTP/1.1 connections, one connection per party so that
each party's sequence numbers arrive in order. Messages are committed field by field and signed
(:func:`sign_envelope`) before the clock starts; the server checks the signature and opens every
field commitment.

- Submissions: ours is group commit (one durable transaction and one signed head per batch of
  whatever queued during the previous fsync) with one verifier process checking signatures in
  batches over a pipe; the baseline is the same server committing each message alone. Every 201
  is sent only after its commit. Checks: p50/p99 latency in ms, and CPU milliseconds per message
  of the server (all its processes) and of the load generator, which with the 1-minute load
  average tells how much of the machine other work was using. The server's figure is split into
  its event-loop thread (HTTP, admission), its other threads (the group-commit writer: SQLite,
  fsync, head signing), the verifier and the kernel's share of all three; messages per commit
  (measured messages over heads signed) tells how far the per-commit costs are spread. Both share the machine's cores,
  so the rate is at most ``cores / (server + load generator CPU per message)``; one Ed25519
  verification alone costs about 0.06 ms of CPU here in libsodium (0.11-0.19 ms in OpenSSL's,
  ``openssl speed ed25519``: ~7,300/s a core). The verifier's share is reported on its own.
  With every writer waiting for its answer the rate is also at most ``writers / latency``, and
  each answer waits for one ``fdatasync``. On this machine (a KVM guest) that takes about 0.1 ms
  while a CPU is busy but about 4 ms (seemingly one host timer tick) when both idle through it,
  so the rate also depends on whether other work keeps a CPU busy through the commits; the
  check reports the idle figure (``fsync_idle_ms``) with the 1-minute load average.
- Reads: signed ``GET /v1/messages/{i}`` (authentication, release policy, storage) against the
  unauthenticated ``GET /v1/health``, the floor of the HTTP stack.
- Proofs: in-process inclusion proofs from the incremental :class:`MerkleTree` over 100,000
  leaves against the RFC's recursive definition over the leaf list; the API rate of signed
  ``GET /v1/proofs/inclusion`` is a check.
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from openbmd.exchange.auth import sign_request
from openbmd.exchange.canonical import canonical_json
from openbmd.exchange.config import init_data_dir, party_key_path
from openbmd.exchange.merkle import MerkleTree, inclusion_proof, leaf_hash
from openbmd.exchange.messages import example_body, sign_envelope
from openbmd.exchange.service import wall_clock_ms

CONNECTIONS = 32
"""Concurrent writers (one party each). Each waits for its answer before sending again, so the
rate is writers / latency: CPU per message bounds it once the cores are busy."""
N_OURS = 6000
N_BASELINE = 1500
N_READS = 3000
PROOF_LEAVES = 100_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    def __init__(self, data: Path, group_commit: bool) -> None:
        self.port = _free_port()
        cmd = [sys.executable, "-m", "openbmd.exchange.server", "--data", str(data), "--port", str(self.port)]
        if not group_commit:
            cmd.append("--no-group-commit")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{self.port}/v1/health"
        for _ in range(600):
            try:
                if httpx.get(url, timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("the exchange server did not start")

    def cpu_s(self) -> dict[str, float]:
        """CPU seconds used so far, user and kernel apart, by the server's event-loop thread
        (``loop_*``), its other threads (``writer_*``: the group-commit writer, and any worker
        threads) and its live child processes (``verifier_*``), from Linux /proc; NaN where /proc
        cannot tell."""
        tick = os.sysconf("SC_CLK_TCK")
        used = dict.fromkeys([f"{part}_{kind}" for part in ("loop", "writer", "verifier") for kind in ("user", "sys")],
                             0.0)

        def add(part: str, stat: Path) -> None:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            used[f"{part}_user"] += int(fields[11]) / tick
            used[f"{part}_sys"] += int(fields[12]) / tick

        pid = self.proc.pid
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                add("loop" if task.name == str(pid) else "writer", task / "stat")
            for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
                add("verifier", Path(f"/proc/{child}/stat"))  # its own threads' times included
        except OSError:
            return dict.fromkeys(used, float("nan"))
        return used

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _post(body: bytes) -> bytes:
    return (b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def _get(target: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {target} HTTP/1.1", "Host: 127.0.0.1"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _drive(port: int, per_conn: list[list[bytes]], expect: int) -> tuple[float, list[float]]:
    """Send each connection's requests in turn; return (wall seconds, latencies in s)."""
    latencies: list[float] = []

    async def conn(reqs: list[bytes]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for req in reqs:
            t0 = time.perf_counter()
            writer.write(req)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length)
            if status != expect:
                raise RuntimeError(f"unexpected {status}: {body[:300]!r}")
            latencies.append(time.perf_counter() - t0)
        writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(conn(r) for r in per_conn))
    return time.perf_counter() - t0, latencies


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def _submissions(data: Path, parties: list[str], n: int, start_seq: int) -> list[list[bytes]]:
    now = wall_clock_ms()
    body = example_body("track_report", now)
    out = []
    for p in parties:
        key = party_key_path(data, p).read_bytes()
        out.append([_post(canonical_json(sign_envelope(key, p, start_seq + i, now, "track_report", body)))
                    for i in range(1, n // len(parties) + 1)])
    return out


def _fsync_ms(folder: Path, n: int = 40) -> float:
    """Median milliseconds of one ``fdatasync`` of a 4 KiB overwrite in ``folder``, with this
    process otherwise idle: what a commit waits for when nothing else keeps a CPU busy."""
    path = folder / "fsync-probe"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.pwrite(fd, bytes(4096 * 8), 0)
        os.fsync(fd)
        times = []
        for i in range(n):
            os.pwrite(fd, os.urandom(4096), 4096 * (i % 8))
            t0 = time.perf_counter()
            os.fdatasync(fd)
            times.append(time.perf_counter() - t0)
    finally:
        os.close(fd)
        path.unlink()
    return _pct(times, 0.5) * 1e3


def _client_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _submit_rate(group_commit: bool, n: int) -> tuple[float, float, float, dict, Path, tempfile.TemporaryDirectory]:
    tmp = tempfile.TemporaryDirectory(prefix="bench-exchange-")
    data = Path(tmp.name) / "centre"
    parties = [f"p{i:02d}" for i in range(CONNECTIONS)]
    init_data_dir(data, parties)
    srv = _Server(data, group_commit)
    try:
        warm = _submissions(data, parties, 20 * len(parties), 0)
        asyncio.run(_drive(srv.port, warm, 201))
        reqs = _submissions(data, parties, n, 20)
        cpu0, client0 = srv.cpu_s(), _client_cpu_s()
        wall, lat = asyncio.run(_drive(srv.port, reqs, 201))
        cpu1, client1 = srv.cpu_s(), _client_cpu_s()
    finally:
        srv.stop()
    count = sum(len(r) for r in reqs)
    ms = {k: (cpu1[k] - cpu0[k]) / count * 1e3 for k in cpu0}
    part = {p: ms[f"{p}_user"] + ms[f"{p}_sys"] for p in ("loop", "writer", "verifier")}
    # Every commit signs and stores one head: heads above the warm-up's tree size count the commits.
    with sqlite3.connect(f"file:{data / 'exchange.sqlite3'}?mode=ro", uri=True) as con:
        commits = con.execute("SELECT COUNT(*) FROM tree_heads WHERE tree_size > ?",
                              (sum(len(w) for w in warm),)).fetchone()[0]
    cpu = {"server_cpu_ms_per_msg": sum(part.values()), "verifier_cpu_ms_per_msg": part["verifier"],
           "loop_cpu_ms_per_msg": part["loop"], "writer_cpu_ms_per_msg": part["writer"],
           "server_kernel_ms_per_msg": sum(v for k, v in ms.items() if k.endswith("_sys")),
           "messages_per_commit": count / max(commits, 1),
           "client_cpu_ms_per_msg": (client1 - client0) / count * 1e3, "load_avg_1min": os.getloadavg()[0],
           "fsync_idle_ms": _fsync_ms(data)}
    return count / wall, _pct(lat, 0.5) * 1e3, _pct(lat, 0.99) * 1e3, cpu, data, tmp


def _read_rates(data: Path) -> tuple[float, float, float]:
    srv = _Server(data, True)
    try:
        key = party_key_path(data, "p00").read_bytes()
        size = N_BASELINE  # leaves that certainly exist
        rng = random.Random(1)

        def signed(target: str) -> bytes:
            return _get(target, sign_request(key, "p00", "GET", target, wall_clock_ms()))

        per = N_READS // CONNECTIONS
        reads = [[signed(f"/v1/messages/{rng.randrange(size)}") for _ in range(per)] for _ in range(CONNECTIONS)]
        wall, _ = asyncio.run(_drive(srv.port, reads, 200))
        health = [[_get("/v1/health", {}) for _ in range(per)] for _ in range(CONNECTIONS)]
        wall_h, _ = asyncio.run(_drive(srv.port, health, 200))
        proofs = [[signed(f"/v1/proofs/inclusion?leaf_index={rng.randrange(size)}") for _ in range(per)]
                  for _ in range(CONNECTIONS)]
        wall_p, _ = asyncio.run(_drive(srv.port, proofs, 200))
    finally:
        srv.stop()
    n = per * CONNECTIONS
    return n / wall, n / wall_h, n / wall_p


def _proof_rates() -> tuple[float, float]:
    leaves = [leaf_hash(i.to_bytes(8, "big")) for i in range(PROOF_LEAVES)]
    tree = MerkleTree(leaves)
    rng = random.Random(2)
    idx = [rng.randrange(PROOF_LEAVES) for _ in range(20_000)]
    t0 = time.perf_counter()
    for i in idx:
        tree.inclusion_proof(i)
    ours = len(idx) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for i in idx[:5]:
        assert inclusion_proof(leaves, i) == tree.inclusion_proof(i)
    base = 5 / (time.perf_counter() - t0)
    return ours, base


def run() -> list[dict]:
    rate, p50, p99, cpu, data, tmp = _submit_rate(True, N_OURS)
    try:
        base_rate, base_p50, base_p99, _, _, tmp_b = _submit_rate(False, N_BASELINE)
        tmp_b.cleanup()
        reads, health, api_proofs = _read_rates(data)
    finally:
        tmp.cleanup()
    proofs, proofs_base = _proof_rates()
    print(f"submissions: {rate:.0f}/s p50 {p50:.1f} ms p99 {p99:.1f} ms, server CPU "
          f"{cpu['server_cpu_ms_per_msg']:.2f} ms/msg (event loop {cpu['loop_cpu_ms_per_msg']:.2f}, writer "
          f"{cpu['writer_cpu_ms_per_msg']:.2f}, verifier {cpu['verifier_cpu_ms_per_msg']:.2f}; kernel "
          f"{cpu['server_kernel_ms_per_msg']:.2f}), {cpu['messages_per_commit']:.1f} messages a commit, "
          f"load generator {cpu['client_cpu_ms_per_msg']:.2f} ms/msg, "
          f"load {cpu['load_avg_1min']:.1f}, idle fsync {cpu['fsync_idle_ms']:.1f} ms (one commit each: {base_rate:.0f}/s, "
          f"p99 {base_p99:.1f} ms); signed reads {reads:.0f}/s (health {health:.0f}/s); "
          f"API proofs {api_proofs:.0f}/s; in-process proofs {proofs:.0f}/s (list recursion {proofs_base:.1f}/s)")
    return [
        {"name": "exchange.signed_submissions_durable", "value": rate, "unit": "messages/s",
         "baseline_name": "same server, one commit per message", "baseline_value": base_rate,
         "check": {"p50_ms": p50, "p99_ms": p99, "baseline_p99_ms": base_p99, "connections": CONNECTIONS, **cpu}},
        {"name": "exchange.signed_reads", "value": reads, "unit": "reads/s",
         "baseline_name": "unauthenticated /v1/health", "baseline_value": health, "check": {}},
        {"name": "exchange.inclusion_proofs", "value": proofs, "unit": "proofs/s",
         "baseline_name": "RFC 9162 recursion over the leaf list", "baseline_value": proofs_base,
         "check": {"leaves": PROOF_LEAVES, "api_proofs_per_s": api_proofs}},
    ]


if __name__ == "__main__":
    for r in run():
        print(r)
