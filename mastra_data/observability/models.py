"""Table of the observability domain: ``mastra_ai_spans`` (AI tracing spans).

Keys differ by backend exactly as in Mastra: PostgreSQL has the primary key
``public_mastra_ai_spans_traceid_spanid_pk``; @mastra/libsql beta.13 has no key at all, so on libSQL
the migration creates the unique index ``mastra_ai_spans_spanid_traceid_idx`` that @mastra/libsql 1.0
adds, instead of a primary key. The indexes are Mastra's PostgreSQL defaults; the two GIN indexes are
PostgreSQL-only.

The read models below (:class:`SpanRecord`, :class:`TraceRecord`, :class:`TracesPage`) are what
:class:`~mastra_data.observability.repository.ObservabilityRepository` returns;
:class:`CreateSpanRecord` and :class:`UpdateSpanRecord` are optional typed inputs (plain mappings in
either key spelling work too).
"""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from sqlmodel import Field

from mastra_data.db.base import PG_ONLY, MastraModel, column, shadow_timestamps
from mastra_data.db.types import Flag, JSONDoc, Timestamp, UTCDateTime
from mastra_data.pagination import Page

__all__ = (
    "CreateSpanRecord",
    "Span",
    "SpanRecord",
    "TraceRecord",
    "TracesPage",
    "UpdateSpanRecord",
)


def _text(name: str) -> Any:
    return column(name, sa.Text)


def _json(name: str) -> Any:
    return column(name, JSONDoc())


class Span(MastraModel, table=True):
    """One span of a trace (Mastra's ``SpanRecord``)."""

    __tablename__ = "mastra_ai_spans"
    __table_args__ = (
        sa.PrimaryKeyConstraint(
            "traceId", "spanId", name="public_mastra_ai_spans_traceid_spanid_pk", info={PG_ONLY: True}
        ),
    )

    trace_id: str = Field(sa_column=column("traceId", sa.Text, nullable=False, primary_key=True))
    span_id: str = Field(sa_column=column("spanId", sa.Text, nullable=False, primary_key=True))
    name: str = Field(sa_column=column("name", sa.Text, nullable=False))
    span_type: str = Field(sa_column=column("spanType", sa.Text, nullable=False))
    is_event: bool = Field(sa_column=column("isEvent", Flag(), nullable=False))
    started_at: datetime = Field(sa_column=column("startedAt", Timestamp(), nullable=False))
    parent_span_id: str | None = Field(default=None, sa_column=_text("parentSpanId"))
    entity_type: str | None = Field(default=None, sa_column=_text("entityType"))
    entity_id: str | None = Field(default=None, sa_column=_text("entityId"))
    entity_name: str | None = Field(default=None, sa_column=_text("entityName"))
    user_id: str | None = Field(default=None, sa_column=_text("userId"))
    organization_id: str | None = Field(default=None, sa_column=_text("organizationId"))
    resource_id: str | None = Field(default=None, sa_column=_text("resourceId"))
    run_id: str | None = Field(default=None, sa_column=_text("runId"))
    session_id: str | None = Field(default=None, sa_column=_text("sessionId"))
    thread_id: str | None = Field(default=None, sa_column=_text("threadId"))
    request_id: str | None = Field(default=None, sa_column=_text("requestId"))
    environment: str | None = Field(default=None, sa_column=_text("environment"))
    source: str | None = Field(default=None, sa_column=_text("source"))
    service_name: str | None = Field(default=None, sa_column=_text("serviceName"))
    scope: dict[str, Any] | None = Field(default=None, sa_column=_json("scope"))
    metadata_: dict[str, Any] | None = Field(default=None, alias="metadata", sa_column=_json("metadata"))
    tags: list[str] | None = Field(default=None, sa_column=_json("tags"))
    attributes: dict[str, Any] | None = Field(default=None, sa_column=_json("attributes"))
    links: list[Any] | None = Field(default=None, sa_column=_json("links"))
    input: Any | None = Field(default=None, sa_column=_json("input"))
    output: Any | None = Field(default=None, sa_column=_json("output"))
    error: Any | None = Field(default=None, sa_column=_json("error"))
    ended_at: datetime | None = Field(default=None, sa_column=column("endedAt", Timestamp()))
    created_at: datetime = Field(sa_column=column("createdAt", Timestamp(), nullable=False))
    updated_at: datetime | None = Field(default=None, sa_column=column("updatedAt", Timestamp()))


shadow_timestamps(Span)

