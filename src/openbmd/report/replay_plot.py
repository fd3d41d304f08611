"""A replayed trial as a timeline: one row per flown object, from launch to its kill or impact, with its
first track, the salvos fired at it (launch to intercept) and whether it was killed or leaked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openbmd.report.figures import new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Okabe & Ito (2008), safe for colour-vision deficiency; each mark has its own shape too.
_FLIGHT, _TRACK, _SHOT, _KILL, _LEAK = "#999999", "#56B4E9", "#0072B2", "#009E73", "#D55E00"


def replay_figure(doc: dict[str, Any]) -> Figure:
    """The timeline of a ``TrialReplay.to_json()`` document (times in s after the first launch)."""
    objs = doc["objects"]
    fig = new_figure(9.0, max(3.0, 0.28 * len(objs) + 1.4))
    ax = fig.add_subplot()
    for row, o in enumerate(objs):
        end = o["killed_t_s"] if o["killed_t_s"] is not None else o["impact_t_s"]
        if end is not None:
            ax.plot([o["launch_t_s"], end], [row, row], color=_FLIGHT, lw=2, solid_capstyle="butt")
        if o["first_track_t_s"] is not None:
            ax.plot(o["first_track_t_s"], row, "^", color=_TRACK, ms=6)
        if o["killed_t_s"] is not None:
            ax.plot(o["killed_t_s"], row, "X", color=_KILL, ms=8)
        elif o["leaked"]:
            ax.plot(o["impact_t_s"], row, "*", color=_LEAK, ms=11)
            ax.annotate(o["leak_cause"] or "", (o["impact_t_s"], row), xytext=(6, -3), textcoords="offset points",
                        fontsize=7, color=_LEAK)
    for s in doc["shots"]:
        ax.plot([s["launch_t_s"], s["intercept_t_s"]], [s["target"] + 0.22] * 2, color=_SHOT, lw=1,
                ls="-" if s["killed"] else ":")
        ax.plot(s["launch_t_s"], s["target"] + 0.22, "|", color=_SHOT, ms=6)
    ax.set_yticks(range(len(objs)), [f"{o['kind']} {o['index']}: {o['missile']} → {o['target']}" for o in objs],
                  fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("time after the first launch (s)")
    ax.set_title(f"{doc['scenario']}: {doc['mode']}, trial {doc['trial']} of {doc['trials']:,} (seed {doc['seed']}): "
                 f"{doc['leakers']} leaker{'s' if doc['leakers'] != 1 else ''}", fontsize=10)
    ax.grid(True, axis="x", alpha=0.3)
    from matplotlib.lines import Line2D

    ax.legend(handles=[Line2D([], [], color=_FLIGHT, lw=2, label="in flight"),
                       Line2D([], [], color=_TRACK, marker="^", ls="", label="first track"),
                       Line2D([], [], color=_SHOT, lw=1, label="salvo: launch to intercept (dotted: miss)"),
                       Line2D([], [], color=_KILL, marker="X", ls="", label="kill"),
                       Line2D([], [], color=_LEAK, marker="*", ls="", ms=10, label="leaker (cause)")],
              fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=5, frameon=False)
    return fig
