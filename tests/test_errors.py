"""Errors: Mastra's shape, and driver failures translated, never swallowed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mastra_data import BackendError, ConflictError, MastraDataError, ValidationError
from mastra_data.db import migrations
from mastra_data.db.dialects import backend_for
from mastra_data.errors import ErrorCategory, error_id, translate_db_errors


def test_error_shape_matches_mastra() -> None:
    err = ValidationError(
        error_id("LIBSQL", "LIST_THREADS", "INVALID_PAGE"), "page must be >= 0", details={"page": -1}
    )
    assert err.id == "MASTRA_STORAGE_LIBSQL_LIST_THREADS_INVALID_PAGE"
    assert err.category is ErrorCategory.USER
    assert err.to_dict() == {
        "message": "page must be >= 0",
        "domain": "STORAGE",
        "category": "USER",
        "code": "MASTRA_STORAGE_LIBSQL_LIST_THREADS_INVALID_PAGE",
        "details": {"page": -1},
    }
    assert isinstance(err, MastraDataError)


def test_duplicate_key_is_a_conflict(engine: Engine) -> None:
    migrations.upgrade(engine)
    store = backend_for(engine).store
    insert = sa.text("""INSERT INTO mastra_resources (id, "createdAt", "updatedAt") VALUES ('r1', :t, :t)""")
    t = "2025-01-01T00:00:00.000Z"
    with engine.begin() as conn:
        conn.execute(insert, {"t": t})
    with (
        pytest.raises(ConflictError) as info,
        translate_db_errors(store, "SAVE_RESOURCE", resourceId="r1"),
        engine.begin() as conn,
    ):
        conn.execute(insert, {"t": t})
    assert info.value.id == f"MASTRA_STORAGE_{store}_SAVE_RESOURCE_CONFLICT"
    assert info.value.details == {"resourceId": "r1"}
    assert isinstance(info.value.__cause__, sa.exc.DBAPIError)


def test_other_database_errors_are_backend_errors(engine: Engine) -> None:
    store = backend_for(engine).store
    with (
        pytest.raises(BackendError) as info,
        translate_db_errors(store, "LIST_THREADS"),
        engine.connect() as conn,
    ):
        conn.execute(sa.text("SELECT * FROM no_such_table"))
    assert info.value.id == f"MASTRA_STORAGE_{store}_LIST_THREADS_FAILED"
    assert info.value.category is ErrorCategory.THIRD_PARTY
    assert "no_such_table" in info.value.message
    assert info.value.__cause__ is not None


def test_failed_transaction_leaves_no_partial_rows(engine: Engine) -> None:
    migrations.upgrade(engine)
    rows = 'INSERT INTO mastra_resources (id, "createdAt", "updatedAt") VALUES (:id, :t, :t)'
    t = "2025-01-01T00:00:00.000Z"

    def write_batch_with_a_duplicate() -> None:
        with translate_db_errors(backend_for(engine).store, "SAVE"), engine.begin() as conn:
            conn.execute(sa.text(rows), [{"id": "a", "t": t}, {"id": "b", "t": t}])
            conn.execute(sa.text(rows), {"id": "a", "t": t})

    with pytest.raises(ConflictError):
        write_batch_with_a_duplicate()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM mastra_resources")).scalar() == 0


def test_mastra_data_errors_pass_through_untouched() -> None:
    original = ValidationError("X", "bad")
    with pytest.raises(ValidationError) as info, translate_db_errors("PG", "OP"):
        raise original
    assert info.value is original
