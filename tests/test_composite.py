"""Composite storage: domains on different backends at once, and domains switched off.

Ports the intent of Mastra's composite tests (``reference/mastra-storage-spec.md`` §6.10): per-domain
overrides win over the default, non-overridden domains use the default, data stays on the database of
its domain, and an absent domain is ``None`` from ``get_store``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from mastra_data import ConfigurationError, Storage, StorageSettings
from mastra_data.db import migrations

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _count(storage: Storage, domain: str, table: str) -> int:
    with storage.engine_for(domain).connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_memory_on_libsql_workflows_and_observability_on_postgres(
    tmp_path: Path, make_pg_database: Callable[[], str]
) -> None:
    pg_url = make_pg_database()
    settings = StorageSettings(
        url=f"file:{tmp_path / 'main.db'}", workflows_url=pg_url, observability_url=pg_url
    )
    with Storage(settings) as storage:
        storage.migrate()
        # Both databases are at head; domains on one URL share one engine (one pool).
        assert storage.engine_for("workflows") is storage.engine_for("observability")
        assert storage.engine_for("memory") is storage.engine_for("scores")
        assert storage.engine_for("memory").dialect.name == "sqlite"
        assert storage.engine_for("workflows").dialect.name == "postgresql"
        for domain in ("memory", "workflows"):
            assert migrations.current_revision(storage.engine_for(domain)) == migrations.head_revision()

        storage.memory.save_thread(
            {"id": "t1", "resource_id": "r1", "title": "hi", "created_at": NOW, "updated_at": NOW}
        )
        storage.workflows.persist_workflow_snapshot(
            workflow_name="wf", run_id="run-1", snapshot={"runId": "run-1", "status": "running"}
        )
        storage.observability.create_span(
            {
                "trace_id": "tr1",
                "span_id": "sp1",
                "name": "agent run",
                "span_type": "agent_run",
                "is_event": False,
                "started_at": NOW,
            }
        )
        storage.scores.save_score(
            {
                "scorer_id": "s",
                "entity_id": "e",
                "run_id": "run-1",
                "input": {"q": "hi"},
                "output": {},
                "score": 1.0,
                "scorer": {"id": "s"},
                "source": "TEST",
                "entity": {"id": "e"},
            }
        )

        # Each row is on its domain's database only.
        assert _count(storage, "memory", "mastra_threads") == 1
        assert _count(storage, "workflows", "mastra_threads") == 0
        assert _count(storage, "workflows", "mastra_workflow_snapshot") == 1
        assert _count(storage, "memory", "mastra_workflow_snapshot") == 0
        assert _count(storage, "observability", "mastra_ai_spans") == 1
        assert _count(storage, "memory", "mastra_ai_spans") == 0
        assert _count(storage, "scores", "mastra_scorers") == 1
        assert _count(storage, "workflows", "mastra_scorers") == 0

        # And reads go to the same place.
        thread = storage.memory.get_thread_by_id("t1")
        assert thread is not None
        assert thread.resource_id == "r1"
        snapshot = storage.workflows.load_workflow_snapshot(workflow_name="wf", run_id="run-1")
        assert snapshot == {"runId": "run-1", "status": "running"}
        span = storage.observability.get_span(trace_id="tr1", span_id="sp1")
        assert span is not None

        # get_store is Mastra's getStore: the same repository object each time.
        assert storage.get_store("workflows") is storage.workflows
        assert storage.get_store("memory") is storage.memory


def test_switched_off_domains_are_absent(tmp_path: Path) -> None:
    settings = StorageSettings(url=f"file:{tmp_path / 'main.db'}", observability_url="off", agents_url="OFF")
    with Storage(settings) as storage:
        storage.migrate()
        assert storage.get_store("observability") is None
        assert storage.get_store("agents") is None
        assert storage.get_store("memory") is not None
        assert storage.get_store("workflows") is not None
        with pytest.raises(ConfigurationError, match="observability") as err:
            _ = storage.observability
        assert err.value.id == "MASTRA_STORAGE_DOMAIN_ABSENT"
        with pytest.raises(ConfigurationError, match="switched off"):
            storage.engine_for("agents")


def test_only_explicit_domains_when_the_default_is_off(tmp_path: Path) -> None:
    """Mastra's "no default storage": only the domains given their own URL exist."""
    settings = StorageSettings(url="off", memory_url=f"file:{tmp_path / 'mem.db'}")
    assert settings.enabled("memory")
    assert not settings.enabled("workflows")
    assert not settings.enabled("vector")
    with Storage(settings) as storage:
        storage.migrate()  # migrates the memory database only
        assert (tmp_path / "mem.db").exists()
        assert storage.get_store("memory") is not None
        for name in ("workflows", "scores", "observability", "agents"):
            assert storage.get_store(name) is None
        with pytest.raises(ConfigurationError):
            _ = storage.vectors


def test_off_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MASTRA_DATA_URL", f"file:{tmp_path / 'x.db'}")
    monkeypatch.setenv("MASTRA_DATA_SCORES_URL", " off ")
    settings = StorageSettings(_env_file=None)  # type: ignore[call-arg]
    assert settings.scores_url == "off"
    assert not settings.enabled("scores")
    assert settings.enabled("memory")
