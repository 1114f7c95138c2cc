"""Memory domain interop with the real Mastra packages, on both backends.

Python writes threads, messages, resources and clones and Mastra reads them back (equal ids, content,
order and timestamps, including ``include`` context and date ranges); then Mastra writes — with its
own encodings, e.g. JSONB blobs on libSQL — and Python reads the same values.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from bridge import run_mastra
from conftest import mastra_backend, mastra_url

from mastra_data import Storage
from mastra_data.memory.repository import MemoryRepository

pytestmark = pytest.mark.interop

BASE = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def memory(db_url: str) -> Iterator[MemoryRepository]:
    storage = Storage.from_url(db_url)
    storage.migrate()
    yield storage.memory
    storage.close()


def _list_threads_call(db_url: str, resource_id: str) -> tuple[str, dict[str, Any]]:
    # @mastra/pg beta.13 (core beta.22) still has listThreadsByResourceId; libsql beta.13 has listThreads.
    if mastra_backend(db_url) == "pg":
        return ("listThreadsByResourceId", {"resourceId": resource_id})
    return ("listThreads", {"filter": {"resourceId": resource_id}})


def _mastra(db_url: str, *calls: tuple[str, dict[str, Any]]) -> list[Any]:
    ops = [{"op": "init"}] + [{"op": "call", "domain": "memory", "method": m, "args": a} for m, a in calls]
    return run_mastra(mastra_backend(db_url), mastra_url(db_url), ops)[1:]


def _json(model: Any) -> Any:
    """Our model as Mastra's JSON (Mastra leaves out ``type`` when it is ``v2``)."""
    data = model.model_dump(by_alias=True, mode="json")
    if isinstance(data, dict) and data.get("type") == "v2":
        del data["type"]
    return data


def _content(i: int) -> dict[str, Any]:
    return {
        "format": 2,
        "parts": [{"type": "text", "text": f"message {i} ✓"}],
        "content": f"message {i} ✓",
        "metadata": {"i": i},
    }


def test_mastra_reads_what_python_wrote(mastra_node: Path, db_url: str, memory: MemoryRepository) -> None:
    memory.save_thread(
        {
            "id": "t1",
            "resourceId": "r1",
            "title": "Python thread",
            "metadata": {"a": 1, "b": [1, {"c": None}]},
            "createdAt": BASE,
            "updatedAt": BASE,
        }
    )
    memory.save_thread(
        {"id": "t2", "resourceId": "r1", "title": "Other", "createdAt": BASE + timedelta(minutes=1)}
    )
    saved = memory.save_messages(
        [
            {
                "id": f"m{i}",
                "threadId": "t1",
                "resourceId": "r1",
                "role": "user" if i % 2 else "assistant",
                "content": _content(i),
                "createdAt": BASE + timedelta(seconds=i, milliseconds=i),
            }
            for i in range(1, 9)
        ]
    )
    memory.update_resource("r1", working_memory="# Ada\n- likes tea", metadata={"plan": "pro"})
    clone = memory.clone_thread("t1", new_thread_id="t1-clone", message_limit=3)

    include = [{"id": "m6", "withPreviousMessages": 2, "withNextMessages": 1}]
    date_range = {
        "start": (BASE + timedelta(seconds=3)).isoformat(),
        "end": (BASE + timedelta(seconds=6)).isoformat(),
    }
    thread, threads, page, ranged, resource, cloned, by_id = _mastra(
        db_url,
        ("getThreadById", {"threadId": "t1"}),
        _list_threads_call(db_url, "r1"),
        ("listMessages", {"threadId": "t1", "perPage": 2, "include": include}),
        ("listMessages", {"threadId": "t1", "filter": {"dateRange": date_range}}),
        ("getResourceById", {"resourceId": "r1"}),
        ("listMessages", {"threadId": "t1-clone", "perPage": False}),
        ("listMessagesById", {"messageIds": ["m8", "m1", "m4"]}),
    )

    assert thread == _json(memory.get_thread_by_id("t1"))
    ours = memory.list_threads(resource_id="r1")
    assert [t["id"] for t in threads["threads"]] == [t.id for t in ours.threads]
    assert threads["threads"] == [_json(t) for t in ours.threads]

    py_page = memory.list_messages(
        "t1", per_page=2, include=[{"id": "m6", "with_previous_messages": 2, "with_next_messages": 1}]
    )
    assert (
        [m["id"] for m in page["messages"]]
        == [m.id for m in py_page.messages]
        == ["m1", "m2", "m4", "m5", "m6", "m7"]
    )
    assert page["messages"] == [_json(m) for m in py_page.messages]
    assert (page["total"], page["hasMore"]) == (py_page.total, py_page.has_more)

    py_ranged = memory.list_messages(
        "t1", date_range={"start": BASE + timedelta(seconds=3), "end": BASE + timedelta(seconds=6)}
    )
    assert [m["id"] for m in ranged["messages"]] == [m.id for m in py_ranged.messages] == ["m3", "m4", "m5"]

    assert resource == _json(memory.get_resource_by_id("r1"))
    assert [m["id"] for m in cloned["messages"]] == [m.id for m in clone.cloned_messages]
    assert [m["createdAt"] for m in cloned["messages"]] == [_json(m)["createdAt"] for m in saved[-3:]]
    assert [m["content"] for m in cloned["messages"]] == [_content(i) for i in (6, 7, 8)]
    assert [m["id"] for m in by_id["messages"]] == ["m1", "m4", "m8"]


