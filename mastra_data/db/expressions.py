"""SQL constructs whose text differs by dialect, each with a failing default compiler.

``in_ids(col, name)``: ``col`` is in a list of ids bound as one parameter (see :func:`in_ids`).

``json_text(param)``: a parameter holding already-serialised JSON text, written to a JSON column.

``contains_all(col, values)``: the JSON array in ``col`` holds every one of ``values`` (span tags).

``json_field_equals(col, key, value)``: the JSON document in ``col`` has ``key`` equal to the scalar
``value``, compared type-strictly (``"3"`` is not ``3``, ``true`` is not ``1``); ``None`` matches an
explicit ``null`` or a missing key. Same meaning on both backends:

* PostgreSQL: ``col @> '{"key": value}'`` (served by a GIN index where one exists); ``None`` as
  ``col -> 'key' IS NULL OR col -> 'key' = 'null'``.
* SQLite/libSQL: ``json_type(col, '$.key')`` pins the JSON type, ``json_extract`` the value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement

__all__ = ("IdList", "contains_all", "in_ids", "json_field_equals", "json_text")

Scalar = str | int | float | bool | None


class _JsonFieldEquals(ColumnElement[bool]):
    inherit_cache = False  # the key and the value's JSON type shape the SQL text
    type = sa.Boolean()

    def __init__(self, column: ColumnElement[Any], key: str, value: Scalar) -> None:
        self.column = column
        self.key = key
        self.value = value


def json_field_equals(column: ColumnElement[Any], key: str, value: Scalar) -> ColumnElement[bool]:
    """``column``'s JSON has ``key`` equal to ``value`` (see the module docstring).

    ``key`` must already be validated as an identifier; it is still bound, never inlined.
    """
    return _JsonFieldEquals(column, key, value)


@compiles(_JsonFieldEquals)
def _compile_default(element: _JsonFieldEquals, compiler: SQLCompiler, **kw: Any) -> str:
    raise NotImplementedError(f"json_field_equals is not implemented for {compiler.dialect.name}")


@compiles(_JsonFieldEquals, "postgresql")
def _compile_pg(element: _JsonFieldEquals, compiler: SQLCompiler, **kw: Any) -> str:
    col = compiler.process(element.column, **kw)
    if element.value is None:
        key = compiler.process(sa.bindparam(None, element.key, type_=sa.Text()), **kw)
        return f"({col} -> {key} IS NULL OR {col} -> {key} = 'null'::jsonb)"
    doc = compiler.process(
        sa.bindparam(None, json.dumps({element.key: element.value}), type_=sa.Text()), **kw
    )
    return f"{col} @> CAST({doc} AS JSONB)"


@compiles(_JsonFieldEquals, "sqlite")
def _compile_sqlite(element: _JsonFieldEquals, compiler: SQLCompiler, **kw: Any) -> str:
    col = compiler.process(element.column, **kw)
    path = compiler.process(sa.bindparam(None, f'$."{element.key}"', type_=sa.Text()), **kw)
    value = element.value
    json_type = f"json_type({col}, {path})"
    if value is None:
        return f"({json_type} IS NULL OR {json_type} = 'null')"
    if isinstance(value, bool):
        return f"{json_type} = '{'true' if value else 'false'}'"
    bound = compiler.process(sa.bindparam(None, value), **kw)
    kinds = "'text'" if isinstance(value, str) else "'integer', 'real'"
    return f"({json_type} IN ({kinds}) AND json_extract({col}, {path}) = {bound})"


class IdList(sa.types.TypeDecorator[list[str]]):
    """A list of ids bound as ONE parameter: a JSON array on SQLite, a ``text[]`` on PostgreSQL."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.engine.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(sa.Text()))
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value: list[str] | None, dialect: sa.engine.Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return json.dumps(list(value))


class _InIds(ColumnElement[bool]):
    inherit_cache = True
    type = sa.Boolean()

    def __init__(self, column: ColumnElement[Any], param: sa.BindParameter[Any]) -> None:
        self.column = column
        self.param = param


