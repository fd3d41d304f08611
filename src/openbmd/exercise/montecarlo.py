"""Monte Carlo over trials: fixed chunks with their own seeds, run locally or on Dask, and the metrics.

Trials are cut into chunks of :data:`CHUNK_TRIALS`; chunk c draws its uniforms from
``SeedSequence(seed).spawn(n_chunks)[c]``. The chunks are the same whatever runs them,
so one worker, two workers or a remote cluster give identical answers for one seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from openbmd.exercise.engine import MAX_SHOTS, run_trials
from openbmd.exercise.geometry import Prepared

CHUNK_TRIALS = 1000
Z95 = 1.959963984540054


def _chunk_seeds(seed: int, n_chunks: int) -> list[np.random.SeedSequence]:
    return np.random.SeedSequence(seed).spawn(n_chunks)


def run_chunk(prep: Prepared, n_trials: int, seed_seq: np.random.SeedSequence) -> dict[str, NDArray]:
    """Run ``n_trials`` trials with uniforms from ``seed_seq`` (a worker's unit of work).

    Kill draws come first, then track-delay draws per (party, object): both are indexed by
    object, so every mode sees the same luck (common random numbers)."""
    n = prep.is_warhead.shape[0]
    rng = np.random.default_rng(seed_seq)
    uniforms = rng.random((n_trials, n * MAX_SHOTS * prep.salvo))
    allowed = prep.tracks.allowed(prep.party, rng.random((n_trials, len(prep.parties), n)))
    leak, used, defended, used_by, kills_by, survived = run_trials(
        prep.rec_launch, prep.rec_intercept, prep.rec_count, allowed, prep.group, prep.party, prep.pk,
        prep.inventory, prep.reserve, prep.is_warhead, prep.value, prep.asset, prep.asset_value, prep.salvo,
        prep.shoot_look_shoot, prep.kill_assessment_s, len(prep.parties), uniforms)
    return {"leakers": leak, "used": used, "defended": defended, "used_by": used_by, "kills_by": kills_by,
            "survived": survived}


def run_trials_mc(prep: Prepared, trials: int, seed: int, *, client=None,
                  progress: Callable[[int], None] | None = None) -> dict[str, NDArray]:
    """All trials of one mode, in seeded chunks; on a Dask ``client`` when given. ``progress(k)`` is told
    of each chunk of k trials as it completes."""
    sizes = [min(CHUNK_TRIALS, trials - s) for s in range(0, trials, CHUNK_TRIALS)]
    seeds = _chunk_seeds(seed, len(sizes))
    parts: list[dict[str, NDArray] | None] = [None] * len(sizes)
    if client is None:
        for c, (size, ss) in enumerate(zip(sizes, seeds)):
            parts[c] = run_chunk(prep, size, ss)
            if progress:
                progress(size)
    else:
        from dask.distributed import as_completed

        shared = client.scatter(prep, broadcast=True, hash=False)  # a fresh key: no race with an earlier release
        futures = [client.submit(run_chunk, shared, size, ss, pure=False) for size, ss in zip(sizes, seeds)]
        index = {f.key: c for c, f in enumerate(futures)}
        for fut in as_completed(futures):
            parts[index[fut.key]] = fut.result()
            if progress:
                progress(sizes[index[fut.key]])
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def wilson(successes: int, n: int) -> tuple[float, float]:
    """95 % Wilson score interval for a proportion."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    d = 1 + Z95 ** 2 / n
    centre = (p + Z95 ** 2 / (2 * n)) / d
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / d
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return min(lo, p), max(hi, p)


def mean_ci(x: NDArray) -> tuple[float, list[float]]:
    """Mean and its 95 % normal-approximation interval."""
    x = np.asarray(x, float)
    m = float(x.mean())
    half = Z95 * float(x.std(ddof=1)) / math.sqrt(x.size) if x.size > 1 else 0.0
    return m, [m - half, m + half]


def summarize(raw: dict[str, NDArray], parties: Sequence[str]) -> dict[str, Any]:
    """Metrics of one mode with 95 % intervals."""
    n = raw["leakers"].size
    no_leak = int(np.sum(raw["leakers"] == 0))
    leak, leak_ci = mean_ci(raw["leakers"])
    used, used_ci = mean_ci(raw["used"])
    value, value_ci = mean_ci(raw["defended"])
    return {
        "trials": n,
        "p_no_leak": no_leak / n, "p_no_leak_ci": list(wilson(no_leak, n)),
        "expected_leakers": leak, "expected_leakers_ci": leak_ci,
        "interceptors_used": used, "interceptors_used_ci": used_ci,
        "value_defended": value, "value_defended_ci": value_ci,
        "parties": {p: _party_metrics(raw, k) for k, p in enumerate(parties)},
    }


def _party_metrics(raw: dict[str, NDArray], k: int) -> dict[str, Any]:
    """One party's contribution: interceptors it used and objects it killed per trial, with 95 % intervals."""
    used, used_ci = mean_ci(raw["used_by"][:, k])
    kills, kills_ci = mean_ci(raw["kills_by"][:, k])
    return {"interceptors_used": used, "interceptors_used_ci": used_ci, "kills": kills, "kills_ci": kills_ci}


@dataclass(frozen=True)
class ExerciseResult:
    """Every mode's metrics for one scenario, side by side."""

    scenario: str
    trials: int
    seed: int
    modes: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "trials": self.trials, "seed": self.seed, "modes": self.modes,
                **({"notes": self.notes} if self.notes else {})}
