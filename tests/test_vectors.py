"""Vector store behaviour on both backends (Mastra's vector tests, spec §6.11, without filters)."""

from __future__ import annotations

import math
from typing import Any

import pytest
import sqlalchemy as sa

from mastra_data import NotFoundError, Storage, ValidationError
from mastra_data.vectors.store import VectorStore

VECTORS = [[1.0, 0.1, 0.0], [0.9, 0.2, 0.0], [0.95, 0.1, 0.0], [0.85, 0.2, 0.0], [0.9, 0.1, 0.0]]


@pytest.fixture
def vectors(storage: Storage) -> VectorStore:
    return storage.vectors


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


class TestIndexManagement:
    def test_create_describe_list_delete(self, vectors: VectorStore) -> None:
        vectors.create_index("docs", 3)
        stats = vectors.describe_index("docs")
        assert (stats.dimension, stats.count, stats.metric) == (3, 0, "cosine")
        assert "docs" in vectors.list_indexes()
        vectors.create_index("docs", 3)  # same settings: no-op
        vectors.delete_index("docs")
        assert "docs" not in vectors.list_indexes()
        with pytest.raises(NotFoundError):
            vectors.describe_index("docs")

    def test_index_table_pages_through_vectors(self, vectors: VectorStore) -> None:
        vectors.create_index("paged", 2)
        vectors.upsert("paged", [[1.0, 0.0], [0.0, 1.0]], ids=["b", "a"], metadata=[{"k": 1}, {"k": 2}])
        table = vectors.index_table("paged")
        with vectors._engine.connect() as conn:  # the store's own database
            rows = conn.execute(
                sa.select(table.c.vector_id, table.c.embedding, table.c.metadata).order_by(table.c.vector_id)
            ).all()
        assert [(r[0], [float(x) for x in r[1]], r[2]) for r in rows] == [
            ("a", [0.0, 1.0], {"k": 2}),
            ("b", [1.0, 0.0], {"k": 1}),
        ]
        with pytest.raises(NotFoundError):
            vectors.index_table("missing")

    @pytest.mark.parametrize("dimension", [0, -1, 1.5, True, "3", 20_000])
    def test_invalid_dimension(self, vectors: VectorStore, dimension: object) -> None:
        with pytest.raises(ValidationError):
            vectors.create_index("docs", dimension)  # type: ignore[arg-type]
        assert "docs" not in vectors.list_indexes()

    def test_recreating_with_another_dimension_or_metric_raises(self, vectors: VectorStore) -> None:
        vectors.create_index("docs", 3)
        with pytest.raises(ValidationError, match="dimension 3"):
            vectors.create_index("docs", 4)
        with pytest.raises(ValidationError):
            vectors.create_index("docs", 3, metric="euclidean")
        assert vectors.describe_index("docs").dimension == 3

    @pytest.mark.parametrize(
        "name", ["x; DROP TABLE mastra_threads", 'a"b', "ä", "1abc", "", "a" * 64, "mastra_threads", None]
    )
    def test_hostile_index_names_are_refused(
        self, storage: Storage, vectors: VectorStore, name: object
    ) -> None:
        with pytest.raises(ValidationError):
            vectors.create_index(name, 3)  # type: ignore[arg-type]
        tables = set(sa.inspect(storage.engine_for("vector")).get_table_names())
        assert "mastra_threads" in tables
        assert vectors.list_indexes() == []

    def test_unsupported_index_type_is_a_validation_error(self, vectors: VectorStore) -> None:
        with pytest.raises(ValidationError, match="not available"):
            vectors.create_index("docs", 3, index_config={"type": "no-such-type"})

    def test_metrics(self, vectors: VectorStore) -> None:
        for metric in vectors.metrics:
            name = f"m_{metric}"
            vectors.create_index(name, 2, metric=metric)  # type: ignore[arg-type]
            assert vectors.describe_index(name).metric == metric
            vectors.upsert(name, [[1.0, 0.0], [0.0, 2.0], [3.0, 0.0]], ids=["x", "y", "z"])
            hits = vectors.query(name, [1.0, 0.0], top_k=3)
            assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        with pytest.raises(ValidationError):
            vectors.create_index("bad_metric", 2, metric="manhattan")  # type: ignore[arg-type]


