"""Shell completion and `exercise show`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from openbmd.cli import main


def _complete(words: str) -> list[str]:
    env = {**os.environ, "_OPENBMD_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - 1)}
    out = subprocess.run([sys.executable, "-c", "from openbmd.cli import run; run()"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_commands_and_flags_complete():
    assert {"trajectory", "track"} <= set(_complete("openbmd tra"))
    assert _complete("openbmd exercise run nrc-2012 --mo") == ["--modes"]


def test_the_completion_script_installs_for_bash():
    # In a fresh process: Typer's shell detection depends on state earlier tests of the session may leave.
    out = subprocess.run([sys.executable, "-c", "from openbmd.cli import run; run()", "--show-completion", "bash"],
                         env={**os.environ, "SHELL": "/bin/bash"}, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "_OPENBMD_COMPLETE=complete_bash" in out.stdout


def test_exercise_show_prints_a_scenario_that_loads(capsys, tmp_path):
    assert main(["exercise", "show", "nrc-2012"]) == 0
    text = capsys.readouterr().out
    assert yaml.safe_load(text)["name"] == "nrc-2012"
    assert main(["exercise", "show", "nrc-2013"]) == 2
    assert "NAME: no built-in scenario 'nrc-2013'" in capsys.readouterr().err


def test_a_missing_optional_extra_is_named(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # as if openbmd[distributed] were not installed
    assert main(["exercise", "run", "nrc-2012", "--trials", "10", "--workers", "1", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'openbmd[distributed]'" in err


@pytest.mark.parametrize("command", [["threat"], ["flight-test"], ["assure"], ["exercise", "run"],
                                     ["exercise", "compare"]])
def test_help_text_lines_fit_the_80_column_help_so_they_read_as_written(command):
    """Rich keeps the help's line breaks and wraps each line at 80 columns (less its margin): a longer line would
    break in the middle, the next one not, and the paragraph reads ragged."""
    import typer

    from openbmd.cli import app

    cmd = typer.main.get_command(app)
    for name in command:
        cmd = cmd.commands[name]
    long = [line for line in cmd.help.splitlines() if len(line) > 78]
    assert not long, long
