"""``ObservabilityRepository``: AI-tracing spans and traces (``mastra_ai_spans``).

Behaviour follows Mastra's ``ObservabilityStorage`` (``reference/mastra-storage-spec.md`` §3.4) with the
snake_case API of DESIGN §4. Where we differ from Mastra, the method docstrings say so; in short:
updates of spans that do not exist raise :class:`NotFoundError` (Mastra silently does nothing), a
re-created span keeps its first ``created_at``, and unknown field or filter names are refused instead of
being ignored.

Spans are telemetry, written in bulk: every batch is one transaction of a constant number of
statements (one ``executemany`` of a prebuilt statement, or one per update shape), values are checked
and encoded by hand in one pass (JSON documents are serialised exactly once), and rows are read back
without per-row validation. Datetimes given without a time zone are taken to be UTC everywhere.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from mastra_data.db.base import PG_ONLY, trusted
from mastra_data.db.expressions import contains_all, in_ids, json_field_equals, json_text
from mastra_data.db.repository import Repository, utc_now
from mastra_data.db.types import Flag, JSONDoc, Timestamp, dumps_json, to_utc
from mastra_data.errors import NotFoundError, ValidationError, error_id
from mastra_data.observability.models import (
    CreateSpanRecord,
    Span,
    SpanRecord,
    TraceRecord,
    TracesPage,
    UpdateSpanRecord,
)
from mastra_data.pagination import Pagination, paginate
from mastra_data.validation import Checker

__all__ = ("ObservabilityRepository",)

SPANS: sa.Table = Span.__table__  # type: ignore[attr-defined]
_S = SPANS.c

# --- the columns, and how each is checked and encoded -------------------------------------------------

_TEXT, _BOOL, _TIME, _JSON, _OBJECT, _LIST, _TAGS = range(7)
"""Kinds of span fields: text, boolean, timestamp, any JSON value, JSON object, JSON array, list of str."""

_JSON_KINDS = {"scope": _OBJECT, "metadata": _OBJECT, "attributes": _OBJECT, "links": _LIST, "tags": _TAGS}
_KIND_NAMES = {
    _TEXT: "a string",
    _BOOL: "a boolean",
    _TIME: "a datetime or an ISO-8601 string",
    _OBJECT: "an object (mapping)",
    _LIST: "a list",
    _TAGS: "a list of strings",
}


def _kind(column: sa.Column[Any]) -> int:
    if isinstance(column.type, Timestamp):
        return _TIME
    if isinstance(column.type, Flag):
        return _BOOL
    if isinstance(column.type, JSONDoc):
        return _JSON_KINDS.get(column.name, _JSON)
    return _TEXT


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# Every Mastra column of the table (not PG's shadows), in table order: the SELECT list of every read.
_COLUMNS: tuple[sa.Column[Any], ...] = tuple(c for c in SPANS.columns if not c.info.get(PG_ONLY))
_FIELDS: tuple[str, ...] = tuple(_snake(c.name) for c in _COLUMNS)
"""``SpanRecord`` field names, position for position with :data:`_COLUMNS`."""
_JSON_COLUMNS = frozenset(c.name for c in _COLUMNS if isinstance(c.type, JSONDoc))
_KEY_COLUMNS = ("traceId", "spanId")
_PARAM = {c.name: f"v_{c.name}" for c in SPANS.columns}
"""Bound-parameter name of each column's new value in an UPDATE (not the column's own name, which
SQLAlchemy reserves in SET clauses)."""
_STORE_SET = ("createdAt", "updatedAt")  # set by the store, never by the caller
_REQUIRED = tuple(c.name for c in _COLUMNS if not c.nullable and c.name not in _STORE_SET)
_NOT_NULL = frozenset(_REQUIRED)

# Input key (either spelling) -> (column name, kind). The store-set timestamps are accepted and ignored:
# a SpanRecord read back from a store can be written again.
_INPUT: dict[str, tuple[str, int]] = {}
for _column in _COLUMNS:
    if _column.name not in _STORE_SET:
        _INPUT[_column.name] = _INPUT[_snake(_column.name)] = (_column.name, _kind(_column))
_IGNORED = frozenset(key for name in _STORE_SET for key in (name, _snake(name)))
assert set(_FIELDS) == set(SpanRecord.model_fields), "SpanRecord and mastra_ai_spans disagree"

# list_traces: filter name (either spelling) -> column, for the plain equality filters.
_EQUALITY_FILTERS: dict[str, str] = {}
for _name in (
    "spanType",
    "entityType",
    "entityId",
    "entityName",
    "userId",
    "organizationId",
    "resourceId",
    "runId",
    "sessionId",
    "threadId",
    "requestId",
    "environment",
    "source",
    "serviceName",
):
    _EQUALITY_FILTERS[_name] = _EQUALITY_FILTERS[_snake(_name)] = _name
_OTHER_FILTERS = {
    "status": "status",
    "tags": "tags",
    "metadata": "metadata",
    "scope": "scope",
    "hasChildError": "hasChildError",
    "has_child_error": "hasChildError",
    "startedAt": "startedAt",
    "started_at": "startedAt",
    "endedAt": "endedAt",
    "ended_at": "endedAt",
}
_FILTER_KEY = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")  # Mastra's check for metadata/scope filter keys
_STATUSES = ("success", "error", "running")
_ORDER_FIELDS = {
    "startedAt": "startedAt",
    "started_at": "startedAt",
    "endedAt": "endedAt",
    "ended_at": "endedAt",
}
MAX_PER_PAGE = 100  # Mastra's listTraces schema: perPage 1..100


# --- SQL constructs whose text differs by dialect ----------------------------------------------------
# (Candidates for mastra_data/db/expressions.py; kept here while other domains are being written.)


# --- statements -------------------------------------------------------------------------------------


def _bind(name: str, column: str) -> ColumnElement[Any]:
    """The bound parameter ``name`` for a value written to ``column`` (of that column's type; JSON
    columns take the text :func:`_encode` made)."""
    if column in _JSON_COLUMNS:
        return json_text(sa.bindparam(name, type_=sa.Text()))
    return sa.bindparam(name, type_=SPANS.c[column].type)


_SELECT = sa.select(*_COLUMNS)
_GET_SPAN = _SELECT.where(_S.traceId == sa.bindparam("tid"), _S.spanId == sa.bindparam("sid")).limit(1)
# Both served by (traceId, startedAt DESC), read backwards for ASC: no sort step.
_GET_ROOT = (
    _SELECT.where(_S.traceId == sa.bindparam("tid"), _S.parentSpanId.is_(None))
    .order_by(_S.startedAt.asc())
    .limit(1)
)
_GET_TRACE = _SELECT.where(_S.traceId == sa.bindparam("tid")).order_by(_S.startedAt.asc())
_DELETE_TRACES = sa.delete(SPANS).where(in_ids(_S.traceId, "tids"))


def _order(field: str, descending: bool) -> ColumnElement[Any]:
    """Mastra's trace order: ``endedAt`` puts running traces (NULL) first when DESC, last when ASC."""
    column = _S[field]
    if field == "endedAt":
        return column.desc().nulls_first() if descending else column.asc().nulls_last()
    return column.desc() if descending else column.asc()


