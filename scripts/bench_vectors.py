"""Vector-store workloads of ``bench.py`` (``--suite vectors``): W5 upsert, W6 query, 100k ANN, file size.

Ours is ``Storage.from_url(url).vectors``; the baselines are the raw drivers (libsql_experimental /
psycopg) on an identical table without a vector index, plus a numpy exact scan for queries. Data and
exact ground truth come from ``vector_data.py`` (clustered, unit-normalised, 384-d float32, seeded).
"""

from __future__ import annotations

import array
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_memory import Config, Result, Stats, time_calls, time_pair

from mastra_data.memory.repository import MEMORY_INDEX_CONFIG

DIM = 384
K = 10
W5_BATCH = 100
LARGE_BATCH = 1_000
LARGE_N = 100_000
LARGE_LOAD_BUDGET_S = {"libsql": 600.0, "postgres": 240.0}  # cap on the 100k load, per backend
TARGETS = {  # (libsql, postgres)
    "W5": (2_000.0, 5_000.0),  # vectors/s, at least
    "W6": (5.0, 2.0),  # median ms, at most
    "ANN": (15.0, 3.0),  # median ms at 100k, at most
}
ANN_MIN_RECALL = 0.95
FILTERED_MS = 2.0


class VResult(Result):
    """A :class:`Result` whose ``vec/s`` and ``recall`` rows are higher-is-better."""

    @property
    def higher_is_better(self) -> bool:
        return self.unit in ("msgs/s", "vec/s", "recall")


# --- raw drivers --------------------------------------------------------------------------------


def _ddl(name: str, embedding: str, metadata: str) -> str:
    return (
        f'CREATE TABLE IF NOT EXISTS "{name}" (id SERIAL PRIMARY KEY, vector_id TEXT UNIQUE NOT NULL, '
        f"embedding {embedding}, metadata {metadata})"
    )


def _blob(vector: Sequence[float]) -> bytes:
    return array.array("f", vector).tobytes()


def _text(vector: Sequence[float]) -> str:
    return "[" + ",".join(map(str, vector)) + "]"


class RawLibSQL:
    """libsql_experimental, autocommit, WAL + synchronous=NORMAL (as our engine); float32 blobs."""

    label = "libsql"

    def __init__(self, path: str) -> None:
        import libsql_experimental

        self.conn: Any = libsql_experimental.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA busy_timeout = 5000")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.cur = self.conn.cursor()

    def create(self, name: str) -> None:
        self.conn.execute(_ddl(name, f"F32_BLOB({DIM})", "TEXT DEFAULT '{}'"))

    def upsert(self, name: str, ids: Sequence[str], vectors: Sequence[Sequence[float]], meta: Any) -> None:
        rows = [(i, _blob(v), json.dumps(m)) for i, v, m in zip(ids, vectors, meta, strict=True)]
        self.conn.execute("BEGIN IMMEDIATE")
        self.cur.executemany(
            f'INSERT INTO "{name}" (vector_id, embedding, metadata) VALUES (?, ?, ?) '
            "ON CONFLICT (vector_id) DO UPDATE SET embedding = excluded.embedding, "
            "metadata = excluded.metadata",
            rows,
        )
        self.conn.execute("COMMIT")

    def query(self, name: str, vector: Sequence[float], thread: str | None = None) -> list[str]:
        where = "WHERE json_extract(metadata, '$.thread_id') = ? " if thread else ""
        params: tuple[Any, ...] = (_blob(vector), thread, K) if thread else (_blob(vector), K)
        rows = self.cur.execute(
            f'SELECT vector_id, metadata, vector_distance_cos(embedding, ?) AS d FROM "{name}" {where}'
            "ORDER BY d LIMIT ?",
            params,
        ).fetchall()
        return [r[0] for r in rows]

    def top_k_index(self, name: str, vector: Sequence[float]) -> list[str]:
        """The DiskANN index read through ``vector_top_k`` (which our query path does not use)."""
        rows = self.cur.execute(
            f"SELECT t.vector_id, t.metadata FROM vector_top_k('{name}_vector_idx', ?, {K}) AS v "
            f'JOIN "{name}" AS t ON t.rowid = v.id',
            (_blob(vector),),
        ).fetchall()
        return [r[0] for r in rows]

    def checkpoint(self) -> None:
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def close(self) -> None:
        self.conn.close()


