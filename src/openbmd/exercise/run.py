"""Run an exercise: every requested mode of a scenario through the Monte Carlo, locally or on Dask."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog import Catalog
from openbmd.earth import EarthModel
from openbmd.errors import InputError
from openbmd.exercise.geometry import Objects, fly_raid, prepare
from openbmd.exercise.montecarlo import leak_causes, paired_difference, run_trials_mc, summarize
from openbmd.exercise.results import (DecisionProtocol, EqualUse, ExerciseNotes, ExerciseResult, ModeResult,
                                      PairedDifference, RaidLeak, UsePoint, interval)
from openbmd.exercise.scenario import MODES, Scenario


def parse_modes(text: str) -> tuple[str, ...]:
    modes = tuple(m.strip() for m in text.split(",") if m.strip())
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise InputError(f"unknown mode {bad[0] if bad else text!r}; use any of {', '.join(MODES)}", "modes")
    return modes


def run_exercise(scenario: Scenario, catalog: Catalog, earth: EarthModel, *, modes: Sequence[str] = MODES,
                 trials: int = 10_000, seed: int = 1, client=None,
                 progress: Callable[[int], None] | None = None) -> ExerciseResult:
    """Metrics of each mode over ``trials`` seeded trials (same seeds for every mode)."""
    if trials < 1:
        raise InputError("must be at least 1", "trials")
    if "sectoral" in modes and not scenario.cooperation.sectors:
        raise InputError("the sectoral mode needs cooperation.sectors in the scenario", "modes")
    objects = fly_raid(scenario, catalog, earth)
    prepared = prepare(scenario, catalog, earth, objects, tuple(modes))
    raws = {}
    for mode in modes:
        raws[mode] = run_trials_mc(prepared[mode], trials, seed, client=client, progress=progress)
    summaries = {mode: summarize(raws[mode], prepared[mode].parties) for mode in modes}
    paired = {}
    if "independent" in raws:
        base = raws["independent"]["leakers"]
        for mode in modes:
            if mode != "independent":
                diff, ci = paired_difference(raws[mode]["leakers"] == 0, base == 0)
                leak_diff, leak_ci = paired_difference(raws[mode]["leakers"], base)
                paired[mode] = PairedDifference(diff, interval(ci), leak_diff, interval(leak_ci))
    protocol = ({"joint": _protocol_cost(prepared["joint"], raws["joint"], trials, seed, client)}
                if "joint" in modes else {})
    curve_trials = max(200, trials // 4)
    curves = {mode: _equal_use_curve(prepared[mode], summaries[mode], curve_trials, seed, client) for mode in modes}
    # Equal use, both ways: interceptors each mode needs for the lowest P(no leak) above zero that any mode reaches,
    # and each mode's P(no leak) at the fewest interceptors any mode fires with its full inventory.
    positive = [summaries[m]["p_no_leak"] for m in modes if summaries[m]["p_no_leak"] > 0]
    target = min(positive) if positive else None
    common = min(summaries[m]["interceptors_used"] for m in modes)
    out = {}
    for mode in modes:
        curve = curves[mode]
        eq = EqualUse(curve, curve_trials, target, None if target is None else _interceptors_for(curve, target),
                      common, _at_use(curve, common), _at_use(curve, common, "expected_leakers"))
        out[mode] = ModeResult.from_summary(mode, summaries[mode],
                                            leak_by_raid=_leak_by_raid(raws[mode]["survived"], objects, scenario),
                                            paired_vs_independent=paired.get(mode),
                                            decision_protocol=protocol.get(mode), interceptors_per_p=eq)
    first = prepared[modes[0]]
    notes = ExerciseNotes(int(len(objects.is_warhead)), int(objects.is_warhead.sum()), tuple(first.battery_names),
                          first.tracks.model.source, tuple(first.tracks.posts.names))
    return ExerciseResult(scenario.name, trials, seed, out, notes, raws)


def _protocol_cost(prep, raw: dict, trials: int, seed: int, client) -> DecisionProtocol:
    """What the joint decision protocol costs: the joint mode paired, trial by trial (the same draws), with the
    same mode deciding at once (no approval delay, no veto)."""
    free = dataclasses.replace(prep, approval_median_s=0.0, veto_probability=0.0)
    at_once = run_trials_mc(free, trials, seed, client=client)
    diff, ci = paired_difference(raw["leakers"] == 0, at_once["leakers"] == 0)
    leak_diff, leak_ci = paired_difference(raw["leakers"], at_once["leakers"])
    causes = leak_causes(raw)
    return DecisionProtocol(tuple(p for p, r in zip(prep.parties, prep.required) if r), prep.approval_median_s,
                            prep.approval_spread, prep.veto_probability, float(np.mean(at_once["leakers"] == 0)),
                            diff, interval(ci), leak_diff, interval(leak_ci), causes["approval late"],
                            causes["veto"])


INVENTORY_SCALES = (0.25, 0.5, 0.75)
"""Inventory fractions at which the equal-use curve is run (the full inventory is the main run)."""


def _equal_use_curve(prep, full: dict, trials: int, seed: int, client) -> tuple[UsePoint, ...]:
    """P(no leak) and expected leakers against interceptors used as every battery's inventory is scaled down;
    ``full`` is the full inventory's :func:`~openbmd.exercise.montecarlo.summarize`."""
    curve = []
    for scale in INVENTORY_SCALES:
        inv = np.floor(prep.inventory * scale).astype(np.int64)
        scaled = dataclasses.replace(prep, inventory=inv, reserve=np.minimum(prep.reserve, inv))
        raw = run_trials_mc(scaled, trials, seed, client=client)
        curve.append(UsePoint(scale, float(raw["used"].mean()), float(np.mean(raw["leakers"] == 0)),
                              float(raw["leakers"].mean())))
    curve.append(UsePoint(1.0, full["interceptors_used"], full["p_no_leak"], full["expected_leakers"]))
    return tuple(curve)


def _interceptors_for(curve: Sequence[UsePoint], target: float) -> float | None:
    """Interceptors used (interpolated along the curve) when P(no leak) first reaches ``target``."""
    prev = None
    for point in curve:
        if point.p_no_leak >= target:
            if prev is None or point.p_no_leak == prev.p_no_leak:
                return point.interceptors_used
            w = (target - prev.p_no_leak) / (point.p_no_leak - prev.p_no_leak)
            return prev.interceptors_used + w * (point.interceptors_used - prev.interceptors_used)
        prev = point
    return None


def _at_use(curve: Sequence[UsePoint], interceptors: float, metric: str = "p_no_leak") -> float | None:
    """``metric`` (a :class:`UsePoint` field) interpolated along the curve at ``interceptors`` used; None below the
    curve's fewest."""
    used = np.array([c.interceptors_used for c in curve])
    p = np.array([getattr(c, metric) for c in curve])
    order = np.argsort(used, kind="stable")
    if interceptors < used[order[0]] - 1e-9:
        return None
    return float(np.interp(interceptors, used[order], p[order]))


def _leak_by_raid(survived: NDArray, objects: Objects, scenario: Scenario) -> tuple[RaidLeak, ...]:
    """Per raid entry, the chance that one of its warheads leaks (mean over its missiles and the trials)."""
    return tuple(RaidLeak(r.missile, r.origin, r.target, r.count,
                          float(survived[:, (objects.raid_index == k) & objects.is_warhead].mean()))
                 for k, r in enumerate(scenario.raid))
