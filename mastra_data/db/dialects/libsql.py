"""libSQL (embedded file, ``:memory:`` or remote Turso) through ``sqlalchemy-libsql``.

URLs: ``sqlite+libsql:///./mastra.db`` (relative), ``sqlite+libsql:////abs/mastra.db``; Mastra-style
``file:./mastra.db``, ``:memory:`` and ``libsql://host`` are accepted and normalised.
"""

from __future__ import annotations

import functools
import os
import random
import time
import types
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import StaticPool

from mastra_data.db.base import NULLABLE_ON_LIBSQL, PG_ONLY
from mastra_data.db.dialects import (
    READ_ONLY,
    WRITE_TRANSACTION,
    Backend,
    Bare,
    ScopeKind,
    driver_error,
    lend,
    register,
)
from mastra_data.errors import ConfigurationError

if TYPE_CHECKING:
    from mastra_data.settings import StorageSettings
    from mastra_data.vectors.store import VectorStore

__all__ = ("LibSQLBackend",)


def _dbapi() -> types.ModuleType:
    """``libsql_experimental`` with a DBAPI-conformant ``Error``.

    The driver raises bare ``ValueError`` for SQL and I/O failures (``no such table``, ``UNIQUE
    constraint failed``, ``unable to open``), which SQLAlchemy would let through unwrapped because it
    only wraps subclasses of ``dbapi.Error``. Declaring ``ValueError`` the driver's error base makes them
    ``sqlalchemy.exc.DBAPIError`` like every other driver's, so one translator handles both backends.
    """
    import libsql_experimental

    shim = types.ModuleType("mastra_data_libsql_dbapi")
    shim.__dict__.update({k: v for k, v in vars(libsql_experimental).items() if not k.startswith("__")})
    shim.Error = ValueError  # type: ignore[attr-defined]
    shim.Warning = type("Warning", (Exception,), {})  # type: ignore[attr-defined]
    # The rest of PEP 249's hierarchy, which SQLAlchemy's pysqlite dialect looks up by name. The
    # driver never raises these subclasses, so its errors surface as the generic DBAPIError.
    interface = type("InterfaceError", (ValueError,), {})
    database = type("DatabaseError", (ValueError,), {})
    for name in (
        "DataError",
        "OperationalError",
        "IntegrityError",
        "InternalError",
        "ProgrammingError",
        "NotSupportedError",
    ):
        setattr(shim, name, type(name, (database,), {}))
    shim.Binary = bytes  # type: ignore[attr-defined]  # PEP 249 constructor, missing in the driver
    shim.InterfaceError = interface  # type: ignore[attr-defined]
    shim.DatabaseError = database  # type: ignore[attr-defined]
    return shim


def _configure_file_connection(dbapi_connection: Any, _record: Any, *, mmap_size: int) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer and vice versa, and Mastra's own LibSQLStore switches a
    # file to WAL too, so both processes agree on the journal mode of a shared file.
    cursor.execute("PRAGMA journal_mode = WAL")
    # A second writer (another process, or Mastra on the same file) waits instead of failing at once
    # with SQLITE_BUSY; 5 s is what Mastra's LibSQLStore uses.
    cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
    # NORMAL is durable in WAL mode except for the last transactions on power loss (never corrupting);
    # FULL would fsync on every commit and cut write throughput several-fold.
    cursor.execute("PRAGMA synchronous = NORMAL")
    # Pages read through a memory map instead of a read() into SQLite's 2 MB page cache: an exact
    # vector search over a thread's rows touches one page per row, spread over the file (a 1 % filter
    # of 100k x 384-d vectors: 2.3 ms -> 1.3 ms). An upper bound of address space, not memory: the
    # pages are the OS page cache's. Mastra's local LibSQLStore maps the file too (128 MiB).
    cursor.execute(f"PRAGMA mmap_size = {int(mmap_size)}")
    cursor.close()


