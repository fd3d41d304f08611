"""Burnout speed and altitude from what the observer sees: a batch least-squares fit of the coast.

After burnout the interceptor coasts: its path is fixed by its state at burnout. The estimator finds
the ECEF burnout state (at the declared burnout time) that best explains every observation after it,
weighted by its stated noise (Gauss-Newton; the states of every run and their finite-difference
neighbours flown in one batch of the flight kernel with J2 gravity, rotation and drag, and read at
each observation time by cubic Hermite interpolation). Its covariance is the inverse of the
information matrix; the burnout speed (Earth-relative) and height and their 1-σ follow to first order.
This is the maximum-likelihood estimate that a Kalman smoother over the same data approaches; with no
thrust after burnout it needs no motion model beyond ballistic flight.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from openbmd.earth import EarthModel, ecef_to_eci, ecef_to_geodetic, enu_rotation
from openbmd.flight import StateBatch, fly_ballistic
from openbmd.tracking.models import Z95
from openbmd.verify.observe import RADAR, Observations

STEP = np.array([1.0, 1.0, 1.0, 1e-3, 1e-3, 1e-3])
"""Finite-difference steps of the burnout state (m, m/s)."""

SAMPLE_DT_S = 1.0
"""Spacing of the predicted coast samples (s) the observations are interpolated between."""

MIN_ROWS = 3
"""Fewest observation rows after burnout a run needs before it is estimated at all."""


@dataclass(frozen=True)
class BurnoutFit:
    """Per run (R,): the burnout state (R, 6) and covariance (R, 6, 6) (ECEF m, m/s), speed and height with
    their 1-σ (m/s, m), rows used, and whether the fit is determined (``ok``; else NaN)."""

    x_ecef: NDArray
    p: NDArray
    speed_mps: NDArray
    speed_sigma_mps: NDArray
    altitude_m: NDArray
    altitude_sigma_m: NDArray
    rows: NDArray
    ok: NDArray

    def ci95(self, what: str = "speed") -> tuple[NDArray, NDArray]:
        """(low, high) 95 % interval of ``"speed"`` (m/s) or ``"altitude"`` (m) per run."""
        v, s = (self.speed_mps, self.speed_sigma_mps) if what == "speed" else (self.altitude_m, self.altitude_sigma_m)
        return v - Z95 * s, v + Z95 * s


def _hermite(t_grid0: float, dt: float, t: NDArray, r: NDArray, v: NDArray, row: NDArray, tq: NDArray) -> NDArray:
    """States (M, 6) at times ``tq`` of trajectories ``row`` sampled every ``dt`` from ``t_grid0``
    (``r``, ``v`` (N, K, 3)); NaN outside a trajectory's samples."""
    x = (tq - t_grid0) / dt
    k = np.floor(x).astype(np.int64)
    n_k = r.shape[1]
    inside = (k >= 0) & (k < n_k - 1)
    k = np.clip(k, 0, n_k - 2)
    s = (x - k)[:, None]
    p0, p1, v0, v1 = r[row, k], r[row, k + 1], v[row, k], v[row, k + 1]
    h00, h10, h01, h11 = (1 + 2 * s) * (1 - s) ** 2, s * (1 - s) ** 2, s * s * (3 - 2 * s), s * s * (s - 1)
    d00, d10, d01, d11 = 6 * s * s - 6 * s, 3 * s * s - 4 * s + 1, -6 * s * s + 6 * s, 3 * s * s - 2 * s
    pos = h00 * p0 + h10 * dt * v0 + h01 * p1 + h11 * dt * v1
    vel = (d00 * p0 + d01 * p1) / dt + d10 * v0 + d11 * v1
    out = np.concatenate([pos, vel], axis=1)
    # Off the grid (NaN padding, or the impact row closing a list) the spacing is not dt: no interpolate there.
    bad = ~inside | ~(np.abs(t[row, k + 1] - (t_grid0 + (k + 1) * dt)) < 1e-6)
    out[bad] = np.nan
    return out


def predict(obs: Observations, x_ecef: NDArray) -> NDArray:
    """Predicted values (M, 6) of each observation row given the state (M, 6) at its time (NaN-padded)."""
    out = np.full((len(obs), 6), np.nan)
    radar = obs.kind == RADAR
    if radar.any():
        d = x_ecef[radar, :3] - obs.origin_ecef[radar]
        enu = np.einsum("mij,mj->mi", obs.frame[radar], d)
        rng = np.linalg.norm(d, axis=1)
        out[radar, 0] = np.arctan2(enu[:, 2], np.hypot(enu[:, 0], enu[:, 1]))
        out[radar, 1] = np.arctan2(enu[:, 0], enu[:, 1])
        out[radar, 2] = rng
        out[radar, 3] = np.sum(d * x_ecef[radar, 3:], axis=1) / rng
    out[~radar] = x_ecef[~radar]
    return out