_spans = Span.__table__  # type: ignore[attr-defined]
_c = _spans.c
sa.Index("mastra_ai_spans_traceid_startedat_idx", _c.traceId, _c.startedAt.desc())
sa.Index("mastra_ai_spans_parentspanid_startedat_idx", _c.parentSpanId, _c.startedAt.desc())
sa.Index("mastra_ai_spans_name_idx", _c.name)
sa.Index("mastra_ai_spans_spantype_startedat_idx", _c.spanType, _c.startedAt.desc())
sa.Index(
    "mastra_ai_spans_root_spans_idx",
    _c.startedAt.desc(),
    postgresql_where=_c.parentSpanId.is_(None),
    sqlite_where=_c.parentSpanId.is_(None),
)
sa.Index("mastra_ai_spans_entitytype_entityid_idx", _c.entityType, _c.entityId)
sa.Index("mastra_ai_spans_entitytype_entityname_idx", _c.entityType, _c.entityName)
sa.Index("mastra_ai_spans_orgid_userid_idx", _c.organizationId, _c.userId)
sa.Index("mastra_ai_spans_metadata_gin_idx", _c.metadata, postgresql_using="gin").ddl_if(dialect="postgresql")
sa.Index("mastra_ai_spans_tags_gin_idx", _c.tags, postgresql_using="gin").ddl_if(dialect="postgresql")
sa.Index("mastra_ai_spans_spanid_traceid_idx", _c.spanId, _c.traceId, unique=True).ddl_if(dialect="sqlite")


# --- Objects the repository returns (and accepts) ---------------------------------------------------
# Plain field names (``metadata`` rather than the table's ``metadata_``); JSON keys via aliases are
# Mastra's (``traceId``, ``startedAt``…). Input accepts either spelling.

with warnings.catch_warnings():
    # A read model's ``metadata`` field shadows SQLModel's class-level MetaData; harmless for a
    # non-table model, and it is the name Mastra's API uses.
    warnings.filterwarnings("ignore", message='Field name "metadata"', category=UserWarning)

    class CreateSpanRecord(MastraModel):
        """A span to write (Mastra's ``CreateSpanRecord``: a ``SpanRecord`` without the timestamps the
        store sets). ``input``/``output``/``error`` hold any JSON value, strings and numbers included."""

        trace_id: str
        span_id: str
        name: str
        span_type: str
        is_event: bool
        started_at: UTCDateTime
        parent_span_id: str | None = None
        entity_type: str | None = None
        entity_id: str | None = None
        entity_name: str | None = None
        user_id: str | None = None
        organization_id: str | None = None
        resource_id: str | None = None
        run_id: str | None = None
        session_id: str | None = None
        thread_id: str | None = None
        request_id: str | None = None
        environment: str | None = None
        source: str | None = None
        service_name: str | None = None
        scope: dict[str, Any] | None = None
        metadata: dict[str, Any] | None = None  # type: ignore[assignment,misc]  # see above
        tags: list[str] | None = None
        attributes: dict[str, Any] | None = None
        links: list[Any] | None = None
        input: Any = None
        output: Any = None
        error: Any = None
        ended_at: UTCDateTime | None = None

    # Not a shared base class with CreateSpanRecord: through inheritance, the ``metadata`` field of an
    # instance resolves to SQLModel's class-level ``MetaData`` (tried; the span tests catch it).
    class UpdateSpanRecord(MastraModel):
        """A partial span update (Mastra's ``Partial<UpdateSpanRecord>``): only the fields that were
        set (``model_fields_set``) are written, so ``UpdateSpanRecord(error=None)`` clears ``error``."""

        name: str | None = None
        span_type: str | None = None
        is_event: bool | None = None
        started_at: UTCDateTime | None = None
        parent_span_id: str | None = None
        entity_type: str | None = None
        entity_id: str | None = None
        entity_name: str | None = None
        user_id: str | None = None
        organization_id: str | None = None
        resource_id: str | None = None
        run_id: str | None = None
        session_id: str | None = None
        thread_id: str | None = None
        request_id: str | None = None
        environment: str | None = None
        source: str | None = None
        service_name: str | None = None
        scope: dict[str, Any] | None = None
        metadata: dict[str, Any] | None = None  # type: ignore[assignment,misc]  # see above
        tags: list[str] | None = None
        attributes: dict[str, Any] | None = None
        links: list[Any] | None = None
        input: Any = None
        output: Any = None
        error: Any = None
        ended_at: UTCDateTime | None = None


class SpanRecord(CreateSpanRecord):
    """A stored span as the API returns it (Mastra's ``SpanRecord``); ``created_at``/``updated_at`` are
    set by the store."""

    created_at: UTCDateTime
    updated_at: UTCDateTime | None = None


class TraceRecord(BaseModel):
    """All spans of one trace, oldest first (Mastra's ``{traceId, spans}``)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    trace_id: str
    spans: list[SpanRecord]


class TracesPage(Page):
    """One page of :meth:`ObservabilityRepository.list_traces`: root spans, one per trace.

    Mastra returns ``{pagination: {total, page, perPage, hasMore}, spans}``; like every page model here
    the counters sit next to the items.
    """

    spans: list[SpanRecord]
