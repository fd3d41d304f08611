"""Power loss, simulated: only what was fsynced survives, and that holds every acknowledged message.

An ``LD_PRELOAD`` shim (``data/fsync_shadow.c``, built here with the C compiler) copies the
database and its ``-wal`` at every ``fsync``; after SIGKILL the copies replace the files, which
is what the disk would hold after a power cut at that moment. A control run with
``synchronous=OFF`` (no fsync) must lose acknowledged messages: the test can fail.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from openbmd.exchange.config import init_data_dir

from .serverproc import ServerProcess
from .test_crash import _check, _heads
from .test_faults import PARTIES, Load, _wait


@pytest.fixture(scope="module")
def shim(tmp_path_factory) -> Path:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler for the fsync shim")
    lib = tmp_path_factory.mktemp("shim") / "fsync_shadow.so"
    subprocess.run([cc, "-shared", "-fPIC", "-O1", "-o", str(lib), str(Path(__file__).parent / "data" /
                                                                         "fsync_shadow.c"), "-ldl"], check=True)
    return lib


def _power_cut(tmp_path: Path, shim: Path, synchronous: str) -> tuple[Path, list, set]:
    """Run under load, cut the power; return the data dir, the acknowledged and what survived."""
    data = tmp_path / synchronous
    init_data_dir(data, PARTIES)
    db = (data / "exchange.sqlite3").resolve()
    shadow = tmp_path / f"{synchronous}-disk"
    shadow.mkdir()
    env = {"LD_PRELOAD": str(shim), "SHADOW_WATCH": str(db), "SHADOW_DIR": str(shadow)}
    srv = ServerProcess(data, database=f"sqlite:///{db}?synchronous={synchronous}", env=env)
    load = Load(srv.url, data)
    try:
        assert _wait(lambda: load.count() >= 150)
    finally:
        srv.kill()
        load.stop()
    for suffix in ("", "-wal"):
        f, durable = Path(f"{db}{suffix}"), shadow / f"{db.name}{suffix}"
        if durable.exists():
            shutil.copyfile(durable, f)
        else:
            f.unlink(missing_ok=True)  # never fsynced: gone with the power
    Path(f"{db}-shm").unlink(missing_ok=True)
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT envelope FROM messages").fetchall()
    except sqlite3.DatabaseError:
        rows = []
    con.close()
    stored = {(e["sender"], e["sequence"]) for e in (json.loads(r[0]) for r in rows)}
    return data, load.acked, stored


def test_power_loss_keeps_every_acknowledged_message(tmp_path, shim):
    data, acked, stored = _power_cut(tmp_path, shim, "FULL")
    lost = [env for _, env in acked if (env["sender"], env["sequence"]) not in stored]
    assert lost == [] and len(acked) >= 150
    with ServerProcess(data) as srv:
        from openbmd.exchange.config import load_config

        _check(srv.url, data, load_config(data).centre_public_key, acked, _heads(acked))


def test_control_without_fsync_loses_acknowledged_messages(tmp_path, shim):
    _, acked, stored = _power_cut(tmp_path, shim, "OFF")
    lost = [env for _, env in acked if (env["sender"], env["sequence"]) not in stored]
    assert len(lost) > 0, "the simulation lost nothing without fsync: it cannot tell durable from not"
