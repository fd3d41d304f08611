"""The reports' figures show their figures: values on bars (a zero bar visible), labels that do not
overlap, footprint cells apart from the sea with the out-of-reach area in the legend, and the pairs that
flip summarised as a table."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.text import Annotation

from openbmd.exercise.results import EqualUse, ModeResult
from openbmd.report.assurance_report import _sensitivity_table
from openbmd.report.engagement_plot import engagement_figure, footprint_figure
from openbmd.report.exercise_report import modes_figure
from openbmd.report.maps import _OCEAN_COLOR


def _boxes(ax):
    r = ax.figure.canvas.get_renderer()
    return [t.get_window_extent(r) for t in ax.texts if isinstance(t, Annotation)]


def test_labels_of_points_close_together_do_not_overlap():
    lat = np.linspace(38.08, 52.23, 60)
    lon = np.linspace(46.29, 21.01, 60)
    t = np.linspace(0, 900, 60)
    alt = 4 * 5e5 * (t / 900) * (1 - t / 900)
    near = {"latest (redzikowo)": (47.5, 31.6), "latest (deveselu)": (47.45, 31.7), "earliest (deveselu)": (47.4, 31.8)}
    fig = engagement_figure(lat, lon, t, alt, title="t", launch=(38.08, 46.29), impact=(52.23, 21.01),
                            sites={"redzikowo": (54.48, 17.1), "deveselu": (44.08, 24.4)},
                            sensors={"kurecik": (38.35, 37.79)}, intercepts=near, window_s=(300, 600))
    ax_map = fig.axes[0]
    boxes = _boxes(ax_map)
    assert len(boxes) == len(near) + 3
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    offsets = {t.get_text(): tuple(t.xyann) for t in ax_map.texts if t.get_text() in near}
    assert len(set(offsets.values())) == len(near)  # moved apart, not stacked at one offset


def test_bars_carry_their_values_and_a_zero_bar_shows():
    def mode(name, p, used):
        eq = EqualUse((), 200, None, None, used, None, None)
        return ModeResult(mode=name, trials=200, p_no_leak=p, p_no_leak_ci=(max(p - 0.02, 0), p + 0.02),
                          expected_leakers=1.0, expected_leakers_ci=(0.9, 1.1), interceptors_used=used,
                          interceptors_used_ci=(used, used), value_defended=0.8, value_defended_ci=(0.8, 0.8),
                          parties={}, interceptors_wasted=0.0, interceptors_at_decoys=0.0,
                          interceptors_by_authority={}, leak_causes={}, leak_by_raid=(), interceptors_per_p=eq)

    fig = modes_figure({m: mode(m, p, u) for m, p, u in (("independent", 0.0, 38.0), ("joint", 0.49, 38.3))})
    ax1, ax2 = fig.axes
    assert [t.get_text() for t in ax1.texts] == ["0.000", "0.490"]
    assert [t.get_text() for t in ax2.texts] == ["38.0", "38.3"]
    heights = [b.get_height() for b in ax1.patches]
    assert heights[0] > 0 and heights[1] == 0.49


def test_footprint_cells_differ_from_the_sea_and_the_legend_explains_out_of_reach():
    lat, lon = np.arange(44.0, 50.0), np.arange(20.0, 28.0)
    shots = np.full((lat.size, lon.size), -1)
    shots[1:5, 1:7] = 0
    shots[2:4, 2:5] = 1
    shots[2, 3] = 2
    fig = footprint_figure(lat, lon, shots, 1, (44, 49, 20, 27), title="fp", origin=(38.08, 46.29),
                           sites={"deveselu": (44.08, 24.4)}, sensors={})
    ax = fig.axes[0]
    mesh = next(c for c in ax.collections if hasattr(c, "get_cmap") and c.get_array() is not None
                and c.get_array().ndim == 2)
    sea = np.array(to_rgb(_OCEAN_COLOR))
    for k in (0, 1, 2):
        rgb = np.array(mesh.cmap(mesh.norm(k))[:3])
        assert np.abs(rgb - sea).sum() > 0.3, (k, rgb)
    assert "beyond the missile's reach" in " ".join(t.get_text() for t in ax.get_legend().get_texts())


def test_the_pairs_that_flip_are_a_table_per_base():
    flips = [{"base": b, "target": f"t{k}", "speed_threshold_mps_by_delay": {"0": 3000.0 + 100 * k, "60": None}}
             for b, n in (("kozelsk", 8), ("tatishchevo", 2)) for k in range(n)]
    sens = {"speeds_mps": [3000.0, 4000.0], "delays_s": [0.0, 60.0], "engageable_pairs": [[1, 2], [0, 1]],
            "flips": flips}
    html = _sensitivity_table(sens)
    assert "10 pairs that flip" in html and html.count("<tr><th>kozelsk</th><td>8</td>") == 1
    assert "t0, t1, t2, t3, t4, t5 and 2 more" in html and "3.0–3.7" in html and "<td>none</td>" in html


def test_the_polar_map_is_azimuthal_equidistant_about_the_pole():
    from pyproj import Geod

    from openbmd.report.maps import polar_axes

    fig, m = polar_axes(20.0)
    lat, lon = np.array([90.0, 60.0, 30.0, 55.0]), np.array([0.0, 45.0, -120.0, 179.9])
    x, y = m.project(lat, lon)
    _, _, d = Geod(ellps="WGS84").inv(np.zeros(4), np.full(4, 90.0), lon, lat)
    assert np.hypot(x, y) * 1e3 == pytest.approx(d, abs=1.0)
    assert np.degrees(np.arctan2(x[1], -y[1])) == pytest.approx(45.0)  # east of the central meridian to the right


def test_the_corridor_map_is_polar_with_sites_bases_and_targets(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from openbmd.earth import geodetic_to_ecef, wgs84
    from openbmd.report.assurance_report import corridor_map

    earth = wgs84()

    def flight(a, b, n=40):
        f = np.linspace(0, 1, n)
        lat, lon = a[0] + f * (b[0] - a[0]) + 25 * np.sin(np.pi * f), a[1] + f * (b[1] - a[1])
        return np.array([geodetic_to_ecef(np.radians(la), np.radians(lo), 1e5, earth) for la, lo in zip(lat, lon)])

    r = np.stack([flight((54.0, 35.8), (38.9, -77.0)), flight((51.7, 45.6), (47.6, -122.3))])
    corridors = SimpleNamespace(threats=SimpleNamespace(t_s=np.tile(np.linspace(0, 1800, 40), (2, 1)), r_ecef=r),
                                bases=["kozelsk", "tatishchevo"], targets=["washington", "seattle"])
    data = {"deployment": "test", "forces": "f", "targets": "t", "sites": [{"name": "redzikowo/sm3-iia"}],
            "pairs": [{"engageable": True, "reachable": True}, {"engageable": False, "reachable": True}]}
    import matplotlib.figure

    seen = {}
    real = matplotlib.figure.Figure.savefig
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig",
                        lambda self, *a, **k: (seen.setdefault("fig", self), real(self, *a, **k))[1])
    corridor_map(tmp_path / "c.png", data, corridors)
    ax = seen["fig"].axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"engageable", "not engageable", "interceptor site", "ICBM base", "target"} <= set(labels)
    assert "redzikowo" in [t.get_text() for t in ax.texts]
    assert (tmp_path / "c.png").stat().st_size > 20_000
