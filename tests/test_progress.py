"""Progress goes to stderr only: a bar on a terminal, plain lines elsewhere, nothing when silenced."""

from __future__ import annotations

from openbmd.progress import progress_bar


def test_plain_lines_on_stderr_when_not_a_terminal(capsys):
    with progress_bar("work", 10, plain_every_s=0.0) as advance:
        for _ in range(5):
            advance(2)
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [f"work: {k}/10 ({10 * k}%)" for k in (2, 4, 6, 8, 10)]


def test_lines_are_rate_limited_but_the_last_is_always_shown(capsys):
    with progress_bar("work", 1000, plain_every_s=3600.0) as advance:
        for _ in range(1000):
            advance(1)
    assert capsys.readouterr().err.splitlines() == ["work: 1,000/1,000 (100%)"]


def test_silenced(capsys):
    with progress_bar("work", 10, enabled=False) as advance:
        advance(10)
    assert capsys.readouterr() == ("", "")
