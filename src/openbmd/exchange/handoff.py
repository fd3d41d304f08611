"""Results from the centre's writer thread to the event loop, one wake-up per batch.

``asyncio.wrap_future`` over a ``concurrent.futures.Future`` costs, per message, a future with
its own condition variable, two chained callbacks and a ``call_soon_threadsafe``: a write to
the loop's wake-up pipe and a read back. A group commit answers all of its messages at once, so
:class:`LoopHandoff` queues the answers under one lock and wakes the loop only when the queue
goes from empty to not empty: one wake-up per batch, whatever its size.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

__all__ = ["LoopHandoff"]


class _Waiter:
    """A :class:`~openbmd.exchange.service.Waiter` whose answer lands on ``future`` in the loop."""

    __slots__ = ("_hub", "_future", "_done")

    def __init__(self, hub: "LoopHandoff", future: asyncio.Future) -> None:
        self._hub, self._future, self._done = hub, future, False

    def done(self) -> bool:
        return self._done

    def set_result(self, result: Any) -> None:
        self._done = True
        self._hub._post(self._future, result, None)

    def set_exception(self, exception: BaseException) -> None:
        self._done = True
        self._hub._post(self._future, None, exception)


class LoopHandoff:
    """Answers for futures of the running event loop ``loop``, posted from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._lock = threading.Lock()
        self._ready: list[tuple[asyncio.Future, Any, BaseException | None]] = []

    def waiter(self) -> tuple[_Waiter, asyncio.Future]:
        """A waiter to hand to the centre, and the loop future it resolves."""
        future = self.loop.create_future()
        return _Waiter(self, future), future

    def _post(self, future: asyncio.Future, result: Any, exc: BaseException | None) -> None:
        with self._lock:
            self._ready.append((future, result, exc))
            if len(self._ready) > 1:
                return  # a wake-up is already on its way and will take this one too
        try:
            self.loop.call_soon_threadsafe(self._drain)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass

    def _drain(self) -> None:
        with self._lock:
            ready, self._ready = self._ready, []
        for future, result, exc in ready:
            if future.done():  # the request was cancelled (client gone)
                continue
            if exc is not None:
                future.set_exception(exc)
            else:
                future.set_result(result)
