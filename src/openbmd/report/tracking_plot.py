"""Pictures of a tracking run: impact-prediction error against time, per threat."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openbmd.report.figures import new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def impact_error_figure(report: Any) -> Figure:
    """Impact-prediction error (km, log scale) against time after launch (s) for each threat of a
    :class:`~openbmd.tracking.picture.TrackingReport`."""
    fig = new_figure(8.0, 4.5)
    ax = fig.add_subplot()
    for t in report.threats:
        if t.impact_error_m_vs_time:
            tt, err = zip(*t.impact_error_m_vs_time)
            ax.semilogy(tt, [e / 1e3 for e in err], label=t.id)
    ax.set_xlabel("time after launch (s)")
    ax.set_ylabel("impact prediction error (km)")
    ax.set_title(f"{report.scenario}: {report.party}")
    ax.grid(True, which="both", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    return fig