def in_ids(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """``column`` is one of the ids bound to ``name`` (a list, any length, one bound parameter).

    Unlike an expanding ``IN``, the statement text does not depend on the number of ids and there is
    no limit on bound variables. PostgreSQL seeks the index per id; SQLite cannot estimate the list's
    size and scans the index instead, so use it for lists too long for an expanding ``IN``.
    """
    return _InIds(column, sa.bindparam(name, type_=IdList()))


@compiles(_InIds)
def _compile_in_ids_default(element: _InIds, compiler: SQLCompiler, **kw: Any) -> str:
    raise NotImplementedError(f"in_ids is not implemented for {compiler.dialect.name}")


@compiles(_InIds, "postgresql")
def _compile_in_ids_pg(element: _InIds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{compiler.process(element.column, **kw)} = ANY({compiler.process(element.param, **kw)})"


@compiles(_InIds, "sqlite")
def _compile_in_ids_sqlite(element: _InIds, compiler: SQLCompiler, **kw: Any) -> str:
    column, param = compiler.process(element.column, **kw), compiler.process(element.param, **kw)
    return f"{column} IN (SELECT value FROM json_each({param}))"


class _JsonText(ColumnElement[Any]):
    """A bound parameter holding JSON *text* (already serialised), written to a JSON column.

    The repository serialises each document once, while checking it; the column's own type would
    serialise it again. PostgreSQL: ``CAST(:p AS JSONB)``; SQLite/libSQL: the text as is (JSONDoc writes
    text JSON there too, which ``json(col)`` reads like Mastra's binary JSONB).
    """

    inherit_cache = True

    def __init__(self, param: sa.BindParameter[Any]) -> None:
        self.param = param
        self.type = param.type


@compiles(_JsonText)
def _compile_json_text(element: _JsonText, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.param, **kw)


@compiles(_JsonText, "postgresql")
def _compile_json_text_pg(element: _JsonText, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.param, **kw)} AS JSONB)"


class _ContainsAll(ColumnElement[bool]):
    """The JSON array in ``column`` contains every string of ``values`` (Mastra's ``tags`` filter).

    PostgreSQL: ``col @> '["a","b"]'`` (served by the GIN index on ``tags``); SQLite/libSQL: one
    ``EXISTS (SELECT 1 FROM json_each(col) WHERE value = ?)`` per value (``json_each`` reads Mastra's
    binary JSONB too).
    """

    inherit_cache = False  # the number of values shapes the SQL text
    type = sa.Boolean()

    def __init__(self, column: ColumnElement[Any], values: Sequence[str]) -> None:
        self.column = column
        self.values = tuple(values)


@compiles(_ContainsAll)
def _compile_contains_all(element: _ContainsAll, compiler: SQLCompiler, **kw: Any) -> str:
    raise NotImplementedError(f"contains_all is not implemented for {compiler.dialect.name}")


@compiles(_ContainsAll, "postgresql")
def _compile_contains_all_pg(element: _ContainsAll, compiler: SQLCompiler, **kw: Any) -> str:
    doc = compiler.process(sa.bindparam(None, json.dumps(list(element.values)), type_=sa.Text()), **kw)
    return f"{compiler.process(element.column, **kw)} @> CAST({doc} AS JSONB)"


@compiles(_ContainsAll, "sqlite")
def _compile_contains_all_sqlite(element: _ContainsAll, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    terms = [
        f"EXISTS (SELECT 1 FROM json_each({column}) "
        f"WHERE json_each.value = {compiler.process(sa.bindparam(None, value, type_=sa.Text()), **kw)})"
        for value in element.values
    ]
    return "(" + " AND ".join(terms) + ")" if terms else "1 = 1"


def json_text(param: sa.BindParameter[Any]) -> ColumnElement[Any]:
    """``param`` holds JSON text serialised by the caller, written to a JSON column as is (see
    :class:`_JsonText`): for hot batch writes that checked and serialised each document already."""
    return _JsonText(param)


def contains_all(column: ColumnElement[Any], values: Sequence[str]) -> ColumnElement[bool]:
    """The JSON array in ``column`` holds every string of ``values`` (see :class:`_ContainsAll`)."""
    return _ContainsAll(column, values)
