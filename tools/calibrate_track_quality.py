"""Calibrate the exercise's track-quality model against the full tracker; writes
src/openbmd/tracking/data/track_quality.json.

The iran-europe raid (six threats) is tracked by three single-class parties (NATO's
radars, Russia's radars, a space infrared sensor), each alone, over seeds 1..SEEDS. The
test tests/tracking/test_quality.py checks the shipped model against fresh seeds.

    .venv/bin/python tools/calibrate_track_quality.py [SEEDS]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from openbmd.tracking.quality import calibrate, calibration_samples
from openbmd.tracking.scenario import builtin_scenario, parse_scenario

CALIBRATION_PARTIES = {
    "nato-radar": {"sensors": ["kurecik", "aegis-black-sea", "aegis-east-med"]},
    "russia-radar": {"sensors": ["gabala", "armavir"]},
    "space-ir": {"sensors": ["sbirs"]},
}


CALIBRATION_RCS_M2 = 0.01
"""The default timeline's warhead-sized target, as the exercise's visibility uses."""


def calibration_scenario():
    """iran-europe's threats, seen by one sensor class per party, at the exercise's target RCS."""
    data = builtin_scenario("iran-europe").model_dump(by_alias=True)
    data["parties"] = CALIBRATION_PARTIES
    data["rcs_m2"] = CALIBRATION_RCS_M2
    return parse_scenario(data)


def main(seeds: int = 16) -> None:
    t0 = time.perf_counter()
    samples = calibration_samples(calibration_scenario(), range(1, seeds + 1))
    model = calibrate(samples, source="openbmd tracker (Stone Soup EKF, M-of-N), iran-europe raid",
                      meta={"scenario": "iran-europe", "seeds": [1, seeds], "rcs_m2": CALIBRATION_RCS_M2,
                            "parties": CALIBRATION_PARTIES})
    out = Path(__file__).resolve().parents[1] / "src/openbmd/tracking/data/track_quality.json"
    out.write_text(json.dumps(model.to_json(), indent=1) + "\n")
    print(f"{out}: samples {model.samples}, p_firm {model.p_firm}, "
          f"median {[q[len(q) // 2] for q in model.quantiles]} revisits ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 16)
