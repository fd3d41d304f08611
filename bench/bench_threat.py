"""A shared threat assessment: 5 Iranian launch areas x 6 missile types under two assumption sets.

Ours: :func:`openbmd.threat.assess_threats` (range contours of every area x 36 launch azimuths in one batch of
the flight kernel per missile and set, targets aimed and flown in one batch, the divergence table's one-at-a-time
trials reusing flown reaches). Baseline: the plain way to a contour, :func:`openbmd.flight.aim.maximum_range_m`
called bearing by bearing, timed on a few bearings. The issue asks for the whole assessment in at most 10 s.
"""

from __future__ import annotations

import math
import time

import numpy as np

from openbmd.catalog import load_catalog
from openbmd.earth import wgs84
from openbmd.flight.aim import maximum_range_m
from openbmd.flight.vehicle import vehicle_from_missile
from openbmd.threat import ThreatRequest, assess_threats

AREAS = ("tabriz", "kermanshah", "khorramabad", "shahrud", "bandar-abbas")
MISSILES = ("shahab-3", "sejjil-2", "generic-irbm", "generic-icbm", "ss-25", "minuteman-iii")
N_BASELINE = 3


def run() -> list[dict]:
    cat, earth = load_catalog(), wgs84()
    request = ThreatRequest(AREAS, MISSILES, ("nato", "russia"), 2012)
    t0 = time.perf_counter()
    result = assess_threats(cat, request, earth)
    total = time.perf_counter() - t0
    contours = len(result.threats) * request.n_azimuth

    area = cat.place(AREAS[0])
    vehicle = vehicle_from_missile(cat.missile("sejjil-2"))
    t0 = time.perf_counter()
    for k in range(N_BASELINE):  # the plain loop: one bearing at a time
        maximum_range_m(vehicle, math.radians(area.lat_deg), math.radians(area.lon_deg), 2 * math.pi * k / 36, earth)
    per_bearing = (time.perf_counter() - t0) / N_BASELINE
    return [{
        "name": "threat 5 areas x 6 missiles x 2 sets",
        "value": contours / total, "unit": "contour bearings/s (with targets, warning, divergence)",
        "baseline_name": "maximum_range_m bearing by bearing",
        "baseline_value": 1.0 / per_bearing,
        "check": {"assessment wall time s": total, "threats": len(result.threats),
                  "divergence rows": len(result.divergence),
                  "targets reached (sum)": float(np.sum([len(t.reaches) for t in result.threats]))},
    }]
