"""The one-flight picture: ground track map and altitude panel."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.image import imread

from openbmd.errors import InputError
from openbmd.report.trajectory_plot import save_trajectory_png, trajectory_figure

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TABRIZ = (38.08, 46.29)
WARSAW = (52.23, 21.01)


def parabola_flight(start, end, n=120, t_end_s=720.0, apogee_m=300e3):
    lat = np.linspace(start[0], end[0], n)
    lon = np.linspace(start[1], end[1], n)
    t = np.linspace(0.0, t_end_s, n)
    s = t / t_end_s
    return lat, lon, t, 4.0 * apogee_m * s * (1.0 - s)


def test_save_trajectory_png(tmp_path):
    lat, lon, t, alt = parabola_flight(TABRIZ, WARSAW)
    path = save_trajectory_png(tmp_path / "out" / "tabriz-warsaw.png", lat, lon, t, alt,
                               title="Tabriz to Warsaw", launch=TABRIZ, impact=WARSAW,
                               events={"burnout": (lat[10], lon[10])}, dpi=60)
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 10_000
    image = imread(path)
    assert image.shape[0] > 200 and image.shape[1] > 400


def test_trajectory_figure_zooms_and_labels():
    lat, lon, t, alt = parabola_flight(TABRIZ, WARSAW)
    fig = trajectory_figure(lat, lon, t, alt, title="T", launch=TABRIZ, impact=WARSAW,
                            events={"apogee": (lat[60], lon[60])})
    ax_map, ax_alt = fig.axes
    x0, x1 = ax_map.get_xlim()
    y0, y1 = ax_map.get_ylim()
    assert x0 < 21.01 and x1 > 46.29 and x1 - x0 < 60.0
    assert y0 < 38.08 and y1 > 52.23 and y1 - y0 < 40.0
    assert ax_alt.get_ylabel() == "altitude (km)"
    assert max(ax_alt.lines[0].get_ydata()) == pytest.approx(300.0, rel=1e-3)
    assert max(ax_alt.lines[0].get_xdata()) == pytest.approx(12.0)


def test_trajectory_across_the_antimeridian(tmp_path):
    lon = np.linspace(158.0, 210.0, 80)
    lat = np.linspace(53.0, 61.0, 80)
    lon = (lon + 180.0) % 360.0 - 180.0
    t = np.linspace(0.0, 1500.0, 80)
    fig = trajectory_figure(lat, lon, t, 1e6 * np.sin(np.pi * t / 1500.0), title="K",
                            launch=(53.0, 158.0), impact=(61.0, -150.0))
    ax_map = fig.axes[0]
    x0, x1 = ax_map.get_xlim()
    assert x0 < 158.0 and x1 > 210.0 and x1 - x0 < 120.0  # a Pacific view, not the world
    track = [ln for ln in ax_map.lines if ln.get_label() == "ground track"]
    assert len(track) == 1 and np.abs(np.diff(track[0].get_xdata())).max() < 5.0


def test_bad_arrays_are_input_errors(tmp_path):
    lat, lon, t, alt = parabola_flight(TABRIZ, WARSAW)
    with pytest.raises(InputError, match="alt_m"):
        save_trajectory_png(tmp_path / "x.png", lat, lon, t, alt[:-1], title="x",
                            launch=TABRIZ, impact=WARSAW)
    with pytest.raises(InputError):
        save_trajectory_png(tmp_path / "x.png", lat[:1], lon[:1], t[:1], alt[:1], title="x",
                            launch=TABRIZ, impact=WARSAW)
    assert not (tmp_path / "x.png").exists()


def test_the_launch_and_target_places_are_named_on_the_map():
    lat, lon, t, alt = parabola_flight(TABRIZ, WARSAW)
    fig = trajectory_figure(lat, lon, t, alt, title="T", launch=TABRIZ, impact=WARSAW, launch_name="tabriz",
                            impact_name="warsaw")
    names = {a.get_text() for a in fig.axes[0].texts}
    assert {"tabriz", "warsaw"} <= names