class TestVectorOperations:
    @pytest.fixture
    def docs(self, vectors: VectorStore) -> VectorStore:
        vectors.create_index("docs", 3)
        vectors.upsert(
            "docs", VECTORS, metadata=[{"n": i} for i in range(5)], ids=[f"v{i}" for i in range(5)]
        )
        return vectors

    def test_query_returns_closest_by_cosine_similarity(self, docs: VectorStore) -> None:
        query = [1.0, 0.1, 0.0]
        hits = docs.query("docs", query, top_k=3)
        expected = sorted(range(5), key=lambda i: -_cosine(VECTORS[i], query))[:3]
        assert [h.id for h in hits] == [f"v{i}" for i in expected]
        for hit in hits:
            assert hit.score == pytest.approx(_cosine(VECTORS[int(hit.id[1:])], query), abs=1e-5)
            assert hit.metadata == {"n": int(hit.id[1:])}
            assert hit.vector is None

    def test_mastra_reference_scores(self, vectors: VectorStore) -> None:
        vectors.create_index("ref", 3)
        vectors.upsert("ref", [[1, 0, 0], [0.9, 0.1, 0], [0.5, 0.5, 0], [0, 1, 0]], ids=["a", "b", "c", "d"])
        scores = [round(h.score, 4) for h in vectors.query("ref", [1, 0, 0], top_k=4)]
        assert scores == [1.0, 0.9939, 0.7071, 0.0]  # spec §5.2, verified against Mastra

    def test_include_vector_and_top_k(self, docs: VectorStore) -> None:
        hits = docs.query("docs", VECTORS[2], top_k=2, include_vector=True)
        assert len(hits) == 2
        assert hits[0].id == "v2"
        assert hits[0].vector == pytest.approx(VECTORS[2], abs=1e-6)
        assert len(docs.query("docs", VECTORS[0], top_k=50)) == 5

    def test_upsert_updates_existing_ids_and_generates_missing_ones(self, docs: VectorStore) -> None:
        docs.upsert("docs", [[0.0, 0.0, 1.0]], metadata=[{"n": "new"}], ids=["v0"])
        hit = docs.query("docs", [0.0, 0.0, 1.0], top_k=1)[0]
        assert (hit.id, hit.metadata) == ("v0", {"n": "new"})
        assert docs.describe_index("docs").count == 5
        new_ids = docs.upsert("docs", [[0.1, 0.1, 0.1], [0.2, 0.2, 0.2]])
        assert len(set(new_ids)) == 2
        assert docs.describe_index("docs").count == 7

    def test_min_score(self, docs: VectorStore) -> None:
        hits = docs.query("docs", [0.0, 1.0, 0.0], top_k=5, min_score=0.2)
        assert hits
        assert all(h.score > 0.2 for h in hits)
        assert len(hits) < 5

    def test_update_and_delete_by_id(self, docs: VectorStore) -> None:
        docs.update_vector("docs", id="v1", metadata={"changed": True})
        docs.update_vector("docs", id="v3", vector=[0.0, 0.0, 1.0])
        top = docs.query("docs", [0.0, 0.0, 1.0], top_k=1, include_vector=True)[0]
        assert (top.id, top.metadata) == ("v3", {"n": 3})
        assert next(h for h in docs.query("docs", VECTORS[1], top_k=5) if h.id == "v1").metadata == {
            "changed": True
        }
        docs.delete_vector("docs", "v3")
        docs.delete_vectors("docs", ids=["v0", "v1", "missing"])
        assert docs.describe_index("docs").count == 2
        with pytest.raises(ValidationError):
            docs.update_vector("docs", id="v2")  # no payload
        with pytest.raises(ValidationError):
            docs.update_vector("docs", id="v2", filter={"n": 2}, metadata={})
        with pytest.raises(ValidationError):
            docs.delete_vectors("docs")
        with pytest.raises(ValidationError):
            docs.delete_vectors("docs", ids=[])

    def test_truncate(self, docs: VectorStore) -> None:
        docs.truncate_index("docs")
        assert docs.describe_index("docs").count == 0
        assert docs.query("docs", VECTORS[0]) == []


