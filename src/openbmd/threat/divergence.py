"""Where two assessments part: each catalog figure two assumption sets state differently, and what it changes.

A figure differs when the sets state different values, or one states it and the other does not
(then the catalog decides for that set). Each difference is tried one at a time, both ways: set A
with B's figure, and B with A's. What changes (targets gained or lost, greatest range) is the
figure's consequence; a pair of figures that only matter together (a range stated at one payload
against a payload stated without a range) shows each figure's effect from the side where it acts.
Years change *when* a threat exists, not what it reaches; accuracy and inventory change neither.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from openbmd.catalog import ASSUMED_FIELDS, AssumptionSet, Catalog
from openbmd.earth import EarthModel
from openbmd.threat.assess import JOINT, Threat, ThreatRequest, reach_of

REACH_FIELDS = ("max_range_m", "payload_mass_kg")
"""Figures that change the flight, hence the reach."""


@dataclass(frozen=True)
class FigureEffect:
    """Set ``base`` with ``other``'s value of one figure: targets gained and lost, and the change in
    greatest range over the areas (m)."""

    base: str
    other: str
    gained: tuple[str, ...]
    lost: tuple[str, ...]
    max_range_change_m: float

    def to_json(self) -> dict[str, Any]:
        return {"base": self.base, "with_figure_of": self.other, "gained": list(self.gained),
                "lost": list(self.lost), "max_range_change_m": self.max_range_change_m}


@dataclass(frozen=True)
class Divergence:
    """One figure of one missile that two or more sets state differently.

    ``values``: set -> the stated value (None: not stated, the catalog decides); ``effects`` the
    one-at-a-time trials (reach figures only); ``consequence`` the effect in words; ``stated``: set -> how
    it knows the figure (basis, range, sources; None where it states none).
    """

    missile: str
    field: str
    values: dict[str, float | None]
    consequence: str
    effects: tuple[FigureEffect, ...] = ()
    targets_only: dict[str, tuple[str, ...]] | None = None
    warning_change_s: float | None = None
    stated: dict[str, dict[str, Any] | None] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"missile": self.missile, "field": self.field, "values": dict(self.values),
                               "consequence": self.consequence}
        if self.stated is not None:
            out["stated"] = dict(self.stated)
        if self.effects:
            out["effects"] = [e.to_json() for e in self.effects]
        if self.targets_only is not None:
            out["targets_only"] = {k: list(v) for k, v in self.targets_only.items()}
        if self.warning_change_s is not None:
            out["median_joint_warning_change_s"] = self.warning_change_s
        return out


def differing_fields(a: AssumptionSet, b: AssumptionSet, missile: str) -> list[str]:
    """The figures of ``missile`` that sets ``a`` and ``b`` state differently (stated vs not counts)."""
    fa, fb = a.for_missile(missile), b.for_missile(missile)
    out = []
    for name in ASSUMED_FIELDS:
        x, y = fa.figure(name), fb.figure(name)
        if (x is None) != (y is None) or (x is not None and x.value != y.value):
            out.append(name)
    return out


def _reached(threats: Sequence[Threat], missile: str, assumption: str) -> set[str]:
    return {p for t in threats if t.missile == missile and t.assumption == assumption for p in t.reaches}


def _max_range(threats: Sequence[Threat], missile: str, assumption: str) -> float:
    return max((t.max_range_m for t in threats if t.missile == missile and t.assumption == assumption),
               default=float("nan"))


def _warning_change(threats: Sequence[Threat], missile: str, a: str, b: str) -> float | None:
    """Median over common (area, target) of the joint warning time under b less that under a (s)."""
    diffs = []
    for ta in (t for t in threats if t.missile == missile and t.assumption == a):
        tb = next((t for t in threats if t.missile == missile and t.assumption == b and t.area == ta.area), None)
        if tb is None:
            continue
        wa, wb = ta.warning_time_s.get(JOINT, {}), tb.warning_time_s.get(JOINT, {})
        diffs += [wb[p] - wa[p] for p in set(wa) & set(wb) if wa[p] is not None and wb[p] is not None]
    return float(np.median(diffs)) if diffs else None


def _effect(catalog: Catalog, base: AssumptionSet, other: AssumptionSet, missile: str, field: str,
            request: ThreatRequest, threats: Sequence[Threat], earth: EarthModel, memo: dict | None) -> FigureEffect:
    hybrid = base.for_missile(missile).model_copy(update={field: other.for_missile(missile).figure(field)})
    reach = reach_of(catalog, missile, hybrid, request.areas, earth, n_azimuth=request.n_azimuth, memo=memo)
    now = {p for k in range(len(reach.areas)) for p in reach.reached(k)}
    before = _reached(threats, missile, base.name)
    return FigureEffect(base.name, other.name, tuple(sorted(now - before)), tuple(sorted(before - now)),
                        float(np.nanmax(reach.contours.max_range_m) - _max_range(threats, missile, base.name)))


def figure_text(field: str, v: float | None) -> str:
    """A set's value of ``field`` in words at the edge: km, kg, m or a year; 'not stated' for None."""
    if v is None:
        return "not stated"
    if field == "max_range_m":
        return f"{v / 1e3:,.0f} km"
    if field == "payload_mass_kg":
        return f"{v:,.0f} kg"
    if field == "cep_m":
        return f"{v:,.0f} m"
    return f"{v:.0f}"


