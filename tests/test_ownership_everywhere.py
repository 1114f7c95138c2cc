"""Ownership everywhere: every public memory method that takes a thread and a ``resource_id``.

The table below is checked against ``MemoryRepository``'s public methods (``inspect.signature``): a
method that accepts ``resource_id`` must have an entry, either call cases (a thread owned by ``alice``
addressed as ``mallory``) or an explicit exemption saying why ``resource_id`` is not an ownership check
there. Each case must raise :class:`OwnershipError` with Mastra's exact message and change nothing: a
full dump of the memory tables and of the memory vector index is compared before and after.

One migrated database per backend for the whole module (the cases change nothing, which is the point).
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from mastra_data import OwnershipError, Storage
from mastra_data.memory.models import Message, Resource, Thread
from mastra_data.memory.repository import MemoryRepository, memory_index_name

BASE = datetime(2025, 1, 1, tzinfo=UTC)
DIM = 4
OWNER = "alice"
INTRUDER = "mallory"


def unit(k: int) -> list[float]:
    return [1.0 if j == k else 0.0 for j in range(DIM)]


@pytest.fixture(scope="module", params=("libsql", "postgres"))
def storage_mod(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, module_database: Any
) -> Iterator[Storage]:
    """A migrated Storage per backend, shared by the module, seeded with alice's and mallory's data."""
    with module_database(request, tmp_path_factory, "own") as url, Storage.from_url(url) as storage:
        storage.migrate()
        _seed(storage.memory)
        yield storage


def _seed(memory: MemoryRepository) -> None:
    for tid, rid in (("a1", OWNER), ("a2", OWNER), ("m1", INTRUDER)):
        memory.save_thread({"id": tid, "resource_id": rid, "title": tid, "metadata": {"k": tid}})
        messages: list[dict[str, Any]] = [
            {
                "id": f"{tid}-{i}",
                "thread_id": tid,
                "resource_id": rid,
                "role": "user",
                "content": {"format": 2, "parts": [{"type": "text", "text": f"{tid} {i}"}]},
                "created_at": BASE + timedelta(minutes=i),
            }
            for i in range(4)
        ]
        memory.save_messages(messages)
        memory.index_messages(messages, [unit(i) for i in range(4)])
    memory.update_resource(OWNER, working_memory="# alice", metadata={"plan": "pro"})
    memory.update_resource(INTRUDER, working_memory="# mallory")


# --- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One call addressing ``thread_id`` (owned by ``owner``) as resource ``INTRUDER``."""

    name: str
    call: Callable[[MemoryRepository], object]
    thread_id: str = "a1"
    owner: str = OWNER


@dataclass(frozen=True)
class Exempt:
    """A method whose ``resource_id`` is not an ownership check, and why."""

    reason: str


TABLE: dict[str, list[Case] | Exempt] = {
    "get_thread_by_id": [Case("get", lambda m: m.get_thread_by_id("a1", resource_id=INTRUDER))],
    "update_thread": [
        Case(
            "update",
            lambda m: m.update_thread("a1", title="pwned", metadata={"x": 1}, resource_id=INTRUDER),
        ),
        Case("update-title-only", lambda m: m.update_thread("a1", title="pwned", resource_id=INTRUDER)),
    ],
    "delete_thread": [Case("delete", lambda m: m.delete_thread("a1", resource_id=INTRUDER))],
    "list_messages": [
        Case("one-thread", lambda m: m.list_messages("a1", resource_id=INTRUDER)),
        Case("thread-list", lambda m: m.list_messages(["m1", "a2"], resource_id=INTRUDER), thread_id="a2"),
        Case(
            "include-foreign-message",
            lambda m: m.list_messages(
                "m1",
                resource_id=INTRUDER,
                include=[{"id": "a1-2", "with_previous_messages": 1, "with_next_messages": 1}],
            ),
        ),
        Case(
            "per-page-false",
            lambda m: m.list_messages("a1", resource_id=INTRUDER, per_page=False),
        ),
    ],
    "recall": [
        Case("last-messages", lambda m: m.recall("a1", resource_id=INTRUDER)),
        Case("semantic-resource", lambda m: m.recall("a1", resource_id=INTRUDER, query_vector=unit(1))),
        Case(
            "semantic-thread",
            lambda m: m.recall("a1", resource_id=INTRUDER, query_vector=unit(2), scope="thread"),
        ),
    ],
    "clone_thread": Exempt("resource_id names the clone's owner (Mastra semantics), not the caller"),
    "list_threads": Exempt("no thread argument: resource_id filters the listing"),
    "get_resource_by_id": Exempt("resource_id is the resource itself; no thread involved"),
    "update_resource": Exempt("resource_id is the resource itself; no thread involved"),
}