class TestBadInput:
    @pytest.fixture
    def docs(self, vectors: VectorStore) -> VectorStore:
        vectors.create_index("docs", 3)
        vectors.upsert("docs", [[1.0, 0.0, 0.0]], ids=["keep"])
        return vectors

    @pytest.mark.parametrize(
        "batch",
        [
            [[1.0, 0.0]],
            [[1.0, 0.0, 0.0, 0.0]],
            [[float("nan"), 0.0, 0.0]],
            [[float("inf"), 0.0, 0.0]],
            [["a", 0.0, 0.0]],
            [[True, 0.0, 0.0]],
            [],
            "abc",
            [[1.0, 0.0, 0.0], [1.0, 0.0]],
        ],
        ids=repr,
    )
    def test_bad_vectors_change_nothing(self, docs: VectorStore, batch: object) -> None:
        with pytest.raises(ValidationError):
            docs.upsert("docs", batch, ids=None)  # type: ignore[arg-type]
        assert docs.describe_index("docs").count == 1

    def test_dimension_mismatch_names_index_expected_and_got(self, docs: VectorStore) -> None:
        with pytest.raises(ValidationError, match=r'Index "docs" expects 3 dimensions but got 2'):
            docs.upsert("docs", [[1.0, 0.0]])

    def test_ids_and_metadata_must_match_the_vectors(self, docs: VectorStore) -> None:
        with pytest.raises(ValidationError):
            docs.upsert("docs", [[1.0, 0.0, 0.0]], ids=["a", "b"])
        with pytest.raises(ValidationError):
            docs.upsert("docs", [[1.0, 0.0, 0.0]], metadata=[{}, {}])
        with pytest.raises(ValidationError):
            docs.upsert("docs", [[1.0, 0.0, 0.0]], metadata=[{"x": float("nan")}])
        assert docs.describe_index("docs").count == 1

    @pytest.mark.parametrize("top_k", [0, -1, 1.5, True])
    def test_invalid_top_k(self, docs: VectorStore, top_k: object) -> None:
        with pytest.raises(ValidationError):
            docs.query("docs", [1.0, 0.0, 0.0], top_k=top_k)  # type: ignore[arg-type]

    def test_missing_index(self, vectors: VectorStore) -> None:
        with pytest.raises(NotFoundError):
            vectors.query("nope", [1.0])
        with pytest.raises(NotFoundError):
            vectors.upsert("nope", [[1.0]])


def test_pg_query_uses_the_hnsw_index(make_pg_database) -> None:  # type: ignore[no-untyped-def]
    """``ORDER BY embedding <=> q LIMIT k`` is served by the ANN index (EXPLAIN), not a seq scan."""
    with Storage.from_url(make_pg_database()) as storage:
        vectors = storage.vectors
        vectors.create_index("emb", 8)
        vectors.upsert("emb", [[float((i * j) % 7) + 1.0 for j in range(8)] for i in range(300)])
        engine = storage.engine_for("vector")
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE emb")
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(
                conn.exec_driver_sql(
                    "EXPLAIN SELECT vector_id FROM emb ORDER BY embedding <=> '[1,2,3,4,5,6,7,8]' LIMIT 5"
                ).scalars()
            )
        assert "emb_vector_idx" in plan
        assert vectors.describe_index("emb").type == "hnsw"


