"""``mastra_data.db.direct``: hot-path statements run on the driver cursor must behave exactly like
``conn.execute`` (rows and their types, errors, disconnects), and step aside when SQLAlchemy's own
execution is needed (echo, instrumentation listeners, expanding parameters)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from mastra_data import BackendError, ConflictError, Storage, ValidationError
from mastra_data.db.direct import Direct
from mastra_data.db.repository import Repository
from mastra_data.memory.repository import MESSAGES, THREADS


def _thread(i: int) -> dict[str, Any]:
    return {
        "id": f"t{i}",
        "resource_id": "r1",
        "title": f"title {i} ünï",
        "metadata": {"n": i, "tags": ["a", "b"], "nested": {"x": None}},
    }


@pytest.fixture
def seeded(storage: Storage) -> Storage:
    for i in range(3):
        storage.memory.save_thread(_thread(i))
    storage.memory.save_messages(
        [
            {"id": f"m{i}", "thread_id": "t0", "resource_id": "r1", "role": "user", "content": f"hi {i}"}
            for i in range(5)
        ]
    )
    return storage


def _repository(storage: Storage) -> Repository:
    return Repository(storage.engine_for("memory"))


def test_rows_equal_conn_execute(seeded: Storage) -> None:
    """Same values and Python types as SQLAlchemy's own execution, type processors included."""
    statement = (
        sa.select(THREADS.c.id, THREADS.c.metadata, THREADS.c.createdAt, THREADS.c.updatedAt)
        .where(THREADS.c.resourceId == sa.bindparam("rid"))
        .order_by(THREADS.c.id)
    )
    direct = Direct(statement)
    with _repository(seeded)._read("TEST") as conn:
        expected = [tuple(r) for r in conn.execute(statement, {"rid": "r1"}).all()]
        got = direct.rows(conn, {"rid": "r1"})
    assert got == expected
    assert [r[0] for r in got] == ["t0", "t1", "t2"]
    assert got[0][1] == {"n": 0, "tags": ["a", "b"], "nested": {"x": None}}
    assert all(isinstance(r[2], datetime) and r[2].tzinfo is not None for r in got)
    assert got[0][2].utcoffset() == UTC.utcoffset(None)


def test_statement_literals_are_bound(seeded: Storage) -> None:
    """Values written into the statement (not passed per call) are sent too."""
    direct = Direct(sa.select(sa.func.count()).select_from(MESSAGES).where(MESSAGES.c.role == "user"))
    with _repository(seeded)._read("TEST") as conn:
        assert direct.scalar(conn, {}) == 5


def test_expanding_in_falls_back_to_sqlalchemy(seeded: Storage) -> None:
    direct = Direct(
        sa.select(MESSAGES.c.id)
        .where(MESSAGES.c.id.in_(sa.bindparam("ids", expanding=True)))
        .order_by(MESSAGES.c.id)
    )
    with _repository(seeded)._read("TEST") as conn:
        assert direct.rows(conn, {"ids": ["m1", "m3", "nope"]}) == [("m1",), ("m3",)]


def test_executemany_and_unique_violation_is_conflict(storage: Storage) -> None:
    """Errors come out as SQLAlchemy's, so repositories translate them as before; the failed
    transaction leaves nothing behind."""
    insert = Direct(sa.insert(THREADS))
    now = datetime.now(UTC)
    row = {"resourceId": "r1", "title": "x", "metadata": {}, "createdAt": now, "updatedAt": now}
    repo = _repository(storage)
    with repo._write("TEST") as conn:
        insert.write(conn, [{"id": "a", **row}, {"id": "b", **row}])
    with pytest.raises(ConflictError), repo._write("TEST") as conn:
        insert.write(conn, [{"id": "c", **row}, {"id": "a", **row}])
    # Equal createdAt: newest-first ties break on id, descending.
    assert [t.id for t in storage.memory.list_threads(resource_id="r1").threads] == ["b", "a"]
    assert storage.memory.get_thread_by_id("c") is None


def test_bind_processor_error_is_a_statement_error(storage: Storage) -> None:
    repo = _repository(storage)
    insert = Direct(sa.insert(THREADS))
    now = datetime.now(UTC)
    bad = {
        "id": "a",
        "resourceId": "r",
        "title": "x",
        "metadata": {"s": {1, 2}},
        "createdAt": now,
        "updatedAt": now,
    }
    with pytest.raises(BackendError), repo._write("TEST") as conn:
        insert.write(conn, bad)


