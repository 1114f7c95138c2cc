"""Semantic recall end to end on both backends: index messages, recall by thread and by resource."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mastra_data import OwnershipError, Storage, ValidationError
from mastra_data.memory.repository import MemoryRepository, memory_index_name

BASE = datetime(2025, 1, 1, tzinfo=UTC)
DIM = 8


def unit(k: int) -> list[float]:
    return [1.0 if j == k else 0.0 for j in range(DIM)]


@pytest.fixture
def memory(storage: Storage) -> MemoryRepository:
    """Two threads of resource "alice" (10 messages each) and one of "bob"; message i of a thread has
    embedding unit(i % DIM), except the marked ones which have a distinct direction."""
    repo = storage.memory
    for tid, rid in (("a1", "alice"), ("a2", "alice"), ("b1", "bob")):
        repo.save_thread({"id": tid, "resource_id": rid, "title": tid})
        messages: list[dict[str, Any]] = [
            {
                "id": f"{tid}-{i}",
                "thread_id": tid,
                "resource_id": rid,
                "role": "user",
                "content": {
                    "format": 2,
                    "parts": [{"type": "text", "text": f"{tid} {i}"}],
                    "content": f"{tid} {i}",
                },
                "created_at": BASE + timedelta(minutes=i),
            }
            for i in range(10)
        ]
        repo.save_messages(messages)
        embeddings = [unit(i % (DIM - 1)) for i in range(10)]
        marked = {"a1": 2, "a2": 6, "b1": 4}[tid]
        embeddings[marked] = unit(DIM - 1)  # the one message of each thread "about" direction 7
        repo.index_messages(messages, embeddings)
    return repo


def ids(result: Any) -> list[str]:
    return [m.id for m in result.messages]


def test_index_name_is_mastras(storage: Storage, memory: MemoryRepository) -> None:
    assert memory_index_name(1536) == "memory_messages"
    assert memory_index_name(DIM) == "memory_messages_8"
    stats = storage.vectors.describe_index("memory_messages_8")
    assert (stats.dimension, stats.count) == (DIM, 30)


def test_memory_index_has_no_ann_graph_but_keeps_one_made_before(
    storage: Storage, memory: MemoryRepository
) -> None:
    """index_messages creates its index flat (recall is always narrowed to a thread or resource, so an
    ANN graph would only slow inserts); an index someone created with a graph is kept as it is."""
    assert storage.vectors.describe_index("memory_messages_8").type == "flat"
    ann = {"libsql": "diskann", "postgres": "hnsw"}[
        "libsql" if storage.vectors.store == "LIBSQL" else "postgres"
    ]
    storage.vectors.create_index("memory_messages_4", 4, index_config={"type": ann})
    message = {"id": "x1", "thread_id": "a1", "resource_id": "alice", "role": "user", "content": "x"}
    assert memory.index_messages([message], [[1.0, 0.0, 0.0, 0.0]]) == "memory_messages_4"
    stats = storage.vectors.describe_index("memory_messages_4")
    assert (stats.type, stats.count) == (ann, 1)


def test_resource_scope_finds_hits_in_the_resources_other_threads(memory: MemoryRepository) -> None:
    result = memory.recall("a1", resource_id="alice", last_messages=2, query_vector=unit(DIM - 1), top_k=2)
    assert sorted(h.id for h in result.hits) == ["a1-2", "a2-6"]  # never bob's b1-4
    assert all(h.metadata and h.metadata["resource_id"] == "alice" for h in result.hits)
    # last 2 of a1 + each hit with ±1, chronological and without duplicates
    assert ids(result) == ["a1-1", "a1-2", "a1-3", "a2-5", "a2-6", "a2-7", "a1-8", "a1-9"]
    times = [(m.created_at, m.id) for m in result.messages]
    assert times == sorted(times)


def test_thread_scope_stays_in_the_thread(memory: MemoryRepository) -> None:
    result = memory.recall(
        "a1",
        resource_id="alice",
        last_messages=0,
        query_vector=unit(DIM - 1),
        top_k=3,
        scope="thread",
        message_range=0,
    )
    assert result.hits[0].id == "a1-2"
    assert {h.metadata["thread_id"] for h in result.hits if h.metadata} == {"a1"}
    assert "a1-2" in ids(result)
    assert not any(i.startswith("a2") for i in ids(result))


def test_threshold_and_no_query(memory: MemoryRepository) -> None:
    result = memory.recall(
        "a1", resource_id="alice", last_messages=3, query_vector=unit(DIM - 1), top_k=5, threshold=0.99
    )
    assert sorted(h.id for h in result.hits) == ["a1-2", "a2-6"]
    plain = memory.recall("a1", resource_id="alice", last_messages=3)
    assert (ids(plain), plain.hits) == (["a1-7", "a1-8", "a1-9"], [])
    other_dim = memory.recall("a1", resource_id="alice", query_vector=[1.0, 0.0, 0.0], last_messages=1)
    assert (ids(other_dim), other_dim.hits) == (["a1-9"], [])  # no index of that dimension yet


def test_ownership_and_scope_errors(memory: MemoryRepository) -> None:
    with pytest.raises(
        OwnershipError,
        match=r"^Thread with id a1 is for resource with id alice but resource bob was queried\.$",
    ):
        memory.recall("a1", resource_id="bob", query_vector=unit(0))
    with pytest.raises(ValidationError):
        memory.recall("a1", query_vector=unit(0))  # resource scope needs a resource_id


def test_deleting_a_thread_or_messages_removes_their_vectors(
    storage: Storage, memory: MemoryRepository
) -> None:
    memory.delete_thread("a2")
    memory.delete_messages(["a1-2"])
    assert storage.vectors.describe_index("memory_messages_8").count == 30 - 10 - 1
    result = memory.recall("a1", resource_id="alice", last_messages=0, query_vector=unit(DIM - 1), top_k=5)
    assert all(h.metadata and h.metadata["thread_id"] == "a1" for h in result.hits)
    assert "a1-2" not in [h.id for h in result.hits]


def test_reindexing_after_an_update_replaces_the_vector(storage: Storage, memory: MemoryRepository) -> None:
    (updated,) = memory.update_messages([{"id": "a1-0", "content": {"content": "now about direction 7"}}])
    memory.index_messages([updated], embedder=lambda texts: [unit(DIM - 1) for _ in texts])
    assert storage.vectors.describe_index("memory_messages_8").count == 30
    hits = memory.recall(
        "a1", resource_id="alice", last_messages=0, query_vector=unit(DIM - 1), top_k=3, scope="thread"
    ).hits
    assert {h.id for h in hits} >= {"a1-0", "a1-2"}


def test_index_messages_bad_input(memory: MemoryRepository) -> None:
    message = {"id": "x", "thread_id": "a1", "resource_id": "alice", "role": "user", "content": "x"}
    with pytest.raises(ValidationError):
        memory.index_messages([message], [unit(0), unit(1)])
    with pytest.raises(ValidationError):
        memory.index_messages([message])
    with pytest.raises(ValidationError):  # mixed dimensions: refused before anything is replaced
        memory.index_messages([message, {**message, "id": "y"}], [unit(0), [1.0, 2.0]])
    with pytest.raises(ValidationError):  # a bad re-index keeps the message's old vector
        memory.index_messages([{**message, "id": "a1-2"}], [[1.0, float("nan")] + [0.0] * (DIM - 2)])
    kept = memory.recall(
        "a1", resource_id="alice", last_messages=0, query_vector=unit(DIM - 1), scope="thread"
    )
    assert kept.hits[0].id == "a1-2"
    with pytest.raises(ValidationError):
        memory.index_messages([{**message, "resource_id": None}], [unit(0)])
