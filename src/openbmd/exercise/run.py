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
from openbmd.exercise.montecarlo import ExerciseResult, leak_causes, paired_difference, run_trials_mc, summarize
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
    out, raws = {}, {}
    for mode in modes:
        raw = run_trials_mc(prepared[mode], trials, seed, client=client, progress=progress)
        raws[mode] = raw
        out[mode] = summarize(raw, prepared[mode].parties)
        out[mode]["leak_by_raid"] = _leak_by_raid(raw["survived"], objects, scenario)
    if "independent" in raws:
        base = raws["independent"]["leakers"]
        for mode in modes:
            if mode != "independent":
                diff, ci = paired_difference(raws[mode]["leakers"] == 0, base == 0)
                leak_diff, leak_ci = paired_difference(raws[mode]["leakers"], base)
                out[mode]["paired_vs_independent"] = {"p_no_leak_diff": diff, "ci": ci,
                                                      "expected_leakers_diff": leak_diff, "expected_leakers_ci": leak_ci}
    if "joint" in modes:
        out["joint"]["decision_protocol"] = _protocol_cost(prepared["joint"], raws["joint"], trials, seed, client)
    curve_trials = max(200, trials // 4)
    for mode in modes:
        out[mode]["interceptors_per_p"] = {"curve": _equal_use_curve(prepared[mode], out[mode], curve_trials, seed,
                                                                     client), "curve_trials": curve_trials}
    # Equal use, both ways: interceptors each mode needs for the lowest P(no leak) above zero that any mode reaches,
    # and each mode's P(no leak) at the fewest interceptors any mode fires with its full inventory.
    positive = [out[m]["p_no_leak"] for m in modes if out[m]["p_no_leak"] > 0]
    target = min(positive) if positive else None
    common = min(out[m]["interceptors_used"] for m in modes)
    for mode in modes:
        eq = out[mode]["interceptors_per_p"]
        eq["p_target"] = target
        eq["interceptors_at_target"] = None if target is None else _interceptors_for(eq["curve"], target)
        eq["interceptors_common"] = common
        eq["p_no_leak_at_common"] = _at_use(eq["curve"], common)
        eq["expected_leakers_at_common"] = _at_use(eq["curve"], common, "expected_leakers")
        out[mode]["explanation"] = explain(mode, out[mode])
    notes = {"objects": int(len(objects.is_warhead)), "warheads": int(objects.is_warhead.sum()),
             "batteries": prepared[modes[0]].battery_names, "tracks": prepared[modes[0]].tracks.model.source,
             "sensors": prepared[modes[0]].tracks.posts.names}
    return ExerciseResult(scenario.name, trials, seed, out, notes, raws)


def _protocol_cost(prep, raw: dict, trials: int, seed: int, client) -> dict:
    """What the joint decision protocol costs: the joint mode paired, trial by trial (the same draws), with the
    same mode deciding at once (no approval delay, no veto)."""
    free = dataclasses.replace(prep, approval_median_s=0.0, veto_probability=0.0)
    at_once = run_trials_mc(free, trials, seed, client=client)
    diff, ci = paired_difference(raw["leakers"] == 0, at_once["leakers"] == 0)
    leak_diff, leak_ci = paired_difference(raw["leakers"], at_once["leakers"])
    causes = leak_causes(raw)
    return {"required_parties": [p for p, r in zip(prep.parties, prep.required) if r],
            "approval_median_s": prep.approval_median_s, "approval_spread": prep.approval_spread,
            "veto_probability": prep.veto_probability,
            "p_no_leak_deciding_at_once": float(np.mean(at_once["leakers"] == 0)),
            "p_no_leak_cost": diff, "p_no_leak_cost_ci": ci, "expected_leakers_cost": leak_diff,
            "expected_leakers_cost_ci": leak_ci,
            "leakers_approval_late": causes["approval late"], "leakers_vetoed": causes["veto"]}


INVENTORY_SCALES = (0.25, 0.5, 0.75)
"""Inventory fractions at which the equal-use curve is run (the full inventory is the main run)."""


def _equal_use_curve(prep, full: dict, trials: int, seed: int, client) -> list[dict]:
    """P(no leak) and expected leakers against interceptors used as every battery's inventory is scaled down."""
    curve = []
    for scale in INVENTORY_SCALES:
        inv = np.floor(prep.inventory * scale).astype(np.int64)
        scaled = dataclasses.replace(prep, inventory=inv, reserve=np.minimum(prep.reserve, inv))
        raw = run_trials_mc(scaled, trials, seed, client=client)
        curve.append({"inventory_scale": scale, "interceptors_used": float(raw["used"].mean()),
                      "p_no_leak": float(np.mean(raw["leakers"] == 0)),
                      "expected_leakers": float(raw["leakers"].mean())})
    curve.append({"inventory_scale": 1.0, "interceptors_used": full["interceptors_used"],
                  "p_no_leak": full["p_no_leak"], "expected_leakers": full["expected_leakers"]})
    return curve


def _interceptors_for(curve: list[dict], target: float) -> float | None:
    """Interceptors used (interpolated along the curve) when P(no leak) first reaches ``target``."""
    prev = None
    for point in curve:
        if point["p_no_leak"] >= target:
            if prev is None or point["p_no_leak"] == prev["p_no_leak"]:
                return point["interceptors_used"]
            w = (target - prev["p_no_leak"]) / (point["p_no_leak"] - prev["p_no_leak"])
            return prev["interceptors_used"] + w * (point["interceptors_used"] - prev["interceptors_used"])
        prev = point
    return None


def _at_use(curve: list[dict], interceptors: float, metric: str = "p_no_leak") -> float | None:
    """``metric`` interpolated along the curve at ``interceptors`` used; None below the curve's fewest."""
    used = np.array([c["interceptors_used"] for c in curve])
    p = np.array([c[metric] for c in curve])
    order = np.argsort(used, kind="stable")
    if interceptors < used[order[0]] - 1e-9:
        return None
    return float(np.interp(interceptors, used[order], p[order]))


def explain(mode: str, m: dict) -> str:
    """One plain sentence: how the mode did against independent and what its leakers came from."""
    causes = sorted(((v, c) for c, v in m["leak_causes"].items() if v >= 0.005), reverse=True)
    why = ", ".join(f"{c} {v:.2f}" for v, c in causes[:3]) or "none"
    head = f"{mode}: P(no leak) {m['p_no_leak']:.3f} with {m['interceptors_used']:.1f} interceptors"
    if "paired_vs_independent" in m:
        d = m["paired_vs_independent"]
        head += (f", {d['p_no_leak_diff']:+.3f} [{d['ci'][0]:+.3f}, {d['ci'][1]:+.3f}] against independent "
                 f"({d['expected_leakers_diff']:+.2f} [{d['expected_leakers_ci'][0]:+.2f}, "
                 f"{d['expected_leakers_ci'][1]:+.2f}] leakers)")
    extra = ""
    remote = [f"{party} {pm['interceptors_by_authority'][a]:.1f} {a}" for party, pm in m["parties"].items()
              for a in ("launch-on-remote", "engage-on-remote") if pm["interceptors_by_authority"][a] >= 0.05]
    if remote:
        extra += f"; interceptors fired on remote tracks: {', '.join(remote)}"
    if m["interceptors_wasted"] >= 0.05:
        extra += f"; {m['interceptors_wasted']:.1f} interceptors hit already-dead objects"
    if m["interceptors_at_decoys"] >= 0.05:
        extra += f"; {m['interceptors_at_decoys']:.1f} went to decoys"
    dp = m.get("decision_protocol")
    if dp is not None:
        extra += (f"; the joint decision protocol (approval median {dp['approval_median_s']:.0f} s, veto "
                  f"{dp['veto_probability']:.0%}) moves P(no leak) by {dp['p_no_leak_cost']:+.3f} and expected "
                  f"leakers by {dp['expected_leakers_cost']:+.2f} against deciding at once")
    eq = m.get("interceptors_per_p", {})
    if eq.get("p_no_leak_at_common") is not None and eq["interceptors_common"] < m["interceptors_used"] - 0.05:
        extra += (f"; at equal use ({eq['interceptors_common']:.1f} interceptors) "
                  f"P(no leak) {eq['p_no_leak_at_common']:.3f}, "
                  f"expected leakers {eq['expected_leakers_at_common']:.2f}")
    return f"{head}; expected leakers {m['expected_leakers']:.2f}, by cause: {why}{extra}."


def _leak_by_raid(survived: NDArray, objects: Objects, scenario: Scenario) -> list[dict]:
    """Per raid entry, the chance that one of its warheads leaks (mean over its missiles and the trials)."""
    out = []
    for k, r in enumerate(scenario.raid):
        rows = (objects.raid_index == k) & objects.is_warhead
        out.append({"missile": r.missile, "origin": r.origin, "target": r.target, "count": r.count,
                    "p_leak": float(survived[:, rows].mean())})
    return out
