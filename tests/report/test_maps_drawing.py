"""Map axes, antimeridian-safe tracks and figure saving."""

from __future__ import annotations

import numpy as np
import pytest

from openbmd.errors import InputError
from openbmd.report import maps
from openbmd.report.figures import new_figure, save_figure

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def max_step(x) -> float:
    x = np.asarray(x, dtype=float)
    return float(np.abs(np.diff(x)).max()) if x.size > 1 else 0.0


def test_split_at_antimeridian_east_bound():
    pieces = maps.split_at_antimeridian([60.0, 62.0, 64.0, 66.0], [170.0, 178.0, -176.0, -165.0])
    assert len(pieces) == 2
    (lat_a, lon_a), (lat_b, lon_b) = pieces
    assert lon_a[-1] == 180.0 and lon_b[0] == -180.0
    # Crossing point interpolated in longitude: 178 -> 184 (= -176), lat 62 -> 64.
    assert lat_a[-1] == pytest.approx(62.0 + 2.0 * 2.0 / 6.0)
    assert lat_b[0] == lat_a[-1]
    np.testing.assert_allclose(lon_a[:-1], [170.0, 178.0])
    np.testing.assert_allclose(lon_b[1:], [-176.0, -165.0])
    for _, lon in pieces:
        assert max_step(lon) < 180.0
        assert lon.min() >= -180.0 and lon.max() <= 180.0


def test_split_at_antimeridian_west_bound_and_back():
    lon = [-170.0, -179.0, 175.0, 170.0, 179.5, -178.0]
    pieces = maps.split_at_antimeridian([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], lon)
    assert len(pieces) == 3
    assert pieces[0][1][-1] == -180.0 and pieces[1][1][0] == 180.0
    assert pieces[1][1][-1] == 180.0 and pieces[2][1][0] == -180.0
    assert sum(len(p[0]) for p in pieces) == 6 + 2 * 2
    assert all(max_step(o) < 180.0 for _, o in pieces)


def test_split_leaves_ordinary_tracks_alone():
    lat, lon = [38.08, 45.0, 52.23], [46.29, 33.0, 21.01]
    (piece,) = maps.split_at_antimeridian(lat, lon)
    np.testing.assert_array_equal(piece[0], lat)
    np.testing.assert_array_equal(piece[1], lon)


def test_split_on_a_pacific_centred_view():
    # Centred on 180: no cut at the antimeridian, longitudes continue past 180.
    (piece,) = maps.split_at_antimeridian([53.0, 58.0, 64.0], [158.0, -175.0, -150.0],
                                          center_lon_deg=180.0)
    np.testing.assert_allclose(piece[1], [158.0, 185.0, 210.0])
    # ... but a cut at the view's seam, Greenwich.
    pieces = maps.split_at_antimeridian([50.0, 51.0], [-2.0, 3.0], center_lon_deg=180.0)
    assert len(pieces) == 2
    np.testing.assert_allclose(pieces[0][1], [358.0, 360.0])
    np.testing.assert_allclose(pieces[1][1], [0.0, 3.0])
    assert pieces[0][0][-1] == pieces[1][0][0] == pytest.approx(50.4)


def test_split_rejects_bad_input():
    with pytest.raises(InputError):
        maps.split_at_antimeridian([1.0, 2.0], [1.0])
    with pytest.raises(InputError):
        maps.split_at_antimeridian([1.0, np.nan], [1.0, 2.0])


def test_world_axes_whole_world():
    fig, ax = maps.world_axes()
    assert ax.get_xlim() == (-180.0, 180.0) and ax.get_ylim() == (-90.0, 90.0)
    assert ax.get_aspect() == pytest.approx(1.0)
    assert len(ax.collections) == 2  # land fill, borders
    # No border line in the data crosses the map.
    for seg in ax.collections[1].get_segments():
        assert max_step(seg[:, 0]) <= 180.0


def test_world_axes_regional_zoom_uses_50m_and_cos_lat_aspect():
    fig, ax = maps.world_axes(bbox=(45.0, 60.0, 10.0, 40.0))
    assert ax.get_xlim() == (10.0, 40.0) and ax.get_ylim() == (45.0, 60.0)
    assert ax.get_aspect() == pytest.approx(1.0 / np.cos(np.radians(52.5)))
    n_50m = len(ax.collections[1].get_segments())
    _, ax110 = maps.world_axes(bbox=(45.0, 60.0, 10.0, 40.0), scale="110m")
    assert n_50m > len(ax110.collections[1].get_segments())


