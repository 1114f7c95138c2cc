"""``LibSQLVector``: vector indexes in a libSQL database (native ``F32_BLOB`` vectors).

Vectors are bound as raw little-endian float32 blobs (no JSON text round trip). Metrics: cosine
(``vector_distance_cos``) and euclidean (``vector_distance_l2``); libSQL has no inner-product
distance, so ``dotproduct`` is refused. Index types: ``flat`` (default: exact search, no extra
storage — Mastra's default DiskANN index costs about 50 times the vectors' size on disk) and ``diskann``
(``libsql_vector_idx`` with ``compress_neighbors``, ``max_neighbors``, ``search_l`` and
``insert_l``). The metric of a non-cosine index is kept in a comment inside the table's DDL, where
``describe_index`` reads it back.
"""

from __future__ import annotations

import array
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection, Dialect

from mastra_data.vectors.store import Shape, VectorStore

__all__ = ("LibSQLVector",)

_METRIC_COMMENT = re.compile(r"/\* mastra_data: metric=(\w+) \*/")
_DIMENSION = re.compile(r"F32_BLOB\((\d+)\)", re.I)
_LIBSQL_METRIC = {"cosine": "cos", "euclidean": "l2"}
_COMPRESSIONS = ("float1bit", "float8", "float16", "floatb16", "float32")
# DiskANN defaults, measured in scripts/bench.py on 384-d clustered data (10k vectors, 50 queries):
# float8 neighbours x 20 (libSQL's usual example) gave recall@10 0.62 and 12 MB per 1k vectors;
# 1-bit neighbours x 64 with search_l 200 gave 1.00 at 8 MB per 1k. The graph only steers the search:
# candidates are re-ranked by exact distance (see ``_query_statement``), so coarse neighbours suffice.
_DISKANN_DEFAULTS: dict[str, Any] = {
    "compress_neighbors": "float1bit",
    "max_neighbors": 64,
    "search_l": 200,
    "insert_l": 70,
}
_DISKANN_INTEGERS = {"max_neighbors": (1, 256), "search_l": (1, 1000), "insert_l": (1, 1000)}