CASES = [
    pytest.param(method, case, id=f"{method}-{case.name}")
    for method, cases in TABLE.items()
    if isinstance(cases, list)
    for case in cases
]


def _public_methods_with_resource_id() -> set[str]:
    return {
        name
        for name, fn in inspect.getmembers(MemoryRepository, inspect.isfunction)
        if not name.startswith("_") and "resource_id" in inspect.signature(fn).parameters
    }


def test_table_covers_every_public_method_with_resource_id() -> None:
    """A new public method taking ``resource_id`` fails here until it gets an entry."""
    methods = _public_methods_with_resource_id()
    assert methods - TABLE.keys() == set(), "add these methods to TABLE"
    assert TABLE.keys() - methods == set(), "TABLE names methods that no longer take resource_id"
    # Every method that takes a thread id and resource_id as an access check has real cases.
    for name in methods:
        params = inspect.signature(getattr(MemoryRepository, name)).parameters
        if "thread_id" in params:
            assert isinstance(TABLE[name], list), name
            assert TABLE[name], name


# --- the dump -------------------------------------------------------------------------------------


def _dump(storage: Storage) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the memory tables and of the memory vector index, in a stable order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    engine = storage.engine_for("memory")
    with engine.connect() as conn:
        for model in (Thread, Message, Resource):
            name = model.__tablename__
            # SELECT *: every physical column, PostgreSQL's timestamp shadow columns included.
            rows = conn.execute(sa.text(f"SELECT * FROM {name} ORDER BY id")).all()
            out[name] = [tuple(r) for r in rows]
    vectors = storage.vectors
    for index in sorted(vectors.list_indexes()):
        table = vectors.index_table(index)
        with storage.engine_for("vector").connect() as conn:
            rows = conn.execute(sa.select(table).order_by(table.c.vector_id)).all()
        out[f"vector:{index}"] = [tuple(str(v) for v in r) for r in rows]
    return out


@pytest.mark.parametrize(("method", "case"), CASES)
def test_mismatching_owner_raises_and_changes_nothing(storage_mod: Storage, method: str, case: Case) -> None:
    memory = storage_mod.memory
    before = _dump(storage_mod)
    assert before["mastra_threads"]
    assert before[f"vector:{memory_index_name(DIM)}"]
    with pytest.raises(OwnershipError) as info:
        case.call(memory)
    expected = (
        f"Thread with id {case.thread_id} is for resource with id {case.owner} "
        f"but resource {INTRUDER} was queried."
    )
    assert str(info.value) == expected
    assert info.value.message == expected
    assert info.value.details == {
        "threadId": case.thread_id,
        "resourceId": INTRUDER,
        "ownerResourceId": case.owner,
    }
    assert _dump(storage_mod) == before


@pytest.mark.parametrize(("method", "case"), CASES)
def test_matching_owner_is_allowed(storage_mod: Storage, method: str, case: Case) -> None:
    """Control: the same call as the owner does not raise (so the cases test ownership, not a typo).

    Mutating calls are run against a throwaway copy thread to keep the shared database intact.
    """
    memory = storage_mod.memory
    if method in ("update_thread", "delete_thread"):
        clone = memory.clone_thread(case.thread_id, new_thread_id=f"tmp-{uuid.uuid4().hex[:8]}")
        tid = clone.thread.id
        if method == "update_thread":
            memory.update_thread(tid, title="ok", resource_id=case.owner)
        else:
            memory.delete_thread(tid, resource_id=case.owner)
            return
        memory.delete_thread(tid, resource_id=case.owner)
        return
    as_owner = _as_owner(case)
    as_owner(memory)


def _as_owner(case: Case) -> Callable[[MemoryRepository], object]:
    """The case's call with every ``resource_id=INTRUDER`` replaced by the thread owner."""

    class Proxy:
        def __init__(self, inner: MemoryRepository) -> None:
            self._inner = inner

        def __getattr__(self, name: str) -> Any:
            fn = getattr(self._inner, name)

            def call(*args: Any, **kwargs: Any) -> Any:
                if kwargs.get("resource_id") == INTRUDER:
                    kwargs["resource_id"] = case.owner
                if args and args[0] == "m1":  # the intruder's own thread: ask for the owner's instead
                    args = ("a2", *args[1:])
                if args and isinstance(args[0], list):
                    args = (["a1" if t == "m1" else t for t in args[0]], *args[1:])
                return fn(*args, **kwargs)

            return call

    return lambda memory: case.call(Proxy(memory))  # type: ignore[arg-type]
