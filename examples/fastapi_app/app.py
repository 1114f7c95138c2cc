"""A FastAPI service exposing mastra_data memory over HTTP, in the shape of Mastra's memory API.

Run it with ``MASTRA_DATA_URL=sqlite+libsql:///./mastra.db uvicorn fastapi_app.app:app`` from
``examples/`` (or ``create_app(url)`` in code). The database is migrated at startup (idempotent).

Endpoints mirror Mastra's server (``/api/memory/...``) and return Mastra's JSON keys (camelCase):
the repositories' read models are the response models and FastAPI dumps them by alias.

Endpoints are plain ``def`` functions: the repositories are synchronous and FastAPI runs sync
endpoints in its threadpool, so a slow query never blocks the event loop. (``mastra_data.aio`` offers
coroutine repositories for ``async def`` endpoints; this example keeps to the sync API.)

Errors (body: ``MastraDataError.to_dict()``, Mastra's ``{message, domain, category, code, details}``):

- ``OwnershipError`` → 403 (a ``resourceId`` that does not own the thread)
- ``NotFoundError`` or a missing thread → 404
- ``ValidationError`` → 422, the status FastAPI itself uses for malformed requests
- ``ConflictError`` → 409; ``BackendError`` and any other ``MastraDataError`` → 500
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from mastra_data import (
    ConflictError,
    MastraDataError,
    MessageRead,
    MessagesPage,
    NotFoundError,
    OwnershipError,
    RecallResult,
    Storage,
    ThreadRead,
    ThreadsPage,
    ValidationError,
)
from mastra_data.memory.repository import MemoryRepository

__all__ = ("app", "create_app", "get_memory", "get_storage")


# --- request and response bodies (Mastra's camelCase keys; snake_case accepted too) ---------------


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class CreateThreadBody(CamelModel):
    """Mastra's ``POST /api/memory/threads`` body."""

    resource_id: str
    thread_id: str | None = None
    title: str | None = None
    metadata: dict[str, Any] | None = None


class UpdateThreadBody(CamelModel):
    """Mastra's ``PATCH /api/memory/threads/:threadId`` body; ``resourceId`` checks ownership."""

    title: str | None = None
    metadata: dict[str, Any] | None = None
    resource_id: str | None = None


class SaveMessagesBody(CamelModel):
    """Mastra's ``POST /api/memory/save-messages`` body.

    ``embeddings`` (one vector per message) is this example's addition: when given, the messages are
    also indexed for semantic recall (Mastra's server embeds them itself with the agent's embedder).
    """

    messages: list[dict[str, Any]]
    embeddings: list[list[float]] | None = None


class SavedMessages(CamelModel):
    messages: list[MessageRead]


class WorkingMemoryBody(CamelModel):
    """Mastra's ``POST /api/memory/threads/:threadId/working-memory`` body."""

    working_memory: str
    resource_id: str | None = None


class WorkingMemory(CamelModel):
    """Mastra's working-memory response (resource scope: the only scope mastra_data stores)."""

    working_memory: str | None
    source: Literal["resource"] = "resource"
    working_memory_template: None = None
    thread_exists: bool = True


class RecallBody(CamelModel):
    """Arguments of :meth:`MemoryRepository.recall`; ``queryVector`` is the embedded search text."""

    resource_id: str | None = None
    query_vector: list[float] | None = None
    last_messages: int = 10
    top_k: int = 4
    message_range: int = 1
    scope: Literal["resource", "thread"] = "resource"
    threshold: float | None = None


class Deleted(CamelModel):
    result: str = "Thread deleted"


# --- dependencies ----------------------------------------------------------------------------------


def get_storage(request: Request) -> Storage:
    """The app's :class:`Storage` (opened by the lifespan)."""
    storage: Storage = request.app.state.storage
    return storage


def get_memory(storage: Annotated[Storage, Depends(get_storage)]) -> MemoryRepository:
    """The memory repository; override this dependency to inject another one."""
    return storage.memory


