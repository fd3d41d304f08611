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