class TestFilters:
    """Filters through the store (the language itself: tests/test_vector_filters.py)."""

    @pytest.fixture
    def catalog(self, vectors: VectorStore) -> VectorStore:
        vectors.create_index("catalog", 3)
        metadata = [
            {"category": "electronics", "price": 100, "tags": ["new", "premium"], "active": True},
            {"category": "books", "price": 50, "tags": ["used"], "active": True},
            {"category": "electronics", "price": 75, "tags": ["refurbished"], "active": False},
            {"category": "books", "price": 25, "tags": ["used", "sale"], "active": True},
            {"category": "clothing", "price": 60, "tags": ["new"], "active": True},
        ]
        vectors.upsert("catalog", VECTORS, metadata=metadata, ids=[f"p{i}" for i in range(5)])
        return vectors

    def ids(self, store: VectorStore, flt: dict[str, object]) -> set[str]:
        return {h.id for h in store.query("catalog", VECTORS[0], top_k=10, filter=flt)}

    def test_query_filters(self, catalog: VectorStore) -> None:
        assert self.ids(catalog, {"price": {"$gt": 75}}) == {"p0"}
        assert self.ids(catalog, {"price": {"$lte": 50}}) == {"p1", "p3"}
        assert self.ids(catalog, {"category": {"$in": ["electronics", "clothing"]}}) == {"p0", "p2", "p4"}
        assert self.ids(catalog, {"tags": {"$all": ["used", "sale"]}}) == {"p3"}
        assert self.ids(catalog, {"$or": [{"price": {"$lt": 30}}, {"active": False}]}) == {"p2", "p3"}
        assert self.ids(catalog, {"price": "100"}) == set()  # type-strict: "100" is not 100
        assert self.ids(catalog, {"missing": {"$exists": False}}) == {f"p{i}" for i in range(5)}
        assert self.ids(catalog, {}) == {f"p{i}" for i in range(5)}

    def test_a_filter_still_returns_top_k_when_enough_rows_match(self, catalog: VectorStore) -> None:
        hits = catalog.query("catalog", VECTORS[0], top_k=2, filter={"category": "books"})
        assert [h.id for h in hits] == sorted(
            ["p1", "p3"], key=lambda i: -_cosine(VECTORS[int(i[1])], VECTORS[0])
        )

    def test_update_and_delete_by_filter(self, catalog: VectorStore) -> None:
        catalog.update_vector("catalog", filter={"category": "books"}, metadata={"category": "archived"})
        assert self.ids(catalog, {"category": "archived"}) == {"p1", "p3"}
        catalog.delete_vectors("catalog", filter={"category": "archived"})
        assert catalog.describe_index("catalog").count == 3

    @pytest.mark.parametrize("flt", [{}, {"$and": []}, {"$nor": []}, {"$and": [{"$and": []}]}], ids=repr)
    def test_empty_and_match_all_filters_are_refused(
        self, catalog: VectorStore, flt: dict[str, object]
    ) -> None:
        with pytest.raises(ValidationError):
            catalog.delete_vectors("catalog", filter=flt)
        with pytest.raises(ValidationError):
            catalog.update_vector("catalog", filter=flt, metadata={"x": 1})
        assert catalog.describe_index("catalog").count == 5

    def test_unknown_operators_and_hostile_keys(self, catalog: VectorStore) -> None:
        for flt in ({"price": {"$bogus": 1}}, {"x; DROP TABLE catalog": 1}, {"a'b": 1}):
            with pytest.raises(ValidationError):
                catalog.query("catalog", VECTORS[0], filter=flt)
        assert catalog.describe_index("catalog").count == 5


