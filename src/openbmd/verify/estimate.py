"""Burnout speed and altitude from what the observer sees: a batch least-squares fit of the coast.

After burnout the interceptor coasts: its path is fixed by its state at burnout. The estimator finds
the ECEF burnout state (at the declared burnout time) that best explains every observation after it,
weighted by its stated noise (Gauss-Newton; the states of every run and their finite-difference
neighbours flown in one batch of the flight kernel with J2 gravity, rotation and drag, and read at
each observation time by cubic Hermite interpolation). Its covariance is the inverse of the
information matrix; the burnout speed (Earth-relative) and height and their 1-σ follow to first order.
Each radar's constant biases (elevation, azimuth, range) are estimated with it, under their priors
(:class:`~openbmd.verify.observe.SensorBiases`), so the interval carries what they cost.
This is the maximum-likelihood estimate that a Kalman smoother over the same data approaches; with no
thrust after burnout it needs no motion model beyond ballistic flight.

Where the observer does not know the interceptor as built (:mod:`openbmd.verify.unknowns`), the fit estimates
the coast's 1/β beside the state under its prior (each iteration flies the coast at the current 1/β, so the fit is
re-linearised about it) and fits the boost too: the burnout time, the thrust's acceleration at burnout and its
growth as the mass falls are parameters,
the rows from the gravity turn on are predicted under the thrust law before the burnout
(:mod:`openbmd.verify.thrust`, flown back from the burnout state) and in the coast after it, and the state is the
burnout state at the fitted burnout time. (Without the boost fit it takes only rows after the latest burnout the
burn time's range allows and adds the burnout time's 1-σ times the coast's rate of change.) The ``budget`` splits
the 1-σ into noise, sensor biases, burnout time (with the thrust's rate and growth) and drag.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from openbmd.earth import EarthModel, ecef_to_eci, ecef_to_geodetic, enu_rotation
from openbmd.flight import StateBatch, fly_ballistic
from openbmd.tracking.models import Z95
from openbmd.verify.observe import RADAR, Observations
from openbmd.verify.thrust import BOOST_MODEL_FROM, BOOST_STEP_S, fly_boost_back

STEP = np.array([1.0, 1.0, 1.0, 1e-3, 1e-3, 1e-3])
"""Finite-difference steps of the burnout state (m, m/s)."""

INVERSE_BETA_STEP = 0.1
"""Finite-difference step of the coast's 1/β, as a share of its prior mean (a tenth more drag)."""

INVERSE_BETA_FLOOR = 1e-3
"""Least 1/β the fit moves to, as a share of its prior mean (1/β > 0: drag slows a coast, never drives it)."""

SAMPLE_DT_S = 1.0
"""Spacing of the predicted coast samples (s) the observations are interpolated between."""

BURNOUT_TIME_STEP_S = 0.01
"""Finite-difference step of the burnout time (s), where the boost is fitted."""

BURNOUT_TIME_MAX_STEP_S = 1.0
"""Largest Gauss-Newton step of the burnout time (s): the rows' model turns from thrust to coast there."""

THRUST_RATE_STEP_MPS2 = 0.01
"""Finite-difference step of the thrust's acceleration at burnout (m/s²)."""

THRUST_RATE_PRIOR_SHARE = 1.0
"""1-σ of the thrust rate's prior as a share of its starting value: wide, the boost rows decide (it only keeps the
fit determined where no row is under thrust)."""

THRUST_GROWTH_PRIOR = (2.5, 3.5)
"""Prior mean and 1-σ of the thrust rate's growth ``q`` (:mod:`openbmd.verify.thrust`) times the burnout time: for
one motor burning the whole time that is its mass ratio less one. Estimate: 0 (a steady speed gain, the project's
speed form) to about 6 (a solid stage of mass ratio 7: propellant fractions 0.8-0.9 with a kill vehicle on top,
Sutton & Biblarz, Rocket Propulsion Elements, 9th ed., 2017, ch. 4 and 14); wide, the boost rows decide."""

THRUST_GROWTH_STEP = 1e-3
"""Finite-difference step of the thrust rate's growth, as a share of its prior 1-σ."""

STATE_MAX_STEP = (20e3, 200.0)
"""Largest Gauss-Newton step of the burnout state's position (m) and velocity (m/s)."""

