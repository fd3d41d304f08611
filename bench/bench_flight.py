"""100,000 ICBM ballistic flights (J2, rotating Earth, re-entry drag, ~30 min each).

Ours: one call of the batched numba kernel. Baseline: a straightforward loop of
``scipy.integrate.solve_ivp`` (DOP853, same force model and tolerances) over a
sample of the same states; its rate is measured on that sample. The check is the
largest impact-point difference between the two on the sample.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.integrate import solve_ivp

from openbmd.earth import density_kg_m3, geodetic_lat_alt, gravity_j2, wgs84
from openbmd.flight import StateBatch, burnout_states, fly_ballistic

N = 100_000
N_BASELINE = 60
BETA = 20_000.0


def _states(n: int, seed: int = 2012):
    e = wgs84()
    rng = np.random.default_rng(seed)
    return burnout_states(np.radians(rng.uniform(45, 60, n)), np.radians(rng.uniform(30, 90, n)),
                          rng.uniform(180e3, 250e3, n), rng.uniform(6800, 7100, n),
                          np.radians(rng.uniform(18, 26, n)), rng.uniform(0, 2 * np.pi, n), e)


def _baseline_one(r0, v0, e):
    mu, j2, a, e2, w = e.mu_m3_s2, e.j2, e.a_m, e.e2, e.omega_rad_s

    def rhs(t, y):
        g = gravity_j2(y[0], y[1], y[2], mu, j2, a)
        _, h = geodetic_lat_alt(y[0], y[1], y[2], a, e2)
        vr = np.array([y[3] + w * y[1], y[4] - w * y[0], y[5]])
        drag = -0.5 * density_kg_m3(h) * np.linalg.norm(vr) / BETA * vr
        return np.concatenate([y[3:], np.array(g) + drag])

    def impact(t, y):
        return geodetic_lat_alt(y[0], y[1], y[2], a, e2)[1]

    impact.terminal, impact.direction = True, -1
    sol = solve_ivp(rhs, (0.0, 7200.0), np.concatenate([r0, v0]), method="DOP853", rtol=1e-9,
                    atol=np.array([1e-2] * 3 + [1e-5] * 3), events=impact)
    return sol.t_events[0][0], sol.y_events[0][0][:3]


def run() -> list[dict]:
    e = wgs84()
    states = _states(N)
    fly_ballistic(StateBatch(states.t_s[:8], states.r_eci[:8], states.v_eci[:8]), e, beta_kg_m2=BETA)  # compile/load
    t0 = time.perf_counter()
    batch = fly_ballistic(states, e, beta_kg_m2=BETA)
    ours_s = time.perf_counter() - t0
    assert np.all(batch.status == 0)
    t0 = time.perf_counter()
    base = [_baseline_one(states.r_eci[i], states.v_eci[i], e) for i in range(N_BASELINE)]
    base_s = time.perf_counter() - t0
    r_base_eci = np.array([b[1] for b in base])
    t_base = np.array([b[0] for b in base])
    # Compare in ECEF: the same impact time gives the same Earth rotation.
    from openbmd.earth import eci_to_ecef

    ours_ecef = eci_to_ecef(batch.event_r_eci[:N_BASELINE, 3], batch.event_t_s[:N_BASELINE, 3], e)
    base_ecef = eci_to_ecef(r_base_eci, t_base, e)
    diff = float(np.max(np.linalg.norm(ours_ecef - base_ecef, axis=1)))
    mean_tof = float(np.mean(batch.flight_time_s))
    print(f"ours: {N} flights in {ours_s:.2f} s; baseline: {N_BASELINE} flights in {base_s:.2f} s; "
          f"mean flight {mean_tof / 60:.1f} min; max impact difference {diff:.2f} m")
    return [{
        "name": "flight.icbm_ballistic_j2_rotating_drag",
        "value": N / ours_s,
        "unit": "trajectories/s",
        "baseline_name": "scipy solve_ivp DOP853 loop",
        "baseline_value": N_BASELINE / base_s,
        "check": {"impact_max_diff_m": diff, "wall_s_100k": ours_s, "mean_flight_s": mean_tof},
    }]
