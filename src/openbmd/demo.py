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
                            title=f"{m.name}: {origin} to {target} ({loft.rule})", launch=(la, lo), impact=(lb, lob))
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
    (out / "demo.json").write_text(json.dumps({"flights": results, "kepler_check": check}, indent=2) + "\n")
    print(f"wrote {len(results)} flights, pictures and demo.json to {out}/")


if __name__ == "__main__":
    main(*sys.argv[1:])
