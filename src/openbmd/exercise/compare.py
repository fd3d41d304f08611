"""Two scenarios side by side: the same modes, trials and seed, and per mode the paired differences (B − A).

Trial k of A is paired with trial k of B. Both runs draw from the same seed in the same order
(:func:`openbmd.exercise.montecarlo.draw_trials`), so where the two scenarios hold the same objects, parties
and sensors the pair meets the same random numbers (common random numbers) and the interval on the
difference is narrower than the two runs' own. Where they differ in shape the pairing is by trial number only;
the mean difference and its interval are then still right, only less tight.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openbmd.catalog.variants import Outcome
from openbmd.errors import InputError
from openbmd.exercise.montecarlo import paired_difference
from openbmd.exercise.results import ExerciseResult

RAID_REACHES = "every raid missile reaches its target"
"""The conclusion a catalog variant cannot decide when a raid missile of it falls short (then it alone is False)."""


@dataclass(frozen=True)
class ModeComparison:
    """One mode in scenarios A and B: P(no leak) and expected leakers in each, and the paired B − A
    differences with their 95 % intervals."""

    mode: str
    p_no_leak: tuple[float, float]
    p_no_leak_diff: float
    p_no_leak_diff_ci: tuple[float, float]
    expected_leakers: tuple[float, float]
    expected_leakers_diff: float
    expected_leakers_diff_ci: tuple[float, float]

    @property
    def significant(self) -> bool:
        """Whether the 95 % interval on the P(no leak) difference leaves out zero."""
        lo, hi = self.p_no_leak_diff_ci
        return lo > 0.0 or hi < 0.0

    def to_json(self) -> dict[str, Any]:
        return {"p_no_leak": {"a": self.p_no_leak[0], "b": self.p_no_leak[1]},
                "p_no_leak_diff": self.p_no_leak_diff, "p_no_leak_diff_ci": list(self.p_no_leak_diff_ci),
                "expected_leakers": {"a": self.expected_leakers[0], "b": self.expected_leakers[1]},
                "expected_leakers_diff": self.expected_leakers_diff,
                "expected_leakers_diff_ci": list(self.expected_leakers_diff_ci), "significant": self.significant}


@dataclass(frozen=True)
class Comparison:
    """Scenario B against scenario A, mode by mode (the modes both were run in, in A's order)."""

    a: str
    b: str
    trials: int
    seed: int
    modes: tuple[ModeComparison, ...]

    def outcome(self) -> Outcome:
        """What the comparison concludes, per mode: B leaks fewer warheads than A, and B's P(no leak) is higher
        (each on the point estimate); the paired differences B − A as quantities."""
        conclusions, quantities = {RAID_REACHES: True}, {}
        for m in self.modes:
            conclusions[f"{m.mode}: B leaks fewer than A"] = m.expected_leakers_diff < 0.0
            conclusions[f"{m.mode}: B has the higher P(no leak)"] = m.p_no_leak_diff > 0.0
            quantities[f"{m.mode} p_no_leak_diff"] = m.p_no_leak_diff
            quantities[f"{m.mode} expected_leakers_diff"] = m.expected_leakers_diff
        return Outcome(conclusions, quantities)

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "trials": self.trials, "seed": self.seed, "difference": "b - a",
                "modes": {m.mode: m.to_json() for m in self.modes}}


def compare_results(a: ExerciseResult, b: ExerciseResult, names: tuple[str, str] | None = None) -> Comparison:
    """Pair the trials of two exercise runs made with the same trials and seed; differences are B − A.
    ``names`` labels the two (default: the scenarios' names)."""
    if a.trials != b.trials or a.seed != b.seed:
        raise InputError(f"runs differ in trials or seed ({a.trials}/{a.seed} against {b.trials}/{b.seed}); "
                         "pairing needs the same", "b")
    common = [m for m in a.per_trial if m in b.per_trial]
    if not common:
        raise InputError("the two runs share no mode", "modes")
    rows = []
    for mode in common:
        la, lb = a.per_trial[mode]["leakers"], b.per_trial[mode]["leakers"]
        p_diff, p_ci = paired_difference(lb == 0, la == 0)
        l_diff, l_ci = paired_difference(lb, la)
        ma, mb = a.modes[mode], b.modes[mode]
        rows.append(ModeComparison(mode, (ma.p_no_leak, mb.p_no_leak), p_diff, (p_ci[0], p_ci[1]),
                                   (ma.expected_leakers, mb.expected_leakers), l_diff, (l_ci[0], l_ci[1])))
    label_a, label_b = names or (a.scenario, b.scenario)
    return Comparison(label_a, label_b, a.trials, a.seed, tuple(rows))
