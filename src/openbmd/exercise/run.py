"""Run an exercise: every requested mode of a scenario through the Monte Carlo, locally or on Dask."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from numpy.typing import NDArray

from openbmd.catalog import Catalog
from openbmd.earth import EarthModel
from openbmd.errors import InputError
from openbmd.exercise.geometry import Objects, fly_raid, prepare
from openbmd.exercise.montecarlo import ExerciseResult, run_trials_mc, summarize
from openbmd.exercise.scenario import MODES, Scenario


def parse_modes(text: str) -> tuple[str, ...]:
    modes = tuple(m.strip() for m in text.split(",") if m.strip())
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise InputError(f"unknown mode {bad[0] if bad else text!r}; use any of {', '.join(MODES)}", "--modes")
    return modes


def run_exercise(scenario: Scenario, catalog: Catalog, earth: EarthModel, *, modes: Sequence[str] = MODES,
                 trials: int = 10_000, seed: int = 1, client=None,
                 progress: Callable[[int], None] | None = None) -> ExerciseResult:
    """Metrics of each mode over ``trials`` seeded trials (same seeds for every mode)."""
    if trials < 1:
        raise InputError("must be at least 1", "--trials")
    if "sectoral" in modes and not scenario.cooperation.sectors:
        raise InputError("the sectoral mode needs cooperation.sectors in the scenario", "--modes")
    objects = fly_raid(scenario, catalog, earth)
    prepared = prepare(scenario, catalog, earth, objects, tuple(modes))
    out = {}
    for mode in modes:
        raw = run_trials_mc(prepared[mode], trials, seed, client=client, progress=progress)
        out[mode] = summarize(raw, prepared[mode].parties)
        out[mode]["leak_by_raid"] = _leak_by_raid(raw["survived"], objects, scenario)
    notes = {"objects": int(len(objects.is_warhead)), "warheads": int(objects.is_warhead.sum()),
             "batteries": prepared[modes[0]].battery_names, "tracks": prepared[modes[0]].tracks.model.source}
    return ExerciseResult(scenario.name, trials, seed, out, notes)


def _leak_by_raid(survived: NDArray, objects: Objects, scenario: Scenario) -> list[dict]:
    """Per raid entry, the chance that one of its warheads leaks (mean over its missiles and the trials)."""
    out = []
    for k, r in enumerate(scenario.raid):
        rows = (objects.raid_index == k) & objects.is_warhead
        out.append({"missile": r.missile, "origin": r.origin, "target": r.target, "count": r.count,
                    "p_leak": float(survived[:, rows].mean())})
    return out
