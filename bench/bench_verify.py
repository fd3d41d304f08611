"""Flight-test observation: one burnout estimate with its tightening and convergence, and 200 Monte Carlo estimates.

Ours: :func:`openbmd.verify.run_flight_test` (the Stone Soup track is the estimate) and
:func:`openbmd.verify.monte_carlo` with ``estimator="tracker"`` (what ``flight-test --trials`` runs: the Stone
Soup track of each run, one after another, plus the batch fit of the same draws) and ``"fit"`` (every run's
Gauss-Newton flights in one batch of the flight kernel). Baseline: the batch fit run by a plain loop, one run per
call, timed on a few runs. CPU (process) time is given beside wall time. The issue asks for one estimate in at most 10 s and 200 in at most 2 min.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from openbmd.catalog import load_catalog
from openbmd.earth import wgs84
from openbmd.verify import (FlightTestRequest, ReleasePolicy, fit_burnout, fly_test, monte_carlo, observe,
                            run_flight_test)

N_BASELINE = 5


def run() -> list[dict]:
    cat, earth = load_catalog(), wgs84()
    request = FlightTestRequest("sm3-iia", "aegis-black-sea", math.radians(90.0), "russia",
                                policy=ReleasePolicy("tracks"))
    t0, c0 = time.perf_counter(), time.process_time()
    result = run_flight_test(cat, request, earth)
    one, one_cpu = time.perf_counter() - t0, time.process_time() - c0
    posts, unknowns = result.posts, result.unknowns
    # As flight-test --trials runs it: each run its own interceptor (burn time, β drawn), the observer's guess the
    # declared burnout state at the mean burnout time.
    test = fly_test(result.test.profile, earth, burn_time_s=unknowns.burn_time.mean)
    _, r, v = test.batch.event_ecef("burnout")
    guess = np.concatenate([r[0], v[0]]) + np.array([300.0, 0.0, 0.0, 10.0, 0.0, 0.0])
    t0, c0 = time.perf_counter(), time.process_time()
    mc = monte_carlo(test, posts, request.policy, guess, earth, 200, np.random.default_rng(1), estimator="tracker",
                     unknowns=unknowns, seed=1)
    many, many_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    mc_fit = monte_carlo(test, posts, request.policy, guess, earth, 200, np.random.default_rng(1), unknowns=unknowns,
                         seed=1)
    fit_wall, fit_cpu = time.perf_counter() - t0, time.process_time() - c0
    obs = observe(test, posts, request.policy, earth, np.random.default_rng(2), N_BASELINE)
    t0 = time.perf_counter()
    for k in range(N_BASELINE):  # the plain loop: one run per call
        one_run = obs.select(obs.trial == k)
        fit_burnout(dataclasses.replace(one_run, trial=np.zeros(len(one_run), dtype=np.int64)), guess, earth=earth,
                    n_runs=1, **unknowns.fit_arguments())
    per_run = (time.perf_counter() - t0) / N_BASELINE
    return [{
        "name": "flight-test 200 Monte Carlo burnout estimates (Stone Soup track, batch fit beside)",
        "value": 200 / many, "unit": "estimates/s (observation included)",
        "baseline_name": "batch fit looped run by run (fit only)",
        "baseline_value": 1.0 / per_run,
        "check": {"one flight-test wall time s": one, "one flight-test CPU s": one_cpu,
                  "200 tracked estimates wall time s": many, "200 tracked estimates CPU s": many_cpu,
                  "200 batch-fit estimates wall time s": fit_wall, "200 batch-fit estimates CPU s": fit_cpu,
                  "coverage of 95 % speed intervals (track)": mc["coverage"],
                  "coverage of 95 % height intervals (track)": mc["altitude"]["coverage"],
                  "mean NEES (track, 6 honest)": mc["nees"]["mean"],
                  "coverage of 95 % speed intervals (batch fit)": mc_fit["coverage"]},
    }]
