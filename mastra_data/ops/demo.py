"""The README's main job, end to end: migrate, save a short conversation for two resources, index the
messages with a deterministic toy embedding (no model), and run semantic ``recall``.

Ids and timestamps are fixed, so running it again rewrites the same rows (idempotent).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from mastra_data.memory.models import RecallResult

if TYPE_CHECKING:
    from mastra_data.storage import Storage

__all__ = ("DEMO_DIMENSION", "DEMO_QUERY", "DemoResult", "embed", "run_demo")

DEMO_DIMENSION = 64
DEMO_QUERY = "what tea does Ada like?"
_START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
_WORD = re.compile(r"[a-z0-9]+")

# (resource, thread, title, [(role, text)])
_CONVERSATIONS: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "demo-ada",
        "demo-ada-chat",
        "Ada's preferences",
        (
            ("user", "Hi, I am Ada. I drink green tea every morning."),
            ("assistant", "Noted: green tea in the morning."),
            ("user", "My favourite tea is jasmine green tea, never with sugar."),
            ("assistant", "Jasmine green tea without sugar, got it."),
            ("user", "Also, I am planning a trip to Lisbon in May."),
        ),
    ),
    (
        "demo-bob",
        "demo-bob-chat",
        "Bob's plans",
        (
            ("user", "Hello, Bob here. I only drink black coffee."),
            ("assistant", "Black coffee, understood."),
            ("user", "I like strong tea too, an English breakfast tea in winter."),
            ("assistant", "English breakfast tea in winter, noted."),
        ),
    ),
)


def embed(texts: list[str], dimension: int = DEMO_DIMENSION) -> list[list[float]]:
    """A toy, deterministic embedding: hashed bag of words, L2-normalised. Good enough to show recall
    finding messages that share words with the query; not a language model."""
    vectors = []
    for text in texts:
        vector = [0.0] * dimension
        for word in _WORD.findall(text.lower()):
            digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
            vector[int.from_bytes(digest[:4], "big") % dimension] += 1.0 if digest[4] & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        vectors.append([v / norm for v in vector] if any(vector) else [1.0] + [0.0] * (dimension - 1))
    return vectors


@dataclass
class DemoResult:
    """What :func:`run_demo` wrote and found."""

    resources: list[str]
    messages_saved: int
    index_name: str
    query: str
    thread_id: str
    resource_id: str
    recall: RecallResult


def run_demo(storage: Storage, *, query: str = DEMO_QUERY) -> DemoResult:
    """Migrate, write the demo conversations, index them and recall ``query`` for Ada's thread
    (resource scope, last 2 messages plus the top 3 hits with one message of context each).

    Raises:
        BackendError: the database is unreachable or failed.
        MigrationError: the database is at a revision this package does not know.
    """
    storage.migrate()
    memory = storage.memory
    saved_total = 0
    index_name = ""
    for resource, thread, title, turns in _CONVERSATIONS:
        memory.save_thread(
            {
                "id": thread,
                "resource_id": resource,
                "title": title,
                "created_at": _START,
                "updated_at": _START,
            }
        )
        saved = memory.save_messages(
            [
                {
                    "id": f"{thread}-{i}",
                    "thread_id": thread,
                    "resource_id": resource,
                    "role": role,
                    "content": text,
                    "created_at": _START + timedelta(minutes=i),
                }
                for i, (role, text) in enumerate(turns)
            ]
        )
        index_name = memory.index_messages(saved, embedder=embed)
        saved_total += len(saved)
    ada, ada_thread = _CONVERSATIONS[0][0], _CONVERSATIONS[0][1]
    result = memory.recall(
        ada_thread, resource_id=ada, query_vector=embed([query])[0], top_k=3, last_messages=2
    )
    return DemoResult(
        resources=[c[0] for c in _CONVERSATIONS],
        messages_saved=saved_total,
        index_name=index_name,
        query=query,
        thread_id=ada_thread,
        resource_id=ada,
        recall=result,
    )
