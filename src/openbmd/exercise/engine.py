"""The trial engine: one Monte Carlo trial of a raid against a defence, event by event, in numba.

Each trial runs in waves. In a wave every decision group (one per party, or one for the joint
mode) assigns its batteries to the objects it still believes to be threats, optimally
(:func:`openbmd.exercise.wta.assign_capacitated`), maximising the value it expects to kill: each
candidate shot counts its effective Pk and the look-shot its timing leaves room for; the earliest
intercept breaks ties. A battery may take an intercept record only when

- the launch comes after the group may fire at that object (shoot-look-shoot waits for the kill
  assessment of its previous shot) and before it knows the object is dead or a decoy;
- one of the tracks it may use under its engagement authority (organic, launch-on-remote with its
  own radar taking over before homing, engage-on-remote) predicts the intercept point within the
  kill vehicle's basket at decision time (:mod:`openbmd.engagement.firecontrol`);
- it has interceptors beyond those held back (the reserve and look-shots held for other threats)
  and a free fire-unit channel for the whole fly-out.

Where a threat complex holds several objects, a group waits until its sensors have had the time to discriminate
them, if a window is still open then. An engagement fires a second salvo at once only when no time would be left to
look (shoot-shoot at the last chance), and only where that second salvo adds more than the first shots its channel
time displaces (:func:`_double_worth`: where the channels bind, as 80 objects against 8-channel batteries do, doubles
would crowd out the first shots later objects need, and more interceptors would leak more); otherwise, under
``look_shot_reserve``, one salvo is held for the look-shot. Kills are drawn with the interceptor's Pk reduced by the
PIP error.

A wave's shots are planned first (interceptors and channels booked), then repaired twice. A single salvo that
nothing can follow (no window left to look, no channel or interceptors for a second salvo on its battery) moves
to another battery of the group that can fire two at the object, if that battery keeps a salvo for every object
it could engage that the group has not yet fired at. Then an object the group has not yet fired at, which no
battery of the group can now engage for want of a free channel, takes the channels of the planned second salvo
worth least where that opens a window for it. Only then are they fired. Whether to
wait for discrimination, and where the look-shot goes, are planned on what the group believes: it does not know
when it will recognise a decoy.

A group learns of a kill only when a sensor whose data it has sees the intercept; until then it may fire
again (the waste is counted). Where none of its sensors sees an intercept, no look-shot means anything: by doctrine
the group fires the planned look-shot blind once the assessment would have come, or plans none and treats the shot
as a last chance.

Random numbers come in per trial, indexed by object and shot, so every mode sees the same luck for
the same shot (common random numbers) and the answer does not depend on how trials are split.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from openbmd.engagement.firecontrol import COMMIT_SIGMAS, ENGAGE_ON_REMOTE, LAUNCH_ON_REMOTE, ORGANIC, \
    effective_pk, filter_sigma_m
from openbmd.exercise.borrow import borrowed
from openbmd.exercise.wta import assign_capacitated

MAX_SHOTS = 8
"""Most shots at one object in one trial (indexes the uniforms)."""
MAX_WAVES = 16
_BLOCKS = 16
"""Blocks of trials run in parallel by :func:`run_trials` (each allocates its own commit memo)."""
_VALUE_WEIGHT = 1e5

BATTERY_DTYPE = np.dtype([("party", np.int64), ("group", np.int64), ("pk", np.float64), ("inventory", np.int64),
                          ("reserve", np.int64), ("channels", np.int64)])
OBJECT_DTYPE = np.dtype([("is_warhead", np.bool_), ("value", np.float64), ("asset", np.int64),
                         ("static_cause", np.int64), ("t0", np.float64), ("burnout", np.float64)])
PARAM_DTYPE = np.dtype([("salvo", np.int64), ("sls", np.bool_), ("look_reserve", np.bool_), ("joint", np.bool_),
                        ("ka_delay", np.float64), ("decision", np.float64), ("n_parties", np.int64),
                        ("sample_dt", np.float64), ("track_window", np.float64), ("track_q", np.float64),
                        ("blind_follow_up", np.bool_)])
# cause codes: index in openbmd.exercise.geometry.CAUSES, plus one
_NO_TRACK, _NO_FC, _INVENTORY, _CHANNELS, _DECOY, _PK_MISS, _VETO, _UNASSIGNED, _APPROVAL = 1, 2, 6, 7, 8, 9, 10, 11, 12
LOG_FIELDS = 9
"""A shot log row: object, battery, decision group, wave, launch s, intercept s, interceptors, killed (0/1),
authority bit (:mod:`openbmd.engagement.firecontrol`)."""


@njit(cache=True, error_model="numpy", inline="always")
def _first_record(rec_f, i, b, count, x):
    """Index of the first record of (i, b) whose launch time is ≥ x (binary search)."""
    lo, hi = 0, count
    while lo < hi:
        mid = (lo + hi) // 2
        if rec_f[i, b, mid, 0] >= x:
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit(cache=True, error_model="numpy", inline="always")
def _busy(busy, busy_n, b, lo, hi, limit, i):
    """-inf when battery b has a free channel for an engagement of object i over [lo, hi); else a launch time
    before which no engagement can start (see :func:`_channel_block`)."""
    return _channel_block(busy, busy_n, b, lo, hi, limit, i)[0]


@njit(cache=True, error_model="numpy", inline="always")
def _channel_block(busy, busy_n, b, lo, hi, limit, i):
    """Whether battery b has a free channel for an engagement of object i over [lo, hi): fewer than ``limit``
    engagements in flight at every instant of it. (-inf, nan) when it has. Else (a launch time before which no
    engagement can start, nan) when it is blocked at ``lo`` (the time the ones in flight then have ended enough to
    free a channel), or (lo, t) when it is blocked later, at instant t: then so is every engagement in flight at t.
    ``busy[b, k]`` is (start s, end s, object a look-shot is held for, or -1 for an interceptor in flight); the
    channels held for object i's own look-shot are free to it. The last row of ``busy`` is scratch space (no
    allocation here: this runs for every record the engine tries)."""
    w = busy.shape[0] - 1
    c = 0
    for k in range(busy_n[b]):
        if busy[b, k, 0] < hi and busy[b, k, 1] > lo and busy[b, k, 2] != i:
            busy[w, c, 0], busy[w, c, 1] = busy[b, k, 0], busy[b, k, 1]
            c += 1
    if c < limit:
        return -np.inf, np.nan
    at_lo = 0
    for k in range(c):
        if busy[w, k, 0] <= lo:
            busy[w, at_lo, 2] = busy[w, k, 1]
            at_lo += 1
    if at_lo >= limit:  # blocked at once: wait for enough of those to land
        for k in range(1, at_lo):  # insertion sort of their ends (a handful)
            e = busy[w, k, 2]
            m = k - 1
            while m >= 0 and busy[w, m, 2] > e:
                busy[w, m + 1, 2] = busy[w, m, 2]
                m -= 1
            busy[w, m + 1, 2] = e
        return busy[w, at_lo - limit, 2], np.nan
    for k in range(c):  # the most in flight at once is reached where one of them starts
        if busy[w, k, 0] > lo:
            n_at = 0
            for k2 in range(c):
                if busy[w, k2, 0] <= busy[w, k, 0] < busy[w, k2, 1]:
                    n_at += 1
            if n_at >= limit:
                return lo, busy[w, k, 0]
    return -np.inf, np.nan


@njit(cache=True, error_model="numpy", inline="always")
def _track_sigma(q, i, at_s, tau_end_s, starts_q, fc):
    """PIP error (m) of post q's track on object i at time ``at_s`` for an intercept at ``tau_end_s``: the
    looks run from the track's start to ``at_s`` or the post's last sight of the object, whichever is first,
    and the track coasts from there. The closed form is the one calibrated against the full tracker
    (:func:`openbmd.engagement.firecontrol.filter_sigma_m` times the sensor class's accuracy scale)."""
    sig, revisit, last_seen, t0, dt, accuracy, window_s, q_boost, burnout = fc[4], fc[5], fc[6], fc[7], fc[8], \
        fc[11], fc[12], fc[13], fc[14]
    end = min(at_s, last_seen[q, i])
    if not end >= starts_q:
        return np.inf
    j = int((end - t0[i]) / dt + 0.5)
    j = min(max(j, 0), sig.shape[2] - 1)
    # The tracker allows for thrust for a while after a track starts; once the threat has burnt out (space IR
    # sees the plume end) the track is known to be ballistic, so the window closes then at the latest.
    window = min(window_s, max(burnout[i] - starts_q, 0.0))
    return accuracy[q] * filter_sigma_m(sig[q, i, j], starts_q, end, revisit[q], tau_end_s - end, window, q_boost)


@njit(cache=True, error_model="numpy", inline="always")
def _commit(tr, i, b, rr, fc, starts, delay):
    """Best track battery b may commit on for record rr: (PIP σ in m, authority bit); (inf, 0) if none."""
    rec_f, use, use_lat, usable, n_usable = fc[0], fc[2], fc[3], fc[9], fc[10]
    t_launch, t_hit, basket, homing = rec_f[i, b, rr, 0], rec_f[i, b, rr, 1], rec_f[i, b, rr, 2], rec_f[i, b, rr, 3]
    c = t_launch - delay
    best, auth = np.inf, 0
    for k in range(n_usable[b]):
        q = usable[b, k]
        bits = use[b, q]
        sg = _track_sigma(q, i, c - use_lat[b, q], t_hit, starts[tr, q, i], fc)
        if not COMMIT_SIGMAS * sg <= basket or sg >= best:
            continue
        a = 0
        if bits & ORGANIC:
            a = ORGANIC
        elif bits & ENGAGE_ON_REMOTE:
            a = ENGAGE_ON_REMOTE
        elif bits & LAUNCH_ON_REMOTE:
            for k2 in range(n_usable[b]):  # its own radar must take over before the kill vehicle homes
                o = usable[b, k2]
                if use[b, o] & ORGANIC:
                    so = _track_sigma(o, i, t_hit - homing, t_hit, starts[tr, o, i], fc)
                    if COMMIT_SIGMAS * so <= basket:
                        a = LAUNCH_ON_REMOTE
                        break
        if a:
            best, auth = sg, a
    return best, auth


@njit(cache=True, error_model="numpy")
def _feasible(tr, i, b, x, until, fc, starts, delay, busy, busy_n, channels, memo):
    """First record of (i, b) launching in [x, until) that a usable track commits (and, with ``channels`` > 0,
    with a free fire-unit channel): (record, PIP σ m, authority, whether busy channels made it skip a record);
    record -1 if none."""
    rec_f, rec_n, use_lat, revisit, usable, n_usable = fc[0], fc[1], fc[3], fc[5], fc[9], fc[10]
    stamp, m_sig, m_auth = memo
    n = rec_n[i, b]
    ready = np.inf  # no commit before some usable track has two looks
    for k in range(n_usable[b]):
        q = usable[b, k]
        ready = min(ready, starts[tr, q, i] + use_lat[b, q] + revisit[q])
    blocked = False
    if ready == np.inf:
        return -1, np.inf, 0, blocked
    rr = _first_record(rec_f, i, b, n, max(x, ready + delay))
    while rr < n:
        if rec_f[i, b, rr, 0] >= until:
            break
        if channels > 0:
            free_from, full_at = _channel_block(busy, busy_n, b, rec_f[i, b, rr, 0], rec_f[i, b, rr, 1], channels, i)
            if free_from > -np.inf:
                blocked = True
                if full_at == full_at:  # skip every record in flight at the instant the channels are full
                    rr += 1
                    while rr < n and rec_f[i, b, rr, 0] <= full_at < rec_f[i, b, rr, 1]:
                        rr += 1
                else:  # skip every record that launches while those engagements are still in flight
                    rr = max(rr + 1, _first_record(rec_f, i, b, n, free_from))
                continue
        if _commit_memo(tr, i, b, rr, fc, starts, delay, memo):
            return rr, m_sig[i, b, rr], m_auth[i, b, rr], blocked
        # Gallop to a record that commits, then bisect back to the first one: a track only gets better
        # the later the launch, so this finds the first committable record in O(log R) commit tests.
        step, lo, hi = 1, rr, -1
        while rr + step < n and rec_f[i, b, rr + step, 0] < until:
            if _commit_memo(tr, i, b, rr + step, fc, starts, delay, memo):
                hi = rr + step
                break
            lo = rr + step
            step *= 2
        if hi < 0:
            rr = lo + 1
            continue
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _commit_memo(tr, i, b, mid, fc, starts, delay, memo):
                hi = mid
            else:
                lo = mid
        rr = hi
    return -1, np.inf, 0, blocked


@njit(cache=True, error_model="numpy", inline="always")
def _commit_memo(tr, i, b, rr, fc, starts, delay, memo):
    """Whether record rr of (i, b) commits, each record's test computed once per trial."""
    stamp, m_sig, m_auth = memo
    if stamp[i, b, rr] != tr + 1:
        m_sig[i, b, rr], m_auth[i, b, rr] = _commit(tr, i, b, rr, fc, starts, delay)
        stamp[i, b, rr] = tr + 1
    return m_auth[i, b, rr] != 0


@njit(cache=True, parallel=True, error_model="numpy")
def run_trials(raid, sensing, prm, draws, log):
    """Run ``draws``' trials, in parallel blocks. Four groups of arrays and the log:

    ``raid`` = (rec_f, rec_i, rec_n, bat, obj, asset_value): records ``rec_f`` (N, B, R, 4) launch s, intercept s,
    basket m, homing s; ``rec_i`` (N, B, R, 2)
    launch and intercept sample; ``rec_n`` (N, B); ``bat`` (B,) :data:`BATTERY_DTYPE`; ``obj`` (N,)
    :data:`OBJECT_DTYPE`; ``asset_value`` (A,). ``sensing`` = (use, use_lat, sig, revisit, last_seen, accuracy,
    data_of, data_lat, seen, self_def): ``use``/``use_lat`` (B, S) authority bits and latency s; ``sig`` (S, N, K)
    single-look accuracy m; ``revisit`` (S,) s; ``last_seen`` (S, N) each post's last sight of each object, s;
    ``accuracy`` (S,) each post's calibrated accuracy scale; ``data_of``/``data_lat`` (G, P); ``seen`` (P, N, K);
    ``self_def`` (N, B). ``prm`` (1,) :data:`PARAM_DTYPE`. ``draws`` = (starts, any_track, recognised, wait_until,
    approval, veto, uniforms), per trial: track ``starts`` (T, S, N) s, ``any_track`` (T, N) s, ``recognised``
    (T, G, N) when each group knows an object is a decoy, ``wait_until`` (T, G, N) when its discrimination of an
    object in a multi-object complex has had its chance (it waits if a window is left), joint ``approval`` delay
    (T, N) s and ``veto`` (T, N), kill ``uniforms``. ``log`` (T, L, :data:`LOG_FIELDS`) receives every shot of every trial, in the order fired, when
    T is the number of trials (a replay; pass shape (0, 0, :data:`LOG_FIELDS`) otherwise); unused rows keep their
    object field −1.
    Returns a tuple of per-trial arrays (see :func:`openbmd.exercise.montecarlo.run_chunk`).
    """
    rec_f, rec_i, rec_n, bat, obj, asset_value = raid
    use, use_lat, sig, revisit, last_seen, accuracy, data_of, data_lat, seen, self_def = sensing
    starts, any_track, recognised, wait_until, approval, veto, uniforms = draws
    n_trials, n, n_parties = uniforms.shape[0], obj.shape[0], prm[0].n_parties
    out = (np.zeros(n_trials, dtype=np.int64), np.zeros(n_trials, dtype=np.int64), np.zeros(n_trials),
           np.zeros((n_trials, n_parties), dtype=np.int64), np.zeros((n_trials, n_parties), dtype=np.int64),
           np.zeros((n_trials, n), dtype=np.bool_), np.zeros(n_trials, dtype=np.int64),
           np.zeros(n_trials, dtype=np.int64), np.zeros((n_trials, n), dtype=np.int64),
           np.zeros((n_trials, n_parties, 3), dtype=np.int64))
    n_blocks = min(n_trials, _BLOCKS)
    n_busy = 1  # interceptors in flight plus look-shot channels held, per battery, at most
    for b in range(bat.shape[0]):
        n_busy += 2 * bat[b].inventory
    memo_shape = rec_n.shape + (rec_f.shape[2],)
    t0, burnout = np.empty(n), np.empty(n)
    for i in range(n):
        t0[i], burnout[i] = obj[i].t0, obj[i].burnout
    usable = np.zeros(use.shape, dtype=np.int64)  # per battery, the posts whose tracks it may use
    n_usable = np.zeros(bat.shape[0], dtype=np.int64)
    for b in range(bat.shape[0]):
        for q in range(use.shape[1]):
            if use[b, q]:
                usable[b, n_usable[b]] = q
                n_usable[b] += 1
    for k in prange(n_blocks):  # trials are independent: blocks of them on the cores, each with its own memo
        # Work arrays live here, for the whole block, so that the block may borrow them (openbmd.exercise.borrow).
        memo = (np.zeros(memo_shape, dtype=np.int64), np.empty(memo_shape), np.empty(memo_shape, dtype=np.int64))
        busy = np.zeros((bat.shape[0] + 1, n_busy, 3))  # the last row: _busy's scratch
        busy_n = np.zeros(bat.shape[0], dtype=np.int64)
        _run_block(k * n_trials // n_blocks, (k + 1) * n_trials // n_blocks, raid, sensing, prm, draws, out, log,
                   (memo[0], memo[1], memo[2], busy, busy_n, t0, burnout, usable, n_usable))
    return out


@njit(cache=True, error_model="numpy")
def _run_block(lo, hi, raid, sensing, prm, draws, out, log, work):
    """Trials ``lo`` to ``hi`` of :func:`run_trials` (its ``raid``, ``sensing``, ``prm`` and ``draws``), written
    into its outputs ``out``. ``work`` = (memo_stamp, memo_sig, memo_auth, busy, busy_n, t0, burnout, usable,
    n_usable): ``memo_*`` (N, B, R), ``busy`` (B + 1, rows, 3) and ``busy_n`` (B,) are its work arrays (see
    :func:`_feasible` and :func:`_busy`); ``t0``/``burnout`` (N,) s and ``usable``/``n_usable`` (B, S)/(B,) the
    tables :func:`run_trials` derives."""
    rec_f, rec_i, rec_n, bat, obj, asset_value = raid
    use, use_lat, sig, revisit, last_seen, accuracy, data_of, data_lat, seen, self_def = sensing
    starts, any_track, recognised, wait_until, approval, veto, uniforms = draws
    memo_stamp, memo_sig, memo_auth, busy, busy_n, t0, burnout, usable, n_usable = work
    # Every array is borrowed: no reference counting in the hot searches (the caller keeps the arrays alive).
    rec_f, rec_i, rec_n, bat, obj, asset_value = borrowed(rec_f), borrowed(rec_i), borrowed(rec_n), borrowed(bat), \
        borrowed(obj), borrowed(asset_value)
    use, use_lat, sig, revisit, last_seen, accuracy = borrowed(use), borrowed(use_lat), borrowed(sig), \
        borrowed(revisit), borrowed(last_seen), borrowed(accuracy)
    data_of, data_lat, seen, self_def, prm, starts = borrowed(data_of), borrowed(data_lat), borrowed(seen), \
        borrowed(self_def), borrowed(prm), borrowed(starts)
    any_track, recognised, wait_until, approval, veto, uniforms = borrowed(any_track), borrowed(recognised), \
        borrowed(wait_until), borrowed(approval), borrowed(veto), borrowed(uniforms)
    busy, busy_n, t0, burnout, usable, n_usable = borrowed(busy), borrowed(busy_n), borrowed(t0), borrowed(burnout), \
        borrowed(usable), borrowed(n_usable)
    memo = (borrowed(memo_stamp), borrowed(memo_sig), borrowed(memo_auth))
    n, n_bat = obj.shape[0], bat.shape[0]
    n_groups = data_of.shape[0]
    n_parties = prm[0].n_parties
    salvo, sls, ka, blind = prm[0].salvo, prm[0].sls, prm[0].ka_delay, prm[0].blind_follow_up
    dt = prm[0].sample_dt
    fc = (rec_f, rec_n, use, use_lat, sig, revisit, last_seen, t0, dt, usable, n_usable, accuracy,
          prm[0].track_window, prm[0].track_q, burnout)
    lim = np.empty(n_bat, dtype=np.int64)  # a salvo needs ``salvo`` free channels: fewer than this in flight
    for b in range(n_bat):
        lim[b] = max(bat[b].channels - salvo + 1, 1)
    leakers, used, defended, used_by, kills_by, survived, wasted, at_decoys, cause, by_authority = out
    n_assets = asset_value.shape[0]
    total_value = asset_value.sum()
    not_planned = np.zeros(n, dtype=np.bool_)  # at the start of a wave nothing is planned yet
    for tr in range(lo, hi):
        inv = np.empty(n_bat, dtype=np.int64)
        for b in range(n_bat):
            inv[b] = bat[b].inventory
        held = np.zeros(n_bat, dtype=np.int64)
        hold_for = np.full(n, -1, dtype=np.int64)
        decoy_use = np.zeros(n_bat, dtype=np.int64)
        kill_t = np.full(n, np.inf)
        kill_j = np.zeros(n, dtype=np.int64)
        killer = np.full(n, -1, dtype=np.int64)
        shots = np.zeros(n, dtype=np.int64)
        shot_t = np.full((n, MAX_SHOTS), np.inf)
        next_ok = np.full((n_groups, n), -np.inf)
        known_dead = np.full((n_groups, n), np.inf)
        g_shots = np.zeros((n_groups, n), dtype=np.int64)
        hopeless = np.zeros((n, n_bat), dtype=np.bool_)
        hold_at = np.zeros(n, dtype=np.int64)  # first busy row of the channels held for each object's look-shot
        busy_n[:] = 0  # rows past busy_n[b] are never read
        n_log = 0
        for wave in range(MAX_WAVES):
            fired = False
            for g in range(n_groups):
                bats = _group_batteries(bat, g)
                if bats.size == 0:
                    continue
                # First shots first: a battery re-engages only with interceptors to spare for every object it
                # can still engage that its group has not yet fired at.
                owed = np.zeros(bats.size, dtype=np.int64)
                for q in range(bats.size):
                    owed[q] = _owed(g, bats[q], not_planned, g_shots, hopeless, rec_n, known_dead, salvo)
                e_t = np.full((n, bats.size), np.inf)
                e_r = np.full((n, bats.size), -1, dtype=np.int64)
                e_pk = np.zeros((n, bats.size))
                e_a = np.zeros((n, bats.size), dtype=np.int64)
                for q in range(bats.size):
                    b = bats[q]
                    for i in range(n):
                        if hopeless[i, b] or shots[i] >= MAX_SHOTS - 1 or known_dead[g, i] < np.inf:
                            continue
                        spare = inv[b] - bat[b].reserve - held[b] + (salvo if hold_for[i] == b else 0)
                        # the look-shot held for this object on this battery is spent on it whatever is owed
                        if spare < salvo or (g_shots[g, i] > 0 and hold_for[i] != b and spare - salvo < owed[q]):
                            continue
                        delay = _delay(prm, approval, veto, self_def, tr, i, b)
                        if delay == np.inf:
                            hopeless[i, b] = True
                            continue
                        until = min(known_dead[g, i], recognised[tr, g, i])
                        rr = -1
                        # Wait to discriminate where time allows: the decision, ``delay`` before the launch, comes
                        # after discrimination has had its chance (a slower decision cycle waits longer). Whether
                        # to wait is decided on what the group believes: it plans to the object's end, and if by
                        # then it knows the object is a decoy it does not fire.
                        waited = wait_until[tr, g, i] + delay
                        if waited > next_ok[g, i]:
                            rr, sg, a, _ = _feasible(tr, i, b, waited, known_dead[g, i], fc, starts, delay, busy,
                                                     busy_n, lim[b], memo)
                            if rr >= 0 and rec_f[i, b, rr, 0] >= until:
                                continue
                        if rr < 0:
                            rr, sg, a, blocked = _feasible(tr, i, b, next_ok[g, i], until, fc, starts, delay, busy,
                                                           busy_n, lim[b], memo)
                            if rr < 0:
                                hopeless[i, b] = not blocked  # x only grows and the limits only tighten
                                continue
                        e_t[i, q], e_r[i, q], e_a[i, q] = rec_f[i, b, rr, 1], rr, a
                        e_pk[i, q] = effective_pk(bat[b].pk, sg, rec_f[i, b, rr, 2])
                rows = np.flatnonzero(_any_finite(e_t))
                if rows.size == 0:
                    continue
                slots = np.zeros(bats.size, dtype=np.int64)
                for q in range(bats.size):
                    b = bats[q]
                    feasible = 0
                    for r in range(rows.size):
                        if e_t[rows[r], q] < np.inf:
                            feasible += 1
                    slots[q] = min(max(inv[b] - bat[b].reserve - held[b], salvo) // salvo, feasible, bat[b].channels)
                if slots.sum() == 0:
                    continue
                cost = np.full((rows.size, bats.size), np.inf)
                look_pk, look_last = np.empty(bats.size), np.empty(bats.size)
                look_spare = np.empty(bats.size, dtype=np.int64)
                for r in range(rows.size):
                    i = rows[r]
                    if sls:
                        _look_options(i, bats, salvo, inv, held, bat, rec_f, rec_n, busy, busy_n, look_pk, look_last,
                                      look_spare)
                    for q in range(bats.size):
                        if e_t[i, q] < np.inf:
                            # a look where the group sees the intercept; else a blind follow-up, or none
                            seen_hit = blind or _assessable(g, i, rec_i[i, bats[q], e_r[i, q], 1], data_of, seen)
                            p_kill = _engagement_pk(e_pk[i, q], e_t[i, q] + ka if seen_hit else np.inf, q, salvo,
                                                    sls, look_pk, look_last, look_spare)
                            cost[r, q] = e_t[i, q] - _VALUE_WEIGHT * (obj[i].value + 1e-3) * p_kill
                choice = assign_capacitated(cost, slots)
                # The wave's plan is booked first (interceptors and channels), repaired where a shoot-shoot
                # second salvo took the last channel another object had, and only then fired.
                plan = (np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64),
                        np.empty(n, dtype=np.int64), np.empty(n), np.empty(n, dtype=np.int64),
                        np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64), np.zeros(n, dtype=np.bool_))
                p_i, p_b, p_rr, p_a, p_pk, p_rounds, p_row, p_row0, p_alone = plan
                n_plan = 0
                doubled = False
                booked = np.zeros(n, dtype=np.bool_)
                for r in range(rows.size):
                    q = choice[r]
                    if q < 0:
                        continue
                    i = rows[r]
                    b = bats[q]
                    spare = inv[b] - bat[b].reserve - held[b] + (salvo if hold_for[i] == b else 0)
                    if spare < salvo or shots[i] >= MAX_SHOTS - 1:
                        continue
                    rr, pk_eff, a = e_r[i, q], e_pk[i, q], e_a[i, q]
                    if _busy(busy, busy_n, b, rec_f[i, b, rr, 0], rec_f[i, b, rr, 1], lim[b], i) > -np.inf:
                        continue  # an earlier assignment of this wave took the channel; try next wave
                    t_hit = rec_f[i, b, rr, 1]
                    if hold_for[i] == b:
                        held[b] -= salvo
                        _release_hold(busy, hold_at, hold_for, i, salvo)
                    # Shoot-shoot at the last chance: a second salvo now if no time is left to look.
                    rounds = 1
                    alone = False
                    if sls and spare >= 2 * salvo:
                        look = -1
                        until = known_dead[g, i]  # it plans a look-shot at what it believes a threat
                        # Where none of the group's sensors sees the intercept there is nothing to look at: the
                        # follow-up is blind (fired once the assessment would have come) or there is none, and the
                        # shot is a last chance (shoot-shoot where a second salvo is worth its channels).
                        n_look = bats.size if blind or _assessable(g, i, rec_i[i, b, rr, 1], data_of, seen) else 0
                        for q2 in range(n_look):
                            b2 = bats[q2]
                            spare2 = inv[b2] - bat[b2].reserve - held[b2] - (salvo if b2 == b else 0)
                            if spare2 >= salvo:
                                delay2 = _delay(prm, approval, veto, self_def, tr, i, b2)
                                if delay2 < np.inf:
                                    look_r = _feasible(tr, i, b2, t_hit + ka, until, fc, starts, delay2, busy, busy_n,
                                                       lim[b2], memo)[0]
                                    if look_r >= 0:
                                        look = b2
                                        break
                        if look < 0 and _busy(busy, busy_n, b, rec_f[i, b, rr, 0], t_hit,
                                              max(bat[b].channels - 2 * salvo + 1, 1), i) == -np.inf \
                                and _double_worth(g, b, i, rec_f[i, b, rr, 0], t_hit, pk_eff, booked, bat, obj,
                                                  g_shots, hopeless, known_dead, rec_f, rec_n, busy, busy_n, salvo):
                            rounds = 2
                        elif look >= 0 and prm[0].look_reserve and hold_for[i] < 0:
                            # hold the interceptors and the fire-unit channels the look-shot will need
                            held[look] += salvo
                            hold_for[i] = look
                            hold_at[i] = busy_n[look]
                            _book(busy, busy_n, look, rec_f[i, look, look_r, 0], rec_f[i, look, look_r, 1], salvo, i)
                        alone = look < 0 and rounds == 1
                    p_i[n_plan], p_b[n_plan], p_rr[n_plan], p_a[n_plan], p_pk[n_plan] = i, b, rr, a, pk_eff
                    p_rounds[n_plan], p_row[n_plan] = rounds, busy_n[b] + salvo if rounds == 2 else -1
                    p_row0[n_plan], p_alone[n_plan] = busy_n[b], alone
                    n_plan += 1
                    booked[i] = True
                    doubled = doubled or rounds == 2
                    _book(busy, busy_n, b, rec_f[i, b, rr, 0], t_hit, rounds * salvo)
                    inv[b] -= rounds * salvo
                if _double_lone_shots(tr, g, bats, n_plan, plan, bat, obj, inv, held, known_dead, recognised, next_ok,
                                      g_shots, hopeless, fc, starts, busy, busy_n, memo, prm, approval, veto, self_def):
                    doubled = True
                if doubled:
                    n_plan = _rescue_starved(tr, g, bats, rows, n_plan, plan, obj, bat, inv, held, hold_for, known_dead,
                                             recognised, next_ok, g_shots, shots, hopeless, fc, starts,
                                             busy, busy_n, lim, memo, prm, approval, veto, self_def)
                for p in range(n_plan):
                    i, b, rr, a, pk_eff = p_i[p], p_b[p], p_rr[p], p_a[p], p_pk[p]
                    t_hit = rec_f[i, b, rr, 1]
                    hit = False
                    for _ in range(p_rounds[p]):
                        hit_now = False
                        k = shots[i]
                        shots[i] += 1
                        g_shots[g, i] += 1
                        shot_t[i, k] = t_hit
                        used[tr] += salvo
                        used_by[tr, bat[b].party] += salvo
                        by_authority[tr, bat[b].party, 0 if a == ORGANIC else (1 if a == LAUNCH_ON_REMOTE else 2)] \
                            += salvo
                        if not obj[i].is_warhead:
                            at_decoys[tr] += salvo
                            decoy_use[b] += salvo
                        for s in range(salvo):
                            if uniforms[tr, (i * MAX_SHOTS + k) * salvo + s] < pk_eff:
                                hit, hit_now = True, True
                        if log.shape[0] > 0 and n_log < log.shape[1]:
                            row = log[tr]
                            row[n_log, 0], row[n_log, 1], row[n_log, 2], row[n_log, 3] = i, b, g, wave
                            row[n_log, 4], row[n_log, 5], row[n_log, 6] = rec_f[i, b, rr, 0], t_hit, salvo
                            row[n_log, 7], row[n_log, 8] = 1.0 if hit_now else 0.0, a
                            n_log += 1
                    fired = True
                    if hit and t_hit < kill_t[i]:
                        kill_t[i], kill_j[i], killer[i] = t_hit, rec_i[i, b, rr, 1], bat[b].party
                    next_ok[g, i] = max(next_ok[g, i], t_hit + ka if sls else np.inf)
            # Who learns of each kill, and when: any group whose sensors see the intercept.
            for i in range(n):
                if kill_t[i] < np.inf:
                    for g in range(n_groups):
                        if known_dead[g, i] == np.inf:
                            for p in range(n_parties):
                                if _assessable_by(g, p, i, kill_j[i], data_of, seen):
                                    known_dead[g, i] = min(known_dead[g, i], kill_t[i] + ka + data_lat[g, p])
                    if hold_for[i] >= 0 and known_dead[bat[hold_for[i]].group, i] < np.inf:
                        held[hold_for[i]] -= salvo
                        _release_hold(busy, hold_at, hold_for, i, salvo)
            if not fired:
                break
        for i in range(n):
            for k in range(shots[i]):
                if shot_t[i, k] > kill_t[i]:
                    wasted[tr] += salvo
            if kill_t[i] < np.inf:
                kills_by[tr, killer[i]] += 1
        hit_assets = np.zeros(max(n_assets, 1), dtype=np.bool_)
        for i in range(n):
            alive = kill_t[i] == np.inf
            survived[tr, i] = alive
            if alive and obj[i].is_warhead:
                leakers[tr] += 1
                if obj[i].asset >= 0:
                    hit_assets[obj[i].asset] = True
                cause[tr, i] = _leak_cause(tr, i, shots, obj, bat, inv, held, decoy_use, any_track, veto, prm,
                                           approval, self_def, fc, starts, busy, busy_n, memo)
        saved = 0.0
        for a in range(n_assets):
            if not hit_assets[a]:
                saved += asset_value[a]
        defended[tr] = saved / total_value if total_value > 0 else 1.0


