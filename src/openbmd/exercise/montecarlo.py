"""Monte Carlo over trials: fixed chunks with their own seeds, run locally or on Dask, and the metrics.

Trials are cut into chunks of :data:`CHUNK_TRIALS`; chunk c draws its uniforms from
``SeedSequence(seed).spawn(n_chunks)[c]``. The chunks are the same whatever runs them,
so one worker, two workers or a remote cluster give identical answers for one seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from openbmd.engagement.firecontrol import AUTHORITIES
from openbmd.exercise.engine import BATTERY_DTYPE, LOG_FIELDS, MAX_SHOTS, OBJECT_DTYPE, PARAM_DTYPE, run_trials
from openbmd.exercise.geometry import CAUSES, SAMPLE_DT_S, Prepared

CHUNK_TRIALS = 1000
Z95 = 1.959963984540054


def _chunk_seeds(seed: int, n_chunks: int) -> list[np.random.SeedSequence]:
    return np.random.SeedSequence(seed).spawn(n_chunks)


def engine_inputs(prep: Prepared) -> tuple:
    """The static arrays :func:`openbmd.exercise.engine.run_trials` reads, packed from ``prep``: its ``raid``,
    ``sensing`` and ``prm`` arguments."""
    bat = np.zeros(len(prep.pk), dtype=BATTERY_DTYPE)
    bat["party"], bat["group"], bat["pk"] = prep.party, prep.group, prep.pk
    bat["inventory"], bat["reserve"], bat["channels"] = prep.inventory, prep.reserve, prep.channels
    obj = np.zeros(len(prep.is_warhead), dtype=OBJECT_DTYPE)
    obj["is_warhead"], obj["value"], obj["asset"], obj["static_cause"] = (prep.is_warhead, prep.value, prep.asset,
                                                                         prep.static_cause)
    obj["t0"], obj["burnout"] = prep.t0_s, prep.burnout_t_s
    prm = np.zeros(1, dtype=PARAM_DTYPE)
    prm["salvo"], prm["sls"], prm["look_reserve"], prm["joint"] = (prep.salvo, prep.shoot_look_shoot,
                                                                   prep.look_shot_reserve, prep.joint)
    prm["ka_delay"], prm["decision"], prm["n_parties"] = prep.kill_assessment_s, prep.decision_s, len(prep.parties)
    prm["sample_dt"], prm["blind_follow_up"] = SAMPLE_DT_S, prep.unassessed_follow_up == "re-engage"
    model, posts = prep.tracks.model, prep.tracks.posts
    prm["track_window"], prm["track_q"] = model.boost_window_s, model.q_boost_m2_s3
    accuracy = np.array([model.accuracy_scale(int(c)) for c in posts.model_class], float)
    rec_f = np.ascontiguousarray(np.stack([prep.rec_launch, prep.rec_intercept, prep.rec_basket_m,
                                           prep.rec_homing_s], axis=-1))
    rec_i = np.ascontiguousarray(np.stack([prep.rec_j_launch, prep.rec_j_intercept], axis=-1))
    raid = (rec_f, rec_i, prep.rec_count, bat, obj, prep.asset_value)
    sensing = (prep.use, prep.use_latency_s, prep.sigma_m, posts.revisit_s, posts.last_seen_s, accuracy, prep.data_of,
               prep.data_latency_s, prep.seen, prep.self_defence)
    return raid, sensing, prm


def draw_trials(prep: Prepared, n_trials: int, rng: np.random.Generator) -> dict[str, NDArray]:
    """Per-trial random inputs, drawn in a fixed order whatever the mode (common random numbers): kill
    uniforms, then per (party, object) track delays, discrimination, approval delays and vetoes."""
    n, n_p = len(prep.is_warhead), len(prep.parties)
    kill = rng.random((n_trials, n * MAX_SHOTS * prep.salvo))
    u_track, u_disc, u_approve, u_veto = (rng.random((n_trials, n_p, n)) for _ in range(4))
    starts = prep.tracks.starts(u_track)
    any_track = starts.min(axis=1) if starts.shape[1] else np.full((n_trials, n), np.inf)
    posts = prep.tracks.posts
    recog_p = np.full((n_trials, n_p, n), np.inf)
    ready_p = np.full((n_trials, n_p, n), np.inf)  # when discrimination has had its chance
    decoy = ~prep.is_warhead
    for q in range(len(posts.names)):  # S (a dozen) vectorised steps
        p_disc, after = prep.discrimination[posts.role[q]]
        p = posts.owner[q]
        if p_disc > 0:
            t = starts[:, q] + after
            ready_p[:, p] = np.minimum(ready_p[:, p], t)
            recog_p[:, p] = np.minimum(recog_p[:, p], np.where((u_disc[:, p] < p_disc) & decoy, t, np.inf))
    stripped = prep.seen[:, np.arange(n), prep.strip_j] & decoy  # (P, N): its sensors see the decoy stripped
    n_g = prep.data_of.shape[0]
    by_sensors = np.full((n_trials, n_g, n), np.inf)  # when each group knows each decoy from its sensors' looks
    recognised = np.full((n_trials, n_g, n), np.inf)  # ... or from the atmosphere's strip
    wait = np.full((n_trials, n_g, n), np.inf)
    for g in range(n_g):
        for p in range(n_p):
            if prep.data_of[g, p]:
                lat = prep.data_latency_s[g, p]
                by_sensors[:, g] = np.minimum(by_sensors[:, g], recog_p[:, p] + lat)
                recognised[:, g] = np.minimum(recognised[:, g], np.where(stripped[p], prep.strip_t_s + lat, np.inf))
                wait[:, g] = np.minimum(wait[:, g], ready_p[:, p] + lat)
    recognised = np.minimum(recognised, by_sensors)
    wait = np.where(np.isfinite(wait) & prep.in_complex[None, None, :], wait, -np.inf)
    wait = _wait_for_the_strip(prep, wait, by_sensors, stripped)
    z = norm_ppf(np.clip(u_approve, 1e-12, 1 - 1e-12))
    delays = prep.approval_median_s * np.exp(prep.approval_spread * z)
    approval = np.where(prep.required[None, :, None], delays, 0.0).max(axis=1)
    veto = ((u_veto < prep.veto_probability) & prep.required[None, :, None]).any(axis=1)
    return {"kill": kill, "starts": np.ascontiguousarray(starts), "any_track": any_track, "recognised": recognised,
            "wait_until": wait, "approval": approval, "veto": veto}


def _wait_for_the_strip(prep: Prepared, wait: NDArray, by_sensors: NDArray, stripped: NDArray) -> NDArray:
    """(T, G, N) when each group's discrimination of each object has had its chance, the atmosphere's included:
    where a group's sensors have not told every light decoy of a complex from its warhead by their chance
    (``wait``; ``by_sensors`` (T, G, N) when they told each decoy), and its radars see those decoys stripped
    (``stripped`` (P, N)), the group waits for the last of them to be stripped. The engine waits only where a
    window is left after that; an exo-atmospheric battery has none and fires as before."""
    if not prep.wait_for_strip or prep.complex_id is None or not np.isfinite(prep.strip_t_s).any():
        return wait
    cid, decoy = prep.complex_id, ~prep.is_warhead
    n_c = int(cid.max()) + 1
    n_decoys = np.bincount(cid, weights=decoy, minlength=n_c)
    strip_c = np.full(n_c, -np.inf)  # when the last of a complex's decoys is stripped (inf if one never is)
    np.maximum.at(strip_c, cid[decoy], prep.strip_t_s[decoy])
    seen_strip = np.full((len(prep.data_of), n_c), np.inf)  # when each group learns it, through whose radars
    for g in range(len(prep.data_of)):  # G (one to three) and P (two) vectorised steps
        for p in np.flatnonzero(prep.data_of[g]):
            sees_all = (n_decoys > 0) & (np.bincount(cid, weights=stripped[p], minlength=n_c) == n_decoys)
            seen_strip[g] = np.where(sees_all, np.minimum(seen_strip[g], strip_c + prep.data_latency_s[g, p]),
                                     seen_strip[g])
    untold = decoy[None, None, :] & ~(by_sensors <= wait)  # (T, G, N) decoys the sensors' chance missed
    open_c = np.zeros(wait.shape[:2] + (n_c,), dtype=bool)
    np.logical_or.at(open_c, (slice(None), slice(None), cid), untold)
    t_strip = seen_strip[:, cid][None]  # (1, G, N)
    waits = open_c[:, :, cid] & np.isfinite(t_strip)
    return np.where(waits, np.maximum(wait, t_strip), wait)


def norm_ppf(u: NDArray) -> NDArray:
    """Standard normal quantiles of ``u`` in (0, 1)."""
    from scipy.special import ndtri

    return ndtri(u)


RAW_KEYS = ("leakers", "used", "defended", "used_by", "kills_by", "survived", "wasted", "at_decoys", "cause",
            "by_authority")


def run_chunk(prep: Prepared, n_trials: int, seed_seq: np.random.SeedSequence) -> dict[str, NDArray]:
    """Run ``n_trials`` trials with draws from ``seed_seq`` (a worker's unit of work)."""
    d = draw_trials(prep, n_trials, np.random.default_rng(seed_seq))
    return _run(prep, d, np.zeros((0, 0, LOG_FIELDS)))


def _run(prep: Prepared, d: dict[str, NDArray], log: NDArray) -> dict[str, NDArray]:
    draws = tuple(d[k] for k in ("starts", "any_track", "recognised", "wait_until", "approval", "veto", "kill"))
    out = run_trials(*engine_inputs(prep), draws, log)
    return dict(zip(RAW_KEYS, out))


def replay_draws(prep: Prepared, trials: int, seed: int, trial: int) -> dict[str, NDArray]:
    """The random inputs of trial ``trial`` (0-based) of a ``trials``-trial run with ``seed``, exactly as
    :func:`run_trials_mc` draws them, each array with a leading axis of one trial."""
    if not 0 <= trial < trials:
        raise ValueError(f"trial {trial} is outside 0..{trials - 1}")
    c, k = divmod(trial, CHUNK_TRIALS)
    size = min(CHUNK_TRIALS, trials - c * CHUNK_TRIALS)
    d = draw_trials(prep, size, np.random.default_rng(_chunk_seeds(seed, math.ceil(trials / CHUNK_TRIALS))[c]))
    return {key: np.ascontiguousarray(v[k:k + 1]) for key, v in d.items()}


def run_logged(prep: Prepared, draws: dict[str, NDArray]) -> tuple[dict[str, NDArray], NDArray]:
    """Run the trials of ``draws`` and log every shot: (the raw per-trial outcomes, the shot log (T, L,
    :data:`openbmd.exercise.engine.LOG_FIELDS`), rows in firing order, unused rows all −1)."""
    n_trials, n = draws["kill"].shape[0], len(prep.is_warhead)
    log = np.full((n_trials, n * MAX_SHOTS, LOG_FIELDS), -1.0)
    return _run(prep, draws, log), log


def run_trials_mc(prep: Prepared, trials: int, seed: int, *, client=None,
                  progress: Callable[[int], None] | None = None) -> dict[str, NDArray]:
    """All trials of one mode, in seeded chunks; on a Dask ``client`` when given. ``progress(k)`` is told
    of each chunk of k trials as it completes."""
    sizes = [min(CHUNK_TRIALS, trials - s) for s in range(0, trials, CHUNK_TRIALS)]
    seeds = _chunk_seeds(seed, len(sizes))
    parts: list[dict[str, NDArray] | None] = [None] * len(sizes)
    if client is None:
        for c, (size, ss) in enumerate(zip(sizes, seeds)):
            parts[c] = run_chunk(prep, size, ss)
            if progress:
                progress(size)
    else:
        from dask.distributed import as_completed

        shared = client.scatter(prep, broadcast=True, hash=False)  # a fresh key: no race with an earlier release
        futures = [client.submit(run_chunk, shared, size, ss, pure=False) for size, ss in zip(sizes, seeds)]
        index = {f.key: c for c, f in enumerate(futures)}
        for fut in as_completed(futures):
            parts[index[fut.key]] = fut.result()
            if progress:
                progress(sizes[index[fut.key]])
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def wilson(successes: int, n: int) -> tuple[float, float]:
    """95 % Wilson score interval for a proportion."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    d = 1 + Z95 ** 2 / n
    centre = (p + Z95 ** 2 / (2 * n)) / d
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / d
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return min(lo, p), max(hi, p)


def mean_ci(x: NDArray) -> tuple[float, list[float]]:
    """Mean and its 95 % normal-approximation interval."""
    x = np.asarray(x, float)
    m = float(x.mean())
    half = Z95 * float(x.std(ddof=1)) / math.sqrt(x.size) if x.size > 1 else 0.0
    return m, [m - half, m + half]


def summarize(raw: dict[str, NDArray], parties: Sequence[str]) -> dict[str, Any]:
    """Metrics of one mode with 95 % intervals."""
    n = raw["leakers"].size
    no_leak = int(np.sum(raw["leakers"] == 0))
    leak, leak_ci = mean_ci(raw["leakers"])
    used, used_ci = mean_ci(raw["used"])
    value, value_ci = mean_ci(raw["defended"])
    return {
        "trials": n,
        "p_no_leak": no_leak / n, "p_no_leak_ci": list(wilson(no_leak, n)),
        "expected_leakers": leak, "expected_leakers_ci": leak_ci,
        "interceptors_used": used, "interceptors_used_ci": used_ci,
        "value_defended": value, "value_defended_ci": value_ci,
        "parties": {p: _party_metrics(raw, k) for k, p in enumerate(parties)},
        "interceptors_wasted": float(raw["wasted"].mean()),
        "interceptors_at_decoys": float(raw["at_decoys"].mean()),
        "interceptors_by_authority": {a: float(raw["by_authority"][:, :, k].sum(axis=1).mean())
                                      for k, a in enumerate(AUTHORITIES)},
        "leak_causes": leak_causes(raw),
    }


def leak_causes(raw: dict[str, NDArray]) -> dict[str, float]:
    """Expected number of leaking warheads per trial, by cause."""
    counts = np.bincount(raw["cause"].ravel(), minlength=len(CAUSES) + 1)[1:] / raw["cause"].shape[0]
    return {c: float(v) for c, v in zip(CAUSES, counts)}


def paired_difference(a: NDArray, b: NDArray) -> tuple[float, list[float]]:
    """Mean of a − b over paired trials and its 95 % interval (common random numbers)."""
    return mean_ci(np.asarray(a, float) - np.asarray(b, float))


def _party_metrics(raw: dict[str, NDArray], k: int) -> dict[str, Any]:
    """One party's contribution: interceptors it used and objects it killed per trial, with 95 % intervals."""
    used, used_ci = mean_ci(raw["used_by"][:, k])
    kills, kills_ci = mean_ci(raw["kills_by"][:, k])
    return {"interceptors_used": used, "interceptors_used_ci": used_ci, "kills": kills, "kills_ci": kills_ci,
            "interceptors_by_authority": {a: float(raw["by_authority"][:, k, j].mean())
                                          for j, a in enumerate(AUTHORITIES)}}


