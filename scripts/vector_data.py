"""Deterministic clustered vectors and exact ground truth for ``bench_vectors.py`` (needs numpy).

Vectors are drawn around ``clusters`` random unit centres (Gaussian noise, then unit-normalised), so
the nearest-neighbour structure is realistic enough for ANN recall to mean something. Queries are
drawn the same way from their own random stream. Row ``i`` carries the metadata
``{"message_id": f"m{i}", "thread_id": f"t{i % 100}", "resource_id": f"r{i % 10}"}``: a thread filter
selects 1 % of the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

DIM = 384
THREADS = 100
RESOURCES = 10


def metadata_for(i: int) -> dict[str, Any]:
    return {"message_id": f"m{i}", "thread_id": f"t{i % THREADS}", "resource_id": f"r{i % RESOURCES}"}


def vector_id(i: int) -> str:
    return f"v{i:07d}"


def _clustered(rng: np.random.Generator, centres: np.ndarray, count: int, noise: float) -> np.ndarray:
    dim = centres.shape[1]
    which = rng.integers(0, len(centres), size=count)
    out = centres[which] + rng.standard_normal((count, dim), dtype=np.float32) * np.float32(
        noise / np.sqrt(dim)
    )
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out.astype(np.float32, copy=False)


@dataclass
class VectorData:
    """``vectors`` (N x dim) and ``queries`` (Q x dim), float32, unit-normalised."""

    vectors: np.ndarray
    queries: np.ndarray

    @property
    def count(self) -> int:
        return len(self.vectors)

    def thread_mask(self, thread: str, n: int | None = None) -> np.ndarray:
        """Boolean mask over the first ``n`` rows whose ``thread_id`` is ``thread``."""
        n = self.count if n is None else n
        return (np.arange(n) % THREADS) == int(thread.removeprefix("t"))

    def truth(self, k: int = 10, n: int | None = None, mask: np.ndarray | None = None) -> list[list[int]]:
        """Exact cosine top-``k`` row numbers of every query over the first ``n`` rows (or ``mask``)."""
        return exact_top_k(self.vectors[: self.count if n is None else n], self.queries, k, mask)


def make_data(
    count: int, queries: int, *, dim: int = DIM, clusters: int = 100, noise: float = 0.6, seed: int = 42
) -> VectorData:
    """``count`` vectors and ``queries`` query vectors; the same arguments give the same arrays."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    vectors = _clustered(rng, centres, count, noise)
    query_rng = np.random.default_rng(seed + 1)
    return VectorData(vectors, _clustered(query_rng, centres, queries, noise))


def exact_top_k(
    vectors: np.ndarray, queries: np.ndarray, k: int = 10, mask: np.ndarray | None = None
) -> list[list[int]]:
    """Exact cosine top-``k`` (row numbers into ``vectors``, best first) for unit-normalised inputs."""
    rows = np.arange(len(vectors)) if mask is None else np.flatnonzero(mask)
    candidates = vectors[rows]
    out: list[list[int]] = []
    for start in range(0, len(queries), 256):
        sims = queries[start : start + 256] @ candidates.T
        kk = min(k, sims.shape[1])
        part = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
        for row, idx in zip(sims, part, strict=True):
            best = idx[np.argsort(-row[idx], kind="stable")]
            out.append(rows[best].tolist())
    return out


def numpy_top_k(vectors: np.ndarray, query: np.ndarray, k: int = 10) -> np.ndarray:
    """One exact scan (the numpy baseline): row numbers of the ``k`` best, best first."""
    sims = vectors @ query
    part = np.argpartition(-sims, k - 1)[:k]
    return part[np.argsort(-sims[part])]


def recall_at_k(found: list[list[int]], truth: list[list[int]], k: int = 10) -> float:
    """Mean |found ∩ truth| / |truth| over queries (truth rows cut to ``k``)."""
    total = 0.0
    for got, want in zip(found, truth, strict=True):
        want_set = set(want[:k])
        total += len(want_set.intersection(got[:k])) / max(1, len(want_set))
    return total / max(1, len(truth))
