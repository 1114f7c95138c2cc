"""Vector store API shared by :class:`LibSQLVector` and :class:`PgVector` (Mastra's ``MastraVector``).

Each index is a table in Mastra's layout — ``id``, ``vector_id TEXT UNIQUE NOT NULL``, ``embedding``
(``F32_BLOB(n)`` / ``vector(n)``), ``metadata`` — so Mastra's own vector classes can read and write an
index made here, and the reverse. Everything that differs per database (DDL, the distance expression,
how an index is described) lives in the backend modules; this module validates input, builds the
Core statements and turns rows into :class:`QueryResult` objects.

Scores: ``cosine`` → cosine similarity (``1 - distance``, as Mastra); ``euclidean`` →
``1 / (1 + distance)``; ``dotproduct`` → the inner product. Higher is better for all three.
"""

from __future__ import annotations

import array
import json
import math
import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from mastra_data.db.dialects import WRITE_TRANSACTION, backend_for
from mastra_data.db.schema import CORE_TABLES
from mastra_data.db.types import JSONDoc
from mastra_data.errors import (
    BackendError,
    ErrorDomain,
    NotFoundError,
    ValidationError,
    translate_db_errors,
)
from mastra_data.vectors import filters
from mastra_data.vectors.models import IndexStats, Metric, QueryResult

__all__ = ("IndexStats", "Metric", "QueryResult", "VectorStore")

Shape = tuple[list[sa.ColumnElement[Any]], sa.Label[Any]]
"""The selected columns of a query over some FROM clause, and the one of them that is the distance
(labelled ``distance``). Queries order by that label, not by the expression again: with positional
parameters (libSQL) the expression repeated would bind the query vector twice and compute every
candidate's distance twice."""
METRICS: tuple[str, ...] = ("cosine", "euclidean", "dotproduct")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
MAX_DIMENSION = 16_000  # pgvector's limit for stored vectors


