"""``copy_database`` / ``mastra-data copy``: libSQL → PostgreSQL (and back) with every domain and two
vector indexes, idempotent reruns, conflicts, ``--overwrite``, an interrupted copy, bad input."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import typer
from rich.console import Console
from typer.testing import CliRunner

from mastra_data import Storage
from mastra_data.db.dialects import backend_for
from mastra_data.errors import ConfigurationError
from mastra_data.memory.models import Thread
from mastra_data.ops.copy import CopyInterrupted, CopyProgress, CopyReport, copy_database
from mastra_data.ops.copy_cli import copy_command, run_copy

BASE = datetime(2025, 3, 1, 12, 0, 0, 123000, tzinfo=UTC)
THREADS = Thread.__table__  # type: ignore[attr-defined]
BATCH = 4  # small, so every table takes several batches

app = typer.Typer()
app.command("copy")(copy_command)
app.command("noop")(lambda: None)  # a second command, so "copy" stays a subcommand as in the real CLI
runner = CliRunner()


def libsql_url(tmp_path: Path, name: str = "source.db") -> str:
    return f"sqlite+libsql:///{tmp_path / name}"


def embedding(i: int, dim: int) -> list[float]:
    return [((i * 7 + j * 3) % 11) / 10.0 - 0.5 + j * 0.01 for j in range(dim)]


def seed(url: str) -> None:
    """Data in every domain, written through the repositories, plus two vector indexes."""
    with Storage.from_url(url) as storage:
        storage.migrate()
        memory = storage.memory
        messages = []
        for t in range(3):
            resource = f"res-{t % 2}"
            memory.save_thread(
                {
                    "id": f"thread-{t}",
                    "resource_id": resource,
                    "title": f"Thread {t} ✓",
                    "metadata": {"n": t, "tags": ["a", "b"], "nested": {"x": None}},
                    "created_at": BASE + timedelta(minutes=t),
                    "updated_at": BASE + timedelta(minutes=t, seconds=5),
                }
            )
            batch = [
                {
                    "id": f"msg-{t}-{i:02d}",
                    "thread_id": f"thread-{t}",
                    "resource_id": resource,
                    "role": "user" if i % 2 == 0 else "assistant",
                    "created_at": BASE + timedelta(minutes=t, seconds=i),
                    "content": {"format": 2, "parts": [{"type": "text", "text": f"héllo {t}/{i}"}]},
                }
                for i in range(5)
            ]
            messages += memory.save_messages(batch)
        memory.update_resource("res-0", working_memory="# Notes\n- likes tea", metadata={"tier": "gold"})
        memory.index_messages(messages, [embedding(i, 8) for i in range(len(messages))])
        vectors = storage.vectors
        vectors.create_index("docs_4", 4, metric="euclidean")
        vectors.upsert(
            "docs_4",
            [embedding(i, 4) for i in range(6)],
            ids=[f"doc-{i}" for i in range(6)],
            metadata=[{"source": "kb", "page": i, "flags": [True, None]} for i in range(6)],
        )
        for r in range(2):
            storage.workflows.persist_workflow_snapshot(
                workflow_name="wf",
                run_id=f"run-{r}",
                resource_id="res-0",
                snapshot={"runId": f"run-{r}", "status": "success", "context": {"s": {"n": r}}, "value": {}},
            )
        for s in range(2):
            storage.scores.save_score(
                {
                    "scorer_id": "relevance",
                    "entity_id": "agent-1",
                    "entity_type": "AGENT",
                    "run_id": f"run-{s}",
                    "input": [{"role": "user", "content": "hi"}],
                    "output": {"text": "hello"},
                    "score": 0.25 + s / 3,
                    "scorer": {"id": "relevance"},
                    "entity": {"id": "agent-1"},
                    "source": "LIVE",
                    "metadata": {"k": [1, 2]},
                }
            )
        for s in range(3):
            storage.observability.create_span(
                {
                    "trace_id": "trace-1",
                    "span_id": f"span-{s}",
                    "parent_span_id": None if s == 0 else "span-0",
                    "name": f"span {s}",
                    "span_type": "agent_run" if s == 0 else "tool_call",
                    "is_event": s == 2,
                    "started_at": BASE + timedelta(seconds=s),
                    "ended_at": BASE + timedelta(seconds=s + 1),
                    "attributes": {"tokens": s},
                    "tags": ["t"],
                    "input": "plain text",
                }
            )
        for a in range(2):
            storage.agents.create_agent(
                {
                    "id": f"agent-{a}",
                    "name": f"Agent {a}",
                    "instructions": "Be brief",
                    "model": {"provider": "openai", "name": "gpt-4"},
                    "tools": ["calculator"],
                    "default_options": {"temperature": 0.5},
                }
            )


def contents(url: str) -> dict[str, Any]:
    """Everything in the database, read back through the repositories (Mastra's JSON shapes)."""

    def dump(items: Any) -> list[Any]:
        return [item.model_dump(by_alias=True, mode="json") for item in items]

    with Storage.from_url(url) as storage:
        memory = storage.memory
        threads = memory.list_threads(per_page=False).threads
        out: dict[str, Any] = {
            "threads": sorted(dump(threads), key=lambda t: t["id"]),
            "messages": {t.id: dump(memory.list_messages(t.id, per_page=False).messages) for t in threads},
            "resources": [
                r.model_dump(by_alias=True, mode="json") if r else None
                for r in (memory.get_resource_by_id("res-0"), memory.get_resource_by_id("res-1"))
            ],
            "runs": sorted(dump(storage.workflows.list_workflow_runs().runs), key=lambda r: r["runId"]),
            "scores": sorted(
                dump(storage.scores.list_scores_by_scorer_id("relevance", per_page=False).scores),
                key=lambda s: s["id"],
            ),
            "trace": (
                trace.model_dump(by_alias=True, mode="json")
                if (trace := storage.observability.get_trace(trace_id="trace-1"))
                else None
            ),
            "agents": sorted(dump(storage.agents.list_agents(per_page=False).agents), key=lambda a: a["id"]),
            "vectors": {},
        }
        vectors = storage.vectors
        for name in vectors.list_indexes():
            info = vectors.describe_index(name)
            hits = vectors.query(name, [0.1] * info.dimension, top_k=1000, include_vector=True)
            out["vectors"][name] = (
                info.dimension,
                info.metric,
                sorted(((h.id, h.metadata, h.vector) for h in hits), key=lambda h: h[0]),
            )
        return out


def assert_same(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if key != "vectors":
            assert a[key] == b[key], _first_difference(a[key], b[key], key)
    assert a["vectors"].keys() == b["vectors"].keys()
    for name, (dim, metric, rows) in a["vectors"].items():
        dim_b, metric_b, rows_b = b["vectors"][name]
        assert (dim, metric) == (dim_b, metric_b)
        assert [(i, m) for i, m, _ in rows] == [(i, m) for i, m, _ in rows_b]
        for (_, _, v), (_, _, w) in zip(rows, rows_b, strict=True):
            assert v == pytest.approx(w, rel=1e-6, abs=1e-6)


def _first_difference(a: Any, b: Any, path: str) -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(a.keys() | b.keys()):
            if a.get(k) != b.get(k):
                return _first_difference(a.get(k), b.get(k), f"{path}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
    return f"{path}: {a!r} != {b!r}"


def row_counts(report: CopyReport) -> dict[str, int]:
    return {t.name: t.source_rows for t in report.tables}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One seeded libSQL file shared by the tests that only read it."""
    url = libsql_url(tmp_path_factory.mktemp("copy-src"))
    seed(url)
    return url


@pytest.fixture(scope="module")
def seeded_contents(seeded: str) -> dict[str, Any]:
    return contents(seeded)


# --- libSQL -> PostgreSQL -------------------------------------------------------------------------


def test_libsql_to_postgres_copies_every_domain_and_rerun_is_a_noop(
    seeded: str, seeded_contents: dict[str, Any], make_pg_database: Callable[[], str]
) -> None:
    dst = make_pg_database()
    events: list[CopyProgress] = []
    report = copy_database(seeded, dst, batch_size=BATCH, progress=events.append)

    assert report.ok
    names = [t.name for t in report.tables]
    assert names[:7] == [
        "mastra_threads",
        "mastra_resources",
        "mastra_messages",
        "mastra_workflow_snapshot",
        "mastra_scorers",
        "mastra_ai_spans",
        "mastra_agents",
    ]
    assert set(names[7:]) == {"docs_4", "memory_messages_8"}
    expected = {
        "mastra_threads": 3,
        "mastra_resources": 1,
        "mastra_messages": 15,
        "mastra_workflow_snapshot": 2,
        "mastra_scorers": 2,
        "mastra_ai_spans": 3,
        "mastra_agents": 2,
        "docs_4": 6,
        "memory_messages_8": 15,
    }
    assert row_counts(report) == expected
    for entry in report.tables:
        assert (entry.copied, entry.unchanged, entry.conflicts) == (expected[entry.name], 0, 0), entry
        assert entry.destination_rows == entry.source_rows
    # Progress: a start event and one per batch (15 messages in batches of 4 -> 4 batches).
    message_events = [e.done for e in events if e.table == "mastra_messages"]
    assert message_events == [0, 4, 8, 12, 15]

    copied = contents(dst)
    assert_same(seeded_contents, copied)
    # The PG shadow columns were filled from the timestamps.
    with Storage.from_url(dst) as storage:
        # A flat libSQL index gets PostgreSQL's default ANN index, with the source's metric.
        docs = storage.vectors.describe_index("docs_4")
        assert (docs.type, docs.metric, docs.count) == ("hnsw", "euclidean", 6)
        engine = storage.engine_for("memory")
        with engine.connect() as conn:
            row = conn.execute(
                sa.text('SELECT "createdAt", "createdAtZ" FROM mastra_threads WHERE id = :i'),
                {"i": "thread-0"},
            ).one()
        assert row[1] == BASE
        assert row[0] == BASE.replace(tzinfo=None)
        # Recall works on the destination's copied index.
        recalled = storage.memory.recall(
            "thread-0",
            resource_id="res-0",
            last_messages=0,
            query_vector=embedding(2, 8),
            top_k=1,
            message_range=0,
            scope="thread",
        )
        assert [m.id for m in recalled.messages] == ["msg-0-02"]

    again = copy_database(seeded, dst, batch_size=BATCH)
    assert again.ok
    assert again.copied == 0
    for entry in again.tables:
        assert (entry.copied, entry.unchanged, entry.conflicts) == (0, expected[entry.name], 0)
        assert entry.destination_rows == expected[entry.name]
    assert_same(seeded_contents, contents(dst))


def test_cli_reports_conflicts_and_overwrites_only_when_asked(
    seeded: str, seeded_contents: dict[str, Any], make_pg_database: Callable[[], str]
) -> None:
    dst = make_pg_database()
    first = runner.invoke(app, ["copy", seeded, dst, "--batch-size", "5"])
    assert first.exit_code == 0, first.output
    assert "done" in first.output
    assert "copied" in first.output

    rerun = runner.invoke(app, ["copy", seeded, dst])
    assert rerun.exit_code == 0, rerun.output
    assert "done 0 copied" in rerun.output

    with Storage.from_url(dst) as storage:
        storage.memory.update_thread("thread-1", title="Renamed in the destination", metadata={"n": 1})
        storage.vectors.update_vector("docs_4", id="doc-2", metadata={"source": "changed"})

    conflict = runner.invoke(app, ["copy", seeded, dst])
    assert conflict.exit_code == 1, conflict.output
    assert "conflict" in conflict.output
    assert "thread-1" in conflict.output
    assert "doc-2" in conflict.output
    assert "--overwrite" in conflict.output
    with Storage.from_url(dst) as storage:
        thread = storage.memory.get_thread_by_id("thread-1")
        assert thread is not None
        assert thread.title == "Renamed in the destination"
        (hit,) = storage.vectors.query("docs_4", embedding(2, 4), top_k=1, filter={"source": "changed"})
        assert hit.id == "doc-2"

    report = copy_database(seeded, dst)
    assert not report.ok
    assert report.table("mastra_threads").conflicts == 1
    assert report.table("mastra_threads").conflict_samples == ["thread-1"]
    assert report.table("docs_4").conflict_samples == ["doc-2"]
    assert report.table("mastra_messages").conflicts == 0

    overwritten = runner.invoke(app, ["copy", seeded, dst, "--overwrite"])
    assert overwritten.exit_code == 0, overwritten.output
    assert "overwritten" in overwritten.output
    assert_same(seeded_contents, contents(dst))
    assert runner.invoke(app, ["copy", seeded, dst]).exit_code == 0


def test_interrupted_copy_commits_whole_batches_and_a_rerun_completes(
    seeded: str, seeded_contents: dict[str, Any], make_pg_database: Callable[[], str]
) -> None:
    dst = make_pg_database()

    def stop_after_first_message_batch(event: CopyProgress) -> None:
        if event.table == "mastra_messages" and event.done > 0:
            raise KeyboardInterrupt

    with pytest.raises(CopyInterrupted) as info:
        copy_database(seeded, dst, batch_size=BATCH, progress=stop_after_first_message_batch)
    assert info.value.table == "mastra_messages"
    assert isinstance(info.value, KeyboardInterrupt)
    with Storage.from_url(dst) as storage:
        engine = storage.engine_for("memory")
        with engine.connect() as conn:
            count = conn.execute(sa.text("SELECT count(*) FROM mastra_messages")).scalar_one()
            agents = conn.execute(sa.text("SELECT count(*) FROM mastra_agents")).scalar_one()
    assert (count, agents) == (BATCH, 0)  # one whole batch, nothing after it

    # The command says which table was in progress, exits 130, and the rerun finishes the job.
    console = Console(record=True, width=200)
    code = run_copy(seeded, dst, batch_size=BATCH, console=console, on_batch=stop_after_vectors_batch)
    assert code == 130
    text = console.export_text()
    assert "interrupted while copying memory_messages_8" in text
    assert "again to resume" in text

    with Storage.from_url(dst) as storage:
        assert storage.vectors.describe_index("memory_messages_8").count == BATCH
        assert len(storage.memory.list_messages("thread-2", per_page=False).messages) == 5

    report = copy_database(seeded, dst, batch_size=BATCH)
    assert report.ok
    assert report.table("mastra_messages").unchanged == 15
    vectors = report.table("memory_messages_8")
    assert (vectors.unchanged, vectors.copied, vectors.destination_rows) == (BATCH, 15 - BATCH, 15)
    assert_same(seeded_contents, contents(dst))


def stop_after_vectors_batch(event: CopyProgress) -> None:
    if event.table == "memory_messages_8" and event.done > 0:
        raise KeyboardInterrupt


# --- PostgreSQL -> libSQL -------------------------------------------------------------------------


def test_postgres_to_libsql_for_one_domain(
    seeded: str, seeded_contents: dict[str, Any], make_pg_database: Callable[[], str], tmp_path: Path
) -> None:
    pg = make_pg_database()
    assert copy_database(seeded, pg).ok
    target = libsql_url(tmp_path, "back.db")

    report = copy_database(pg, target, domains=["memory"], batch_size=BATCH)
    assert report.ok
    assert [t.name for t in report.tables] == ["mastra_threads", "mastra_resources", "mastra_messages"]
    back = contents(target)
    for key in ("threads", "messages", "resources"):
        assert back[key] == seeded_contents[key]
    assert back["agents"] == []
    assert back["runs"] == []
    assert back["vectors"] == {}
    assert copy_database(pg, target, domains="memory").copied == 0


# --- bad input ------------------------------------------------------------------------------------


def test_bad_urls_and_arguments_exit_2(seeded: str, tmp_path: Path) -> None:
    target = libsql_url(tmp_path, "target.db")
    cases = [
        (["copy", seeded, seeded], "same database"),
        (["copy", seeded, f"file:{seeded.split(':///', 1)[1]}"], "same database"),
        (["copy", "mysql://u@h/db", target], "Unsupported database URL scheme"),
        (["copy", libsql_url(tmp_path, "missing.db"), target], "does not exist"),
        (["copy", seeded, "postgresql://nobody@127.0.0.1:1/none"], "Cannot connect to the destination"),
        (["copy", seeded, target, "--domains", "memory,bogus"], "Unknown domain(s) bogus"),
    ]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert message in " ".join(result.output.split()), (args, result.output)
    assert not (tmp_path / "missing.db").exists()
    assert not (tmp_path / "target.db").exists() or copy_database(seeded, target).ok


def test_function_raises_typed_errors(seeded: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as same:
        copy_database(seeded, seeded)
    assert same.value.id == "MASTRA_STORAGE_COPY_SAME_DATABASE"
    with pytest.raises(ConfigurationError) as size:
        copy_database(seeded, libsql_url(tmp_path, "x.db"), batch_size=0)
    assert size.value.id == "MASTRA_STORAGE_COPY_INVALID_BATCH_SIZE"


def test_libsql_to_libsql_keeps_extra_destination_rows(seeded: str, tmp_path: Path) -> None:
    target = libsql_url(tmp_path, "target.db")
    with Storage.from_url(target) as storage:
        storage.migrate()
        storage.memory.save_thread({"id": "own-thread", "resource_id": "own", "title": "mine"})
    report = copy_database(seeded, target, domains=["memory", "agents"])
    assert report.ok
    threads = report.table("mastra_threads")
    assert (threads.source_rows, threads.destination_rows, threads.copied) == (3, 4, 3)
    engine_url = target
    with Storage.from_url(engine_url) as storage:
        assert storage.memory.get_thread_by_id("own-thread") is not None
        assert backend_for(storage.engine_for("memory")).store == "LIBSQL"


def test_rows_the_keyset_cannot_reach_fail_the_count_check(tmp_path: Path) -> None:
    """A Mastra libSQL table may hold a snapshot row without a run id (libSQL leaves the key columns
    nullable); it has no key to copy by, and the final count check says so with exit code 1."""
    src = libsql_url(tmp_path)
    with Storage.from_url(src) as storage:
        storage.migrate()
        storage.workflows.persist_workflow_snapshot(workflow_name="wf", run_id="run-0", snapshot={"a": 1})
        with storage.engine_for("workflows").begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO mastra_workflow_snapshot (workflow_name, run_id, snapshot, "
                    "\"createdAt\", \"updatedAt\") VALUES ('wf', NULL, '{}', :t, :t)"
                ),
                {"t": "2025-03-01T12:00:00.000Z"},
            )
    result = runner.invoke(app, ["copy", src, libsql_url(tmp_path, "t.db"), "--domains", "workflows"])
    assert result.exit_code == 1, result.output
    assert "MISSING ROWS" in result.output
    assert "count mismatch mastra_workflow_snapshot" in result.output
    assert "incomplete 1 copied" in result.output
    assert "1 source row(s) have a NULL key column" in result.output
    report = copy_database(src, libsql_url(tmp_path, "t.db"), domains=["workflows"])
    entry = report.table("mastra_workflow_snapshot")
    assert (entry.source_rows, entry.unkeyed, entry.unchanged, entry.copied) == (2, 1, 1, 0)
    assert report.count_mismatches == ["mastra_workflow_snapshot"]


def test_copy_as_a_real_subprocess(seeded: str, tmp_path: Path) -> None:
    target = libsql_url(tmp_path, "sub.db")
    script = (
        "import typer\n"
        "from mastra_data.ops.copy_cli import copy_command\n"
        "app = typer.Typer()\n"
        "app.command('copy')(copy_command)\n"
        "app.command('noop')(lambda: None)\n"
        "app()\n"
    )
    args = [sys.executable, "-c", script, "copy", seeded, target, "--domains", "agents,scores"]
    first = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "done 4 copied" in first.stdout
    again = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "done 0 copied" in again.stdout
    bad = subprocess.run(
        [*args[:4], seeded, seeded], capture_output=True, text=True, timeout=120, check=False
    )
    assert bad.returncode == 2