class F32Blob(sa.types.TypeDecorator[list[float]]):
    """``list[float]`` ⇄ libSQL's ``F32_BLOB`` bytes (little-endian float32)."""

    impl = sa.LargeBinary
    cache_ok = True

    def process_bind_param(self, value: list[float] | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        data = array.array("f", value)
        if sys.byteorder != "little":  # pragma: no cover - libSQL stores little-endian
            data.byteswap()
        return data.tobytes()

    def process_result_value(self, value: Any, dialect: Dialect) -> list[float] | None:
        if value is None:
            return None
        data = array.array("f")
        data.frombytes(bytes(value))
        if sys.byteorder != "little":  # pragma: no cover
            data.byteswap()
        return data.tolist()


class LibSQLVector(VectorStore):
    """Vector indexes on libSQL (see the module docstring)."""

    store = "LIBSQL"
    index_types: ClassVar[tuple[str, ...]] = ("flat", "diskann")
    metrics: ClassVar[tuple[str, ...]] = ("cosine", "euclidean")

    def _create(
        self, conn: Connection, name: str, dimension: int, metric: str, config: Mapping[str, Any]
    ) -> None:
        comment = "" if metric == "cosine" else f" /* mastra_data: metric={metric} */"
        conn.exec_driver_sql(
            f'CREATE TABLE IF NOT EXISTS "{name}" (id SERIAL PRIMARY KEY, vector_id TEXT UNIQUE NOT NULL, '
            f"embedding F32_BLOB({dimension}), metadata TEXT DEFAULT '{{}}'{comment})"
        )
        if config["type"] == "diskann":
            options = [f"metric={_LIBSQL_METRIC[metric]}"]
            diskann = dict(config.get("diskann") or {})
            unknown = sorted(set(diskann) - {"compress_neighbors", *_DISKANN_INTEGERS})
            if unknown:
                raise self._invalid("CREATE_INDEX", f"unknown diskann option(s): {', '.join(unknown)}")
            compress = diskann.get("compress_neighbors", _DISKANN_DEFAULTS["compress_neighbors"])
            if compress not in _COMPRESSIONS:
                raise self._invalid(
                    "CREATE_INDEX", f"compress_neighbors must be one of {', '.join(_COMPRESSIONS)}"
                )
            options.append(f"compress_neighbors={compress}")
            for option, (low, high) in _DISKANN_INTEGERS.items():
                value = diskann.get(option, _DISKANN_DEFAULTS[option])
                if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                    raise self._invalid("CREATE_INDEX", f"{option} must be an integer from {low} to {high}")
                options.append(f"{option}={value}")
            quoted = ", ".join(f"'{o}'" for o in options)  # built from validated values only
            conn.exec_driver_sql(
                f'CREATE INDEX IF NOT EXISTS "{name}_vector_idx" ON "{name}" '
                f"(libsql_vector_idx(embedding, {quoted}))"
            )

    def _describe(self, conn: Connection, name: str) -> tuple[int, str, str] | None:
        ddl = conn.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :n"), {"n": name}
        ).scalar()
        match = _DIMENSION.search(ddl or "")
        if match is None:
            return None
        index_sql = conn.execute(
            sa.text(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :n "
                "AND sql LIKE '%libsql_vector_idx%'"
            ),
            {"n": name},
        ).scalar()
        comment = _METRIC_COMMENT.search(ddl or "")
        metric = (
            comment.group(1)
            if comment
            else ("euclidean" if index_sql and "metric=l2" in index_sql else "cosine")
        )
        return int(match.group(1)), metric, "diskann" if index_sql else "flat"

    def _list(self, conn: Connection) -> list[str]:
        return list(
            conn.execute(
                sa.text("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%F32_BLOB%'")
            ).scalars()
        )

    def _embedding_type(self, dimension: int) -> sa.types.TypeEngine[Any]:
        return F32Blob()

    def _distance(
        self, embedding: sa.ColumnElement[Any], query: sa.BindParameter[Any], metric: str
    ) -> sa.ColumnElement[Any]:
        if metric == "euclidean":
            return sa.func.vector_distance_l2(embedding, query, type_=sa.Float())
        return sa.func.vector_distance_cos(embedding, query, type_=sa.Float())

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
        """With a DiskANN index and no filter, candidates come from ``vector_top_k`` (approximate) and
        are ranked by exact distance.

        A filtered query stays an exact scan: ``vector_top_k`` cannot filter, and over-fetching then
        filtering can return fewer than ``k`` rows although ``k`` match. The top-k table drives the join
        (rowid lookups into the index table), the order Turso recommends (libsql#2212).
        """
        if index_type != "diskann" or where:
            return super()._query_statement(table, shape, where, query, top_k, index_type, narrowed)
        # Over-fetch and rank the candidates exactly: DiskANN's own top-k is approximate (recall@10 was
        # ~0.44 at 36k x 384-d with compressed neighbours); exact distances over 10x the candidates cost
        # little next to the graph search.
        fetch = max(100, 10 * top_k)
        top = sa.func.vector_top_k(f"{table.name}_vector_idx", query, fetch).table_valued("id").alias("top")
        rowid: sa.ColumnElement[Any] = sa.literal_column(f'"{table.name}".rowid')  # a validated identifier
        columns, distance = shape(table)
        return (
            sa.select(*columns)
            .select_from(top.join(table, rowid == top.c.id))
            .order_by(distance)
            .limit(top_k)
        )

    def _metadata_expression(self, key: str) -> str:
        # Unqualified and with a literal path: SQLite uses an expression index only for the same text.
        return f"json_extract(metadata, '$.{key}')"

    def _metadata_type_expression(self, key: str) -> str:
        return f"json_type(metadata, '$.{key}')"

    def _pinned_equality(self, key: str, value: str) -> sa.ColumnElement[bool] | None:
        """``json_extract(…) = value OR (json_type(…) = 'array' AND <a text element equals value>)``:
        one term per expression index, so SQLite unions two index searches and evaluates nothing else
        on the rows the first one finds (the generic filter SQL costs two more JSON lookups a row).
        ``json_extract`` equals a string only for that JSON string, except that an array's or object's
        JSON text could equal a value starting with ``[`` or ``{``: those keep the generic SQL."""
        if value.startswith(("[", "{")):
            return None
        text, kind_of = self._metadata_columns(key)
        element = sa.text(
            f"EXISTS (SELECT 1 FROM json_each(metadata, '$.{key}') AS pinned "
            "WHERE pinned.type = 'text' AND pinned.value = :element)"
        ).bindparams(sa.bindparam("element", value, type_=sa.Text(), unique=True))
        return sa.or_(text == value, sa.and_(kind_of == sa.literal_column("'array'"), element))

    def _index_names(self, conn: Connection, name: str) -> set[str]:
        rows = conn.execute(
            sa.text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :n"), {"n": name}
        )
        return {str(r[0]) for r in rows}

    def _insert(self, table: sa.Table) -> Any:
        return sqlite.insert(table)