def _trace_queries(
    field: str, descending: bool, where: Sequence[ColumnElement[bool]]
) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """(COUNT, page) statements of ``list_traces`` over root spans matching ``where``.

    The page query carries the count as its last column (an uncorrelated scalar subquery, evaluated
    once), so a page and its total cost one round trip. Without filters, ``startedAt`` order is served
    by the root-span indexes (``(parentSpanId, startedAt DESC)`` or the partial ``(startedAt DESC) WHERE
    parentSpanId IS NULL``): no sort and no table scan. There is deliberately no tie-break column, which
    would need a sort step.
    """
    conditions = [_S.parentSpanId.is_(None), *where]
    count = sa.select(sa.func.count()).select_from(SPANS).where(*conditions)
    page = (
        sa.select(*_COLUMNS, count.scalar_subquery())
        .where(*conditions)
        .order_by(_order(field, descending))
        .limit(sa.bindparam("lim", type_=sa.BigInteger()))
        .offset(sa.bindparam("off", type_=sa.BigInteger()))
    )
    return count, page


@functools.lru_cache(maxsize=8)
def _unfiltered_trace_queries(field: str, descending: bool) -> tuple[sa.Select[Any], sa.Select[Any]]:
    return _trace_queries(field, descending, ())


def _span(row: Sequence[Any]) -> SpanRecord:
    return trusted(SpanRecord, dict(zip(_FIELDS, row, strict=True)))


class _FieldError(Exception):
    """A field failed its check; turned into a ValidationError naming the span by the caller."""


