"""Optional extras: each optional command's imports come with its extra, and `make demo` installs them all."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from openbmd.cli import main

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
EXTRAS = PYPROJECT["project"]["optional-dependencies"]


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, version = line.split(";")[0].strip().split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def _requirements(extra: str) -> list[Requirement]:
    out = []
    for text in EXTRAS[extra]:
        req = Requirement(text)
        if req.name == "openbmd":
            out += [r for e in sorted(req.extras) for r in _requirements(e)]
        else:
            out.append(req)
    return out


def _third_party_imports(*files: Path) -> set[str]:
    mods = set()
    for f in files:
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                mods |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods.add(node.module.split(".")[0])
    return {m for m in mods if m != "openbmd" and m not in sys.stdlib_module_names}


def test_the_view_extra_sits_beside_service_and_distributed_and_all_takes_it():
    assert {"service", "distributed", "view"} <= set(EXTRAS)
    assert {"service", "distributed", "view"} <= Requirement(next(r for r in EXTRAS["all"])).extras


@pytest.mark.parametrize("extra", ["service", "distributed", "view", "docs", "all"])
def test_make_demo_installs_every_extra_at_a_version_it_allows(extra):
    pins = _lock()
    for req in [*_requirements(extra), *map(Requirement, PYPROJECT["project"]["dependencies"])]:
        if req.marker is not None and not req.marker.evaluate():
            continue
        name = req.name.lower().replace("_", "-")
        assert name in pins, f"{req} is not in requirements.lock"
        assert req.specifier.contains(pins[name], prereleases=True), f"{req} against the lock's {pins[name]}"


def test_the_view_extra_brings_what_openbmd_view_imports():
    """Every third-party module that `openbmd view` reaches (the web package, and live mode's signing in
    exchange) comes from a core dependency or from [view]."""
    web = ROOT / "src" / "openbmd" / "web"
    files = [*web.glob("*.py"), ROOT / "src/openbmd/cli/view.py", ROOT / "src/openbmd/exchange/signing.py",
             ROOT / "src/openbmd/exchange/canonical.py", ROOT / "src/openbmd/exchange/auth.py"]
    dists = packages_distributions()
    have = {Requirement(r).name.lower() for r in [*PYPROJECT["project"]["dependencies"], *EXTRAS["view"]]}
    for module in _third_party_imports(*files):
        brought = {d.lower() for d in dists.get(module, [])}
        assert brought, f"{module}: no installed distribution"
        # fastapi brings starlette, pydantic its pinned pydantic-core; cryptography and the others are named themselves.
        assert (brought & have or module == "starlette" and "fastapi" in have
                or module == "pydantic_core" and "pydantic" in have), f"{module} ({brought}) not in [view]"


def test_a_missing_view_extra_is_one_line_naming_it(monkeypatch, capsys):
    for name in [m for m in sys.modules if m == "openbmd.web" or m.startswith("openbmd.web.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "fastapi", None)  # as if not installed
    assert main(["view", "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'openbmd[view]'" in err and "fastapi" in err, err
