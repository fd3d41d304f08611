"""Paired, seeded draws of a catalog entry's ranged figures."""

from __future__ import annotations

import numpy as np
import pytest

from openbmd.catalog import load_catalog
from openbmd.catalog.variants import draw_figures, triangular, uniforms


def test_triangular_draws_stay_in_range_with_the_catalog_value_as_mode():
    u = uniforms(1, "x", 200_000)
    x = triangular(u, 10.0, 12.0, 20.0)
    assert x.min() >= 10.0 and x.max() <= 20.0
    assert x.mean() == pytest.approx((10.0 + 12.0 + 20.0) / 3.0, rel=5e-3)
    hist, edges = np.histogram(x, bins=40, range=(10.0, 20.0))
    assert 10.0 <= edges[np.argmax(hist)] <= 12.5  # the mode


def test_draws_are_paired_by_figure_whatever_else_is_drawn():
    m = load_catalog().missile("ss-18")
    all_ = draw_figures(m, 50, seed=4)
    isp = draw_figures(m, 50, seed=4, patterns=["stages.*.isp_s"])
    assert isp.keys == ("stages.1.isp_s", "stages.2.isp_s")
    assert np.array_equal(isp.column("stages.2.isp_s"), all_.column("stages.2.isp_s"))
    assert not np.array_equal(draw_figures(m, 50, seed=5).values, all_.values)


def test_only_ranged_figures_are_drawn_within_their_ranges():
    m = load_catalog().missile("ss-18")
    d = draw_figures(m, 500, seed=0)
    assert "max_range_m" not in d.keys  # published: no range, not drawn
    assert "stages.1.isp_s" in d.keys
    assert np.all(d.values >= d.low) and np.all(d.values <= d.high)
    with pytest.raises(KeyError):
        d.column("max_range_m")
