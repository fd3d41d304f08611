"""The documentation runs: every Python block of every page, every worked example, and the offline site build."""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "```python" in p.read_text(encoding="utf-8")
               and "--8<--" not in p.read_text(encoding="utf-8"))
EXAMPLES = sorted((DOCS / "examples").glob("*.py"))
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def test_there_is_a_tutorial_per_concept_and_three_worked_examples():
    tutorials = {p.stem for p in (DOCS / "tutorials").glob("*.md")}
    assert tutorials >= {"flight", "tracking", "engagement", "assurance", "exercise", "exchange", "threat",
                         "verify"}
    assert len(EXAMPLES) >= 3
    for page in (DOCS / "tutorials").glob("*.md"):
        assert "## Assumptions and sources" in page.read_text(encoding="utf-8"), page.name


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_the_python_blocks_of_a_page_run_in_order(page, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__docs__"}
    blocks = BLOCK.findall(page.read_text(encoding="utf-8"))
    assert blocks
    for k, code in enumerate(blocks):
        exec(compile(code, f"{page.name}[block {k}]", "exec"), namespace)  # noqa: S102 - our own docs


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_a_worked_example_runs(script, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(script), run_name="__main__")
    assert any(tmp_path.glob("*.png"))


def test_the_site_builds_offline_and_strict(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                          "-d", str(tmp_path / "site")], capture_output=True, text=True, cwd=ROOT, env=env,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    index = tmp_path / "site" / "index.html"
    assert index.is_file()
    for page in (tmp_path / "site").rglob("*.html"):  # every asset is local: nothing to fetch when viewed
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"""<(?:link|script)[^>]+(?:href|src)=["']https?://""", html), page
    api = (tmp_path / "site" / "reference" / "api.html").read_text(encoding="utf-8")
    assert "trajectory_from_burnout" in api and "to_dataframe" in api