def _source_text(src: Any) -> str:
    """A source in one line: 'title (author, year) url'."""
    who = ", ".join(str(x) for x in (src.author, src.year) if x)
    return " ".join(x for x in (src.title or "", f"({who})" if who else "", src.url or "") if x)


def _provenance(fig: Any) -> dict[str, Any] | None:
    """How a set knows one figure: its basis, the range its source allows, its sources in words."""
    if fig is None:
        return None
    rng = [fig.low, fig.high] if fig.low is not None or fig.high is not None else None
    return {"basis": fig.basis, "range": rng, "sources": [_source_text(x) for x in fig.source], "note": fig.note}


def _signed_km(m: float) -> str:
    """A change of range in whole km with its sign; "unchanged" when it rounds to 0 (never "-0 km")."""
    km = round(m / 1e3)
    return f"{km:+,d} km" if km else "unchanged"


def _reach_words(effects: Sequence[FigureEffect]) -> str:
    parts = []
    for e in effects:
        change = []
        if e.gained:
            change.append(f"gains {len(e.gained)} target(s) ({', '.join(e.gained[:4])}{'...' if len(e.gained) > 4 else ''})")
        if e.lost:
            change.append(f"loses {len(e.lost)} ({', '.join(e.lost[:4])}{'...' if len(e.lost) > 4 else ''})")
        change.append(f"greatest range {_signed_km(e.max_range_change_m)}")
        parts.append(f"{e.base} with {e.other}'s figure: " + ", ".join(change))
    return "; ".join(parts)


def divergence_table(catalog: Catalog, sets: Sequence[AssumptionSet], request: ThreatRequest,
                     threats: Sequence[Threat], earth: EarthModel, *, memo: dict | None = None) -> list[Divergence]:
    """Every figure two of ``sets`` state differently, per missile of ``request``, with its consequence.

    ``memo`` is the assessment's store of flown reaches (see :func:`openbmd.threat.reach_of`)."""
    out = []
    for missile in request.missiles:
        for a, b in itertools.combinations(sets, 2):  # two sets, usually: one pair
            ra, rb = _reached(threats, missile, a.name), _reached(threats, missile, b.name)
            only = {a.name: tuple(sorted(ra - rb)), b.name: tuple(sorted(rb - ra))}
            for field in differing_fields(a, b, missile):
                fa, fb = a.for_missile(missile).figure(field), b.for_missile(missile).figure(field)
                values = {a.name: fa.value if fa else None, b.name: fb.value if fb else None}
                stated = f"{a.name} {figure_text(field, values[a.name])}, {b.name} {figure_text(field, values[b.name])}"
                known = {a.name: _provenance(fa), b.name: _provenance(fb)}
                if field in REACH_FIELDS:
                    effects = (_effect(catalog, a, b, missile, field, request, threats, earth, memo),
                               _effect(catalog, b, a, missile, field, request, threats, earth, memo))
                    out.append(Divergence(missile, field, values, f"{stated}: {_reach_words(effects)}", effects,
                                          only, _warning_change(threats, missile, a.name, b.name), known))
                elif field == "first_year":
                    ya, yb = values[a.name], values[b.name]
                    if ya is None or yb is None:
                        words = f"{stated}: one set does not date the threat"
                    else:
                        early = a.name if ya < yb else b.name
                        lo, hi = int(min(ya, yb)), int(max(ya, yb))
                        n = len(_reached(threats, missile, early))
                        words = (f"{stated}: from {lo} to {hi - 1} only {early} counts this threat "
                                 f"({n} target(s) within its reach)") if lo < hi else stated
                    out.append(Divergence(missile, field, values, words, targets_only=only, stated=known))
                else:
                    out.append(Divergence(missile, field, values,
                                          f"{stated}: changes the damage expected, not who is reached or when",
                                          stated=known))
    return out
