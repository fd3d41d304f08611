"""Can a deployment threaten the other side's strategic missiles? The assessment and its criteria.

:func:`assess` flies every base→target corridor, engages it with the deployment
(detection by the deployment's sensors, the catalog timeline, shoot-look-shoot
windows) and reports per pair whether it is engageable, its window, its speed
threshold and its delay budget; per site its distance to the other side's border
against its interceptors' reach. :func:`evaluate_criteria` checks a criteria set
and says what each criterion buys: the engageable pairs with and without it.

A corridor's missile is engaged warhead by warhead (``Corridors.engaged``: for a
missile with a post-boost vehicle, the warheads its bus releases along its path);
each pair takes its most demanding warhead (:func:`per_pair`, :data:`WARHEADS_RULE`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from openbmd.assurance.corridors import Corridors
from openbmd.assurance.threshold import latest_launch_s, speed_thresholds_mps
from openbmd.catalog import Catalog, CriteriaSet, Deployment, Timeline
from openbmd.earth import EarthModel
from openbmd.earth.borders import distance_to_country_m
from openbmd.engagement import FireUnit, engage, fire_unit, windows_of
from openbmd.sensors import SensorPost, place_posts, sensor_posts


@dataclass(frozen=True)
class Armed:
    """A deployment made ready to engage: its fire units (each with its catalog interceptor) and sensor posts."""

    deployment: Deployment
    batteries: list[FireUnit]
    posts: list[SensorPost]


def arm(catalog: Catalog, deployment: Deployment, earth: EarthModel, *,
        burnout_speed_mps: float | None = None, speed_cap_mps: float | None = None) -> Armed:
    """Fire units for every emplacement with interceptors (count > 0) and posts for the listed sensors and sites.

    ``burnout_speed_mps`` sets every interceptor's speed; ``speed_cap_mps`` only caps it.
    """
    units = [fire_unit(catalog, e.site, e.interceptor, earth, burnout_speed_mps=burnout_speed_mps,
                       speed_cap_mps=speed_cap_mps) for e in deployment.emplacements if e.count > 0]
    posts = sensor_posts(catalog, deployment.sensors, "sensors")
    for e in deployment.emplacements:  # a site's own radars (Aegis SPY-1) count too
        names = {p.name for p in posts}
        posts.extend(p for p in place_posts(catalog, e.site) if p.name not in names)
    return Armed(deployment, units, posts)


@dataclass(frozen=True)
class SiteCheck:
    """A site's distance (m) to the other side's territory against its interceptors' reach (m)."""

    name: str
    interceptor: str
    border_distance_m: float
    max_reach_m: float

    @property
    def satisfies_distance_criterion(self) -> bool:
        return self.border_distance_m >= self.max_reach_m

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "interceptor": self.interceptor, "border_distance_m": self.border_distance_m,
                "max_reach_m": self.max_reach_m, "satisfies_distance_criterion": self.satisfies_distance_criterion}


@dataclass(frozen=True)
class AssuranceResult:
    """Per pair: engageable, window, speed threshold (m/s) and delay budget (s); per site: the distance check."""

    deployment: str
    border_country: str
    pairs: list[dict[str, Any]]
    sites: list[SiteCheck]
    assumptions: dict[str, Any]
    criteria: list[dict[str, Any]] = field(default_factory=list)

    @property
    def engageable_pairs(self) -> int:
        return sum(p["engageable"] for p in self.pairs)

    def to_json(self) -> dict[str, Any]:
        out = {"deployment": self.deployment, "assumptions": self.assumptions, "pairs": self.pairs,
               "sites": [s.to_json() for s in self.sites],
               "summary": {"engageable_pairs": self.engageable_pairs, "total_pairs": len(self.pairs),
                           "reachable_pairs": sum(p["reachable"] for p in self.pairs)}}
        if self.criteria:
            out["criteria"] = self.criteria
        return out


