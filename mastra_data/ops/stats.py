"""Rows and on-disk size per core table and per vector index table, thread/resource counts and the
oldest/newest message of a :class:`~mastra_data.Storage` (every domain on its own database)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mastra_data.db.dialects import backend_for
from mastra_data.db.types import to_utc
from mastra_data.errors import translate_db_errors
from mastra_data.memory.models import Message, Thread

if TYPE_CHECKING:
    from mastra_data.storage import Storage

__all__ = ("TABLE_DOMAINS", "DatabaseStats", "TableStats", "collect_stats")

TABLE_DOMAINS: dict[str, str] = {
    "mastra_threads": "memory",
    "mastra_messages": "memory",
    "mastra_resources": "memory",
    "mastra_workflow_snapshot": "workflows",
    "mastra_scorers": "scores",
    "mastra_ai_spans": "observability",
    "mastra_agents": "agents",
}
"""Each core table and the domain (hence the database) it belongs to."""

MESSAGES: sa.Table = Message.__table__  # type: ignore[attr-defined]
THREADS: sa.Table = Thread.__table__  # type: ignore[attr-defined]


@dataclass
class TableStats:
    """One table: ``rows`` and ``bytes`` are ``None`` when the table does not exist (not migrated)."""

    name: str
    kind: str  # "core" or "vector"
    rows: int | None
    bytes: int | None
    size_method: str = ""
    dimension: int | None = None
    index_type: str | None = None
    metric: str | None = None


@dataclass
class DatabaseStats:
    """What :func:`collect_stats` measured."""

    tables: list[TableStats] = field(default_factory=list)
    threads: int = 0
    resources: int = 0
    resource_ids_in_threads: int = 0
    oldest_message: datetime | None = None
    newest_message: datetime | None = None

    @property
    def size_methods(self) -> list[str]:
        """How sizes were measured (``dbstat``, an estimate, ``pg_total_relation_size``), distinct."""
        return list(dict.fromkeys(t.size_method for t in self.tables if t.size_method))


def _existing(conn: sa.Connection) -> set[str]:
    return set(sa.inspect(conn).get_table_names())


def _count(conn: sa.Connection, name: str) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one())


def _measure(engine: Engine, names: list[str], kind: str) -> list[TableStats]:
    backend = backend_for(engine)
    with (
        translate_db_errors(backend.store, "STATS"),
        engine.connect().execution_options(**backend.read_options) as conn,
    ):
        present = _existing(conn)
        sizes, method = backend.table_sizes(conn, [n for n in names if n in present])
        return [
            TableStats(
                name=name,
                kind=kind,
                rows=_count(conn, name) if name in present else None,
                bytes=sizes.get(name) if name in present else None,
                size_method=method if name in present else "",
            )
            for name in names
        ]


def collect_stats(storage: Storage, *, on_table: Callable[[str], None] | None = None) -> DatabaseStats:
    """Measure every core table of the enabled domains and every vector index table.

    Sizes include each table's indexes (and TOAST on PostgreSQL). libSQL measures with the ``dbstat``
    virtual table when the build has it, else estimates (see ``TableStats.size_method``). Message
    times are ``createdAt``. ``on_table`` is called with each table name as it is measured (progress).

    Raises:
        BackendError: a database is unreachable or failed.
        ConfigurationError: a URL cannot work.
    """
    result = DatabaseStats()
    by_engine: dict[str, tuple[Engine, list[str]]] = {}
    for table, domain in TABLE_DOMAINS.items():
        if not storage.settings.enabled(domain):  # type: ignore[arg-type]
            continue
        engine = storage.engine_for(domain)
        by_engine.setdefault(str(engine.url), (engine, []))[1].append(table)
    for engine, names in by_engine.values():
        for stats in _measure(engine, names, "core"):
            result.tables.append(stats)
            if on_table:
                on_table(stats.name)
    if storage.settings.enabled("memory"):
        engine = storage.engine_for("memory")
        backend = backend_for(engine)
        counts = {t.name: t.rows for t in result.tables}
        result.threads = counts.get("mastra_threads") or 0
        result.resources = counts.get("mastra_resources") or 0
        if counts.get("mastra_messages") is not None and counts.get("mastra_threads") is not None:
            with (
                translate_db_errors(backend.store, "STATS"),
                engine.connect().execution_options(**backend.read_options) as conn,
            ):
                created = MESSAGES.c.createdAt
                oldest, newest = conn.execute(sa.select(sa.func.min(created), sa.func.max(created))).one()
                result.oldest_message = to_utc(oldest) if oldest is not None else None
                result.newest_message = to_utc(newest) if newest is not None else None
                result.resource_ids_in_threads = int(
                    conn.execute(sa.select(sa.func.count(sa.distinct(THREADS.c.resourceId)))).scalar_one()
                )
    if storage.settings.enabled("vector"):
        vectors = storage.vectors
        names = vectors.list_indexes()
        engine = storage.engine_for("vector")
        for stats in _measure(engine, names, "vector"):
            described = vectors.describe_index(stats.name)
            stats.dimension, stats.index_type, stats.metric = (
                described.dimension,
                described.type,
                described.metric,
            )
            result.tables.append(stats)
            if on_table:
                on_table(stats.name)
    return result
