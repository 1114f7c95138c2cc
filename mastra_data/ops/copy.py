"""Copy every core table and vector index from one database to another (``mastra-data copy``).

The path for users who outgrow the embedded libSQL file and move to PostgreSQL, and it works in any
direction (libSQL → PG, PG → libSQL, libSQL → libSQL, PG → PG). Rows travel through the schema's
SQLAlchemy tables, so every encoding rule of DESIGN §2 (ISO-8601 text vs ``TIMESTAMP`` + ``Z`` shadow,
``TEXT`` vs ``JSONB``, ``0/1`` vs ``BOOLEAN``) is applied by the column types on both sides.

How it goes:

* The source is only read (never migrated: a Mastra-created database is copied as it is); the
  destination is migrated to head first.
* Each table is read in key order with keyset pagination (``WHERE key > :last ORDER BY key LIMIT n``,
  never ``OFFSET``). Each batch is written in one destination transaction: keys the destination lacks
  are inserted, rows present and equal are skipped, rows present with other content are *conflicts*:
  counted, sampled, and left alone unless ``overwrite=True``.
* So a rerun is a no-op, and a rerun after an interruption (Ctrl-C, a crash) finishes the job: a batch
  is committed whole or not at all.
* Vector indexes are created on the destination with the source's dimension and metric (and its ANN
  index type when the destination has it; a flat index or an unknown type gets the destination's
  default: HNSW on PostgreSQL, flat on libSQL) and copied the same way, keyed by ``vector_id``.
* Finally each table's row count is compared: the destination must hold at least the source's rows
  (it may hold more when it already had data of its own).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from mastra_data.db import migrations
from mastra_data.db.base import PG_ONLY
from mastra_data.db.dialects import WRITE_TRANSACTION, backend_for, normalize_url
from mastra_data.db.engine import create_engine
from mastra_data.db.schema import metadata, metadata_for
from mastra_data.errors import ConfigurationError, error_id, translate_db_errors
from mastra_data.settings import redact_url
from mastra_data.vectors.store import VectorStore

__all__ = (
    "COPY_DOMAINS",
    "DEFAULT_BATCH_SIZE",
    "DOMAIN_TABLES",
    "CopyInterrupted",
    "CopyProgress",
    "CopyReport",
    "TableCopy",
    "copy_database",
)

DEFAULT_BATCH_SIZE = 1000

DOMAIN_TABLES: dict[str, tuple[str, ...]] = {
    "memory": ("mastra_threads", "mastra_resources", "mastra_messages"),
    "workflows": ("mastra_workflow_snapshot",),
    "scores": ("mastra_scorers",),
    "observability": ("mastra_ai_spans",),
    "agents": ("mastra_agents",),
}
"""Core tables per domain, in copy order (threads before their messages)."""

COPY_DOMAINS: tuple[str, ...] = (*DOMAIN_TABLES, "vectors")
"""What ``domains`` may name: the five storage domains and ``vectors`` (every vector index)."""

SAMPLE_SIZE = 10
"""How many conflicting keys a :class:`TableCopy` keeps as examples."""

_VECTOR_KEY = "vector_id"

# The metadata keys MemoryRepository.index_messages indexes on a memory_messages* index.
_MEMORY_INDEX_PREFIX = "memory_messages"
_MEMORY_METADATA_KEYS = ("thread_id", "resource_id")


@dataclass
class TableCopy:
    """What happened to one table or vector index.

    Attributes:
        name: Table name (a vector index is its table).
        kind: ``"table"`` (core table) or ``"vector_index"``.
        source_rows: Rows in the source when its copy started.
        destination_rows: Rows in the destination after the copy.
        copied: Rows inserted into the destination.
        unchanged: Rows already present and equal (skipped).
        conflicts: Rows present with the same key but other content.
        overwritten: Conflicting rows replaced (``overwrite=True``); otherwise 0.
        conflict_samples: Up to :data:`SAMPLE_SIZE` conflicting keys (``a/b`` for composite keys).
        absent: The table does not exist in the source (nothing to copy).
        unkeyed: Source rows with a NULL key column, which cannot be copied (they make the count
            check fail).
    """

    name: str
    kind: Literal["table", "vector_index"] = "table"
    source_rows: int = 0
    destination_rows: int = 0
    copied: int = 0
    unchanged: int = 0
    conflicts: int = 0
    overwritten: int = 0
    conflict_samples: list[str] = field(default_factory=list)
    absent: bool = False
    unkeyed: int = 0

    @property
    def unresolved_conflicts(self) -> int:
        """Conflicting rows left as the destination had them."""
        return self.conflicts - self.overwritten

    @property
    def count_ok(self) -> bool:
        """The destination holds at least as many rows as the source (more when it had its own)."""
        return self.destination_rows >= self.source_rows


@dataclass
class CopyReport:
    """The outcome of :func:`copy_database`: one :class:`TableCopy` per table and vector index."""

    source: str
    destination: str
    tables: list[TableCopy] = field(default_factory=list)

    @property
    def copied(self) -> int:
        """Rows inserted, all tables together."""
        return sum(t.copied for t in self.tables)

    @property
    def conflicts(self) -> int:
        """Conflicting rows left unresolved (not overwritten), all tables together."""
        return sum(t.unresolved_conflicts for t in self.tables)

    @property
    def count_mismatches(self) -> list[str]:
        """Tables whose destination holds fewer rows than the source."""
        return [t.name for t in self.tables if not t.count_ok]

    @property
    def ok(self) -> bool:
        """No unresolved conflict and every count check passed."""
        return not self.conflicts and not self.count_mismatches

    def table(self, name: str) -> TableCopy:
        """The entry of table or vector index ``name``.

        Raises:
            KeyError: no such entry.
        """
        for entry in self.tables:
            if entry.name == name:
                return entry
        raise KeyError(name)


@dataclass(frozen=True)
class CopyProgress:
    """Passed to the ``progress`` callback: once when a table starts (``done == 0``) and after each
    committed batch."""

    table: str
    kind: Literal["table", "vector_index"]
    done: int
    total: int


class CopyInterrupted(KeyboardInterrupt):
    """Ctrl-C during a copy. Every committed batch stays; rerunning the copy resumes.

    Attributes:
        table: The table or vector index that was being copied.
        report: What had been done until then.
    """

    def __init__(self, table: str, report: CopyReport) -> None:
        super().__init__(f"copy interrupted while copying {table}; run it again to resume")
        self.table = table
        self.report = report


ProgressCallback = Callable[[CopyProgress], None]


def copy_database(
    src_url: str,
    dst_url: str,
    *,
    domains: Iterable[str] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
) -> CopyReport:
    """Copy the core tables of ``domains`` (default: all) and every vector index from ``src_url`` to
    ``dst_url``; idempotent and resumable (see the module docstring).

    Args:
        src_url: Source database (any URL spelling the package accepts). Only read.
        dst_url: Destination database; migrated to head first.
        domains: Any of ``memory``, ``workflows``, ``scores``, ``observability``, ``agents``,
            ``vectors``.
        batch_size: Rows per read and per destination transaction.
        overwrite: Replace destination rows that have the source's key but other content. Without it
            they are reported in :attr:`TableCopy.conflicts` and left alone.
        progress: Called with a :class:`CopyProgress` when a table starts and after each batch commit.

    Returns:
        The per-table report; ``report.ok`` is false on unresolved conflicts or a short destination.

    Raises:
        ConfigurationError: an unknown domain, a bad batch size, an unsupported URL, the same database
            as source and destination, a missing source file, or a database that cannot be reached.
        MigrationError: the destination is at a revision this package does not know.
        ValidationError: a vector index that exists on the destination with another dimension or
            metric, or a metric the destination cannot compute (libSQL has no ``dotproduct``).
        BackendError: a database error while copying (the batch in progress is rolled back).
        CopyInterrupted: ``KeyboardInterrupt`` while copying (committed batches stay).
    """
    selected = _domains(domains)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ConfigurationError("MASTRA_STORAGE_COPY_INVALID_BATCH_SIZE", "batch_size must be >= 1")
    src_norm, dst_norm = normalize_url(src_url), normalize_url(dst_url)
    if _same_database(src_norm, dst_norm):
        raise ConfigurationError(
            "MASTRA_STORAGE_COPY_SAME_DATABASE",
            f"Source and destination are the same database ({redact_url(src_norm)})",
        )
    _require_source_file(src_norm)
    report = CopyReport(source=redact_url(src_norm), destination=redact_url(dst_norm))
    src = create_engine(src_norm)
    dst = create_engine(dst_norm)
    current = "(connecting)"
    try:
        _reachable(src, "source")
        _reachable(dst, "destination")
        current = "(migrating the destination)"
        migrations.upgrade(dst)
        copier = _Copier(src, dst, batch_size=batch_size, overwrite=overwrite, progress=progress)
        for domain in DOMAIN_TABLES:
            if domain not in selected:
                continue
            for name in DOMAIN_TABLES[domain]:
                current = name
                entry = TableCopy(name=name)
                report.tables.append(entry)
                copier.copy_table(entry)
        if "vectors" in selected:
            for name in copier.source_vectors.list_indexes():
                current = name
                entry = TableCopy(name=name, kind="vector_index")
                report.tables.append(entry)
                copier.copy_index(entry)
    except KeyboardInterrupt:
        raise CopyInterrupted(current, report) from None
    finally:
        src.dispose()
        dst.dispose()
    return report


# --- argument checks ------------------------------------------------------------------------------


def _domains(domains: Iterable[str] | None) -> set[str]:
    if domains is None:
        return set(COPY_DOMAINS)
    names = {d.strip() for d in ([domains] if isinstance(domains, str) else domains) if d.strip()}
    unknown = sorted(names - set(COPY_DOMAINS))
    if unknown or not names:
        raise ConfigurationError(
            "MASTRA_STORAGE_COPY_INVALID_DOMAINS",
            f"Unknown domain(s) {', '.join(unknown) or '(none given)'}; use any of {', '.join(COPY_DOMAINS)}",
        )
    return names


def _local_file(url: str) -> str | None:
    """The absolute path of a local libSQL file URL, else ``None`` (remote, ``:memory:``, PG)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.host or parsed.database in (None, "", ":memory:"):
        return None
    return os.path.realpath(parsed.database or "")