class VectorStore(ABC):
    """Vector indexes on one database. Use :class:`LibSQLVector` or :class:`PgVector`.

    Args:
        engine: A mastra_data engine (:func:`mastra_data.db.create_engine`).
    """

    #: ``MASTRA_VECTOR_<store>_…`` error ids.
    store: ClassVar[str]
    #: ``index_config["type"]`` values this backend can build; the first is the default.
    index_types: ClassVar[tuple[str, ...]]
    #: Metrics this backend can compute.
    metrics: ClassVar[tuple[str, ...]] = METRICS

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._stats: dict[str, tuple[int, str, str]] = {}  # index -> (dimension, metric, index type)
        # index -> metadata keys with both expression indexes of index_metadata (value and JSON type)
        self._indexed_keys: dict[str, frozenset[str]] = {}
        self._tables: dict[tuple[str, int], sa.Table] = {}

    # --- backend hooks --------------------------------------------------------------------------

    @abstractmethod
    def _create(
        self, conn: Connection, name: str, dimension: int, metric: str, config: Mapping[str, Any]
    ) -> None:
        """Create the table (and ANN index) for a new index."""

    @abstractmethod
    def _describe(self, conn: Connection, name: str) -> tuple[int, str, str] | None:
        """``(dimension, metric, index type)`` of an existing index, or ``None``."""

    @abstractmethod
    def _list(self, conn: Connection) -> list[str]:
        """Names of the vector index tables."""

    @abstractmethod
    def _embedding_type(self, dimension: int) -> sa.types.TypeEngine[Any]:
        """The column type that binds a ``list[float]`` and reads one back."""

    @abstractmethod
    def _distance(
        self, embedding: sa.ColumnElement[Any], query: sa.BindParameter[Any], metric: str
    ) -> sa.ColumnElement[Any]:
        """An ascending distance expression (``ORDER BY`` it ``LIMIT k`` lets an ANN index serve)."""

    def _query_statement(
        self,
        table: sa.Table,
        shape: Callable[[sa.FromClause], Shape],
        where: Sequence[sa.ColumnElement[bool]],
        query: sa.BindParameter[Any],
        top_k: int,
        index_type: str,
        narrowed: bool,
    ) -> sa.Select[Any]:
        """``SELECT … WHERE <filter> ORDER BY <distance> LIMIT k``: exact, or ANN where the database
        serves this shape from its index (pgvector). ``shape(source)`` gives the selected columns and
        the distance over a FROM; ``narrowed``: an indexed ``where_equals`` selects the candidates.
        Backends may override (libSQL's DiskANN, PostgreSQL's exact narrowed scan)."""
        columns, distance = shape(table)
        return sa.select(*columns).where(*where).order_by(distance).limit(top_k)

    @abstractmethod
    def _metadata_expression(self, key: str) -> str:
        """SQL for the text value of top-level metadata ``key``, used both in queries and in the
        expression index, which the database only matches for identical text. ``key`` is a validated
        identifier and is inlined (a bound parameter would not match the index)."""

    @abstractmethod
    def _metadata_type_expression(self, key: str) -> str:
        """SQL for the JSON type of top-level metadata ``key``, ``'array'`` for an array (literal key, as
        :meth:`_metadata_expression`; indexed by :meth:`index_metadata` too)."""

    def _metadata_columns(self, key: str) -> tuple[sa.ColumnElement[str], sa.ColumnElement[str]]:
        """:meth:`_metadata_expression` and :meth:`_metadata_type_expression` of ``key`` as SQL columns,
        for conditions the key's expression indexes serve."""
        return (
            sa.literal_column(self._metadata_expression(key), type_=sa.Text()),
            sa.literal_column(self._metadata_type_expression(key), type_=sa.Text()),
        )

    def _pinned_equality(self, key: str, value: str) -> sa.ColumnElement[bool] | None:
        """Exactly the filter condition ``{key: value}`` (``key`` is ``value`` or an array holding it),
        written so that :meth:`index_metadata`'s expression indexes on ``key`` serve it; ``None``
        where the backend cannot say it exactly that way (the default), or not for this value."""
        return None

    @abstractmethod
    def _index_names(self, conn: Connection, name: str) -> set[str]:
        """Names of the database indexes on the index table ``name``."""

    def _metadata_keys(self, conn: Connection, name: str) -> frozenset[str]:
        """Keys :meth:`index_metadata` indexed on ``name`` (both of its expression indexes exist)."""
        keys = self._indexed_keys.get(name)
        if keys is None:
            names = self._index_names(conn, name)
            prefix, suffix = f"{name}_", "_type_idx"
            keys = frozenset(
                n[len(prefix) : -len(suffix)]
                for n in names
                if n.startswith(prefix) and n.endswith(suffix) and f"{n[: -len(suffix)]}_idx" in names
            )
            self._indexed_keys[name] = keys
        return keys

    def _query_settings(self, top_k: int) -> tuple[Any, dict[str, Any]] | None:
        """A statement (and parameters) to run in the query's transaction first, or ``None``."""
        return None

    # --- plumbing -------------------------------------------------------------------------------

    def _error_id(self, operation: str, status: str = "FAILED") -> str:
        return f"MASTRA_VECTOR_{self.store}_{operation}_{status}"

    def _invalid(
        self, operation: str, message: str, status: str = "INVALID_ARGS", **details: Any
    ) -> ValidationError:
        return ValidationError(
            self._error_id(operation, status), message, domain=ErrorDomain.MASTRA_VECTOR, details=details
        )

    @contextmanager
    def _connect(
        self, operation: str, *, write: bool = False, read_only: bool = False, **details: Any
    ) -> Iterator[Connection]:
        """A connection in one transaction (writes begin IMMEDIATE on libSQL); ``read_only`` uses the
        backend's read options (no transaction round trips on PostgreSQL)."""
        options: dict[str, Any] = {WRITE_TRANSACTION: True} if write else {}
        if read_only:
            options.update(backend_for(self._engine).read_options)
        try:
            with (
                translate_db_errors(self.store, operation, **details),
                self._engine.connect().execution_options(**options) as conn,
                conn.begin(),
            ):
                yield conn
        except BackendError as exc:  # re-label: vector errors are MASTRA_VECTOR_<store>_<op>_FAILED
            raise BackendError(
                self._error_id(operation), exc.message, domain=ErrorDomain.MASTRA_VECTOR, details=exc.details
            ) from exc.__cause__

    def _name(self, index_name: Any, operation: str) -> str:
        if not isinstance(index_name, str) or not _NAME.match(index_name) or index_name in CORE_TABLES:
            raise self._invalid(
                operation,
                f"Invalid index name {index_name!r}: use letters, digits and underscores (start with a "
                "letter or underscore, at most 63 characters), and not a mastra_* core table name",
                status="INVALID_INDEX_NAME",
            )
        return index_name

    def _index(self, conn: Connection, name: str, operation: str) -> tuple[int, str, str]:
        known = self._stats.get(name)
        if known is None:
            described = self._describe(conn, name)
            if described is None:
                raise NotFoundError(
                    self._error_id(operation, "INDEX_NOT_FOUND"),
                    f"Index {name} does not exist",
                    domain=ErrorDomain.MASTRA_VECTOR,
                    details={"indexName": name},
                )
            known = self._stats[name] = described
        return known

    def _table(self, name: str, dimension: int) -> sa.Table:
        # Cached: building a Table (and the statements' column proxies) costs more than a small query.
        key = (name, dimension)
        table = self._tables.get(key)
        if table is None:
            table = self._tables[key] = self._new_table(name, dimension)
        return table

    def _new_table(self, name: str, dimension: int) -> sa.Table:
        return sa.Table(
            name,
            sa.MetaData(),
            sa.Column("id", sa.Integer),
            sa.Column("vector_id", sa.Text, unique=True),
            sa.Column("embedding", self._embedding_type(dimension)),
            sa.Column("metadata", JSONDoc()),
        )

    def _vector(self, value: Any, dimension: int, operation: str, name: str) -> list[float]:
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            raise self._invalid(operation, "A vector must be a list of numbers")
        if len(value) != dimension:
            raise self._invalid(
                operation,
                f'Vector dimension mismatch: Index "{name}" expects {dimension} dimensions but got '
                f"{len(value)} dimensions. Either use a matching embedding model or delete and recreate the "
                "index with the new dimension.",
                status="DIMENSION_MISMATCH",
                indexName=name,
                expected=dimension,
                got=len(value),
            )
        # Fast path in C: array() rejects non-numbers, fsum() is finite only if every component is.
        # Anything unusual (bools, NaN/Inf, a huge sum) falls through to the explicit check below.
        try:
            data = array.array("d", value)
            if math.isfinite(math.fsum(data)) and not any(type(x) is bool for x in value):
                return data.tolist()
        except (TypeError, OverflowError):
            pass
        for x in value:
            if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
                raise self._invalid(operation, f"Vector components must be finite numbers, got {x!r}")
        return [float(x) for x in value]

    def _metadata(self, value: Any, operation: str) -> dict[str, Any]:
        """A JSON object (finite numbers, string keys): the only metadata both backends can store."""
        if not isinstance(value, Mapping):
            raise self._invalid(operation, f"metadata must be an object, got {type(value).__name__}")
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise self._invalid(operation, f"metadata is not JSON-serialisable: {exc}") from None
        return dict(value)

    def _score(self, distance: float, metric: str) -> float:
        if metric == "cosine":
            return 1.0 - distance
        if metric == "euclidean":
            return 1.0 / (1.0 + distance)
        return -distance  # dotproduct: the distance expression is the negative inner product

    # --- API ------------------------------------------------------------------------------------

    def create_index(
        self,
        index_name: str,
        dimension: int,
        *,
        metric: Metric = "cosine",
        index_config: Mapping[str, Any] | None = None,
    ) -> None:
        """Create an index (a table in Mastra's layout); a no-op if it exists with the same settings.

        ``index_config``: ``{"type": …}`` plus ``{"hnsw": {"m", "ef_construction"}}``,
        ``{"ivf": {"lists"}}`` or ``{"diskann": {"compress_neighbors", "max_neighbors", "search_l",
        "insert_l"}}``; the types a backend cannot build are refused.

        Mastra parity: Mastra silently keeps an existing index of another dimension; we raise.

        Raises:
            ValidationError: bad name, dimension, metric or config; or the index exists with another
                dimension or metric (status ``INDEX_MISMATCH``).
        """
        name = self._name(index_name, "CREATE_INDEX")
        if (
            isinstance(dimension, bool)
            or not isinstance(dimension, int)
            or not 0 < dimension <= MAX_DIMENSION
        ):
            raise self._invalid("CREATE_INDEX", f"dimension must be an integer from 1 to {MAX_DIMENSION}")
        if metric not in self.metrics:
            raise self._invalid(
                "CREATE_INDEX", f"metric must be one of {', '.join(self.metrics)}, got {metric!r}"
            )
        config = dict(index_config or {})
        kind = config.setdefault("type", self.index_types[0])
        if kind not in self.index_types:
            raise self._invalid(
                "CREATE_INDEX",
                f"index type {kind!r} is not available here; use one of {', '.join(self.index_types)}",
            )
        known = self._stats.get(name)
        if known is not None and known[:2] == (dimension, metric):
            return  # made or described by this store already: no write transaction needed
        with self._connect("CREATE_INDEX", write=True, indexName=name) as conn:
            existing = self._describe(conn, name)
            if existing is not None:
                if existing[:2] != (dimension, metric):
                    raise self._invalid(
                        "CREATE_INDEX",
                        f"Index {name} exists with dimension {existing[0]} and metric {existing[1]}; "
                        f"requested {dimension}/{metric}. Delete it first to change either.",
                        status="INDEX_MISMATCH",
                    )
                kind = existing[2]
            else:
                self._create(conn, name, dimension, metric, config)
        self._stats[name] = (dimension, metric, kind)

    def upsert(
        self,
        index_name: str,
        vectors: Sequence[Sequence[float]],
        *,
        metadata: Sequence[Mapping[str, Any]] | None = None,
        ids: Sequence[str] | None = None,
        delete_filter: Mapping[str, Any] | None = None,
    ) -> list[str]:
        """Insert or replace vectors by id in one transaction; returns the ids (generated if omitted).

        ``delete_filter`` (Mastra's ``deleteFilter``) first deletes the vectors it matches, in the same
        transaction and only once every input is valid: a re-index that fails leaves the old vectors.

        Raises:
            ValidationError: empty list, a vector of the wrong dimension or with NaN/Inf/non-numbers,
                ids/metadata of another length, metadata that is not a JSON object.
            NotFoundError: no such index.
        """
        name = self._name(index_name, "UPSERT")
        if isinstance(vectors, str | bytes) or not isinstance(vectors, Sequence) or not vectors:
            raise self._invalid("UPSERT", "vectors must be a non-empty list of vectors")
        count = len(vectors)
        if ids is not None and (
            isinstance(ids, str) or len(ids) != count or not all(isinstance(i, str) and i for i in ids)
        ):
            raise self._invalid("UPSERT", f"ids must be a list of {count} non-empty strings")
        if metadata is not None and (isinstance(metadata, Mapping) or len(metadata) != count):
            raise self._invalid("UPSERT", f"metadata must be a list of {count} objects")
        keys = list(ids) if ids is not None else [str(uuid.uuid4()) for _ in range(count)]
        with self._connect("UPSERT", write=True, indexName=name) as conn:
            dimension, _metric, _kind = self._index(conn, name, "UPSERT")
            rows = []
            for i, vector in enumerate(vectors):
                rows.append(
                    {
                        "vector_id": keys[i],
                        "embedding": self._vector(vector, dimension, "UPSERT", name),
                        "metadata": {} if metadata is None else self._metadata(metadata[i], "UPSERT"),
                    }
                )
            table = self._table(name, dimension)
            if delete_filter is not None:
                conn.execute(sa.delete(table).where(*self._target(table, delete_filter, "UPSERT")))
            insert = self._insert(table)
            stmt = insert.on_conflict_do_update(
                index_elements=[table.c.vector_id],
                set_={"embedding": insert.excluded.embedding, "metadata": insert.excluded.metadata},
            )
            conn.execute(stmt, list({r["vector_id"]: r for r in rows}.values()))
        return keys

    @abstractmethod
    def _insert(self, table: sa.Table) -> Any:
        """The dialect's INSERT construct (with ``on_conflict_do_update``)."""

    def query(
        self,
        index_name: str,
        query_vector: Sequence[float],
        *,
        top_k: int = 10,
        filter: Mapping[str, Any] | None = None,
        include_vector: bool = False,
        min_score: float | None = None,
        where_equals: Mapping[str, str] | None = None,
    ) -> list[QueryResult]:
        """The ``top_k`` nearest vectors (best first), optionally metadata-filtered and thresholded.

        The statement is ``… ORDER BY <distance> LIMIT k``, the shape an ANN index can serve.
        ``where_equals`` is a fast path for string equality on top-level metadata keys (ANDed with
        ``filter``): it is what :meth:`index_metadata` indexes, so a selective one (a thread's or a
        resource's messages) is answered exactly from that index. Unlike ``filter``, it does not look
        inside arrays.

        Raises:
            ValidationError: bad ``top_k``, a query vector of the wrong dimension or not finite.
            NotFoundError: no such index.
        """
        name = self._name(index_name, "QUERY")
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise self._invalid("QUERY", f"topK must be a positive integer, got {top_k!r}")
        if where_equals is not None and not isinstance(where_equals, Mapping):
            raise self._invalid("QUERY", "where_equals must be an object mapping metadata keys to strings")
        settings = self._query_settings(top_k)
        with self._connect("QUERY", read_only=not settings, indexName=name) as conn:
            dimension, metric, kind = self._index(conn, name, "QUERY")
            vector = self._vector(query_vector, dimension, "QUERY", name)
            table = self._table(name, dimension)
            tree = filters.parse_filter(filter)
            # A filter pinning an indexed key to a string ({"thread_id": "t1"}) is answered from the
            # key's two expression indexes and ranked exactly over those rows: {"thread_id": "t1"}
            # matches "t1" or an array holding it, so every match has the key's text "t1" or the key
            # as an array. Where the backend can say exactly that in index terms
            # (_pinned_equality), that condition replaces the pinned one; otherwise it is a redundant
            # prefilter and the full filter still decides.
            indexed = self._metadata_keys(conn, name)
            pinned = {k: v for k, v in filters.pinned_strings(tree).items() if k in indexed}
            exact = {k: c for k, v in pinned.items() if (c := self._pinned_equality(k, v)) is not None}
            rest = filters.without_pinned(tree, {k: pinned[k] for k in exact})
            where = [] if rest is None else [filters.compile_filter(rest, table.c.metadata)]
            where += exact.values()
            for key, value in pinned.items():
                if key not in exact:
                    text, kind_of = self._metadata_columns(key)
                    where.append(sa.or_(text == value, kind_of == sa.literal_column("'array'")))
            for key, value in (where_equals or {}).items():
                if not isinstance(key, str) or not _KEY.match(key) or not isinstance(value, str):
                    raise self._invalid("QUERY", "where_equals maps metadata keys (identifiers) to strings")
                where.append(self._metadata_columns(key)[0] == value)
            query = sa.bindparam("q", vector, type_=table.c.embedding.type)

            def shape(source: sa.FromClause) -> Shape:
                distance = self._distance(source.c.embedding, query, metric).label("distance")
                columns: list[sa.ColumnElement[Any]] = [source.c.vector_id, source.c.metadata, distance]
                if include_vector:
                    columns.append(source.c.embedding)
                return columns, distance

            narrowed = bool(where_equals) or bool(pinned)
            stmt = self._query_statement(table, shape, where, query, top_k, kind, narrowed)
            if settings:
                conn.execute(settings[0], settings[1])
            rows = conn.execute(stmt).all()
        results = []
        for row in rows:
            score = self._score(float(row[2]), metric)
            if min_score is not None and not score > min_score:
                break  # rows come best first
            vec = [float(x) for x in row[3]] if include_vector else None
            results.append(QueryResult(id=row[0], score=score, metadata=row[1], vector=vec))
        return results

    def index_metadata(self, index_name: str, key: str) -> None:
        """Index top-level metadata ``key``: its text value and its JSON type (two expression indexes).

        They serve ``query(where_equals={key: …})`` and any ``filter`` that pins ``key`` to a string at
        its top level (``{key: "v"}``, ``{key: {"$eq": "v"}}``, ANDed with anything): such queries read
        only the matching rows and rank them exactly instead of scanning the whole index.

        Raises:
            ValidationError: bad index name or key.
            NotFoundError: no such index.
        """
        name = self._name(index_name, "INDEX_METADATA")
        if not isinstance(key, str) or not _KEY.match(key):
            raise self._invalid("INDEX_METADATA", f"Invalid metadata key {key!r}")
        with self._connect("INDEX_METADATA", write=True, indexName=name) as conn:
            self._index(conn, name, "INDEX_METADATA")
            expression = self._metadata_expression(key)
            conn.exec_driver_sql(f'CREATE INDEX IF NOT EXISTS "{name}_{key}_idx" ON "{name}" ({expression})')
            # The key's JSON type too: with it, a filter {key: "v"} (which also matches arrays holding
            # "v") is served by the two indexes instead of reading every row's metadata.
            kind = self._metadata_type_expression(key)
            conn.exec_driver_sql(f'CREATE INDEX IF NOT EXISTS "{name}_{key}_type_idx" ON "{name}" ({kind})')
        self._indexed_keys.pop(name, None)

    def list_indexes(self) -> list[str]:
        """Names of all vector indexes in the database, sorted."""
        with self._connect("LIST_INDEXES") as conn:
            return sorted(self._list(conn))

    def describe_index(self, index_name: str) -> IndexStats:
        """Dimension, number of vectors, metric and ANN index type (``flat`` when none).

        Raises:
            NotFoundError: no such index.
        """
        name = self._name(index_name, "DESCRIBE_INDEX")
        with self._connect("DESCRIBE_INDEX", indexName=name) as conn:
            described = self._describe(conn, name)
            if described is None:
                raise NotFoundError(
                    self._error_id("DESCRIBE_INDEX", "INDEX_NOT_FOUND"),
                    f"Index {name} does not exist",
                    domain=ErrorDomain.MASTRA_VECTOR,
                    details={"indexName": name},
                )
            dimension, metric, kind = described
            count = conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
        return IndexStats(dimension=dimension, count=count, metric=metric, type=kind)

    def index_table(self, index_name: str) -> sa.Table:
        """The SQLAlchemy table of an index (``id, vector_id, embedding, metadata``, with this backend's
        embedding and JSON types), for bulk tooling such as ``mastra-data copy`` that pages through it.

        Raises:
            NotFoundError: no such index.
        """
        stats = self.describe_index(index_name)
        return self._table(index_name, stats.dimension)

    def delete_index(self, index_name: str) -> None:
        """Drop the index and its vectors (no error if it does not exist)."""
        name = self._name(index_name, "DELETE_INDEX")
        with self._connect("DELETE_INDEX", write=True, indexName=name) as conn:
            conn.execute(sa.text(f'DROP TABLE IF EXISTS "{name}"'))
        self._stats.pop(name, None)
        self._indexed_keys.pop(name, None)

    def truncate_index(self, index_name: str) -> None:
        """Delete every vector of the index, keeping the index.

        Raises:
            NotFoundError: no such index.
        """
        name = self._name(index_name, "TRUNCATE_INDEX")
        with self._connect("TRUNCATE_INDEX", write=True, indexName=name) as conn:
            dimension, _, _ = self._index(conn, name, "TRUNCATE_INDEX")
            conn.execute(sa.delete(self._table(name, dimension)))

    def update_vector(
        self,
        index_name: str,
        *,
        id: str | None = None,
        filter: Mapping[str, Any] | None = None,
        vector: Sequence[float] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        """Replace the vector and/or metadata (metadata is replaced, as in Mastra) of one id or of every
        vector matching ``filter`` (id XOR filter).

        Raises:
            ValidationError: neither or both of id/filter, no payload, an empty or match-all filter.
            NotFoundError: no such index.
        """
        name = self._name(index_name, "UPDATE_VECTOR")
        if (id is None) == (filter is None):
            raise self._invalid(
                "UPDATE_VECTOR", "Give exactly one of id or filter", status="MUTUALLY_EXCLUSIVE"
            )
        if vector is None and metadata is None:
            raise self._invalid(
                "UPDATE_VECTOR", "Nothing to update: give vector and/or metadata", status="NO_PAYLOAD"
            )
        if metadata is not None:
            metadata = self._metadata(metadata, "UPDATE_VECTOR")
        with self._connect("UPDATE_VECTOR", write=True, indexName=name) as conn:
            dimension, _, _ = self._index(conn, name, "UPDATE_VECTOR")
            table = self._table(name, dimension)
            values: dict[str, Any] = {}
            if vector is not None:
                values["embedding"] = self._vector(vector, dimension, "UPDATE_VECTOR", name)
            if metadata is not None:
                values["metadata"] = dict(metadata)
            where = (
                [table.c.vector_id == id] if id is not None else self._target(table, filter, "UPDATE_VECTOR")
            )
            conn.execute(sa.update(table).where(*where).values(values))

    def _target(
        self, table: sa.Table, flt: Mapping[str, Any] | None, operation: str
    ) -> list[sa.ColumnElement[bool]]:
        """A filter that must select something narrower than "everything"."""
        if not flt:
            raise self._invalid(
                operation,
                "Cannot use an empty filter. Use delete_index or truncate_index to affect all vectors.",
                status="EMPTY_FILTER",
            )
        tree = filters.parse_filter(flt)
        if tree is None or _always_true(tree):
            raise self._invalid(operation, "The filter matches every vector", status="MATCH_ALL_FILTER")
        return [filters.compile_filter(tree, table.c.metadata)]

    def delete_vector(self, index_name: str, id: str) -> None:
        """Delete one vector by id (no error if it does not exist)."""
        self.delete_vectors(index_name, ids=[id])

    def delete_vectors(
        self,
        index_name: str,
        *,
        ids: Sequence[str] | None = None,
        filter: Mapping[str, Any] | None = None,
    ) -> None:
        """Delete vectors by ids or by a (non-empty, not match-all) filter.

        Raises:
            ValidationError: both or neither given, an empty id list, an empty or match-all filter.
            NotFoundError: no such index.
        """
        name = self._name(index_name, "DELETE_VECTORS")
        if (ids is None) == (filter is None):
            raise self._invalid(
                "DELETE_VECTORS", "Give exactly one of ids or filter", status="MUTUALLY_EXCLUSIVE"
            )
        if ids is not None and (isinstance(ids, str) or not ids or not all(isinstance(i, str) for i in ids)):
            raise self._invalid(
                "DELETE_VECTORS", "ids must be a non-empty list of strings", status="EMPTY_IDS"
            )
        with self._connect("DELETE_VECTORS", write=True, indexName=name) as conn:
            dimension, _, _ = self._index(conn, name, "DELETE_VECTORS")
            table = self._table(name, dimension)
            if ids is not None:
                for start in range(0, len(ids), 500):
                    conn.execute(
                        sa.delete(table).where(table.c.vector_id.in_(list(ids[start : start + 500])))
                    )
            else:
                conn.execute(sa.delete(table).where(*self._target(table, filter, "DELETE_VECTORS")))


def _always_true(tree: Any) -> bool:
    """An ``$and``/``$nor`` of nothing (or of such): true for every document, as Mastra's ``1=1``."""
    from mastra_data.vectors.filters import Logical

    return (
        isinstance(tree, Logical)
        and tree.op in ("$and", "$nor")
        and all(_always_true(c) for c in tree.children)
    )
