"""Shared fixtures for the exchange service tests: a fresh centre per test on SQLite or PostgreSQL.

PostgreSQL tests run when a server answers at ``OPENBMD_TEST_POSTGRES`` (default
``postgresql://openbmd:openbmd@127.0.0.1:5432/openbmd_test``, as ``.ci/run`` sets up) and are
skipped otherwise. Each test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

DEFAULT_PG = "postgresql://openbmd:openbmd@127.0.0.1:5432/openbmd_test"


def postgres_url() -> str | None:
    """The test server's URL, or ``None`` when none answers."""
    url = os.environ.get("OPENBMD_TEST_POSTGRES", DEFAULT_PG)
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=2):
            return url
    except Exception:
        return None


_PG = postgres_url()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path: Path):
    """A database URL for the centre: a SQLite file or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "db" / "exchange.sqlite3")
        return
    if _PG is None:
        pytest.skip("no PostgreSQL server (set OPENBMD_TEST_POSTGRES)")
    schema = "t_" + uuid.uuid4().hex[:12]
    sep = "&" if "?" in _PG else "?"
    yield f"{_PG}{sep}schema={schema}"
    from openbmd.exchange.store_postgres import PostgresStorage

    s = PostgresStorage(_PG, schema=schema)
    s.drop()
    s.close()
