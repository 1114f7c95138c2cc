"""Rows written by older Mastra versions (v1 messages) read back as v2 content, on both backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from mastra_data import Message, Storage
from mastra_data.db.dialects import backend_for
from mastra_data.memory.repository import MemoryRepository

MESSAGES = Message.__table__  # type: ignore[attr-defined]


def _raw_insert(storage: Storage, rows: list[tuple[str, str, str, str]]) -> None:
    engine = storage.engine_for("memory")
    backend = backend_for(engine)
    when = datetime(2024, 5, 1, tzinfo=UTC)
    with engine.begin() as conn:
        for i, (message_id, role, kind, content) in enumerate(rows):
            values = {
                "id": message_id,
                "thread_id": "t",
                "content": content,
                "role": role,
                "type": kind,
                "createdAt": when.replace(second=i),
                "resourceId": "r",
            }
            conn.execute(sa.insert(MESSAGES).values(backend.row(MESSAGES, values)))


def test_v1_rows_become_v2_content(storage: Storage) -> None:
    tool_call = [{"type": "tool-call", "toolCallId": "c1", "toolName": "weather", "args": {"city": "Oslo"}}]
    tool_result = [{"type": "tool-result", "toolCallId": "c1", "toolName": "weather", "result": {"temp": 3}}]
    _raw_insert(
        storage,
        [
            ("a", "user", "text", "Hello there"),
            (
                "b",
                "assistant",
                "text",
                json.dumps([{"type": "text", "text": "Hi "}, {"type": "text", "text": "you"}]),
            ),
            ("c", "assistant", "tool-call", json.dumps(tool_call)),
            ("d", "tool", "tool-result", json.dumps(tool_result)),
            ("e", "user", "v2", "not json at all"),
        ],
    )
    memory: MemoryRepository = storage.memory
    got = {m.id: m for m in memory.list_messages("t").messages}
    assert got["a"].content == {
        "format": 2,
        "parts": [{"type": "text", "text": "Hello there"}],
        "content": "Hello there",
    }
    assert got["a"].type == "text"
    assert got["b"].content == {
        "format": 2,
        "parts": [{"type": "text", "text": "Hi "}, {"type": "text", "text": "you"}],
        "content": "Hi you",
    }
    assert got["c"].content["parts"] == [  # type: ignore[index]
        {
            "type": "tool-invocation",
            "toolInvocation": {
                "state": "call",
                "toolCallId": "c1",
                "toolName": "weather",
                "args": {"city": "Oslo"},
            },
        }
    ]
    assert got["d"].content["parts"][0]["toolInvocation"]["result"] == {"temp": 3}  # type: ignore[index]
    assert got["d"].role == "tool"
    # A v2 row whose content is not JSON comes back as the raw string (Mastra's parseRow does the same).
    assert got["e"].content == "not json at all"
    assert [m.id for m in memory.list_messages("t").messages] == ["a", "b", "c", "d", "e"]


def test_v2_content_is_returned_verbatim(storage: Storage) -> None:
    content = {
        "format": 2,
        "parts": [{"type": "text", "text": "x", "providerMetadata": {"mastra": {"tokenEstimate": 7}}}],
        "content": "x",
        "experimental_attachments": [{"url": "data:,a"}],
        "metadata": {"k": [1, None]},
    }
    _raw_insert(storage, [("v", "assistant", "v2", json.dumps(content))])
    (message,) = storage.memory.list_messages("t").messages
    assert message.content == content
