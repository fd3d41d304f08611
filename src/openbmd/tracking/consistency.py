"""Filter consistency over seeded Monte Carlo runs: NEES per flight phase and impact-ellipse coverage.

For one threat of a scenario the raid is flown once; each seed draws fresh measurements, every party
tracks its own sensors, and the centre builds each party's picture alone and the joint picture. At one
check time per phase (boost: ``boost_lead_s`` before burnout; midcourse: apogee; re-entry: the first
truth sample below ``reentry_check_altitude_m`` on the way down) the picture's state, predicted to that
time, is scored against truth (and likewise at the entry into the air, ``entry_check_altitude_m``):

- **NEES** ``eᵀ P⁻¹ e`` (6 degrees of freedom); over N runs the average lies inside
  ``chi2.ppf([a, 1 − a], 6 N) / N`` for a consistent filter;
- **coverage**: whether the truth impact point lies inside the predicted 95 % impact ellipse
  (``d² ≤ 5.991`` in the local east-north plane); over N runs the count is Binomial(N, 0.95).

One check per run and phase keeps the N samples independent (NEES at successive times of one run are not).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog import Catalog, load_catalog
from openbmd.earth import EarthModel, ecef_to_geodetic, enu_rotation, wgs84
from openbmd.sensors.measurements import MeasurementOptions, generate_measurements
from openbmd.tracking.fusion import SharedTracks, build_picture
from openbmd.tracking.models import sigma_ln_beta
from openbmd.tracking.picture import JOINT, _party_batch, _posts_by_party, fly_raid
from openbmd.tracking.products import CHI2_2D_95, predict_impacts
from openbmd.tracking.scenario import Scenario
from openbmd.tracking.tracker import TrackerConfig, track_party

PHASES = ("boost", "midcourse", "entry", "reentry")
"""Check points: boost, midcourse (apogee), entry (first below ``entry_check_altitude_m``), re-entry (30 km)."""


@dataclass(frozen=True)
class ConsistencyRuns:
    """Per picture (each party alone, then ``"joint"``) and phase: NEES (runs,) and impact-ellipse
    coverage (runs,; 1 inside, 0 outside), NaN where the picture held no state (or no impact prediction)
    of the threat; ``check_t_s`` the check time of each phase (s)."""

    nees: dict[str, dict[str, NDArray]]
    covered: dict[str, dict[str, NDArray]]
    check_t_s: dict[str, float]


def check_times(t_s: NDArray, x_ecef: NDArray, burnout_t_s: float, earth: EarthModel, boost_lead_s: float = 4.0,
                entry_check_altitude_m: float = 80e3, reentry_check_altitude_m: float = 30e3) -> dict[str, float]:
    """The check time (s) of each phase on one truth flight (samples ``t_s`` (K,), ``x_ecef`` (K, 6))."""
    ok = np.isfinite(t_s)
    t, x = t_s[ok], x_ecef[ok]
    h = ecef_to_geodetic(x[:, :3], earth)[2]
    i_boost = int(np.searchsorted(t, burnout_t_s - boost_lead_s, side="right")) - 1
    i_apo = int(np.argmax(h))
    after = np.arange(len(t)) > i_apo
    entry = np.flatnonzero(after & (h < entry_check_altitude_m))[0]
    down = np.flatnonzero(after & (h < reentry_check_altitude_m))[0]
    return {"boost": float(t[i_boost]), "midcourse": float(t[i_apo]), "entry": float(t[entry]),
            "reentry": float(t[down])}


def consistency_runs(scenario: Scenario, seeds: Iterable[int], *, threat: int = 0, catalog: Catalog | None = None,
                     earth: EarthModel | None = None, config: TrackerConfig | None = None) -> ConsistencyRuns:
    """Score ``threat`` of ``scenario`` over seeded runs (see the module docstring)."""
    catalog = catalog or load_catalog()
    earth = earth or wgs84()
    config = config or TrackerConfig(rcs_m2=scenario.rcs_m2, beta_kg_m2=scenario.assumed_beta_kg_m2,
                                     beta_factor_95=scenario.beta_factor_95)
    raid = fly_raid(scenario, catalog, earth)
    posts, own, _ = _posts_by_party(scenario, catalog)
    obj = int(np.flatnonzero(raid.shot == threat)[0])  # its (first) warhead: a bus releases several objects
    t_truth, x_truth = raid.t_s[obj], raid.x_ecef[obj]
    checks = check_times(t_truth, x_truth, float(raid.burnout_t_s[obj]), earth)
    times = np.array(list(checks.values()))
    truth_at = {ph: x_truth[int(np.flatnonzero(t_truth == t)[0])] for ph, t in checks.items()}
    lat, lon, _ = ecef_to_geodetic(raid.impact_r_ecef[obj], earth)
    rot_en = enu_rotation(lat, lon)[:2]
    names = [*scenario.parties, JOINT]
    seeds = list(seeds)
    nees = {n: {ph: np.full(len(seeds), np.nan) for ph in PHASES} for n in names}
    covered = {n: {ph: np.full(len(seeds), np.nan) for ph in PHASES} for n in names}
    sig_beta = sigma_ln_beta(scenario.beta_factor_95)
    for r, seed in enumerate(seeds):
        meas = generate_measurements(raid, posts, earth, scenario.rcs_m2, np.random.default_rng(seed),
                                     MeasurementOptions(false_alarms_per_scan=scenario.false_alarms_per_scan))
        shared = [SharedTracks(p, track_party(_party_batch(meas, own[p]), [posts[i] for i in own[p]], earth,
                                              len(raid), config)) for p in scenario.parties]
        for name in names:
            picture = build_picture(shared if name == JOINT else [s for s in shared if s.party == name], times,
                                    earth, config=config)
            for ph, t in checks.items():
                best = None
                for pt in picture:
                    i = np.flatnonzero(pt.t_s == t)
                    if pt.label == obj and i.size and (best is None or np.trace(pt.p[i[0], :3, :3])
                                                          < np.trace(best[1][:3, :3])):
                        best = (pt.x[i[0]], pt.p[i[0]])
                if best is None:
                    continue
                e = best[0] - truth_at[ph]
                nees[name][ph][r] = float(e @ np.linalg.solve(best[1], e))
                if ph == "boost":
                    continue  # a ballistic impact prediction from a burning booster is no product
                imp = predict_impacts(np.array([t]), best[0][None], best[1][None], earth,
                                      scenario.assumed_beta_kg_m2, sig_beta)
                if np.all(np.isfinite(imp.cov_en_m2[0])):
                    d = rot_en @ (raid.impact_r_ecef[obj] - imp.r_ecef_m[0])
                    covered[name][ph][r] = float(d @ np.linalg.solve(imp.cov_en_m2[0], d) <= CHI2_2D_95)
    return ConsistencyRuns(nees, covered, checks)
