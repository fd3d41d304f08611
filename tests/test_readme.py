"""Every example in the README runs as written (the exchange centre on a free port instead of 8470)."""

from __future__ import annotations

import json
import os
import re
import signal
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from openbmd.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# The commands run in a temporary folder: give them this checkout's package, not whatever is installed.
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
SH = [b for b in re.findall(r"^```sh\n(.*?)^```", README, re.S | re.M)]
PY = re.findall(r"^```python\n(.*?)^```", README, re.S | re.M)


def _commands(block: str) -> list[str]:
    text = block.replace("\\\n", " ")
    return [line.split("  #")[0].strip() for line in text.splitlines() if line.strip().startswith("openbmd ")]


STANDALONE = [c for b in SH if "openbmd serve" not in b and "openbmd view" not in b for c in _commands(b)]
VIEW = [b for b in SH if "openbmd serve" not in b and "openbmd view" in b]
CENTRE = [b for b in SH if "openbmd serve" in b]


def _start_view(words: list[str], cwd: Path) -> tuple[subprocess.Popen, str]:
    """``openbmd view`` as written, on a free port and without opening a browser; returns it and its URL."""
    words = [w for w in words if w != "--open"]
    if "--port" in words:
        words[words.index("--port") + 1] = "0"
    else:
        words += ["--port", "0"]
    proc = subprocess.Popen([sys.executable, "-m", "openbmd", *words[1:]], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=ENV, start_new_session=True)
    line = proc.stderr.readline()
    assert line.startswith("openbmd view: http://127.0.0.1:"), line + proc.stderr.read()
    return proc, line.split()[2]


def _get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as r:
        assert r.status == 200
        return r.read().decode()


def test_the_readme_begins_with_the_two_set_up_commands():
    first = README.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert [line.split()[:2] for line in first] == [["make", "demo"], ["make", "test"]]
    assert README.index("```sh") < README.index("\n\n", README.index("# openbmd")) + 3


@pytest.mark.parametrize("command", STANDALONE, ids=[c[8:60] for c in STANDALONE])
def test_a_readme_command_runs(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = shlex.split(command)[1:]
    assert main(argv + (["--quiet"] if argv[0] in ("footprint", "assure", "track") or argv[:2] == ["exercise", "run"]
                        else [])) == 0
    out = capsys.readouterr().out
    if "--json" in argv:
        json.loads(out)
    for word in argv:
        if word.startswith("out/"):
            assert (tmp_path / word).exists(), word


@pytest.mark.parametrize("block", VIEW)
def test_the_readme_view_serves_what_was_exported(block, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for line in _commands(block):
        words = shlex.split(line)
        if words[1] != "view":
            assert main(words[1:]) == 0, line
            continue
        proc, url = _start_view(words, tmp_path)
        try:
            payload = _get(url + "api/scene")
            assert "Redzikowo" in payload or "redzikowo" in payload, payload[:300]
            assert "openbmd" in _get(url).lower()
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def test_the_readme_python_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for code in PY:
        exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})  # noqa: S102 - our own README


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("block", CENTRE)
def test_the_readme_exchange_centre_runs(block, tmp_path):
    port = str(_free_port())
    lines = [c.replace("--port 8470", f"--port {port}") for c in _commands(block)]
    server, views = None, []
    try:
        for line in lines:
            background = line.endswith("&")
            words = shlex.split(line.rstrip("&"))
            if words[1] == "view":
                proc, url = _start_view(words, tmp_path)
                views.append(proc)
                assert "openbmd" in _get(url).lower()
                continue
            redirect = None
            if ">" in words:
                redirect, words = tmp_path / words[words.index(">") + 1], words[:words.index(">")]
            cmd = [sys.executable, "-m", "openbmd", *words[1:]]
            if background:
                server = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                          env=ENV, start_new_session=True)  # its own group: its verifiers go with it
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    with socket.socket() as s:
                        if s.connect_ex(("127.0.0.1", int(port))) == 0:
                            break
                    assert server.poll() is None, server.stderr.read().decode()
                    time.sleep(0.2)
                continue
            out = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=ENV)
            assert out.returncode == 0, f"{line}: {out.stderr}"
            if redirect is not None:
                redirect.write_text(out.stdout)
    finally:
        for proc in views:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        if server is not None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
