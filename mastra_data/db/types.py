"""Portable column types: the encoding rules of DESIGN §2, each in exactly one place.

==================  =====================================  ============================================
type                libSQL / SQLite                        PostgreSQL
==================  =====================================  ============================================
:class:`Timestamp`  ``TEXT``, JS ``toISOString()`` string  ``TIMESTAMP`` (UTC wall clock) plus the
                    ``YYYY-MM-DDTHH:MM:SS.mmmZ``           shadow ``"<col>Z" TIMESTAMPTZ`` (see
                                                           :func:`mastra_data.db.base.shadow_timestamps`);
                                                           reads prefer the shadow
:class:`JSONDoc`    ``TEXT``; read through ``json(col)``   ``JSONB``
                    because Mastra writes binary JSONB
:class:`Flag`       ``INTEGER`` 0/1                        ``BOOLEAN``
:data:`Real`        ``REAL``                               ``DOUBLE PRECISION``
==================  =====================================  ============================================

Python always sees timezone-aware UTC ``datetime`` objects, dicts/lists and ``bool``. Values are cut to
whole milliseconds on write, because that is all a JS ``Date`` (and so Mastra) can represent: a value
written by Python reads back identically from both backends and from Mastra.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from json.scanner import make_scanner
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import AfterValidator, PlainSerializer
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement

__all__ = (
    "SHADOW_SUFFIX",
    "Flag",
    "JSONDoc",
    "Real",
    "ShadowTimestamp",
    "Timestamp",
    "UTCDateTime",
    "dumps_json",
    "format_iso_ms",
    "to_utc",
)

SHADOW_SUFFIX = "Z"
"""Mastra's PG shadow column for ``"createdAt"`` is ``"createdAtZ"``."""


def to_utc(value: datetime | str) -> datetime:
    """Normalise a datetime (or ISO-8601 string) to an aware UTC datetime cut to milliseconds.

    Naive datetimes are taken to be UTC already (what Mastra stores and what ``datetime.utcnow()``
    gives); aware ones are converted.
    """
    if type(value) is datetime and value.tzinfo is UTC and not value.microsecond % 1000:
        return value  # already canonical: the common case on hot paths
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    try:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+14:00 is before year 1 in UTC
        raise ValueError(f"{value.isoformat()} is outside the representable UTC range") from None
    return value.replace(microsecond=value.microsecond - value.microsecond % 1000)


def format_iso_ms(value: datetime) -> str:
    """Format exactly like JS ``Date.prototype.toISOString()``: ``2025-12-01T10:00:00.123Z``.

    The fixed width is what makes string comparison equal time comparison on libSQL, so it is
    never shortened (no dropped milliseconds) and years stay four digits.
    """
    t = to_utc(value)
    # Explicit widths: strftime("%Y") does not zero-pad years below 1000 on glibc.
    return (
        f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}."
        f"{t.microsecond // 1000:03d}Z"
    )


def _parse_stored(value: str | datetime) -> datetime:
    # Mastra writes toISOString(); its libSQL ALTER TABLE defaults write CURRENT_TIMESTAMP
    # ("YYYY-MM-DD HH:MM:SS"); both mean UTC. fromisoformat reads both (and "Z") directly.
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return to_utc(value)
    return to_utc(value)


class _ShadowRead(ColumnElement[Any]):
    """``SELECT`` expression of a timestamp column: the ``Z`` shadow first where it exists.

    Compiled per dialect below. PostgreSQL: ``COALESCE("createdAtZ", "createdAt" AT TIME ZONE 'UTC')``
    (Mastra's reads do ``createdAtZ || createdAt``; the ``AT TIME ZONE`` keeps the fallback in UTC
    whatever the session time zone). Everywhere else: the column itself.
    """

    inherit_cache = True

    def __init__(self, column: ColumnElement[Any], shadow: ColumnElement[Any] | None) -> None:
        self.column = column
        self.shadow = shadow
        self.type = column.type


