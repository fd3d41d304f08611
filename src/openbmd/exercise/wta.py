"""Optimal weapon-target assignment: the Hungarian algorithm as a numba kernel.

:func:`assign` solves the rectangular linear assignment problem (minimum total cost,
each row to at most one column and vice versa), the problem scipy's
``linear_sum_assignment`` solves, inside the trial engine's compiled loop. It is
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
