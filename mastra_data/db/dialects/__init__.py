"""Backend registry: one module per database, chosen once from the URL or engine.

Everything that differs between libSQL and PostgreSQL at run time and is not a column type lives in a
:class:`Backend` subclass (``libsql.py``, ``postgresql.py``): URL normalisation, engine and connection
setup, the dialect's exact schema, upsert constructs, and the values of PG's shadow columns.
Repositories hold a ``Backend`` and never test the dialect themselves.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import PoolProxiedConnection

from mastra_data.errors import ConfigurationError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from mastra_data.settings import StorageSettings
    from mastra_data.vectors.store import VectorStore

__all__ = (
    "READ_ONLY",
    "WRITE_TRANSACTION",
    "Backend",
    "Bare",
    "ScopeKind",
    "backend_for",
    "backend_for_dialect",
    "backend_for_url",
    "lend",
    "normalize_url",
)


WRITE_TRANSACTION = "mastra_data_write"
"""Execution option: the transaction will write. libSQL then begins it ``IMMEDIATE``; PG ignores it."""

READ_ONLY = "mastra_data_read_only"
"""Execution option: the connection only reads; no explicit transaction is needed around it."""


ScopeKind = Literal["read", "statement", "transaction"]
"""What a scope of :meth:`Backend.bare_scope` holds: reads statement by statement, ONE writing statement
(atomic by itself), or a write transaction whose statements' results nobody reads inside."""


class Bare:
    """A pooled DBAPI connection lent without a SQLAlchemy ``Connection`` around it
    (``engine.raw_connection()``, SQLAlchemy's API for driver-level work), for scopes that run only
    :class:`~mastra_data.db.direct.Direct` statements. It has what those and :func:`driver_error` use of
    a ``Connection``: ``engine``, ``dialect``, ``connection`` (the pool's proxy) and ``invalidate``.

    Why: a ``Connection`` scope (construction, execution options, ``Transaction`` bookkeeping and
    events) cost 15-50 µs on this hardware, as much as the indexed read or one-row write it wraps.
    """

    __slots__ = ("connection", "dialect", "engine")

    def __init__(self, engine: Engine, connection: PoolProxiedConnection) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self.connection = connection

    def invalidate(self, exception: BaseException | None = None) -> None:
        """Discard the DBAPI connection (after a disconnect); the pool opens a new one next time."""
        self.connection.invalidate(exception)


class Backend(ABC):
    """What one kind of database needs done differently."""

    #: SQLAlchemy dialect name (``engine.dialect.name``).
    dialect_name: ClassVar[str]
    #: The store part of Mastra error ids: ``MASTRA_STORAGE_<store>_…``.
    store: ClassVar[str]
    #: URL schemes (before ``:``) this backend accepts from users.
    schemes: ClassVar[tuple[str, ...]]
    #: Execution options for read-only work: statement by statement, no transaction round trips.
    read_options: ClassVar[dict[str, Any]] = {}
    #: Execution options for a transaction of ONE writing statement (atomic by itself). PostgreSQL runs
    #: it in autocommit (no BEGIN/COMMIT round trips); libSQL still takes the write lock up front, where
    #: lock waits are retried.
    statement_options: ClassVar[dict[str, Any]] = {WRITE_TRANSACTION: True}
    #: The ``Connection`` event listeners this backend registers on its engines. Statements run directly
    #: on the cursor (:mod:`mastra_data.db.direct`) do their work themselves (:meth:`check_parameters`,
    #: :meth:`bare_scope`); anybody else's listener makes them step aside.
    own_listeners: ClassVar[frozenset[Any]] = frozenset()

    def check_parameters(self, rows: Sequence[Any]) -> None:  # noqa: B027  (optional hook)
        """Refuse bound values the driver would mangle (what :attr:`own_listeners` do for
        ``conn.execute``); ``rows`` are the parameter sets as sent to the cursor. Raises the driver's
        error type."""

    @classmethod
    @abstractmethod
    def normalize_url(cls, raw: str) -> str:
        """Turn a user's URL (Mastra style or SQLAlchemy style) into a SQLAlchemy URL string."""

    @abstractmethod
    def create_engine(self, url: URL, settings: StorageSettings) -> Engine:
        """Build the engine with this backend's connection setup; connects lazily."""

    def create_async_engine(self, url: URL, settings: StorageSettings) -> AsyncEngine | None:
        """The engine over this database's asyncio driver, with the same connection setup as
        :meth:`create_engine`; ``None`` when the database has none (``AsyncStorage`` then runs the sync
        engine in worker threads). Connects lazily."""
        return None

    def adapt_metadata(self, metadata: sa.MetaData) -> None:  # noqa: B027  (optional hook)
        """Turn a copy of the shared metadata into this dialect's exact schema (in place)."""

    @abstractmethod
    def insert(self, table: sa.Table) -> Any:
        """The dialect's ``INSERT`` construct (it has ``on_conflict_do_update``)."""

    def upsert(self, table: sa.Table, key: str, columns: Iterable[str]) -> Any:
        """``INSERT … ON CONFLICT (key) DO UPDATE`` of ``columns`` with the new row's values.

        Values are bound at execution (one row or many), so the statement is built once. Pass the
        names that :meth:`row` produces, to update the derived columns too.
        """
        insert = self.insert(table)
        return insert.on_conflict_do_update(
            index_elements=[table.c[key]],
            set_={name: insert.excluded[name] for name in columns if name != key},
        )

    @abstractmethod
    def vector_store(self, engine: Engine) -> VectorStore:
        """This database's vector store (``LibSQLVector`` / ``PgVector``) on ``engine``."""

    def row(self, table: sa.Table, values: Mapping[str, Any]) -> dict[str, Any]:
        """Column values to write for ``values`` (keyed by column name); adds derived columns."""
        return dict(values)

    def stamping_triggers(self, conn: sa.Connection, table: str) -> list[str]:
        """``ALTER TABLE … {action} TRIGGER …`` statements (``{action}`` = ``DISABLE``/``ENABLE``) for
        triggers on ``table`` that overwrite written values, so a copy can keep the source's values
        (run inside the batch's transaction). None by default."""
        return []

    def bare_scope(self, engine: Engine, kind: ScopeKind) -> AbstractContextManager[Bare] | None:
        """A scope of ``kind`` on a pooled DBAPI connection without a SQLAlchemy ``Connection``
        (:class:`Bare`), for :class:`~mastra_data.db.direct.Direct` statements only; its transaction is
        the backend's, with driver errors raised as SQLAlchemy's (:func:`driver_error`). A write scope
        commits on a clean exit and writes nothing otherwise. ``None`` where the backend has none (the
        caller then uses a ``Connection`` scope); none by default."""
        return None

    @abstractmethod
    def table_sizes(self, conn: sa.Connection, tables: Iterable[str]) -> tuple[dict[str, int], str]:
        """On-disk bytes of each existing table in ``tables`` (its indexes included) and how they were
        measured (a short description for reports, e.g. ``"dbstat"`` or ``"estimate"``)."""


