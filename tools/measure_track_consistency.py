"""Measure tracker consistency: a Shahab-3 (Tabriz to Ankara) seen by Kürecik (nato) and Armavir (russia),
over seeded runs: average NEES per phase against its chi-square bounds and 95 % impact-ellipse coverage.

    PYTHONPATH=src python tools/measure_track_consistency.py [runs=100] [first_seed=1]
"""

from __future__ import annotations

import sys
import time

import numpy as np
from scipy.stats import binom, chi2

from openbmd.tracking.consistency import PHASES, consistency_runs
from openbmd.tracking.scenario import parse_scenario

SCENARIO = {"name": "shahab-kurecik-armavir", "parties": {"nato": {"sensors": ["kurecik"]},
                                                          "russia": {"sensors": ["armavir"]}},
            "threats": [{"id": "a", "missile": "shahab-3", "from": "tabriz", "to": "ankara"}]}


def main(runs: int = 100, first_seed: int = 1) -> None:
    t0 = time.time()
    res = consistency_runs(parse_scenario(SCENARIO), range(first_seed, first_seed + runs))
    print(f"{runs} runs in {time.time() - t0:.0f} s; check times {res.check_t_s}")
    for name, by_phase in res.nees.items():
        for ph in PHASES:
            v = by_phase[ph][np.isfinite(by_phase[ph])]
            c = res.covered[name][ph][np.isfinite(res.covered[name][ph])]
            n = v.size
            lo, hi = (chi2.ppf([0.025, 0.975], 6 * n) / n) if n else (np.nan, np.nan)
            cov = f"coverage {int(c.sum())}/{c.size} (95 % band {binom.ppf(0.025, c.size, 0.95):.0f}-" \
                  f"{binom.ppf(0.975, c.size, 0.95):.0f})" if c.size else ""
            print(f"{name:7s} {ph:9s} n={n:3d} NEES {np.mean(v) if n else np.nan:9.2f} [{lo:.2f}, {hi:.2f}] {cov}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