@njit(cache=True, error_model="numpy", inline="always")
def _assessable_by(g, p, i, j, data_of, seen):
    """Whether group g hears party p's sensors and they see object i at sample j: a kill there can be assessed."""
    return data_of[g, p] and seen[p, i, j]


@njit(cache=True, error_model="numpy", inline="always")
def _assessable(g, i, j, data_of, seen):
    """Whether any sensor group g hears sees object i at sample j (an intercept): only then can the group assess
    the kill, and a look-shot after it means anything."""
    for p in range(data_of.shape[1]):
        if _assessable_by(g, p, i, j, data_of, seen):
            return True
    return False


@njit(cache=True, error_model="numpy")
def _book(busy, busy_n, b, start_s, end_s, count, held_for=-1):
    """Book ``count`` channels of battery b from ``start_s`` to ``end_s``: for interceptors in flight, or held for
    object ``held_for``'s look-shot."""
    for _ in range(count):
        busy[b, busy_n[b], 0], busy[b, busy_n[b], 1], busy[b, busy_n[b], 2] = start_s, end_s, held_for
        busy_n[b] += 1


@njit(cache=True, error_model="numpy")
def _rescue_starved(tr, g, bats, rows, n_plan, plan, obj, bat, inv, held, hold_for, known_dead, recognised,
                    next_ok, g_shots, shots, hopeless, fc, starts, busy, busy_n, lim, memo, prm, approval, veto,
                    self_def):
    """Give an object the group has not yet fired at, which one of its batteries could engage at the start of
    the wave (``rows``) and none can now for want of a free channel, the channels of a second salvo planned this
    wave where that frees a window for it: its first salvo is worth more than another object's second. Changes
    the plan in place; returns its length."""
    p_i, p_b, p_rr, p_a, p_pk, p_rounds, p_row, p_row0, p_alone = plan
    rec_f, rec_n = fc[0], fc[1]
    salvo = prm[0].salvo
    n = obj.shape[0]
    planned = np.zeros(n, dtype=np.bool_)
    for p in range(n_plan):
        planned[p_i[p]] = True
    for s in rows:  # only this wave's bookings can have starved them
        until = min(known_dead[g, s], recognised[tr, g, s])
        if planned[s] or g_shots[g, s] > 0 or shots[s] >= MAX_SHOTS - 1 or not until > next_ok[g, s]:
            continue
        starved, engageable = False, False
        for q in range(bats.size):
            b = bats[q]
            if hopeless[s, b] or rec_n[s, b] == 0 or inv[b] - bat[b].reserve - held[b] < salvo:
                continue
            delay = _delay(prm, approval, veto, self_def, tr, s, b)
            if delay == np.inf:
                continue
            if _feasible(tr, s, b, next_ok[g, s], until, fc, starts, delay, busy, busy_n, lim[b], memo)[0] >= 0:
                engageable = True
                break
            if _feasible(tr, s, b, next_ok[g, s], until, fc, starts, delay, busy, busy_n, 0, memo)[0] >= 0:
                starved = True
        if engageable or not starved:
            continue
        worth = np.full(n_plan, np.inf)  # what each second salvo adds, the one worth least given up first
        for p in range(n_plan):
            if p_rounds[p] == 2:
                worth[p] = _second_salvo_gain(obj[p_i[p]].value, p_pk[p], salvo)
        for p in np.argsort(worth):
            if p_rounds[p] != 2:
                continue
            b = p_b[p]
            if hopeless[s, b] or rec_n[s, b] == 0 or inv[b] + salvo - bat[b].reserve - held[b] < salvo:
                continue
            delay = _delay(prm, approval, veto, self_def, tr, s, b)
            if delay == np.inf:
                continue
            row = p_row[p]
            for k in range(row, row + salvo):
                busy[b, k, 0], busy[b, k, 1] = -np.inf, -np.inf
            rr, sg, a, _ = _feasible(tr, s, b, next_ok[g, s], until, fc, starts, delay, busy, busy_n, lim[b], memo)
            pk = effective_pk(bat[b].pk, sg, rec_f[s, b, rr, 2]) if rr >= 0 else 0.0
            if rr >= 0 and obj[s].value * (1.0 - (1.0 - pk) ** salvo) > worth[p]:
                p_rounds[p], p_row[p] = 1, -1
                for k in range(row, row + salvo):
                    busy[b, k, 0], busy[b, k, 1] = rec_f[s, b, rr, 0], rec_f[s, b, rr, 1]
                p_i[n_plan], p_b[n_plan], p_rr[n_plan], p_a[n_plan], p_pk[n_plan] = s, b, rr, a, pk
                p_rounds[n_plan], p_row[n_plan], p_row0[n_plan], p_alone[n_plan] = 1, -1, row, False
                n_plan += 1
                planned[s] = True
                break
            for k in range(row, row + salvo):
                busy[b, k, 0], busy[b, k, 1] = rec_f[p_i[p], b, p_rr[p], 0], rec_f[p_i[p], b, p_rr[p], 1]
    return n_plan


