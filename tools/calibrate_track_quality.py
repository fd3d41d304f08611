"""Calibrate the exercise's track-quality model against the full tracker; writes
src/openbmd/tracking/data/track_quality.json.

The iran-europe raid (six threats) is tracked by three single-class parties (NATO's
radars, Russia's radars, a space infrared sensor), each alone, over seeds 1..SEEDS: the delays.
Then (the accuracy step) by one party per sensor (Kürecik's AN/TPY-2, Armavir's Voronezh,
Deveselu's SPY-1, SBIRS) over the same seeds: the tracker's predicted PIP error against the
closed form, one scale per class (:func:`openbmd.tracking.quality.fit_accuracy`). ``--accuracy``
redoes only that step on the shipped model. The tests in tests/tracking/test_quality.py check
the shipped model against fresh seeds.

    PYTHONPATH=src .venv/bin/python tools/calibrate_track_quality.py [SEEDS] [--accuracy]
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from openbmd.tracking.quality import (AccuracySamples, TrackQualityModel, accuracy_samples, calibrate,
                                      calibration_samples, fit_accuracy, load_track_quality)
from openbmd.tracking.scenario import builtin_scenario, parse_scenario
from openbmd.tracking.tracker import TrackerConfig

CALIBRATION_PARTIES = {
    "nato-radar": {"sensors": ["kurecik", "aegis-black-sea", "aegis-east-med"]},
    "russia-radar": {"sensors": ["gabala", "armavir"]},
    "space-ir": {"sensors": ["sbirs"]},
}


CALIBRATION_RCS_M2 = 0.01
"""The default timeline's warhead-sized target, as the exercise's visibility uses."""


ACCURACY_PARTIES = {name: {"sensors": [name]} for name in ("kurecik", "armavir", "deveselu", "sbirs")}
"""One sensor per party for the accuracy step (a party's track then has one sensor's looks)."""


def calibration_scenario(parties: dict | None = None):
    """iran-europe's threats, seen by one sensor class per party (default :data:`CALIBRATION_PARTIES`),
    at the exercise's target RCS."""
    data = builtin_scenario("iran-europe").model_dump(by_alias=True)
    data["parties"] = parties or CALIBRATION_PARTIES
    data["rcs_m2"] = CALIBRATION_RCS_M2
    return parse_scenario(data)


def _accuracy_seed(seed: int) -> AccuracySamples:
    return accuracy_samples(calibration_scenario(ACCURACY_PARTIES), [seed])


def with_accuracy(model: TrackQualityModel, seeds: int) -> TrackQualityModel:
    """``model`` with its accuracy scales fitted over seeds 1..``seeds`` (the accuracy step)."""
    config = TrackerConfig()
    with ProcessPoolExecutor(max_workers=min(os.cpu_count() or 1, seeds)) as pool:
        samples = AccuracySamples.concatenate(list(pool.map(_accuracy_seed, range(1, seeds + 1))))
    scales, summary = fit_accuracy(samples, config.boost_window_s, config.q_boost_m2_s3)
    meta = dict(model.meta, accuracy={"parties": ACCURACY_PARTIES, "seeds": [1, seeds], "fit": summary})
    return dataclasses.replace(model, accuracy_scales=scales, boost_window_s=config.boost_window_s,
                               q_boost_m2_s3=config.q_boost_m2_s3, meta=meta)


def main(seeds: int = 16, accuracy_only: bool = False) -> None:
    t0 = time.perf_counter()
    if accuracy_only:
        model = load_track_quality()
    else:
        samples = calibration_samples(calibration_scenario(), range(1, seeds + 1))
        model = calibrate(samples, source="openbmd tracker (Stone Soup EKF, M-of-N), iran-europe raid",
                          meta={"scenario": "iran-europe", "seeds": [1, seeds], "rcs_m2": CALIBRATION_RCS_M2,
                                "parties": CALIBRATION_PARTIES})
    model = with_accuracy(model, seeds)
    out = Path(__file__).resolve().parents[1] / "src/openbmd/tracking/data/track_quality.json"
    out.write_text(json.dumps(model.to_json(), indent=1) + "\n")
    print(f"{out}: samples {model.samples}, p_firm {model.p_firm}, "
          f"median {[q[len(q) // 2] for q in model.quantiles]} revisits, accuracy scales {model.accuracy_scales} "
          f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 16, "--accuracy" in sys.argv)
