"""PostgreSQL (≥ 15; pgvector optional) through psycopg 3.

URLs: ``postgresql+psycopg://user:pass@host/db``; Mastra-style ``postgres://`` and ``postgresql://`` are
normalised. Unix-socket URLs (``postgresql://user@/db?host=/run/postgresql``) work as libpq reads them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

import psycopg
import sqlalchemy as sa
from psycopg.adapt import Dumper
from psycopg.pq import Format
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL, Engine

from mastra_data.db.dialects import Backend, Bare, ScopeKind, driver_error, lend, register
from mastra_data.db.types import SHADOW_SUFFIX

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from mastra_data.settings import StorageSettings
    from mastra_data.vectors.store import VectorStore

__all__ = ("BinaryParameter", "PostgresBackend")


# Triggers that stamp values on write, by table (created by revision 0001 exactly as Mastra does).
_STAMPING_TRIGGERS = {"mastra_ai_spans": "mastra_ai_spans_timestamps"}


class BinaryParameter(bytes):
    """A value already in its type's binary wire format (e.g. pgvector's ``vector_recv`` layout), sent
    as a binary parameter of the type the server infers from the statement (the target column or a
    cast). Column types' bind processors return it (see ``mastra_data.vectors.pgvector``)."""


class _BinaryParameterDumper(Dumper):
    format = Format.BINARY
    oid = 0  # unknown: the server takes the parameter's type from its context

    def dump(self, obj: Any) -> bytes:
        return bytes(obj)


# On psycopg's global adapters, which every connection copies when it is made (our engines connect after
# this module is imported); only this private type's adaptation changes.
psycopg.adapters.register_dumper(BinaryParameter, _BinaryParameterDumper)


@functools.cache
def _shadows(table: sa.Table) -> tuple[tuple[str, str], ...]:
    """(column, its ``Z`` shadow) pairs of a table (row() runs per written row: no name lookups)."""
    return tuple(
        (c.name, f"{c.name}{SHADOW_SUFFIX}") for c in table.c if f"{c.name}{SHADOW_SUFFIX}" in table.c
    )