@njit(cache=True, error_model="numpy")
def _double_worth(g, b, i, lo, hi, pk, booked, bat, obj, g_shots, hopeless, known_dead, rec_f, rec_n, busy, busy_n,
                  salvo):
    """Whether a second salvo at object i from battery b over [lo, hi) s is worth the channel time it takes from the
    first shots the group still owes there. Fluid estimate: the objects it has not fired at nor booked whose window
    on b overlaps [lo, hi) need, each, its engagement's channel seconds within it, shared among the group's
    batteries that can engage it; if, with both salvos booked, b's free channel seconds there fall short of that
    demand, the second salvo displaces first shots of the average such object's value times b's Pk. It goes ahead
    only if it adds more (:func:`_second_salvo_gain`)."""
    span = hi - lo
    used = 0.0
    for k in range(busy_n[b]):  # booked channel seconds within [lo, hi)
        used += max(min(busy[b, k, 1], hi) - max(busy[b, k, 0], lo), 0.0)
    free = bat[b].channels * span - used - 2 * salvo * span
    demand, worth, owed = 0.0, 0.0, 0.0
    for s in range(rec_n.shape[0]):
        m = rec_n[s, b]
        if s == i or m == 0 or booked[s] or g_shots[g, s] > 0 or hopeless[s, b] or known_dead[g, s] < np.inf:
            continue
        if rec_f[s, b, m - 1, 1] <= lo or rec_f[s, b, 0, 0] >= hi:
            continue
        sharing = 0
        for b2 in range(rec_n.shape[1]):
            if bat[b2].group == g and rec_n[s, b2] > 0 and not hopeless[s, b2]:
                sharing += 1
        need = min(rec_f[s, b, m - 1, 1], hi) - max(rec_f[s, b, m - 1, 0], lo)
        share = 1.0 / sharing
        demand += share * salvo * max(need, 0.0)
        worth += share * obj[s].value * (1.0 - (1.0 - bat[b].pk) ** salvo)
        owed += share
    short = demand - free
    if short <= 0.0 or owed == 0.0:
        return True
    displaced = min(short, salvo * span) / (demand / owed)  # first shots, at the owed ones' mean channel seconds
    return _second_salvo_gain(obj[i].value, pk, salvo) >= displaced * worth / owed


