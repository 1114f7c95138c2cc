"""The Django example (examples/django_app) through Django's test client, on libSQL and PostgreSQL."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import django
import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from sqlalchemy.engine import make_url

from mastra_data import ConfigurationError
from mastra_data.db.engine import create_engine
from mastra_data.db.migrations import current_revision, head_revision

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples" / "django_app"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mastra_site.settings")
django.setup()

from memory_api.storage import get_storage, url_from_django_database  # noqa: E402

DIM = 4


def unit(i: int) -> list[float]:
    return [1.0 if k == i else 0.0 for k in range(DIM)]


def text(t: str) -> dict[str, Any]:
    return {"format": 2, "parts": [{"type": "text", "text": t}]}


def django_entry(db_url: str) -> dict[str, Any]:
    """The Django ``DATABASES`` entry for a test database (what a project would write by hand)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": url.database}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": url.database,
        "USER": url.username or "",
        "PASSWORD": url.password or "",
        "HOST": url.host or str(url.query.get("host", "")),  # embedded PostgreSQL: a socket directory
        "PORT": str(url.port or ""),
    }


@pytest.fixture
def client(db_url: str) -> Iterator[Client]:
    with override_settings(MASTRA_DATA_URL=db_url):
        call_command("mastra_migrate", stdout=StringIO())
        yield Client()


def post(client: Client, path: str, body: Any, method: str = "post") -> Any:
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


def test_memory_scenario_end_to_end(client: Client) -> None:
    created = post(
        client,
        "/api/memory/threads",
        {"threadId": "t1", "resourceId": "alice", "title": "Trip", "metadata": {"k": 1}},
    )
    assert created.status_code == 200, created.content
    assert created.json()["resourceId"] == "alice"
    assert "createdAt" in created.json()

    batch = [
        {
            "id": f"m{i}",
            "threadId": "t1",
            "resourceId": "alice",
            "role": "user",
            "content": text(f"message {i}"),
            "createdAt": f"2026-01-01T00:00:0{i}Z",
        }
        for i in range(6)
    ]
    saved = post(
        client,
        "/api/memory/save-messages",
        {"messages": batch, "embeddings": [unit(i % DIM) for i in range(6)]},
    )
    assert saved.status_code == 200, saved.content
    assert [m["threadId"] for m in saved.json()["messages"]] == ["t1"] * 6

    page = client.get(
        "/api/memory/threads/t1/messages",
        {
            "resourceId": "alice",
            "perPage": 2,
            "orderBy": json.dumps({"field": "createdAt", "direction": "DESC"}),
            "include": json.dumps([{"id": "m1", "withPreviousMessages": 1, "withNextMessages": 1}]),
        },
    ).json()
    assert [m["id"] for m in page["messages"]] == ["m5", "m4", "m2", "m1", "m0"]
    assert (page["total"], page["perPage"], page["hasMore"]) == (6, 2, True)

    listed = client.get("/api/memory/threads", {"resourceId": "alice"}).json()
    assert [t["id"] for t in listed["threads"]] == ["t1"]

    renamed = post(client, "/api/memory/threads/t1", {"title": "Holiday", "metadata": {"x": 2}}, "patch")
    assert renamed.json()["title"] == "Holiday"
    assert renamed.json()["metadata"] == {"k": 1, "x": 2}

    wm = post(
        client, "/api/memory/threads/t1/working-memory", {"workingMemory": "# Alice", "resourceId": "alice"}
    )
    assert wm.status_code == 200
    assert wm.json()["workingMemory"] == "# Alice"
    assert client.get("/api/memory/threads/t1/working-memory").json()["workingMemory"] == "# Alice"

    recalled = post(
        client,
        "/api/memory/threads/t1/recall",
        {"resourceId": "alice", "queryVector": unit(2), "topK": 1, "lastMessages": 1},
    )
    assert recalled.status_code == 200, recalled.content
    assert [m["id"] for m in recalled.json()["messages"]] == ["m1", "m2", "m3", "m5"]

    deleted = client.delete("/api/memory/threads/t1?resourceId=alice")
    assert deleted.json() == {"result": "Thread deleted"}
    assert client.get("/api/memory/threads/t1").status_code == 404
    assert client.get("/api/memory/threads", {"resourceId": "alice"}).json()["total"] == 0