def test_libsql_diskann_serves_unfiltered_queries_with_vector_top_k(libsql_engine: sa.Engine) -> None:
    from mastra_data.vectors.libsql import LibSQLVector

    vectors = LibSQLVector(libsql_engine)
    vectors.create_index("ann", 4, index_config={"type": "diskann", "diskann": {"max_neighbors": 8}})
    data = [[float(i), float(i % 5), float(i % 7), 1.0] for i in range(60)]
    vectors.upsert("ann", data, ids=[f"v{i}" for i in range(60)])
    assert vectors.describe_index("ann").type == "diskann"
    statements: list[str] = []
    sa.event.listen(libsql_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    assert vectors.query("ann", data[17], top_k=1)[0].id == "v17"
    assert any("vector_top_k" in s for s in statements)
    statements.clear()
    filtered = vectors.query("ann", data[17], top_k=3, filter={"never": {"$exists": False}})
    assert filtered[0].id == "v17"
    assert len(filtered) == 3
    assert not any("vector_top_k" in s for s in statements)  # filtered: exact scan, always k rows


@pytest.mark.parametrize("index_type", ["flat", "diskann"])
def test_libsql_queries_compute_each_distance_once(libsql_engine: sa.Engine, index_type: str) -> None:
    """The ranked query orders by its selected ``distance`` column: repeating the expression would
    bind the query vector twice (positional parameters) and compute every candidate's distance twice
    (a 1 % filter over 100k x 384-d spent about a millisecond on that)."""
    from mastra_data.vectors.libsql import LibSQLVector

    vectors = LibSQLVector(libsql_engine)
    vectors.create_index("once", 4, index_config={"type": index_type})
    data = [[float(i), float(i % 5), float(i % 7), 1.0] for i in range(30)]
    vectors.upsert("once", data, ids=[f"v{i}" for i in range(30)], metadata=[{"n": i} for i in range(30)])
    statements: list[str] = []
    sa.event.listen(libsql_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    for flt in (None, {"n": {"$gte": 3}}):
        statements.clear()
        assert vectors.query("once", data[17], top_k=3, filter=flt)[0].id == "v17"
        ranked = [s for s in statements if "ORDER BY" in s]
        assert len(ranked) == 1
        assert ranked[0].count("vector_distance_cos(") == 1


def _query_and_plan(storage: Storage, index: str, run: Any) -> tuple[Any, str]:
    """``run()``'s result and the database's plan of the ranked query it sent to ``index`` (PostgreSQL
    analysed and with seq scans off, so an index that can serve the query shows)."""
    engine = storage.engine_for("vector")
    captured: list[tuple[str, object]] = []
    listener = lambda *args: captured.append((args[2], args[3]))  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        result = run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    sql, params = next((s, p) for s, p in captured if "ORDER BY" in s)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f'ANALYZE "{index}"')
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = " ".join(str(r[0]) for r in conn.exec_driver_sql("EXPLAIN " + sql, params))  # type: ignore[arg-type]
        else:
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))  # type: ignore[arg-type]
    return result, plan


def test_filter_pinning_an_indexed_key_is_served_by_its_indexes(
    storage: Storage, vectors: VectorStore
) -> None:
    """``filter={"thread_id": "t7"}`` on a key index_metadata indexed: the value and JSON-type indexes
    select the candidates (EXPLAIN), and the answer is exactly the filter language's, including a
    document whose thread_id is an array holding "t7" and excluding a number 7."""
    vectors.create_index("mem", 4)
    data = [[float(i % 11), float(i % 7), float(i % 5), 1.0] for i in range(400)]
    meta: list[dict[str, Any]] = [{"thread_id": f"t{i % 40}", "n": i} for i in range(400)]
    meta[5] = {"thread_id": ["x", "t7"], "n": 5}
    meta[6] = {"thread_id": 7, "n": 6}
    meta[9] = {"thread_id": '["t7"]', "n": 9}  # a string that reads like the array's JSON: no match
    vectors.upsert("mem", data, metadata=meta, ids=[f"v{i}" for i in range(400)])
    query = [3.0, 1.0, 4.0, 1.0]
    flt = {"thread_id": "t7", "n": {"$lt": 300}}
    before = vectors.query("mem", query, top_k=20, filter=flt)  # no metadata index yet: a full scan
    vectors.index_metadata("mem", "thread_id")
    hits, plan = _query_and_plan(storage, "mem", lambda: vectors.query("mem", query, top_k=20, filter=flt))
    mine = [i for i in range(400) if i < 300 and (i == 5 or (i % 40 == 7 and i not in (5, 6, 9)))]
    expected = sorted(mine, key=lambda i: (-_cosine(data[i], query), i))
    assert sorted(h.id for h in hits) == sorted(f"v{i}" for i in expected)
    assert [(h.id, round(h.score, 6)) for h in hits] == [(h.id, round(h.score, 6)) for h in before]
    assert "mem_thread_id_idx" in plan
    assert "mem_thread_id_type_idx" in plan
    assert "mem_vector_idx" not in plan


