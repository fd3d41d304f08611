"""Per-figure provenance: every numeric figure of every shipped entry has a source and a kind; every estimate
has a range that holds its value; ``factors``, ``cites`` and ``*`` keys resolve as documented."""

from __future__ import annotations

import pytest

from openbmd.catalog import Catalog, CatalogError, load_catalog, parse_entries


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def _faults(cat: Catalog) -> list[str]:
    faults = []
    for entry in cat.entries():
        for key in entry.figure_keys():
            fig = entry.figure(key)
            value = entry.value_of(key)
            if not fig.source:
                faults.append(f"{entry.kind} {entry.name}: {key} has no source")
            if fig.confidence == "estimate" and not fig.has_range:
                faults.append(f"{entry.kind} {entry.name}: {key} is an estimate without a range")
            if fig.has_range and not fig.low <= value * (1 + 1e-9) and value <= fig.high * (1 + 1e-9):
                faults.append(f"{entry.kind} {entry.name}: {key} = {value} lies outside {fig.low}-{fig.high}")
    return faults


def test_every_figure_of_the_catalog_has_a_source_and_every_estimate_a_range(cat: Catalog) -> None:
    faults = _faults(cat)
    assert not faults, f"{len(faults)} figures lack provenance:\n" + "\n".join(faults[:40])


def test_the_walk_covers_the_figures_that_drive_the_models(cat: Catalog) -> None:
    keys = set(cat.missile("ss-18").figure_keys())
    assert {"stages.1.isp_s", "stages.2.propellant_mass_kg", "payload_mass_kg", "max_range_m"} <= keys
    assert not any(k.startswith(("source.", "calibration.", "flight_tests.")) for k in keys)
    assert "single_shot_pk" in cat.interceptor("sm3-ia").figure_keys()
    assert "max_range_m" in cat.sensor("spy-1").figure_keys()
    assert "lat_deg" in cat.place("kozelsk").figure_keys()


def test_figures_that_need_them_cite_their_own_sources(cat: Catalog) -> None:
    """The figures the issue named: the 53T6's speed and SPY-1's range stand on sources about them."""
    speed = cat.interceptor("a-135").figure("burnout_speed_mps")
    assert speed.confidence == "estimate" and speed.has_range
    assert any("Podvig" in (s.author or "") or "Podvig" in (s.title or "") for s in speed.source)
    # 100 g over the ~4 s burn, less gravity and drag: the value sits inside its range, not on the 3 km/s edge
    # (the MoD's "3 km/s" is the target's speed); the triangular draws then spread both ways about it.
    a135 = cat.interceptor("a-135")
    assert speed.low < a135.burnout_speed_mps < speed.high
    assert speed.low < 981.0 * a135.burn_time_s * 0.95 and a135.burnout_speed_mps < 981.0 * a135.burn_time_s
    spy = cat.sensor("spy-1").figure("max_range_m")
    assert spy.has_range and spy.low < cat.sensor("spy-1").max_range_m < spy.high
    assert any(s.year for s in spy.source)


ENTRY = """
kind: interceptor
entries:
  - name: test-kv
    display_name: Test KV
    country: USA
    status: development
    intercept_phase: midcourse
    burnout_speed_mps: 4000
    burn_time_s: 50
    min_intercept_altitude_m: 80000
    max_intercept_altitude_m: 900000
    max_range_m: 1500000
    single_shot_pk: 0.7
    confidence: published
    source:
      - {title: First, year: 2010}
      - {title: Second, year: 2011}
    figures:
%s
"""


def _one(figures: str):
    return parse_entries("t.yaml", ENTRY % figures)[0]


def test_factors_resolve_to_a_range_in_si_and_cites_to_the_entrys_sources() -> None:
    e = _one("      burnout_speed_mps: {confidence: estimate, factors: [0.9, 1.2], reason: r, cites: [2]}")
    fig = e.figure("burnout_speed_mps")
    assert (fig.low, fig.high) == pytest.approx((3600.0, 4800.0))
    assert [s.title for s in fig.source] == ["Second"]
    inherited = e.figure("burn_time_s")
    assert inherited.confidence == "published" and [s.title for s in inherited.source] == ["First", "Second"]


@pytest.mark.parametrize("figures, words", [
    ("      burnout_speed_mps: {confidence: estimate, reason: r}", "an estimate needs a range"),
    ("      burnout_speed_mps: {confidence: estimate, low: 1, high: 2, reason: r}", "lies outside its range"),
    ("      burnout_speed_mps: {confidence: published, cites: [3]}", "cites source 3"),
    ("      burnout_speed_mps: {confidence: estimate, factors: [1.1, 1.2], reason: r}", "must bracket 1"),
    ("      stages.*.isp_s: {confidence: published}", "not a numeric field"),
])
def test_bad_figures_are_refused_with_one_line_naming_the_file_and_field(figures: str, words: str) -> None:
    with pytest.raises(CatalogError) as err:
        _one(figures)
    text = str(err.value)
    assert words in text and text.startswith("t.yaml") and "\n" not in text


def test_the_2007_poland_plan_flies_the_two_stage_gbi_slower_than_the_three_stage_one(cat: Catalog) -> None:
    dep = cat.deployment("poland-gbi-2007")
    assert [e.interceptor for e in dep.emplacements] == ["gbi-2stage"] and dep.total_interceptors == 10
    two, three = cat.interceptor("gbi-2stage"), cat.interceptor("gbi")
    assert two.burnout_speed_mps == 6300 < three.burnout_speed_mps
    assert two.burn_time_s < three.burn_time_s and two.max_range_m < three.max_range_m
    speed = two.figure("burnout_speed_mps")  # MDA's 6.3 km/s against Lewis and Postol's 8-9 km/s
    assert speed.confidence == "estimate" and speed.low <= 6300 and speed.high >= 8500
    assert any("Postol" in (s.author or "") for s in speed.source)


def test_mirved_missiles_carry_a_bus_whose_figures_are_sourced(cat: Catalog) -> None:
    for name, rvs in (("ss-18", 10), ("ss-19", 6), ("minuteman-iii", 1)):
        m = cat.missile(name)
        assert m.post_boost is not None and m.post_boost.rvs == rvs
        assert m.figure("post_boost.rvs").confidence == "published"
        assert "post_boost.interval_s" in m.figure_keys()
    assert cat.missile("sejjil-2").post_boost is None
