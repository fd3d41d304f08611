"""Progress for long runs, in a terminal, in Jupyter, or as plain lines on stderr; or silent.

Domain functions take a ``progress(k)`` callback (k units done); this module makes one:

>>> with progress_bar("footprint", total=100, enabled=False) as advance:
...     advance(50)
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator

Advance = Callable[[int], None]
"""Told of ``k`` more units done."""


def in_jupyter() -> bool:
    """Whether we run inside a Jupyter (IPython kernel) session."""
    shell = sys.modules.get("IPython")
    ip = shell.get_ipython() if shell is not None and hasattr(shell, "get_ipython") else None
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


@contextlib.contextmanager
def progress_bar(description: str, total: int, *, enabled: bool = True,
                 plain_every_s: float = 2.0) -> Iterator[Advance]:
    """A Rich bar on a terminal or in Jupyter; elsewhere a plain ``description: k/total (p%)`` line on
    stderr at most every ``plain_every_s`` seconds (and at the end); nothing when not ``enabled``.

    Never writes to stdout, so machine output stays clean.
    """
    if not enabled or total <= 0:
        yield lambda k: None
        return
    if sys.stderr.isatty() or in_jupyter():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=Console(stderr=True), transient=not in_jupyter()) as bar:
            task = bar.add_task(description, total=total)
            yield lambda k: bar.advance(task, k)
        return
    done, last = 0, time.monotonic()

    def advance(k: int) -> None:
        nonlocal done, last
        done += k
        now = time.monotonic()
        if now - last >= plain_every_s or done >= total:
            print(f"{description}: {done:,}/{total:,} ({100 * done / total:.0f}%)", file=sys.stderr, flush=True)
            last = now

    yield advance