Memory = Annotated[MemoryRepository, Depends(get_memory)]


def _thread_or_404(memory: MemoryRepository, thread_id: str, resource_id: str | None) -> ThreadRead:
    """The thread (ownership checked when ``resource_id`` is given); 404 when missing."""
    thread = memory.get_thread_by_id(thread_id, resource_id=resource_id)
    if thread is None:
        raise NotFoundError(
            "MASTRA_SERVER_THREAD_NOT_FOUND",
            f"Thread {thread_id} not found",
            details={"status": 404, "threadId": thread_id},
        )
    return thread


def _json_query(raw: str | None, name: str) -> Any:
    """Mastra's server takes ``include``/``orderBy`` as JSON text in the query string."""
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ValidationError(
            "MASTRA_SERVER_INVALID_QUERY", f"{name} must be JSON", details={"param": name}
        ) from None


def _per_page(raw: str | None, default: int) -> int | Literal[False]:
    """``perPage``: an integer or ``false`` (all rows), as Mastra's server accepts."""
    if raw is None:
        return default
    if raw == "false":
        return False
    try:
        return int(raw)
    except ValueError:
        raise ValidationError(
            "MASTRA_SERVER_INVALID_QUERY", "perPage must be an integer or false", details={"param": "perPage"}
        ) from None


# --- the app -----------------------------------------------------------------------------------


_STATUS: tuple[tuple[type[MastraDataError], int], ...] = (
    (OwnershipError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (ValidationError, 422),  # ConfigurationError included (a subclass)
)


def _error_response(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MastraDataError)
    status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)
    return JSONResponse(status_code=status, content=exc.to_dict())


