"""Compile the numba kernels every command runs, into numba's on-disk cache (``make setup`` runs this), so that
the first command after set-up pays no compilation. The ``assure`` step also stores the interceptors' fly-out
tables in their disk cache (:mod:`openbmd.diskcache`), so that the first assessment builds none (the assurance
bench: 30 tables, about 4 s of CPU). Tables found there are not rebuilt, so their kernel then compiles only when
a new table is first built.

Usage: python -m openbmd.warmup [STEP ...]   (steps: trajectory engage footprint assure threat flight-test exercise
track; all by default)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable


def _steps() -> list[tuple[str, Callable[[], object]]]:
    import openbmd.api as ob

    return [
        ("trajectory", lambda: ob.trajectory("shahab-3", "tabriz", "ankara")),
        ("engage", lambda: ob.engage("shahab-3", "tabriz", "ankara", sites="deveselu", interceptors="sm3-ib",
                                     progress=False)),
        ("footprint", lambda: ob.footprint("shahab-3", "tabriz", sites="deveselu", interceptors="sm3-ib",
                                           region=(26.0, 42.0, 28.0, 44.0), grid_deg=1.0, progress=False)),
        ("assure", lambda: ob.assure("epaa-phase3", progress=False)),
        ("threat", lambda: ob.threat("tabriz", "shahab-3", azimuths=8, progress=False)),
        ("flight-test", lambda: ob.flight_test("sm3-iia", "aegis-black-sea", azimuth_deg=90.0, observer="russia")),
        ("exercise", lambda: ob.exercise("nrc-2012", trials=20, progress=False)),
        ("track", lambda: ob.track(progress=False)),
    ]


def main(names: list[str] | None = None) -> None:
    steps = dict(_steps())
    unknown = [n for n in names or () if n not in steps]
    if unknown:
        sys.exit(f"openbmd.warmup: unknown step {unknown[0]!r}; use any of {', '.join(steps)}")
    for name in names or list(steps):
        step = steps[name]
        t = time.perf_counter()
        step()
        print(f"warm-up: {name} {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
