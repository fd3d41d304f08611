"""Signature checks of submissions in worker processes, fed in batches, replaced when they die.

Each worker is a spawned process on one end of a pipe; the event loop writes a batch of bodies
to it and reads the answers back when the pipe turns readable, so no thread of the server's
stands between the two (``concurrent.futures.ProcessPoolExecutor`` adds a management and a
feeder thread, and three thread hand-offs per batch). While one batch is being checked the next
one gathers, so the inter-process cost is paid per batch, not per message; a batch is sent at
the end of the event loop's round, so the bodies of requests that arrived together go together.

A worker that dies (``kill -9``, out of memory) shows as end-of-file on its pipe: it is replaced
at once and the batch it held is checked once more on the new one (the checks are pure, so a
retry is safe), and answered 503 only if that fails too. Workers ask the kernel to kill them
when the server dies (``PR_SET_PDEATHSIG``), so a SIGKILLed server leaves no verifier behind,
and with them gone multiprocessing's resource tracker ends too.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
from multiprocessing.connection import Connection
from typing import Any

from openbmd.exchange.service import Centre, ExchangeError, Waiter, check_batch

__all__ = ["VerifierPool", "die_with_parent"]

_BATCH = 256
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Worker start: be killed when the parent process dies (Linux), or exit if it already has."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent's shutdown still ends the workers
        pass
    if os.getppid() != parent_pid:
        os._exit(0)


def _serve(conn: Connection, parent_pid: int, keys: dict[tuple[str, str], bytes], limit: int) -> None:
    """A worker's life: answer each batch of bodies with :func:`check_batch`, until end-of-file."""
    die_with_parent(parent_pid)
    conn.send_bytes(b"ready")
    while True:
        try:
            items = pickle.loads(conn.recv_bytes())
        except EOFError:
            return
        conn.send_bytes(pickle.dumps(check_batch(items, keys, limit), pickle.HIGHEST_PROTOCOL))


_Item = tuple[bytes, Waiter, int]  # body, its answer, how many times it was retried


class _Worker:
    """One worker process, its pipe, and the batch it is checking (``None`` when idle)."""

    def __init__(self, keys: dict[tuple[str, str], bytes], limit: int) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, os.getpid(), keys, limit), daemon=True,
                                name="openbmd-verifier")
        self.proc.start()
        child.close()
        self.ready = False
        self.batch: list[_Item] | None = None

    def stop(self, wait_s: float) -> None:
        self.conn.close()  # the worker reads end-of-file and returns
        self.proc.join(wait_s)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(1.0)


