"""``MemoryRepository``: threads, messages, resources (working memory) and thread clones.

Behaviour follows Mastra's ``MemoryStorage`` (``reference/mastra-storage-spec.md`` §3.1) with the
snake_case API of DESIGN §4. Where Mastra is wrong we are right, and say so in the docstring:
database errors raise instead of returning an empty page, and ``update_thread`` bumps ``updated_at``.

Hot paths use SQLAlchemy Core with statements of a fixed shape (so the compiled form is cached), a
constant number of statements per call, and no per-row ORM objects. Datetimes given without a time
zone are taken to be UTC everywhere.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, cast

import sqlalchemy as sa
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.engine import Connection, Engine

from mastra_data.db.base import ModelT, trusted
from mastra_data.db.dialects import Bare
from mastra_data.db.direct import Direct
from mastra_data.db.expressions import in_ids, json_field_equals
from mastra_data.db.types import format_iso_ms, to_utc
from mastra_data.errors import (
    ConflictError,
    NotFoundError,
    OwnershipError,
    ValidationError,
    error_id,
)
from mastra_data.memory.models import (
    CloneResult,
    Message,
    MessageRead,
    MessagesPage,
    RecallResult,
    Resource,
    ResourceRead,
    Thread,
    ThreadRead,
    ThreadsPage,
)
from mastra_data.pagination import metadata_filter, paginate
from mastra_data.pagination import order_by as parse_order_by  # `order_by` is a parameter name
from mastra_data.validation import Checker
from mastra_data.vectors.models import QueryResult

if TYPE_CHECKING:
    from mastra_data.vectors.store import VectorStore

from mastra_data.db.repository import Repository, count_and_page, page_and_total, utc_now

__all__ = ("MemoryRepository", "memory_index_name", "message_text")

THREADS: sa.Table = Thread.__table__  # type: ignore[attr-defined]
MESSAGES: sa.Table = Message.__table__  # type: ignore[attr-defined]
RESOURCES: sa.Table = Resource.__table__  # type: ignore[attr-defined]

_T, _M, _R = THREADS.c, MESSAGES.c, RESOURCES.c
_THREAD_COLS = (_T.id, _T.resourceId, _T.title, _T.metadata, _T.createdAt, _T.updatedAt)
_MESSAGE_COLS = (_M.id, _M.thread_id, _M.resourceId, _M.role, _M.type, _M.content, _M.createdAt)
_RESOURCE_COLS = (_R.id, _R.workingMemory, _R.metadata, _R.createdAt, _R.updatedAt)

# Bound parameters per statement stay far below SQLite's 32766 and PG's 65535.
_CHUNK = 500
_WINDOWS_PER_STATEMENT = 100  # two SELECTs each; SQLite allows 500 terms in one compound SELECT
# update_messages: accepted keys (either spelling) -> column
_UPDATABLE = (
    ("role", "role"),
    ("type", "type"),
    ("resource_id", "resourceId"),
    ("resourceId", "resourceId"),
    ("thread_id", "thread_id"),
    ("threadId", "thread_id"),
)

MessageInput = MessageRead | Mapping[str, Any]
ThreadInput = ThreadRead | Mapping[str, Any]


def _thread_filter(thread_ids: Sequence[str]) -> tuple[str, dict[str, Any]]:
    """The thread-id filter shape for :func:`_message_queries` and its bound values."""
    if len(thread_ids) == 1:
        return "one", {"tid": thread_ids[0]}
    return ("some" if len(thread_ids) <= _CHUNK else "many"), {"tids": list(thread_ids)}


@functools.lru_cache(maxsize=128)
def _message_queries(
    threads: str, by_resource: bool, start: str | None, end: str | None, descending: bool, limited: bool
) -> tuple[Direct, Direct]:
    """(COUNT, page) statements of ``list_messages`` for one query shape, with bind parameters.

    Built once per shape and run directly on the cursor (:mod:`mastra_data.db.direct`), so hot
    reads skip statement construction and SQLAlchemy's per-execute work; the values (``tid``/``tids``,
    ``rid``, ``start``, ``end``, ``lim``, ``off``) are bound per call.
    """
    if threads == "one":
        by_thread: sa.ColumnElement[bool] = _M.thread_id == sa.bindparam("tid")
    elif threads == "some":
        by_thread = _M.thread_id.in_(sa.bindparam("tids", expanding=True))  # index seeks per id
    else:
        by_thread = in_ids(_M.thread_id, "tids")  # one bound list: no bound-variable limit
    where: list[sa.ColumnElement[bool]] = [by_thread]
    if by_resource:
        where.append(_M.resourceId == sa.bindparam("rid"))
    if start is not None:
        where.append(
            _M.createdAt > sa.bindparam("start") if start == "gt" else _M.createdAt >= sa.bindparam("start")
        )
    if end is not None:
        where.append(
            _M.createdAt < sa.bindparam("end") if end == "lt" else _M.createdAt <= sa.bindparam("end")
        )
    count, page = count_and_page(MESSAGES, _MESSAGE_COLS, where, _M.createdAt, descending, limited)
    return Direct(count), Direct(page)


def _thread_queries(
    by_resource: bool, field: str, descending: bool, limited: bool, filters: Sequence[sa.ColumnElement[bool]]
) -> tuple[sa.Select[Any] | Direct, sa.Select[Any] | Direct]:
    """(COUNT, page) statements of ``list_threads``; cached per shape when there are no metadata
    filters (their keys and value types vary, so those statements are built per call)."""
    if filters:
        return _build_thread_queries(by_resource, field, descending, limited, filters)
    return _cached_thread_queries(by_resource, field, descending, limited)


def _build_thread_queries(
    by_resource: bool, field: str, descending: bool, limited: bool, filters: Sequence[sa.ColumnElement[bool]]
) -> tuple[sa.Select[Any], sa.Select[Any]]:
    where = [_T.resourceId == sa.bindparam("rid")] if by_resource else []
    return count_and_page(THREADS, _THREAD_COLS, [*where, *filters], _T[field], descending, limited)


@functools.lru_cache(maxsize=32)
def _cached_thread_queries(
    by_resource: bool, field: str, descending: bool, limited: bool
) -> tuple[Direct, Direct]:
    count, page = _build_thread_queries(by_resource, field, descending, limited, ())
    return Direct(count), Direct(page)


@functools.lru_cache(maxsize=64)
def _window_statement(count: int, by_resource: bool) -> Direct:
    """``UNION ALL`` of the context windows of ``count`` include targets (parameters ``i<k>``, ``b<k>``,
    ``a<k>``, ``rid``), built once per shape.

    Window *k* is the target and the ``b<k> - 1`` messages before it — ``(createdAt, id) <= target``
    descending — plus the ``a<k>`` after it, within the target's own thread, each with ``LIMIT``. The
    target's thread and time are scalar subqueries on the primary key, so both databases plan every
    window as an index range on ``(thread_id, createdAt)``: the cost does not grow with the thread's
    length (no numbering of the thread, and no join that PostgreSQL would turn into a thread scan).
    """
    anchor = MESSAGES.alias("anchor")  # an alias, so the lookups are not correlated to the outer query
    selects: list[sa.Select[Any]] = []
    for k in range(count):
        target = sa.bindparam(f"i{k}", type_=sa.Text())
        thread = sa.select(anchor.c.thread_id).where(anchor.c.id == target).scalar_subquery()
        # type_coerce: compare with the stored column itself, not the shadow-preferring read expression.
        at = (
            sa.select(sa.type_coerce(anchor.c.createdAt, sa.Text()))
            .where(anchor.c.id == target)
            .scalar_subquery()
        )
        key, cursor = sa.tuple_(_M.createdAt, _M.id), sa.tuple_(at, target)
        where = [_M.thread_id == thread] + ([_M.resourceId == sa.bindparam("rid")] if by_resource else [])
        limit_before = sa.bindparam(f"b{k}", type_=sa.BigInteger())
        limit_after = sa.bindparam(f"a{k}", type_=sa.BigInteger())
        before = (
            sa.select(*_MESSAGE_COLS).where(*where, key <= cursor).order_by(_M.createdAt.desc(), _M.id.desc())
        )
        after = (
            sa.select(*_MESSAGE_COLS).where(*where, key > cursor).order_by(_M.createdAt.asc(), _M.id.asc())
        )
        selects += [
            sa.select(before.limit(limit_before).subquery()),
            sa.select(after.limit(limit_after).subquery()),
        ]
    return Direct(sa.union_all(*selects))


MEMORY_INDEX = "memory_messages"
MEMORY_INDEX_CONFIG: dict[str, Any] = {"type": "flat"}
"""How ``index_messages`` creates a memory index: no ANN graph. Every recall query names a thread or a
resource (``where_equals`` on the B-tree metadata indexes), so it is answered exactly from the matching
rows and an HNSW/DiskANN graph would never serve it, only slow every insert (pgvector HNSW upkeep: ~1k
vectors/s against ~13k without it). An index Mastra (or a caller) created with an ANN graph is kept."""


def memory_index_name(dimension: int) -> str:
    """Mastra's recall index name: ``memory_messages`` for 1536 dimensions, else ``memory_messages_<dim>``."""
    return MEMORY_INDEX if dimension == 1536 else f"{MEMORY_INDEX}_{dimension}"


