"""The disk cache of fly-out tables: a hit is the table built, any change of input or code misses, a bad file is
rebuilt, and the cache can be turned off."""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pytest

from openbmd import diskcache
from openbmd.catalog import load_catalog
from openbmd.earth import ideal, wgs84
from openbmd.engagement import flyout
from openbmd.engagement.flyout import FlyoutTable, flyout_table

EARTH = wgs84()
SM3 = load_catalog().interceptor("sm3-iia")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh cache directory, and no table remembered in memory before or after."""
    monkeypatch.setenv("OPENBMD_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("OPENBMD_CACHE", raising=False)
    flyout._cached.cache_clear()
    yield tmp_path
    flyout._cached.cache_clear()


@pytest.fixture
def builds(monkeypatch):
    """Count the tables built: a small stand-in table per build, so that many inputs can be tried cheaply."""
    calls = []

    def fake(name, catalog_speed, speed, burn, min_alt, max_alt, max_range, earth, coarse, beta):
        calls.append((name, speed, coarse))
        return FlyoutTable(name, speed, burn, 1e3, 5e2, np.arange(6.0).reshape(2, 3) + speed, min_alt, max_alt,
                           max_range)

    monkeypatch.setattr(flyout, "_build", fake)
    return calls


def _fields(t: FlyoutTable) -> dict:
    return {f.name: getattr(t, f.name) for f in dataclasses.fields(t)}


def test_a_hit_returns_the_table_built_bit_for_bit(cache, monkeypatch):
    built = flyout_table(SM3, EARTH, coarse=True)
    files = list((cache / "flyout").glob("*.npz"))
    assert len(files) == 1
    flyout._cached.cache_clear()

    def no_build(*args):
        raise AssertionError("a cached table was rebuilt")

    monkeypatch.setattr(flyout, "_build", no_build)
    again = flyout_table(SM3, EARTH, coarse=True)
    a, b = _fields(built), _fields(again)
    assert np.array_equal(a.pop("time_s"), b.pop("time_s"))
    assert a == b  # name and every figure, to the bit


@pytest.mark.parametrize("change", ["speed", "coarse", "earth", "burn_time_s", "min_alt", "max_alt", "max_range",
                                    "beta", "name"])
def test_a_change_of_any_input_misses(cache, builds, change):
    base = dict(name="sm3-iia", catalog_speed=4500.0, speed=4500.0, burn_time_s=60.0, min_alt=7e4, max_alt=1e6,
                max_range=2.5e6, earth=EARTH, coarse=True, beta=3000.0)
    flyout._cached(*base.values())
    flyout._cached.cache_clear()
    flyout._cached(*base.values())
    assert len(builds) == 1  # the second came from disk
    other = {"speed": 4600.0, "coarse": False, "earth": ideal(), "burn_time_s": 61.0, "min_alt": 7.1e4,
             "max_alt": 1.1e6, "max_range": 2.6e6, "beta": 2000.0, "name": "sm3-iib"}[change]
    flyout._cached.cache_clear()
    t = flyout._cached(*{**base, change: other}.values())
    assert len(builds) == 2
    assert len(list((cache / "flyout").glob("*.npz"))) == 2
    if change == "speed":
        assert t.burnout_speed_mps == 4600.0


def test_changed_code_misses(cache, builds, monkeypatch, tmp_path_factory):
    """The key's salt hashes the source of the modules that compute a table: an edit there is a miss."""
    pkg = tmp_path_factory.mktemp("src")
    (pkg / "salted_mod.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(pkg))
    monkeypatch.setattr(flyout, "_CODE", flyout._CODE + ("salted_mod",))
    diskcache.code_salt.cache_clear()
    args = ("sm3-iia", 4500.0, 4500.0, 60.0, 7e4, 1e6, 2.5e6, EARTH, True, 3000.0)
    flyout._cached(*args)
    (pkg / "salted_mod.py").write_text("X = 2\n")
    diskcache.code_salt.cache_clear()
    flyout._cached.cache_clear()
    flyout._cached(*args)
    assert len(builds) == 2
    diskcache.code_salt.cache_clear()
    sys.modules.pop("salted_mod", None)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other key"])
def test_a_corrupt_or_stale_file_is_rebuilt_and_rewritten(cache, builds, damage):
    args = ("sm3-iia", 4500.0, 4500.0, 60.0, 7e4, 1e6, 2.5e6, EARTH, True, 3000.0)
    good = flyout._cached(*args)
    (path,) = (cache / "flyout").glob("*.npz")
    if damage == "garbage":
        path.write_bytes(b"not a table")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    else:  # a file at this name written for another key is not trusted
        with np.load(path) as f:
            arrays = {k: f[k] for k in f.files}
        arrays["__key__"] = np.array("something else")
        np.savez(path, **arrays)
    flyout._cached.cache_clear()
    again = flyout._cached(*args)
    assert len(builds) == 2
    assert np.array_equal(again.time_s, good.time_s)
    flyout._cached.cache_clear()
    flyout._cached(*args)
    assert len(builds) == 2  # the rebuilt table was written back


def test_the_cache_can_be_turned_off_and_an_unwritable_folder_is_no_error(cache, builds, monkeypatch, tmp_path):
    args = ("sm3-iia", 4500.0, 4500.0, 60.0, 7e4, 1e6, 2.5e6, EARTH, True, 3000.0)
    monkeypatch.setenv("OPENBMD_CACHE", "off")
    flyout._cached(*args)
    flyout._cached.cache_clear()
    flyout._cached(*args)
    assert len(builds) == 2 and not (cache / "flyout").exists()
    monkeypatch.delenv("OPENBMD_CACHE")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("OPENBMD_CACHE_DIR", str(blocker))  # a folder cannot be made inside a file
    flyout._cached.cache_clear()
    assert flyout._cached(*args).burnout_speed_mps == 4500.0
    assert len(builds) == 3


def test_the_default_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("OPENBMD_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert diskcache.cache_dir() == tmp_path / "openbmd"
