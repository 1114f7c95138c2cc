"""``mastra-data copy`` libSQL → PostgreSQL, then the real Mastra (pinned @mastra/pg) reads the copy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bridge import run_mastra
from conftest import mastra_url
from test_copy import BASE, embedding, libsql_url, seed

from mastra_data import Storage
from mastra_data.ops.copy import copy_database

pytestmark = pytest.mark.interop


def iso(value: Any) -> str:
    return str(value.isoformat(timespec="milliseconds").replace("+00:00", "Z"))


def test_mastra_reads_every_domain_of_a_copy_to_postgres(
    mastra_node: Path, tmp_path: Path, make_pg_database: Callable[[], str]
) -> None:
    src = libsql_url(tmp_path)
    seed(src)
    dst = make_pg_database()
    assert copy_database(src, dst, batch_size=4).ok
    with Storage.from_url(dst) as storage:
        (score_id,) = [
            s.id for s in storage.scores.list_scores_by_scorer_id("relevance").scores if s.run_id == "run-1"
        ]

    ops: list[dict[str, Any]] = [{"op": "init"}]

    def call(domain: str, method: str, args: dict[str, Any]) -> None:
        ops.append({"op": "call", "domain": domain, "method": method, "args": args})

    call("memory", "getThreadById", {"threadId": "thread-1"})
    call("memory", "listMessages", {"threadId": "thread-1", "perPage": False})
    call("memory", "getResourceById", {"resourceId": "res-0"})
    call("workflows", "loadWorkflowSnapshot", {"workflowName": "wf", "runId": "run-1"})
    call("scores", "getScoreById", {"id": score_id})
    call("observability", "getTrace", {"traceId": "trace-1"})
    call("agents", "getAgentById", {"id": "agent-1"})
    ops.append({"op": "vector", "method": "describeIndex", "args": {"indexName": "memory_messages_8"}})
    ops.append(
        {
            "op": "vector",
            "method": "query",
            "args": {"indexName": "memory_messages_8", "queryVector": embedding(5, 8), "topK": 1},
        }
    )
    ops.append({"op": "vector", "method": "describeIndex", "args": {"indexName": "docs_4"}})
    (
        thread,
        messages,
        resource,
        snapshot,
        score,
        trace,
        agent,
        memory_index,
        hits,
        docs_index,
    ) = run_mastra("pg", mastra_url(dst), ops)[1:]

    assert thread["id"] == "thread-1"
    assert thread["title"] == "Thread 1 ✓"
    assert thread["metadata"] == {"n": 1, "tags": ["a", "b"], "nested": {"x": None}}
    assert thread["createdAt"] == "2025-03-01T12:01:00.123Z"
    assert [m["id"] for m in messages["messages"]] == [f"msg-1-{i:02d}" for i in range(5)]
    assert messages["messages"][3]["createdAt"] == iso(BASE.replace(minute=1, second=3))
    assert messages["messages"][3]["content"]["parts"] == [{"type": "text", "text": "héllo 1/3"}]
    assert resource["workingMemory"] == "# Notes\n- likes tea"
    assert resource["metadata"] == {"tier": "gold"}
    assert snapshot == {"runId": "run-1", "status": "success", "context": {"s": {"n": 1}}, "value": {}}
    assert score["score"] == pytest.approx(0.25 + 1 / 3)
    assert score["runId"] == "run-1"
    assert score["scorer"] == {"id": "relevance"}
    spans = {s["spanId"]: s for s in trace["spans"]}
    assert set(spans) == {"span-0", "span-1", "span-2"}
    assert spans["span-2"]["isEvent"] is True
    assert spans["span-1"]["startedAt"] == iso(BASE.replace(second=1))
    assert spans["span-1"]["attributes"] == {"tokens": 1}
    assert agent["name"] == "Agent 1"
    assert agent["model"] == {"provider": "openai", "name": "gpt-4"}
    assert (memory_index["dimension"], memory_index["count"], memory_index["metric"]) == (8, 15, "cosine")
    # Message 5 overall is msg-1-00; its vector is the query, so it is the nearest (ties resolve
    # to a message with the identical embedding, which carries the same metadata shape).
    assert hits[0]["score"] == pytest.approx(1.0, abs=1e-5)
    assert set(hits[0]["metadata"]) == {"message_id", "thread_id", "resource_id"}
    assert (docs_index["dimension"], docs_index["count"], docs_index["metric"]) == (4, 6, "euclidean")