def test_python_reads_what_mastra_wrote(mastra_node: Path, db_url: str, memory: MemoryRepository) -> None:
    messages = [
        {
            "id": f"x{i}",
            "threadId": "mt",
            "resourceId": "mr",
            "role": "user",
            "type": "v2",
            "createdAt": (BASE + timedelta(seconds=i)).isoformat().replace("+00:00", "Z"),
            "content": _content(i),
        }
        for i in range(1, 6)
    ]
    written = _mastra(
        db_url,
        (
            "saveThread",
            {
                "thread": {
                    "id": "mt",
                    "resourceId": "mr",
                    "title": "From Mastra",
                    "metadata": {"deep": {"x": [1, 2]}},
                    "createdAt": BASE.isoformat(),
                    "updatedAt": BASE.isoformat(),
                }
            },
        ),
        ("saveMessages", {"messages": messages}),
        (
            "saveResource",
            {
                "resource": {
                    "id": "mr",
                    "workingMemory": '{"json": true}',
                    "metadata": {"m": 1},
                    "createdAt": BASE.isoformat(),
                    "updatedAt": BASE.isoformat(),
                }
            },
        ),
        ("cloneThread", {"sourceThreadId": "mt", "newThreadId": "mt-c", "options": {"messageLimit": 2}}),
        ("getThreadById", {"threadId": "mt"}),
        (
            "listMessages",
            {
                "threadId": "mt",
                "perPage": 0,
                "include": [{"id": "x3", "withPreviousMessages": 1, "withNextMessages": 1}],
            },
        ),
        ("getResourceById", {"resourceId": "mr"}),
        ("getThreadById", {"threadId": "mt-c"}),
    )
    thread, included, resource, clone = written[4:]

    assert _json(memory.get_thread_by_id("mt")) == thread
    assert memory.get_thread_by_id("mt").metadata == {"deep": {"x": [1, 2]}}  # type: ignore[union-attr]
    ours = memory.list_messages(
        "mt", per_page=0, include=[{"id": "x3", "with_previous_messages": 1, "with_next_messages": 1}]
    )
    assert [_json(m) for m in ours.messages] == included["messages"]
    assert [m.id for m in ours.messages] == ["x2", "x3", "x4"]
    ours_resource = _json(memory.get_resource_by_id("mr"))
    # Mastra's libSQL reader JSON-parses and re-stringifies a JSON-looking workingMemory, dropping
    # whitespace (spec §2.2, a quirk not to reproduce): we return exactly the stored text.
    assert ours_resource["workingMemory"] == '{"json": true}'
    assert json.loads(resource.pop("workingMemory")) == json.loads(ours_resource.pop("workingMemory"))
    assert ours_resource == resource
    ours_clone = memory.get_thread_by_id("mt-c")
    assert _json(ours_clone) == clone
    assert ours_clone is not None
    assert ours_clone.metadata is not None
    assert ours_clone.metadata["clone"]["sourceThreadId"] == "mt"
    assert [m.content for m in memory.list_messages("mt-c").messages] == [_content(4), _content(5)]