JOIN_TOLERANCE = 100.0
"""A run's biases, 1/β and boost join its fit once its state's steps are below this many times the final
tolerance."""

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
    speed_sigma_by_mps: dict[str, NDArray] = dataclasses.field(default_factory=dict)
    """The speed's 1-σ per run had the sensors been free of bias (``"noise only"``) or biased in range only or
    in angle only (``"range biases"``, ``"angle biases"``): what each kind of bias costs."""
    p_unknown: NDArray | None = None
    """The part (R, 6, 6) of ``p`` that the unknown burnout time and drag add (what a track that does not carry
    them adds to its own covariance)."""
    shift: NDArray | None = None
    """The mean (R, 6) of where the true burnout lies from the coast's state at the quoted burnout time (the
    estimate has it added; a track adds it too)."""
    budget: dict[str, dict[str, NDArray]] = dataclasses.field(default_factory=dict)
    """The 1-σ's parts per run, ``"speed"`` (m/s) and ``"altitude"`` (m), each ``{noise, bias, burnout_time,
    drag}``: measurement noise, the sensor biases, the unknown burnout time and the unknown drag. They add in
    quadrature to the 1-σ."""
    t_burnout_s: NDArray | None = None
    """The burnout time (R,) s each run's figures are quoted at: the prior's mean, or where telemetry saw it."""
    beta_kg_m2: NDArray | None = None
    """The coast's ballistic coefficient (R,) kg/m² each run's fit found, where the observer does not know it (its
    1/β estimated under the prior); None where the coast is flown with the one β given."""
    thrust_rate_mps2: NDArray | None = None
    """The boost's thrust acceleration at burnout (R,) m/s² each run's fit found, where the boost is fitted
    (:mod:`openbmd.verify.thrust`); None where it is not."""
    t_burnout_sigma_s: NDArray | None = None
    """The fitted burnout time's 1-σ (R,) s, where the boost is fitted."""
    boost_rows: NDArray | None = None
    """Rows (R,) the fit took as under thrust (before the fitted burnout)."""
    boost_from_s: float | None = None
    """Rows from this time (s after launch) on were fitted, under thrust or in the coast, where the boost is
    fitted."""
    thrust_growth_per_s: NDArray | None = None
    """The thrust rate's growth ``q`` (R,) 1/s each run's fit found (:mod:`openbmd.verify.thrust`), where the boost is
    fitted; None where it is not."""

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


BIAS_COMPONENTS = 3
"""Radar components a sensor bias acts on: elevation, azimuth, range."""


def _bias_columns(obs: Observations) -> tuple[NDArray, NDArray, int]:
    """Each row's bias parameter per component (index into a run's ``K`` bias parameters, one per (post,
    component); -1: none) and the parameters' prior 1-σ (K,)."""
    posts = int(obs.post.max()) + 1 if len(obs) and obs.post.max() >= 0 else 0
    k = posts * BIAS_COMPONENTS
    prior = np.zeros(k)
    has = (obs.post >= 0)[:, None] & (obs.bias_sigma[:, :BIAS_COMPONENTS] > 0)
    idx = obs.post[:, None] * BIAS_COMPONENTS + np.arange(BIAS_COMPONENTS)[None]
    col = np.where(has, idx, -1)
    if has.any():
        np.maximum.at(prior, idx[has], obs.bias_sigma[:, :BIAS_COMPONENTS][has])
    return col, prior, k


def _bias_blocks(use: Observations, jac: NDArray, ww: NDArray, res: NDArray, col: NDArray, prior: NDArray,
                 b: NDArray, n_runs: int, k: int) -> tuple[NDArray, NDArray, NDArray]:
    """The bias parameters' blocks of the normal equations per run: cross terms ``a`` (R, K, P) between each
    bias and the P parameters of ``jac`` (M, P, 6), diagonal information ``d`` (R, K) (data and prior) and
    gradient ``g`` (R, K)."""
    n_par = jac.shape[1]
    a = np.zeros((n_runs * k + 1, n_par))
    d = np.zeros(n_runs * k + 1)
    g = np.zeros(n_runs * k + 1)
    for c in range(BIAS_COMPONENTS):  # three components; rows batched
        on = col[:, c] >= 0
        key = np.where(on, use.trial * k + col[:, c], n_runs * k)  # the last slot gathers rows without a bias
        np.add.at(a, key, jac[:, :, c] * ww[:, c, None])
        np.add.at(d, key, ww[:, c])
        np.add.at(g, key, ww[:, c] * res[:, c])
    a, d, g = a[:-1].reshape(n_runs, k, n_par), d[:-1].reshape(n_runs, k), g[:-1].reshape(n_runs, k)
    info_prior = np.where(prior > 0, 1.0 / np.where(prior > 0, prior, 1.0) ** 2, 1.0)[None]
    return a, d + info_prior, g - b * np.where(prior > 0, info_prior, 0.0)


def _marginal(info: NDArray, a: NDArray, d: NDArray, which: NDArray) -> NDArray:
    """The parameters' information (R, P, P) with the biases marked in ``which`` (K,) or (R, K) estimated (Schur
    complement; the bias block is diagonal) and the others known to be zero."""
    w = np.where(np.broadcast_to(which, d.shape), 1.0 / d, 0.0)
    return info - np.einsum("rkp,rk,rkq->rpq", a, w, a)