def per_pair(values: np.ndarray, corridors: Corridors, worst: str) -> np.ndarray:
    """(N,) per pair the most demanding of ``values`` (one per warhead of ``corridors.engaged``): the largest
    (``worst="max"``: NaN if any is NaN, as for speed thresholds) or the smallest (``"min"``); NaN for a pair with
    no warhead. A pair whose missile has no post-boost vehicle has one warhead: its own value, unchanged."""
    pair, n = corridors.warhead_pair, len(corridors)
    if len(pair) == n and np.array_equal(pair, np.arange(n)):
        return np.asarray(values, float)
    out = np.full(n, -np.inf if worst == "max" else np.inf)
    with np.errstate(invalid="ignore"):  # a NaN (no threshold) is meant to carry through
        (np.maximum if worst == "max" else np.minimum).at(out, pair, np.asarray(values, float))
    out[np.bincount(pair, minlength=n) == 0] = np.nan
    return out


WARHEADS_RULE = ("a missile with a post-boost vehicle is engaged warhead by warhead, as its bus releases them "
                 "along its path: a pair is engageable only if every warhead is; its speed threshold is its most "
                 "demanding warhead's (the highest), its delay budget the smallest, its window that of the warhead "
                 "with the fewest shots (window.warhead, 1-based in release order)")
"""What an assessment takes for a pair whose missile releases several warheads (said in ``assumptions``)."""


def engageable(armed: Armed, corridors: Corridors, timeline: Timeline, earth: EarthModel) -> np.ndarray:
    """Whether each corridor gets at least one intercept opportunity against every warhead its missile puts in
    the air (bool, N)."""
    if not armed.batteries:
        return np.zeros(len(corridors), dtype=bool)
    result = engage(corridors.engaged, armed.batteries, armed.posts, timeline, earth)
    return (per_pair(result.shots > 0, corridors, "min") == 1) & corridors.reachable


def assess(catalog: Catalog, deployment: Deployment, corridors: Corridors, timeline: Timeline, earth: EarthModel, *,
           border_country: str = "RUS", burnout_speed_mps: float | None = None,
           with_thresholds: bool = True) -> AssuranceResult:
    """The assessment of ``deployment`` against the ``corridors`` (see the module docstring)."""
    armed = arm(catalog, deployment, earth, burnout_speed_mps=burnout_speed_mps)
    n = len(corridors)
    threats, pair = corridors.engaged, corridors.warhead_pair
    if armed.batteries:
        result = engage(threats, armed.batteries, armed.posts, timeline, earth)
        firm = result.detection_t_s + timeline.firm_track_delay_s
        budget = per_pair(latest_launch_s(threats, armed.batteries, earth) - firm, corridors, "min")
        thresholds = (speed_thresholds_mps(threats, armed.batteries, result.launch_allowed_t_s, earth, group=pair,
                                           n_groups=n) if with_thresholds else np.full(n, np.nan))
        shots = per_pair(result.shots, corridors, "min")
        # Each pair's most demanding warhead: the fewest shots, the first of those tied.
        worst = np.lexsort((np.arange(len(pair)), result.shots, pair))
        first = worst[np.r_[True, pair[worst][1:] != pair[worst][:-1]]] if len(pair) else worst
        worst_of = dict(zip(pair[first].tolist(), first.tolist()))
    else:
        result, budget, thresholds, shots, worst_of = None, np.full(n, -np.inf), np.full(n, np.nan), None, {}
    ok_pairs = (np.flatnonzero(corridors.reachable & (shots > 0)) if result is not None
                else np.zeros(0, dtype=np.int64))
    rows = [worst_of[k] for k in ok_pairs.tolist()]
    windows = dict(zip(ok_pairs.tolist(), windows_of(result, rows, threats, armed.batteries, armed.posts,
                                                     timeline, earth) if ok_pairs.size else []))
    count = corridors.warheads_per_pair()
    rank = {i: int(np.sum(pair[:i] == pair[i])) + 1 for i in rows}  # the warhead's number within its pair
    pairs = []
    for k in range(n):  # the output records
        reach = bool(corridors.reachable[k])
        ok = k in windows
        window = None
        if ok:
            w = windows[k]
            window = {"detection_time_s": w.detection_time_s, "opportunities": [o.to_json() for o in w.windows],
                      "shots": len(w.shots)}
            if count[k] > 1:
                window["warhead"] = rank[worst_of[k]]
        pairs.append({
            "base": corridors.bases[k], "target": corridors.targets[k], "missile": corridors.missiles[k],
            "reachable": reach, "engageable": ok,
            "speed_threshold_mps": _finite(thresholds[k]) if reach else None,
            "delay_budget_s": _finite(budget[k]) if reach else None,
            "window": window,
            **({"warheads": int(count[k])} if count[k] > 1 else {}),
        })
    sites = site_checks(armed, border_country)
    assumptions = {"timeline": timeline.name, "firm_track_delay_s": timeline.firm_track_delay_s,
                   "decision_delay_s": timeline.decision_delay_s, "threat_rcs_m2": timeline.threat_rcs_m2,
                   "interceptor_speed_mps": burnout_speed_mps, "sensors": [p.name for p in armed.posts]}
    if (count > 1).any():
        assumptions["warheads"] = WARHEADS_RULE
    return AssuranceResult(deployment.name, border_country, pairs, sites, assumptions)


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def site_checks(armed: Armed, border_country: str) -> list[SiteCheck]:
    """Distance to ``border_country`` against reach, per battery."""
    return [SiteCheck(b.site, b.interceptor.name, distance_to_country_m(math.degrees(b.lat_rad), math.degrees(b.lon_rad),
                                                                   border_country), b.table.max_range_m)
            for b in armed.batteries]


