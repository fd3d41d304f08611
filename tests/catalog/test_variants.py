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


# --- whole-catalog variants and studies over them ----------------------------------------------------------

from openbmd.catalog.variants import (Outcome, catalog_variants, rank_correlations, referenced, sensitivity,
                                      study, with_figures)
from openbmd.errors import InputError


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


def test_catalog_variants_repeat_with_the_seed_and_keep_each_entry_on_its_own_stream(cat):
    entries = [cat.interceptor("sm3-ib"), cat.interceptor("sm3-iia")]
    a, b = catalog_variants(cat, entries, 20, seed=3), catalog_variants(cat, entries, 20, seed=3)
    assert a.keys == b.keys and np.array_equal(a.values, b.values)
    assert not np.array_equal(a.values, catalog_variants(cat, entries, 20, seed=4).values)
    # two entries' same figure vary independently ...
    assert not np.array_equal(a.values[:, a.keys.index("sm3-ib.burn_time_s")],
                              a.values[:, a.keys.index("sm3-iia.burn_time_s")])
    # ... and an entry meets the same draws whatever else the analysis varies
    alone = catalog_variants(cat, entries[1:], 20, seed=3)
    assert np.array_equal(alone.values[:, alone.keys.index("sm3-iia.burn_time_s")],
                          a.values[:, a.keys.index("sm3-iia.burn_time_s")])


def test_variant_catalogs_carry_the_drawn_figures_and_hold_the_fixed_ones(cat):
    ss18 = cat.missile("ss-18")
    v = catalog_variants(cat, [ss18, cat.timeline("default")], 5, seed=1, fixed={"default": ["decision_delay_s"]})
    assert "default.decision_delay_s" not in v.keys and "default.firm_track_delay_s" in v.keys
    for i in range(v.n):
        c = v.catalog(i)
        row = dict(zip(v.keys, v.values[i]))
        assert c.missile("ss-18").stages[1].isp_s == pytest.approx(row["ss-18.stages.2.isp_s"])
        assert c.timeline("default").firm_track_delay_s == pytest.approx(row["default.firm_track_delay_s"])
        assert c.timeline("default").decision_delay_s == cat.timeline("default").decision_delay_s
        assert c.missile("ss-18").stages[0].isp_s != ss18.stages[0].isp_s  # a continuous draw never lands on it
        assert len(c) == len(cat)
    assert cat.missile("ss-18") == ss18  # the base catalog is untouched


def test_whole_number_figures_are_drawn_as_whole_numbers(cat):
    dep = cat.deployment("epaa-phase3")
    counts = [k for k in dep.figure_keys() if k.endswith(".count") and dep.figure(k).has_range]
    assert counts
    changed = with_figures(dep, {counts[0]: 17.6})
    assert changed.value_of(counts[0]) == 18 and isinstance(changed.value_of(counts[0]), int)


def test_referenced_follows_a_deployment_to_its_sites_interceptors_and_radars(cat):
    names = {e.name for e in referenced(cat, ["epaa-phase3", "52.1,21.0"])}
    dep = cat.deployment("epaa-phase3")
    assert {e.site for e in dep.emplacements} <= names and {e.interceptor for e in dep.emplacements} <= names
    mounted = {m.sensor for e in dep.emplacements for m in cat.place(e.site).sensors}
    assert mounted <= names and "52.1,21.0" not in names


def test_nothing_to_draw_is_refused(cat):
    with pytest.raises(InputError, match="uncertainty: none of the catalog figures"):
        catalog_variants(cat, [cat.place("warsaw")], 3, seed=0)


def test_rank_correlation_is_one_for_a_monotone_law_and_handles_yes_no_results():
    x = np.random.default_rng(0).random((40, 2))
    r = rank_correlations(x, np.exp(3 * x[:, 0]))
    assert r[0] == pytest.approx(1.0) and abs(r[1]) < 0.5
    yes = (x[:, 1] > 0.5).astype(float)  # ties: a yes/no result
    assert rank_correlations(x, yes)[1] > 0.8
    assert rank_correlations(x, np.ones(40)).tolist() == [0.0, 0.0]


def test_a_study_counts_the_share_of_draws_and_finds_the_figure_a_conclusion_turns_on(cat):
    tl = cat.timeline("default")
    v = catalog_variants(cat, [tl, cat.interceptor("sm3-iia")], 60, seed=2)
    median = float(np.median(v.values[:, v.keys.index("default.decision_delay_s")]))

    def evaluate(c):
        delay = c.timeline("default").decision_delay_s
        return Outcome({"always": True, "prompt": delay < median, **({"only-late": True} if delay > median else {})},
                       {"delay_s": delay})

    s = study(v, evaluate(cat), evaluate)
    assert s.share("always") == 1.0 and s.sensitivity("always") == []
    assert s.share("prompt") == pytest.approx(0.5, abs=1 / 60)
    top, r = s.sensitivity("prompt")[0]
    assert top == "default.decision_delay_s" and r < -0.8
    assert s.decided("only-late") == 30 and s.share("only-late") == 1.0  # undecided draws are left out
    lo, mid, hi = s.percentiles("delay_s")
    assert lo < mid < hi and mid == pytest.approx(median, rel=0.05)
    j = s.to_json()
    assert j["trials"] == 60 and j["seed"] == 2
    assert {c["conclusion"] for c in j["conclusions"]} == {"always", "prompt", "only-late"}
    assert j["quantities"][0]["sensitivity"][0]["figure"] == "default.decision_delay_s"


def test_dispersion_and_studies_rank_with_the_same_function():
    keys = ("a", "b")
    x = np.column_stack([np.arange(10.0), np.arange(10.0)[::-1] ** 2])
    assert sensitivity(keys, x, np.arange(10.0) * 2)[0][1] == pytest.approx(1.0)
    assert sensitivity(keys, x, np.array([np.nan] * 8 + [1.0, 2.0])) == []


def test_every_variant_of_every_shipped_entry_passes_the_entrys_own_validation(cat):
    for entry in cat:
        d = draw_figures(entry, 40, seed=9, stream=entry.name)
        for row in d.values:
            variant = with_figures(entry, dict(zip(d.keys, row)))
            type(entry).model_validate(variant.model_dump())  # raises on an inconsistent draw


def test_the_boost_drag_coefficient_is_drawn_for_every_missile_and_moves_its_drag(cat):
    # The kernel's Cd(Mach) is the V-2's for every missile, uncertain by about +-30 % (Sutton & Biblarz): each
    # missile's boost_drag_factor carries that range unless the entry gives its own, so --uncertainty draws it.
    from openbmd.flight.vehicle import reference_area_m2, vehicle_from_missile

    hw12 = cat.missile("hwasong-12")
    fig = hw12.figure("boost_drag_factor")
    assert hw12.boost_drag_factor == 1.0 and fig.confidence == "estimate" and (fig.low, fig.high) == (0.7, 1.3)
    v = catalog_variants(cat, [hw12], 50, seed=2)
    draws = v.values[:, v.keys.index("hwasong-12.boost_drag_factor")]
    assert 0.7 <= draws.min() < 0.9 and 1.1 < draws.max() <= 1.3
    base_area = reference_area_m2(hw12)
    for i in (int(np.argmin(draws)), int(np.argmax(draws))):
        drawn = v.catalog(i).missile("hwasong-12")
        assert vehicle_from_missile(drawn).reference_area_m2 == pytest.approx(draws[i] * base_area)
