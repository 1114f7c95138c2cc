"""Tables of the memory domain: ``mastra_threads``, ``mastra_messages``, ``mastra_resources``.

Column names, types and nullability are Mastra v1's (``reference/mastra-*-beta13-schema.sql``);
Python attributes are their snake_case. The indexes are Mastra's PostgreSQL defaults, created on both
backends because the hot reads (a thread's messages by time, a resource's threads by time) need them
on libSQL too.
"""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from sqlmodel import Field

from mastra_data.db.base import MastraModel, column, shadow_timestamps
from mastra_data.db.types import JSONDoc, Timestamp, UTCDateTime
from mastra_data.pagination import Page
from mastra_data.vectors.models import QueryResult

__all__ = (
    "CloneResult",
    "Message",
    "MessageRead",
    "MessagesPage",
    "RecallResult",
    "Resource",
    "ResourceRead",
    "Thread",
    "ThreadRead",
    "ThreadsPage",
)


class Thread(MastraModel, table=True):
    """A conversation thread (``mastra_threads``), owned by one resource (user)."""

    __tablename__ = "mastra_threads"

    id: str = Field(sa_column=column("id", sa.Text, nullable=False, primary_key=True))
    resource_id: str = Field(sa_column=column("resourceId", sa.Text, nullable=False))
    title: str = Field(sa_column=column("title", sa.Text, nullable=False))
    metadata_: dict[str, Any] | None = Field(
        default=None, alias="metadata", sa_column=column("metadata", JSONDoc())
    )
    created_at: datetime = Field(sa_column=column("createdAt", Timestamp(), nullable=False))
    updated_at: datetime = Field(sa_column=column("updatedAt", Timestamp(), nullable=False))


class Message(MastraModel, table=True):
    """A message (``mastra_messages``); ``content`` is the JSON text of Mastra's v2 content."""

    __tablename__ = "mastra_messages"

    id: str = Field(sa_column=column("id", sa.Text, nullable=False, primary_key=True))
    thread_id: str = Field(sa_column=column("thread_id", sa.Text, nullable=False))
    content: str = Field(sa_column=column("content", sa.Text, nullable=False))
    role: str = Field(sa_column=column("role", sa.Text, nullable=False))
    type: str = Field(default="v2", sa_column=column("type", sa.Text, nullable=False))
    created_at: datetime = Field(sa_column=column("createdAt", Timestamp(), nullable=False))
    resource_id: str | None = Field(default=None, sa_column=column("resourceId", sa.Text))


class Resource(MastraModel, table=True):
    """Per-resource (per-user) working memory (``mastra_resources``)."""

    __tablename__ = "mastra_resources"

    id: str = Field(sa_column=column("id", sa.Text, nullable=False, primary_key=True))
    working_memory: str | None = Field(default=None, sa_column=column("workingMemory", sa.Text))
    metadata_: dict[str, Any] | None = Field(
        default=None, alias="metadata", sa_column=column("metadata", JSONDoc())
    )
    created_at: datetime = Field(sa_column=column("createdAt", Timestamp(), nullable=False))
    updated_at: datetime = Field(sa_column=column("updatedAt", Timestamp(), nullable=False))


shadow_timestamps(Thread, Message, Resource)

_threads = Thread.__table__  # type: ignore[attr-defined]
_messages = Message.__table__  # type: ignore[attr-defined]

sa.Index("mastra_threads_resourceid_createdat_idx", _threads.c.resourceId, _threads.c.createdAt.desc())
sa.Index("mastra_messages_thread_id_createdat_idx", _messages.c.thread_id, _messages.c.createdAt.desc())


# --- Objects the repository returns (and accepts) ---------------------------------------------------
# Plain field names (``metadata`` rather than the table's ``metadata_``); JSON keys via aliases are
# Mastra's (``resourceId``, ``createdAt``…). Input accepts either spelling.

with warnings.catch_warnings():
    # A read model's ``metadata`` field shadows SQLModel's class-level MetaData; harmless for a
    # non-table model, and it is the name Mastra's API uses.
    warnings.filterwarnings("ignore", message='Field name "metadata"', category=UserWarning)

    class ThreadRead(MastraModel):
        """A thread as the API returns it (Mastra's ``StorageThreadType``)."""

        id: str
        resource_id: str
        title: str = ""
        metadata: dict[str, Any] | None = None  # type: ignore[assignment,misc]  # see above
        created_at: UTCDateTime
        updated_at: UTCDateTime

    class ResourceRead(MastraModel):
        """A resource's working memory (Mastra's ``StorageResourceType``)."""

        id: str
        working_memory: str | None = None
        metadata: dict[str, Any] | None = None  # type: ignore[assignment,misc]  # see above
        created_at: UTCDateTime
        updated_at: UTCDateTime


class MessageRead(MastraModel):
    """A message as the API returns it (Mastra's ``MastraDBMessage``).

    ``content`` is the v2 content dict (``{"format": 2, "parts": [...]}``) or, for legacy rows whose
    content is not JSON, the raw string. ``type`` is ``"v2"`` for current messages.
    """

    id: str
    thread_id: str
    resource_id: str | None = None
    role: str
    type: str = "v2"
    content: dict[str, Any] | str
    created_at: UTCDateTime


class ThreadsPage(Page):
    """One page of :meth:`MemoryRepository.list_threads`."""

    threads: list[ThreadRead]


class MessagesPage(Page):
    """One page of :meth:`MemoryRepository.list_messages` (plus any ``include`` context)."""

    messages: list[MessageRead]


class CloneResult(BaseModel):
    """What :meth:`MemoryRepository.clone_thread` made (Mastra's ``{thread, clonedMessages}``)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    thread: ThreadRead
    cloned_messages: list[MessageRead]


class RecallResult(BaseModel):
    """What :meth:`MemoryRepository.recall` found: the messages to show (last N plus every semantic
    hit with its context, chronological, deduplicated) and the raw vector hits (best first)."""

    messages: list[MessageRead]
    hits: list[QueryResult]
