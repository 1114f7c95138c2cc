"""JSON views over the sync memory repository, shaped like Mastra's memory API.

Errors answer with ``MastraDataError.to_dict()`` (Mastra's ``{message, domain, category, code,
details}``): ``OwnershipError`` 403, ``NotFoundError`` (or a missing thread) 404, ``ConflictError``
409, ``ValidationError`` 422 (as the FastAPI example), any other ``MastraDataError`` 500.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from pydantic import BaseModel

from mastra_data import (
    ConflictError,
    MastraDataError,
    NotFoundError,
    OwnershipError,
    ThreadRead,
    ValidationError,
)
from mastra_data.memory.repository import MemoryRepository
from memory_api.storage import get_storage

_STATUS: tuple[tuple[type[MastraDataError], int], ...] = (
    (OwnershipError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (ValidationError, 422),
)

View = Callable[..., Any]


def _bad(message: str, **details: Any) -> ValidationError:
    return ValidationError("MASTRA_SERVER_INVALID_REQUEST", message, details=details)


def api(*methods: str) -> Callable[[View], Callable[..., HttpResponse]]:
    """JSON in, JSON out: the view gets ``(request, memory, body, **url_kwargs)`` and returns a pydantic
    model (dumped with Mastra's keys) or a dict; errors become JSON error responses."""

    def decorate(view: View) -> Callable[..., HttpResponse]:
        @csrf_exempt  # a JSON API for programs: authenticate with tokens, not cookies
        @wraps(view)
        def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                return JsonResponse({"message": f"{request.method} not allowed"}, status=405)
            try:
                body: dict[str, Any] = {}
                if request.method in ("POST", "PATCH") and request.body:
                    try:
                        body = json.loads(request.body)
                    except ValueError:
                        raise _bad("The request body must be JSON") from None
                    if not isinstance(body, dict):
                        raise _bad("The request body must be a JSON object")
                result = view(request, get_storage().memory, body, **kwargs)
            except MastraDataError as exc:
                status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)
                return JsonResponse(exc.to_dict(), status=status)
            if isinstance(result, BaseModel):
                result = result.model_dump(by_alias=True, mode="json")
            return JsonResponse(result)

        return wrapper

    return decorate


def _thread_or_404(memory: MemoryRepository, thread_id: str, resource_id: str | None) -> ThreadRead:
    thread = memory.get_thread_by_id(thread_id, resource_id=resource_id)
    if thread is None:
        raise NotFoundError(
            "MASTRA_SERVER_THREAD_NOT_FOUND",
            f"Thread {thread_id} not found",
            details={"status": 404, "threadId": thread_id},
        )
    return thread


def _int(request: HttpRequest, name: str, default: int) -> int:
    raw = request.GET.get(name)
    try:
        return default if raw is None else int(raw)
    except ValueError:
        raise _bad(f"{name} must be an integer", param=name) from None


def _per_page(request: HttpRequest, default: int) -> int | bool:
    return False if request.GET.get("perPage") == "false" else _int(request, "perPage", default)


def _json_param(request: HttpRequest, name: str) -> Any:
    raw = request.GET.get(name)
    try:
        return None if raw is None else json.loads(raw)
    except ValueError:
        raise _bad(f"{name} must be JSON", param=name) from None


@api("GET", "POST")
def threads(request: HttpRequest, memory: MemoryRepository, body: dict[str, Any]) -> Any:
    """GET: a resource's threads (``resourceId`` required). POST: create a thread."""
    if request.method == "GET":
        resource_id = request.GET.get("resourceId")
        if not resource_id:
            raise _bad("resourceId is required", param="resourceId")
        return memory.list_threads(
            resource_id=resource_id,
            page=_int(request, "page", 0),
            per_page=_per_page(request, 100),
            order_by=_json_param(request, "orderBy"),
        )
    thread_id = body.get("threadId")
    resource_id = body.get("resourceId")
    if thread_id is not None and isinstance(resource_id, str):
        memory.get_thread_by_id(thread_id, resource_id=resource_id)  # another owner's id: 403
    return memory.save_thread(
        {
            "id": thread_id if thread_id is not None else str(uuid.uuid4()),
            "resource_id": resource_id,
            "title": body.get("title") or "",
            "metadata": body.get("metadata"),
        }
    )


@api("GET", "PATCH", "DELETE")
def thread(request: HttpRequest, memory: MemoryRepository, body: dict[str, Any], thread_id: str) -> Any:
    """GET/DELETE (``?resourceId`` checks ownership) or PATCH ``{title, metadata, resourceId}``."""
    if request.method == "PATCH":
        return memory.update_thread(
            thread_id,
            title=body.get("title"),
            metadata=body.get("metadata"),
            resource_id=body.get("resourceId"),
        )
    resource_id = request.GET.get("resourceId")
    found = _thread_or_404(memory, thread_id, resource_id)
    if request.method == "GET":
        return found
    memory.delete_thread(thread_id, resource_id=resource_id)
    return {"result": "Thread deleted"}


@api("GET")
def messages(request: HttpRequest, memory: MemoryRepository, body: dict[str, Any], thread_id: str) -> Any:
    """A page of the thread's messages; ``include`` and ``orderBy`` are JSON query parameters."""
    resource_id = request.GET.get("resourceId")
    _thread_or_404(memory, thread_id, resource_id)
    return memory.list_messages(
        thread_id,
        resource_id=resource_id,
        page=_int(request, "page", 0),
        per_page=_per_page(request, 40),
        include=_json_param(request, "include"),
        order_by=_json_param(request, "orderBy"),
    )


@api("POST")
def save_messages(request: HttpRequest, memory: MemoryRepository, body: dict[str, Any]) -> Any:
    """``{messages, embeddings?}``: save in one transaction; index for recall when embeddings are given."""
    batch = body.get("messages")
    if not isinstance(batch, list):
        raise _bad("messages must be a list")
    saved = memory.save_messages(batch)
    if body.get("embeddings") is not None:
        memory.index_messages(saved, body["embeddings"])
    return {"messages": [m.model_dump(by_alias=True, mode="json") for m in saved]}


@api("GET", "POST")
def working_memory(
    request: HttpRequest, memory: MemoryRepository, body: dict[str, Any], thread_id: str
) -> Any:
    """The working memory of the thread's resource; POST ``{workingMemory, resourceId?}`` replaces it."""
    resource_id = request.GET.get("resourceId") if request.method == "GET" else body.get("resourceId")
    owner = _thread_or_404(memory, thread_id, resource_id).resource_id
    if request.method == "GET":
        resource = memory.get_resource_by_id(owner)
        text = None if resource is None else resource.working_memory
    else:
        text = memory.update_resource(owner, working_memory=body.get("workingMemory")).working_memory
    return {"workingMemory": text, "source": "resource", "workingMemoryTemplate": None, "threadExists": True}


@api("POST")
def recall(request: HttpRequest, memory: MemoryRepository, body: dict[str, Any], thread_id: str) -> Any:
    """``{resourceId, queryVector, lastMessages, topK, messageRange, scope, threshold}`` → Memory.recall."""
    resource_id = body.get("resourceId")
    _thread_or_404(memory, thread_id, resource_id)
    return memory.recall(
        thread_id,
        resource_id=resource_id,
        query_vector=body.get("queryVector"),
        last_messages=body.get("lastMessages", 10),
        top_k=body.get("topK", 4),
        message_range=body.get("messageRange", 1),
        scope=body.get("scope", "resource"),
        threshold=body.get("threshold"),
    )
