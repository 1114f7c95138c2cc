"""Hot-path statements run on the driver's cursor of a SQLAlchemy connection.

``Connection.execute`` costs 40-80 µs a statement on this hardware (cache key, execution context,
result metadata, event dispatch): as much as the indexed read or small write it runs, so on the
hot paths (a page of messages, a batch of messages, a workflow snapshot) it was most of the gap
to the raw driver in ``scripts/bench.py``. :class:`Direct` keeps SQLAlchemy for everything but that
step: the statement is a Core construct compiled by SQLAlchemy once per dialect (and per set of
parameter names), values go through the same column types' bind processors and rows through their
result processors, and the SQL runs on the cursor of the connection the repository already holds,
so pooling, transactions, isolation and the libSQL write lock stay with the ``Connection``.

Errors are re-raised as SQLAlchemy's ``DBAPIError`` (what ``translate_db_errors`` expects); a
disconnect invalidates the connection as SQLAlchemy would. Direct execution steps aside (the
statement goes through ``conn.execute``) when the engine echoes SQL, when a listener other than the
backend's own is registered on the ``Connection`` events it skips (tracing instrumentation must see
every statement; see :func:`direct_usable`), and for statements it cannot reproduce exactly
(expanding ``IN`` parameters, Python-side column defaults).

A scope made only of such statements can skip the ``Connection`` too: ``Repository._direct`` runs
it on a pooled DBAPI connection (:class:`~mastra_data.db.dialects.Bare`) with the backend's own
transaction (``Backend.bare_scope``), under the same conditions.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect, Engine

from mastra_data.db.dialects import Backend, Bare, backend_for, driver_error

__all__ = ("Direct", "direct_usable", "fetch_all")


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None  # parameter order for positional paramstyles, else None (named)
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]  # (name, bind processor) where there is one
    results: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column index, result processor) where any
    construct: Callable[[Mapping[str, Any]], dict[str, Any]]  # all parameters, statement literals included
    literals: dict[str, Any] | None  # the statement's own values when merging them is all construct does


class Direct:
    """A Core statement run on the DBAPI cursor (see the module docstring).

    Build one per statement and keep it (a repository attribute, or a cached builder): it caches the
    compiled form per dialect.
    """

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: sa.Executable) -> None:
        self.statement = statement
        # Per dialect instance (weakly: engines come and go; an id() key could be reused by another
        # dialect's object), then per set of parameter names.
        self._compiled: weakref.WeakKeyDictionary[Dialect, dict[tuple[str, ...], _Compiled | None]] = (
            weakref.WeakKeyDictionary()
        )

    def rows(self, conn: Connection | Bare, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The statement's rows (result-processed, as ``conn.execute(...).all()`` gives them)."""
        compiled = self._usable(conn, params)
        if compiled is None:
            return [tuple(row) for row in _connection(conn, self.statement).execute(self.statement, params)]
        raw = self._run(conn, compiled, [params], fetch=True)
        processors = compiled.results
        if not processors:
            return raw
        rows = []
        for row in raw:
            values = list(row)
            for i, process in processors:
                value = values[i]
                if value is not None:
                    values[i] = process(value)
            rows.append(tuple(values))
        return rows

    def scalar(self, conn: Connection | Bare, params: Mapping[str, Any]) -> Any:
        """The first column of the first row, or ``None`` without rows."""
        rows = self.rows(conn, params)
        return rows[0][0] if rows else None

    def write(self, conn: Connection | Bare, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> None:
        """Run a writing statement once, or once per parameter set (``executemany``); sets must share
        their keys."""
        batch: Sequence[Mapping[str, Any]] = [params] if isinstance(params, Mapping) else params
        if not batch:
            return
        compiled = self._usable(conn, batch[0])
        if compiled is None:
            _connection(conn, self.statement).execute(self.statement, list(batch))
            return
        self._run(conn, compiled, batch, fetch=False)

    # --- internals ----------------------------------------------------------------------------

    def _usable(self, conn: Connection | Bare, params: Mapping[str, Any]) -> _Compiled | None:
        compiled = None
        # A Bare scope was opened only where direct_usable() held (Repository._direct): not again per
        # statement, and a listener added meanwhile cannot strand its statements without a Connection.
        if isinstance(conn, Bare) or direct_usable(conn.engine):
            dialect = conn.dialect
            forms = self._compiled.get(dialect)
            if forms is None:
                forms = self._compiled.setdefault(dialect, {})
            key = tuple(sorted(params))
            try:
                compiled = forms[key]
            except KeyError:
                compiled = forms[key] = _compile(self.statement, dialect, key)
        return compiled

    def _run(
        self,
        conn: Connection | Bare,
        compiled: _Compiled,
        batch: Sequence[Mapping[str, Any]],
        *,
        fetch: bool,
    ) -> list[tuple[Any, ...]]:
        dialect = conn.dialect
        try:
            values = [_bound(compiled, p) for p in batch]
        except Exception as exc:
            # What conn.execute raises for a value its bind processor refuses (e.g. JSON of a set).
            raise sa.exc.StatementError(str(exc), compiled.sql, None, exc) from exc
        # Runs in the repository's scope as it is: a begun transaction (Repository._write*), or
        # statement-by-statement reads (Repository._read); no autobegin, which would only add a
        # BEGIN/ROLLBACK pair to those reads.
        cursor = conn.connection.cursor()
        try:
            _backend(dialect).check_parameters(values)
            if len(values) == 1:
                cursor.execute(compiled.sql, values[0])
            else:
                cursor.executemany(compiled.sql, values)
            return list(cursor.fetchall()) if fetch else []
        except dialect.loaded_dbapi.Error as exc:
            raise driver_error(conn, exc, compiled.sql, cursor) from exc
        finally:
            cursor.close()


_BACKENDS: dict[str, Backend] = {}


def _backend(dialect: Dialect) -> Backend:
    backend = _BACKENDS.get(dialect.name)
    if backend is None:
        backend = _BACKENDS[dialect.name] = backend_for(dialect)
    return backend


def fetch_all(
    conn: Connection | Bare, statement: Direct | sa.Executable, params: Mapping[str, Any]
) -> list[Any]:
    """Rows of ``statement``: direct when it is a :class:`Direct`, else through ``conn.execute``."""
    if isinstance(statement, Direct):
        return statement.rows(conn, params)
    return list(_connection(conn, statement).execute(statement, params).all())


def _connection(conn: Connection | Bare, statement: sa.Executable) -> Connection:
    """``conn`` for SQLAlchemy's own execution; a :class:`Bare` scope has none (a programming error:
    such scopes are for statements that run directly; see ``Repository._direct``)."""
    if isinstance(conn, Bare):
        raise TypeError(f"SQLAlchemy must execute this statement, which a Bare scope cannot: {statement}")
    return conn


def direct_usable(engine: Engine) -> bool:
    """Whether statements may skip SQLAlchemy's execution on ``engine``: no ``echo``, and no listener on
    the ``Connection`` events they skip (cursor execution, and for :class:`Bare` scopes connect and
    transaction events) but the backend's own. Tracing instrumentation then sees every statement."""
    if engine.echo:
        return False
    own = _backend(engine.dialect).own_listeners
    events = engine.dispatch
    for listeners in (
        events.before_cursor_execute,
        events.after_cursor_execute,
        events.before_execute,
        events.after_execute,
        events.engine_connect,
        events.begin,
        events.commit,
        events.rollback,
    ):
        for fn in listeners:
            if fn not in own:
                return False
    return True


def _bound(compiled: _Compiled, params: Mapping[str, Any]) -> Any:
    literals = compiled.literals
    values = compiled.construct(params) if literals is None else {**params, **literals}
    for name, process in compiled.binds:
        value = values.get(name)
        if value is not None:
            values[name] = process(value)
    if compiled.positions is None:
        return values
    return tuple(values[name] for name in compiled.positions)


def _compile(statement: sa.Executable, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled | None:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))  # type: ignore[attr-defined]
    binds = compiled.binds
    if any(b.expanding for b in binds.values()) or compiled.insert_prefetch or compiled.update_prefetch:
        return None  # rendered per call / Python-side defaults: SQLAlchemy's execution does this
    processors = []
    for name, bind in binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((name, process))
    results: list[tuple[int, Callable[[Any], Any]]] = []
    if isinstance(statement, sa.Select | sa.CompoundSelect):
        for i, column in enumerate(statement.selected_columns):
            process = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if process is not None:
                results.append((i, process))
    positions = tuple(compiled.positiontup) if compiled.positiontup is not None else None
    # construct_params costs ~3 µs a parameter set; where it would only add the statement's own literal
    # values to the caller's (no escaped names, no callables, every other name the caller's), merge them.
    every = compiled.construct_params(dict.fromkeys(keys))
    literals: dict[str, Any] | None = {k: v for k, v in every.items() if k not in keys}
    if compiled.escaped_bind_names or any(b.callable is not None for b in binds.values()):
        literals = None
    return _Compiled(
        compiled.string, positions, tuple(processors), tuple(results), compiled.construct_params, literals
    )