def _unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored on both backends, or ``None``: PostgreSQL text and jsonb hold no
    NUL character, and no driver can send a lone UTF-16 surrogate (it is not UTF-8)."""
    if "\x00" in text:
        return "a NUL character"
    if not text.isascii():  # O(1): CPython flags all-ASCII strings
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "a lone UTF-16 surrogate"
    return None


def _json_unstorable(value: Any) -> str | None:
    """:func:`_unstorable` for every string of a JSON document, keys included."""
    if isinstance(value, str):
        return _unstorable(value)
    if isinstance(value, Mapping):
        return next(
            (r for k, v in value.items() for r in (_json_unstorable(k), _json_unstorable(v)) if r), None
        )
    if isinstance(value, list | tuple):
        return next((r for v in value if (r := _json_unstorable(v))), None)
    return None


def _encode(column: str, kind: int, value: Any) -> Any:
    """``value`` checked for ``column`` and put in the form its statement binds (``None`` passes).

    Strings with NUL characters or lone surrogates are refused on both backends, so that a batch
    means the same everywhere (PostgreSQL cannot store them; Mastra's PG store strips them).
    """
    if value is None:
        return None
    if kind == _TEXT:
        if not isinstance(value, str):
            raise _FieldError(f"{column} must be {_KIND_NAMES[kind]}, got {type(value).__name__}")
        value = str(value)  # a str subclass (an enum member, say) as the plain string
        problem = _unstorable(value)
        if problem is not None:
            raise _FieldError(f"{column} must not contain {problem}")
        return value
    if kind == _TIME:
        try:
            return to_utc(value)
        except (TypeError, ValueError, AttributeError):
            raise _FieldError(f"{column} must be {_KIND_NAMES[kind]}, got {value!r}") from None
    if kind == _BOOL:
        if type(value) is not bool:
            raise _FieldError(f"{column} must be {_KIND_NAMES[kind]}, got {value!r}")
        return value
    if kind == _OBJECT and not isinstance(value, Mapping):
        raise _FieldError(f"{column} must be {_KIND_NAMES[kind]}, got {type(value).__name__}")
    if kind in (_LIST, _TAGS) and not isinstance(value, list | tuple):
        raise _FieldError(f"{column} must be {_KIND_NAMES[kind]}, got {type(value).__name__}")
    if kind == _TAGS and not all(isinstance(tag, str) for tag in value):
        raise _FieldError(f"{column} must be {_KIND_NAMES[kind]}")
    try:
        text = dumps_json(value)
    except (TypeError, ValueError) as exc:
        raise _FieldError(f"{column} is not JSON-serialisable: {exc}") from None
    # The text shows every NUL as "\u0000" (a literal backslash-u0000 also matches: the walk decides)
    # and keeps lone surrogates, which make it unencodable; only then is the document walked.
    if "\\u0000" in text or _unstorable(text) is not None:
        problem = _json_unstorable(value)
        if problem is not None:
            raise _FieldError(f"{column} must not contain {problem}")
    return text


def _fields(value: Any) -> Mapping[str, Any] | None:
    """The fields of an input record: a mapping as is, a model's set fields; ``None`` otherwise."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, CreateSpanRecord):
        return value.__dict__
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_unset=True)
    return None