class VerifierPool:
    """``processes`` worker processes checking submissions for ``centre`` (see :func:`check_batch`)."""

    def __init__(self, centre: Centre, processes: int) -> None:
        self._keys = centre.public_keys
        self._limit = centre.config.limits.max_body_bytes
        self._processes = processes
        self._workers: list[_Worker] = []
        self._waiting: list[_Item] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started: list[asyncio.Future] = []
        self._closed = False
        self._launch_soon = False
        self.replaced = 0
        """How many times a dead worker was replaced."""

    # --- workers ------------------------------------------------------------------------------

    def _spawn(self) -> _Worker:
        w = _Worker(self._keys, self._limit)
        self._workers.append(w)
        assert self._loop is not None
        self._loop.add_reader(w.conn.fileno(), self._readable, w)
        # uvloop (libuv) makes a polled descriptor non-blocking; the pipe is read only when it
        # is readable, and a worker writes each answer whole, so reads may block till its end.
        os.set_blocking(w.conn.fileno(), True)
        return w

    def _lost(self, w: _Worker) -> None:
        """``w`` died: drop it, start another, and check its batch once more (or answer 503).

        A worker that dies before it is ready fails :meth:`start` instead of being replaced, so a
        worker that cannot start (a broken install) stops the centre rather than looping."""
        if w not in self._workers:  # already handled (end-of-file and a readiness check both saw it)
            return
        self._loop.remove_reader(w.conn.fileno())
        self._workers.remove(w)
        w.stop(0.5)
        starting = [f for f in self._started if not f.done()]
        if not w.ready and starting:
            for f in starting:
                f.set_exception(RuntimeError(f"the verifier process could not start (exit code {w.proc.exitcode})"))
            self._closed = True
        batch, w.batch = w.batch or [], None
        retry = [(d, f, n + 1) for d, f, n in batch if not f.done() and n == 0]
        for _, fut, n in batch:
            if not fut.done() and n > 0:
                fut.set_exception(ExchangeError(503, "verifier", "the verifier process died twice; retry"))
        self._waiting = retry + self._waiting
        if not self._closed:
            self._spawn()
            self.replaced += 1

    def _readable(self, w: _Worker) -> None:
        try:
            data = w.conn.recv_bytes()
        except (EOFError, OSError):
            self._lost(w)
        else:
            if not w.ready:
                w.ready = True
                for fut in self._started:
                    if not fut.done() and all(x.ready for x in self._workers):
                        fut.set_result(None)
            else:
                batch, w.batch = w.batch or [], None
                results = pickle.loads(data)
                for (_, fut, _), result in zip(batch, results):
                    if not fut.done():
                        fut.set_result(result)
        self._launch()

    def _launch_now(self) -> None:
        self._launch_soon = False
        self._launch()

    def _launch(self) -> None:
        for w in self._workers:
            if not self._waiting:
                return
            if w.batch is not None or self._closed:
                continue
            batch, self._waiting = self._waiting[:_BATCH], self._waiting[_BATCH:]
            w.batch = batch
            try:
                w.conn.send_bytes(pickle.dumps([d for d, _, _ in batch], pickle.HIGHEST_PROTOCOL))
            except OSError:  # the worker is gone; its end-of-file is on the way and retries the batch
                pass

    # --- the pool's face ----------------------------------------------------------------------

    def healthy(self) -> bool:
        """Whether every worker is alive; a dead one is replaced (from the event loop) at once."""
        dead = [w for w in self._workers if not w.proc.is_alive()]
        if dead and self._loop is not None and not self._closed:
            self._loop.call_soon_threadsafe(self._reap)
        return not dead and len(self._workers) == self._processes and not self._closed

    def _reap(self) -> None:
        for w in [w for w in self._workers if not w.proc.is_alive()]:
            self._lost(w)
        self._launch()

    async def start(self) -> None:
        """Start the processes now and wait until each has loaded the checks."""
        self._loop = asyncio.get_running_loop()
        done = self._loop.create_future()
        self._started.append(done)
        for _ in range(self._processes - len(self._workers)):
            self._spawn()
        if all(w.ready for w in self._workers):
            done.set_result(None)
        await done

    @property
    def started(self) -> bool:
        """Whether :meth:`start` has run (the pool then belongs to that event loop)."""
        return self._loop is not None

    def submit(self, data: bytes, answer: Waiter) -> None:
        """Queue one body (from the running event loop, after :meth:`start`); ``answer`` gets the
        :func:`check_batch` result (a ``Checked`` or an error tuple) through ``set_result`` on the
        event loop, or a 503 through ``set_exception``."""
        if self._closed or self._loop is None:
            raise ExchangeError(503, "closing", "the centre is shutting down")
        self._waiting.append((data, answer, 0))
        if not self._launch_soon:  # after the loop's other ready callbacks: their bodies join the batch
            self._launch_soon = True
            self._loop.call_soon(self._launch_now)

    async def check(self, data: bytes) -> Any:
        """The :func:`check_batch` result for one body (a ``Checked`` or an error tuple)."""
        if self._loop is None:
            await self.start()
        fut = self._loop.create_future()
        self.submit(data, fut)
        return await fut

    def close(self) -> None:
        """Stop the workers; whatever was still waiting is answered 503."""
        self._closed = True
        for w in list(self._workers):
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(w.conn.fileno())
            w.stop(5.0)
            for _, fut, _ in w.batch or []:
                if not fut.done():
                    fut.set_exception(ExchangeError(503, "closing", "the centre is shutting down"))
        for _, fut, _ in self._waiting:
            if not fut.done():
                fut.set_exception(ExchangeError(503, "closing", "the centre is shutting down"))
        self._workers, self._waiting = [], []