def _same_database(src: str, dst: str) -> bool:
    a, b = make_url(src), make_url(dst)
    if a.get_backend_name() != b.get_backend_name():
        return False
    file_a, file_b = _local_file(src), _local_file(dst)
    if file_a is not None or file_b is not None:
        return file_a == file_b
    if a.database == ":memory:" or b.database == ":memory:":
        return False  # each :memory: URL is its own database
    return (a.host or "localhost", a.port, a.database, a.query.get("host")) == (
        b.host or "localhost",
        b.port,
        b.database,
        b.query.get("host"),
    )


def _require_source_file(src: str) -> None:
    # Opening a missing libSQL file would create an empty database and "copy" nothing.
    path = _local_file(src)
    if path is not None and not os.path.isfile(path):
        raise ConfigurationError(
            "MASTRA_STORAGE_COPY_SOURCE_NOT_FOUND",
            f"Source database file {path!r} does not exist",
            details={"path": path},
        )


def _reachable(engine: Engine, role: str) -> None:
    store = backend_for(engine).store
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.SQLAlchemyError as exc:
        original = getattr(exc, "orig", None) or exc
        text = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
        raise ConfigurationError(
            error_id(store, "COPY", "UNREACHABLE"),
            f"Cannot connect to the {role} database {redact_url(str(engine.url))}: {text}",
            details={"role": role},
        ) from exc


