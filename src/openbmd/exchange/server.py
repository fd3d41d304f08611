"""Run the centre under uvicorn: ``python -m openbmd.exchange.server --data DIR [--port P]``.

``openbmd serve`` calls :func:`serve`; the module entry point exists so tests and benchmarks can
start (and kill) a real server process without the CLI.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["DEFAULT_PORT", "serve", "main"]

DEFAULT_PORT = 8470


def serve(data_dir: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT, database: str | None = None,
          group_commit: bool = True, log_level: str = "warning", verify_processes: int | None = None) -> None:
    """Open the centre in ``data_dir`` and serve it until interrupted.

    ``verify_processes`` defaults to one verifier process when the machine has two or more cores.
    """
    import os
    import sys

    import uvicorn

    # The event loop, the writer thread and the verifier pool's feeder threads pass the GIL back
    # and forth; after a thread's I/O (an fsync, a pipe write) it waits up to one switch interval
    # to run again. 1 ms instead of 5 ms cuts that queueing out of the write latency.
    sys.setswitchinterval(0.001)

    from openbmd.exchange.app import ServiceConfig, create_app

    from openbmd.errors import InputError
    from openbmd.exchange.config import load_config
    from openbmd.exchange.storage import StorageError

    if verify_processes is None:
        verify_processes = 1 if (os.cpu_count() or 1) >= 2 else 0
    try:
        for line in load_config(Path(data_dir)).degraded_views():
            print(f"openbmd: warning: {line}", file=sys.stderr)
        app = create_app(ServiceConfig(Path(data_dir), database=database, group_commit=group_commit,
                                       verify_processes=verify_processes))
    except InputError as exc:
        print(f"openbmd: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except (StorageError, OSError) as exc:
        print(f"openbmd: the centre cannot start: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    # No proxy-header rewriting: the centre never uses the client's address (parties are who
    # their signatures say), and the middleware costs every request; no ``server`` header (it
    # names the software to every caller, and each header is checked and written per response).
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False, backlog=4096,
                timeout_keep_alive=30, proxy_headers=False, server_header=False)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(prog="python -m openbmd.exchange.server")
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=DEFAULT_PORT)
    ap.add_argument("--database", default=None)
    ap.add_argument("--no-group-commit", action="store_true")
    ap.add_argument("--verify-processes", type=int, default=None)
    a = ap.parse_args(argv)
    serve(a.data, a.host, a.port, a.database, group_commit=not a.no_group_commit,
          verify_processes=a.verify_processes)


if __name__ == "__main__":
    main()
