"""What every domain repository shares: its engine and backend, read and write scopes, and the
"page plus total" query shape of Mastra's list methods."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from mastra_data.db.dialects import WRITE_TRANSACTION, Backend, Bare, ScopeKind, backend_for
from mastra_data.db.direct import Direct, direct_usable, fetch_all
from mastra_data.db.types import to_utc
from mastra_data.errors import translate_db_errors
from mastra_data.pagination import Pagination

__all__ = ("Repository", "count_and_page", "page_and_total", "utc_now")


def utc_now() -> datetime:
    """Now, as the repositories store it: aware UTC, cut to milliseconds (a JS ``Date``)."""
    return to_utc(datetime.now(UTC))


class Repository:
    """Base of the domain repositories.

    Args:
        engine: A mastra_data engine (:func:`mastra_data.db.create_engine`), already migrated.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._backend: Backend = backend_for(engine)
        self._store = self._backend.store  # "LIBSQL" / "PG" in error ids

    @contextmanager
    def _read(self, operation: str, **details: Any) -> Iterator[Connection]:
        """A connection for reads, statement by statement (no transaction round trips); database
        errors become ``BackendError`` with id ``MASTRA_STORAGE_<store>_<operation>_FAILED``."""
        with (
            translate_db_errors(self._store, operation, **details),
            self._engine.connect().execution_options(**self._backend.read_options) as conn,
        ):
            yield conn

    @contextmanager
    def _write(self, operation: str, **details: Any) -> Iterator[Connection]:
        """One write transaction: all of it commits, or none of it does. libSQL takes the write lock
        up front (``BEGIN IMMEDIATE``), so a read-modify-write inside cannot deadlock on upgrade."""
        with (
            translate_db_errors(self._store, operation, **details),
            self._engine.connect().execution_options(**{WRITE_TRANSACTION: True}) as conn,
            conn.begin(),
        ):
            yield conn

    @contextmanager
    def _write_statement(self, operation: str, **details: Any) -> Iterator[Connection]:
        """A connection for exactly ONE writing statement of one row set (not ``executemany``).

        A single statement is atomic by itself, so on PostgreSQL it runs in autocommit: two round trips
        fewer than :meth:`_write`. (libSQL keeps its up-front write lock, whose waits are retried; see
        ``Backend.statement_options``.) Use :meth:`_write` for anything else.
        """
        with (
            translate_db_errors(self._store, operation, **details),
            self._engine.connect().execution_options(**self._backend.statement_options) as conn,
            conn.begin(),
        ):
            yield conn

    @contextmanager
    def _direct(self, operation: str, kind: ScopeKind, **details: Any) -> Iterator[Connection | Bare]:
        """A scope whose statements are all :class:`~mastra_data.db.direct.Direct` ones (hot paths).

        Where the backend offers it and nothing listens to the ``Connection`` events it skips
        (:func:`~mastra_data.db.direct.direct_usable`), it runs on a pooled DBAPI connection without
        a SQLAlchemy ``Connection`` (``Backend.bare_scope``); otherwise it is the ``Connection`` scope
        of the same kind: :meth:`_read`, :meth:`_write_statement` or :meth:`_write`.
        """
        bare = self._backend.bare_scope(self._engine, kind) if direct_usable(self._engine) else None
        if bare is None:
            scope = {"read": self._read, "statement": self._write_statement, "transaction": self._write}
            with scope[kind](operation, **details) as conn:
                yield conn
            return
        with translate_db_errors(self._store, operation, **details), bare as scope_conn:
            yield scope_conn


def count_and_page(
    table: sa.Table,
    columns: Sequence[sa.ColumnElement[Any]],
    where: Sequence[sa.ColumnElement[bool]],
    sort: sa.ColumnElement[Any],
    descending: bool,
    limited: bool,
) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """``COUNT(*)`` and the page query over ``where``, ordered by ``sort`` then ``id`` (the tie-break),
    with ``lim``/``off`` bind parameters when ``limited`` (BIGINT: pages up to 2**53 are valid).

    The page query carries the count as its last column, an uncorrelated scalar subquery that both
    databases evaluate once: a page and its total cost one round trip. Only an empty page (past the
    end) needs the separate ``COUNT(*)`` (see :func:`page_and_total`).
    """
    tie = table.c.id
    ordering = (sort.desc(), tie.desc()) if descending else (sort.asc(), tie.asc())
    count = sa.select(sa.func.count()).select_from(table).where(*where)
    page = sa.select(*columns, count.scalar_subquery()).where(*where).order_by(*ordering)
    if limited:
        page = page.limit(sa.bindparam("lim", type_=sa.BigInteger())).offset(
            sa.bindparam("off", type_=sa.BigInteger())
        )
    return count, page


def page_and_total(
    conn: Connection | Bare,
    count: sa.Select[Any] | Direct,
    page: sa.Select[Any] | Direct,
    params: Mapping[str, Any],
    paging: Pagination,
) -> tuple[list[Sequence[Any]], int]:
    """Run a :func:`count_and_page` pair: the page rows (total as their last column) and the total.

    ``per_page=0`` runs only the count (Mastra's "just the total"). Pass the pair wrapped in
    :class:`~mastra_data.db.direct.Direct` where it is built once and reused (a hot path).
    """
    if paging.limit == 0:
        return [], int(fetch_all(conn, count, params)[0][0])
    rows: list[Sequence[Any]] = fetch_all(conn, page, params)
    if rows:
        return rows, int(rows[0][-1])
    # No rows: nothing matches, or the page is past the end (only then is a count still needed).
    return rows, int(fetch_all(conn, count, params)[0][0]) if paging.offset else 0