def _residual(obs: Observations, pred: NDArray) -> NDArray:
    res = obs.z - pred
    radar = obs.kind == RADAR
    res[radar, 1] = (res[radar, 1] + math.pi) % (2 * math.pi) - math.pi
    return res


def fit_burnout(obs: Observations, x0_ecef: NDArray, t_burnout_s: float, earth: EarthModel, *,
                beta_kg_m2: float | None, n_runs: int, iterations: int = 8) -> BurnoutFit:
    """Fit the burnout state of each of ``n_runs`` runs (rows tagged by ``obs.trial``) from the guess
    ``x0_ecef`` ((6,) or (R, 6)), using rows after ``t_burnout_s``."""
    if len(obs) and (obs.trial.min() < 0 or obs.trial.max() >= n_runs):
        raise ValueError(f"observation rows tag runs {obs.trial.min()}..{obs.trial.max()}, not 0..{n_runs - 1}")
    use = obs.select(obs.t_s > t_burnout_s + 0.5)
    w = np.where(np.isfinite(use.sigma) & np.isfinite(use.z), 1.0 / np.where(np.isfinite(use.sigma), use.sigma, 1.0) ** 2, 0.0)
    z_ok = np.where(w > 0, use.z, 0.0)
    use = dataclasses.replace(use, z=z_ok)
    rows = np.bincount(use.trial, minlength=n_runs)
    x = np.broadcast_to(np.asarray(x0_ecef, float), (n_runs, 6)).copy()
    t_end = float(use.t_s.max()) if len(use) else t_burnout_s + 1.0
    info = np.zeros((n_runs, 6, 6))
    for _ in range(iterations):  # Gauss-Newton: every run and its 6 neighbours flown in one batch
        states = x[:, None, :] + np.concatenate([np.zeros((1, 6)), np.diag(STEP)])[None]
        flat = states.reshape(-1, 6)
        r_eci, v_eci = ecef_to_eci(flat[:, :3], np.full(flat.shape[0], t_burnout_s), earth, flat[:, 3:])
        batch = fly_ballistic(StateBatch(np.full(flat.shape[0], t_burnout_s), r_eci, v_eci), earth,
                              beta_kg_m2=beta_kg_m2, t_max_s=t_end - t_burnout_s + 5.0, sample_dt_s=SAMPLE_DT_S)
        t, r, v = batch.sample_states_ecef()
        preds = np.stack([predict(use, _hermite(t_burnout_s, SAMPLE_DT_S, t, r, v, use.trial * 7 + j, use.t_s))
                          for j in range(7)], axis=1)  # (M, 7, 6): the state and its six neighbours
        res = _residual(use, preds[:, 0])
        jac = (preds[:, 1:] - preds[:, :1]) / STEP[None, :, None]  # (M, 6 params, 6 components)
        radar = use.kind == RADAR  # azimuth differences wrap; state components do not
        jac[radar, :, 1] = ((jac[radar, :, 1] * STEP[None, :] + math.pi) % (2 * math.pi) - math.pi) / STEP[None, :]
        good = np.isfinite(res) & np.all(np.isfinite(jac), axis=1) & (w > 0)
        ww = np.where(good, w, 0.0)
        res, jac = np.where(good, res, 0.0), np.where(good[:, None, :], jac, 0.0)
        info = np.zeros((n_runs, 6, 6))
        grad = np.zeros((n_runs, 6))
        np.add.at(info, use.trial, np.einsum("mpc,mc,mqc->mpq", jac, ww, jac))
        np.add.at(grad, use.trial, np.einsum("mpc,mc,mc->mp", jac, ww, res))
        ok = (rows >= MIN_ROWS) & (np.linalg.matrix_rank(info, tol=None) == 6) if n_runs else np.zeros(0, bool)
        dx = np.zeros((n_runs, 6))
        if ok.any():
            dx[ok] = np.linalg.solve(info[ok], grad[ok][..., None])[..., 0]
        x = x + dx
        if np.all(np.abs(dx[ok]) < np.array([1e-3] * 3 + [1e-6] * 3)):
            break
    p = np.full((n_runs, 6, 6), np.nan)
    if ok.any():
        p[ok] = np.linalg.inv(info[ok])
    speed = np.linalg.norm(x[:, 3:], axis=1)
    g_speed = np.concatenate([np.zeros((n_runs, 3)), x[:, 3:] / speed[:, None]], axis=1)
    lat, lon, alt = ecef_to_geodetic(x[:, :3], earth)
    up = enu_rotation(lat, lon)[..., 2, :].reshape(n_runs, 3)
    g_alt = np.concatenate([up, np.zeros((n_runs, 3))], axis=1)
    s_speed = np.sqrt(np.einsum("rp,rpq,rq->r", g_speed, p, g_speed))
    s_alt = np.sqrt(np.einsum("rp,rpq,rq->r", g_alt, p, g_alt))
    nan = np.where(ok, 1.0, np.nan)
    return BurnoutFit(x, p, speed * nan, s_speed, np.asarray(alt).reshape(n_runs) * nan, s_alt, rows, ok)