def test_nul_text_is_refused_on_both_backends(storage: Storage) -> None:
    with pytest.raises(ValidationError):
        storage.memory.save_messages(
            [{"id": "m\x00", "thread_id": "t", "resource_id": "r", "role": "user", "content": "x"}]
        )


def test_echo_steps_aside_and_logs(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    with Storage.from_url(db_url, echo=True) as storage:
        storage.migrate()
        storage.memory.save_thread(_thread(1))
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="sqlalchemy.engine.Engine"):
            page = storage.memory.list_threads(resource_id="r1")
        assert [t.id for t in page.threads] == ["t1"]
        assert any("mastra_threads" in r.getMessage() for r in caplog.records)


def test_instrumentation_listeners_see_hot_statements(storage: Storage) -> None:
    """A tracing library's cursor listener must see every statement, hot paths included."""
    seen: list[str] = []
    engine = storage.engine_for("memory")

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        storage.memory.save_thread(_thread(1))
        storage.memory.save_messages(
            [{"id": "m1", "thread_id": "t1", "resource_id": "r1", "role": "user", "content": "hi"}]
        )
        storage.memory.list_messages("t1")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert any("INSERT INTO mastra_messages" in s for s in seen)
    assert any("FROM mastra_messages" in s and "count(" in s.lower() for s in seen)


def test_direct_transaction_scope_is_all_or_nothing_and_leaves_the_pool_clean(storage: Storage) -> None:
    """A write transaction of Direct statements (on a bare pooled connection: libSQL BEGIN IMMEDIATE,
    PostgreSQL an explicit BEGIN/COMMIT in one pipeline on an autocommit connection) sends nothing
    durable when its block raises and commits on a clean exit; the pooled connection has ordinary
    transactions afterwards (a rolled-back update stays undone)."""
    storage.memory.save_thread(_thread(1))
    repository = _repository(storage)
    rename = Direct(sa.update(THREADS).where(THREADS.c.id == "t1").values(title=sa.bindparam("new")))

    def rename_then_fail() -> None:
        with repository._direct("TEST", "transaction") as conn:
            assert not isinstance(conn, sa.Connection)  # the bare scope, not SQLAlchemy's
            rename.write(conn, {"new": "renamed in the scope"})
            raise RuntimeError("midway")

    with pytest.raises(RuntimeError, match="midway"):
        rename_then_fail()
    _assert_pool_keeps_transactions(storage)
    assert storage.memory.get_thread_by_id("t1").title == "title 1 ünï"  # type: ignore[union-attr]
    with repository._direct("TEST", "transaction") as conn:
        rename.write(conn, {"new": "committed"})
    assert storage.memory.get_thread_by_id("t1").title == "committed"  # type: ignore[union-attr]


def _assert_pool_keeps_transactions(storage: Storage) -> None:
    with storage.engine_for("memory").connect() as conn:
        conn.execute(sa.update(THREADS).where(THREADS.c.id == "t1").values(title="rolled back"))
        conn.rollback()
    assert storage.memory.get_thread_by_id("t1").title != "rolled back"  # type: ignore[union-attr]


def test_direct_read_and_statement_scopes_leave_the_pool_clean(storage: Storage) -> None:
    """The bare read and one-statement scopes (PostgreSQL: autocommit for the scope) hand the
    connection back with its transactions intact, also after a failed statement."""
    storage.memory.save_thread(_thread(1))
    repository = _repository(storage)
    rename = Direct(sa.update(THREADS).where(THREADS.c.id == "t1").values(title=sa.bindparam("new")))
    with repository._direct("TEST", "statement") as conn:
        rename.write(conn, {"new": "one statement"})
    _assert_pool_keeps_transactions(storage)
    with repository._direct("TEST", "read") as conn:
        assert (
            Direct(sa.select(THREADS.c.title).where(THREADS.c.id == "t1")).scalar(conn, {}) == "one statement"
        )
    _assert_pool_keeps_transactions(storage)
    with pytest.raises(ConflictError), repository._direct("TEST", "statement") as conn:
        Direct(sa.insert(THREADS)).write(conn, _thread_row(storage, 1))
    _assert_pool_keeps_transactions(storage)
    assert storage.memory.get_thread_by_id("t1").title == "one statement"  # type: ignore[union-attr]