def evaluate_criteria(catalog: Catalog, deployment: Deployment, criteria: CriteriaSet, corridors: Corridors,
                      timeline: Timeline, earth: EarthModel, *,
                      burnout_speed_mps: float | None = None) -> list[dict[str, Any]]:
    """Each criterion: satisfied or not, why, and the engageable pairs with the deployment as it is and as the
    criterion would make it (speeds capped, northern sites removed, reach limited to the border distance)."""
    armed = arm(catalog, deployment, earth, burnout_speed_mps=burnout_speed_mps)
    base_count = int(engageable(armed, corridors, timeline, earth).sum())
    checks = site_checks(armed, criteria.border_country)
    out = []
    for c in criteria.criteria:
        if c.rule == "max-burnout-speed":
            worst = max((b.table.burnout_speed_mps for b in armed.batteries), default=0.0)
            satisfied = worst <= c.value
            detail = f"fastest interceptor {worst:.0f} m/s against a limit of {c.value:.0f} m/s"
            limited = arm(catalog, deployment, earth, burnout_speed_mps=burnout_speed_mps, speed_cap_mps=c.value)
        elif c.rule == "max-interceptors":
            total = deployment.total_interceptors
            satisfied = total <= c.value
            detail = f"{total} interceptors against a limit of {c.value:.0f}; numbers set salvo sizes, not reach"
            limited = armed
        elif c.rule == "max-site-latitude":
            north = [e.site for e in deployment.emplacements
                     if e.count > 0 and catalog.place(e.site).lat_deg > c.value]
            satisfied = not north
            detail = (f"sites north of {c.value:g} deg N: {', '.join(north)}" if north
                      else f"all sites south of {c.value:g} deg N")
            kept = [e for e in deployment.emplacements if e.site not in north]
            limited = _rearmed(catalog, deployment, kept, earth, burnout_speed_mps)
        elif c.rule == "no-reach-over-region":
            from openbmd.assurance.reach import reach_criterion

            reach = reach_criterion(armed.batteries, catalog.region(c.region), earth)
            satisfied, detail = reach["satisfied"], reach["detail"]
            capped = [dataclasses.replace(b, table=dataclasses.replace(
                b.table, max_range_m=min(b.table.max_range_m, r["distance_m"])))
                for b, r in zip(armed.batteries, reach["sites"])]
            limited = dataclasses.replace(armed, batteries=capped)
        else:  # border-distance-exceeds-reach
            bad = [s for s in checks if not s.satisfies_distance_criterion]
            satisfied = not bad
            detail = "; ".join(f"{s.name} ({s.interceptor}): {s.border_distance_m / 1e3:,.0f} km from the border, "
                               f"reach {s.max_reach_m / 1e3:,.0f} km" for s in bad) or "every site farther than its reach"
            capped = [dataclasses.replace(b, table=dataclasses.replace(
                b.table, max_range_m=min(b.table.max_range_m, s.border_distance_m)))
                for b, s in zip(armed.batteries, checks)]
            limited = dataclasses.replace(armed, batteries=capped)
        with_it = int(engageable(limited, corridors, timeline, earth).sum()) if not satisfied else base_count
        out.append({"name": c.name, "rule": c.rule, "satisfied": bool(satisfied), "detail": detail,
                    "statement": c.statement, "engageable_pairs_as_deployed": base_count,
                    "engageable_pairs_if_met": with_it})
    return out