@njit(cache=True, error_model="numpy", inline="always")
def _second_salvo_gain(value, pk, salvo):
    """Value a second salvo adds to a first at an object worth ``value`` (each shot's kill probability ``pk``):
    value × miss × (1 − miss), miss = (1 − pk)^salvo."""
    miss = (1.0 - pk) ** salvo
    return value * miss * (1.0 - miss)


@njit(cache=True, error_model="numpy")
def _owed(g, b, planned, g_shots, hopeless, rec_n, known_dead, salvo):
    """Interceptors battery b owes first shots (first shots first): a salvo for every object it can still engage
    that group g has not yet fired at, nor ``planned`` to fire at this wave."""
    owed = 0
    for i in range(rec_n.shape[0]):
        if not planned[i] and g_shots[g, i] == 0 and not hopeless[i, b] and rec_n[i, b] > 0 \
                and known_dead[g, i] == np.inf:
            owed += salvo
    return owed


@njit(cache=True, error_model="numpy")
def _double_lone_shots(tr, g, bats, n_plan, plan, bat, obj, inv, held, known_dead, recognised, next_ok, g_shots,
                       hopeless, fc, starts, busy, busy_n, memo, prm, approval, veto, self_def):
    """Move a planned single salvo that nothing can follow (no battery of the group has a window left to look,
    and its own battery no channel or interceptors for a second salvo) to another battery of the group that can
    fire two salvos at the object, where that raises its chance of a kill. The assignment credited the shot with a
    follow-up that this wave's other bookings then took away. The other battery must keep a salvo for every object
    it could engage that the group has not fired at and has not planned (first shots first). Changes the plan in
    place; whether it moved any."""
    p_i, p_b, p_rr, p_a, p_pk, p_rounds, p_row, p_row0, p_alone = plan
    rec_f, rec_n = fc[0], fc[1]
    salvo = prm[0].salvo
    moved = False
    planned = np.zeros(rec_n.shape[0], dtype=np.bool_)
    for p in range(n_plan):
        planned[p_i[p]] = True
    for p in range(n_plan):
        if not p_alone[p] or p_rounds[p] != 1:
            continue
        i, b = p_i[p], p_b[p]
        until = min(known_dead[g, i], recognised[tr, g, i])
        best, best_b, best_rr, best_a, best_pk = 1.0 - (1.0 - p_pk[p]) ** salvo, -1, -1, 0, 0.0
        for q in range(bats.size):
            b2 = bats[q]
            spare = inv[b2] - bat[b2].reserve - held[b2] - 2 * salvo
            if b2 == b or hopeless[i, b2] or rec_n[i, b2] == 0 or spare < 0:
                continue
            if spare < _owed(g, b2, planned, g_shots, hopeless, rec_n, known_dead, salvo):
                continue
            delay = _delay(prm, approval, veto, self_def, tr, i, b2)
            if delay == np.inf:
                continue
            rr, sg, a, _ = _feasible(tr, i, b2, next_ok[g, i], until, fc, starts, delay, busy, busy_n,
                                     max(bat[b2].channels - 2 * salvo + 1, 1), memo)
            if rr < 0:
                continue
            pk = effective_pk(bat[b2].pk, sg, rec_f[i, b2, rr, 2])
            if not _double_worth(g, b2, i, rec_f[i, b2, rr, 0], rec_f[i, b2, rr, 1], pk, planned, bat, obj, g_shots,
                                 hopeless, known_dead, rec_f, rec_n, busy, busy_n, salvo):
                continue
            if 1.0 - (1.0 - pk) ** (2 * salvo) > best + 1e-9:
                best, best_b, best_rr, best_a, best_pk = 1.0 - (1.0 - pk) ** (2 * salvo), b2, rr, a, pk
        if best_b < 0:
            continue
        for k in range(p_row0[p], p_row0[p] + salvo):  # the single salvo's channels and interceptors go back
            busy[b, k, 0], busy[b, k, 1] = -np.inf, -np.inf
        inv[b] += salvo
        p_b[p], p_rr[p], p_a[p], p_pk[p], p_rounds[p] = best_b, best_rr, best_a, best_pk, 2
        p_row0[p], p_row[p], p_alone[p] = busy_n[best_b], busy_n[best_b] + salvo, False
        _book(busy, busy_n, best_b, rec_f[i, best_b, best_rr, 0], rec_f[i, best_b, best_rr, 1], 2 * salvo)
        inv[best_b] -= 2 * salvo
        moved = True
    return moved