class RawPG:
    """psycopg 3, autocommit; writes one explicit transaction per batch, vectors in pgvector's binary
    format (``pgvector.psycopg.register_vector``), as ours sends them."""

    label = "psycopg"

    def __init__(self, url: str) -> None:
        import psycopg
        from pgvector.psycopg import register_vector

        self.conn = psycopg.connect(url, autocommit=True)
        self.conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        register_vector(self.conn)  # before the cursor, which copies the connection's adapters
        self.cur = self.conn.cursor()

    def create(self, name: str) -> None:
        self.conn.execute(_ddl(name, f"vector({DIM})", "JSONB DEFAULT '{}'::jsonb"))

    def upsert(self, name: str, ids: Sequence[str], vectors: Sequence[Sequence[float]], meta: Any) -> None:
        from pgvector import Vector

        rows = [(i, Vector(list(v)), json.dumps(m)) for i, v, m in zip(ids, vectors, meta, strict=True)]
        with self.conn.transaction():
            self.cur.executemany(
                f'INSERT INTO "{name}" (vector_id, embedding, metadata) VALUES (%s, %s, %s::jsonb) '
                "ON CONFLICT (vector_id) DO UPDATE SET embedding = excluded.embedding, "
                "metadata = excluded.metadata",
                rows,
            )

    def query(self, name: str, vector: Sequence[float], thread: str | None = None) -> list[str]:
        where = "WHERE metadata->>'thread_id' = %s " if thread else ""
        params: tuple[Any, ...] = (_text(vector), thread) if thread else (_text(vector),)
        rows = self.cur.execute(
            f'SELECT vector_id, metadata, embedding <=> %s::vector AS d FROM "{name}" {where}'
            f"ORDER BY d LIMIT {K}",
            params,
        ).fetchall()
        return [r[0] for r in rows]

    def close(self) -> None:
        self.conn.close()


# --- suite ----------------------------------------------------------------------------------------


def _row(vector_id: str) -> int:
    return int(vector_id[1:])