@register
class PostgresBackend(Backend):
    """PostgreSQL."""

    dialect_name = "postgresql"
    store = "PG"
    schemes: ClassVar[tuple[str, ...]] = ("postgresql+psycopg", "postgresql", "postgres")
    # Reads need no transaction: autocommit saves the BEGIN and the ROLLBACK-on-return round trips.
    read_options: ClassVar[dict[str, Any]] = {"isolation_level": "AUTOCOMMIT"}
    statement_options: ClassVar[dict[str, Any]] = {"isolation_level": "AUTOCOMMIT"}

    @classmethod
    def normalize_url(cls, raw: str) -> str:
        text = raw.strip()
        for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
            if text.startswith(prefix):
                return "postgresql+psycopg://" + text[len(prefix) :]
        return text

    def create_engine(self, url: URL, settings: StorageSettings) -> Engine:
        return sa.create_engine(url, **self._engine_options(settings))

    def create_async_engine(self, url: URL, settings: StorageSettings) -> AsyncEngine:
        """The same engine over psycopg 3's asyncio mode (``create_async_engine`` selects it for
        ``postgresql+psycopg`` URLs): same pool, recycling, timeout and session settings."""
        from sqlalchemy.ext.asyncio import create_async_engine

        return create_async_engine(url, **self._engine_options(settings))

    @staticmethod
    def _engine_options(settings: StorageSettings) -> dict[str, Any]:
        """Engine keyword arguments shared by :meth:`create_engine` and :meth:`create_async_engine`."""
        return dict(
            echo=settings.echo,
            pool_size=settings.pool_size,
            max_overflow=settings.max_overflow,
            # No pre-ping: it is a round trip on every checkout (0.1-0.4 ms, as much as a whole indexed
            # read). Connections are recycled before typical server/proxy idle timeouts instead, and a
            # connection that dies anyway is invalidated by SQLAlchemy on its first error.
            pool_recycle=settings.pool_recycle,
            connect_args={
                "connect_timeout": settings.connect_timeout,
                # pgvector search settings for every session (dotted names are accepted even before the
                # extension is loaded): a candidate list wide enough for recall@10 >= 0.95 on HNSW (80:
                # 0.972 at 2.25 ms over 100k x 384-d clustered vectors here; 100: 0.975 at 2.63 ms;
                # 64: 0.959; pgvector's default 40: 0.918), and
                # iterative scans so filtered ANN queries still return k rows. Setting them here saves
                # a round trip per vector query. TimeZone=UTC: timestamptz values then arrive with
                # tzinfo=timezone.utc, which to_utc() passes through untouched (with a named zone such
                # as Etc/UTC every timestamp read paid a ZoneInfo conversion, ~4 us a value), and
                # NOW() written into Mastra's TIMESTAMP columns (span trigger) is UTC wall-clock time.
                "options": "-c TimeZone=UTC -c hnsw.ef_search=80 -c hnsw.iterative_scan=relaxed_order "
                "-c ivfflat.iterative_scan=relaxed_order -c ivfflat.probes=10",
            },
        )

    def bare_scope(self, engine: Engine, kind: ScopeKind) -> AbstractContextManager[Bare] | None:
        """The connection runs in autocommit for the scope (its isolation level is restored before the
        pool takes it back): a read or ONE writing statement needs no BEGIN/COMMIT round trips. A
        transaction sends BEGIN, its statements and COMMIT in one psycopg pipeline, one round trip for a
        batch of messages and its thread bump (SQLAlchemy's ``begin()`` inside a pipeline costs two:
        its COMMIT syncs, and so does leaving the pipeline; psycopg's ``transaction()`` syncs on entry
        and exit). Its errors surface when the pipeline syncs on leaving the scope; the server has then
        skipped the rest and the COMMIT, and what is left open, failed or not, is rolled back here.

        ``None`` for the asyncio driver (``AsyncStorage``): its settings and pipeline are coroutines."""
        if engine.dialect.is_async:
            return None
        return self._bare_scope(engine, kind)

    @contextmanager
    def _bare_scope(self, engine: Engine, kind: ScopeKind) -> Iterator[Bare]:
        with lend(engine) as bare:
            driver = bare.connection.driver_connection
            assert isinstance(driver, psycopg.Connection)  # the sync driver (see bare_scope)
            driver.autocommit = True
            try:
                if kind != "transaction":
                    yield bare
                    return
                try:
                    with driver.pipeline():
                        driver.execute("BEGIN")
                        yield bare
                        driver.execute("COMMIT")
                except psycopg.Error as exc:
                    raise driver_error(bare, exc, None) from exc
            finally:
                if not driver.closed:
                    if driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                        driver.rollback()
                    driver.autocommit = False

    def vector_store(self, engine: Engine) -> VectorStore:
        from mastra_data.vectors.pgvector import PgVector

        return PgVector(engine)

    def insert(self, table: sa.Table) -> Any:
        return postgresql.insert(table)

    def stamping_triggers(self, conn: sa.Connection, table: str) -> list[str]:
        """Mastra's span trigger sets ``createdAt``/``updatedAt`` to NOW() on every insert; it needs
        table ownership to switch off, which the role that migrated the database has."""
        trigger = _STAMPING_TRIGGERS.get(table)
        if trigger is None:
            return []
        found = conn.execute(
            sa.text("SELECT 1 FROM pg_trigger WHERE tgname = :trigger AND tgrelid = to_regclass(:table)"),
            {"trigger": trigger, "table": table},
        ).first()
        return [] if found is None else [f'ALTER TABLE "{table}" {{action}} TRIGGER "{trigger}"']

    def table_sizes(self, conn: sa.Connection, tables: Iterable[str]) -> tuple[dict[str, int], str]:
        """``pg_total_relation_size`` of each existing table: heap, TOAST and indexes, in bytes."""
        wanted = list(dict.fromkeys(tables))
        if not wanted:
            return {}, "pg_total_relation_size"
        rows = conn.execute(
            sa.text(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class AS c "
                "JOIN pg_namespace AS n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname IN :names"
            ).bindparams(sa.bindparam("names", expanding=True)),
            {"names": wanted},
        ).all()
        return {str(name): int(size) for name, size in rows}, "pg_total_relation_size"

    def row(self, table: sa.Table, values: Mapping[str, Any]) -> dict[str, Any]:
        """Write each timestamp into its ``Z`` shadow too, as Mastra's PG store does."""
        out = dict(values)
        for name, shadow in _shadows(table):
            if name in values:
                out[shadow] = values[name]
        return out
