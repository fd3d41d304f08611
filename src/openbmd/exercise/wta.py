"""Optimal weapon-target assignment as numba kernels: :func:`assign_capacitated` (objects to batteries of given
capacity, by min-cost flow; what the trial engine uses) and :func:`assign`, the Hungarian algorithm.

:func:`assign` solves the rectangular linear assignment problem (minimum total cost,
each row to at most one column and vice versa), the problem scipy's
``linear_sum_assignment`` solves. It is
the shortest-augmenting-path form with dual potentials, O(n² m) for n ≤ m.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def assign(cost):
    """Column assigned to each row of ``cost`` (n, m) at least total cost; -1 for rows left out (n > m)."""
    n, m = cost.shape
    if n > m:
        cols = assign(cost.T.copy())
        rows = np.full(n, -1, dtype=np.int64)
        for j in range(m):
            if cols[j] >= 0:
                rows[cols[j]] = j
        return rows
    inf = np.inf
    u = np.zeros(n + 1)
    v = np.zeros(m + 1)
    p = np.zeros(m + 1, dtype=np.int64)  # p[j]: row (1-based) matched to column j; 0 = none
    way = np.zeros(m + 1, dtype=np.int64)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = np.full(m + 1, inf)
        used = np.zeros(m + 1, dtype=np.bool_)
        while True:
            used[j0] = True
            i0 = p[j0]
            delta = inf
            j1 = 0
            for j in range(1, m + 1):
                if not used[j]:
                    cur = cost[i0 - 1, j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j] = cur
                        way[j] = j0
                    if minv[j] < delta:
                        delta = minv[j]
                        j1 = j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    rows = np.full(n, -1, dtype=np.int64)
    for j in range(1, m + 1):
        if p[j] > 0:
            rows[p[j] - 1] = j - 1
    return rows


@njit(cache=True)
def assign_capacitated(cost, capacity):
    """Battery assigned to each row of ``cost`` (R, Q) (``inf`` where a battery cannot take a row), battery q
    taking at most ``capacity[q]`` rows: the most rows possible, at least total cost; -1 for rows left out.

    The same optimum as :func:`assign` on the matrix with each battery's column repeated ``capacity[q]`` times,
    found as a min-cost flow by successive shortest paths. A path from a free row to a battery with room runs
    through batteries, each hop moving one assigned row from a battery to another, so each shortest path is a
    Bellman-Ford over the Q batteries alone: O(R Q + Q³) per augmentation instead of the expanded O(R² m).
    """
    n_r, n_q = cost.shape
    row_of = np.full(n_r, -1, dtype=np.int64)
    load = np.zeros(n_q, dtype=np.int64)
    dist = np.empty(n_q)
    first = np.empty(n_q, dtype=np.int64)    # the free row a path enters battery q from (no predecessor)
    pred = np.empty(n_q, dtype=np.int64)     # the battery a path comes to q from, -1 when it enters from a row
    hop = np.empty((n_q, n_q))               # cheapest move of a row on battery a to battery b
    hop_row = np.empty((n_q, n_q), dtype=np.int64)
    for _ in range(n_r):
        for q in range(n_q):
            dist[q], first[q], pred[q] = np.inf, -1, -1
        hop[:, :] = np.inf
        for r in range(n_r):
            a = row_of[r]
            for q in range(n_q):
                c = cost[r, q]
                if not c < np.inf:
                    continue
                if a < 0:
                    if c < dist[q]:
                        dist[q], first[q] = c, r
                elif a != q:
                    d = c - cost[r, a]
                    if d < hop[a, q]:
                        hop[a, q], hop_row[a, q] = d, r
        for _ in range(n_q):  # Bellman-Ford: the residual graph has no negative cycle
            changed = False
            for a in range(n_q):
                if dist[a] < np.inf:
                    for b in range(n_q):
                        nd = dist[a] + hop[a, b]
                        if nd < dist[b] and (dist[b] == np.inf or nd < dist[b] - 1e-12 * abs(dist[b])):
                            dist[b], pred[b] = nd, a
                            changed = True
            if not changed:
                break
        end, best = -1, np.inf
        for q in range(n_q):
            if load[q] < capacity[q] and dist[q] < best:
                end, best = q, dist[q]
        if end < 0:
            break
        load[end] += 1
        q = end
        for _ in range(n_q + 1):
            a = pred[q]
            if a < 0:
                row_of[first[q]] = q
                break
            row_of[hop_row[a, q]] = q
            q = a
    return row_of