# --- the copy -------------------------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    """Value equality across backends: floats to float32 precision (vectors) or near-equal (REAL),
    and a JSON document equal to the JSON text of it (PG reads such jsonb strings back as documents)."""
    if a == b:
        return True
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-7)
    if isinstance(a, str) and isinstance(b, dict | list):
        a, b = b, a
    if isinstance(a, dict | list) and isinstance(b, str) and b[:1] in ("{", "["):
        try:
            return bool(a == json.loads(b))
        except ValueError:
            return False
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return all(_same(x, y) for x, y in zip(a, b, strict=True))
    return False


def _key_columns(name: str) -> tuple[str, ...]:
    """The table's primary key, or its first unique constraint (``mastra_workflow_snapshot``)."""
    table = metadata.tables[name]
    if table.primary_key.columns:
        return tuple(c.name for c in table.primary_key.columns)
    for constraint in sorted(
        (c for c in table.constraints if isinstance(c, sa.UniqueConstraint)), key=lambda c: str(c.name)
    ):
        return tuple(c.name for c in constraint.columns)
    raise ConfigurationError("MASTRA_STORAGE_COPY_NO_KEY", f"Table {name} has no key to copy by")


def _key_text(key: Sequence[Any]) -> str:
    return "/".join(str(k) for k in key)


