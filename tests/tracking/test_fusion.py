"""Covariance intersection: consistent whatever the cross-correlation, never worse than the better input."""

from __future__ import annotations

import numpy as np

from openbmd.tracking import covariance_intersection


def test_ci_is_consistent_for_strongly_correlated_estimates():
    """Errors correlated at 0.9 per axis: CI's covariance still bounds the spread (mean NEES <= 6);
    the naive independent combination would not."""
    rng = np.random.default_rng(4)
    s1 = np.array([2.0, 1.0, 3.0, 0.7, 0.7, 1.4])
    s2 = np.array([1.0, 2.5, 2.0, 1.0, 0.4, 1.0])
    p1, p2 = np.diag(s1 ** 2), np.diag(s2 ** 2)
    rho, n = 0.9, 600
    a, b = rng.normal(size=(n, 6)), rng.normal(size=(n, 6))
    e1 = s1 * a
    e2 = s2 * (rho * a + np.sqrt(1 - rho ** 2) * b)
    nees_ci, nees_naive = [], []
    for i in range(n):
        x, p = covariance_intersection(e1[i], p1, e2[i], p2)
        nees_ci.append(x @ np.linalg.solve(p, x))
        pn = np.linalg.inv(np.linalg.inv(p1) + np.linalg.inv(p2))
        xn = pn @ (np.linalg.solve(p1, e1[i]) + np.linalg.solve(p2, e2[i]))
        nees_naive.append(xn @ np.linalg.solve(pn, xn))
    w = np.array([1.0, 1.0, 1.0, 9e4, 9e4, 9e4])
    assert np.diag(p) @ w <= min(np.diag(p1) @ w, np.diag(p2) @ w) + 1e-9
    assert np.mean(nees_ci) < 6.0 * 1.1
    assert np.mean(nees_naive) > 6.0 * 1.3


def test_ci_of_equal_estimates_keeps_the_covariance():
    p = np.diag([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    x, q = covariance_intersection(np.ones(6), p, np.ones(6), p)
    np.testing.assert_allclose(q, p, rtol=1e-6)
    np.testing.assert_allclose(x, np.ones(6))
