"""The trial engine: one Monte Carlo trial of a raid against a defence, event by event, in numba.

Each trial runs in waves. In a wave every decision group (one per party, or one for the
joint mode) assigns its batteries to the threats it still believes alive, optimally
(:func:`openbmd.exercise.wta.assign`): costs favour the most valuable threats first, then
the earliest intercepts. An engagement fires a second salvo at once only when no time
would be left to look before another battery of the group could fire (shoot-shoot at the
last chance). Each assigned engagement fires a salvo at the earliest intercept
whose launch comes after the group may fire, draws kills with the interceptor's single-shot
Pk, and, under shoot-look-shoot, lets the group fire at that threat again only after the
kill assessment. Waves repeat until nobody can fire; surviving warheads leak.

Random numbers come in per trial as an array of uniforms indexed by (object, shot, salvo
round), so every mode sees the same luck for the same shot (common random numbers) and
the answer does not depend on how trials are split across workers.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from openbmd.exercise.wta import assign

MAX_SHOTS = 8
"""Most shots at one object in one trial (indexes the uniforms)."""
MAX_WAVES = 16
_INFEASIBLE = 1e9
_VALUE_WEIGHT = 1e5


@njit(cache=True)
def _earliest(rec_l, rec_t, count, x):
    """Intercept time of the first record whose launch time is ≥ x; inf if none (binary search)."""
    lo, hi = 0, count
    while lo < hi:
        mid = (lo + hi) // 2
        if rec_l[mid] >= x:
            hi = mid
        else:
            lo = mid + 1
    return rec_t[lo] if lo < count else np.inf


@njit(cache=True)
def run_trials(rec_l, rec_t, rec_n, allowed, group, party, pk, inventory, reserve, is_warhead, value, asset,
               asset_value, salvo, sls, ka_delay, n_parties, uniforms):
    """Run ``uniforms.shape[0]`` trials; ``allowed`` (T, N, B) is each trial's earliest launch per object and
    battery, s. Returns leakers, interceptors used, value defended (fraction),
    interceptors used and kills per party (T, P), and which objects survived (T, N)."""
    n_trials = uniforms.shape[0]
    n, n_bat = allowed.shape[1], allowed.shape[2]
    n_groups = 0
    for b in range(n_bat):
        n_groups = max(n_groups, group[b] + 1)
    leakers = np.zeros(n_trials, dtype=np.int64)
    used = np.zeros(n_trials, dtype=np.int64)
    defended = np.zeros(n_trials)
    used_by = np.zeros((n_trials, n_parties), dtype=np.int64)
    kills_by = np.zeros((n_trials, n_parties), dtype=np.int64)
    survived = np.zeros((n_trials, n), dtype=np.bool_)
    total_value = asset_value.sum()
    for trial in range(n_trials):
        alive = np.ones(n, dtype=np.bool_)
        inv = inventory.copy()
        shots = np.zeros(n, dtype=np.int64)
        next_ok = np.full((max(n_groups, 1), n), -np.inf)
        for _wave in range(MAX_WAVES):
            fired = False
            killed = np.zeros(n, dtype=np.bool_)
            killer = np.full(n, -1, dtype=np.int64)
            kill_time = np.full(n, np.inf)
            for g in range(n_groups):
                alive_rows = np.flatnonzero(alive)
                if alive_rows.size == 0:
                    break
                bats = np.flatnonzero(group == g)
                # Earliest intercept of each (threat, battery) under this group's constraints.
                e1 = np.full((alive_rows.size, bats.size), np.inf)
                for q in range(bats.size):
                    b = bats[q]
                    if (inv[b] - reserve[b]) // salvo <= 0:
                        continue
                    for r in range(alive_rows.size):
                        i = alive_rows[r]
                        x = max(allowed[trial, i, b], next_ok[g, i])
                        if shots[i] < MAX_SHOTS - 1 and x < np.inf:
                            e1[r, q] = _earliest(rec_l[i, b], rec_t[i, b], rec_n[i, b], x)
                rows = alive_rows
                e = e1
                n_rows = rows.size
                slots = np.zeros(bats.size, dtype=np.int64)
                for q in range(bats.size):
                    feasible = 0
                    for r in range(n_rows):
                        if e[r, q] < np.inf:
                            feasible += 1
                    slots[q] = min((inv[bats[q]] - reserve[bats[q]]) // salvo, feasible)
                n_cols = slots.sum()
                if n_cols == 0:
                    continue
                cost = np.full((n_rows, n_cols), _INFEASIBLE)
                col_bat = np.empty(n_cols, dtype=np.int64)
                c = 0
                for q in range(bats.size):
                    for _ in range(slots[q]):
                        col_bat[c] = q
                        for r in range(n_rows):
                            if e[r, q] < np.inf:
                                cost[r, c] = e[r, q] - _VALUE_WEIGHT * (value[rows[r]] + 1e-3)
                        c += 1
                choice = assign(cost)
                for r in range(n_rows):
                    c = choice[r]
                    if c < 0 or cost[r, c] >= _INFEASIBLE:
                        continue
                    i, q = rows[r], col_bat[c]
                    b = bats[q]
                    if inv[b] - reserve[b] < salvo or shots[i] >= MAX_SHOTS:
                        continue
                    t_hit = e[r, q]
                    # Shoot-shoot at the last chance: a second salvo now if no time is left to look.
                    rounds = 1
                    if sls and inv[b] - reserve[b] >= 2 * salvo and shots[i] < MAX_SHOTS - 1:
                        later = np.inf
                        for q2 in range(bats.size):
                            b2 = bats[q2]
                            spare = inv[b2] - reserve[b2] - (salvo if b2 == b else 0)
                            if spare >= salvo:
                                x = max(allowed[trial, i, b2], t_hit + ka_delay)
                                later = min(later, _earliest(rec_l[i, b2], rec_t[i, b2], rec_n[i, b2], x))
                        if later == np.inf:
                            rounds = 2
                    hit = False
                    for _ in range(rounds):
                        inv[b] -= salvo
                        used[trial] += salvo
                        used_by[trial, party[b]] += salvo
                        k = shots[i]
                        shots[i] += 1
                        for s in range(salvo):
                            if uniforms[trial, (i * MAX_SHOTS + k) * salvo + s] < pk[b]:
                                hit = True
                    fired = True
                    if hit and t_hit < kill_time[i]:
                        killed[i] = True
                        killer[i] = party[b]
                        kill_time[i] = t_hit
                    next_ok[g, i] = max(next_ok[g, i], t_hit + ka_delay if sls else np.inf)
            for i in range(n):
                if killed[i] and alive[i]:
                    alive[i] = False
                    kills_by[trial, killer[i]] += 1
            if not fired:
                break
        survived[trial] = alive
        hit_assets = np.zeros(asset_value.size, dtype=np.bool_)
        for i in range(n):
            if alive[i] and is_warhead[i]:
                leakers[trial] += 1
                if asset[i] >= 0:
                    hit_assets[asset[i]] = True
        saved = 0.0
        for a in range(asset_value.size):
            if not hit_assets[a]:
                saved += asset_value[a]
        defended[trial] = saved / total_value if total_value > 0 else 1.0
    return leakers, used, defended, used_by, kills_by, survived