@njit(cache=True, error_model="numpy")
def _look_options(i, bats, salvo, inv, held, bat, rec_f, rec_n, busy, busy_n, pk, last, spare):
    """For object i, per battery q of the group: its nominal Pk (0 if it has no record of i or no channel free for
    its last one), the launch time of that last record, s, and its interceptors to spare (written in place)."""
    for q in range(bats.size):
        b = bats[q]
        n_r = rec_n[i, b]
        pk[q], last[q] = 0.0, -np.inf
        spare[q] = inv[b] - bat[b].reserve - held[b]
        if n_r > 0 and _busy(busy, busy_n, b, rec_f[i, b, n_r - 1, 0], rec_f[i, b, n_r - 1, 1],
                             max(bat[b].channels - salvo + 1, 1), i) == -np.inf:
            pk[q], last[q] = bat[b].pk, rec_f[i, b, n_r - 1, 0]


@njit(cache=True, error_model="numpy")
def _engagement_pk(pk_eff, look_s, q, salvo, sls, look_pk, look_last, look_spare):
    """Chance that a shot by the group's battery q with kill probability ``pk_eff`` and, under shoot-look-shoot,
    the best look-shot the group could still launch after ``look_s`` (see :func:`_look_options`) kill the object.
    The assignment maximises this, weighted by the object's value, so an earlier intercept counts for the
    look-shot it leaves time for, and a better shot for itself."""
    best = 0.0
    if sls:
        for q2 in range(look_pk.size):
            if look_pk[q2] > best and look_last[q2] >= look_s and \
                    look_spare[q2] - (salvo if q2 == q else 0) >= salvo:
                best = look_pk[q2]
    miss = (1.0 - pk_eff) ** salvo
    return 1.0 - miss * (1.0 - best) ** salvo


