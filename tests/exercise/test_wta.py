"""The numba Hungarian assignment against scipy's linear_sum_assignment."""

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from openbmd.exercise.wta import assign


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (5, 9), (9, 5), (20, 60), (26, 26), (40, 7)])
def test_matches_scipy_total_cost(shape):
    rng = np.random.default_rng(sum(shape))
    for _ in range(20):
        cost = rng.uniform(0, 100, shape)
        cost[rng.uniform(size=shape) < 0.3] = 1e9  # infeasible pairs, as the engine marks them
        rows = assign(cost)
        r, c = linear_sum_assignment(cost)
        ours = sum(cost[i, j] for i, j in enumerate(rows) if j >= 0)
        assert ours == pytest.approx(cost[r, c].sum(), rel=1e-12)
        used = rows[rows >= 0]
        assert len(set(used)) == len(used) == min(shape)


def test_capacitated_assignment_is_the_expanded_optimum():
    """Against scipy on the matrix with each battery's column repeated by its capacity: the same number of
    rows assigned and the same least cost, over random instances with ties and infeasible pairs."""
    from scipy.optimize import linear_sum_assignment

    from openbmd.exercise.wta import assign_capacitated

    rng = np.random.default_rng(5)
    for trial in range(600):
        n_r, n_q = int(rng.integers(1, 50)), int(rng.integers(1, 8))
        cap = rng.integers(0, 6, n_q)
        if trial % 2:
            cost = np.round(rng.random((n_r, n_q)) * 50) - 1e5 * np.round(rng.random((n_r, 1)) * 3)  # ties
        else:
            cost = rng.random((n_r, n_q)) * 1000 - 1e5 * rng.random((n_r, 1))
        cost[rng.random(cost.shape) < 0.4] = np.inf
        got = assign_capacitated(cost, cap)
        assert all(np.sum(got == q) <= cap[q] for q in range(n_q))
        assert all(np.isfinite(cost[r, got[r]]) for r in range(n_r) if got[r] >= 0)
        cols = [q for q in range(n_q) for _ in range(cap[q])]
        if not cols:
            assert (got < 0).all()
            continue
        expanded = np.where(np.isfinite(cost[:, cols]), cost[:, cols], 1e9)
        rr, cc = linear_sum_assignment(expanded)
        ok = expanded[rr, cc] < 1e9
        assert (got >= 0).sum() == ok.sum()
        mine = sum(cost[r, got[r]] for r in range(n_r) if got[r] >= 0)
        assert mine == pytest.approx(expanded[rr, cc][ok].sum(), rel=1e-9, abs=1e-6)