def test_other_resource_gets_403_and_missing_thread_404(client: Client) -> None:
    post(client, "/api/memory/threads", {"threadId": "t1", "resourceId": "alice", "title": "Trip"})
    forbidden = [
        client.get("/api/memory/threads/t1", {"resourceId": "bob"}),
        client.get("/api/memory/threads/t1/messages", {"resourceId": "bob"}),
        post(client, "/api/memory/threads/t1", {"title": "mine", "resourceId": "bob"}, "patch"),
        client.delete("/api/memory/threads/t1?resourceId=bob"),
        post(client, "/api/memory/threads/t1/working-memory", {"workingMemory": "x", "resourceId": "bob"}),
        post(client, "/api/memory/threads/t1/recall", {"resourceId": "bob", "queryVector": unit(0)}),
        post(client, "/api/memory/threads", {"threadId": "t1", "resourceId": "bob"}),
    ]
    for response in forbidden:
        assert response.status_code == 403, response.content
        assert response.json()["code"].endswith("_CHECK_THREAD_OWNER_FORBIDDEN")
    assert client.get("/api/memory/threads/t1").json()["title"] == "Trip"

    missing = [
        client.get("/api/memory/threads/nope"),
        client.get("/api/memory/threads/nope/messages"),
        post(client, "/api/memory/threads/nope", {"title": "x"}, "patch"),
        client.delete("/api/memory/threads/nope"),
        client.get("/api/memory/threads/nope/working-memory"),
        post(client, "/api/memory/threads/nope/recall", {}),
    ]
    for response in missing:
        assert response.status_code == 404, response.content
        assert response.json()["details"]["threadId"] == "nope"


def test_bad_input_gets_422_and_writes_nothing(client: Client) -> None:
    post(client, "/api/memory/threads", {"threadId": "t1", "resourceId": "alice"})
    batch = [
        {"id": "ok", "threadId": "t1", "resourceId": "alice", "role": "user", "content": text("fine")},
        {"id": "bad", "threadId": "t1", "role": "user", "content": text("no resource")},
    ]
    rejected = post(client, "/api/memory/save-messages", {"messages": batch})
    assert rejected.status_code == 422
    assert rejected.json()["code"].startswith("MASTRA_STORAGE_")
    assert client.get("/api/memory/threads/t1/messages").json()["total"] == 0
    bad = [
        client.get("/api/memory/threads"),  # no resourceId
        client.get("/api/memory/threads", {"resourceId": "alice", "page": -1}),
        client.get("/api/memory/threads/t1/messages", {"include": "{oops"}),
        client.post("/api/memory/save-messages", data="not json", content_type="application/json"),
        post(client, "/api/memory/save-messages", {"messages": "x"}),
        post(client, "/api/memory/threads", {"resourceId": " "}),
        post(client, "/api/memory/threads/t1/recall", {"queryVector": unit(0)}),  # no resourceId
    ]
    for response in bad:
        assert response.status_code == 422, response.content
        assert {"code", "message", "category"} <= response.json().keys()
    assert client.put("/api/memory/threads/t1").status_code == 405


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_configured_from_django_databases(db_url: str) -> None:
    from django.conf import settings

    entry = django_entry(db_url)
    driver = "sqlite+libsql" if entry["ENGINE"].endswith("sqlite3") else "postgresql+psycopg"
    mapped, original = make_url(url_from_django_database(entry)), make_url(db_url)
    assert mapped.drivername == driver
    assert (
        mapped.username,
        mapped.password or "",
        mapped.host,
        mapped.port,
        mapped.database,
        mapped.query,
    ) == (
        original.username,
        original.password or "",
        original.host,
        original.port,
        original.database,
        original.query,
    )
    databases = {**settings.DATABASES, "mastra": entry}
    with override_settings(MASTRA_DATA_URL=None, DATABASES=databases):
        out = StringIO()
        call_command("mastra_migrate", stdout=out)
        assert head_revision() in out.getvalue()
        created = post(Client(), "/api/memory/threads", {"threadId": "t", "resourceId": "r"})
        assert created.status_code == 200
        assert get_storage().memory.get_thread_by_id("t") is not None
    engine = create_engine(db_url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_unsupported_django_database() -> None:
    with pytest.raises(ConfigurationError):
        url_from_django_database({"ENGINE": "django.db.backends.mysql", "NAME": "x"})
    with pytest.raises(ConfigurationError):
        url_from_django_database({"ENGINE": "django.db.backends.sqlite3", "NAME": ""})