def _thread_row(storage: Storage, i: int) -> dict[str, Any]:
    backend = _repository(storage)._backend
    at = datetime(2025, 1, 1, tzinfo=UTC)
    return backend.row(
        THREADS,
        {"id": f"t{i}", "resourceId": "r1", "title": "dup", "metadata": {}, "createdAt": at, "updatedAt": at},
    )


def test_bare_scope_refuses_statements_sqlalchemy_must_run(storage: Storage) -> None:
    """Expanding IN is rendered per call by SQLAlchemy: a bare scope has no Connection to do it and
    says so (a programming error) instead of running something else."""
    repository = _repository(storage)
    statement = Direct(sa.select(THREADS.c.id).where(THREADS.c.id.in_(sa.bindparam("ids", expanding=True))))
    with pytest.raises(TypeError, match="Bare scope"), repository._direct("TEST", "read") as conn:
        statement.rows(conn, {"ids": ["t1"]})


def test_transaction_listeners_see_hot_writes(storage: Storage) -> None:
    """With a listener on Connection transaction events (instrumentation, auditing), hot writes go
    through SQLAlchemy's Connection so the listener sees their commit."""
    storage.memory.save_thread(_thread(1))
    engine = storage.engine_for("memory")
    commits: list[object] = []
    listener = lambda conn: commits.append(conn)  # noqa: E731
    event.listen(engine, "commit", listener)
    try:
        storage.memory.save_messages(
            [{"id": "m1", "thread_id": "t1", "resource_id": "r1", "role": "user", "content": "hi"}]
        )
    finally:
        event.remove(engine, "commit", listener)
    assert len(commits) == 1
    assert storage.memory.list_messages("t1").total == 1


@pytest.fixture
def pg_storage(make_pg_database: Any) -> Iterator[Storage]:
    with Storage.from_url(make_pg_database(), pool_size=1, max_overflow=0) as storage:
        storage.migrate()
        yield storage


@pytest.mark.postgres
def test_disconnect_invalidates_the_connection(pg_storage: Storage) -> None:
    """A server-side disconnect during a direct statement is a BackendError, and the pooled connection
    is replaced: the next call works (SQLAlchemy's behaviour for statements it runs)."""
    memory = pg_storage.memory
    memory.save_thread(_thread(1))
    engine = pg_storage.engine_for("memory")
    with engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(BackendError):
        memory.list_threads(resource_id="r1")
    assert [t.id for t in memory.list_threads(resource_id="r1").threads] == ["t1"]


@pytest.mark.postgres
def test_pipelined_batch_failure_is_a_backend_error_and_writes_nothing(pg_storage: Storage) -> None:
    """save_messages pipelines its upsert and thread bump: a server-side failure of the last statement
    still surfaces as a BackendError, the whole batch rolls back, and the connection stays usable."""
    memory = pg_storage.memory
    memory.save_thread(_thread(1))
    engine = pg_storage.engine_for("memory")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$ "
            "LANGUAGE plpgsql"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER refuse_touch BEFORE UPDATE ON mastra_threads "
            "FOR EACH ROW EXECUTE FUNCTION refuse()"
        )
    batch = [
        {"id": f"m{i}", "thread_id": "t1", "resource_id": "r1", "role": "user", "content": "hi"}
        for i in range(5)
    ]
    with pytest.raises(BackendError, match="refused by test"):
        memory.save_messages(batch)
    assert memory.list_messages("t1").total == 0
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER refuse_touch ON mastra_threads")
    assert len(memory.save_messages(batch)) == 5
    assert memory.list_messages("t1").total == 5


@pytest.mark.postgres
def test_one_statement_serves_engines_of_both_dialects(
    libsql_engine: sa.Engine, pg_engine: sa.Engine
) -> None:
    """A Direct shared by engines (module-level cached statements are) compiles per dialect: libSQL's
    qmark and PostgreSQL's named parameters never mix."""
    direct = Direct(sa.select(sa.bindparam("x", type_=sa.Integer) + 1, sa.bindparam("y", type_=sa.Text)))
    for engine in (libsql_engine, pg_engine, libsql_engine):
        with engine.connect() as conn:
            assert direct.rows(conn, {"x": 41, "y": "ü"}) == [(42, "ü")]
