"""Declared against observed: criteria checked with the burnout speeds an observer measured in flight tests.

An observation is the JSON of ``openbmd flight-test``: an interceptor, its declared and observed burnout speed
with a 95 % interval. Speed limits are checked with the confidence that the speed is below them; reach
criteria (over a region, or against the border) are checked at the observed speed and at both ends of its
interval, so the answer carries the uncertainty: it holds, fails, or is undecided within the interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scipy.stats import norm

from openbmd.assurance.reach import envelope_reach_m, reach_at_speed_m, reach_over_region
from openbmd.catalog import Catalog, CriteriaSet, Deployment
from openbmd.earth import EarthModel
from openbmd.earth.borders import distance_to_country_m
from openbmd.engagement import FireUnit, fire_unit
from openbmd.errors import InputError
from openbmd.tracking.models import Z95



@dataclass(frozen=True)
class ObservedSpeed:
    """An interceptor's burnout speed as observed (m/s): estimate, 1-σ, 95 % interval, and the declared value."""

    interceptor: str
    estimate_mps: float
    sigma_mps: float
    ci95: tuple[float, float]
    declared_mps: float | None

    def probability_below(self, limit_mps: float) -> float:
        """Probability that the true speed is below ``limit_mps`` (normal estimate)."""
        return float(norm.cdf((limit_mps - self.estimate_mps) / max(self.sigma_mps, 1e-12)))

    def to_json(self) -> dict[str, Any]:
        return {"interceptor": self.interceptor, "estimate_mps": self.estimate_mps, "sigma_mps": self.sigma_mps,
                "ci95": list(self.ci95), "declared_mps": self.declared_mps}


def _speed_field(value: Any, field: str, source: str) -> float:
    """A speed of the flight-test JSON (m/s): a finite number >= 0, else :class:`InputError` naming the field."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise InputError(f"{source}: field '{field}' must be a finite speed in m/s (>= 0), got {value!r}", "observed")
    return float(value)


def observed_speed(data: Any, source: str = "observed") -> ObservedSpeed:
    """Read a ``flight-test`` JSON document; :class:`InputError` names the file and the missing or malformed field."""
    if not isinstance(data, dict) or "interceptor" not in data or "burnout_speed_mps" not in data:
        raise InputError(f"{source}: not flight-test JSON (needs 'interceptor' and 'burnout_speed_mps')", "observed")
    if not isinstance(data["interceptor"], str) or not data["interceptor"].strip():
        raise InputError(f"{source}: field 'interceptor' must be an interceptor's name, got {data['interceptor']!r}",
                         "observed")
    s = data["burnout_speed_mps"]
    if not isinstance(s, dict) or s.get("estimate") is None or not s.get("ci95"):
        reason = data.get("reason") or "no estimate"
        raise InputError(f"{source}: field 'burnout_speed_mps' has no observed estimate ({reason})", "observed")
    ci = s["ci95"]
    if not isinstance(ci, (list, tuple)) or len(ci) != 2:
        raise InputError(f"{source}: field 'burnout_speed_mps.ci95' must be [low, high] in m/s, got {ci!r}", "observed")
    lo, hi = (_speed_field(x, "burnout_speed_mps.ci95", source) for x in ci)
    estimate = _speed_field(s["estimate"], "burnout_speed_mps.estimate", source)
    if not lo <= estimate <= hi:
        raise InputError(f"{source}: field 'burnout_speed_mps.ci95' [{lo:g}, {hi:g}] must hold the estimate "
                         f"{estimate:g} m/s", "observed")
    sigma = (hi - lo) / (2 * Z95) if s.get("sigma") is None else _speed_field(s["sigma"], "burnout_speed_mps.sigma",
                                                                             source)
    declared = None if s.get("declared") is None else _speed_field(s["declared"], "burnout_speed_mps.declared", source)
    return ObservedSpeed(data["interceptor"].strip(), estimate, sigma, (lo, hi), declared)


def _verdict(at_lo: bool, at_hi: bool) -> str:
    """A reach criterion over the speed interval: holds at both ends, fails at both, or undecided."""
    return "holds" if at_lo and at_hi else "fails" if not (at_lo or at_hi) else "undecided"


def _units(catalog: Catalog, deployment: Deployment, earth: EarthModel) -> list[FireUnit]:
    return [fire_unit(catalog, e.site, e.interceptor, earth) for e in deployment.emplacements if e.count > 0]


def criteria_both_ways(catalog: Catalog, deployment: Deployment, criteria: CriteriaSet,
                       observed: Sequence[ObservedSpeed], earth: EarthModel) -> list[dict[str, Any]]:
    """Each criterion, per interceptor or site, with the declared (catalog) figures and with the observed ones."""
    seen = {o.interceptor: o for o in observed}
    units = _units(catalog, deployment, earth)
    out = []
    for c in criteria.criteria:
        rows = []
        if c.rule == "max-burnout-speed":
            for name in dict.fromkeys(u.interceptor.name for u in units):
                declared = catalog.interceptor(name).burnout_speed_mps
                o = seen.get(name)
                conf = o.probability_below(c.value) if o else None
                rows.append({"interceptor": name, "declared_mps": declared, "declared_holds": declared <= c.value,
                             "observed": o.to_json() if o else None,
                             "observed_holds": None if o is None else conf >= 0.95, "confidence": conf})
        elif c.rule in ("no-reach-over-region", "border-distance-exceeds-reach"):
            region = catalog.region(c.region) if c.region else None
            for u in units:
                o = seen.get(u.interceptor.name)
                speeds = {"declared": u.burnout_speed_mps}
                if o is not None:
                    speeds |= {"observed": o.estimate_mps, "observed_low": o.ci95[0], "observed_high": o.ci95[1]}
                ok: dict[str, bool] = {}
                reach: dict[str, float] = {}
                for label, v in speeds.items():  # a few speeds per site, each one fan of fly-outs
                    reach[label] = envelope_reach_m(u) if label == "declared" else reach_at_speed_m(u.interceptor, v, earth)
                    if region is not None:
                        ok[label] = not reach_over_region([u], region, earth, speeds_mps=[v])[0].reaches
                    else:
                        d = distance_to_country_m(math.degrees(u.lat_rad), math.degrees(u.lon_rad),
                                                  criteria.border_country)
                        ok[label] = d >= reach[label]
                rows.append({"site": u.site, "interceptor": u.interceptor.name, "reach_m": reach,
                             "declared_holds": ok["declared"],
                             "observed_holds": None if o is None else _verdict(ok["observed_low"], ok["observed_high"])})
        else:
            rows.append({"note": "not a figure a flight test observes; checked on the declaration only"})
        out.append({"name": c.name, "rule": c.rule, "statement": c.statement, "checks": rows})
    return out