@njit(cache=True, error_model="numpy")
def _release_hold(busy, hold_at, hold_for, i, salvo):
    """Free the channels held for object i's look-shot (its rows stay, spanning no time)."""
    b = hold_for[i]
    for k in range(hold_at[i], hold_at[i] + salvo):
        busy[b, k, 0], busy[b, k, 1] = -np.inf, -np.inf
    hold_for[i] = -1


@njit(cache=True, error_model="numpy")
def _group_batteries(bat, g):
    c = 0
    for b in range(bat.shape[0]):
        if bat[b].group == g:
            c += 1
    out = np.empty(c, dtype=np.int64)
    c = 0
    for b in range(bat.shape[0]):
        if bat[b].group == g:
            out[c] = b
            c += 1
    return out


@njit(cache=True, error_model="numpy")
def _any_finite(e):
    out = np.zeros(e.shape[0], dtype=np.bool_)
    for i in range(e.shape[0]):
        for q in range(e.shape[1]):
            if e[i, q] < np.inf:
                out[i] = True
                break
    return out


@njit(cache=True, error_model="numpy", inline="always")
def _delay(prm, approval, veto, self_def, tr, i, b):
    """Time from decision data to launch for battery b on object i, s: the decision delay, plus the joint
    approval; inf when a joint engagement is vetoed and b may not defend itself alone."""
    d = prm[0].decision
    if not prm[0].joint:
        return d
    if veto[tr, i]:
        return d if self_def[i, b] else np.inf
    return d + approval[tr, i]