def _key_match(columns: Sequence[sa.ColumnElement[Any]]) -> sa.ColumnElement[bool]:
    """``key IN (:keys)`` for one column or a row value of several (an expanding parameter)."""
    keys: sa.BindParameter[Any] = sa.bindparam("keys", expanding=True)
    if len(columns) == 1:
        return columns[0].in_(keys)
    return sa.tuple_(*columns).in_(keys)


def _after(columns: Sequence[sa.ColumnElement[Any]]) -> sa.ColumnElement[bool]:
    """``key > :last`` (a row-value comparison for a composite key): the keyset page condition."""
    params: list[sa.BindParameter[Any]] = [sa.bindparam(f"last_{i}") for i in range(len(columns))]
    if len(columns) == 1:
        return columns[0] > params[0]
    return sa.tuple_(*columns) > sa.tuple_(*params)


class _Copier:
    """Copies tables and vector indexes from one engine to another, batch by batch."""

    def __init__(
        self,
        src: Engine,
        dst: Engine,
        *,
        batch_size: int,
        overwrite: bool,
        progress: ProgressCallback | None,
    ) -> None:
        self.src, self.dst = src, dst
        self.src_backend, self.dst_backend = backend_for(src), backend_for(dst)
        self.src_meta = metadata_for(src.dialect.name)
        self.dst_meta = metadata_for(dst.dialect.name)
        self.batch_size = batch_size
        self.overwrite = overwrite
        self.progress = progress
        self.source_vectors: VectorStore = self.src_backend.vector_store(src)
        self.destination_vectors: VectorStore = self.dst_backend.vector_store(dst)

    # --- plumbing ---------------------------------------------------------------------------------

    @contextmanager
    def _read(self, engine: Engine) -> Iterator[sa.Connection]:
        backend = backend_for(engine)
        with (
            translate_db_errors(backend.store, "COPY"),
            engine.connect().execution_options(**backend.read_options) as conn,
        ):
            yield conn

    @contextmanager
    def _write(self, operation: str = "COPY") -> Iterator[sa.Connection]:
        with (
            translate_db_errors(self.dst_backend.store, operation),
            self.dst.connect().execution_options(**{WRITE_TRANSACTION: True}) as conn,
            conn.begin(),
        ):
            yield conn

    def _count(self, engine: Engine, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
        with self._read(engine) as conn:
            query = sa.select(sa.func.count()).select_from(table).where(*where)
            return int(conn.execute(query).scalar_one())

    def _report(self, entry: TableCopy, done: int) -> None:
        if self.progress is not None:
            self.progress(CopyProgress(entry.name, entry.kind, done, entry.source_rows))

    def _pages(
        self, conn: sa.Connection, columns: Sequence[sa.ColumnElement[Any]], keys: Sequence[str]
    ) -> Iterator[list[dict[str, Any]]]:
        """The source rows in key order, a batch at a time, by keyset pagination."""
        by_name = {c.key: c for c in columns}
        key_cols = [by_name[k] for k in keys]
        # Rows with a NULL key (libSQL leaves Mastra's key columns nullable) cannot be paged past, looked
        # up or written to PostgreSQL: they are left out here and counted in TableCopy.unkeyed.
        first = (
            sa.select(*columns)
            .where(*[c.is_not(None) for c in key_cols])
            .order_by(*key_cols)
            .limit(self.batch_size)
        )
        following = first.where(_after(key_cols))
        params: dict[str, Any] = {}
        while True:
            rows = [dict(r._mapping) for r in conn.execute(following if params else first, params)]
            if not rows:
                return
            yield rows
            if len(rows) < self.batch_size:
                return
            params = {f"last_{i}": rows[-1][k] for i, k in enumerate(keys)}

    def _merge(
        self,
        entry: TableCopy,
        rows: list[dict[str, Any]],
        keys: Sequence[str],
        existing: Mapping[tuple[Any, ...], Mapping[str, Any]],
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Split a batch into rows to insert and conflicting rows to overwrite; count the rest."""
        missing, replace = [], []
        for row in rows:
            key = tuple(row[k] for k in keys)
            current = existing.get(key)
            if current is None:
                missing.append(row)
            elif all(_same(value, current.get(name)) for name, value in row.items()):
                entry.unchanged += 1
            else:
                entry.conflicts += 1
                if len(entry.conflict_samples) < SAMPLE_SIZE:
                    entry.conflict_samples.append(_key_text(key))
                if self.overwrite:
                    replace.append(row)
        return missing, replace

    # --- core tables ------------------------------------------------------------------------------

    def copy_table(self, entry: TableCopy) -> None:
        name = entry.name
        with self._read(self.src) as conn:
            present = sa.inspect(conn).get_columns(name) if sa.inspect(conn).has_table(name) else None
        if present is None:
            entry.absent = True
            self._report(entry, 0)
            return
        src_table = self.src_meta.tables[name]
        dst_table = self.dst_meta.tables[name]
        names = {c["name"] for c in present}
        # Only the columns both sides have: a Mastra-created source may predate a column (the
        # destination's default fills it), and PG's shadow columns are derived, not copied.
        columns = [
            c
            for c in src_table.columns
            if c.name in names and not c.info.get(PG_ONLY) and c.name in dst_table.c
        ]
        keys = _key_columns(name)
        entry.source_rows = self._count(self.src, src_table)
        entry.unkeyed = self._count(self.src, src_table, sa.or_(*[src_table.c[k].is_(None) for k in keys]))
        self._report(entry, 0)
        dst_columns = [dst_table.c[c.name] for c in columns]
        dst_keys = [dst_table.c[k] for k in keys]
        lookup = sa.select(*dst_columns).where(_key_match(dst_keys))
        insert = self.dst_backend.insert(dst_table)
        update = sa.update(dst_table).where(
            *[col == sa.bindparam(f"key_{i}") for i, col in enumerate(dst_keys)]
        )
        # Triggers that would rewrite copied values (Mastra's PG span trigger stamps createdAt/updatedAt
        # with NOW()) are switched off inside each batch's transaction (see Backend.stamping_triggers).
        with self._read(self.dst) as conn:
            triggers = self.dst_backend.stamping_triggers(conn, name)
        done = 0
        with self._read(self.src) as conn:
            for rows in self._pages(conn, columns, keys):
                with self._write() as out:
                    for statement in triggers:
                        out.exec_driver_sql(statement.format(action="DISABLE"))
                    batch_keys = [tuple(r[k] for k in keys) for r in rows]
                    found = out.execute(
                        lookup, {"keys": batch_keys if len(keys) > 1 else [k[0] for k in batch_keys]}
                    )
                    existing = {tuple(r._mapping[k] for k in keys): dict(r._mapping) for r in found}
                    missing, replace = self._merge(entry, rows, keys, existing)
                    if missing:
                        out.execute(insert, [self.dst_backend.row(dst_table, r) for r in missing])
                    if replace:
                        out.execute(
                            update,
                            [
                                {
                                    **self.dst_backend.row(dst_table, r),
                                    **{f"key_{i}": r[k] for i, k in enumerate(keys)},
                                }
                                for r in replace
                            ],
                        )
                    for statement in triggers:
                        out.exec_driver_sql(statement.format(action="ENABLE"))
                entry.copied += len(missing)
                entry.overwritten += len(replace)
                done += len(rows)
                self._report(entry, done)
        entry.destination_rows = self._count(self.dst, dst_table)

    # --- vector indexes ---------------------------------------------------------------------------

    def copy_index(self, entry: TableCopy) -> None:
        name = entry.name
        src_vs, dst_vs = self.source_vectors, self.destination_vectors
        info = src_vs.describe_index(name)
        # The source's ANN index type where the destination has it; a flat (exact) index becomes the
        # destination's default, so a libSQL file's index gets HNSW on PostgreSQL, where Mastra's
        # describeIndex also reads the metric from the ANN index's operator class.
        kind = info.type if info.type in dst_vs.index_types and info.type != "flat" else dst_vs.index_types[0]
        dst_vs.create_index(name, info.dimension, metric=info.metric, index_config={"type": kind})
        if name.startswith(_MEMORY_INDEX_PREFIX):
            # What MemoryRepository.index_messages adds, so recall on the destination is as fast.
            for key in _MEMORY_METADATA_KEYS:
                dst_vs.index_metadata(name, key)
        entry.source_rows = info.count
        self._report(entry, 0)
        # The stores have no public way to page through an index: read its table with the store's
        # own Table object (the embedding column type converts F32_BLOB / pgvector to list[float]).
        src_table = src_vs.index_table(name)
        dst_table = dst_vs.index_table(name)
        columns = [src_table.c.vector_id, src_table.c.embedding, src_table.c.metadata]
        lookup = sa.select(dst_table.c.vector_id, dst_table.c.embedding, dst_table.c.metadata).where(
            _key_match([dst_table.c.vector_id])
        )
        done = 0
        with self._read(self.src) as conn:
            for rows in self._pages(conn, columns, (_VECTOR_KEY,)):
                for row in rows:
                    row["embedding"] = [float(x) for x in row["embedding"]]
                    row["metadata"] = row["metadata"] if row["metadata"] is not None else {}
                with self._read(self.dst) as out:
                    existing = {
                        (r[0],): {
                            "vector_id": r[0],
                            "embedding": [float(x) for x in r[1]],
                            "metadata": r[2] if r[2] is not None else {},
                        }
                        for r in out.execute(lookup, {"keys": [r[_VECTOR_KEY] for r in rows]})
                    }
                missing, replace = self._merge(entry, rows, (_VECTOR_KEY,), existing)
                write = missing + replace
                if write:
                    # One transaction through the public upsert: validation and encoding as for any write.
                    dst_vs.upsert(
                        name,
                        [r["embedding"] for r in write],
                        ids=[r[_VECTOR_KEY] for r in write],
                        metadata=[r["metadata"] for r in write],
                    )
                entry.copied += len(missing)
                entry.overwritten += len(replace)
                done += len(rows)
                self._report(entry, done)
        entry.destination_rows = dst_vs.describe_index(name).count
