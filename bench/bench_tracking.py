"""Track a 20-missile salvo from Iran toward Europe, seen by 5 sensors, over about 20 minutes.

Ours: measurement generation, Stone Soup multi-target tracking, the centre's picture and
its products (impact and launch estimates), timed after the raid is flown and the
numba kernels are loaded. Baseline: the issue's budget of 30 s for this salvo, as a
rate. The checks are the wall time and the tracking quality (false and missed threats,
median final impact error).
"""

from __future__ import annotations

import time

import numpy as np

from openbmd.catalog import load_catalog
from openbmd.earth import wgs84
from openbmd.tracking.picture import SharedTracks, _party_batch, _posts_by_party, fly_raid, score_picture
from openbmd.tracking.scenario import builtin_scenario, parse_scenario
from openbmd.tracking.tracker import TrackerConfig, track_party
from openbmd.sensors.measurements import MeasurementOptions, generate_measurements

N_MISSILES = 20
SENSORS = ["kurecik", "aegis-black-sea", "gabala", "armavir", "sbirs"]
BUDGET_S = 30.0


def salvo_scenario():
    """20 threats cycling over the iran-europe launch/aim pairs, launched 15 s apart."""
    base = builtin_scenario("iran-europe").threats
    threats = [{"id": f"m{k + 1}", "missile": base[k % len(base)].missile, "from": base[k % len(base)].origin,
                "to": base[k % len(base)].target, "launch_s": 15.0 * k} for k in range(N_MISSILES)]
    return parse_scenario({"name": "salvo-20", "seed": 5, "parties": {"all": {"sensors": SENSORS}},
                           "threats": threats})


def _track(scenario, raid, catalog, earth):
    config = TrackerConfig(rcs_m2=scenario.rcs_m2)
    posts, own, _ = _posts_by_party(scenario, catalog)
    meas = generate_measurements(raid, posts, earth, scenario.rcs_m2, np.random.default_rng(scenario.seed),
                                 MeasurementOptions())
    tracks = track_party(_party_batch(meas, own["all"]), posts, earth, len(raid), config)
    return score_picture(scenario, "all", raid, [SharedTracks("all", tracks)], earth, config,
                         catalog), len(meas)


def run() -> list[dict]:
    catalog, earth = load_catalog(), wgs84()
    scenario = salvo_scenario()
    t0 = time.perf_counter()
    raid = fly_raid(scenario, catalog, earth)
    fly_s = time.perf_counter() - t0
    _track(parse_scenario({"parties": {"all": {"sensors": ["kurecik"]}},
                           "threats": [scenario.threats[0].model_dump(by_alias=True)]}), raid, catalog, earth)  # load
    t0 = time.perf_counter()
    report, n_meas = _track(scenario, raid, catalog, earth)
    wall = time.perf_counter() - t0
    span = float(np.nanmax(raid.impact_t_s) - raid.launch_t_s.min())
    finals = [t.impact_error_m_vs_time[-1][1] for t in report.threats if t.impact_error_m_vs_time]
    missed = sum(1 for t in report.threats if t.firm_track_s is None)
    print(f"ours: {N_MISSILES} missiles, {len(SENSORS)} sensors, {span / 60:.1f} min, {n_meas} measurements tracked "
          f"in {wall:.1f} s (raid flown in {fly_s:.1f} s); {report.n_tracks} tracks, {report.n_false_tracks} false, "
          f"{missed} threats missed; median final impact error {np.median(finals):.0f} m")
    return [{
        "name": "tracking.salvo20_5sensors",
        "value": 1.0 / wall,
        "unit": "salvos/s",
        "baseline_name": f"issue budget ({BUDGET_S:.0f} s per salvo)",
        "baseline_value": 1.0 / BUDGET_S,
        "check": {"wall_s": wall, "scenario_span_s": span, "measurements": float(n_meas),
                  "tracks": float(report.n_tracks), "false_tracks": float(report.n_false_tracks),
                  "missed_threats": float(missed), "median_final_impact_error_m": float(np.median(finals))},
    }]


if __name__ == "__main__":
    print(run())
