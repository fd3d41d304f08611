"""Start and stop a real centre server process on loopback (for CLI, crash and bench runs)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_command(data: Path, port: int, database: str | None = None, group_commit: bool = True,
                   verify_processes: int | None = None) -> list[str]:
    """The command line of a centre server process."""
    cmd = [sys.executable, "-m", "openbmd.exchange.server", "--data", str(data), "--port", str(port)]
    if database:
        cmd += ["--database", database]
    if not group_commit:
        cmd.append("--no-group-commit")
    if verify_processes is not None:
        cmd += ["--verify-processes", str(verify_processes)]
    return cmd


def start_fails(data: Path, database: str | None = None, timeout_s: float = 30.0) -> tuple[int, str]:
    """Start a server that is expected to refuse: its exit status and stderr."""
    r = subprocess.run(server_command(data, free_port(), database), capture_output=True, text=True, timeout=timeout_s)
    return r.returncode, r.stderr


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def children(pid: int) -> list[int]:
    """Live child processes of ``pid`` (Linux /proc)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
                out.append(int(d.name))
    return out


class ServerProcess:
    """``python -m openbmd.exchange.server`` in its own process group; ``kill()`` is SIGKILL."""

    def __init__(self, data: Path, port: int | None = None, database: str | None = None,
                 group_commit: bool = True, verify_processes: int | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.data, self.port = Path(data), port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(server_command(data, self.port, database, group_commit, verify_processes),
                                     start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     env={**os.environ, **env} if env else None)
        self._wait_ready()

    def children(self) -> list[int]:
        """Process ids of the server's live child processes (verifiers, resource tracker)."""
        return children(self.proc.pid)

    def _wait_ready(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(self.url + "/v1/health", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError("server did not start in time")

    def kill(self) -> None:
        """SIGKILL the server, no chance to flush or clean up."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        if self.proc.stderr:
            self.proc.stderr.close()

    def stop(self) -> None:
        """SIGTERM and wait (graceful shutdown)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.proc.stderr:
            self.proc.stderr.close()

    def __enter__(self) -> "ServerProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