_BACKENDS: dict[str, type[Backend]] = {}


def register(cls: type[Backend]) -> type[Backend]:
    """Class decorator: make a backend reachable by its dialect name and URL schemes."""
    _BACKENDS[cls.dialect_name] = cls
    return cls


def _backend_class_for_scheme(raw: str) -> type[Backend]:
    from mastra_data.db.dialects import libsql, postgresql  # noqa: F401  (registers the backends)

    text = raw.strip()
    if text == ":memory:" or text.startswith("file:"):
        return _BACKENDS["sqlite"]
    scheme = text.split(":", 1)[0].lower() if ":" in text else ""
    for cls in _BACKENDS.values():
        if scheme in cls.schemes:
            return cls
    known = sorted({s for cls in _BACKENDS.values() for s in cls.schemes} | {"file", ":memory:"})
    raise ConfigurationError(
        "MASTRA_STORAGE_INVALID_URL",
        f"Unsupported database URL scheme {scheme or text[:20]!r}; use one of: {', '.join(known)}",
        details={"scheme": scheme},
    )


def normalize_url(raw: str) -> str:
    """Normalise a user URL: ``file:./x.db``, ``:memory:``, ``libsql://…``, ``postgres://…`` etc.

    Raises:
        ConfigurationError: the scheme is not one this package can use, or the URL does not parse
            (e.g. a non-numeric port); the message never repeats the URL, which may hold a password.
    """
    normalized = _backend_class_for_scheme(raw).normalize_url(raw)
    try:
        make_url(normalized)
    except (ValueError, sa.exc.ArgumentError):
        raise ConfigurationError(
            "MASTRA_STORAGE_INVALID_URL",
            "Could not parse the database URL (check its host, port and quoting)",
        ) from None
    return normalized


def backend_for_url(url: str | URL) -> Backend:
    """The backend for an already normalised SQLAlchemy URL."""
    parsed = make_url(url) if isinstance(url, str) else url
    return _backend_class_for_scheme(parsed.drivername + ":")()


def backend_for_dialect(dialect_name: str) -> Backend:
    """The backend for a SQLAlchemy dialect name (``"sqlite"`` or ``"postgresql"``)."""
    from mastra_data.db.dialects import libsql, postgresql  # noqa: F401  (registers the backends)

    try:
        return _BACKENDS[dialect_name]()
    except KeyError:
        raise ConfigurationError(
            "MASTRA_STORAGE_INVALID_URL", f"Unsupported database dialect {dialect_name!r}"
        ) from None


def backend_for(bind: Engine | sa.Connection | sa.engine.Dialect) -> Backend:
    """The backend of an engine, connection or dialect."""
    dialect = bind if isinstance(bind, sa.engine.Dialect) else bind.dialect
    return backend_for_dialect(dialect.name)


@contextmanager
def lend(engine: Engine) -> Iterator[Bare]:
    """A pooled connection as a :class:`Bare` for the block (``engine.raw_connection()``), given back
    after it; the pool's reset on return rolls back whatever is still open. A failed connect is raised
    as ``engine.connect()`` raises it: wrapped in SQLAlchemy's ``DBAPIError`` (what
    ``translate_db_errors`` expects)."""
    dialect = engine.dialect
    try:
        pooled = engine.raw_connection()
    except dialect.loaded_dbapi.Error as error:
        raise sa.exc.DBAPIError.instance(
            None, None, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from error
    try:
        yield Bare(engine, pooled)
    finally:
        pooled.close()


def driver_error(
    conn: sa.Connection | Bare, error: BaseException, statement: str | None, cursor: Any = None
) -> sa.exc.StatementError:
    """A driver error met outside ``conn.execute`` (a statement run on the cursor, a pipeline sync), as
    SQLAlchemy would raise it: wrapped in its ``DBAPIError`` (what ``translate_db_errors`` expects),
    after invalidating the connection when the error is a disconnect."""
    dialect = conn.dialect
    if dialect.is_disconnect(cast("Any", error), conn.connection.dbapi_connection, cursor):
        conn.invalidate(error)
    return sa.exc.DBAPIError.instance(
        statement, None, cast("Exception", error), dialect.loaded_dbapi.Error, dialect=dialect
    )