@njit(cache=True, error_model="numpy")
def _leak_cause(tr, i, shots, obj, bat, inv, held, decoy_use, any_track, veto, prm, approval, self_def, fc, starts,
                busy, busy_n, memo):
    """Why warhead i leaked in this trial (a cause code)."""
    if shots[i] > 0:
        return _PK_MISS
    if obj[i].static_cause > 0:
        return obj[i].static_cause
    if not any_track[tr, i] < np.inf:
        return _NO_TRACK
    salvo = prm[0].salvo
    committable, free, stocked, decoys = False, False, False, False
    for b in range(bat.shape[0]):
        delay = _delay(prm, approval, veto, self_def, tr, i, b)
        if delay == np.inf or fc[1][i, b] == 0:
            continue
        if _feasible(tr, i, b, -np.inf, np.inf, fc, starts, delay, busy, busy_n, 0, memo)[0] < 0:
            continue
        committable = True
        if inv[b] - bat[b].reserve - held[b] >= salvo:
            stocked = True
            lim = max(bat[b].channels - salvo + 1, 1)
            if _feasible(tr, i, b, -np.inf, np.inf, fc, starts, delay, busy, busy_n, lim, memo)[0] >= 0:
                free = True
        elif decoy_use[b] > 0:
            decoys = True
    if not committable:
        if prm[0].joint and veto[tr, i]:
            return _VETO
        if prm[0].joint:  # would a battery have committed had the decision not waited for the approvals?
            memo[0][i] = 0  # the commit memo holds tests at the approval's delay: forget them
            late = False
            for b in range(bat.shape[0]):
                if fc[1][i, b] > 0 and _feasible(tr, i, b, -np.inf, np.inf, fc, starts, prm[0].decision, busy,
                                                 busy_n, 0, memo)[0] >= 0:
                    late = True
                    break
            memo[0][i] = 0
            if late:
                return _APPROVAL
        return _NO_FC
    if not stocked:
        return _DECOY if decoys else _INVENTORY
    if not free:
        return _CHANNELS
    return _UNASSIGNED