def test_where_equals_is_exact_and_served_by_the_metadata_index(
    storage: Storage, vectors: VectorStore
) -> None:
    vectors.create_index("mem", 4)
    vectors.index_metadata("mem", "thread_id")
    data = [[float(i % 11), float(i % 7), float(i % 5), 1.0] for i in range(400)]
    meta = [{"thread_id": f"t{i % 40}", "n": i} for i in range(400)]
    vectors.upsert("mem", data, metadata=meta, ids=[f"v{i}" for i in range(400)])
    query = [3.0, 1.0, 4.0, 1.0]
    hits, plan = _query_and_plan(
        storage, "mem", lambda: vectors.query("mem", query, top_k=5, where_equals={"thread_id": "t7"})
    )
    mine = [i for i in range(400) if i % 40 == 7]
    expected = sorted(mine, key=lambda i: (-_cosine(data[i], query), i))[:5]
    assert [h.id for h in hits][:1] == [f"v{expected[0]}"]
    assert sorted(h.id for h in hits) == sorted(f"v{i}" for i in expected)  # exact, not approximate
    assert all(h.metadata and h.metadata["thread_id"] == "t7" for h in hits)
    assert "mem_thread_id_idx" in plan
    assert "mem_vector_idx" not in plan  # ranked exactly, never by the ANN index with a post-filter
    with pytest.raises(ValidationError):
        vectors.query("mem", query, where_equals={"x; DROP TABLE mem": "t"})
    with pytest.raises(ValidationError):
        vectors.query("mem", query, where_equals=[("thread_id", "t7")])  # type: ignore[arg-type]


def test_libsql_diskann_options_reach_the_index_and_bad_ones_are_refused(libsql_engine: sa.Engine) -> None:
    from mastra_data.vectors.libsql import LibSQLVector

    vectors = LibSQLVector(libsql_engine)
    vectors.create_index("dflt", 4, index_config={"type": "diskann"})
    vectors.create_index(
        "tuned",
        4,
        index_config={"type": "diskann", "diskann": {"compress_neighbors": "float8", "search_l": 50}},
    )
    with libsql_engine.connect() as conn:
        ddl = dict(
            conn.execute(
                sa.text(
                    "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '%vector_idx%'"
                )
            ).all()
        )
    # The documented defaults (1-bit neighbours, 64 of them, search_l 200) unless overridden.
    assert "'compress_neighbors=float1bit'" in ddl["dflt"]
    assert "'max_neighbors=64'" in ddl["dflt"]
    assert "'search_l=200'" in ddl["dflt"]
    assert "'compress_neighbors=float8'" in ddl["tuned"]
    assert "'search_l=50'" in ddl["tuned"]
    bad: list[dict[str, object]] = [
        {"search_l": 0},
        {"insert_l": "70"},
        {"max_neighbors": True},
        {"compress_neighbors": "float7"},
        {"alpha; DROP TABLE x": 1},
    ]
    for options in bad:
        with pytest.raises(ValidationError):
            vectors.create_index("bad", 4, index_config={"type": "diskann", "diskann": options})
    assert "bad" not in vectors.list_indexes()
