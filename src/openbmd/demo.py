"""The main demo (``make demo``): a few flights anyone can rerun, written under ``out/``.

Usage: python -m openbmd.demo [OUT_DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from openbmd.catalog import load_catalog
from openbmd.earth import ideal, wgs84
from openbmd.flight import Loft, TrajectorySummary, aim_missile, burnout_states, fly_ballistic, free_flight
from openbmd.report.trajectory_plot import save_trajectory_png

SHOTS = [  # (missile, from, to, loft)
    ("shahab-3", "tabriz", "ankara", Loft.min_energy()),
    ("sejjil-2", "tabriz", "bucharest", Loft.min_energy()),
    ("generic-irbm", "tabriz", "warsaw", Loft.min_energy()),
    ("generic-irbm", "tabriz", "warsaw", Loft.apogee(900e3)),
    ("ss-27", "kozelsk", "washington", Loft.min_energy()),
    ("minuteman-iii", "minot", "moscow", Loft.min_energy()),
]


def main(out_dir: str = "out") -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cat, earth = load_catalog(), wgs84()
    results = []
    for missile, origin, target, loft in SHOTS:
        m = cat.missile(missile)
        (la, lo, a), (lb, lob, b) = cat.point(origin), cat.point(target)
        shot = aim_missile(m, *np.radians([la, lo, lb, lob]), earth, loft)
        s = TrajectorySummary.of(shot.trajectory)
        tag = f"{missile}_{origin}_{target}_{loft.rule}"
        d = np.degrees
        save_trajectory_png(out / f"{tag}.png", d(s.lat_rad), d(s.lon_rad), s.t_s, s.alt_m,
                            title=f"{m.name}: {origin} to {target} ({loft.rule})", launch=(la, lo), impact=(lb, lob),
                            launch_name=origin, impact_name=target)
        results.append({"missile": missile, "from": origin, "to": target, "loft": loft.rule,
                        "miss_m": shot.miss_m, **s.to_json()})
        print(f"{m.display_name:42s} {a:>14s} -> {b:<12s} {loft.rule:10s} range {s.ground_range_m / 1e3:7.0f} km  "
              f"apogee {s.apogee_altitude_m / 1e3:6.0f} km  time {s.flight_time_s / 60:5.1f} min  miss {shot.miss_m:.1f} m")
    # Validation in one line: numeric flight against Kepler's closed form on the ideal Earth.
    e = ideal()
    batch = fly_ballistic(burnout_states(0.0, 0.0, 1275.6e3, 5270.2, np.radians(51.3), np.pi / 2, e), e)
    ff = free_flight(e.a_m + 1275.6e3, 5270.2, np.radians(51.3), e.a_m, e.mu_m3_s2)
    check = {"numeric_range_m": float(batch.ground_range_m("burnout")[0]),
             "kepler_range_m": float(ff.range_angle_rad * e.a_m),
             "numeric_time_s": float(batch.flight_time_s[0]), "kepler_time_s": float(ff.time_of_flight_s)}
    print(f"Kepler check (ideal Earth): range {check['numeric_range_m']:.1f} m numeric vs {check['kepler_range_m']:.1f} m "
          f"closed form; time {check['numeric_time_s']:.3f} s vs {check['kepler_time_s']:.3f} s")
    engagement = _engagement(cat, earth, out)
    exercise = _exercise(cat, earth, out)
    (out / "demo.json").write_text(json.dumps({"flights": results, "kepler_check": check, "engagement": engagement,
                                               "exercise": exercise}, indent=2) + "\n")
    print(f"wrote {len(results)} flights, an engagement, a footprint, the exercise report (exercise/index.html), "
          f"pictures and demo.json to {out}/")


def _exercise(cat, earth, out: Path) -> dict:
    """The built-in nrc-2012 exercise, every cooperation mode, 4,000 seeded trials each."""
    from openbmd.exercise.run import run_exercise
    from openbmd.exercise.scenario import load_scenario
    from openbmd.report.exercise_report import write_exercise_report

    scenario = load_scenario("nrc-2012", cat)
    result = run_exercise(scenario, cat, earth, trials=4000, seed=1)
    write_exercise_report(out / "exercise", result, scenario, cat)
    for mode, v in result.modes.items():
        print(f"Exercise nrc-2012, {mode:13s}: P(no leaker) {v.p_no_leak:.3f} "
              f"({v.p_no_leak_ci[0]:.3f}-{v.p_no_leak_ci[1]:.3f}), {v.interceptors_used:.1f} interceptors")
    return result.to_json()


def _engagement(cat, earth, out: Path) -> dict:
    """A 3,000 km IRBM from Tabriz at Warsaw against Redzikowo's SM-3 IIA, cued by Kürecik; and what Deveselu
    with SM-3 IIA defends of Europe against the same missile (1 degree grid)."""
    from openbmd.engagement import (REGIONS, batteries, defended_footprint, deployment_posts, engage_shot,
                                    threat_grid, timeline_for)
    from openbmd.report.engagement_plot import save_footprint_png

    tl = timeline_for(cat)
    shot = engage_shot(cat, "generic-irbm", "tabriz", "warsaw", ["redzikowo"], ["sm3-iia"], ["kurecik"], tl, earth)
    w = shot.window
    first = w.windows[0] if w.windows else None
    print(f"Engagement: generic IRBM Tabriz -> Warsaw vs Redzikowo SM-3 IIA: detected at {w.detection_time_s:.0f} s, "
          f"{len(w.shots)} shoot-look-shoot shots" + (f", first intercept {first.intercept_time_s:.0f} s at "
                                                      f"{first.altitude_m / 1e3:.0f} km" if first else ""))
    origin = cat.place("tabriz")
    grid = threat_grid(cat.missile("generic-irbm"), origin.lat_deg, origin.lon_deg, REGIONS["europe"], 1.0, earth)
    bats = batteries(cat, ["deveselu"], ["sm3-iia"], earth)
    posts = deployment_posts(cat, ["deveselu"], ["kurecik"])
    fp = defended_footprint(grid, bats, posts, tl, earth, meta={"site": "deveselu", "interceptor": "sm3-iia"})
    fp.write_geojson(out / "footprint_deveselu_sm3-iia.geojson")
    save_footprint_png(out / "footprint_deveselu_sm3-iia.png", fp.lat_deg, fp.lon_deg, fp.shots, 1, REGIONS["europe"],
                       title="Generic IRBM from Tabriz: area defended by Deveselu (SM-3 IIA)",
                       origin=(origin.lat_deg, origin.lon_deg), sites={"deveselu": (44.08, 24.41)},
                       sensors={"kurecik": (38.3494, 37.7936)})
    print(f"Footprint: Deveselu SM-3 IIA defends {fp.defended_area_km2:,.0f} km2 of the "
          f"{fp.area_km2(fp.threatened):,.0f} km2 of Europe the IRBM threatens (1 deg grid)")
    return {"engage": w.to_json(), "footprint": fp.to_json()}


if __name__ == "__main__":
    main(*sys.argv[1:])
