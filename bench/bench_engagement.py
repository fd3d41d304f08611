"""Defended footprint: 0.25 deg grid over Europe (35-72 N, 10 W-45 E), one site, all in batch.

Ours: :func:`openbmd.engagement.threat_grid` (batched aiming) and
:func:`defended_footprint` (batched flights, detection and engagement kernels).
Baseline: the plain way, one aim point at a time in a Python loop (exact
:func:`openbmd.flight.aim_missile`, then the engagement of that one flight),
timed on a sample of threatened points. Issue 14 asks for the whole footprint
in at most 3 s; the check lines give the wall time and the areas.
"""

from __future__ import annotations

import math
import time

import numpy as np

from openbmd.catalog import load_catalog
from openbmd.earth import wgs84
from openbmd.engagement import (REGIONS, batteries, defended_footprint, deployment_posts, engage,
                                threat_grid, timeline_for)
from openbmd.flight import FlownThreats, aim_missile

N_BASELINE = 12


def run() -> list[dict]:
    cat, earth = load_catalog(), wgs84()
    origin = cat.place("tabriz")
    missile = cat.missile("generic-irbm")
    bats = batteries(cat, ["deveselu"], ["sm3-iia"], earth)  # table built outside the timing (cached per interceptor)
    posts = deployment_posts(cat, ["deveselu"], ["kurecik"])
    tl = timeline_for(cat)
    t0 = time.perf_counter()
    grid = threat_grid(missile, origin.lat_deg, origin.lon_deg, REGIONS["europe"], 0.25, earth)
    t_aim = time.perf_counter() - t0
    fp = defended_footprint(grid, bats, posts, tl, earth)
    t_total = time.perf_counter() - t0
    n_points = fp.shots.size

    rng = np.random.default_rng(1)
    lat_g, lon_g = np.meshgrid(fp.lat_deg, fp.lon_deg, indexing="ij")
    sample = rng.choice(np.flatnonzero(fp.threatened.ravel()), N_BASELINE, replace=False)
    t0 = time.perf_counter()
    agree = 0
    for k in sample:  # the plain loop
        shot = aim_missile(missile, math.radians(origin.lat_deg), math.radians(origin.lon_deg),
                           math.radians(lat_g.ravel()[k]), math.radians(lon_g.ravel()[k]), earth, sample_dt_s=2.0)
        shots = engage(FlownThreats.from_batch(shot.trajectory), bats, posts, tl, earth).shots[0]
        agree += int((shots >= 1) == fp.defended.ravel()[k])
    per_point = (time.perf_counter() - t0) / N_BASELINE
    return [{
        "name": "footprint 0.25deg Europe, 1 site",
        "value": n_points / t_total, "unit": "grid points/s",
        "baseline_name": "aim_missile + engage per point, Python loop",
        "baseline_value": 1.0 / per_point,
        "check": {"footprint wall time s": t_total, "of which aiming s": t_aim, "grid points": n_points,
                  "defended area km2": fp.defended_area_km2, "threatened area km2": fp.area_km2(fp.threatened),
                  "baseline verdicts agreeing (of 12)": agree},
    }]
