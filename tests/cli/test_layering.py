"""Only ``cli/`` knows flag names: no ``"--flag"`` string appears in domain code."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "openbmd"
FLAG = re.compile(r"""["']--[a-z][a-z0-9-]*["']""")
# A process entry point of its own (``python -m openbmd.exchange.server``, used to start and kill a real server
# in tests and benchmarks): its argparse flags are that tiny command's, not the openbmd CLI's.
ENTRY_POINTS = {Path("exchange/server.py")}


def test_no_flag_strings_outside_cli() -> None:
    hits = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if rel.parts[0] == "cli" or rel in ENTRY_POINTS:
            continue
        for k, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if FLAG.search(line):
                hits.append(f"{rel}:{k}: {line.strip()}")
    assert not hits, "flag names in domain code:\n" + "\n".join(hits)


def test_the_pattern_sees_a_flag_and_not_a_line_style() -> None:
    assert FLAG.search('raise InputError("bad", "--site")')
    assert not FLAG.search('ax.plot(x, y, linestyle="--")')