@dataclass
class VectorSuite:
    backend: str  # "libsql" | "postgres"
    new_database: Callable[[str], Any]
    config: Config
    log: Callable[[str], None] = print
    results: list[Result] = field(default_factory=list)
    _data: Any = None

    @property
    def _i(self) -> int:
        return 0 if self.backend == "libsql" else 1

    def _raw(self, db: Any) -> RawLibSQL | RawPG:
        return RawLibSQL(str(db.path)) if self.backend == "libsql" else RawPG(db.libpq_url)

    def data(self, count: int) -> Any:
        from vector_data import make_data

        if self._data is None or self._data.count < count:
            self._data = make_data(max(count, 2_000), 500)
        return self._data

    def _batch(self, start: int, stop: int) -> tuple[list[str], list[list[float]], list[dict[str, Any]]]:
        from vector_data import metadata_for, vector_id

        rows = range(start, stop)
        return (
            [vector_id(i) for i in rows],
            self._data.vectors[start:stop].tolist(),
            [metadata_for(i) for i in rows],
        )

    def _load(
        self, store: Any, name: str, count: int, batch: int, budget_s: float | None = None
    ) -> tuple[int, float]:
        """Upsert rows ``0..count`` through our API; returns (rows loaded, seconds) within ``budget_s``."""
        spent, done = 0.0, 0
        while done < count:
            ids, vectors, meta = self._batch(done, min(count, done + batch))
            t0 = time.perf_counter()
            store.upsert(name, vectors, metadata=meta, ids=ids)
            spent += time.perf_counter() - t0
            done += len(ids)
            if budget_s is not None and spent > budget_s:
                break
        return done, spent

    def run(self) -> list[Result]:
        quick = self.config.quick
        self.data(2_000 if quick else LARGE_N)
        self.w5(2_000 if quick else 10_000)
        self.w6()
        if quick:
            self.log("  100k ANN: skipped (--quick)")
        else:
            self.large()
        if self.backend == "libsql":
            self.sizes(2_000 if quick else 5_000)
        return self.results

    # W5 -------------------------------------------------------------------------------------------

    def w5(self, count: int) -> None:
        from mastra_data import Storage

        ours_db, raw_db = self.new_database("vec_w5"), self.new_database("vec_w5_raw")
        storage = Storage.from_url(ours_db.url)
        store = storage.vectors
        raw = self._raw(raw_db)
        try:
            # "with the default options of the memory index": how index_messages creates it.
            store.create_index("w5", DIM, index_config=dict(MEMORY_INDEX_CONFIG))
            raw.create("w5")
            kind = store.describe_index("w5").type
            batches = [self._batch(s, min(count, s + W5_BATCH)) for s in range(0, count, W5_BATCH)]
            ours_s = raw_s = 0.0
            for ids, vectors, meta in batches:  # interleaved, so drift hits both alike
                t0 = time.perf_counter()
                store.upsert("w5", vectors, metadata=meta, ids=ids)
                t1 = time.perf_counter()
                raw.upsert("w5", ids, vectors, meta)
                t2 = time.perf_counter()
                ours_s += t1 - t0
                raw_s += t2 - t1
            assert store.describe_index("w5").count == count
        finally:
            raw.close()
            storage.close()
        ours, base = count / ours_s, count / raw_s
        self.log(f"  W5 upsert: ours {ours:,.0f} vec/s, raw {base:,.0f} vec/s")
        self.results.append(
            VResult(
                f"W5 upsert {count // 1000}k x {DIM}-d, batch {W5_BATCH}",
                "vec/s",
                ours,
                base,
                raw.label,
                target=TARGETS["W5"][self._i],
                note=f"ours: memory index options ({kind}); raw: same table, no vector index, ON CONFLICT "
                "upsert",
            )
        )
        # The store's own default (an ANN graph: HNSW on PG; libSQL's default is flat too): its insert cost.
        storage = Storage.from_url(self.new_database("vec_w5_ann").url)
        try:
            storage.vectors.create_index("w5", DIM)
            ann = storage.vectors.describe_index("w5").type
            if ann != kind:
                n, spent = self._load(storage.vectors, "w5", count, W5_BATCH)
                self.log(f"  W5 upsert, store default index ({ann}): ours {n / spent:,.0f} vec/s")
                self.results.append(
                    VResult(
                        f"same, create_index default ({ann})",
                        "vec/s",
                        n / spent,
                        base,
                        raw.label,
                        indent=True,
                        note="diagnostic row (no target): the ANN index's upkeep on every insert",
                    )
                )
        finally:
            storage.close()

    # W6 -------------------------------------------------------------------------------------------

    def w6(self, count: int = 2_000) -> None:
        import numpy as np
        from vector_data import exact_top_k, numpy_top_k, recall_at_k

        from mastra_data import Storage

        data = self._data
        nq = 300 if self.config.quick else 500
        queries = data.queries[:nq]
        qlists = queries.tolist()
        ours_db, raw_db = self.new_database("vec_w6"), self.new_database("vec_w6_raw")
        storage = Storage.from_url(ours_db.url)
        store = storage.vectors
        raw = self._raw(raw_db)
        found: dict[int, list[int]] = {}
        try:
            store.create_index("w6", DIM)
            raw.create("w6")
            kind = store.describe_index("w6").type
            self._load(store, "w6", count, 500)
            for s in range(0, count, 500):
                raw.upsert("w6", *self._batch(s, min(count, s + 500)))
            if isinstance(raw, RawPG):
                raw.conn.execute('VACUUM ANALYZE "w6"')

            def ours(i: int) -> None:
                found[i] = [_row(r.id) for r in store.query("w6", qlists[i], top_k=K)]

            def base(i: int) -> None:
                raw.query("w6", qlists[i])

            ours_stats, raw_stats = time_pair(ours, base, list(range(nq)), warmup=30, budget_s=None)
        finally:
            raw.close()
            storage.close()
        matrix = np.ascontiguousarray(data.vectors[:count])
        np_stats = time_calls(lambda i: numpy_top_k(matrix, queries[i], K), list(range(nq)), warmup=30)
        truth = exact_top_k(matrix, queries, K)
        recall = recall_at_k([found[i] for i in range(nq)], truth)
        self.log(
            f"  W6 query: ours {ours_stats.median_ms:.3f} ms, raw {raw_stats.median_ms:.3f} ms, "
            f"numpy {np_stats.median_ms:.3f} ms, recall {recall:.3f}"
        )
        self.results.append(
            VResult(
                f"W6 query top-{K} over {count // 1000}k",
                "ms",
                ours_stats.median_ms,
                raw_stats.median_ms,
                f"raw SQL, {raw.label}",
                target=TARGETS["W6"][self._i],
                note=(
                    f"index {kind}; recall@{K} {recall:.3f}; p95 {ours_stats.p95_ms:.3f} / raw "
                    f"{raw_stats.p95_ms:.3f} ms, n={ours_stats.n}"
                ),
            )
        )
        self.results.append(
            VResult(
                "numpy exact scan (same 2k, same queries)",
                "ms",
                ours_stats.median_ms,
                np_stats.median_ms,
                "numpy",
                indent=True,
                note=f"numpy p95 {np_stats.p95_ms:.3f} ms; efficiency = numpy / ours",
            )
        )

    # 100k ANN -------------------------------------------------------------------------------------

    def large(self) -> None:
        from vector_data import recall_at_k

        from mastra_data import Storage

        data = self._data
        kind = "diskann" if self.backend == "libsql" else "hnsw"
        nq = 300
        qlists = data.queries[:nq].tolist()
        db = self.new_database("vec_100k")
        storage = Storage.from_url(db.url)
        store = storage.vectors
        raw = self._raw(db)
        try:
            store.create_index("big", DIM, index_config={"type": kind})
            budget = LARGE_LOAD_BUDGET_S[self.backend]
            self.log(f"  100k: loading up to {LARGE_N:,} vectors ({kind}, cap {budget:.0f} s)")
            n, spent = self._load(store, "big", LARGE_N, LARGE_BATCH, budget)
            cut = "" if n == LARGE_N else f"; load capped at {n:,} of {LARGE_N:,} ({budget:.0f} s budget)"
            self.log(f"  100k: {n:,} vectors in {spent:.1f} s ({n / spent:,.0f} vec/s)")
            if isinstance(raw, RawPG):
                raw.conn.execute('VACUUM ANALYZE "big"')
            self.results.append(
                VResult(
                    f"{kind} load {n // 1000}k x {DIM}-d, batch {LARGE_BATCH}",
                    "vec/s",
                    n / spent,
                    note=f"through our upsert, index built incrementally{cut}",
                )
            )
            truth = data.truth(K, n)[:nq]
            mask = data.thread_mask("t3", n)
            ftruth = data.truth(K, n, mask)[:nq]
            label = f"{n // 1000}k"

            def measure(thread: str | None, fast: bool = False) -> tuple[Stats, Stats, float, float, str]:
                found: dict[int, list[int]] = {}
                rfound: dict[int, list[int]] = {}
                flt = {"thread_id": thread} if thread else None
                kwargs: dict[str, Any] = {"where_equals": flt} if fast else {"filter": flt}

                def ours(i: int) -> None:
                    found[i] = [_row(r.id) for r in store.query("big", qlists[i], top_k=K, **kwargs)]

                if isinstance(raw, RawLibSQL) and thread is None:
                    rlabel = "raw vector_top_k (DiskANN), libsql"

                    def base(i: int) -> None:
                        rfound[i] = [_row(v) for v in raw.top_k_index("big", qlists[i])]

                else:
                    rlabel = f"raw SQL, {raw.label}"

                    def base(i: int) -> None:
                        rfound[i] = [_row(v) for v in raw.query("big", qlists[i], thread)]

                if isinstance(raw, RawPG) and thread is not None:
                    raw.conn.execute("SET hnsw.iterative_scan = relaxed_order")
                a, b = time_pair(ours, base, list(range(nq)), warmup=20, budget_s=None)
                want = ftruth if thread else truth
                rec = recall_at_k([found[i] for i in range(nq)], want)
                rrec = recall_at_k([rfound[i] for i in range(nq)], want)
                self.log(
                    f"  {label} {thread or 'unfiltered'}{' where_equals' if fast else ''}: "
                    f"ours {a.median_ms:.3f} ms recall {rec:.3f}; "
                    f"raw {b.median_ms:.3f} ms recall {rrec:.3f}"
                )
                return a, b, rec, rrec, rlabel

            a, b, rec, rrec, rlabel = measure(None)
            path = f"{kind} index, {'exact' if rec > 0.999 else 'approximate'} results"
            self.results.append(
                VResult(
                    f"{kind} query top-{K} over {label}",
                    "ms",
                    a.median_ms,
                    b.median_ms,
                    rlabel,
                    target=TARGETS["ANN"][self._i],
                    note=f"ours: {path}; p95 {a.p95_ms:.3f} / raw {b.p95_ms:.3f} ms, n={a.n}{cut}",
                )
            )
            self.results.append(
                VResult(
                    f"recall@{K} vs numpy truth",
                    "recall",
                    rec,
                    rrec,
                    rlabel.split(",")[0],
                    target=ANN_MIN_RECALL,
                    indent=True,
                )
            )

            def filtered(title: str, note: str, *, fast: bool = False, source: str = "") -> None:
                """The thread-filtered query (1 % of rows): latency row plus its exact-recall row."""
                a, b, rec, rrec, rlabel = measure("t3", fast=fast)
                self.results.append(
                    VResult(
                        title,
                        "ms",
                        a.median_ms,
                        b.median_ms,
                        rlabel + source,
                        target=FILTERED_MS,
                        note=f"{note}p95 {a.p95_ms:.3f} / raw {b.p95_ms:.3f} ms, n={a.n}",
                    )
                )
                self.results.append(
                    VResult(
                        f"recall@{K} vs filtered truth (exact = 1)",
                        "recall",
                        rec,
                        rrec,
                        rlabel.split(",")[0],
                        target=1.0,
                        indent=True,
                    )
                )

            filtered(f"thread-filtered top-{K} over {label} (1 %)", 'filter {"thread_id": "t3"}; ')
            if hasattr(store, "index_metadata"):  # the where_equals fast path (memory recall uses it)
                store.index_metadata("big", "thread_id")
                if isinstance(raw, RawPG):
                    raw.conn.execute('ANALYZE "big"')
                filtered(
                    f"where_equals + index_metadata over {label} (1 %)",
                    "",
                    fast=True,
                    source=", same expression index",
                )
                # The same filter= query as above, now that the key is indexed: the pinned-key prefilter.
                filtered(f"filter= + index_metadata over {label} (1 %)", "same filter; ")
        finally:
            raw.close()
            storage.close()

    # libSQL file size -----------------------------------------------------------------------------

    def sizes(self, count: int) -> None:
        from mastra_data import Storage

        payload_kb = DIM * 4  # float32 bytes per vector == KB per 1k vectors
        for kind in ("flat", "diskann"):
            db = self.new_database(f"vec_size_{kind}")
            storage = Storage.from_url(db.url)
            store = storage.vectors
            try:
                store.create_index("sz", DIM, index_config={"type": kind})
                self._load(store, "sz", count, 500)
            finally:
                storage.close()
            raw = RawLibSQL(str(db.path))
            try:
                raw.checkpoint()
            finally:
                raw.close()
            path = Path(db.path)
            wal = Path(f"{path}-wal")
            total = path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
            per_1k = total / 1024 / (count / 1000)
            self.log(f"  size {kind}: {total / 1e6:.1f} MB for {count:,} vectors ({per_1k:,.0f} KB per 1k)")
            self.results.append(
                VResult(
                    f"libSQL file size per 1k vectors, {kind}",
                    "KB/1k",
                    per_1k,
                    payload_kb,
                    "float32 payload",
                    note=f"{count:,} vectors with metadata; DB + WAL after wal_checkpoint(TRUNCATE)",
                )
            )


def run_vector_suite(
    backend: str, new_database: Callable[[str], Any], config: Config, *, log: Callable[[str], None] = print
) -> list[Result]:
    """Run every vector workload on one backend (needs numpy)."""
    try:
        import numpy  # noqa: F401
    except ImportError:
        log("  vectors: skipped (numpy is not installed: pip install numpy)")
        return []
    return VectorSuite(backend, new_database, config, log).run()
