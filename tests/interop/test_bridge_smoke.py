"""Smoke tests for the Node bridge: the REAL Mastra packages write, read and show their tables.

Each test runs ``node tests/interop/node/bridge.mjs`` (via ``bridge.run_mastra``)
against a fresh database: a libSQL file and an embedded PostgreSQL server.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bridge import MastraBridgeError, run_mastra

CREATED = "2024-01-02T03:04:05.000Z"
UPDATED = "2024-01-02T03:04:06.789Z"

THREAD: dict[str, Any] = {
    "id": "t1",
    "resourceId": "r1",
    "title": "T",
    "metadata": {"a": 1},
    "createdAt": CREATED,
    "updatedAt": UPDATED,
}


@pytest.fixture
def libsql_url(tmp_path: Path) -> str:
    """A libSQL URL for a fresh database file."""
    return f"file:{tmp_path / 'x.db'}"


@pytest.fixture
def pg_url(make_pg_database: Callable[[], str]) -> str:
    """libpq URL of a fresh database on the test PostgreSQL server."""
    return make_pg_database()


def _round_trip_ops() -> list[dict[str, Any]]:
    return [
        {"op": "init"},
        {"op": "call", "domain": "memory", "method": "saveThread", "args": {"thread": THREAD}},
        {"op": "call", "domain": "memory", "method": "getThreadById", "args": {"threadId": "t1"}},
    ]


def _assert_thread(got: Any) -> None:
    assert isinstance(got, dict)
    assert got["id"] == "t1"
    assert got["resourceId"] == "r1"
    assert got["title"] == "T"
    assert got["metadata"] == {"a": 1}
    assert got["createdAt"] == CREATED
    assert got["updatedAt"] == UPDATED


@pytest.mark.interop
def test_libsql_round_trip(mastra_node: Path, libsql_url: str) -> None:
    results = run_mastra(
        "libsql",
        libsql_url,
        [
            *_round_trip_ops(),
            {
                "op": "sql",
                "sql": "SELECT name FROM sqlite_master WHERE type = ? ORDER BY name",
                "params": ["table"],
            },
            {"op": "sql", "sql": "SELECT id, json(metadata) AS metadata FROM mastra_threads"},
        ],
    )
    assert len(results) == 5
    assert results[0] is None
    _assert_thread(results[2])
    tables = {row["name"] for row in results[3]}
    assert {"mastra_threads", "mastra_messages", "mastra_resources", "mastra_workflow_snapshot"} <= tables
    # Mastra's libSQL store writes JSON columns as SQLite JSONB blobs; json() reads them back.
    assert results[4] == [{"id": "t1", "metadata": '{"a":1}'}]


@pytest.mark.interop
def test_libsql_error_reports_failing_op(mastra_node: Path, libsql_url: str) -> None:
    with pytest.raises(MastraBridgeError) as info:
        run_mastra(
            "libsql",
            libsql_url,
            [{"op": "init"}, {"op": "call", "domain": "memory", "method": "noSuchMethod", "args": {}}],
        )
    assert info.value.results == [None]
    assert info.value.error["opIndex"] == 1
    assert "noSuchMethod" in info.value.error["message"]


@pytest.mark.interop
def test_pg_round_trip(mastra_node: Path, pg_url: str) -> None:
    results = run_mastra(
        "pg",
        pg_url,
        [
            *_round_trip_ops(),
            {
                "op": "sql",
                "sql": "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
                "params": ["public"],
            },
            {"op": "sql", "sql": "SELECT extname FROM pg_extension"},
        ],
    )
    assert len(results) == 5
    assert results[0] is None
    _assert_thread(results[2])
    assert "mastra_threads" in {row["table_name"] for row in results[3]}
    # PostgresStore.init() does not need pgvector (only PgVector installs it).
    assert "vector" not in {row["extname"] for row in results[4]}