def fit_burnout(obs: Observations, x0_ecef: NDArray, t_burnout_s: float, earth: EarthModel, *,
                beta_kg_m2: float | None, n_runs: int, iterations: int = 8, coast_from_s: float | None = None,
                burnout_time_sigma_s: float = 0.0, inverse_beta_sigma_m2_kg: float = 0.0,
                burnout_from_s: float | None = None, boost_from_s: float | None = None,
                burnout_prior_s: tuple[NDArray, NDArray, NDArray, NDArray] | None = None) -> BurnoutFit:
    """Fit the burnout state of each of ``n_runs`` runs (rows tagged by ``obs.trial``) from the guess
    ``x0_ecef`` ((6,) or (R, 6)), using rows after ``t_burnout_s`` (and after ``coast_from_s``, the latest the
    burnout can be, when the burnout time is not known).

    Each radar's constant biases (elevation, azimuth, range; priors ``obs.bias_sigma``) are estimated beside
    the state, so the covariance carries them: more data, biased or not, never widens it. Where the observer
    does not know the burnout time (1-σ ``burnout_time_sigma_s`` about ``t_burnout_s``) or the coast's drag (1-σ
    of 1/β, m²/kg, about ``1 / beta_kg_m2``), the burnout state moves along the coast by its rate of change times
    the first, and 1/β is estimated beside the state under that prior (:mod:`openbmd.verify.unknowns`; every
    Gauss-Newton step flies each run's coast at its current 1/β): both join the covariance and the ``budget``.
    Where a run has telemetry through burnout, its burnout time is observed (:func:`burnout_time_from_telemetry`):
    that run's coast is fitted from it, the burnout figures are quoted at it, and its 1-σ (ms) replaces the
    prior's.

    Given ``burnout_from_s`` (the earliest the burnout can be) with an unknown burnout time, the boost is fitted
    too (:mod:`openbmd.verify.thrust`): the burnout time, the thrust's acceleration at burnout and its growth join
    the parameters (the first under its prior, or telemetry's; the others under wide ones,
    :data:`THRUST_RATE_PRIOR_SHARE`, :data:`THRUST_GROWTH_PRIOR`),
    the state is the burnout state at the fitted burnout time, and every row from ``boost_from_s`` (default
    :data:`~openbmd.verify.thrust.BOOST_MODEL_FROM` of ``burnout_from_s``) on is predicted under thrust before it
    and in the coast after it. The budget's ``burnout_time`` is then what the burnout time and the thrust's rate
    and growth leave unknown. ``burnout_prior_s`` (mean, 1-σ, earliest, latest; each (R,) s) gives each run its
    own prior of the burnout time, e.g. the law cut to the window a space-IR sensor's loss of the plume leaves
    (:func:`~openbmd.verify.observe.plume_window`): rows after its latest are surely coast."""
    if len(obs) and (obs.trial.min() < 0 or obs.trial.max() >= n_runs):
        raise ValueError(f"observation rows tag runs {obs.trial.min()}..{obs.trial.max()}, not 0..{n_runs - 1}")
    # Telemetry shows when the thrust ends: there the burnout time is observed (per run), not just bounded.
    t_seen, sigma_t = (burnout_time_from_telemetry(obs, n_runs, t_burnout_s, burnout_time_sigma_s)
                       if burnout_time_sigma_s > 0 else (np.full(n_runs, t_burnout_s), np.zeros(n_runs)))
    latest = max(t_burnout_s, coast_from_s if coast_from_s is not None else t_burnout_s)
    seen = sigma_t < burnout_time_sigma_s  # telemetry saw the burnout: the coast starts there
    thrust = bool(burnout_from_s is not None and burnout_time_sigma_s > 0)
    earliest = float(burnout_from_s) if thrust else latest
    if thrust and burnout_prior_s is not None:  # each run's own prior where telemetry did not see the burnout
        mean_r, sigma_r, lo_r, hi_r = (np.broadcast_to(np.asarray(v, float), (n_runs,)) for v in burnout_prior_s)
        t_seen, sigma_t = np.where(seen, t_seen, mean_r), np.where(seen, sigma_t, sigma_r)
        earliest, latest = np.maximum(earliest, lo_r), np.minimum(latest, hi_r)
    t_fit = t_seen.copy()  # (R,) s: each run's coast state is fitted at the burnout time it quotes
    coast_start = np.where(seen, t_seen, latest)  # (R,) s
    boost_start = ((boost_from_s if boost_from_s is not None else BOOST_MODEL_FROM * float(burnout_from_s)) if thrust
                   else latest)
    use = (obs.select(obs.t_s >= boost_start) if thrust else
           obs.select(obs.t_s > (coast_start[obs.trial] if len(obs) else latest) + 0.5))
    w = np.where(np.isfinite(use.sigma) & np.isfinite(use.z), 1.0 / np.where(np.isfinite(use.sigma), use.sigma, 1.0) ** 2, 0.0)
    z_ok = np.where(w > 0, use.z, 0.0)
    use = dataclasses.replace(use, z=z_ok)
    coast_row = use.t_s > coast_start[use.trial] + 0.5 if len(use) else np.zeros(0, bool)  # surely after burnout
    rows = np.bincount(use.trial, minlength=n_runs)
    col, prior, k = _bias_columns(use)
    x = np.broadcast_to(np.asarray(x0_ecef, float), (n_runs, 6)).copy()
    b = np.zeros((n_runs, k))
    # The coast's 1/β (m²/kg) is a parameter where the observer does not know it: prior mean u0, 1-σ sigma_u.
    # Each iteration flies the coast at the current estimate (one β per flight), so the fit is re-linearised
    # about it: drag is not quite linear in 1/β over the prior's width, at telemetry's mm/s.
    fit_drag = bool(inverse_beta_sigma_m2_kg > 0 and beta_kg_m2)
    none = -9  # the index of a parameter not fitted
    i_u = 6 if fit_drag else none
    i_t, i_k, i_q = (6 + fit_drag, 7 + fit_drag, 8 + fit_drag) if thrust else (none, none, none)
    n_par = 6 + int(fit_drag) + 3 * int(thrust)
    u0, sigma_u = (1.0 / beta_kg_m2, inverse_beta_sigma_m2_kg) if fit_drag else (0.0, 0.0)
    u = np.full(n_runs, u0)
    # The thrust rate's growth starts at its prior's mean, and the rate at burnout where that growth takes the guess's
    # speed in the burnout time (the steering loss aside): the mean of k / (1 + q (t_b - t)) is k ln(1 + q t_b) / q t_b.
    q0, sigma_q = (THRUST_GROWTH_PRIOR[0] / t_burnout_s, THRUST_GROWTH_PRIOR[1] / t_burnout_s) if thrust else (0., 1.)
    growth = THRUST_GROWTH_PRIOR[0]
    k0 = (np.linalg.norm(x[:, 3:], axis=1) / t_burnout_s * growth / math.log1p(growth) if thrust
          else np.zeros(n_runs))
    kk, qq = k0.copy(), np.full(n_runs, q0)
    steps = np.concatenate([STEP, [INVERSE_BETA_STEP * u0] if fit_drag else [],
                            [BURNOUT_TIME_STEP_S, THRUST_RATE_STEP_MPS2, THRUST_GROWTH_STEP * sigma_q] if thrust
                            else []])
    n_fly = n_par + 1  # the state and one neighbour per parameter
    t_end = float(use.t_s.max()) if len(use) else t_burnout_s + 1.0
    info = np.zeros((n_runs, n_par, n_par))
    a, d = np.zeros((n_runs, k, n_par)), np.ones((n_runs, k))
    estimated = prior > 0
    x_dot = x_ddot = np.zeros((0, 6))
    x_dot0 = None if n_runs else x_dot
    x_ddot0 = x_dot
    nudge = np.arange(n_fly)[None] - 1  # the parameter each flight's neighbour steps (-1: none)
    # First the state alone on the coast; each run's biases, 1/β and boost join once its state has converged (a
    # far guess would have them soak up the gross misfit). Gauss-Newton: every run and its neighbours in one batch.
    joined = np.zeros(n_runs, bool)
    later = np.arange(n_par) >= 6  # the parameters that join
    n_iter = iterations + (12 if thrust else 4)
    for it in range(n_iter):
        which = estimated[None] & joined[:, None]  # (R, K)
        states = np.repeat(x[:, None, :], n_fly, axis=1)
        states[:, 1:7] += np.diag(STEP)[None]
        flat = states.reshape(-1, 6)
        t0 = t_fit[:, None] + (nudge == i_t) * BURNOUT_TIME_STEP_S  # (R, n_fly) each flight's burnout time
        t_rows = t0.reshape(-1)
        r_eci, v_eci = ecef_to_eci(flat[:, :3], t_rows, earth, flat[:, 3:])
        u_rows = u[:, None] + (nudge == i_u) * (INVERSE_BETA_STEP * u0)
        batch = fly_ballistic(StateBatch(t_rows, r_eci, v_eci), earth,
                              beta_kg_m2=(1.0 / u_rows.reshape(-1)) if fit_drag else beta_kg_m2,
                              t_max_s=t_end - float(t_rows.min(initial=t_burnout_s)) + 5.0, sample_dt_s=SAMPLE_DT_S)
        t, r, v = batch.sample_states_ecef()
        x_dot, x_ddot = _rates(v[np.arange(n_runs) * n_fly, :3])  # the state's rates along its coast (R, 6)
        if x_dot0 is None:  # ... and the guess's: the same for every data set fitted from one guess
            x_dot0, x_ddot0 = x_dot, x_ddot
        preds = np.stack([_hermite(t0[use.trial, j], SAMPLE_DT_S, t, r, v, use.trial * n_fly + j, use.t_s)
                          for j in range(n_fly)], axis=1)  # (M, n_fly, 6): the state and its neighbours
        if thrust:  # rows before each flight's burnout: its boost, flown back under its thrust rate
            k_rows = kk[:, None] + (nudge == i_k) * THRUST_RATE_STEP_MPS2
            q_rows = qq[:, None] + (nudge == i_q) * (THRUST_GROWTH_STEP * sigma_q)
            tg, rg, vg = fly_boost_back(flat, t_rows, k_rows.reshape(-1), boost_start, earth, q_rows.reshape(-1))
            for j in range(n_fly):
                f = use.trial * n_fly + j
                before = use.t_s < t0[use.trial, j]
                preds[before, j] = _hermite(tg[f[before], 0], BOOST_STEP_S, tg, rg, vg, f[before], use.t_s[before])
        preds = np.stack([predict(use, preds[:, j]) for j in range(n_fly)], axis=1)
        res = _residual(use, preds[:, 0])
        for c in range(BIAS_COMPONENTS):  # the sensors' current bias estimates
            on = col[:, c] >= 0
            res[on, c] -= b[use.trial[on], col[on, c]]
        jac = (preds[:, 1:] - preds[:, :1]) / steps[None, :, None]  # (M, params, 6 components)
        radar = use.kind == RADAR  # azimuth differences wrap; state components do not
        jac[radar, :, 1] = ((jac[radar, :, 1] * steps[None, :] + math.pi) % (2 * math.pi) - math.pi) / steps[None, :]
        good = np.isfinite(res) & np.all(np.isfinite(jac), axis=1) & (w > 0)
        if thrust:
            good &= (coast_row | joined[use.trial])[:, None]
        ww = np.where(good, w, 0.0)
        res, jac = np.where(good, res, 0.0), np.where(good[:, None, :], jac, 0.0)
        info = np.zeros((n_runs, n_par, n_par))
        grad = np.zeros((n_runs, n_par))
        np.add.at(info, use.trial, np.einsum("mpc,mc,mqc->mpq", jac, ww, jac))
        np.add.at(grad, use.trial, np.einsum("mpc,mc,mc->mp", jac, ww, res))
        if fit_drag:  # 1/β's prior
            info[:, i_u, i_u] += 1.0 / sigma_u ** 2
            grad[:, i_u] += (u0 - u) / sigma_u ** 2
        if thrust:  # the burnout time's prior (or telemetry's), and the thrust rate's wide one
            info[:, i_t, i_t] += 1.0 / sigma_t ** 2
            grad[:, i_t] += (t_seen - t_fit) / sigma_t ** 2
            info[:, i_k, i_k] += 1.0 / (THRUST_RATE_PRIOR_SHARE * k0) ** 2
            grad[:, i_k] += (k0 - kk) / (THRUST_RATE_PRIOR_SHARE * k0) ** 2
            info[:, i_q, i_q] += 1.0 / sigma_q ** 2
            grad[:, i_q] += (q0 - qq) / sigma_q ** 2
        a, d, g_b = _bias_blocks(use, jac, ww, res, col, prior, b, n_runs, k)
        reduced = _marginal(info, a, d, which)
        g_x = grad - np.einsum("rkp,rk->rp", a, np.where(which, g_b / d, 0.0))
        fixed = later[None] & ~joined[:, None]  # (R, P): held where they have not joined yet
        both = fixed[:, :, None] | fixed[:, None, :]
        reduced = np.where(both, 0.0, reduced) + np.eye(n_par)[None] * fixed[:, :, None]
        g_x = np.where(fixed, 0.0, g_x)
        # determined: the state's block has full rank (the priors then make the whole positive definite)
        ok = ((rows >= MIN_ROWS) & (np.linalg.matrix_rank(reduced[:, :6, :6], tol=None) == 6) if n_runs
              else np.zeros(0, bool))
        dx = np.zeros((n_runs, n_par))
        if ok.any():
            dx[ok] = np.einsum("rpq,rq->rp", _covariance(reduced[ok], np.ones(int(ok.sum()), bool)), g_x[ok])
        # a step of the state is held to STATE_MAX_STEP (a far guess's coast flies through air the truth's does not)
        big = np.maximum(np.linalg.norm(dx[:, :3], axis=1) / STATE_MAX_STEP[0],
                         np.linalg.norm(dx[:, 3:6], axis=1) / STATE_MAX_STEP[1])
        dx /= np.maximum(big, 1.0)[:, None]
        if thrust:  # a step in the burnout time is held to a second (the kink is not linear), inside its range
            scale = np.minimum(1.0, BURNOUT_TIME_MAX_STEP_S / np.maximum(np.abs(dx[:, i_t]), 1e-300))
            dx *= scale[:, None]
            t_new = np.clip(t_fit + dx[:, i_t], earliest, latest)
            dx[:, i_t] = t_new - t_fit
        db = np.where(which, (g_b - np.einsum("rkp,rp->rk", a, dx)) / d, 0.0)
        x, b = x + dx[:, :6], b + db
        if fit_drag:  # a body that thrusts is no coast: 1/β stays positive
            u = np.maximum(u + dx[:, i_u], INVERSE_BETA_FLOOR * u0)
        if thrust:
            t_fit, kk = t_fit + dx[:, i_t], np.maximum(kk + dx[:, i_k], 1e-3 * k0)
            qq = np.maximum(qq + dx[:, i_q], 0.0)  # the mass falls as the motor burns: the rate never shrinks
        tol_dx = np.concatenate([[1e-3] * 3, [1e-6] * 3, [1e-4 * sigma_u] if fit_drag else [],
                                 [1e-6, 1e-6, 1e-6 * sigma_q] if thrust else []])
        converged = np.all(np.abs(dx) < tol_dx, axis=1) | ~ok
        if np.all(converged & (joined | ~ok)) or (np.all(converged) and not (estimated.any() or fit_drag or thrust)):
            break
        # A run joins once its state is near (a hundred times the final tolerance: the coast alone may not settle
        # finer, at its noise), and by half the iterations at the latest.
        joined |= ok & (np.all(np.abs(dx) < JOIN_TOLERANCE * tol_dx, axis=1) | (it + 1 >= n_iter // 2))
    # The covariance (the biases, 1/β and the boost marginalised), and the data's part: the same with them known.
    full = _marginal(info, a, d, estimated)
    p_all = _covariance(full, ok)
    p_drag = p_all[:, :6, :6]
    p_data = _covariance(full[:, :6, :6], ok)
    info, a = info[:, :6, :6], a[..., :6]  # the state's blocks: what each kind of bias costs, the rest known
    var_t = sigma_t[:, None] ** 2
    if thrust:  # the state is the burnout state at the fitted burnout time: the covariance carries it
        keep = np.r_[0:6, [i_t, i_k, i_q]]
        p_time = _covariance(full[:, keep][:, :, keep], ok)[:, :6, :6]  # 1/β known
        shift = np.zeros((n_runs, 6))
        p = p_drag
    else:
        # The true burnout is Δt (mean 0, 1-σ σ_t) from the time quoted: along the coast by ẋ Δt + ẍ Δt²/2,
        # whose mean is ẍ σ_t²/2 (the estimate takes it) and covariance σ_t² ẋẋᵀ + σ_t⁴ ẍẍᵀ/2 (Δt normal).
        # (σ_t: the prior's, or telemetry's where it saw the burnout; per run.)
        shift = 0.5 * var_t * x_ddot
        x = x + shift
        p = p_drag + var_t[..., None] * np.einsum("rp,rq->rpq", x_dot, x_dot) \
            + 0.5 * var_t[..., None] ** 2 * np.einsum("rp,rq->rpq", x_ddot, x_ddot)
    speed, g_speed, alt, g_alt = burnout_gradients(x, earth)
    angle = np.zeros(k, bool)
    angle[0::BIAS_COMPONENTS] = angle[1::BIAS_COMPONENTS] = True
    variants = {"noise only": np.zeros(k, bool), "range biases": (prior > 0) & ~angle,
                "angle biases": (prior > 0) & angle}
    speed_sigma_by = {name: figure_sigma(_covariance(_marginal(info, a, d, which), ok), g_speed)
                      for name, which in variants.items()}
    nan = np.where(ok, 1.0, np.nan)
    p_noise = _covariance(_marginal(info, a, d, np.zeros(k, bool)), ok)
    # The burnout time's part of the speed and height is taken at the guess (the state's own covariance above uses
    # its own rates): the same for every data set fitted from one guess, so that more data, which cannot tell the
    # burnout time, never widens the interval.
    _, g0_speed, _, g0_alt = burnout_gradients(np.broadcast_to(np.asarray(x0_ecef, float), (n_runs, 6)), earth)
    budget, total = {}, {}
    for what, g, g0 in (("speed", g_speed, g0_speed), ("altitude", g_alt, g0_alt)):
        noise, data, drag = figure_sigma(p_noise, g), figure_sigma(p_data, g), figure_sigma(p_drag, g)
        if thrust:
            timed = figure_sigma(p_time, g)
            burnout = np.sqrt(np.maximum(timed ** 2 - data ** 2, 0.0))
            drag_part = np.sqrt(np.maximum(drag ** 2 - timed ** 2, 0.0))
            total[what] = drag
        else:
            burnout = np.sqrt(var_t[:, 0] * np.einsum("rp,rp->r", g0, x_dot0) ** 2
                              + 0.5 * var_t[:, 0] ** 2 * np.einsum("rp,rp->r", g0, x_ddot0) ** 2) * nan
            drag_part = np.sqrt(np.maximum(drag ** 2 - data ** 2, 0.0))
            total[what] = np.sqrt(drag ** 2 + burnout ** 2)
        budget[what] = {"noise": noise, "bias": np.sqrt(np.maximum(data ** 2 - noise ** 2, 0.0)),
                        "burnout_time": burnout, "drag": drag_part}
    return BurnoutFit(x, p, speed * nan, total["speed"], alt * nan, total["altitude"],
                      rows, ok, speed_sigma_by, p - p_data, shift, budget, t_fit,
                      1.0 / u if fit_drag else None,
                      kk if thrust else None, np.sqrt(p_all[:, i_t, i_t]) if thrust else None,
                      np.bincount(use.trial[use.t_s < t_fit[use.trial]], minlength=n_runs) if thrust
                      else np.zeros(n_runs, np.int64), boost_start if thrust else None,
                      qq if thrust else None)


def _rates(v_s: NDArray) -> tuple[NDArray, NDArray]:
    """First and second time derivatives (R, 6) of coast states from their first three velocity samples
    ``v_s`` (R, 3, 3) (ECEF m/s, :data:`SAMPLE_DT_S` apart): (v, a) and (a, da/dt), one-sided differences."""
    acc = (-3 * v_s[:, 0] + 4 * v_s[:, 1] - v_s[:, 2]) / (2 * SAMPLE_DT_S)
    return (np.concatenate([v_s[:, 0], acc], axis=1),
            np.concatenate([acc, (v_s[:, 0] - 2 * v_s[:, 1] + v_s[:, 2]) / SAMPLE_DT_S ** 2], axis=1))


def burnout_gradients(x_ecef: NDArray, earth: EarthModel) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Speed (R,) (Earth-relative, m/s) and geodetic height (R,) (m) of burnout states ``x_ecef`` (R, 6), each
    with its gradient (R, 6) in the state: what turns a state covariance into their 1-σ (:func:`figure_sigma`)."""
    x = np.asarray(x_ecef, float).reshape(-1, 6)
    speed = np.linalg.norm(x[:, 3:], axis=1)
    g_speed = np.concatenate([np.zeros((len(x), 3)), x[:, 3:] / speed[:, None]], axis=1)
    lat, lon, alt = ecef_to_geodetic(x[:, :3], earth)
    up = enu_rotation(lat, lon)[..., 2, :].reshape(len(x), 3)
    return speed, g_speed, np.asarray(alt, float).reshape(len(x)), np.concatenate([up, np.zeros((len(x), 3))], axis=1)


def figure_sigma(p: NDArray, gradient: NDArray) -> NDArray:
    """1-σ (R,) of a figure with ``gradient`` (R, 6) in states of covariance ``p`` (R, 6, 6), to first order."""
    return np.sqrt(np.einsum("rp,rpq,rq->r", gradient, p, gradient))


def _covariance(info: NDArray, ok: NDArray) -> NDArray:
    """Inverses (R, P, P) of the information matrices ``info`` where ``ok`` (NaN elsewhere), each scaled to a unit
    diagonal first: metres, m/s and 1/β's m²/kg differ by many orders in information."""
    p = np.full(info.shape, np.nan)
    if ok.any():
        diag = np.diagonal(info[ok], axis1=1, axis2=2)
        s = 1.0 / np.sqrt(np.where(diag > 0, diag, 1.0))
        p[ok] = s[:, :, None] * np.linalg.inv(s[:, :, None] * info[ok] * s[:, None, :]) * s[:, None, :]
    return p


CHANGE_POINT_SAMPLES = 4
"""Telemetry samples before the burnout kink that the two-phase regression fits a parabola through: a motor's speed
gain grows as its mass falls (by ~10 % a second near an SM-3-class burnout, :mod:`openbmd.verify.thrust`), which a
line through the last few samples, carried on to the kink, would read as a burnout a few tenths of a second late."""

COAST_CURVE_SAMPLES = 10
"""Telemetry samples after the kink that it fits a parabola through: the coast's deceleration changes as gravity
turns the path (~g² cos²γ / v, a few mm/s³), which a line through a few samples, carried back to the kink, would
read as an early burnout by about a millisecond. Ten samples of a parabola carry back with less noise than three
of a line."""


def _polynomial(t: NDArray, v: NDArray, degree: int = 2):
    """Least-squares polynomials through speeds ``v`` (R, K) at times ``t`` (R, K): a function of times (R,) giving
    each one's speed, slope and noise variance there in units of one sample's (φᵀ (BᵀB)⁻¹ φ)."""
    t_mid = t.mean(axis=1)
    basis = (t - t_mid[:, None])[..., None] ** np.arange(degree + 1)  # (R, K, d + 1): 1, τ, τ², ...
    with np.errstate(invalid="ignore", divide="ignore"):
        gram_inv = np.linalg.pinv(np.einsum("rki,rkj->rij", basis, basis))  # (R, d + 1, d + 1); NaN stays NaN
        coef = np.einsum("rij,rkj,rk->ri", gram_inv, basis, v)

    def at(when: NDArray) -> tuple[NDArray, NDArray, NDArray]:
        tau = when - t_mid
        phi = tau[:, None] ** np.arange(degree + 1)
        slope = sum(j * coef[:, j] * tau ** (j - 1) for j in range(1, degree + 1))
        return np.einsum("ri,ri->r", coef, phi), slope, np.einsum("ri,rij,rj->r", phi, gram_inv, phi)

    return at


def _crossing(boost_fit, coast_fit, start: NDArray) -> NDArray:
    """Where two fitted speed histories meet (R,) s, by Newton's method from ``start`` (nearly lines: a few steps
    reach the crossing to far below 1 ns)."""
    cross = start
    for _ in range(6):
        (vb, kb, _), (vc, kc, _) = boost_fit(cross), coast_fit(cross)
        cross = cross - (vb - vc) / (kb - kc)
    return cross


def burnout_time_from_telemetry(obs: Observations, n_runs: int, prior_mean_s: float,
                                prior_sigma_s: float) -> tuple[NDArray, NDArray]:
    """Each run's burnout time (s after launch) and its 1-σ (R,) from its telemetry rows (``source`` telemetry):
    the change point of the speed history, where the thrust's speed gain gives way to the coast's loss.

    Two-phase regression: the last interval whose speed gain exceeds the midpoint of the boost's and the coast's
    median rates is the last under thrust; a parabola through the :data:`CHANGE_POINT_SAMPLES` speeds up to its
    start and one through the :data:`COAST_CURVE_SAMPLES` from the sample after its end (the sample between may be
    either) meet at the burnout time. Its 1-σ is the two fits' noise at the crossing (the telemetry's speed 1-σ)
    over their difference of slope there, and the boost's shape error: how far a line through its samples would
    put the crossing from the parabola's. Runs without such telemetry keep the prior (``prior_mean_s``,
    ``prior_sigma_s``)."""
    from openbmd.verify.observe import TELEMETRY

    t_hat, sig = np.full(n_runs, float(prior_mean_s)), np.full(n_runs, float(prior_sigma_s))
    tel = obs.select(obs.source == TELEMETRY)
    if len(tel) == 0:
        return t_hat, sig
    grid = np.unique(tel.t_s)
    col = np.searchsorted(grid, tel.t_s)
    s = np.full((n_runs, grid.size), np.nan)
    s[tel.trial, col] = np.linalg.norm(tel.z[:, 3:], axis=1)  # Earth-relative speed, m/s
    sigma_s = float(np.nanmax(tel.sigma[:, 3]))  # per axis: the speed's 1-σ along the velocity
    m, mc = CHANGE_POINT_SAMPLES, COAST_CURVE_SAMPLES
    if grid.size < m + mc + 2:
        return t_hat, sig
    rate = np.diff(s, axis=1) / np.diff(grid)  # (R, K-1) m/s²
    with warnings.catch_warnings():  # a run without telemetry has no rates: NaN, and the prior stands
        warnings.simplefilter("ignore", RuntimeWarning)
        boost = np.nanmedian(np.where(grid[None, 1:] <= prior_mean_s - 3 * prior_sigma_s, rate, np.nan), axis=1)
        coast = np.nanmedian(np.where(grid[None, :-1] >= prior_mean_s + 3 * prior_sigma_s, rate, np.nan), axis=1)
    above = np.where(np.isfinite(rate), rate > 0.5 * (boost + coast)[:, None], False)
    last = rate.shape[1] - 1 - np.argmax(above[:, ::-1], axis=1)  # the last interval under thrust (mostly)
    ok = above.any(axis=1) & np.isfinite(boost) & np.isfinite(coast) & (last >= m - 1) & (last + 1 + mc < grid.size)
    b_idx = np.clip(last[:, None] - np.arange(m)[::-1][None], 0, grid.size - 1)  # (R, m) boost samples
    c_idx = np.clip(last[:, None] + 2 + np.arange(mc)[None], 0, grid.size - 1)  # (R, mc) coast samples
    boost_t, boost_v = grid[b_idx], np.take_along_axis(s, b_idx, axis=1)
    boost_fit, coast_fit = _polynomial(boost_t, boost_v), _polynomial(grid[c_idx], np.take_along_axis(s, c_idx, axis=1))
    start = grid[np.minimum(last + 1, grid.size - 1)].astype(float)  # Newton from the kink's middle sample
    with np.errstate(invalid="ignore", divide="ignore"):
        cross = _crossing(boost_fit, coast_fit, start)
        line = _crossing(_polynomial(boost_t, boost_v, 1), coast_fit, start)
        (_, kb, var_b), (_, kc, var_c) = boost_fit(cross), coast_fit(cross)
        dk = kb - kc
        # The boost's shape is not known: where a line and a parabola through its samples disagree on the crossing
        # (a rocket's speed gain grows as its mass falls), the difference joins the 1-σ as the shape's error.
        var = sigma_s ** 2 * (var_b + var_c) + (cross - line) ** 2 * dk ** 2
        ok &= np.isfinite(cross) & (dk > 0) & (cross >= grid[np.minimum(last, grid.size - 1)]) \
            & (cross <= grid[np.minimum(last + 2, grid.size - 1)])
    t_hat[ok], sig[ok] = cross[ok], np.sqrt(var[ok]) / dk[ok]
    return t_hat, sig
