"""What an exercise run returns: each mode's metrics as frozen dataclasses, and their JSON.

``to_json()`` gives the ``openbmd exercise run --json`` document. A field left ``None`` where the JSON leaves its
key out (``paired_vs_independent`` for the independent mode, ``decision_protocol`` but for joint) is marked
``OMIT_NONE``; every other field is written, ``None`` as ``null``. Intervals are (low, high) pairs, written as lists.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from numpy.typing import NDArray

Interval = tuple[float, float]
"""A 95 % interval (low, high)."""

OMIT_NONE = {"omit_none": True}
"""Field metadata: leave the key out of the JSON when the value is None."""


def _plain(value: Any) -> Any:
    """``value`` as JSON types: dataclasses through their ``to_json``, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return value.to_json()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


class _Json:
    """``to_json()``: every field in declaration order, but those with ``metadata={"json": False}`` and
    ``OMIT_NONE`` fields that are None."""

    def to_json(self) -> dict[str, Any]:
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.metadata.get("json", True) and not (v is None and f.metadata.get("omit_none")):
                out[f.name] = _plain(v)
        return out


def interval(pair: Sequence[float]) -> Interval:
    """A (low, high) interval from a two-item sequence."""
    lo, hi = pair
    return float(lo), float(hi)


@dataclass(frozen=True)
class PartyMetrics(_Json):
    """One party's contribution per trial: interceptors it fired and objects it killed (95 % intervals), and its
    interceptors by engagement authority."""

    interceptors_used: float
    interceptors_used_ci: Interval
    kills: float
    kills_ci: Interval
    interceptors_by_authority: dict[str, float]


@dataclass(frozen=True)
class RaidLeak(_Json):
    """One raid entry: the chance that one of its warheads leaks (mean over its missiles and the trials)."""

    missile: str
    origin: str
    target: str
    count: int
    p_leak: float


@dataclass(frozen=True)
class PairedDifference(_Json):
    """A mode minus independent, trial by trial on the same draws: P(no leak) and expected leakers, each with its
    95 % interval."""

    p_no_leak_diff: float
    ci: Interval
    expected_leakers_diff: float
    expected_leakers_ci: Interval


@dataclass(frozen=True)
class DecisionProtocol(_Json):
    """What the joint decision protocol costs: joint paired with itself deciding at once (no approval delay, no
    veto), and the leakers it makes late or vetoes (expected per trial)."""

    required_parties: tuple[str, ...]
    approval_median_s: float
    approval_spread: float
    veto_probability: float
    p_no_leak_deciding_at_once: float
    p_no_leak_cost: float
    p_no_leak_cost_ci: Interval
    expected_leakers_cost: float
    expected_leakers_cost_ci: Interval
    leakers_approval_late: float
    leakers_vetoed: float


@dataclass(frozen=True)
class UsePoint(_Json):
    """One point of the equal-use curve: every battery's inventory scaled by ``inventory_scale``."""

    inventory_scale: float
    interceptors_used: float
    p_no_leak: float
    expected_leakers: float


@dataclass(frozen=True)
class EqualUse(_Json):
    """The comparison at equal interceptor use: the mode's curve of P(no leak) against interceptors used, the
    interceptors it needs for ``p_target`` (the lowest P(no leak) above zero any mode reaches; None where none
    does or this mode never reaches it), and its P(no leak) and expected leakers at ``interceptors_common`` (the
    fewest any mode fires with its full inventory; None below this curve's fewest)."""

    curve: tuple[UsePoint, ...]
    curve_trials: int
    p_target: float | None
    interceptors_at_target: float | None
    interceptors_common: float
    p_no_leak_at_common: float | None
    expected_leakers_at_common: float | None