def _begin(conn: sa.Connection) -> None:
    # The driver runs in autocommit mode (isolation_level=None) and we issue BEGIN ourselves: the
    # driver's implicit transactions start only before DML, so DDL and reads would escape them and
    # a failed migration or batch could leave half its work behind. A transaction that will write
    # takes the write lock up front (IMMEDIATE): upgrading a read lock later can fail with
    # SQLITE_BUSY without waiting for busy_timeout, and that error cannot be retried in place.
    options = conn.get_execution_options()
    if options.get(READ_ONLY):
        # Reads run statement by statement in autocommit, as PostgreSQL reads do: a BEGIN/ROLLBACK
        # pair costs more than an indexed page read.
        return
    if options.get(WRITE_TRANSACTION):
        _begin_immediate(conn)
    else:
        # A deferred BEGIN takes no lock, so it cannot meet a busy database.
        conn.exec_driver_sql("BEGIN")


def _refuse_nul_text(
    conn: sa.Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> tuple[str, Any]:
    """Refuse text holding NUL: the driver passes strings to SQLite as C strings and would silently
    cut the value at the first NUL, storing something else than was written. PostgreSQL refuses NUL in
    text too, so both backends raise; ``translate_db_errors`` makes it a ``ValidationError``. (JSON
    documents are not affected: their text escapes NUL as ``\u0000``.)"""
    _refuse_nul(parameters if executemany else (parameters,))
    return statement, parameters


def _refuse_nul(rows: Any) -> None:
    for row in rows:
        values = row.values() if isinstance(row, dict) else row
        for value in values or ():
            if type(value) is str and "\x00" in value:
                raise ValueError("text fields cannot contain NUL (0x00) characters")


def _is_file(url: URL) -> bool:
    return (url.database or "") not in ("", ":memory:")


def _begin_immediate(conn: sa.Connection | Bare) -> None:
    """``BEGIN IMMEDIATE``, waiting for the write lock in Python, up to :data:`WRITE_LOCK_TIMEOUT_MS`.

    The driver keeps the GIL while SQLite's busy handler sleeps, so a thread waiting there freezes
    every other thread of the process, including the one holding the lock, which cannot reach its
    COMMIT: threads sharing one Storage would stall for the whole busy_timeout and then fail (measured
    in scripts/reliability.py). So on a file BEGIN IMMEDIATE runs with busy_timeout 0 and the wait is a
    jittered ``time.sleep`` backoff, which releases the GIL (a remote server waits on its side first).
    BEGIN takes no partial state, so retrying it is safe; nothing after it needs the lock again (the
    transaction holds it until COMMIT, and a WAL COMMIT waits for no reader). Other statements keep
    busy_timeout (a reader may briefly meet a WAL checkpoint).
    """
    global BUSY_RETRIES
    deadline = time.monotonic() + WRITE_LOCK_TIMEOUT_MS / 1000
    delay = 0.001
    url = conn.engine.url
    # On the driver's cursor, not through SQLAlchemy: ~3 µs instead of ~20-60 µs a statement, on every
    # write. (SQLAlchemy does not track BEGIN: the driver runs in autocommit mode, see _begin.)
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None  # a checked-out connection
    cursor = dbapi.cursor()
    toggle = url.host is None and _is_file(url)
    if toggle:
        cursor.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except ValueError as error:  # the driver's error type (see _dbapi)
                if not _is_busy(error):
                    raise driver_error(conn, error, "BEGIN IMMEDIATE", cursor) from error
                if time.monotonic() >= deadline:
                    # The driver's bare "database is locked" would not say that we waited.
                    raise sa.exc.OperationalError(
                        "BEGIN IMMEDIATE",
                        None,
                        ValueError(
                            f"database is locked: no write lock within {WRITE_LOCK_TIMEOUT_MS} ms "
                            "(another connection holds it)"
                        ),
                    ) from error
                BUSY_RETRIES += 1
                time.sleep(random.uniform(0.5, 1.0) * delay)  # noqa: S311  (jitter, not crypto)
                delay = min(delay * 2, 0.05)
    finally:
        if toggle:
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
        cursor.close()


# Module settings rather than StorageSettings: they tune lock waiting, which no deployment has needed
# to change; tests shorten them to reach the bound quickly. Read at connect / BEGIN time.
BUSY_TIMEOUT_MS = 5000
"""``PRAGMA busy_timeout`` of every file connection (Mastra's LibSQLStore uses 5 s too)."""
WRITE_LOCK_TIMEOUT_MS = 20000
"""How long a write transaction on a file waits for the write lock before a ``BackendError``."""
BUSY_RETRIES = 0
"""How many times this process retried a busy ``BEGIN IMMEDIATE`` (a counter for reliability reports)."""


def _is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "busy" in text


@register
class LibSQLBackend(Backend):
    """libSQL / SQLite."""

    dialect_name = "sqlite"
    store = "LIBSQL"
    schemes: ClassVar[tuple[str, ...]] = ("sqlite+libsql", "sqlite", "libsql", "file")
    read_options: ClassVar[dict[str, Any]] = {READ_ONLY: True}
    own_listeners: ClassVar[frozenset[Any]] = frozenset({_refuse_nul_text, _begin})

    def check_parameters(self, rows: Sequence[Any]) -> None:
        _refuse_nul(rows)

    def bare_scope(self, engine: Engine, kind: ScopeKind) -> AbstractContextManager[Bare]:
        """The driver runs in autocommit (see ``_begin``): reads need nothing, a write scope is a
        ``BEGIN IMMEDIATE`` (the write lock up front, waited for as in every write transaction) and a
        COMMIT."""
        return self._bare_scope(engine, kind)

    @contextmanager
    def _bare_scope(self, engine: Engine, kind: ScopeKind) -> Iterator[Bare]:
        with lend(engine) as bare:
            if kind != "read":
                _begin_immediate(bare)
            yield bare
            if kind != "read":
                try:
                    bare.connection.commit()
                except ValueError as error:  # the driver's error type (see _dbapi)
                    raise driver_error(bare, error, "COMMIT") from error

    @classmethod
    def normalize_url(cls, raw: str) -> str:
        text = raw.strip()
        if text in (":memory:", "file::memory:"):
            return "sqlite+libsql:///:memory:"
        if text.startswith("file:"):
            path = text[len("file:") :]
            if path.startswith("//"):  # file:///abs/path
                path = path[2:]
            return f"sqlite+libsql:///{path}"
        if text.startswith("libsql://"):
            # Remote libSQL / Turso over TLS; sqlalchemy-libsql picks https with secure=true.
            rest = text[len("libsql://") :]
            sep = "&" if "?" in rest else "?"
            return f"sqlite+libsql://{rest}{sep}secure=true"
        if text.startswith("sqlite://"):
            return "sqlite+libsql://" + text[len("sqlite://") :]
        return text

    def create_engine(self, url: URL, settings: StorageSettings) -> Engine:
        database = url.database or ""
        remote = bool(url.host)
        memory = not remote and database in ("", ":memory:")
        if not remote and not memory:
            directory = os.path.dirname(os.path.abspath(database)) or "."
            if not os.path.isdir(directory):
                raise ConfigurationError(
                    "MASTRA_STORAGE_LIBSQL_INVALID_URL",
                    f"Directory {directory!r} for the libSQL database file does not exist",
                    details={"directory": directory},
                )
        connect_args: dict[str, Any] = {"isolation_level": None}
        # Mastra's URLs carry the Turso token as ?authToken=; move it out of the URL into the driver's
        # auth_token argument, so it never shows in the engine's URL, its repr or SQLAlchemy's logs.
        token = url.query.get("authToken")
        if token is not None:
            url = url.difference_update_query(["authToken"])
            connect_args["auth_token"] = token if isinstance(token, str) else token[0]
        if settings.auth_token is not None:  # the setting wins over a token in the URL
            connect_args["auth_token"] = settings.auth_token.get_secret_value()
        kwargs: dict[str, Any] = {}
        if memory:
            # Every connection to ":memory:" is a new empty database; share one.
            kwargs["poolclass"] = StaticPool
        engine = sa.create_engine(
            url, module=_dbapi(), connect_args=connect_args, echo=settings.echo, **kwargs
        )
        if not remote and not memory:
            configure = functools.partial(_configure_file_connection, mmap_size=settings.libsql_mmap_size)
            event.listen(engine, "connect", configure)
        event.listen(engine, "begin", _begin)
        # retval=True: SQLAlchemy keeps the function itself as the listener (not a wrapper), so
        # mastra_data.db.direct can tell it from instrumentation's listeners (own_listeners).
        event.listen(engine, "before_cursor_execute", _refuse_nul_text, retval=True)
        return engine

    def adapt_metadata(self, metadata: sa.MetaData) -> None:
        super().adapt_metadata(metadata)
        for table in metadata.tables.values():
            for col in [c for c in table.columns if c.info.get(PG_ONLY)]:
                table._columns.remove(col)
            for col in table.columns:
                if col.info.get(NULLABLE_ON_LIBSQL):
                    col.nullable = True
            for constraint in table.constraints:
                if isinstance(constraint, sa.UniqueConstraint):
                    # Mastra's libSQL DDL names no constraints (``UNIQUE (workflow_name, run_id)``);
                    # SQLite compares unnamed ones by columns, so ours must be unnamed as well.
                    constraint.name = None
            pk = table.primary_key
            if pk.info.get(PG_ONLY):
                # @mastra/libsql beta.13 gives mastra_ai_spans no key; a unique index stands in.
                table.constraints.discard(pk)
                for col in pk.columns:
                    col.primary_key = False
                sa.PrimaryKeyConstraint()._set_parent(table)

    def vector_store(self, engine: Engine) -> VectorStore:
        from mastra_data.vectors.libsql import LibSQLVector

        return LibSQLVector(engine)

    def insert(self, table: sa.Table) -> Any:
        return sqlite.insert(table)

    def table_sizes(self, conn: sa.Connection, tables: Iterable[str]) -> tuple[dict[str, int], str]:
        """Exact page bytes from the ``dbstat`` virtual table (a table's indexes count towards it);
        without ``dbstat`` (a build without it, or a remote server that refuses it) the file size
        (``page_count * page_size``) shared out by each table's share of the rows, an estimate."""
        wanted = list(dict.fromkeys(tables))
        if not wanted:
            return {}, "dbstat"
        try:
            rows = conn.execute(
                sa.text(
                    "SELECT m.tbl_name, SUM(d.pgsize) FROM dbstat AS d JOIN sqlite_master AS m "
                    "ON m.name = d.name WHERE m.tbl_name IN :names GROUP BY m.tbl_name"
                ).bindparams(sa.bindparam("names", expanding=True)),
                {"names": wanted},
            ).all()
            return {str(name): int(size or 0) for name, size in rows}, "dbstat"
        except sa.exc.DBAPIError:
            pass
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
        page_size = int(conn.exec_driver_sql("PRAGMA page_size").scalar_one())
        present = {
            str(name)
            for (name,) in conn.execute(
                sa.text("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN :names").bindparams(
                    sa.bindparam("names", expanding=True)
                ),
                {"names": wanted},
            )
        }
        counts = {
            name: int(conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one())
            for name in wanted
            if name in present
        }
        total_rows = sum(counts.values()) or 1
        return (
            {name: pages * page_size * count // total_rows for name, count in counts.items()},
            "estimate: file size (page_count * page_size) shared by row count; dbstat unavailable",
        )
