"""Operations: check's compatibility report, stats, prune (retention) and demo — as functions, through
typer's CliRunner and as real subprocesses, on both backends."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from mastra_data import Storage
from mastra_data.cli import app
from mastra_data.db.dialects import backend_for
from mastra_data.errors import ValidationError
from mastra_data.ops.check import compatibility_report
from mastra_data.ops.prune import parse_duration, prune, retention_policy
from mastra_data.ops.stats import collect_stats

runner = CliRunner()
UNREACHABLE = "postgresql://nobody@127.0.0.1:1/x"

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
CUTOFF = NOW - timedelta(days=30)
MS = timedelta(milliseconds=1)


def _cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mastra_data.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
    )


def _set_time(storage: Storage, table_name: str, column: str, value: datetime, **key: str) -> None:
    """Give one row a crafted timestamp (PG shadow column included, through the backend)."""
    from mastra_data.db.schema import metadata_for

    engine = storage.engine_for("memory")
    table = metadata_for(engine.dialect.name).tables[table_name]
    values = backend_for(engine).row(table, {column: value})
    with engine.begin() as conn:
        conn.execute(sa.update(table).where(*(table.c[k] == v for k, v in key.items())).values(values))


def _count(storage: Storage, table: str) -> int:
    with storage.engine_for("memory").connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


# --- check ---------------------------------------------------------------------------------------


def test_check_reports_vector_indexes_and_missing_objects(storage: Storage, db_url: str) -> None:
    storage.vectors.create_index("docs", 3)
    storage.vectors.upsert("docs", [[1, 0, 0]], ids=["a"])
    result = runner.invoke(app, ["check", "--url", db_url])
    assert result.exit_code == 0, result.output
    assert "no drift" in result.output
    assert "docs" in result.output
    report = compatibility_report(storage.engine_for("memory"))
    assert report.ok
    assert report.vector_indexes["docs"].dimension == 3
    assert report.vector_indexes["docs"].count == 1
    assert report.vector_indexes["docs"].type in ("flat", "hnsw", "ivfflat", "diskann")

    with storage.engine_for("memory").begin() as conn:
        conn.execute(sa.text("DROP TABLE mastra_agents"))
        conn.execute(sa.text("DROP INDEX mastra_threads_resourceid_createdat_idx"))
    report = compatibility_report(storage.engine_for("memory"))
    assert not report.ok
    assert report.missing_tables == ["mastra_agents"]
    assert report.missing_indexes == ["mastra_threads.mastra_threads_resourceid_createdat_idx"]
    result = runner.invoke(app, ["check", "--url", db_url])
    assert result.exit_code == 1
    assert "mastra_agents" in result.output
    assert "add_index mastra_threads.mastra_threads_resourceid_createdat_idx" in result.output


def test_check_reports_a_missing_column_on_libsql(tmp_path: Path) -> None:
    url = f"sqlite+libsql:///{tmp_path / 'c.db'}"
    with Storage.from_url(url) as storage:
        storage.migrate()
        with storage.engine_for("memory").begin() as conn:
            conn.execute(sa.text("ALTER TABLE mastra_agents DROP COLUMN description"))
        report = compatibility_report(storage.engine_for("memory"))
    assert report.missing_columns == ["mastra_agents.description"]


# --- stats ---------------------------------------------------------------------------------------


def _memory_rows(storage: Storage) -> None:
    memory = storage.memory
    for tid, rid in (("t1", "r1"), ("t2", "r1"), ("t3", "r2")):
        memory.save_thread({"id": tid, "resource_id": rid, "title": tid})
    saved = memory.save_messages(
        [
            {
                "id": f"m{i}",
                "thread_id": "t1",
                "resource_id": "r1",
                "role": "user",
                "content": f"message {i}",
                "created_at": NOW + timedelta(minutes=i),
            }
            for i in range(3)
        ]
    )
    memory.index_messages(saved, [[1.0, float(i), 0.0] for i in range(3)])
    memory.update_resource("r1", working_memory="# Ada")


def test_stats_counts_sizes_and_message_range(storage: Storage, db_url: str) -> None:
    _memory_rows(storage)
    stats = collect_stats(storage)
    tables = {t.name: t for t in stats.tables}
    assert tables["mastra_messages"].rows == 3
    assert tables["mastra_threads"].rows == 3
    assert tables["mastra_agents"].rows == 0
    assert all(t.bytes and t.bytes > 0 for t in stats.tables)
    vector = tables["memory_messages_3"]
    assert (vector.kind, vector.rows, vector.dimension, vector.metric) == ("vector", 3, 3, "cosine")
    assert stats.size_methods == (["dbstat"] if db_url.startswith("sqlite") else ["pg_total_relation_size"])
    assert (stats.threads, stats.resources, stats.resource_ids_in_threads) == (3, 1, 2)
    assert stats.oldest_message == NOW
    assert stats.newest_message == NOW + timedelta(minutes=2)
    result = runner.invoke(app, ["stats", "--url", db_url])
    assert result.exit_code == 0, result.output
    assert "memory_messages_3" in result.output
    assert "2025-06-01T12:02:00.000Z" in result.output


def test_stats_on_an_unmigrated_database_reports_missing_tables(db_url: str) -> None:
    with Storage.from_url(db_url) as storage:
        stats = collect_stats(storage)
    assert {t.rows for t in stats.tables} == {None}
    assert stats.oldest_message is None


# --- prune ---------------------------------------------------------------------------------------


def _message(mid: str, tid: str, rid: str, at: datetime) -> dict[str, Any]:
    return {"id": mid, "thread_id": tid, "resource_id": rid, "role": "user", "content": mid, "created_at": at}


def _prune_fixture(storage: Storage) -> dict[str, str]:
    """Rows around the 30-day cutoff of NOW, for every entity (see the expectations in the test)."""
    memory = storage.memory
    threads = {"old": "r1", "mixed": "r1", "recent": "r2", "empty-at-cutoff": "r2", "empty-old": "r2"}
    for tid, rid in threads.items():
        memory.save_thread({"id": tid, "resource_id": rid, "title": tid})
    messages = [
        _message("old-1", "old", "r1", CUTOFF - timedelta(days=1)),
        _message("old-2", "old", "r1", CUTOFF - MS),
        _message("mixed-before", "mixed", "r1", CUTOFF - MS),
        _message("mixed-at", "mixed", "r1", CUTOFF),
        _message("recent-after", "recent", "r2", CUTOFF + MS),
    ]
    saved = memory.save_messages(messages)
    memory.index_messages(saved, [[1.0, float(i), 1.0] for i in range(len(saved))])
    # save_messages bumped the threads' updatedAt: give each a crafted one.
    for tid, at in (
        ("old", CUTOFF - MS),
        ("mixed", CUTOFF - timedelta(days=1)),
        ("recent", CUTOFF - timedelta(days=1)),
        ("empty-at-cutoff", CUTOFF),
        ("empty-old", CUTOFF - timedelta(days=2)),
    ):
        _set_time(storage, "mastra_threads", "updatedAt", at, id=tid)

    def span(trace: str, span_id: str, at: datetime, parent: str | None = None) -> dict[str, Any]:
        return {
            "trace_id": trace,
            "span_id": span_id,
            "parent_span_id": parent,
            "name": span_id,
            "span_type": "agent_run",
            "is_event": False,
            "started_at": at,
        }

    storage.observability.batch_create_spans(
        [
            span("tr-old", "root", CUTOFF - timedelta(days=2)),
            span("tr-old", "child", CUTOFF - MS, "root"),
            span("tr-live", "root", CUTOFF - timedelta(days=5)),
            span("tr-live", "child", CUTOFF, "root"),  # newest span exactly at the cutoff: kept whole
            span("tr-new", "root", CUTOFF + MS),
        ]
    )
    wf = storage.workflows
    for run, status, at in (
        ("done-old", "success", CUTOFF - MS),
        ("canceled-old", "canceled", CUTOFF - timedelta(days=3)),
        ("running-old", "running", CUTOFF - timedelta(days=1)),
        ("failed-at", "failed", CUTOFF),
    ):
        wf.persist_workflow_snapshot(workflow_name="flow", run_id=run, snapshot={"status": status})
        _set_time(storage, "mastra_workflow_snapshot", "updatedAt", at, run_id=run)
    score_ids: dict[str, str] = {}
    for label, at in (("s-before", CUTOFF - MS), ("s-at", CUTOFF), ("s-after", CUTOFF + MS)):
        saved_score = storage.scores.save_score(
            {
                "scorer_id": "relevance",
                "entity_id": "agent",
                "run_id": label,
                "input": "q",
                "output": "a",
                "score": 0.5,
                "scorer": {"id": "relevance"},
                "source": "LIVE",
                "entity": {"id": "agent"},
            }
        )
        score_ids[label] = saved_score.id
        _set_time(storage, "mastra_scorers", "createdAt", at, id=saved_score.id)
    return score_ids


EXPECTED = {"messages": 3, "threads": 2, "traces": 1, "spans": 2, "scores": 1, "workflows": 2}
TABLES = (
    "mastra_messages",
    "mastra_threads",
    "mastra_ai_spans",
    "mastra_scorers",
    "mastra_workflow_snapshot",
)


def test_prune_boundaries_dry_run_and_vectors(storage: Storage) -> None:
    score_ids = _prune_fixture(storage)
    policy = retention_policy({e: "30d" for e in ("messages", "spans", "scores", "workflows")})
    before = {t: _count(storage, t) for t in TABLES}
    vectors_before = storage.vectors.describe_index("memory_messages_3").count

    dry = prune(storage, policy, dry_run=True, now=NOW)
    assert dry.counts == EXPECTED
    assert {t: _count(storage, t) for t in TABLES} == before
    assert storage.vectors.describe_index("memory_messages_3").count == vectors_before

    seen: list[tuple[str, int]] = []
    done = prune(storage, policy, now=NOW, batch_size=1, progress=lambda e, n: seen.append((e, n)))
    assert done.counts == EXPECTED
    assert sum(n for e, n in seen if e == "messages") == 3
    assert len([e for e, _ in seen if e == "messages"]) == 3  # one batch per row at batch_size=1

    memory = storage.memory
    assert {
        m.id
        for m in memory.list_messages_by_id(["old-1", "old-2", "mixed-before", "mixed-at", "recent-after"])
    } == {
        "mixed-at",
        "recent-after",
    }
    assert memory.get_thread_by_id("old") is None
    assert memory.get_thread_by_id("empty-old") is None
    for kept in ("mixed", "recent", "empty-at-cutoff"):
        assert memory.get_thread_by_id(kept) is not None
    hits = storage.vectors.query("memory_messages_3", [1.0, 0.0, 1.0], top_k=10)
    assert {h.metadata["message_id"] for h in hits if h.metadata} == {"mixed-at", "recent-after"}
    obs = storage.observability
    assert obs.get_trace(trace_id="tr-old") is None
    live = obs.get_trace(trace_id="tr-live")
    assert live is not None
    assert len(live.spans) == 2
    assert obs.get_trace(trace_id="tr-new") is not None
    assert storage.scores.get_score_by_id(score_ids["s-before"]) is None
    assert storage.scores.get_score_by_id(score_ids["s-at"]) is not None
    runs = {r.run_id for r in storage.workflows.list_workflow_runs(workflow_name="flow").runs}
    assert runs == {"running-old", "failed-at"}

    again = prune(storage, policy, now=NOW)
    assert again.total == 0


def test_prune_threads_flag_alone_keeps_threads_with_messages(storage: Storage) -> None:
    _prune_fixture(storage)
    result = prune(storage, retention_policy({"threads": "30d"}), now=NOW)
    # Only message-less threads go: "old" still has its (old) messages because messages were not pruned.
    assert result.counts == {"threads": 1}
    assert storage.memory.get_thread_by_id("empty-old") is None
    assert storage.memory.get_thread_by_id("old") is not None


@pytest.mark.parametrize("bad", ["abc", "-3d", "0d", "5y", "", "3.5d", "d"])
def test_bad_durations_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_duration(bad, "messages")
    assert info.value.id == "MASTRA_STORAGE_PRUNE_INVALID_DURATION"


def test_durations_and_policy_sources() -> None:
    assert parse_duration("90d") == timedelta(days=90)
    assert parse_duration("2w") == timedelta(weeks=2)
    assert parse_duration("15m") == timedelta(minutes=15)
    policy = retention_policy({"messages": "1h", "spans": None}, {"messages": "90d", "spans": "14d"})
    assert policy == {"messages": timedelta(hours=1), "spans": timedelta(days=14)}
    with pytest.raises(ValidationError):
        retention_policy({"mesages": "1d"})


def test_prune_cli_exit_codes_and_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"file:{tmp_path / 'p.db'}"
    assert runner.invoke(app, ["migrate", "--url", url]).exit_code == 0
    result = runner.invoke(app, ["prune", "--url", url, "--messages", "abc"])
    assert result.exit_code == 2
    assert "Invalid messages duration 'abc'" in result.output
    result = runner.invoke(app, ["prune", "--url", url, "--spans", "-3d"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["prune", "--url", url])
    assert result.exit_code == 2
    assert "nothing to prune: give a duration" in result.output
    result = runner.invoke(app, ["prune", "--url", url, "--messages", "90d", "--scores", "30d"])
    assert result.exit_code == 0, result.output
    assert "nothing to prune" in result.output
    with Storage.from_url(url) as storage:
        storage.memory.save_thread({"id": "t", "resource_id": "r"})
        storage.memory.save_messages([_message("m", "t", "r", datetime(2020, 1, 1, tzinfo=UTC))])
    monkeypatch.setenv("MASTRA_DATA_RETENTION__MESSAGES", "30d")
    result = runner.invoke(app, ["prune", "--url", url, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1 rows would be deleted" in result.output
    monkeypatch.setenv("MASTRA_DATA_RETENTION__MESSAGES", "abc")
    assert runner.invoke(app, ["prune", "--url", url]).exit_code == 2
    monkeypatch.delenv("MASTRA_DATA_RETENTION__MESSAGES")
    env = {**os.environ, "MASTRA_DATA_RETENTION__MESSAGES": "30d"}
    run = _cli("prune", "--url", url, env=env)
    assert run.returncode == 0, run.stderr
    assert "pruned 1 rows" in run.stderr
    run = _cli("prune", "--url", url, "--messages", "-3d")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr


# --- demo ----------------------------------------------------------------------------------------


def test_demo_twice_through_the_cli(db_url: str) -> None:
    for _ in range(2):
        result = runner.invoke(app, ["demo", "--url", db_url])
        assert result.exit_code == 0, result.output
        assert "demo-ada-chat-2" in result.output
        assert "memory_messages_64" in result.output
    with Storage.from_url(db_url) as storage:
        assert storage.memory.list_messages("demo-ada-chat").total == 5
        assert storage.vectors.describe_index("memory_messages_64").count == 9
        assert "demo-bob-chat-2" not in {
            m.id for m in storage.memory.recall("demo-ada-chat", resource_id="demo-ada").messages
        }


def test_demo_check_stats_as_subprocesses_on_the_default_url(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASTRA_DATA_")}
    run = _cli("demo", cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "mastra.db").exists()
    assert "demo-ada-chat-2" in run.stdout
    run = _cli("check", cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    assert "memory_messages_64" in run.stdout
    run = _cli("stats", cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    assert "mastra_messages" in run.stdout
    assert "dbstat" in run.stdout


# --- failures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["check"], ["stats"], ["prune", "--messages", "1d"], ["demo"]])
def test_unreachable_url_exits_1_without_traceback(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--url", UNREACHABLE])
    assert result.exit_code == 1, result.output
    assert "Connection refused" in result.output or "connection failed" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_unreachable_and_unknown_urls_as_subprocesses() -> None:
    run = _cli("stats", "--url", UNREACHABLE)
    assert run.returncode == 1
    assert "MASTRA_STORAGE_PG_STATS_FAILED" in run.stderr
    assert "Traceback" not in run.stderr
    run = _cli("check", "--url", "mysql://root@h/db")
    assert run.returncode == 2
    assert "Unsupported database URL scheme" in run.stderr


def test_help_documents_exit_codes() -> None:
    for command in ("check", "stats", "prune", "demo"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert "Exit codes" in result.output


def test_check_stats_prune_as_subprocesses(storage: Storage, db_url: str) -> None:
    _memory_rows(storage)
    run = _cli("check", "--url", db_url)
    assert run.returncode == 0, run.stderr
    assert "memory_messages_3" in run.stdout
    run = _cli("stats", "--url", db_url)
    assert run.returncode == 0, run.stderr
    assert "mastra_messages" in run.stdout
    run = _cli("prune", "--url", db_url, "--messages", "1s", "--threads", "1w", "--dry-run")
    assert run.returncode == 0, run.stderr
    assert "3 rows would be deleted" in run.stderr
    assert storage.memory.list_messages("t1").total == 3