def create_app(url: str | None = None, *, migrate: bool = True) -> FastAPI:
    """The service on ``url`` (default: ``MASTRA_DATA_URL``, read by :class:`StorageSettings`).

    ``migrate`` runs :meth:`Storage.migrate` at startup (idempotent; switch it off when migrations run
    in a deploy step).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        storage = Storage.from_url(url) if url is not None else Storage()
        if migrate:
            storage.migrate()
        app.state.storage = storage
        try:
            yield
        finally:
            storage.close()

    app = FastAPI(title="mastra_data memory API (example)", lifespan=lifespan)
    app.add_exception_handler(MastraDataError, _error_response)

    @app.get("/api/memory/threads", response_model=ThreadsPage)
    def list_threads(
        memory: Memory,
        resource_id: Annotated[str, Query(alias="resourceId")],
        page: int = 0,
        per_page: Annotated[str | None, Query(alias="perPage")] = None,
        order_by: Annotated[str | None, Query(alias="orderBy")] = None,
    ) -> ThreadsPage:
        """Threads of a resource, newest first (``orderBy``: JSON ``{"field","direction"}``)."""
        return memory.list_threads(
            resource_id=resource_id,
            page=page,
            per_page=_per_page(per_page, 100),
            order_by=_json_query(order_by, "orderBy"),
        )

    @app.post("/api/memory/threads", response_model=ThreadRead)
    def create_thread(memory: Memory, body: CreateThreadBody) -> ThreadRead:
        """Create a thread (a new UUID unless ``threadId`` is given).

        Re-posting an existing ``threadId`` replaces it (Mastra's upsert) but only for its owner: another
        resource's thread answers 403 rather than being taken over.
        """
        if body.thread_id is not None:
            memory.get_thread_by_id(body.thread_id, resource_id=body.resource_id)
        return memory.save_thread(
            {
                "id": body.thread_id if body.thread_id is not None else str(uuid.uuid4()),
                "resource_id": body.resource_id,
                "title": body.title or "",
                "metadata": body.metadata,
            }
        )

    @app.get("/api/memory/threads/{thread_id}", response_model=ThreadRead)
    def get_thread(
        memory: Memory, thread_id: str, resource_id: Annotated[str | None, Query(alias="resourceId")] = None
    ) -> ThreadRead:
        return _thread_or_404(memory, thread_id, resource_id)

    @app.patch("/api/memory/threads/{thread_id}", response_model=ThreadRead)
    def update_thread(memory: Memory, thread_id: str, body: UpdateThreadBody) -> ThreadRead:
        """Set the title, shallow-merge metadata."""
        return memory.update_thread(
            thread_id, title=body.title, metadata=body.metadata, resource_id=body.resource_id
        )

    @app.delete("/api/memory/threads/{thread_id}", response_model=Deleted)
    def delete_thread(
        memory: Memory, thread_id: str, resource_id: Annotated[str | None, Query(alias="resourceId")] = None
    ) -> Deleted:
        """Delete the thread and its messages (404 when missing, as Mastra's server)."""
        _thread_or_404(memory, thread_id, resource_id)
        memory.delete_thread(thread_id, resource_id=resource_id)
        return Deleted()

    @app.get("/api/memory/threads/{thread_id}/messages", response_model=MessagesPage)
    def list_messages(
        memory: Memory,
        thread_id: str,
        resource_id: Annotated[str | None, Query(alias="resourceId")] = None,
        page: int = 0,
        per_page: Annotated[str | None, Query(alias="perPage")] = None,
        include: str | None = None,
        order_by: Annotated[str | None, Query(alias="orderBy")] = None,
    ) -> MessagesPage:
        """A page of the thread's messages, oldest first; ``include`` is JSON
        ``[{"id", "withPreviousMessages", "withNextMessages"}]`` (context around given messages)."""
        _thread_or_404(memory, thread_id, resource_id)
        return memory.list_messages(
            thread_id,
            resource_id=resource_id,
            page=page,
            per_page=_per_page(per_page, 40),
            include=_json_query(include, "include"),
            order_by=_json_query(order_by, "orderBy"),
        )

    @app.post("/api/memory/save-messages", response_model=SavedMessages)
    def save_messages(memory: Memory, body: SaveMessagesBody) -> SavedMessages:
        """Insert or update messages (one transaction); index them for recall when embeddings are given."""
        saved = memory.save_messages(body.messages)
        if body.embeddings is not None:
            memory.index_messages(saved, body.embeddings)
        return SavedMessages(messages=saved)

    @app.get("/api/memory/threads/{thread_id}/working-memory", response_model=WorkingMemory)
    def get_working_memory(
        memory: Memory, thread_id: str, resource_id: Annotated[str | None, Query(alias="resourceId")] = None
    ) -> WorkingMemory:
        """The working memory of the thread's resource (``resourceId`` defaults to the thread's owner)."""
        thread = _thread_or_404(memory, thread_id, resource_id)
        resource = memory.get_resource_by_id(thread.resource_id)
        return WorkingMemory(working_memory=None if resource is None else resource.working_memory)

    @app.post("/api/memory/threads/{thread_id}/working-memory", response_model=WorkingMemory)
    def update_working_memory(memory: Memory, thread_id: str, body: WorkingMemoryBody) -> WorkingMemory:
        """Replace the working memory of the thread's resource."""
        thread = _thread_or_404(memory, thread_id, body.resource_id)
        resource = memory.update_resource(thread.resource_id, working_memory=body.working_memory)
        return WorkingMemory(working_memory=resource.working_memory)

    @app.post("/api/memory/threads/{thread_id}/recall", response_model=RecallResult)
    def recall(memory: Memory, thread_id: str, body: RecallBody) -> RecallResult:
        """Last messages plus semantic hits for ``queryVector`` (Mastra's ``Memory.recall``)."""
        _thread_or_404(memory, thread_id, body.resource_id)
        return memory.recall(
            thread_id,
            resource_id=body.resource_id,
            query_vector=body.query_vector,
            last_messages=body.last_messages,
            top_k=body.top_k,
            message_range=body.message_range,
            scope=body.scope,
            threshold=body.threshold,
        )

    return app


app = create_app()
"""The service on ``MASTRA_DATA_URL`` (nothing connects before startup)."""
