"""PostgreSQL lost and back: writes resume by themselves, and there are never two writers."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import httpx
import psycopg
import pytest

from openbmd.exchange.client import ClientError
from openbmd.exchange.config import init_data_dir
from openbmd.exchange.messages import example_body
from openbmd.exchange.storage import StorageError
from openbmd.exchange.store_postgres import PostgresStorage

from .serverproc import ServerProcess
from .test_crash import _check, _heads
from .test_faults import PARTIES, Load, _wait
from .test_service import T0, centre

pytestmark = pytest.mark.parametrize("database", ["postgres"], indirect=True)


def _split(database: str) -> tuple[str, str]:
    base, schema = database.split("?schema=")
    return base, schema


def _drop_connections(base: str, schema: str) -> int:
    """Terminate the centre's sessions, as a network cut or a server-side kill would."""
    with psycopg.connect(base, autocommit=True) as con:
        rows = con.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                           (f"openbmd-centre:{schema}",)).fetchall()
    return len(rows)


def test_lost_connection_recovers_and_never_two_writers(tmp_path, database):
    base, schema = _split(database)
    with centre(tmp_path, database) as (tc, c, clock, cfg):
        c["nato"].submit("track_report", example_body("track_report", T0))
        assert tc.get("/v1/ready").status_code == 200
        assert _drop_connections(base, schema) == 2
        # While the first centre has no connection, a second one takes the lock...
        other = PostgresStorage(base, schema=schema, lock_wait_s=5.0)
        try:
            with pytest.raises(ClientError) as e:  # ...and the first refuses to write
                c["nato"].submit("track_report", example_body("track_report", T0))
            assert e.value.status == 503
            r = tc.get("/v1/ready")
            assert r.status_code == 503 and r.json()["storage"] is False
            assert len(c["russia"].read()["messages"]) == 1  # reads reconnect on their own
        finally:
            other.close()
        assert _wait(lambda: tc.get("/v1/ready").status_code == 200), "the centre did not take its lock back"
        receipt = c["nato"].submit("track_report", example_body("track_report", T0))
        assert receipt["leaf_index"] == 1
        with pytest.raises(StorageError, match="another centre"):
            PostgresStorage(base, schema=schema, lock_wait_s=0.3)
        c["russia"].verify_head(c["russia"].tree_head(1))


def _pg_cluster() -> list[str] | None:
    if os.geteuid() != 0 or shutil.which("pg_lsclusters") is None or os.environ.get("OPENBMD_PG_RESTART") != "1":
        return None
    line = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout.split("\n")[0].split()
    return line[:2] if len(line) >= 2 else None


def test_postgres_restart_under_load(tmp_path, database):
    """Restarts the local server (``OPENBMD_PG_RESTART=1``, as root): it would cut every other
    PostgreSQL test running at the same time, so the normal run leaves it out."""
    cluster = _pg_cluster()
    if cluster is None:
        pytest.skip("set OPENBMD_PG_RESTART=1 (as root, local cluster) to restart PostgreSQL under load")
    base, schema = _split(database)
    data = tmp_path / "c"
    cfg = init_data_dir(data, PARTIES)
    with ServerProcess(data, database=database) as srv:
        load = Load(srv.url, data)
        try:
            assert _wait(lambda: load.count() >= 50)
            subprocess.run(["pg_ctlcluster", *cluster, "stop", "-m", "immediate"], check=True)
            try:
                time.sleep(1.0)
                assert httpx.get(srv.url + "/v1/ready").status_code == 503
                down = load.count()
            finally:
                subprocess.run(["pg_ctlcluster", *cluster, "start"], check=True)
            assert _wait(lambda: load.count() >= down + 200), "writes did not resume after PostgreSQL came back"
        finally:
            load.stop()
        assert load.unavailable > 0 and load.transport == [], load.transport[:3]
        with pytest.raises(StorageError, match="another centre"):
            PostgresStorage(base, schema=schema, lock_wait_s=0.3)
        _check(srv.url, data, cfg.centre_public_key, load.acked, _heads(load.acked))