class ObservabilityRepository(Repository):
    """Spans and traces on one database (Mastra's ``ObservabilityStorage``).

    Mastra's tracing strategy for libSQL and PostgreSQL is ``batch-with-updates``: spans are created
    when they start (:meth:`batch_create_spans`) and completed later (:meth:`batch_update_spans`).

    Args:
        engine: A mastra_data engine (:func:`mastra_data.db.create_engine`), already migrated.
    """

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        backend = self._backend
        # The columns a write names, derived columns (PG's "<col>Z" shadows) included: backend.row()
        # is asked once which extra columns it derives from which, so that rows of a 1,000-span batch
        # get them by plain assignment instead of a backend.row() call each.
        names = [c.name for c in _COLUMNS]
        probe = backend.row(SPANS, {name: name for name in names})
        self._derived = tuple((target, source) for target, source in probe.items() if target != source)
        self._empty = dict.fromkeys(probe)
        insert = backend.insert(SPANS).values({name: _bind(name, name) for name in probe})
        # Re-creating a span replaces it (see create_span) but keeps its first createdAt: the columns
        # derived from createdAt are left out of the SET list too.
        keep = {"createdAt", *(t for t, s in self._derived if s == "createdAt"), *_KEY_COLUMNS}
        self._upsert = insert.on_conflict_do_update(
            index_elements=[_S.traceId, _S.spanId],
            set_={name: insert.excluded[name] for name in probe if name not in keep},
        )
        self._touched = tuple(name for name in backend.row(SPANS, {"updatedAt": None}) if name != "updatedAt")
        self._update_statements: dict[tuple[str, ...], sa.Update] = {}

    # --- plumbing -----------------------------------------------------------------------------

    def _invalid(
        self, operation: str, message: str, status: str = "INVALID_ARGUMENT", **details: Any
    ) -> ValidationError:
        return ValidationError(error_id(self._store, operation, status), message, details=details)

    def _id(self, value: Any, what: str, operation: str) -> str:
        if not isinstance(value, str) or not value:
            raise self._invalid(operation, f"{what} must be a non-empty string, got {value!r}")
        return value

    def _sequence(self, value: Any, what: str, operation: str) -> Sequence[Any]:
        """``value`` as a list; a bare string or mapping (which would iterate wrongly) is refused."""
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
            raise self._invalid(operation, f"{what} must be a list, got {type(value).__name__}")
        return value

    def _create_row(self, record: Any, now: datetime, operation: str, index: int) -> dict[str, Any]:
        """The row to write for one input span (see :meth:`create_span` for the rules)."""
        data = _fields(record)
        if data is None:
            raise self._invalid(
                operation,
                f"span #{index} must be a mapping or a CreateSpanRecord, got {type(record).__name__}",
                index=index,
            )
        row = self._empty.copy()
        try:
            for key, value in data.items():
                spec = _INPUT.get(key)
                if spec is None:
                    if key in _IGNORED:
                        continue
                    raise _FieldError(f"unknown span field {key!r}")
                if value is None:
                    row[spec[0]] = None  # (the same column may have been set under its other spelling)
                elif spec[1] == _TEXT and type(value) is str and value.isascii() and "\x00" not in value:
                    row[spec[0]] = value  # the common case, without a call
                else:
                    row[spec[0]] = _encode(spec[0], spec[1], value)
            for name in _REQUIRED:
                if row[name] is None:
                    raise _FieldError(f"{name} is required")
            if not row["traceId"] or not row["spanId"]:
                raise _FieldError("traceId and spanId must be non-empty strings")
        except _FieldError as exc:
            raise self._invalid(
                operation,
                f"Invalid span #{index} ({row.get('traceId')}/{row.get('spanId')}): {exc}",
                index=index,
                traceId=str(row.get("traceId")),
                spanId=str(row.get("spanId")),
            ) from None
        row["createdAt"] = row["updatedAt"] = now
        for target, source in self._derived:
            row[target] = row[source]
        return row

    def _update_values(self, updates: Any, operation: str, trace_id: str, span_id: str) -> dict[str, Any]:
        """Column -> value to set for one partial update (see :meth:`update_span`)."""
        data = _fields(updates)
        if data is None:
            raise self._invalid(
                operation,
                f"updates must be a mapping or an UpdateSpanRecord, got {type(updates).__name__}",
                traceId=trace_id,
                spanId=span_id,
            )
        values: dict[str, Any] = {}
        try:
            for key, value in data.items():
                spec = _INPUT.get(key)
                if spec is None:
                    if key in _IGNORED:
                        continue
                    raise _FieldError(f"unknown span field {key!r}")
                column, kind = spec
                if column in _KEY_COLUMNS:
                    raise _FieldError(f"{column} identifies the span and cannot be updated")
                if value is None and column in _NOT_NULL:
                    raise _FieldError(f"{column} cannot be null")
                values[column] = _encode(column, kind, value)
        except _FieldError as exc:
            raise self._invalid(
                operation,
                f"Invalid update of span {trace_id}/{span_id}: {exc}",
                traceId=trace_id,
                spanId=span_id,
            ) from None
        return values

    def _update_statement(self, columns: tuple[str, ...]) -> sa.Update:
        """``UPDATE … SET <columns>, updatedAt WHERE traceId = :k_tid AND spanId = :k_sid`` (parameters
        ``v_<column>``), derived shadow columns included; built once per set of columns."""
        statement = self._update_statements.get(columns)
        if statement is None:
            names = self._backend.row(SPANS, {name: name for name in (*columns, "updatedAt")})
            statement = (
                sa.update(SPANS)
                .where(_S.traceId == sa.bindparam("k_tid"), _S.spanId == sa.bindparam("k_sid"))
                .values({name: _bind(_PARAM[name], name) for name in names})
            )
            if len(self._update_statements) < 256:  # shapes are few; the bound is against misuse
                self._update_statements[columns] = statement
        return statement

    def _apply_updates(
        self, conn: Connection, updates: dict[tuple[str, str], dict[str, Any]], now: datetime, operation: str
    ) -> None:
        """Run ``updates`` (one per span key), one ``executemany`` per set of updated columns; raise
        :class:`NotFoundError` (the caller's transaction then rolls back) if any span is missing."""
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        stamp = {_PARAM[name]: now for name in ("updatedAt", *self._touched)}
        for (trace_id, span_id), values in sorted(updates.items()):  # sorted: one lock order for all writers
            params = {_PARAM[name]: value for name, value in values.items()}
            for target, source in self._derived:
                if source in values:
                    params[_PARAM[target]] = values[source]
            params.update(stamp)
            params["k_tid"], params["k_sid"] = trace_id, span_id
            shapes.setdefault(tuple(sorted(values)), []).append(params)
        changed = 0
        for columns, rows in shapes.items():
            changed += conn.execute(self._update_statement(columns), rows).rowcount
        if changed != len(updates):
            missing = self._missing(conn, list(updates))
            if missing:
                trace_id, span_id = missing[0]
                raise NotFoundError(
                    error_id(self._store, operation, "NOT_FOUND"),
                    f"Span {span_id} of trace {trace_id} not found"
                    + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
                    + "; nothing was updated",
                    details={"status": 404, "traceId": trace_id, "spanId": span_id, "missing": len(missing)},
                )

    def _missing(self, conn: Connection, keys: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The ``(traceId, spanId)`` keys without a span (error path only)."""
        found: set[tuple[str, str]] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            found.update(
                (t, s)
                for t, s in conn.execute(
                    sa.select(_S.traceId, _S.spanId).where(sa.tuple_(_S.traceId, _S.spanId).in_(chunk))
                )
            )
        return [key for key in keys if key not in found]

    # --- writes -------------------------------------------------------------------------------

    def create_span(self, span: CreateSpanRecord | Mapping[str, Any]) -> None:
        """Store one span; ``created_at`` and ``updated_at`` are set to now.

        ``span`` is a :class:`CreateSpanRecord` or a mapping in either key spelling. ``trace_id``,
        ``span_id``, ``name``, ``span_type``, ``is_event`` (a real ``bool``) and ``started_at`` are
        required; ``scope``/``metadata``/``attributes`` are objects, ``tags`` a list of strings,
        ``links`` a list, and ``input``/``output``/``error`` any JSON value (a plain string stays a
        string). ``created_at``/``updated_at`` in the input are ignored. Naive datetimes are taken as UTC.

        A span that exists already (same ``trace_id`` and ``span_id``) is replaced: every field takes
        the new value, ``created_at`` keeps the first write's value and ``updated_at`` is now.

        Mastra parity: Mastra's libSQL store does ``INSERT OR REPLACE`` (which also resets
        ``createdAt``), and its PostgreSQL store fails on the primary key; both backends here keep one
        row per ``(traceId, spanId)`` (PG's primary key, libSQL's unique index
        ``mastra_ai_spans_spanid_traceid_idx``) and keep the first ``created_at``, as Mastra's PG trigger
        does on update. Unknown field names are refused (Mastra drops them).

        Raises:
            ValidationError: not a mapping, an unknown field, a missing required field, or a value of
                the wrong type (id ``…_CREATE_SPAN_INVALID_ARGUMENT``).
        """
        self.batch_create_spans([span], _operation="CREATE_SPAN")

    def batch_create_spans(
        self,
        records: Sequence[CreateSpanRecord | Mapping[str, Any]],
        *,
        _operation: str = "BATCH_CREATE_SPANS",
    ) -> None:
        """Store many spans in one transaction and one statement (an ``executemany`` of a prebuilt
        ``INSERT … ON CONFLICT ("traceId", "spanId") DO UPDATE``).

        Each record follows :meth:`create_span`'s rules, existing spans included. Every record is checked
        before anything is written, so one bad record rejects the whole batch. When one batch names the
        same span twice, the last record wins. An empty batch does nothing.

        Raises:
            ValidationError: ``records`` is not a list, or a record is invalid (the message names its
                index; id ``…_BATCH_CREATE_SPANS_INVALID_ARGUMENT``). Nothing is written.
        """
        items = self._sequence(records, "records", _operation)
        if not items:
            return
        now = utc_now()
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for index, record in enumerate(items):
            row = self._create_row(record, now, _operation, index)
            # One statement must not upsert a row twice (PostgreSQL refuses): the last one wins.
            rows[row["traceId"], row["spanId"]] = row
        first = next(iter(rows))
        with self._write(_operation, traceId=first[0], spanId=first[1], count=len(rows)) as conn:
            # In key order: concurrent batches that share spans then lock them in the same order.
            conn.execute(self._upsert, [rows[key] for key in sorted(rows)])

    def update_span(
        self, *, trace_id: str, span_id: str, updates: UpdateSpanRecord | Mapping[str, Any]
    ) -> None:
        """Set some fields of one span (a partial update) and ``updated_at`` to now.

        ``updates`` is a mapping in either key spelling, or an :class:`UpdateSpanRecord` (its explicitly
        set fields). A ``None`` value clears a nullable field. ``trace_id``/``span_id`` cannot change;
        ``created_at``/``updated_at`` in ``updates`` are ignored. Values follow :meth:`create_span`'s
        rules.

        Mastra parity: Mastra silently updates nothing when the span does not exist; we raise
        :class:`NotFoundError`. Unknown field names are refused (Mastra would fail in SQL on libSQL).

        Raises:
            NotFoundError: no such span (id ``…_UPDATE_SPAN_NOT_FOUND``, details ``status: 404``).
            ValidationError: blank ids, an unknown field, or a value of the wrong type.
        """
        self.batch_update_spans(
            [{"trace_id": trace_id, "span_id": span_id, "updates": updates}], _operation="UPDATE_SPAN"
        )

    def batch_update_spans(
        self, records: Sequence[Mapping[str, Any]], *, _operation: str = "BATCH_UPDATE_SPANS"
    ) -> None:
        """Apply many partial span updates in one transaction: ``[{"trace_id", "span_id", "updates"}]``.

        Each update follows :meth:`update_span`'s rules; all are checked before anything is written.
        Updates are grouped by the set of fields they change, and each group runs as one ``executemany``
        of a prebuilt ``UPDATE`` (so 1,000 end-updates that set the same fields are one statement).
        Several updates of one span in a batch are merged in order (later values win). An empty batch does
        nothing.

        Mastra parity: Mastra silently skips spans that do not exist; we raise :class:`NotFoundError`
        and write nothing.

        Raises:
            NotFoundError: a named span does not exist (id ``…_BATCH_UPDATE_SPANS_NOT_FOUND``; the
                message and details name the first missing one and how many are missing).
            ValidationError: ``records`` is not a list, a record is not a mapping or lacks its ids, or an
                update is invalid.
        """
        items = self._sequence(records, "records", _operation)
        if not items:
            return
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for index, record in enumerate(items):
            if not isinstance(record, Mapping):
                raise self._invalid(
                    _operation,
                    f"record #{index} must be a mapping with trace_id, span_id and updates, "
                    f"got {type(record).__name__}",
                    index=index,
                )
            trace_id = self._id(record.get("trace_id", record.get("traceId")), "traceId", _operation)
            span_id = self._id(record.get("span_id", record.get("spanId")), "spanId", _operation)
            values = self._update_values(record.get("updates", {}), _operation, trace_id, span_id)
            merged.setdefault((trace_id, span_id), {}).update(values)
        first = next(iter(merged))
        with self._write(_operation, traceId=first[0], spanId=first[1], count=len(merged)) as conn:
            self._apply_updates(conn, merged, utc_now(), _operation)

    def batch_delete_traces(self, trace_ids: Sequence[str]) -> None:
        """Delete every span of the given traces, in one statement (unknown trace ids are ignored).

        Raises:
            ValidationError: ``trace_ids`` is not a list of strings.
        """
        operation = "BATCH_DELETE_TRACES"
        ids = self._sequence(trace_ids, "trace_ids", operation)
        if not all(isinstance(i, str) for i in ids):
            raise self._invalid(operation, "trace_ids must be a list of strings")
        if not ids:
            return
        with self._write_statement(operation, count=len(ids)) as conn:
            conn.execute(_DELETE_TRACES, {"tids": list(dict.fromkeys(ids))})

    # --- reads --------------------------------------------------------------------------------

    def get_span(self, *, trace_id: str, span_id: str) -> SpanRecord | None:
        """One span, or ``None`` if it does not exist.

        Mastra returns ``{span}``; we return the span itself.

        Raises:
            ValidationError: blank ids.
        """
        params = {
            "tid": self._id(trace_id, "traceId", "GET_SPAN"),
            "sid": self._id(span_id, "spanId", "GET_SPAN"),
        }
        with self._read("GET_SPAN", traceId=trace_id, spanId=span_id) as conn:
            row = conn.execute(_GET_SPAN, params).first()
        return None if row is None else _span(row)

    def get_root_span(self, *, trace_id: str) -> SpanRecord | None:
        """The trace's root span (no ``parent_span_id``; the earliest if there are several), or ``None``.

        Raises:
            ValidationError: a blank ``trace_id``.
        """
        params = {"tid": self._id(trace_id, "traceId", "GET_ROOT_SPAN")}
        with self._read("GET_ROOT_SPAN", traceId=trace_id) as conn:
            row = conn.execute(_GET_ROOT, params).first()
        return None if row is None else _span(row)

    def get_trace(self, *, trace_id: str) -> TraceRecord | None:
        """All spans of a trace, oldest first (ties by span id), or ``None`` if it has none.

        Raises:
            ValidationError: a blank ``trace_id``.
        """
        params = {"tid": self._id(trace_id, "traceId", "GET_TRACE")}
        with self._read("GET_TRACE", traceId=trace_id) as conn:
            rows = conn.execute(_GET_TRACE, params).all()
        if not rows:
            return None
        # The index gives startedAt order; ties are broken here (a SQL tie-break would add a sort step).
        spans = sorted((_span(r) for r in rows), key=lambda s: (s.started_at, s.span_id))
        return TraceRecord(trace_id=trace_id, spans=spans)

    def list_traces(
        self,
        *,
        filters: Mapping[str, Any] | None = None,
        page: int = 0,
        per_page: int = 10,
        order_by: Mapping[str, Any] | None = None,
    ) -> TracesPage:
        """A page of traces: their root spans (``parent_span_id`` is null), newest first by default.

        ``filters`` (all ANDed; either key spelling; ``None`` values are ignored):

        * ``span_type``, ``entity_type``, ``entity_id``, ``entity_name``, ``user_id``,
          ``organization_id``, ``resource_id``, ``run_id``, ``session_id``, ``thread_id``,
          ``request_id``, ``environment``, ``source``, ``service_name``: the root span's value equals.
        * ``started_at`` / ``ended_at``: ``{"start": dt, "end": dt}``, both ends inclusive, either may be
          left out (datetimes or ISO strings; naive means UTC).
        * ``status``: ``"error"`` (the root has an error), ``"running"`` (no ``ended_at``, no error),
          ``"success"`` (ended, no error); case-insensitive.
        * ``has_child_error``: whether some other span of the trace has an error.
        * ``tags``: the root's tags contain all of these.
        * ``metadata`` / ``scope``: per key, the root's value equals (scalars, compared type-strictly;
          keys must match ``^[a-zA-Z_][a-zA-Z0-9_]*$``).

        ``order_by``: ``{"field": "startedAt"|"endedAt", "direction": "ASC"|"DESC"}`` (default startedAt
        DESC). ``endedAt`` DESC lists running traces first, ``endedAt`` ASC lists them last (Mastra's
        order). ``per_page`` is 1 to 100 (Mastra's limit). The default order is served by an index.

        Mastra parity: unknown filter names, order fields and directions are refused (Mastra ignores
        unknown filters); the page counters sit next to ``spans`` instead of under ``pagination``.

        Raises:
            ValidationError: ``per_page`` outside 1..100 or a negative ``page``
                (``…_LIST_TRACES_INVALID_PAGE``), an invalid ``metadata``/``scope`` key
                (``…_LIST_TRACES_INVALID_FILTER_KEY``), or any other bad filter or order
                (``…_LIST_TRACES_INVALID_ARGUMENT``).
        """
        operation = "LIST_TRACES"
        paging = self._trace_paging(page, per_page)
        field, descending = self._trace_order(order_by)
        where = self._trace_filters(filters)
        if where:
            count_query, page_query = _trace_queries(field, descending, where)
        else:
            count_query, page_query = _unfiltered_trace_queries(field, descending)
        params = {"lim": paging.limit, "off": paging.offset}
        with self._read(operation) as conn:
            rows = conn.execute(page_query, params).all()
            if rows:
                total = int(rows[0][-1])
            else:  # nothing matches, or the page is past the end (only then is a count still needed)
                total = conn.execute(count_query).scalar_one() if paging.offset else 0
        return TracesPage(
            spans=[_span(r[:-1]) for r in rows],
            total=total,
            page=paging.page,
            per_page=per_page,
            has_more=paging.has_more(total),
        )

    def _trace_paging(self, page: Any, per_page: Any) -> Pagination:
        if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= MAX_PER_PAGE:
            raise self._invalid(
                "LIST_TRACES",
                f"perPage must be an integer from 1 to {MAX_PER_PAGE}, got {per_page!r}",
                "INVALID_PAGE",
                page=str(page),
                perPage=str(per_page),
            )
        return paginate(page, per_page, store=self._store, operation="LIST_TRACES")

    def _trace_order(self, order_by: Any) -> tuple[str, bool]:
        check = Checker(self._store, "LIST_TRACES")
        value = check.mapping(order_by, "orderBy") or {}
        unknown = set(value) - {"field", "direction"}
        if unknown:
            raise check.fail(f"orderBy has unknown keys: {', '.join(sorted(map(str, unknown)))}")
        field = _ORDER_FIELDS.get(value.get("field") or "startedAt")
        direction = value.get("direction") or "DESC"
        if field is None:
            raise check.fail(f"orderBy.field must be 'startedAt' or 'endedAt', got {value.get('field')!r}")
        if not isinstance(direction, str) or direction.upper() not in ("ASC", "DESC"):
            raise check.fail(f"orderBy.direction must be 'ASC' or 'DESC', got {direction!r}")
        return field, direction.upper() == "DESC"

    def _trace_filters(self, filters: Any) -> list[ColumnElement[bool]]:
        """SQL conditions for ``list_traces``' ``filters`` (see there); raises ValidationError."""
        check = Checker(self._store, "LIST_TRACES")
        where: list[ColumnElement[bool]] = []
        for key, value in (check.mapping(filters, "filters") or {}).items():
            if value is None:
                continue
            column = _EQUALITY_FILTERS.get(key)
            if column is not None:
                where.append(_S[column] == check.text(value, f"filters.{key}"))
                continue
            name = _OTHER_FILTERS.get(key)
            if name is None:
                raise check.fail(f"unknown trace filter {key!r}")
            if name in ("startedAt", "endedAt"):
                where += self._range(check, name, value)
            elif name == "status":
                where.append(self._status(check, value))
            elif name == "hasChildError":
                if not isinstance(value, bool):
                    raise check.fail(f"filters.hasChildError must be a boolean, got {value!r}")
                child = SPANS.alias("child")
                errored = sa.exists().where(
                    child.c.traceId == _S.traceId,
                    child.c.parentSpanId.is_not(None),
                    child.c.error.is_not(None),
                )
                where.append(errored if value else ~errored)
            elif name == "tags":
                if isinstance(value, str) or not isinstance(value, Sequence):
                    raise check.fail("filters.tags must be a list of strings")
                if not all(isinstance(tag, str) for tag in value):
                    raise check.fail("filters.tags must be a list of strings")
                if value:
                    where.append(contains_all(_S.tags, value))
            else:  # metadata, scope
                where += self._json_equals(check, name, value)
        return where

    def _range(self, check: Checker, name: str, value: Any) -> list[ColumnElement[bool]]:
        bounds = check.mapping(value, f"filters.{name}") or {}
        unknown = set(bounds) - {"start", "end"}
        if unknown:
            raise check.fail(f"filters.{name} has unknown keys: {', '.join(sorted(map(str, unknown)))}")
        start = check.instant(bounds.get("start"), f"filters.{name}.start")
        end = check.instant(bounds.get("end"), f"filters.{name}.end")
        out: list[ColumnElement[bool]] = []
        if start is not None:
            out.append(_S[name] >= start)
        if end is not None:
            out.append(_S[name] <= end)
        return out

    @staticmethod
    def _status(check: Checker, value: Any) -> ColumnElement[bool]:
        status = value.lower() if isinstance(value, str) else None
        if status not in _STATUSES:
            raise check.fail(f"filters.status must be one of {', '.join(_STATUSES)}, got {value!r}")
        if status == "error":
            return _S.error.is_not(None)
        ended = _S.endedAt.is_(None) if status == "running" else _S.endedAt.is_not(None)
        return sa.and_(ended, _S.error.is_(None))

    def _json_equals(self, check: Checker, name: str, value: Any) -> list[ColumnElement[bool]]:
        pairs = check.mapping(value, f"filters.{name}") or {}
        out: list[ColumnElement[bool]] = []
        for key, expected in pairs.items():
            if not isinstance(key, str) or not _FILTER_KEY.match(key):
                raise self._invalid(
                    "LIST_TRACES",
                    f"Invalid filter key: {name}.{key}. Keys must start with a letter or underscore and "
                    "contain only alphanumeric characters and underscores.",
                    "INVALID_FILTER_KEY",
                    key=str(key),
                )
            if isinstance(expected, float) and not math.isfinite(expected):
                raise check.fail(f"filters.{name}.{key} must be a finite number, got {expected}")
            if expected is not None and not isinstance(expected, str | int | float | bool):
                raise check.fail(
                    f"filters.{name}.{key} must be a string, number, boolean or null, "
                    f"got {type(expected).__name__}"
                )
            out.append(json_field_equals(_S[name], key, expected))
        return out
