"""``--uncertainty N`` and ``--seed`` for the commands that read the catalog, and the text of the variants' block."""

from __future__ import annotations

import typer

from openbmd.cli.render import console

FLAGS = {"uncertainty": "--uncertainty", "seed": "--seed"}
"""API argument names -> the flags of this module."""

LISTED = 12
"""Beyond this many conclusions the text lists only those the draws split, and counts the others."""


def uncertainty_option():
    return typer.Option(0, "--uncertainty", help="Run again on N catalog variants drawn from the estimate ranges "
                                                 "of the figures used: the share of draws in which each conclusion "
                                                 "holds, and the figures it turns on.")


def seed_option():
    return typer.Option(0, "--seed", help="Seed of the --uncertainty draws (same seed, same draws).")


def _sensitive(row: dict) -> str:
    top = row.get("sensitivity") or []
    return "; most sensitive to " + ", ".join(f"{s['figure']} ({s['rank_correlation']:+.2f})" for s in top) if top \
        else ""


def _percent(share: float) -> str:
    return f"{share * 100:.0f} %"


def print_study(block: dict) -> None:
    """The ``uncertainty`` block of a command's JSON as text: each conclusion's share of draws, each quantity's
    percentiles, and the figures they are most sensitive to."""
    out = console()
    out.print(f"[bold]Uncertainty[/bold]: {block['trials']} catalog variants (seed {block['seed']}) over "
              f"{len(block['figures'])} estimated figures")
    rows = block["conclusions"]
    split = [c for c in rows if c["holds_share"] is None or 0.0 < c["holds_share"] < 1.0
             or c["draws"] < block["trials"]]
    shown = rows if len(rows) <= LISTED else split
    for c in shown:
        nominal = "yes" if c["nominal"] else "no"
        share = c["holds_share"]
        where = ("of draws" if c["draws"] == block["trials"] else
                 f"of the {c['draws']} draws that decide it ({block['trials'] - c['draws']} could not)")
        words = f"in {_percent(share)} {where}" if share is not None else "decided by no draw"
        out.print(f"  {c['conclusion']} {words} (nominal: {nominal}){_sensitive(c)}", soft_wrap=True)
    if len(shown) < len(rows):
        always = sum(c["holds_share"] == 1.0 for c in rows if c not in shown)
        out.print(f"  the other {len(rows) - len(shown)} conclusions are the same in every draw: {always} hold, "
                  f"{len(rows) - len(shown) - always} do not")
    for q in block["quantities"]:
        if q["p50"] is None:
            continue
        out.print(f"  {q['quantity']}: {q['p50']:,.4g} (5-95 %: {q['p5']:,.4g} - {q['p95']:,.4g}; nominal "
                  f"{'-' if q['nominal'] is None else format(q['nominal'], ',.4g')}){_sensitive(q)}", soft_wrap=True)
