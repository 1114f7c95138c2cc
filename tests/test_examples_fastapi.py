"""The FastAPI example (examples/fastapi_app) over HTTP, on a libSQL file and on PostgreSQL."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

from fastapi_app.app import create_app

DIM = 4


def unit(i: int) -> list[float]:
    return [1.0 if k == i else 0.0 for k in range(DIM)]


def text(t: str) -> dict[str, Any]:
    return {"format": 2, "parts": [{"type": "text", "text": t}]}


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(db_url)) as c:  # the context runs the lifespan: migrate, then close
        yield c


def make_thread(client: TestClient, thread_id: str = "t1", resource_id: str = "alice") -> dict[str, Any]:
    response = client.post(
        "/api/memory/threads",
        json={"threadId": thread_id, "resourceId": resource_id, "title": "Trip", "metadata": {"k": 1}},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_memory_scenario_end_to_end(client: TestClient) -> None:
    thread = make_thread(client)
    assert thread["id"] == "t1"
    assert thread["resourceId"] == "alice"
    assert {"createdAt", "updatedAt", "metadata", "title"} <= thread.keys()

    messages = [
        {
            "id": f"m{i}",
            "threadId": "t1",
            "resourceId": "alice",
            "role": "user" if i % 2 == 0 else "assistant",
            "content": text(f"message {i}"),
            "createdAt": f"2026-01-01T00:00:0{i}Z",
        }
        for i in range(6)
    ]
    saved = client.post(
        "/api/memory/save-messages",
        json={"messages": messages, "embeddings": [unit(i % DIM) for i in range(6)]},
    )
    assert saved.status_code == 200, saved.text
    assert [m["id"] for m in saved.json()["messages"]] == [f"m{i}" for i in range(6)]
    assert saved.json()["messages"][0]["threadId"] == "t1"

    # The newest two (perPage=2, DESC) plus m1 with one message of context either side.
    page = client.get(
        "/api/memory/threads/t1/messages",
        params={
            "resourceId": "alice",
            "perPage": 2,
            "orderBy": json.dumps({"field": "createdAt", "direction": "DESC"}),
            "include": json.dumps([{"id": "m1", "withPreviousMessages": 1, "withNextMessages": 1}]),
        },
    )
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["total"] == 6
    assert body["perPage"] == 2
    assert body["hasMore"] is True
    assert [m["id"] for m in body["messages"]] == ["m5", "m4", "m2", "m1", "m0"]
    assert body["messages"][0]["content"] == text("message 5")

    everything = client.get("/api/memory/threads/t1/messages", params={"perPage": "false"}).json()
    assert [m["id"] for m in everything["messages"]] == [f"m{i}" for i in range(6)]
    assert everything["perPage"] is False

    listed = client.get("/api/memory/threads", params={"resourceId": "alice"}).json()
    assert [t["id"] for t in listed["threads"]] == ["t1"]
    assert listed["total"] == 1

    renamed = client.patch("/api/memory/threads/t1", json={"title": "Holiday", "metadata": {"x": "y"}})
    assert renamed.status_code == 200
    assert renamed.json()["title"] == "Holiday"
    assert renamed.json()["metadata"] == {"k": 1, "x": "y"}

    assert client.get("/api/memory/threads/t1/working-memory").json()["workingMemory"] is None
    wm = client.post(
        "/api/memory/threads/t1/working-memory",
        json={"workingMemory": "# User\n- name: Alice", "resourceId": "alice"},
    )
    assert wm.status_code == 200, wm.text
    assert wm.json() == {
        "workingMemory": "# User\n- name: Alice",
        "source": "resource",
        "workingMemoryTemplate": None,
        "threadExists": True,
    }
    got = client.get("/api/memory/threads/t1/working-memory", params={"resourceId": "alice"})
    assert got.json()["workingMemory"] == "# User\n- name: Alice"

    # Semantic hit m2 (unit(2)) with its neighbours, plus the last message.
    recalled = client.post(
        "/api/memory/threads/t1/recall",
        json={"resourceId": "alice", "queryVector": unit(2), "topK": 1, "lastMessages": 1},
    )
    assert recalled.status_code == 200, recalled.text
    result = recalled.json()
    assert [m["id"] for m in result["messages"]] == ["m1", "m2", "m3", "m5"]
    assert result["hits"][0]["metadata"]["message_id"] == "m2"

    deleted = client.delete("/api/memory/threads/t1", params={"resourceId": "alice"})
    assert deleted.status_code == 200
    assert deleted.json() == {"result": "Thread deleted"}
    assert client.get("/api/memory/threads/t1").status_code == 404
    assert client.get("/api/memory/threads", params={"resourceId": "alice"}).json()["total"] == 0
    after = client.post("/api/memory/threads/t1/recall", json={"resourceId": "alice", "queryVector": unit(2)})
    assert after.status_code == 404


def test_other_resource_gets_403(client: TestClient) -> None:
    make_thread(client, "t1", "alice")
    as_bob: dict[str, Any] = {"resourceId": "bob"}
    calls = [
        client.get("/api/memory/threads/t1", params=as_bob),
        client.get("/api/memory/threads/t1/messages", params=as_bob),
        client.patch("/api/memory/threads/t1", json={"title": "mine", **as_bob}),
        client.delete("/api/memory/threads/t1", params=as_bob),
        client.get("/api/memory/threads/t1/working-memory", params=as_bob),
        client.post("/api/memory/threads/t1/working-memory", json={"workingMemory": "x", **as_bob}),
        client.post("/api/memory/threads/t1/recall", json={"queryVector": unit(0), **as_bob}),
        client.post("/api/memory/threads", json={"threadId": "t1", **as_bob}),
    ]
    for response in calls:
        assert response.status_code == 403, response.text
        error = response.json()
        assert error["code"].endswith("_CHECK_THREAD_OWNER_FORBIDDEN")
        assert error["category"] == "USER"
        assert error["details"]["ownerResourceId"] == "alice"
    # Nothing changed hands.
    thread = client.get("/api/memory/threads/t1").json()
    assert (thread["resourceId"], thread["title"]) == ("alice", "Trip")


def test_missing_thread_gets_404(client: TestClient) -> None:
    calls = [
        client.get("/api/memory/threads/nope"),
        client.get("/api/memory/threads/nope/messages"),
        client.patch("/api/memory/threads/nope", json={"title": "x"}),
        client.delete("/api/memory/threads/nope"),
        client.get("/api/memory/threads/nope/working-memory"),
        client.post("/api/memory/threads/nope/working-memory", json={"workingMemory": "x"}),
        client.post("/api/memory/threads/nope/recall", json={}),
    ]
    for response in calls:
        assert response.status_code == 404, response.text
        assert response.json()["details"]["threadId"] == "nope"
    assert client.get("/api/memory/threads/nope").json()["code"] == "MASTRA_SERVER_THREAD_NOT_FOUND"
    assert (
        client.patch("/api/memory/threads/nope", json={"title": "x"})
        .json()["code"]
        .endswith("_UPDATE_THREAD_NOT_FOUND")
    )


def test_bad_input_gets_422_and_writes_nothing(client: TestClient) -> None:
    make_thread(client)
    batch = [
        {"id": "ok", "threadId": "t1", "resourceId": "alice", "role": "user", "content": text("fine")},
        {"id": "bad", "threadId": "t1", "role": "user", "content": text("no resource")},
    ]
    response = client.post("/api/memory/save-messages", json={"messages": batch})
    assert response.status_code == 422
    assert response.json()["code"].startswith("MASTRA_STORAGE_")
    assert response.json()["category"] == "USER"
    assert client.get("/api/memory/threads/t1/messages").json()["total"] == 0  # one transaction

    bad_requests = [
        client.get("/api/memory/threads", params={"resourceId": "alice", "page": -1}),
        client.get("/api/memory/threads/t1/messages", params={"perPage": -5}),
        client.get("/api/memory/threads/t1/messages", params={"include": "{not json"}),
        client.get("/api/memory/threads/t1/messages", params={"include": json.dumps([{"id": ""}])}),
        client.get("/api/memory/threads", params={"resourceId": "alice", "perPage": "many"}),
        client.post("/api/memory/threads", json={"resourceId": "  "}),
        client.post("/api/memory/threads/t1/recall", json={"queryVector": unit(0)}),  # no resourceId
        client.post("/api/memory/threads/t1/recall", json={"resourceId": "alice", "lastMessages": -1}),
    ]
    for response in bad_requests:
        assert response.status_code == 422, response.text
        assert {"code", "message", "details"} <= response.json().keys()
    # FastAPI's own request validation (wrong body shape) is 422 too.
    assert client.post("/api/memory/save-messages", json={"messages": "x"}).status_code == 422
    assert client.get("/api/memory/threads").status_code == 422  # resourceId is required
