"""Signature checks of submissions in worker processes, fed in batches, replaced when they die.

While one batch is being checked the next one gathers, so the inter-process cost is paid per
batch, not per message. A worker that dies (``kill -9``, out of memory) breaks the whole
``ProcessPoolExecutor``; the pool is then replaced and each batch it lost is checked once more
on the new one (the checks are pure, so a retry is safe), and answered 503 only if that fails
too. Workers ask the kernel to kill them when the server dies (``PR_SET_PDEATHSIG``), so a
SIGKILLed server leaves no verifier behind, and with them gone the resource tracker ends too.
"""

from __future__ import annotations

import asyncio
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from openbmd.exchange.service import Centre, ExchangeError, check_batch

__all__ = ["VerifierPool", "die_with_parent"]

_BATCH = 256
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Worker initializer: be killed when the parent process dies (Linux), or exit if it already has."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent's shutdown still ends the workers
        pass
    if os.getppid() != parent_pid:
        os._exit(0)


class VerifierPool:
    """``processes`` worker processes checking submissions for ``centre`` (see :func:`check_batch`)."""

    def __init__(self, centre: Centre, processes: int) -> None:
        self._keys = centre.public_keys
        self._limit = centre.config.limits.max_body_bytes
        self._processes = processes
        self._slots = processes
        self._pool = self._new_pool()
        self._waiting: list[tuple[bytes, asyncio.Future, int]] = []
        self.replaced = 0
        """How many times a broken pool was replaced."""

    def _new_pool(self) -> ProcessPoolExecutor:
        import multiprocessing

        return ProcessPoolExecutor(self._processes, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=die_with_parent, initargs=(os.getpid(),))

    def _broken(self) -> bool:
        return bool(getattr(self._pool, "_broken", False))

    def _replace(self) -> None:
        old, self._pool = self._pool, self._new_pool()
        self.replaced += 1
        old.shutdown(wait=False, cancel_futures=True)

    def healthy(self) -> bool:
        """Whether the pool can take work now; a broken pool is replaced on the spot."""
        if self._broken():
            self._replace()
            return False
        return True

    async def start(self) -> None:
        """Start the processes now rather than on the first message."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self._pool, check_batch, [], {}, 0)
                               for _ in range(self._processes)))

    async def check(self, data: bytes) -> Any:
        """The :func:`check_batch` result for one body (a ``Checked`` or an error tuple)."""
        fut = asyncio.get_running_loop().create_future()
        self._waiting.append((data, fut, 0))
        self._launch()
        return await fut

    def _launch(self) -> None:
        while self._slots > 0 and self._waiting:
            if self._broken():
                self._replace()
            batch, self._waiting = self._waiting[:_BATCH], self._waiting[_BATCH:]
            pool = self._pool
            self._slots -= 1
            try:
                job = asyncio.get_running_loop().run_in_executor(
                    pool, check_batch, [d for d, _, _ in batch], self._keys, self._limit)
            except (BrokenProcessPool, RuntimeError) as exc:
                job = asyncio.get_running_loop().create_future()
                job.set_exception(exc if isinstance(exc, BrokenProcessPool) else BrokenProcessPool(str(exc)))
            job.add_done_callback(lambda j, b=batch, p=pool: self._done(b, j, p))

    def _done(self, batch: list[tuple[bytes, asyncio.Future, int]], job: asyncio.Future,
              pool: ProcessPoolExecutor) -> None:
        self._slots += 1
        exc = job.exception() if not job.cancelled() else BrokenProcessPool("cancelled")
        if isinstance(exc, BrokenProcessPool):
            if pool is self._pool:
                self._replace()
            retry = [(d, f, n + 1) for d, f, n in batch if not f.done() and n == 0]
            for _, fut, n in batch:
                if not fut.done() and n > 0:
                    fut.set_exception(ExchangeError(503, "verifier", "the verifier process died twice; retry"))
            self._waiting = retry + self._waiting
        else:
            for i, (_, fut, _) in enumerate(batch):
                if fut.done():
                    continue
                if exc is not None:
                    fut.set_exception(ExchangeError(503, "verifier", f"verifier process failed: {exc}"))
                else:
                    fut.set_result(job.result()[i])
        self._launch()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