def message_text(content: dict[str, Any] | str) -> str:
    """The text Mastra embeds for a message: ``content.content``, else its text parts joined."""
    if isinstance(content, str):
        return content
    text = content.get("content")
    if isinstance(text, str) and text:
        return text
    parts = content.get("parts") or []
    return " ".join(p.get("text", "") for p in parts if isinstance(p, dict) and p.get("type") == "text")


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _thread(row: Sequence[Any]) -> ThreadRead:
    return trusted(
        ThreadRead,
        {
            "id": row[0],
            "resource_id": row[1],
            "title": row[2],
            "metadata": row[3],
            "created_at": row[4],
            "updated_at": row[5],
        },
    )


def _resource(row: Sequence[Any]) -> ResourceRead:
    return trusted(
        ResourceRead,
        {
            "id": row[0],
            "working_memory": row[1],
            "metadata": row[2],
            "created_at": row[3],
            "updated_at": row[4],
        },
    )


def _v1_part(part: Any) -> Any:
    """One AI-SDK v4 ``CoreMessage`` content part as a v2 UI part (Mastra's MessageList rules)."""
    if not isinstance(part, Mapping):
        return {"type": "text", "text": str(part)}
    kind = part.get("type")
    if kind in ("tool-call", "tool-result"):
        state, payload = ("call", "args") if kind == "tool-call" else ("result", "result")
        invocation = {
            "state": state,
            "toolCallId": part.get("toolCallId"),
            "toolName": part.get("toolName"),
            payload: part.get(payload),
        }
        return {"type": "tool-invocation", "toolInvocation": invocation}
    return dict(part)


def _content(raw: str, kind: str) -> dict[str, Any] | str:
    """Decode a stored ``content`` column.

    v2 rows hold the JSON of the v2 content dict. Legacy v1 rows (``type`` ``text``/``tool-call``/
    ``tool-result``) hold a plain string or the JSON of a ``CoreMessage`` content array; they are
    returned as v2 content, as Mastra's ``MessageList`` does. Text that is not JSON is returned as is.
    """
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    if isinstance(value, dict) and value.get("format") == 2:
        return value
    if kind == "v2" and not isinstance(value, list):
        return value if isinstance(value, dict) else raw
    if isinstance(value, list):
        parts = [_v1_part(p) for p in value]
        text = "".join(p.get("text", "") for p in parts if isinstance(p, dict) and p.get("type") == "text")
        return {"format": 2, "parts": parts, "content": text}
    text = raw if not isinstance(value, str) else value
    return {"format": 2, "parts": [{"type": "text", "text": text}], "content": text}


def _message(row: Sequence[Any]) -> MessageRead:
    return trusted(
        MessageRead,
        {
            "id": row[0],
            "thread_id": row[1],
            "resource_id": row[2],
            "role": row[3],
            "type": row[4],
            "content": _content(row[5], row[4]),
            "created_at": row[6],
        },
    )