@dataclass(frozen=True, kw_only=True)
class ModeResult(_Json):
    """One cooperation mode over the trials: the metrics with 95 % intervals (per trial means), per party, by
    engagement authority, leakers by cause and by raid entry; against independent (paired); for joint, what its
    decision protocol costs; the equal-use comparison; and :attr:`explanation`, one plain sentence."""

    mode: str = field(metadata={"json": False})
    trials: int
    p_no_leak: float
    p_no_leak_ci: Interval
    expected_leakers: float
    expected_leakers_ci: Interval
    interceptors_used: float
    interceptors_used_ci: Interval
    value_defended: float
    value_defended_ci: Interval
    parties: dict[str, PartyMetrics]
    interceptors_wasted: float
    interceptors_at_decoys: float
    interceptors_by_authority: dict[str, float]
    leak_causes: dict[str, float]
    """Expected leaking warheads per trial, by cause."""
    leak_by_raid: tuple[RaidLeak, ...]
    paired_vs_independent: PairedDifference | None = field(default=None, metadata=OMIT_NONE)
    """None for independent itself, or when independent was not run."""
    decision_protocol: DecisionProtocol | None = field(default=None, metadata=OMIT_NONE)
    """The joint mode's only."""
    interceptors_per_p: EqualUse

    @classmethod
    def from_summary(cls, mode: str, summary: Mapping[str, Any], **rest: Any) -> ModeResult:
        """From :func:`openbmd.exercise.montecarlo.summarize`'s metrics and the fields it leaves out (``rest``)."""
        s = dict(summary)
        for k in ("p_no_leak_ci", "expected_leakers_ci", "interceptors_used_ci", "value_defended_ci"):
            s[k] = interval(s[k])
        s["parties"] = {p: PartyMetrics(v["interceptors_used"], interval(v["interceptors_used_ci"]), v["kills"],
                                        interval(v["kills_ci"]), dict(v["interceptors_by_authority"]))
                        for p, v in s["parties"].items()}
        return cls(mode=mode, **s, **rest)

    @property
    def explanation(self) -> str:
        """One plain sentence: how the mode did against independent and what its leakers came from."""
        causes = sorted(((v, c) for c, v in self.leak_causes.items() if v >= 0.005), reverse=True)
        why = ", ".join(f"{c} {v:.2f}" for v, c in causes[:3]) or "none"
        head = f"{self.mode}: P(no leak) {self.p_no_leak:.3f} with {self.interceptors_used:.1f} interceptors"
        d = self.paired_vs_independent
        if d is not None:
            head += (f", {d.p_no_leak_diff:+.3f} [{d.ci[0]:+.3f}, {d.ci[1]:+.3f}] against independent "
                     f"({d.expected_leakers_diff:+.2f} [{d.expected_leakers_ci[0]:+.2f}, "
                     f"{d.expected_leakers_ci[1]:+.2f}] leakers)")
        extra = ""
        remote = [f"{party} {pm.interceptors_by_authority[a]:.1f} {a}" for party, pm in self.parties.items()
                  for a in ("launch-on-remote", "engage-on-remote") if pm.interceptors_by_authority[a] >= 0.05]
        if remote:
            extra += f"; interceptors fired on remote tracks: {', '.join(remote)}"
        if self.interceptors_wasted >= 0.05:
            extra += f"; {self.interceptors_wasted:.1f} interceptors hit already-dead objects"
        if self.interceptors_at_decoys >= 0.05:
            extra += f"; {self.interceptors_at_decoys:.1f} went to decoys"
        dp = self.decision_protocol
        if dp is not None:
            extra += (f"; the joint decision protocol (approval median {dp.approval_median_s:.0f} s, veto "
                      f"{dp.veto_probability:.0%}) moves P(no leak) by {dp.p_no_leak_cost:+.3f} and expected "
                      f"leakers by {dp.expected_leakers_cost:+.2f} against deciding at once")
        eq = self.interceptors_per_p
        if eq.p_no_leak_at_common is not None and eq.interceptors_common < self.interceptors_used - 0.05:
            extra += (f"; at equal use ({eq.interceptors_common:.1f} interceptors) "
                      f"P(no leak) {eq.p_no_leak_at_common:.3f}, "
                      f"expected leakers {eq.expected_leakers_at_common:.2f}")
        return f"{head}; expected leakers {self.expected_leakers:.2f}, by cause: {why}{extra}."

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "explanation": self.explanation}


@dataclass(frozen=True)
class ExerciseNotes(_Json):
    """What a run was made of: objects and warheads flown, the batteries and sensors, and the track model."""

    objects: int
    warheads: int
    batteries: tuple[str, ...]
    tracks: str
    sensors: tuple[str, ...]


@dataclass(frozen=True)
class ExerciseResult:
    """Every mode's results for one scenario, side by side (in the order they were run)."""

    scenario: str
    trials: int
    seed: int
    modes: dict[str, ModeResult] = field(default_factory=dict)
    notes: ExerciseNotes | None = None
    per_trial: dict[str, dict[str, NDArray]] = field(default_factory=dict, repr=False, compare=False)
    """Each mode's raw per-trial arrays (the engine's outcome of every trial), for tables; not in the JSON."""

    def to_json(self) -> dict[str, Any]:
        """The ``openbmd exercise run --json`` document."""
        return {"scenario": self.scenario, "trials": self.trials, "seed": self.seed,
                "modes": {m: r.to_json() for m, r in self.modes.items()},
                **({"notes": self.notes.to_json()} if self.notes is not None else {})}
