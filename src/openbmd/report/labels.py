"""Labels that do not overlap: annotations moved around their point until their boxes are clear."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Offsets (points) tried in turn: right and above, right and below, left, then further out.
_OFFSETS = ((5, 4), (5, -10), (-5, 4), (-5, -10), (5, 14), (5, -20), (-5, 14), (-5, -20), (5, 24), (5, -30),
            (-5, 24), (-5, -30), (12, -3), (-12, -3), (5, 34), (5, -40))


def declutter(fig: Figure) -> int:
    """Move each annotation placed in offset points (in drawing order, per axes) to the first offset around
    its point where its box overlaps no label already placed; return how many moved. An annotation that
    finds no free place keeps its first position."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Annotation

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    moved = 0
    for ax in fig.axes:
        placed = []
        for ann in [t for t in ax.texts if isinstance(t, Annotation) and t.anncoords == "offset points"]:
            first = (tuple(ann.xyann), ann.get_ha())
            for k, (dx, dy) in enumerate([first[0], *_OFFSETS]):
                if k:
                    ann.xyann = (dx, dy)
                    ann.set_ha("right" if dx < 0 else "left")
                box = ann.get_window_extent(renderer)
                if not any(box.overlaps(b) for b in placed):
                    moved += k > 0
                    break
            else:
                ann.xyann, _ = first
                ann.set_ha(first[1])
                box = ann.get_window_extent(renderer)
            placed.append(box)
    return moved