@compiles(_ShadowRead)
def _compile_shadow_read_default(element: _ShadowRead, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(_ShadowRead, "postgresql")
def _compile_shadow_read_pg(element: _ShadowRead, compiler: SQLCompiler, **kw: Any) -> str:
    if element.shadow is None:
        return compiler.process(element.column, **kw)
    shadow = compiler.process(element.shadow, **kw)
    column = compiler.process(element.column, **kw)
    return f"COALESCE({shadow}, {column} AT TIME ZONE 'UTC')"


class Timestamp(sa.types.TypeDecorator[datetime]):
    """A Mastra ``timestamp`` column (see the module table). Accepts datetimes or ISO strings."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=False))
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value: datetime | str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            # TIMESTAMP WITHOUT TIME ZONE holds the UTC wall clock; binding a naive value keeps the
            # server's session TimeZone out of it (Mastra bugs #11496/#14120 came from that).
            return to_utc(value).replace(tzinfo=None)
        return format_iso_ms(to_utc(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return _parse_stored(value)

    def column_expression(self, colexpr: ColumnElement[Any]) -> ColumnElement[Any]:
        table = getattr(colexpr, "table", None)
        name = getattr(colexpr, "name", None)
        shadow = None
        if table is not None and name is not None:
            shadow = table.c.get(f"{name}{SHADOW_SUFFIX}")
        return _ShadowRead(colexpr, shadow)


class ShadowTimestamp(sa.types.TypeDecorator[datetime]):
    """Mastra's PostgreSQL-only ``"<col>Z" TIMESTAMPTZ DEFAULT NOW()`` companion column."""

    impl = postgresql.TIMESTAMP(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | str | None, dialect: Dialect) -> Any:
        return None if value is None else to_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else _parse_stored(value)


class _JsonColumn(ColumnElement[Any]):
    """``SELECT`` expression of a JSON column; compiled per dialect below."""

    inherit_cache = True

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(_JsonColumn)
def _compile_json_column_default(element: _JsonColumn, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(_JsonColumn, "sqlite")
def _compile_json_column_sqlite(element: _JsonColumn, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json({compiler.process(element.column, **kw)})"


# JSON.stringify layout (no spaces), UTF-8 kept as is; NaN/Infinity are not JSON (jsonb refuses them
# too). Encoders built once: json.dumps() with options builds a new JSONEncoder on every call.
dumps_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
"""The JSON text of a value as every repository stores it (``TypeError``/``ValueError`` if it has none)."""
# As dumps_json, but every non-ASCII character as a \uXXXX escape (lone surrogates included).
_dumps_ascii = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode


def _jsonb_safe(value: Any) -> Any:
    """``value`` with NUL characters and lone UTF-16 surrogates removed from every string, keys included.

    A surrogate pair held as two code points becomes the character it encodes (what the same string
    is in JavaScript). Walks only what ``json.dumps`` serialises: dicts, lists and tuples.
    """
    if isinstance(value, str):
        text = value.replace("\x00", "")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            # Pairs decode to their character; a lone half cannot be decoded and is dropped.
            text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")
        return text
    if isinstance(value, dict):
        return {_jsonb_safe(k): _jsonb_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonb_safe(v) for v in value]
    return value


def _pg_json(value: Any) -> bytes:
    """The UTF-8 JSON text of a PostgreSQL ``jsonb`` parameter, made acceptable to ``jsonb``.

    ``jsonb`` rejects a whole document that holds ``\\u0000`` or a lone surrogate; Mastra's PG store
    strips both before writing (#11563), and so do we. The document is serialised once; the walk
    that strips them runs only when the text shows one (``\\u0000``: JSON's escape of NUL, or an
    escaped backslash followed by ``u0000``, for which the walk changes nothing).
    """
    text = dumps_json(value)
    if "\\u0000" in text:
        text = dumps_json(_jsonb_safe(value))
    try:
        return text.encode()
    except UnicodeEncodeError:  # a lone surrogate: not encodable as UTF-8
        return dumps_json(_jsonb_safe(value)).encode()


def _as_is(data: bytes) -> bytes:
    return data


def _decode_pg_string(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


# (typeshed types make_scanner's argument as the scanner class itself; it takes a decoder.)
_scan_json: Callable[[str, int], tuple[Any, int]] = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


class JSONDoc(sa.types.TypeDecorator[Any]):
    """A Mastra ``jsonb`` column: dicts/lists/scalars in Python, SQL ``NULL`` for ``None``.

    On PostgreSQL a ``jsonb`` *string* holding an object's or array's JSON text reads back as that
    object or array: @mastra/pg stores documents that way (``JSON.stringify`` into ``jsonb``) and reads
    them so. A Python string such as ``'{"a": 1}'`` written to a JSON column therefore reads back as
    a dict on PostgreSQL (libSQL keeps it a string); other strings are unaffected.

    PostgreSQL ``jsonb`` cannot hold NUL characters or lone UTF-16 surrogates (``"\\ud800"``): there
    they are stripped from every string, keys included, as Mastra's PG store does. libSQL stores them
    as JSON escapes, as Mastra's ``JSON.stringify`` writes them, and they read back unchanged. NaN and
    infinities are not JSON on either backend (``ValueError`` when the parameter is bound).
    """

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSONB(none_as_null=True))
        return dialect.type_descriptor(sa.Text())

    def bind_processor(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            # Replaces JSONB's own processor (which wraps the value for psycopg to serialise with
            # plain json.dumps): we serialise here, once, into text that jsonb accepts.
            from psycopg.types.json import Jsonb

            def process(value: Any) -> Any:
                if value is None:
                    return None
                return Jsonb(_pg_json(None if value is sa.JSON.NULL else value), dumps=_as_is)

            return process
        return super().bind_processor(dialect)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value  # PostgreSQL: bind_processor (psycopg) or JSONB's own serializer runs next
        text = dumps_json(value)
        if not text.isascii():  # O(1): CPython flags all-ASCII strings
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                # A lone surrogate is no UTF-8, which is all the driver sends; its \uXXXX escape is
                # (Mastra's JSON.stringify writes the same), and json() and json.loads keep it.
                return _dumps_ascii(value)
        return text

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        if dialect.name == "postgresql":
            # psycopg decodes jsonb itself, so a str is a stored JSON *string*. @mastra/pg writes many
            # documents as JSON.stringify(value) into jsonb, i.e. as a string holding an object's or
            # array's JSON text, and parses it again on read; so do we, for such strings only. Other
            # strings ("question", "42") stay strings.
            return _decode_pg_string
        scan = _scan_json

        def process(value: Any) -> Any:
            if not isinstance(value, str):
                return None if value is None else json.loads(value)  # bytes: a raw blob, not json(col)
            # json(col) gives compact, valid JSON text: the C scanner alone decodes it (json.loads adds
            # two regex calls and a Python frame per value, which shows on pages of many documents).
            return scan(value, 0)[0]

        return process

    def column_expression(self, colexpr: ColumnElement[Any]) -> ColumnElement[Any]:
        return _JsonColumn(colexpr)


class Flag(sa.types.TypeDecorator[bool]):
    """A Mastra ``boolean``: ``INTEGER`` 0/1 on libSQL (as Mastra declares it), ``BOOLEAN`` on PG."""

    impl = sa.Integer
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(sa.Boolean())
        return dialect.type_descriptor(sa.Integer())

    def process_bind_param(self, value: bool | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return bool(value) if dialect.name == "postgresql" else int(bool(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> bool | None:
        return None if value is None else bool(value)


Real: sa.types.TypeEngine[float] = sa.REAL().with_variant(postgresql.DOUBLE_PRECISION(), "postgresql")
"""A Mastra ``float``: ``REAL`` on libSQL, ``DOUBLE PRECISION`` (Mastra's ``FLOAT``) on PostgreSQL."""


UTCDateTime = Annotated[datetime, AfterValidator(to_utc), PlainSerializer(format_iso_ms, when_used="json")]
"""A datetime field of an API model: aware UTC in Python (naive input is taken as UTC), cut to
milliseconds, and serialised to JSON exactly as JS ``toISOString()``."""