def test_world_axes_across_the_antimeridian_draws_shifted_land():
    fig, ax = maps.world_axes(bbox=(50.0, 75.0, 150.0, 210.0))
    land = ax.collections[0]
    xs = np.concatenate([p.vertices[:, 0] for p in land.get_paths()])
    assert xs.max() > 200.0  # Alaska, drawn at lon + 360
    # The ±180° cut of Russia and the USA is not drawn as a border.
    for seg in ax.collections[1].get_segments():
        on_cut = (seg[:-1, 0] == 180.0) & (seg[1:, 0] == 180.0)
        assert not on_cut.any()


def test_world_axes_on_given_axes_and_bad_bbox():
    fig = new_figure()
    ax = fig.add_subplot()
    fig2, ax2 = maps.world_axes(ax=ax)
    assert fig2 is fig and ax2 is ax
    with pytest.raises(InputError, match="bbox"):
        maps.world_axes(bbox=(60.0, 50.0, 0.0, 10.0))
    with pytest.raises(InputError, match="bbox"):
        maps.world_axes(bbox=(0.0, 10.0, 0.0, 400.0))


def test_draw_track_splits_at_the_antimeridian():
    fig, ax = maps.world_axes()
    lines = maps.draw_track(ax, [60.0, 62.0, 64.0, 66.0], [170.0, 178.0, -176.0, -165.0],
                            color="red", label="track")
    assert len(lines) == 2
    for line in lines:
        assert max_step(line.get_xdata()) < 180.0
    assert [ln.get_label() for ln in lines] == ["track", "_nolegend_"]
    assert ax.get_xlim() == (-180.0, 180.0)  # view unchanged


def test_draw_track_across_the_antimeridian_on_a_pacific_view_is_one_line():
    fig, ax = maps.world_axes(bbox=maps.bbox_around([53.0, 64.0], [158.0, -150.0]))
    x0, x1 = ax.get_xlim()
    assert x0 < 158.0 and x1 > 210.0
    (line,) = maps.draw_track(ax, [53.0, 58.0, 64.0], [158.0, -175.0, -150.0])
    np.testing.assert_allclose(line.get_xdata(), [158.0, 185.0, 210.0])


def test_bbox_around():
    lat_min, lat_max, lon_min, lon_max = maps.bbox_around([38.08, 52.23], [46.29, 21.01])
    assert lat_min < 38.08 and lat_max > 52.23 and lon_min < 21.01 and lon_max > 46.29
    assert 1.25 <= maps.map_aspect((lat_min, lat_max, lon_min, lon_max)) ** -1 <= 2.2 + 1e-9
    # Extra points are placed on the track's side of the antimeridian.
    box = maps.bbox_around([53.0, 64.0], [158.0, -150.0], also=[(61.0, -150.0), (53.0, 158.0)])
    assert box[2] < 158.0 < 210.0 < box[3] and box[3] - box[2] < 120.0


def test_to_view_lon():
    fig, ax = maps.world_axes(bbox=(50.0, 75.0, 150.0, 210.0))
    assert maps.to_view_lon(ax, -150.0) == pytest.approx(210.0)
    assert maps.to_view_lon(ax, 160.0) == pytest.approx(160.0)


def test_save_figure_png_svg_and_errors(tmp_path):
    fig, ax = maps.world_axes(bbox=(35.0, 60.0, 10.0, 55.0))
    png = save_figure(fig, tmp_path / "a" / "b" / "map.png", dpi=60)
    data = png.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 5_000
    # Same figure, same bytes: no dates or versions in the file.
    assert save_figure(fig, tmp_path / "again.png", dpi=60).read_bytes() == data
    svg = save_figure(fig, tmp_path / "map.svg")
    assert b"<svg" in svg.read_bytes()[:2000]
    with pytest.raises(InputError, match="path"):
        save_figure(fig, tmp_path / "map.gif")
    # Nothing but the finished files is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "again.png", "map.svg"]