def _rearmed(catalog: Catalog, deployment: Deployment, emplacements: Sequence, earth: EarthModel,
             burnout_speed_mps: float | None) -> Armed:
    if not emplacements:
        return Armed(deployment, [], [])
    return arm(catalog, deployment.model_copy(update={"emplacements": list(emplacements)}), earth,
               burnout_speed_mps=burnout_speed_mps)


def assess_years(catalog: Catalog, deployment: Deployment, corridors: Corridors, timeline: Timeline,
                 earth: EarthModel, *, border_country: str = "RUS",
                 burnout_speed_mps: float | None = None) -> list[dict[str, Any]]:
    """The annual declaration year by year: engageable pairs, interceptor numbers and the distance check."""
    out = []
    for d in sorted(deployment.declarations, key=lambda d: d.year):
        year_dep = deployment.model_copy(update={"emplacements": list(d.emplacements), "sensors": list(d.sensors),
                                                 "year": d.year})
        armed = (arm(catalog, year_dep, earth, burnout_speed_mps=burnout_speed_mps)
                 if any(e.count > 0 for e in d.emplacements) else Armed(year_dep, [], []))
        ok = engageable(armed, corridors, timeline, earth)
        out.append({"year": d.year, "engageable_pairs": int(ok.sum()), "total_pairs": len(corridors),
                    "interceptors": sum(e.count for e in d.emplacements),
                    "engageable": [f"{corridors.bases[k]}->{corridors.targets[k]}" for k in np.flatnonzero(ok)],
                    "sites": [s.to_json() for s in site_checks(armed, border_country)]})
    return out


SWEEP_SPEEDS_MPS = (2500.0, 3000.0, 3500.0, 4000.0, 4500.0, 5000.0, 5500.0, 6000.0, 7000.0, 8000.0)
SWEEP_DELAYS_S = (0.0, 30.0, 60.0, 120.0, 240.0, 480.0)


def sensitivity(catalog: Catalog, deployment: Deployment, corridors: Corridors, timeline: Timeline,
                earth: EarthModel, *, speeds_mps: Sequence[float] = SWEEP_SPEEDS_MPS,
                delays_s: Sequence[float] = SWEEP_DELAYS_S,
                progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Engageable pairs over a grid of common interceptor speed (m/s) × decision delay (s), and the pairs
    that flip inside it, from one speed-threshold search per delay (no re-runs per speed); ``progress(1)``
    is told of each delay done."""
    armed = arm(catalog, deployment, earth)
    n = len(corridors)
    if not armed.batteries:
        thresholds = np.full((len(delays_s), n), np.nan)
    else:
        detection = engage(corridors.engaged, armed.batteries, armed.posts, timeline, earth).detection_t_s
        rows = []
        for d in delays_s:  # one batched threshold search per delay
            rows.append(speed_thresholds_mps(corridors.engaged, armed.batteries,
                                             detection + timeline.firm_track_delay_s + d, earth,
                                             group=corridors.warhead_pair, n_groups=n))
            if progress:
                progress(1)
        thresholds = np.stack(rows)
    th = np.where(corridors.reachable[None, :], thresholds, np.nan)
    counts = [[int(np.sum(th[i] <= v)) for v in speeds_mps] for i in range(len(delays_s))]
    flips = []
    for k in range(n):  # pairs engageable somewhere in the grid but not everywhere
        grid = th[:, k][:, None] <= np.asarray(speeds_mps)[None, :]
        if grid.any() and not grid.all():
            flips.append({"base": corridors.bases[k], "target": corridors.targets[k],
                          "speed_threshold_mps_by_delay": {f"{d:g}": _finite(th[i, k]) for i, d in enumerate(delays_s)}})
    return {"speeds_mps": list(speeds_mps), "delays_s": list(delays_s), "engageable_pairs": counts, "flips": flips}
