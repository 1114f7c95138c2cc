"""Our migrations and real Mastra ``init()`` on the same database, in both orders, with rows.

* Mastra's ``init()`` on a database our migrations made succeeds and changes nothing ``alembic check``
  would report.
* ``alembic upgrade head`` on a database Mastra's ``init()`` made (and wrote rows into, with Mastra's
  JSONB-blob encoding on libSQL) keeps every row, adds only what is missing, and the rows read back
  through our models exactly as Mastra returns them.
* Rows our types write are read back by Mastra unchanged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from bridge import run_mastra
from conftest import mastra_backend, mastra_url
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from mastra_data import Message, Resource, Thread, WorkflowSnapshot
from mastra_data.db import migrations
from mastra_data.db.dialects import backend_for
from mastra_data.db.types import to_utc

pytestmark = pytest.mark.interop

T0 = "2025-12-01T10:00:00.123Z"
T1 = "2025-12-01T10:00:01.456Z"

THREAD = {
    "id": "t1",
    "resourceId": "r1",
    "title": "Hello",
    "metadata": {"a": 1, "tags": ["x", "ü"]},
    "createdAt": T0,
    "updatedAt": T1,
}
MESSAGES = [
    {
        "id": f"m{i}",
        "threadId": "t1",
        "resourceId": "r1",
        "role": "user" if i % 2 else "assistant",
        "createdAt": f"2025-12-01T10:00:0{i}.000Z",
        "content": {"format": 2, "parts": [{"type": "text", "text": f"hi {i}"}], "content": f"hi {i}"},
    }
    for i in range(1, 4)
]
SNAPSHOT = {
    "runId": "run1",
    "status": "running",
    "value": {},
    "context": {"step": {"status": "success"}},
    "activePaths": [],
    "serializedStepGraph": [],
    "suspendedPaths": {},
    "timestamp": 1,
}


def _mastra_writes(db_url: str) -> dict[str, Any]:
    """Mastra writes one row per memory/workflow table; returns Mastra's own read of the thread."""
    return run_mastra(
        mastra_backend(db_url),
        mastra_url(db_url),
        [
            {"op": "init"},
            {"op": "call", "domain": "memory", "method": "saveThread", "args": {"thread": THREAD}},
            {"op": "call", "domain": "memory", "method": "saveMessages", "args": {"messages": MESSAGES}},
            {
                "op": "call",
                "domain": "memory",
                "method": "saveResource",
                "args": {
                    "resource": {
                        "id": "r1",
                        "workingMemory": "# name: Ada",
                        "metadata": {"plan": "pro"},
                        "createdAt": T0,
                        "updatedAt": T0,
                    }
                },
            },
            {
                "op": "call",
                "domain": "workflows",
                "method": "persistWorkflowSnapshot",
                "args": {"workflowName": "wf", "runId": "run1", "snapshot": SNAPSHOT},
            },
            {"op": "call", "domain": "memory", "method": "getThreadById", "args": {"threadId": "t1"}},
        ],
    )[-1]


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("mastra_threads", "mastra_messages", "mastra_resources", "mastra_workflow_snapshot")
        }


def test_mastra_init_on_our_schema_changes_nothing(mastra_node: Path, db_url: str, engine: Engine) -> None:
    migrations.upgrade(engine)
    run_mastra(mastra_backend(db_url), mastra_url(db_url), [{"op": "init"}])
    assert migrations.schema_diff(engine) == []
    assert migrations.current_revision(engine) == migrations.head_revision()
    # And Mastra works on it: its own write/read round trip (saveMessages bumps updatedAt).
    read = _mastra_writes(db_url)
    assert {k: v for k, v in read.items() if k != "updatedAt"} == {
        k: v for k, v in THREAD.items() if k != "updatedAt"
    }
    assert read["updatedAt"] > THREAD["updatedAt"]


def test_upgrade_adopts_a_mastra_database_keeping_rows(
    mastra_node: Path, db_url: str, engine: Engine
) -> None:
    mastra_thread = _mastra_writes(db_url)
    before = _counts(engine)
    assert before == {
        "mastra_threads": 1,
        "mastra_messages": 3,
        "mastra_resources": 1,
        "mastra_workflow_snapshot": 1,
    }

    migrations.upgrade(engine)

    assert _counts(engine) == before
    assert migrations.schema_diff(engine) == []
    indexes = {ix["name"] for ix in sa.inspect(engine).get_indexes("mastra_messages")}
    assert "mastra_messages_thread_id_createdat_idx" in indexes

    with Session(engine) as session:
        thread = session.get_one(Thread, "t1")
        messages = session.scalars(sa.select(Message).order_by(Message.__table__.c.createdAt)).all()  # type: ignore[attr-defined]
        resource = session.get_one(Resource, "r1")
        run = session.scalars(sa.select(WorkflowSnapshot)).one()
    assert thread.metadata_ == THREAD["metadata"]
    assert thread.title == "Hello"
    assert thread.created_at == datetime(2025, 12, 1, 10, 0, 0, 123000, tzinfo=UTC)
    assert thread.updated_at == to_utc(mastra_thread["updatedAt"])
    assert [m.id for m in messages] == ["m1", "m2", "m3"]
    assert [m.type for m in messages] == ["v2", "v2", "v2"]
    assert messages[0].created_at == datetime(2025, 12, 1, 10, 0, 1, tzinfo=UTC)
    assert resource.working_memory == "# name: Ada"
    assert resource.metadata_ == {"plan": "pro"}
    assert run.snapshot["context"] == SNAPSHOT["context"]
    assert run.workflow_name == "wf"

    # Mastra still reads its rows after our migration.
    again = run_mastra(
        mastra_backend(db_url),
        mastra_url(db_url),
        [
            {"op": "init"},
            {"op": "call", "domain": "memory", "method": "getThreadById", "args": {"threadId": "t1"}},
        ],
    )
    assert again[1] == mastra_thread


def test_mastra_reads_rows_our_types_wrote(mastra_node: Path, db_url: str, engine: Engine) -> None:
    migrations.upgrade(engine)
    backend = backend_for(engine)
    threads = Thread.__table__  # type: ignore[attr-defined]
    values = {
        "id": "py1",
        "resourceId": "r9",
        "title": "From Python",
        "metadata": {"k": [1, 2.5, None], "é": "✓"},
        "createdAt": datetime(2025, 1, 2, 3, 4, 5, 678999, tzinfo=UTC),
        "updatedAt": datetime(2025, 1, 2, 3, 4, 6, tzinfo=UTC),
    }
    with engine.begin() as conn:
        conn.execute(sa.insert(threads), [backend.row(threads, values)])
    got = run_mastra(
        mastra_backend(db_url),
        mastra_url(db_url),
        [
            {"op": "init"},
            {"op": "call", "domain": "memory", "method": "getThreadById", "args": {"threadId": "py1"}},
        ],
    )
    assert got[1] == {
        "id": "py1",
        "resourceId": "r9",
        "title": "From Python",
        "metadata": {"k": [1, 2.5, None], "é": "✓"},
        "createdAt": "2025-01-02T03:04:05.678Z",
        "updatedAt": "2025-01-02T03:04:06.000Z",
    }