class MemoryRepository(Repository):
    """Threads, messages and working memory on one database (Mastra's ``MemoryStorage``).

    Args:
        engine: A mastra_data engine (:func:`mastra_data.db.create_engine`), already migrated.
        vectors: Returns the vector store used for semantic recall (``Storage`` passes its own).
    """

    def __init__(self, engine: Engine, vectors: Callable[[], VectorStore] | None = None) -> None:
        super().__init__(engine)
        self._vectors = vectors  # lazy: the vector store may live on another database
        self._ready_indexes: set[str] = set()  # memory indexes known to exist with their metadata indexes
        # Hot statements are built once: building an upsert's ``excluded`` alias or a fresh UPDATE per
        # call costs more than executing it.
        backend = self._backend
        # Re-saving a message keeps its createdAt (Mastra): only these columns are updated.
        # Hot statements (save_messages) run directly on the cursor: see mastra_data.db.direct.
        self._upsert_messages = Direct(
            backend.upsert(MESSAGES, "id", ("thread_id", "content", "role", "type", "resourceId"))
        )
        # Threads and resources are replaced whole, shadow columns included.
        self._upsert_thread = backend.upsert(
            THREADS, "id", backend.row(THREADS, {c.name: None for c in _THREAD_COLS})
        )
        self._upsert_resource = backend.upsert(
            RESOURCES, "id", backend.row(RESOURCES, {c.name: None for c in _RESOURCE_COLS})
        )
        self._touch = Direct(
            sa.update(THREADS)
            .where(_T.id == sa.bindparam("tid"))
            .values({k: sa.bindparam(f"v_{k}") for k in self._backend.row(THREADS, {"updatedAt": None})})
        )

    # --- plumbing -----------------------------------------------------------------------------

    def _invalid(self, operation: str, status: str, message: str, **details: Any) -> ValidationError:
        return ValidationError(error_id(self._store, operation, status), message, details=details)

    def _id_list(self, ids: Any, operation: str) -> list[str]:
        """Distinct ids, in order; a bare string (which would iterate as characters) is refused."""
        if isinstance(ids, str | bytes | Mapping) or not all(isinstance(i, str) for i in ids):
            raise self._invalid(operation, "INVALID_ARGUMENT", "message ids must be a list of strings")
        return list(dict.fromkeys(ids))

    def _thread_id(self, thread_id: Any, operation: str) -> str:
        if not isinstance(thread_id, str) or not thread_id.strip():
            raise self._invalid(
                operation, "INVALID_THREAD_ID", "threadId must be a non-empty string", threadId=str(thread_id)
            )
        return thread_id

    def _check_owner(self, conn: Connection, thread_ids: Iterable[str], resource_id: str | None) -> None:
        """Raise :class:`OwnershipError` if any existing thread is owned by another resource.

        With ``resource_id=None`` nothing is checked (server-side access). Missing threads pass.
        """
        if resource_id is None:
            return
        ids = list(dict.fromkeys(thread_ids))
        owners: dict[str, str] = {}
        for chunk in _chunks(ids):
            for found, owner in conn.execute(sa.select(_T.id, _T.resourceId).where(_T.id.in_(chunk))):
                owners[found] = owner
        for thread_id in ids:
            owner = owners.get(thread_id)
            if owner is not None and owner != resource_id:
                raise self._ownership_error(thread_id, owner, resource_id)

    def _check_owners(
        self, conn: Connection, thread_ids: Sequence[str], targets: Sequence[str], resource_id: str
    ) -> None:
        """:meth:`_check_owner` for ``list_messages``: the listed threads, and the threads of the
        messages that ``include`` names (each must be the caller's as well)."""
        self._check_owner(conn, thread_ids, resource_id)
        if targets:
            included_threads = [
                t
                for chunk in _chunks(targets)
                for t in conn.execute(sa.select(_M.thread_id).where(_M.id.in_(chunk)).distinct()).scalars()
            ]
            self._check_owner(conn, included_threads, resource_id)

    def _ownership_error(self, thread_id: str, owner: str, resource_id: str) -> OwnershipError:
        return OwnershipError(
            error_id(self._store, "CHECK_THREAD_OWNER", "FORBIDDEN"),
            f"Thread with id {thread_id} is for resource with id {owner} "
            f"but resource {resource_id} was queried.",
            details={"threadId": thread_id, "resourceId": resource_id, "ownerResourceId": owner},
        )

    def _touch_threads(self, conn: Connection | Bare, thread_ids: Iterable[str], when: datetime) -> None:
        """``updatedAt = when`` on the given threads (their Z shadow too on PostgreSQL)."""
        values = {f"v_{k}": v for k, v in self._backend.row(THREADS, {"updatedAt": when}).items()}
        ids = sorted(set(thread_ids))  # sorted: concurrent writers lock rows in the same order
        if ids:
            self._touch.write(conn, [{**values, "tid": tid} for tid in ids])

    # --- threads ------------------------------------------------------------------------------

    def get_thread_by_id(self, thread_id: str, *, resource_id: str | None = None) -> ThreadRead | None:
        """The thread, or ``None`` if it does not exist.

        Raises:
            OwnershipError: ``resource_id`` is given and another resource owns the thread.
            ValidationError: a blank ``thread_id``.
        """
        self._thread_id(thread_id, "GET_THREAD_BY_ID")
        with self._read("GET_THREAD_BY_ID", threadId=thread_id) as conn:
            row = conn.execute(sa.select(*_THREAD_COLS).where(_T.id == thread_id)).first()
        if row is None:
            return None
        if resource_id is not None and row[1] != resource_id:
            raise self._ownership_error(thread_id, row[1], resource_id)
        return _thread(row)

    def save_thread(self, thread: ThreadInput) -> ThreadRead:
        """Create or replace a thread (all columns, as Mastra's upsert). Timestamps default to now.

        Raises:
            ValidationError: missing/blank id or resource id.
        """
        model = self._validate_thread(thread)
        values = {
            "id": model.id,
            "resourceId": model.resource_id,
            "title": model.title,
            "metadata": model.metadata,
            "createdAt": model.created_at,
            "updatedAt": model.updated_at,
        }
        with self._write_statement("SAVE_THREAD", threadId=model.id) as conn:
            conn.execute(self._upsert_thread, self._backend.row(THREADS, values))
        return model

    def _validated(self, model: type[ModelT], value: Any, operation: str) -> ModelT:
        """``value`` (a model or a mapping in either key spelling) as ``model``; ``created_at``
        defaults to now and ``updated_at`` to ``created_at``. Raises :class:`ValidationError`."""
        if isinstance(value, model):
            value = value.model_dump()
        Checker(self._store, operation).mapping(
            value, model.__name__.removesuffix("Read").lower(), optional=False
        )
        data = dict(value)
        data.setdefault("created_at", data.pop("createdAt", None) or utc_now())
        data.setdefault("updated_at", data.pop("updatedAt", None) or data["created_at"])
        try:
            return model.model_validate(data)
        except PydanticValidationError as exc:
            raise self._invalid(
                operation, "INVALID_ARGUMENT", f"Invalid {model.__name__}: {_errors(exc)}"
            ) from None

    def _validate_thread(self, thread: ThreadInput) -> ThreadRead:
        check = Checker(self._store, "SAVE_THREAD")
        model = self._validated(ThreadRead, thread, "SAVE_THREAD")
        self._thread_id(model.id, "SAVE_THREAD")
        if not model.resource_id.strip():
            raise self._invalid(
                "SAVE_THREAD", "INVALID_THREAD", "resourceId must be a non-empty string", threadId=model.id
            )
        check.json(model.metadata, "metadata")
        return model

    def update_thread(
        self,
        thread_id: str,
        *,
        title: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        resource_id: str | None = None,
    ) -> ThreadRead:
        """Set the title and shallow-merge ``metadata`` into the thread's; bumps ``updated_at``.

        Mastra parity: Mastra's libSQL store does not bump ``updatedAt`` here; we do (as its PG store).

        Raises:
            NotFoundError: no such thread (id ``…_UPDATE_THREAD_NOT_FOUND``, details ``status: 404``).
            OwnershipError: ``resource_id`` given and another resource owns the thread.
        """
        self._thread_id(thread_id, "UPDATE_THREAD")
        check = Checker(self._store, "UPDATE_THREAD")
        check.text(title, "title")
        check.mapping(metadata, "metadata")
        check.json(metadata, "metadata")
        with self._write("UPDATE_THREAD", threadId=thread_id) as conn:
            # FOR UPDATE: concurrent merges must not lose each other's keys (SQLite: the write
            # transaction is IMMEDIATE already, and SQLAlchemy renders no FOR UPDATE there).
            row = conn.execute(sa.select(*_THREAD_COLS).where(_T.id == thread_id).with_for_update()).first()
            if row is None:
                raise NotFoundError(
                    error_id(self._store, "UPDATE_THREAD", "NOT_FOUND"),
                    f"Thread {thread_id} not found",
                    details={"status": 404, "threadId": thread_id},
                )
            self._check_owner(conn, [thread_id], resource_id)
            current = _thread(row)
            merged = {**(current.metadata or {}), **dict(metadata or {})}
            now = utc_now()
            new_title = current.title if title is None else title
            conn.execute(
                sa.update(THREADS)
                .where(_T.id == thread_id)
                .values(
                    self._backend.row(THREADS, {"title": new_title, "metadata": merged, "updatedAt": now})
                )
            )
        return current.model_copy(update={"title": new_title, "metadata": merged, "updated_at": now})

    def delete_thread(self, thread_id: str, *, resource_id: str | None = None) -> None:
        """Delete a thread and all its messages in one transaction (no error if it does not exist), then
        its recall vectors in every ``memory_messages*`` index.

        Raises:
            OwnershipError: ``resource_id`` given and another resource owns the thread.
        """
        self._thread_id(thread_id, "DELETE_THREAD")
        with self._write("DELETE_THREAD", threadId=thread_id) as conn:
            self._check_owner(conn, [thread_id], resource_id)
            conn.execute(sa.delete(MESSAGES).where(_M.thread_id == thread_id))
            conn.execute(sa.delete(THREADS).where(_T.id == thread_id))
        # After the commit (the vectors may be in another database): a failure here leaves orphaned
        # vectors, which recall ignores, never orphaned messages.
        self._forget_vectors({"thread_id": thread_id})

    def list_threads(
        self,
        *,
        resource_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        page: int = 0,
        per_page: int | Literal[False] = 100,
        order_by: Mapping[str, Any] | None = None,
    ) -> ThreadsPage:
        """Threads filtered by owner and metadata equality (keys ANDed), newest first by default.

        ``metadata`` values must be scalars; they compare type-strictly and ``None`` matches a missing
        key or an explicit null. ``order_by`` is ``{"field": "createdAt"|"updatedAt", "direction":
        "ASC"|"DESC"}``.

        Raises:
            ValidationError: bad pagination (``…_LIST_THREADS_INVALID_PAGE``), metadata key
                (``…_INVALID_METADATA_KEY``) or value (``…_INVALID_METADATA_VALUE``).
        """
        paging = paginate(page, per_page, store=self._store, operation="LIST_THREADS")
        pairs = metadata_filter(metadata, store=self._store, operation="LIST_THREADS")
        field, direction = parse_order_by(order_by, default_direction="DESC")
        limited = paging.limit is not None
        filters = [json_field_equals(_T.metadata, key, value) for key, value in pairs]
        count_query, page_query = _thread_queries(
            resource_id is not None, field, direction == "DESC", limited, filters
        )
        params: dict[str, Any] = {"rid": resource_id} if resource_id is not None else {}
        if limited:
            params["lim"], params["off"] = paging.limit, paging.offset
        # Metadata filters make a statement per call, run by SQLAlchemy; the cached shapes run directly.
        direct = isinstance(page_query, Direct)
        with self._direct("LIST_THREADS", "read") if direct else self._read("LIST_THREADS") as conn:
            rows, total = page_and_total(conn, count_query, page_query, params, paging)
        return ThreadsPage(
            threads=[_thread(r) for r in rows],
            total=total,
            page=paging.page,
            per_page=paging.per_page,
            has_more=paging.has_more(total),
        )

    # --- messages -----------------------------------------------------------------------------

    def save_messages(self, messages: Sequence[MessageInput]) -> list[MessageRead]:
        """Insert or update messages by id, all in one transaction; bumps their threads' ``updated_at``.

        An existing id keeps its ``created_at`` and moves to the given thread. Every message needs a
        thread id and a resource id: one bad message rejects the whole batch before anything is
        written. ``content`` is the v2 content dict or a string; ``id`` defaults to a new UUID,
        ``created_at`` to now, ``type`` to ``"v2"``.

        Raises:
            ValidationError: a message without thread/resource id, or otherwise malformed.
        """
        if not messages:
            return []
        now = utc_now()
        # Last occurrence of an id wins (as sequential upserts would); one multi-row upsert must not
        # name the same row twice.
        models = list({m.id: m for m in (self._validate_message(m, now) for m in messages)}.values())
        check = Checker(self._store, "SAVE_MESSAGES")
        rows = [
            self._backend.row(
                MESSAGES,
                {
                    "id": m.id,
                    "thread_id": m.thread_id,
                    "content": m.content if isinstance(m.content, str) else check.json(m.content, "content"),
                    "role": m.role,
                    "type": m.type,
                    "createdAt": m.created_at,
                    "resourceId": m.resource_id,
                },
            )
            for m in models
        ]
        with self._direct("SAVE_MESSAGES", "transaction", threadId=models[0].thread_id) as conn:
            self._upsert_messages.write(conn, rows)
            self._touch_threads(conn, (m.thread_id for m in models), now)
        return models

    def _validate_message(self, message: MessageInput, now: datetime) -> MessageRead:
        """Check one input message by hand (a pydantic round per message would cost more than its
        INSERT) and return it as a :class:`MessageRead` with defaults filled in."""
        if not isinstance(message, MessageRead | Mapping):
            raise self._invalid(
                "SAVE_MESSAGES",
                "INVALID_MESSAGE",
                f"a message must be a mapping, got {type(message).__name__}",
            )
        data = message.__dict__ if isinstance(message, MessageRead) else message
        get = data.get
        message_id = get("id")
        if message_id is None:
            message_id = str(uuid.uuid4())
        thread_id = get("thread_id", get("threadId"))
        resource_id = get("resource_id", get("resourceId"))
        if not isinstance(thread_id, str) or not thread_id.strip():
            raise self._invalid(
                "SAVE_MESSAGES", "INVALID_MESSAGE", "Thread ID is required", messageId=str(message_id)
            )
        if not isinstance(resource_id, str) or not resource_id.strip():
            raise self._invalid(
                "SAVE_MESSAGES",
                "INVALID_MESSAGE",
                "Expected to find a resourceId for message, but couldn't find one. "
                "An unexpected error has occurred.",
                messageId=str(message_id),
            )
        role, content, kind = get("role"), get("content"), get("type") or "v2"
        created = get("created_at", get("createdAt"))
        problem = None
        if not isinstance(message_id, str) or not message_id:
            problem = "id must be a non-empty string"
        elif not isinstance(role, str) or not role:
            problem = "role must be a non-empty string"
        elif not isinstance(content, dict | str):
            problem = "content must be a dict (Mastra v2 content) or a string"
        elif isinstance(content, str) and "\x00" in content:
            problem = "string content must not contain NUL characters (PostgreSQL text cannot hold them)"
        elif not isinstance(kind, str):
            problem = "type must be a string"
        else:
            try:
                created = now if created is None else to_utc(created)
            except (TypeError, ValueError, AttributeError):
                problem = f"createdAt is not a datetime or ISO-8601 string: {created!r}"
        if problem is not None:
            raise self._invalid(
                "SAVE_MESSAGES",
                "INVALID_MESSAGE",
                f"Invalid message {message_id}: {problem}",
                messageId=str(message_id),
            )
        return trusted(
            MessageRead,
            {
                "id": message_id,
                "thread_id": thread_id,
                "resource_id": resource_id,
                "role": role,
                "type": kind,
                "content": content,
                "created_at": created,
            },
        )

    def list_messages(
        self,
        thread_id: str | Sequence[str],
        *,
        resource_id: str | None = None,
        include: Sequence[Mapping[str, Any]] | None = None,
        date_range: Mapping[str, Any] | None = None,
        page: int = 0,
        per_page: int | Literal[False] = 40,
        order_by: Mapping[str, Any] | None = None,
    ) -> MessagesPage:
        """A page of the messages of one or more threads, plus ``include`` context, oldest first.

        ``resource_id`` checks that it owns every named thread and also keeps only its messages.
        ``date_range``: ``{"start", "end", "start_exclusive", "end_exclusive"}`` (datetimes or ISO
        strings). ``include``: ``[{"id", "with_previous_messages", "with_next_messages"}]``; each
        window is taken from the target message's own thread and merged into the page without
        duplicates. ``per_page=False`` returns all rows. ``total`` counts the filtered messages of the
        named threads (not the included context).

        ``per_page=0`` returns only the included messages and runs neither the count nor the page
        query: ``total`` is 0 and ``has_more`` false. This is current Mastra's behaviour (#14022); Mastra
        beta.13 still counted. It keeps the semantic-recall path independent of thread length.

        Mastra parity: ties on ``createdAt`` are ordered by id. Database errors raise; Mastra returns
        an empty page.

        Raises:
            ValidationError: blank thread id (``…_LIST_MESSAGES_INVALID_THREAD_ID``), bad page values.
            OwnershipError: ``resource_id`` does not own a named thread.
        """
        thread_ids = [thread_id] if isinstance(thread_id, str) else list(thread_id)
        if not thread_ids or any(not isinstance(t, str) or not t.strip() for t in thread_ids):
            raise self._invalid(
                "LIST_MESSAGES",
                "INVALID_THREAD_ID",
                "threadId must be a non-empty string or array of non-empty strings",
                threadId=str(thread_id),
            )
        paging = paginate(page, per_page, store=self._store, operation="LIST_MESSAGES")
        _field, direction = parse_order_by(order_by, default_direction="ASC", fields=("createdAt",))
        descending = direction == "DESC"
        thread_ids = list(dict.fromkeys(thread_ids))
        threads_shape, params = _thread_filter(thread_ids)
        if resource_id is not None:
            params["rid"] = resource_id
        start_op, end_op = self._date_bounds(date_range, params)
        count_query, page_query = _message_queries(
            threads_shape,
            resource_id is not None,
            start_op,
            end_op,
            descending,
            paging.limit is not None,
        )
        if paging.limit is not None:
            params["lim"], params["off"] = paging.limit, paging.offset
        targets, windows = self._include_windows(include, resource_id)
        details = {"threadId": ", ".join(thread_ids)}
        # Ownership checks and several threads (expanding IN) run through SQLAlchemy; one thread of the
        # server's own (no resource_id) is all Direct statements.
        direct = resource_id is None and len(thread_ids) == 1
        with (
            self._direct("LIST_MESSAGES", "read", **details)
            if direct
            else self._read("LIST_MESSAGES", **details)
        ) as conn:
            if resource_id is not None:
                self._check_owners(cast(Connection, conn), thread_ids, targets, resource_id)
            total, rows = 0, list[Sequence[Any]]()
            if paging.limit != 0:  # per_page=0: the include windows alone, with no count (see docstring)
                rows, total = page_and_total(conn, count_query, page_query, params, paging)
            extra = [row for statement, values in windows for row in statement.rows(conn, values)]
        in_threads = len(rows)
        if extra:
            seen = {r[0] for r in rows}
            for row in extra:
                if row[0] not in seen:
                    seen.add(row[0])
                    rows.append(row)
                    in_threads += row[1] in thread_ids
            rows.sort(key=lambda r: (r[6], r[0]), reverse=descending)
        has_more = paging.limit is not None and in_threads < total and paging.has_more(total)
        return MessagesPage(
            messages=[_message(r) for r in rows],
            total=total,
            page=paging.page,
            per_page=paging.per_page,
            has_more=has_more,
        )

    def _date_bounds(
        self, date_range: Mapping[str, Any] | None, params: dict[str, Any]
    ) -> tuple[str | None, str | None]:
        """Put ``date_range``'s bounds into ``params``; return their operators (``ge``/``gt``, ``le``/``lt``).

        Raises:
            ValidationError: a bound that is not a datetime or an ISO-8601 string.
        """
        check = Checker(self._store, "LIST_MESSAGES")
        if check.mapping(date_range, "dateRange") is None or not date_range:
            return None, None
        start_op = end_op = None
        start = check.instant(date_range.get("start"), "dateRange.start")
        end = check.instant(date_range.get("end"), "dateRange.end")
        if start is not None:
            params["start"] = start
            start_op = "gt" if date_range.get("start_exclusive", date_range.get("startExclusive")) else "ge"
        if end is not None:
            params["end"] = end
            end_op = "lt" if date_range.get("end_exclusive", date_range.get("endExclusive")) else "le"
        return start_op, end_op

    def _include_windows(
        self, include: Sequence[Mapping[str, Any]] | None, resource_id: str | None
    ) -> tuple[list[str], list[tuple[Direct, dict[str, Any]]]]:
        """The include targets' ids, and the statements (with their parameters) of their windows.

        See :func:`_window_statement`. With a ``resource_id`` the windows keep only that resource's
        messages, as the page does.
        """
        if not include:
            return [], []
        if isinstance(include, str | Mapping):
            raise self._invalid("LIST_MESSAGES", "INVALID_INCLUDE", "include must be a list of objects")
        check = Checker(self._store, "LIST_MESSAGES")
        items: list[tuple[str, int, int]] = []
        for item in include:
            check.mapping(item, "include[]", optional=False)
            target_id = item.get("id")
            if not isinstance(target_id, str) or not target_id:
                raise self._invalid(
                    "LIST_MESSAGES", "INVALID_INCLUDE", "include[].id must be a non-empty string"
                )
            before = _count_arg(item, "with_previous_messages", "withPreviousMessages")
            after = _count_arg(item, "with_next_messages", "withNextMessages")
            if before is None or after is None:
                raise self._invalid(
                    "LIST_MESSAGES",
                    "INVALID_INCLUDE",
                    "withPreviousMessages/withNextMessages must be integers >= 0",
                )
            items.append((target_id, before, after))
        statements = []
        for start in range(0, len(items), _WINDOWS_PER_STATEMENT):
            chunk = items[start : start + _WINDOWS_PER_STATEMENT]
            params: dict[str, Any] = {"rid": resource_id} if resource_id is not None else {}
            for k, (target_id, before, after) in enumerate(chunk):
                params[f"i{k}"], params[f"b{k}"], params[f"a{k}"] = target_id, before + 1, after
            statements.append((_window_statement(len(chunk), resource_id is not None), params))
        return [t for t, _, _ in items], statements

    def list_messages_by_id(self, message_ids: Sequence[str]) -> list[MessageRead]:
        """Messages by id from any threads, oldest first; unknown ids are skipped.

        Raises:
            ValidationError: ``message_ids`` is not a list of strings.
        """
        ids = self._id_list(message_ids, "LIST_MESSAGES_BY_ID")
        if not ids:
            return []
        rows: list[Sequence[Any]] = []
        with self._read("LIST_MESSAGES_BY_ID") as conn:
            for chunk in _chunks(ids):
                rows += conn.execute(sa.select(*_MESSAGE_COLS).where(_M.id.in_(chunk)))
        rows.sort(key=lambda r: (r[6], r[0]))
        return [_message(r) for r in rows]

    def update_messages(self, updates: Sequence[Mapping[str, Any]]) -> list[MessageRead]:
        """Partial updates by id: ``{"id", "content"?, "role"?, "type"?, "thread_id"?, "resource_id"?}``.

        ``content`` is merged into the stored content (``metadata`` one level deep); ``thread_id``
        moves the message. Every affected thread (old and new) gets ``updated_at = now``. Unknown ids
        are ignored, as in Mastra. Returns the updated messages.

        Raises:
            ValidationError: an update without an id, or with a blank thread id.
        """
        if not updates:
            return []
        check = Checker(self._store, "UPDATE_MESSAGES")
        by_id: dict[str, dict[str, Any]] = {}
        for update in updates:  # every update is checked before anything is written
            check.mapping(update, "update", optional=False)
            message_id = update.get("id")
            if not isinstance(message_id, str) or not message_id:
                raise self._invalid("UPDATE_MESSAGES", "INVALID_MESSAGE", "Each update needs a message id")
            fields: dict[str, Any] = {}
            for key, column in _UPDATABLE:
                value = update.get(key)
                if value is not None:
                    fields[column] = check.text(value, key)
            if "thread_id" in fields:
                self._thread_id(fields["thread_id"], "UPDATE_MESSAGES")
            content = update.get("content")
            if content is not None:
                if not isinstance(content, Mapping | str):
                    raise check.fail(f"content must be an object or a string, got {type(content).__name__}")
                check.json(content, "content")
                fields["content"] = content
            by_id[message_id] = fields
        now = utc_now()
        with self._write("UPDATE_MESSAGES") as conn:
            existing: dict[str, MessageRead] = {}
            for chunk in _chunks(list(by_id)):
                existing.update(
                    (r[0], _message(r))
                    for r in conn.execute(sa.select(*_MESSAGE_COLS).where(_M.id.in_(chunk)).with_for_update())
                )
            if not existing:
                return []
            touched: set[str] = set()
            for message_id, current in existing.items():
                values = dict(by_id[message_id])
                if "content" in values:
                    merged = _merge_content(current.content, values["content"])
                    values["content"] = merged if isinstance(merged, str) else check.json(merged, "content")
                touched.add(current.thread_id)
                if "thread_id" in values:
                    touched.add(values["thread_id"])
                if values:
                    conn.execute(sa.update(MESSAGES).where(_M.id == message_id).values(values))
            self._touch_threads(conn, touched, now)
            rows = [
                r
                for chunk in _chunks(list(existing))
                for r in conn.execute(sa.select(*_MESSAGE_COLS).where(_M.id.in_(chunk)))
            ]
        rows.sort(key=lambda r: (r[6], r[0]))
        return [_message(r) for r in rows]

    def delete_messages(self, message_ids: Sequence[str]) -> None:
        """Delete messages by id in one transaction; bumps their threads' ``updated_at``; then deletes
        their recall vectors (Mastra beta.15 leaves them behind).

        Unknown ids are ignored; an empty list does nothing.
        """
        ids = self._id_list(message_ids, "DELETE_MESSAGES")
        if not ids:
            return
        with self._write("DELETE_MESSAGES", messageIds=", ".join(ids[:20])) as conn:
            threads: set[str] = set()
            for chunk in _chunks(ids):
                threads.update(
                    conn.execute(sa.select(_M.thread_id).where(_M.id.in_(chunk)).distinct()).scalars()
                )
                conn.execute(sa.delete(MESSAGES).where(_M.id.in_(chunk)))
            self._touch_threads(conn, threads, utc_now())
        self._forget_vectors(
            *({"message_id": {"$in": ids[i : i + _CHUNK]}} for i in range(0, len(ids), _CHUNK))
        )

    # --- resources (working memory) ------------------------------------------------------------

    def get_resource_by_id(self, resource_id: str) -> ResourceRead | None:
        """The resource's working memory and metadata, or ``None``."""
        with self._read("GET_RESOURCE_BY_ID", resourceId=resource_id) as conn:
            row = conn.execute(sa.select(*_RESOURCE_COLS).where(_R.id == resource_id)).first()
        return None if row is None else _resource(row)

    def save_resource(self, resource: ResourceRead | Mapping[str, Any]) -> ResourceRead:
        """Create or replace a resource. Timestamps default to now.

        Raises:
            ValidationError: missing/blank id.
        """
        check = Checker(self._store, "SAVE_RESOURCE")
        model = self._validated(ResourceRead, resource, "SAVE_RESOURCE")
        if not model.id.strip():
            raise self._invalid("SAVE_RESOURCE", "INVALID_RESOURCE", "resource id must be a non-empty string")
        check.json(model.metadata, "metadata")
        row = self._backend.row(
            RESOURCES,
            {
                "id": model.id,
                "workingMemory": model.working_memory,
                "metadata": model.metadata,
                "createdAt": model.created_at,
                "updatedAt": model.updated_at,
            },
        )
        with self._write_statement("SAVE_RESOURCE", resourceId=model.id) as conn:
            conn.execute(self._upsert_resource, row)
        return model

    def update_resource(
        self,
        resource_id: str,
        *,
        working_memory: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> ResourceRead:
        """Replace working memory (if given) and shallow-merge metadata; creates a missing resource.

        Raises:
            ValidationError: blank ``resource_id``.
        """
        if not isinstance(resource_id, str) or not resource_id.strip():
            raise self._invalid(
                "UPDATE_RESOURCE", "INVALID_RESOURCE", "resourceId must be a non-empty string"
            )
        check = Checker(self._store, "UPDATE_RESOURCE")
        check.text(working_memory, "workingMemory")
        check.mapping(metadata, "metadata")
        check.json(metadata, "metadata")
        now = utc_now()
        locked = sa.select(*_RESOURCE_COLS).where(_R.id == resource_id).with_for_update()
        with self._write("UPDATE_RESOURCE", resourceId=resource_id) as conn:
            row = conn.execute(locked).first()
            if row is None:
                created = ResourceRead(
                    id=resource_id,
                    working_memory=working_memory,
                    metadata=dict(metadata or {}),
                    created_at=now,
                    updated_at=now,
                )
                new_row = {
                    "id": resource_id,
                    "workingMemory": working_memory,
                    "metadata": created.metadata,
                    "createdAt": now,
                    "updatedAt": now,
                }
                # FOR UPDATE locks no row that is not there: two first calls can both get here. ON
                # CONFLICT DO NOTHING lets the loser wait for the winner's row, then merge into it.
                inserted = conn.execute(
                    self._backend.insert(RESOURCES)
                    .values(self._backend.row(RESOURCES, new_row))
                    .on_conflict_do_nothing(index_elements=[_R.id])
                    .returning(_R.id)
                ).first()
                if inserted is not None:
                    return created
                row = conn.execute(locked).first()
                if row is None:  # pragma: no cover - deleted between the two statements
                    raise NotFoundError(
                        error_id(self._store, "UPDATE_RESOURCE", "NOT_FOUND"),
                        f"Resource {resource_id} was deleted while it was being updated",
                    )
            current = _resource(row)
            values: dict[str, Any] = {"updatedAt": now}
            if working_memory is not None:
                values["workingMemory"] = working_memory
            merged = current.metadata
            if metadata is not None:
                merged = {**(current.metadata or {}), **dict(metadata)}
                values["metadata"] = merged
            conn.execute(
                sa.update(RESOURCES).where(_R.id == resource_id).values(self._backend.row(RESOURCES, values))
            )
        return current.model_copy(
            update={
                "working_memory": current.working_memory if working_memory is None else working_memory,
                "metadata": merged,
                "updated_at": now,
            }
        )

    # --- semantic recall --------------------------------------------------------------------------

    def _vector_store(self, operation: str) -> VectorStore:
        if self._vectors is None:
            raise ValidationError(
                error_id(self._store, operation, "NO_VECTOR_STORE"),
                "Semantic recall needs a vector store: use the repository from Storage (storage.memory)",
            )
        return self._vectors()

    def _memory_indexes(self) -> list[str]:
        if self._vectors is None:
            return []
        return [name for name in self._vectors().list_indexes() if name.startswith(MEMORY_INDEX)]

    def index_messages(
        self,
        messages: Sequence[MessageInput],
        embeddings: Sequence[Sequence[float]] | None = None,
        *,
        embedder: Callable[[list[str]], Sequence[Sequence[float]]] | None = None,
    ) -> str:
        """Store one embedding per message for semantic recall; returns the index name.

        The index is Mastra's: ``memory_messages`` for 1536 dimensions, ``memory_messages_<dim>``
        otherwise, created on first use; vector metadata is ``{message_id, thread_id, resource_id}``.
        Re-indexing a message replaces its vectors (also those Mastra stored in chunks). Give
        ``embeddings`` (one per message) or an ``embedder`` called with the messages' texts.

        Raises:
            ValidationError: counts differ, no embeddings/embedder, messages without thread/resource ids,
                a vector of the wrong dimension.
        """
        now = utc_now()
        models = [self._validate_message(m, now) for m in messages]
        if not models:
            return ""
        if embeddings is None:
            if embedder is None:
                raise self._invalid("INDEX_MESSAGES", "INVALID_ARGUMENT", "Give embeddings or an embedder")
            embeddings = embedder([message_text(m.content) for m in models])
        if isinstance(embeddings, str) or len(embeddings) != len(models) or not embeddings[0]:
            raise self._invalid(
                "INDEX_MESSAGES", "INVALID_ARGUMENT", f"Expected {len(models)} embeddings, one per message"
            )
        if len({len(e) for e in embeddings}) != 1:  # checked before the old vectors are replaced
            raise self._invalid(
                "INDEX_MESSAGES", "INVALID_ARGUMENT", "All embeddings must have one dimension"
            )
        vectors = self._vector_store("INDEX_MESSAGES")
        name = memory_index_name(len(embeddings[0]))
        # A no-op when it exists (also when Mastra made it, whatever its index type).
        vectors.create_index(name, len(embeddings[0]), index_config=dict(MEMORY_INDEX_CONFIG))
        if name not in self._ready_indexes:
            # Recall filters by thread or resource: index both so those queries are exact and cheap.
            for key in ("thread_id", "resource_id"):
                vectors.index_metadata(name, key)
            self._ready_indexes.add(name)
        ids = [m.id for m in models]
        vectors.upsert(
            name,
            embeddings,
            ids=ids,
            delete_filter={"message_id": {"$in": ids}},
            metadata=[
                {"message_id": m.id, "thread_id": m.thread_id, "resource_id": m.resource_id} for m in models
            ],
        )
        return name

    def recall(
        self,
        thread_id: str,
        *,
        resource_id: str | None = None,
        last_messages: int = 10,
        query_vector: Sequence[float] | None = None,
        top_k: int = 4,
        message_range: int = 1,
        scope: Literal["resource", "thread"] = "resource",
        threshold: float | None = None,
    ) -> RecallResult:
        """The thread's last ``last_messages`` messages plus every semantic hit with ±``message_range``
        context, chronological and deduplicated (Mastra's ``Memory.recall``).

        Hits come from the vector index for ``query_vector``'s dimension, filtered by ``resource_id``
        (scope ``"resource"``, the default: other threads of the same resource count) or by
        ``thread_id`` (scope ``"thread"``); ``threshold`` drops hits scoring below it. Without a query
        vector, or before anything was indexed, only the last messages are returned.

        Raises:
            OwnershipError: ``resource_id`` does not own the thread.
            ValidationError: resource scope without ``resource_id``, bad counts.
        """
        self._thread_id(thread_id, "RECALL")
        check = Checker(self._store, "RECALL")
        check.count(last_messages, "lastMessages")
        check.count(message_range, "messageRange")
        if scope not in ("resource", "thread"):
            raise check.fail("scope must be 'resource' or 'thread'")
        if query_vector is not None and scope == "resource" and resource_id is None:
            raise check.fail(
                "Resource-scoped semantic recall needs a resource_id; pass one or use scope='thread'"
            )
        hits: list[QueryResult] = []
        if query_vector is not None:
            vectors = self._vector_store("RECALL")
            name = memory_index_name(len(query_vector))
            if name in vectors.list_indexes():
                owner = {"thread_id": thread_id}
                if scope == "resource" and resource_id is not None:
                    owner = {"resource_id": resource_id}
                hits = vectors.query(name, query_vector, top_k=top_k, where_equals=owner)
                if threshold is not None:
                    hits = [h for h in hits if h.score >= threshold]
        include = [
            {
                "id": h.metadata["message_id"],
                "with_previous_messages": message_range,
                "with_next_messages": message_range,
            }
            for h in hits
            if h.metadata and isinstance(h.metadata.get("message_id"), str)
        ]
        # One read, as Mastra's recall: the last N (newest first, hence DESC) plus the hits' windows,
        # deduplicated; list_messages also checks the owner of the thread and of every hit's thread.
        page = self.list_messages(
            thread_id,
            resource_id=resource_id,
            per_page=last_messages,
            include=include,
            order_by={"direction": "DESC"},
        )
        ordered = sorted(page.messages, key=lambda m: (m.created_at, m.id))
        return RecallResult(messages=ordered, hits=hits)

    def _forget_vectors(self, *filters: Mapping[str, Any]) -> None:
        """Delete memory vectors matching any of ``filters`` in every ``memory_messages*`` index."""
        if self._vectors is None:
            return
        vectors = self._vectors()
        for name in self._memory_indexes():
            for flt in filters:
                vectors.delete_vectors(name, filter=flt)

    def clone_thread(
        self,
        source_thread_id: str,
        *,
        new_thread_id: str | None = None,
        resource_id: str | None = None,
        title: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        message_limit: int | None = None,
        message_filter: Mapping[str, Any] | None = None,
    ) -> CloneResult:
        """Copy a thread and (some of) its messages under a new id, in one transaction.

        ``resource_id`` names the clone's owner (default: the source's) and the cloned messages take it
        (Mastra semantics; not an ownership check). ``message_limit`` keeps the most recent N;
        ``message_filter`` is ``{"start_date", "end_date", "message_ids"}``. Messages get new ids and
        keep their ``created_at``. The clone's metadata is ``metadata`` plus
        ``clone: {sourceThreadId, clonedAt, lastMessageId}``; its title defaults to
        ``"Clone of <source title>"``.

        Raises:
            NotFoundError: no source thread (``…_CLONE_THREAD_SOURCE_NOT_FOUND``).
            ConflictError: ``new_thread_id`` exists (``…_CLONE_THREAD_THREAD_EXISTS``).
            ValidationError: a negative ``message_limit`` or blank ids.
        """
        self._thread_id(source_thread_id, "CLONE_THREAD")
        new_id = new_thread_id if new_thread_id is not None else str(uuid.uuid4())
        self._thread_id(new_id, "CLONE_THREAD")
        check = Checker(self._store, "CLONE_THREAD")
        check.count(message_limit, "messageLimit")
        check.text(title, "title")
        check.text(resource_id, "resourceId")
        check.mapping(metadata, "metadata")
        check.json(metadata, "metadata")
        where: list[sa.ColumnElement[bool]] = [_M.thread_id == source_thread_id]
        flt = check.mapping(message_filter, "messageFilter") or {}
        start = check.instant(flt.get("start_date", flt.get("startDate")), "messageFilter.startDate")
        end = check.instant(flt.get("end_date", flt.get("endDate")), "messageFilter.endDate")
        ids = flt.get("message_ids", flt.get("messageIds"))
        if ids is not None and (isinstance(ids, str) or not all(isinstance(i, str) for i in ids)):
            raise check.fail("messageFilter.messageIds must be a list of strings")
        if start is not None:
            where.append(_M.createdAt >= start)
        if end is not None:
            where.append(_M.createdAt <= end)
        if ids is not None:
            where.append(_M.id.in_(list(ids)))
        now = utc_now()
        with self._write("CLONE_THREAD", sourceThreadId=source_thread_id) as conn:
            row = conn.execute(sa.select(*_THREAD_COLS).where(_T.id == source_thread_id)).first()
            if row is None:
                raise NotFoundError(
                    error_id(self._store, "CLONE_THREAD", "SOURCE_NOT_FOUND"),
                    f"Source thread with id {source_thread_id} not found",
                    details={"sourceThreadId": source_thread_id},
                )
            if conn.execute(sa.select(_T.id).where(_T.id == new_id)).first() is not None:
                raise ConflictError(
                    error_id(self._store, "CLONE_THREAD", "THREAD_EXISTS"),
                    f"Thread with id {new_id} already exists",
                    details={"threadId": new_id},
                )
            source = _thread(row)
            query = sa.select(*_MESSAGE_COLS).where(*where)
            if message_limit is not None:
                query = query.order_by(_M.createdAt.desc(), _M.id.desc()).limit(message_limit)
            picked = sorted(conn.execute(query), key=lambda r: (r[6], r[0]))
            owner = resource_id or source.resource_id
            clone_info: dict[str, Any] = {"sourceThreadId": source_thread_id, "clonedAt": format_iso_ms(now)}
            if picked:
                clone_info["lastMessageId"] = picked[-1][0]
            thread = ThreadRead(
                id=new_id,
                resource_id=owner,
                title=title if title is not None else (f"Clone of {source.title}" if source.title else ""),
                metadata={**dict(metadata or {}), "clone": clone_info},
                created_at=now,
                updated_at=now,
            )
            conn.execute(
                sa.insert(THREADS).values(
                    self._backend.row(
                        THREADS,
                        {
                            "id": thread.id,
                            "resourceId": owner,
                            "title": thread.title,
                            "metadata": thread.metadata,
                            "createdAt": now,
                            "updatedAt": now,
                        },
                    )
                )
            )
            copies = [
                MessageRead.model_construct(
                    id=str(uuid.uuid4()),
                    thread_id=new_id,
                    resource_id=owner,
                    role=r[3],
                    type=r[4] or "v2",
                    content=_content(r[5], r[4]),
                    created_at=r[6],
                )
                for r in picked
            ]
            if copies:
                conn.execute(
                    sa.insert(MESSAGES),
                    [
                        self._backend.row(
                            MESSAGES,
                            {
                                "id": c.id,
                                "thread_id": new_id,
                                "content": raw[5],
                                "role": c.role,
                                "type": c.type,
                                "createdAt": c.created_at,
                                "resourceId": owner,
                            },
                        )
                        for c, raw in zip(copies, picked, strict=True)
                    ],
                )
        return CloneResult(thread=thread, cloned_messages=copies)


def _count_arg(item: Mapping[str, Any], snake: str, camel: str) -> int | None:
    value = item.get(snake, item.get(camel, 0)) or 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _merge_content(current: dict[str, Any] | str, update: Any) -> dict[str, Any] | str:
    """Mastra's ``{...old, ...new}`` with ``metadata`` merged one level deep."""
    if not isinstance(update, Mapping):
        return cast(dict[str, Any] | str, update)
    base = dict(current) if isinstance(current, dict) else {"format": 2, "parts": [], "content": current}
    merged = {**base, **dict(update)}
    old_meta, new_meta = base.get("metadata"), update.get("metadata")
    if isinstance(old_meta, Mapping) and isinstance(new_meta, Mapping):
        merged["metadata"] = {**old_meta, **new_meta}
    return merged


def _errors(exc: PydanticValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors())
