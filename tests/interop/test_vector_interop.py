"""Vector indexes shared with Mastra's own LibSQLVector / PgVector (pinned npm packages), both ways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bridge import run_mastra
from conftest import mastra_backend, mastra_url

from mastra_data import Storage
from mastra_data.vectors.store import VectorStore

pytestmark = pytest.mark.interop

VECTORS = [[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.5, 0.5, 0.0], [0.0, 1.0, 0.0]]


@pytest.fixture
def vectors(db_url: str) -> Iterator[VectorStore]:
    with Storage.from_url(db_url) as storage:
        yield storage.vectors


def _mastra(db_url: str, *calls: tuple[str, dict[str, Any]]) -> list[Any]:
    ops = [{"op": "vector", "method": method, "args": args} for method, args in calls]
    return run_mastra(mastra_backend(db_url), mastra_url(db_url), ops)


def test_mastra_reads_and_writes_an_index_python_made(
    mastra_node: Path, db_url: str, vectors: VectorStore
) -> None:
    vectors.create_index("shared_idx", 3)
    vectors.upsert(
        "shared_idx",
        VECTORS,
        metadata=[{"n": i, "thread_id": "t1"} for i in range(4)],
        ids=["a", "b", "c", "d"],
    )
    described, hits, _ = _mastra(
        db_url,
        ("describeIndex", {"indexName": "shared_idx"}),
        ("query", {"indexName": "shared_idx", "queryVector": [1.0, 0.0, 0.0], "topK": 3}),
        (
            "upsert",
            {"indexName": "shared_idx", "vectors": [[0.0, 0.0, 1.0]], "metadata": [{"n": 9}], "ids": ["m"]},
        ),
    )
    assert (described["dimension"], described["count"], described["metric"]) == (3, 4, "cosine")
    assert [h["id"] for h in hits] == ["a", "b", "c"]
    ours = vectors.query("shared_idx", [1.0, 0.0, 0.0], top_k=3)
    assert [round(h["score"], 5) for h in hits] == [round(h.score, 5) for h in ours]
    assert [h["metadata"] for h in hits] == [h.metadata for h in ours]
    written = vectors.query("shared_idx", [0.0, 0.0, 1.0], top_k=1, include_vector=True)[0]
    assert (written.id, written.metadata, written.vector) == ("m", {"n": 9}, [0.0, 0.0, 1.0])


def test_python_reads_an_index_mastra_made(mastra_node: Path, db_url: str, vectors: VectorStore) -> None:
    _mastra(
        db_url,
        ("createIndex", {"indexName": "mastra_made", "dimension": 3}),
        (
            "upsert",
            {
                "indexName": "mastra_made",
                "vectors": VECTORS,
                "metadata": [{"n": i} for i in range(4)],
                "ids": ["a", "b", "c", "d"],
            },
        ),
    )
    assert "mastra_made" in vectors.list_indexes()
    stats = vectors.describe_index("mastra_made")
    assert (stats.dimension, stats.count, stats.metric) == (3, 4, "cosine")
    hits = vectors.query("mastra_made", [1.0, 0.0, 0.0], top_k=4, include_vector=True)
    assert [h.id for h in hits] == ["a", "b", "c", "d"]
    assert [round(h.score, 4) for h in hits] == [1.0, 0.9939, 0.7071, 0.0]
    assert hits[0].metadata == {"n": 0}
    assert hits[1].vector == pytest.approx(VECTORS[1], abs=1e-6)
    vectors.upsert("mastra_made", [[0.0, 0.0, 1.0]], ids=["py"])
    (back,) = _mastra(
        db_url, ("query", {"indexName": "mastra_made", "queryVector": [0.0, 0.0, 1.0], "topK": 1})
    )
    assert back[0]["id"] == "py"
