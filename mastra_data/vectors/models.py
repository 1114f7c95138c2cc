"""Result models of the vector store (kept free of database imports so any module can use them)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

__all__ = ("IndexStats", "Metric", "QueryResult")

Metric = Literal["cosine", "euclidean", "dotproduct"]


class QueryResult(BaseModel):
    """One hit of :meth:`VectorStore.query` (Mastra's ``QueryResult``)."""

    id: str
    score: float
    metadata: dict[str, Any] | None = None
    vector: list[float] | None = None


class IndexStats(BaseModel):
    """What :meth:`VectorStore.describe_index` reports."""

    dimension: int
    count: int
    metric: Metric
    type: str
