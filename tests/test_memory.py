"""Behaviour suite of the memory domain (``storage.memory``), on libSQL and PostgreSQL.

Ports Mastra's shared storage conformance tests (``reference/mastra-storage-spec.md`` §6.2 to §6.5 and the
``cloneThread`` cases) to the snake_case API of DESIGN §4, plus DESIGN's ownership rule and the bad-input
cases of the issue. Where Mastra beta.13 and later releases differ, the test follows what
``MemoryRepository``'s docstrings document (``update_thread`` bumps ``updated_at``, ties on ``createdAt``
are ordered by id, database errors raise).

Every test gets a fresh, empty, migrated database. Times are explicit (``at(...)``) rather than slept for.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from mastra_data import (
    ConflictError,
    MastraDataError,
    NotFoundError,
    OwnershipError,
    Storage,
    ValidationError,
)
from mastra_data.memory.models import (
    CloneResult,
    MessageRead,
    MessagesPage,
    ResourceRead,
    ThreadRead,
    ThreadsPage,
)
from mastra_data.memory.repository import MemoryRepository

BASE = datetime(2024, 1, 1, tzinfo=UTC)
"""All fixture times hang off this instant, far in the past so that "now" is always later."""

THREAD_ID_ERROR = "threadId must be a non-empty string or array of non-empty strings"
RESOURCE_ID_ERROR = (
    "Expected to find a resourceId for message, but couldn't find one. An unexpected error has occurred."
)


# --- fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture
def memory(db_url: str) -> Iterator[MemoryRepository]:
    """The memory repository on a fresh, migrated database of the current backend."""
    storage = Storage.from_url(db_url)
    try:
        storage.migrate()
        yield storage.memory
    finally:
        storage.close()


@pytest.fixture
def local_time_zone() -> Iterator[None]:
    """Run the test with a non-UTC local zone, so that "naive means UTC" is not an accident."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


def at(seconds: float = 0, *, ms: int = 0, days: int = 0) -> datetime:
    """``BASE`` shifted by the given amount."""
    return BASE + timedelta(days=days, seconds=seconds, milliseconds=ms)


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def thread_data(
    thread_id: str | None = None,
    resource_id: str | None = None,
    *,
    title: str = "Test Thread",
    metadata: dict[str, Any] | None = None,
    created_at: datetime = BASE,
    updated_at: datetime | None = None,
) -> dict[str, Any]:
    """Mastra's ``createSampleThread`` (explicit times instead of "now")."""
    return {
        "id": thread_id or uid("thread"),
        "resource_id": resource_id or uid("resource"),
        "title": title,
        "metadata": {"key": "value"} if metadata is None else metadata,
        "created_at": created_at,
        "updated_at": updated_at or created_at,
    }


def message_data(
    thread_id: str,
    resource_id: str,
    text: str,
    *,
    created_at: datetime,
    message_id: str | None = None,
    role: str = "user",
    **content: Any,
) -> dict[str, Any]:
    """Mastra's ``createSampleMessageV2``: v2 content with one text part."""
    return {
        "id": message_id or uid("msg"),
        "thread_id": thread_id,
        "resource_id": resource_id,
        "role": role,
        "created_at": created_at,
        "content": {"format": 2, "parts": [{"type": "text", "text": text}], "content": text, **content},
    }


def make_thread(memory: MemoryRepository, thread_id: str | None = None, **kwargs: Any) -> ThreadRead:
    return memory.save_thread(thread_data(thread_id, **kwargs))


def text_of(message: MessageRead) -> str:
    assert isinstance(message.content, dict), message.content
    return str(message.content["content"])


def texts(messages: Sequence[MessageRead]) -> list[str]:
    return [text_of(m) for m in messages]


def ids(items: Sequence[ThreadRead] | Sequence[MessageRead]) -> list[str]:
    return [item.id for item in items]


def save_texts(
    memory: MemoryRepository,
    thread: ThreadRead,
    labels: Sequence[str],
    *,
    start: datetime = BASE,
    step: timedelta = timedelta(seconds=1),
) -> list[MessageRead]:
    """Save one message per label, ``step`` apart from ``start + step``, in ``thread``."""
    return memory.save_messages(
        [
            message_data(thread.id, thread.resource_id, label, created_at=start + step * (i + 1))
            for i, label in enumerate(labels)
        ]
    )


def snapshot(memory: MemoryRepository, *thread_ids: str) -> list[Any]:
    """Everything a thread is (row and messages), to compare before and after a refused call."""
    state: list[Any] = []
    for thread_id in thread_ids:
        thread = memory.get_thread_by_id(thread_id)
        state.append(None if thread is None else thread.model_dump())
        state.append([m.model_dump() for m in memory.list_messages(thread_id, per_page=False).messages])
    return state


def assert_page(
    page: ThreadsPage | MessagesPage, *, total: int, page_no: int, per_page: int | bool, has_more: bool
) -> None:
    assert (page.total, page.page, page.per_page, page.has_more) == (total, page_no, per_page, has_more)


# --- threads (§6.2) -------------------------------------------------------------------------------


class TestThreads:
    def test_save_returns_the_thread_and_get_reads_it_back(self, memory: MemoryRepository) -> None:
        data = thread_data(created_at=at(ms=123), updated_at=at(5, ms=456))
        saved = memory.save_thread(data)
        assert isinstance(saved, ThreadRead)
        assert saved.model_dump() == data

        got = memory.get_thread_by_id(data["id"])
        assert got is not None
        assert got.model_dump() == data
        assert got.created_at.tzinfo is not None
        assert got.created_at.utcoffset() == timedelta(0)

    def test_save_accepts_a_model_and_camel_case_keys(self, memory: MemoryRepository) -> None:
        model = ThreadRead(id="t-model", resource_id="r", title="m", created_at=BASE, updated_at=BASE)
        assert memory.save_thread(model) == model
        camel = {"id": "t-camel", "resourceId": "r", "title": "c", "createdAt": BASE, "updatedAt": at(1)}
        memory.save_thread(camel)
        got = memory.get_thread_by_id("t-camel")
        assert got is not None
        assert (got.resource_id, got.title, got.created_at, got.updated_at) == ("r", "c", BASE, at(1))

    def test_given_numeric_string_ids_round_trip_exactly(self, memory: MemoryRepository) -> None:
        thread_id, resource_id = "1346362547862769664", "532374164040974346"
        when = datetime(2025, 3, 4, 5, 6, 7, 891000, tzinfo=UTC)
        memory.save_thread(thread_data(thread_id, resource_id, created_at=when))
        got = memory.get_thread_by_id(thread_id)
        assert got is not None
        assert (got.id, got.resource_id) == (thread_id, resource_id)
        assert got.created_at == got.updated_at == when
        assert got.model_dump(mode="json", by_alias=True)["createdAt"] == "2025-03-04T05:06:07.891Z"

    def test_missing_thread_is_none(self, memory: MemoryRepository) -> None:
        assert memory.get_thread_by_id("non-existent") is None

    def test_list_threads_by_resource(self, memory: MemoryRepository) -> None:
        a = make_thread(memory, resource_id="r1", created_at=at(1))
        b = make_thread(memory, resource_id="r1", created_at=at(2))
        make_thread(memory, resource_id="r2")
        page = memory.list_threads(resource_id="r1", page=0, per_page=10)
        assert sorted(ids(page.threads)) == sorted([a.id, b.id])
        assert_page(page, total=2, page_no=0, per_page=10, has_more=False)

    def test_save_thread_replaces_an_existing_thread(self, memory: MemoryRepository) -> None:
        make_thread(memory, "t1", resource_id="r1", metadata={"a": 1}, title="first")
        memory.save_thread(thread_data("t1", "r2", metadata={"b": 2}, title="second", created_at=at(9)))
        got = memory.get_thread_by_id("t1")
        assert got is not None
        assert (got.resource_id, got.title, got.metadata, got.created_at) == ("r2", "second", {"b": 2}, at(9))
        assert memory.list_threads().total == 1

    def test_update_thread_title_and_metadata(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory, metadata={"key": "value"})
        updated = memory.update_thread(thread.id, title="Updated Title", metadata={"newKey": "newValue"})
        assert updated.title == "Updated Title"
        assert updated.metadata == {"key": "value", "newKey": "newValue"}
        assert updated.created_at == thread.created_at
        assert memory.get_thread_by_id(thread.id) == updated

    def test_update_thread_bumps_updated_at(self, memory: MemoryRepository) -> None:
        """Documented deviation from Mastra's libSQL store (which keeps the old ``updatedAt``)."""
        thread = make_thread(memory, created_at=at(0), updated_at=at(1))
        before = datetime.now(UTC) - timedelta(seconds=1)
        updated = memory.update_thread(thread.id, title="x")
        assert updated.updated_at > before > thread.updated_at
        got = memory.get_thread_by_id(thread.id)
        assert got is not None
        assert got.updated_at == updated.updated_at

    def test_update_thread_merges_metadata_shallowly_and_keeps_an_omitted_title(
        self, memory: MemoryRepository
    ) -> None:
        thread = make_thread(memory, title="Keep", metadata={"a": 1, "nested": {"x": 1, "y": 2}})
        updated = memory.update_thread(thread.id, metadata={"nested": {"z": 3}, "b": None})
        assert updated.title == "Keep"
        assert updated.metadata == {"a": 1, "nested": {"z": 3}, "b": None}
        got = memory.get_thread_by_id(thread.id)
        assert got is not None
        assert got.metadata == updated.metadata

    def test_update_missing_thread_is_not_found(self, memory: MemoryRepository) -> None:
        with pytest.raises(NotFoundError) as info:
            memory.update_thread("nope", title="x")
        assert info.value.id.startswith("MASTRA_STORAGE_")
        assert info.value.id.endswith("_UPDATE_THREAD_NOT_FOUND")
        assert info.value.category == "USER"
        assert info.value.details == {"status": 404, "threadId": "nope"}
        assert str(info.value) == "Thread nope not found"
        assert memory.get_thread_by_id("nope") is None

    def test_timestamps_agree_between_get_list_and_update(self, memory: MemoryRepository) -> None:
        """Mastra issue #11496."""
        thread = make_thread(memory, resource_id="r", created_at=at(ms=1), updated_at=at(ms=2))
        updated = memory.update_thread(thread.id, title="Updated", metadata={"k": 1})
        got = memory.get_thread_by_id(thread.id)
        (listed,) = memory.list_threads(resource_id="r").threads
        assert got is not None
        for other in (got, listed):
            assert other.created_at == updated.created_at == at(ms=1)
            assert other.updated_at == updated.updated_at
            assert other.model_dump(mode="json") == updated.model_dump(mode="json")

    def test_delete_thread(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        other = make_thread(memory, resource_id=thread.resource_id)
        memory.delete_thread(thread.id)
        assert memory.get_thread_by_id(thread.id) is None
        assert memory.get_thread_by_id(other.id) == other

    def test_delete_thread_deletes_its_messages_only(self, memory: MemoryRepository) -> None:
        thread, other = make_thread(memory), make_thread(memory)
        saved = save_texts(memory, thread, ["a", "b", "c"])
        kept = save_texts(memory, other, ["d"])
        memory.delete_thread(thread.id)
        assert memory.list_messages(thread.id).total == 0
        assert memory.list_messages_by_id(ids(saved)) == []
        assert ids(memory.list_messages(other.id).messages) == ids(kept)

    def test_delete_missing_thread_is_a_no_op(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        memory.delete_thread("does-not-exist")
        assert memory.get_thread_by_id(thread.id) == thread

    def test_saving_a_message_bumps_the_thread_updated_at(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory, created_at=at(0))
        save_texts(memory, thread, ["hi"])
        got = memory.get_thread_by_id(thread.id)
        assert got is not None
        assert got.updated_at > thread.updated_at
        assert got.created_at == thread.created_at

    def test_stringified_json_content_is_not_double_nested(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        stringified = '{"userInput":"test data","metadata":{"key":"value"}}'
        (saved,) = memory.save_messages(
            [message_data(thread.id, thread.resource_id, stringified, created_at=at(1))]
        )
        (got,) = memory.list_messages(thread.id).messages
        assert isinstance(got.content, dict)
        assert got.content["content"] == stringified
        assert got.content["format"] == 2
        assert isinstance(got.content["parts"], list)
        assert got.content == saved.content

    def test_paginated_threads_with_total(self, memory: MemoryRepository) -> None:
        for i in range(17):
            make_thread(memory, resource_id="r", created_at=at(i))
        first = memory.list_threads(resource_id="r", page=0, per_page=7)
        assert len(first.threads) == 7
        assert_page(first, total=17, page_no=0, per_page=7, has_more=True)
        last = memory.list_threads(resource_id="r", page=2, per_page=7)
        assert len(last.threads) == 3
        assert_page(last, total=17, page_no=2, per_page=7, has_more=False)
        beyond = memory.list_threads(resource_id="r", page=3, per_page=7)
        assert beyond.threads == []
        assert_page(beyond, total=17, page_no=3, per_page=7, has_more=False)

    def test_list_threads_defaults(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        page = memory.list_threads(resource_id=thread.resource_id)
        assert page.threads == [thread]
        assert_page(page, total=1, page_no=0, per_page=100, has_more=False)
        dumped = page.model_dump(by_alias=True)
        assert set(dumped) == {"threads", "total", "page", "perPage", "hasMore"}

    def test_large_metadata_round_trips(self, memory: MemoryRepository) -> None:
        metadata = {
            "items": [{"id": i, "name": f"item {i}", "tags": ["a", "b"], "score": i / 3} for i in range(10)],
            "nested": {"deep": {"deeper": {"deepest": [None, True, False, 0, -1.5]}}},
        }
        thread = make_thread(memory, metadata=metadata)
        got = memory.get_thread_by_id(thread.id)
        assert got is not None
        assert got.metadata == metadata

    def test_special_characters_in_titles_round_trip(self, memory: MemoryRepository) -> None:
        title = (
            'It\'s a "quoted" title; DROP TABLE mastra_threads; -- \\ % _ \U0001f600\U0001f680 \u00e9\u4e2d'
        )
        thread = make_thread(memory, title=title)
        got = memory.get_thread_by_id(thread.id)
        assert got is not None
        assert got.title == title

    def test_concurrent_updates_all_succeed(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory, metadata={})

        def update(i: int) -> ThreadRead:
            return memory.update_thread(thread.id, title=f"Title {i}", metadata={f"k{i}": i})

        with ThreadPoolExecutor(max_workers=5) as pool:
            results = list(pool.map(update, range(5)))
        assert [r.title for r in results] == [f"Title {i}" for i in range(5)]
        got = memory.get_thread_by_id(thread.id)
        assert got is not None
        assert got.title in {f"Title {i}" for i in range(5)}


class TestThreadSorting:
    """5 threads: createdAt +0…+4 s, updatedAt +5, +1, +4, +2, +3 s."""

    UPDATED = (5, 1, 4, 2, 3)

    @pytest.fixture
    def sorted_threads(self, memory: MemoryRepository) -> str:
        for i, updated in enumerate(self.UPDATED):
            make_thread(memory, f"thread-{i}", resource_id="sort-r", created_at=at(i), updated_at=at(updated))
        return "sort-r"

    @pytest.mark.parametrize(
        ("order", "expected"),
        [
            (None, [4, 3, 2, 1, 0]),
            ({"field": "createdAt", "direction": "ASC"}, [0, 1, 2, 3, 4]),
            ({"field": "createdAt", "direction": "DESC"}, [4, 3, 2, 1, 0]),
            ({"field": "updatedAt", "direction": "ASC"}, [1, 3, 4, 2, 0]),
            ({"field": "updatedAt", "direction": "DESC"}, [0, 2, 4, 3, 1]),
            ({"field": "createdAt"}, [4, 3, 2, 1, 0]),
            ({"field": "updatedAt"}, [0, 2, 4, 3, 1]),
            ({"direction": "ASC"}, [0, 1, 2, 3, 4]),
            ({"direction": "DESC"}, [4, 3, 2, 1, 0]),
        ],
    )
    def test_order(
        self, memory: MemoryRepository, sorted_threads: str, order: dict[str, str] | None, expected: list[int]
    ) -> None:
        page = memory.list_threads(resource_id=sorted_threads, order_by=order)
        assert ids(page.threads) == [f"thread-{i}" for i in expected]

    def test_default_order_with_a_small_page(self, memory: MemoryRepository, sorted_threads: str) -> None:
        page = memory.list_threads(resource_id=sorted_threads, per_page=3)
        assert ids(page.threads) == ["thread-4", "thread-3", "thread-2"]
        assert_page(page, total=5, page_no=0, per_page=3, has_more=True)

    def test_order_is_consistent_across_pages(self, memory: MemoryRepository, sorted_threads: str) -> None:
        order = {"field": "updatedAt", "direction": "DESC"}
        paged = [
            t.id
            for n in range(3)
            for t in memory.list_threads(
                resource_id=sorted_threads, page=n, per_page=2, order_by=order
            ).threads
        ]
        whole = memory.list_threads(resource_id=sorted_threads, per_page=10, order_by=order)
        assert paged == ids(whole.threads)
        assert len(set(paged)) == 5

    def test_empty_result_with_sorting(self, memory: MemoryRepository) -> None:
        page = memory.list_threads(
            resource_id="nobody", per_page=10, order_by={"field": "updatedAt", "direction": "ASC"}
        )
        assert page.threads == []
        assert_page(page, total=0, page_no=0, per_page=10, has_more=False)

    def test_single_thread_with_sorting(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory, resource_id="solo")
        page = memory.list_threads(resource_id="solo", order_by={"field": "createdAt", "direction": "ASC"})
        assert page.threads == [thread]
        assert page.has_more is False

    def test_identical_timestamps_all_come_back_and_page_stably(self, memory: MemoryRepository) -> None:
        for name in ("t-b", "t-c", "t-a"):
            make_thread(memory, name, resource_id="same", created_at=at(7), updated_at=at(7))
        whole = memory.list_threads(resource_id="same")
        assert sorted(ids(whole.threads)) == ["t-a", "t-b", "t-c"]
        for order in (None, {"direction": "ASC"}, {"field": "updatedAt"}):
            paged = [
                t.id
                for n in range(3)
                for t in memory.list_threads(resource_id="same", page=n, per_page=1, order_by=order).threads
            ]
            assert sorted(paged) == ["t-a", "t-b", "t-c"]

    def test_sorting_combined_with_filters(self, memory: MemoryRepository) -> None:
        specs = [
            ("s1", "support", "high", 0, 10),
            ("s2", "support", "low", 1, 5),
            ("x1", "sales", "high", 2, 7),
        ]
        for name, category, priority, created, updated in specs:
            make_thread(
                memory,
                name,
                resource_id="filter-r",
                metadata={"category": category, "priority": priority},
                created_at=at(created),
                updated_at=at(updated),
            )
        make_thread(memory, "elsewhere", resource_id="other-r", metadata={"category": "support"})

        by_resource = memory.list_threads(resource_id="filter-r")
        assert ids(by_resource.threads) == ["x1", "s2", "s1"]
        asc = memory.list_threads(resource_id="filter-r", order_by={"direction": "ASC"})
        assert ids(asc.threads) == ["s1", "s2", "x1"]
        support = memory.list_threads(
            resource_id="filter-r",
            metadata={"category": "support"},
            order_by={"field": "updatedAt", "direction": "DESC"},
        )
        assert ids(support.threads) == ["s1", "s2"]


class TestListThreadsFiltering:
    @pytest.fixture(autouse=True)
    def four_threads(self, memory: MemoryRepository) -> None:
        specs: list[tuple[str, str, dict[str, Any]]] = [
            ("t1", "r1", {"category": "support-filter", "priority": "high", "status": "open"}),
            ("t2", "r1", {"category": "support-filter", "priority": "low", "status": "closed"}),
            ("t3", "r2", {"category": "sales-filter", "priority": "high", "status": "open"}),
            ("t4", "r2", {"category": "sales-filter", "priority": "medium"}),
        ]
        for i, (thread_id, resource_id, metadata) in enumerate(specs):
            make_thread(memory, thread_id, resource_id=resource_id, metadata=metadata, created_at=at(i))

    @pytest.mark.parametrize(
        ("resource_id", "metadata", "expected"),
        [
            ("r1", None, {"t1", "t2"}),
            (None, {"category": "support-filter"}, {"t1", "t2"}),
            (None, {"category": "support-filter", "priority": "high"}, {"t1"}),
            ("r2", {"category": "sales-filter", "priority": "high"}, {"t3"}),
            (None, None, {"t1", "t2", "t3", "t4"}),
            (None, {}, {"t1", "t2", "t3", "t4"}),
            (None, {"category": "nonexistent"}, set()),
            ("nonexistent-resource", None, set()),
            (None, {"category": "support-filter", "priority": "high", "status": "nonexistent"}, set()),
            (None, {"status": "open"}, {"t1", "t3"}),
            ("r1", {"status": "open"}, {"t1"}),
        ],
    )
    def test_filter(
        self,
        memory: MemoryRepository,
        resource_id: str | None,
        metadata: dict[str, Any] | None,
        expected: set[str],
    ) -> None:
        page = memory.list_threads(resource_id=resource_id, metadata=metadata)
        assert set(ids(page.threads)) == expected
        assert page.total == len(expected)
        assert page.has_more is False

    def test_filtered_pagination(self, memory: MemoryRepository) -> None:
        first = memory.list_threads(resource_id="r1", page=0, per_page=1)
        second = memory.list_threads(resource_id="r1", page=1, per_page=1)
        assert_page(first, total=2, page_no=0, per_page=1, has_more=True)
        assert_page(second, total=2, page_no=1, per_page=1, has_more=False)
        assert len(first.threads) == len(second.threads) == 1
        assert first.threads[0].id != second.threads[0].id

    def test_per_page_false_returns_all(self, memory: MemoryRepository) -> None:
        page = memory.list_threads(resource_id="r1", per_page=False)
        assert sorted(ids(page.threads)) == ["t1", "t2"]
        assert_page(page, total=2, page_no=0, per_page=False, has_more=False)
        assert page.model_dump(by_alias=True)["perPage"] is False

    def test_per_page_zero_returns_no_threads_but_the_total(self, memory: MemoryRepository) -> None:
        """Undocumented; Mastra's ``hasMore = offset + perPage < total`` makes it true."""
        page = memory.list_threads(per_page=0)
        assert page.threads == []
        assert_page(page, total=4, page_no=0, per_page=0, has_more=True)

    def test_timestamps_agree_after_an_update(self, memory: MemoryRepository) -> None:
        updated = memory.update_thread("t1", title="new", metadata={"status": "closed"})
        (listed,) = memory.list_threads(resource_id="r1", metadata={"priority": "high"}).threads
        got = memory.get_thread_by_id("t1")
        assert listed == got == updated
        closed = memory.list_threads(resource_id="r1", metadata={"status": "closed"})
        assert sorted(ids(closed.threads)) == ["t1", "t2"]


class TestMetadataFilterSemantics:
    """Type-strict equality on both backends; ``None`` matches a missing key or an explicit null."""

    VALUES: dict[str, Any] = {
        "int-1": 1,
        "str-1": "1",
        "true": True,
        "int-0": 0,
        "false": False,
        "str-true": "true",
        "null": None,
        "float": 2.5,
        "list": [1],
        "object": {"a": 1},
        "empty-str": "",
    }

    @pytest.fixture(autouse=True)
    def typed_threads(self, memory: MemoryRepository) -> None:
        for name, value in self.VALUES.items():
            make_thread(memory, name, resource_id="typed", metadata={"n": value, "other": "x"})
        make_thread(memory, "missing", resource_id="typed", metadata={"other": "x"})
        make_thread(memory, "no-metadata", resource_id="typed", metadata={})

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (1, {"int-1"}),
            ("1", {"str-1"}),
            (True, {"true"}),
            (0, {"int-0"}),
            (False, {"false"}),
            ("true", {"str-true"}),
            (2.5, {"float"}),
            ("", {"empty-str"}),
            (None, {"null", "missing", "no-metadata"}),
            (2, set()),
        ],
    )
    def test_equality_is_type_strict(self, memory: MemoryRepository, value: Any, expected: set[str]) -> None:
        page = memory.list_threads(resource_id="typed", metadata={"n": value})
        assert set(ids(page.threads)) == expected
        assert page.total == len(expected)

    def test_keys_are_anded(self, memory: MemoryRepository) -> None:
        assert ids(memory.list_threads(metadata={"n": 1, "other": "x"}).threads) == ["int-1"]
        assert memory.list_threads(metadata={"n": 1, "other": "y"}).threads == []

    def test_non_ascii_values_match(self, memory: MemoryRepository) -> None:
        make_thread(memory, "zurich", metadata={"city": "Z\u00fcrich \u6771\u4eac \U0001f600"})
        page = memory.list_threads(metadata={"city": "Z\u00fcrich \u6771\u4eac \U0001f600"})
        assert ids(page.threads) == ["zurich"]
        assert memory.list_threads(metadata={"city": "Zurich"}).threads == []


# --- listMessages (§6.3) --------------------------------------------------------------------------


@dataclass
class Conversation:
    thread: ThreadRead
    thread2: ThreadRead
    messages: list[MessageRead]  # "Message 1" … "Message 5" in thread, at +1…+5 s
    other: MessageRead  # "Thread2 Message 1" in thread2, at +6 s

    def by_text(self, text: str) -> MessageRead:
        return next(m for m in [*self.messages, self.other] if text_of(m) == text)


@pytest.fixture
def conversation(memory: MemoryRepository) -> Conversation:
    thread = make_thread(memory, resource_id="conv-r")
    thread2 = make_thread(memory, resource_id="conv-r")
    messages = save_texts(memory, thread, [f"Message {i}" for i in range(1, 6)])
    (other,) = memory.save_messages(
        [message_data(thread2.id, thread2.resource_id, "Thread2 Message 1", created_at=at(6))]
    )
    return Conversation(thread, thread2, messages, other)


MESSAGES_1_TO_5 = [f"Message {i}" for i in range(1, 6)]


class TestListMessages:
    def test_all_messages_of_a_thread(self, memory: MemoryRepository, conversation: Conversation) -> None:
        page = memory.list_messages(conversation.thread.id)
        assert texts(page.messages) == MESSAGES_1_TO_5
        assert_page(page, total=5, page_no=0, per_page=40, has_more=False)
        assert all(isinstance(m, MessageRead) and m.type == "v2" for m in page.messages)
        assert all(m.thread_id == conversation.thread.id for m in page.messages)
        assert page.messages == conversation.messages

    def test_messages_round_trip_with_mastra_json_keys(
        self, memory: MemoryRepository, conversation: Conversation
    ) -> None:
        first = memory.list_messages(conversation.thread.id).messages[0]
        dumped = first.model_dump(by_alias=True, mode="json")
        assert dumped["threadId"] == conversation.thread.id
        assert dumped["resourceId"] == "conv-r"
        assert dumped["createdAt"] == "2024-01-01T00:00:01.000Z"
        assert dumped["content"]["parts"] == [{"type": "text", "text": "Message 1"}]

    def test_parts_are_stored_verbatim(self, memory: MemoryRepository) -> None:
        """Token estimates (and anything else in parts) survive a save and reload."""
        thread = make_thread(memory)
        parts = [
            {"type": "step-start"},
            {"type": "text", "text": "hi", "providerMetadata": {"mastra": {"tokenEstimate": 42}}},
            {
                "type": "tool-invocation",
                "toolInvocation": {"state": "result", "toolCallId": "c1", "result": 1},
            },
        ]
        message = message_data(thread.id, thread.resource_id, "hi", created_at=at(1))
        message["content"] = {"format": 2, "parts": parts, "metadata": {"a": [1, None]}}
        memory.save_messages([message])
        (got,) = memory.list_messages(thread.id).messages
        assert got.content == {"format": 2, "parts": parts, "metadata": {"a": [1, None]}}

    def test_pagination(self, memory: MemoryRepository, conversation: Conversation) -> None:
        pages = [memory.list_messages(conversation.thread.id, page=n, per_page=2) for n in range(3)]
        assert [texts(p.messages) for p in pages] == [
            ["Message 1", "Message 2"],
            ["Message 3", "Message 4"],
            ["Message 5"],
        ]
        for n, (page, more) in enumerate(zip(pages, (True, True, False), strict=True)):
            assert_page(page, total=5, page_no=n, per_page=2, has_more=more)

    def test_filter_by_resource_id(self, memory: MemoryRepository, conversation: Conversation) -> None:
        memory.save_messages(
            [message_data(conversation.thread.id, "different-resource", "foreign", created_at=at(10))]
        )
        page = memory.list_messages(conversation.thread.id, resource_id="conv-r")
        assert page.total == 5
        assert texts(page.messages) == MESSAGES_1_TO_5
        assert all(m.resource_id == "conv-r" for m in page.messages)
        assert memory.list_messages(conversation.thread.id).total == 6

    def test_filter_by_date_range(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        now = at(days=10)
        yesterday, two_days_ago = now - timedelta(days=1), now - timedelta(days=2)
        memory.save_messages(
            [
                message_data(thread.id, thread.resource_id, label, created_at=when)
                for label, when in (("old", two_days_ago), ("yesterday", yesterday), ("now", now))
            ]
        )
        page = memory.list_messages(thread.id, date_range={"start": yesterday})
        assert page.total == 2
        assert texts(page.messages) == ["yesterday", "now"]

    def test_multiple_threads(self, memory: MemoryRepository, conversation: Conversation) -> None:
        page = memory.list_messages([conversation.thread.id, conversation.thread2.id])
        assert texts(page.messages) == [*MESSAGES_1_TO_5, "Thread2 Message 1"]
        assert page.total == 6

    @pytest.mark.parametrize("direction", [None, "ASC", "DESC"])
    def test_order(self, memory: MemoryRepository, conversation: Conversation, direction: str | None) -> None:
        order = None if direction is None else {"field": "createdAt", "direction": direction}
        page = memory.list_messages(conversation.thread.id, order_by=order)
        stamps = [m.created_at for m in page.messages]
        expected = sorted(stamps, reverse=direction == "DESC")
        assert stamps == expected
        assert texts(page.messages) == (MESSAGES_1_TO_5[::-1] if direction == "DESC" else MESSAGES_1_TO_5)

    def test_order_by_updated_at_is_not_an_empty_page(
        self, memory: MemoryRepository, conversation: Conversation
    ) -> None:
        """Messages have no ``updatedAt``; Mastra's query fails and is swallowed into ``[]``. Not here."""
        page = memory.list_messages(conversation.thread.id, order_by={"field": "updatedAt"})
        assert page.total == 5
        assert len(page.messages) == 5

    def test_ties_on_created_at_are_ordered_by_id(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        memory.save_messages(
            [
                message_data(thread.id, thread.resource_id, name, created_at=at(3), message_id=name)
                for name in ("m-b", "m-c", "m-a")
            ]
            + [message_data(thread.id, thread.resource_id, "m-0", created_at=at(1), message_id="m-0")]
        )
        assert ids(memory.list_messages(thread.id).messages) == ["m-0", "m-a", "m-b", "m-c"]
        desc = {"direction": "DESC"}
        assert ids(memory.list_messages(thread.id, order_by=desc).messages) == ["m-c", "m-b", "m-a", "m-0"]
        paged = [m.id for n in range(4) for m in memory.list_messages(thread.id, page=n, per_page=1).messages]
        assert paged == ["m-0", "m-a", "m-b", "m-c"]

    def test_empty_thread(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        page = memory.list_messages(thread.id)
        assert page.messages == []
        assert_page(page, total=0, page_no=0, per_page=40, has_more=False)

    def test_pagination_with_date_range(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        memory.save_messages(
            [message_data(thread.id, thread.resource_id, f"M{i}", created_at=at(i)) for i in range(10)]
        )
        page = memory.list_messages(thread.id, date_range={"start": at(5)}, per_page=3)
        assert texts(page.messages) == ["M5", "M6", "M7"]
        assert_page(page, total=5, page_no=0, per_page=3, has_more=True)
        assert all(m.created_at >= at(5) for m in page.messages)


class TestInclude:
    def test_previous_context(self, memory: MemoryRepository, conversation: Conversation) -> None:
        target = conversation.by_text("Message 3")
        page = memory.list_messages(
            conversation.thread.id, include=[{"id": target.id, "with_previous_messages": 2}]
        )
        assert texts(page.messages) == MESSAGES_1_TO_5
        only = memory.list_messages(
            conversation.thread.id, per_page=0, include=[{"id": target.id, "with_previous_messages": 2}]
        )
        assert texts(only.messages) == ["Message 1", "Message 2", "Message 3"]

    def test_next_context(self, memory: MemoryRepository, conversation: Conversation) -> None:
        target = conversation.by_text("Message 2")
        page = memory.list_messages(
            conversation.thread.id, include=[{"id": target.id, "with_next_messages": 2}]
        )
        assert texts(page.messages) == MESSAGES_1_TO_5
        only = memory.list_messages(
            conversation.thread.id, per_page=0, include=[{"id": target.id, "with_next_messages": 2}]
        )
        assert texts(only.messages) == ["Message 2", "Message 3", "Message 4"]

    def test_both_directions(self, memory: MemoryRepository, conversation: Conversation) -> None:
        item = {
            "id": conversation.by_text("Message 3").id,
            "with_previous_messages": 1,
            "with_next_messages": 1,
        }
        assert texts(memory.list_messages(conversation.thread.id, include=[item]).messages) == MESSAGES_1_TO_5
        only = memory.list_messages(conversation.thread.id, per_page=0, include=[item])
        assert texts(only.messages) == ["Message 2", "Message 3", "Message 4"]

    def test_camel_case_include_keys(self, memory: MemoryRepository, conversation: Conversation) -> None:
        item = {"id": conversation.by_text("Message 3").id, "withPreviousMessages": 1, "withNextMessages": 1}
        only = memory.list_messages(conversation.thread.id, per_page=0, include=[item])
        assert texts(only.messages) == ["Message 2", "Message 3", "Message 4"]

    def test_window_is_clamped_at_the_thread_edges(
        self, memory: MemoryRepository, conversation: Conversation
    ) -> None:
        item = {
            "id": conversation.by_text("Message 1").id,
            "with_previous_messages": 5,
            "with_next_messages": 1,
        }
        only = memory.list_messages(conversation.thread.id, per_page=0, include=[item])
        assert texts(only.messages) == ["Message 1", "Message 2"]

    def test_messages_from_another_thread(self, memory: MemoryRepository, conversation: Conversation) -> None:
        page = memory.list_messages(
            conversation.thread.id,
            include=[{"id": conversation.other.id, "with_previous_messages": 1, "with_next_messages": 1}],
        )
        assert texts(page.messages) == [*MESSAGES_1_TO_5, "Thread2 Message 1"]
        assert [m.thread_id for m in page.messages].count(conversation.thread2.id) == 1
        assert page.total == 5

    def test_include_thread_id_is_ignored(self, memory: MemoryRepository, conversation: Conversation) -> None:
        """The window comes from the target's own thread, whatever ``thread_id`` the item names."""
        item = {"id": conversation.other.id, "thread_id": conversation.thread.id, "with_previous_messages": 2}
        page = memory.list_messages(conversation.thread.id, include=[item])
        assert len(page.messages) == 6
        assert page.messages[-1].id == conversation.other.id

    def test_overlapping_windows_are_deduplicated(
        self, memory: MemoryRepository, conversation: Conversation
    ) -> None:
        include = [
            {
                "id": conversation.by_text("Message 2").id,
                "with_previous_messages": 1,
                "with_next_messages": 2,
            },
            {
                "id": conversation.by_text("Message 3").id,
                "with_previous_messages": 2,
                "with_next_messages": 2,
            },
        ]
        page = memory.list_messages(conversation.thread.id, include=include)
        assert texts(page.messages) == MESSAGES_1_TO_5
        only = memory.list_messages(conversation.thread.id, per_page=0, include=include)
        assert texts(only.messages) == MESSAGES_1_TO_5

    def test_non_existent_include_id_adds_nothing(
        self, memory: MemoryRepository, conversation: Conversation
    ) -> None:
        include = [{"id": "non-existent", "with_previous_messages": 2, "with_next_messages": 2}]
        assert (
            texts(memory.list_messages(conversation.thread.id, include=include).messages) == MESSAGES_1_TO_5
        )
        assert memory.list_messages(conversation.thread.id, per_page=0, include=include).messages == []

    def test_include_respects_pagination(self, memory: MemoryRepository, conversation: Conversation) -> None:
        include = [{"id": conversation.by_text("Message 1").id, "with_next_messages": 10}]
        page = memory.list_messages(
            conversation.thread.id, include=include, per_page=3, order_by={"direction": "ASC"}
        )
        assert texts(page.messages) == MESSAGES_1_TO_5
        assert_page(page, total=5, page_no=0, per_page=3, has_more=False)

    def test_page_plus_window_covering_the_rest_has_no_more(
        self, memory: MemoryRepository, conversation: Conversation
    ) -> None:
        """Appendix A: perPage 2 plus m4 ±1 gives m1…m5 and ``has_more`` false."""
        item = {
            "id": conversation.by_text("Message 4").id,
            "with_previous_messages": 1,
            "with_next_messages": 1,
        }
        page = memory.list_messages(conversation.thread.id, per_page=2, include=[item])
        assert texts(page.messages) == MESSAGES_1_TO_5
        assert page.has_more is False

    def test_per_page_and_include(self, memory: MemoryRepository, conversation: Conversation) -> None:
        item = {"id": conversation.by_text("Message 3").id, "with_previous_messages": 1}
        page = memory.list_messages(
            conversation.thread.id,
            per_page=2,
            order_by={"field": "createdAt", "direction": "ASC"},
            include=[item],
        )
        assert texts(page.messages) == ["Message 1", "Message 2", "Message 3"]
        assert page.total == 5
        assert page.has_more is True

    def test_last_messages_plus_cross_thread_include(self, memory: MemoryRepository) -> None:
        """ "Both last and include": the newest 2 of thread A plus E ±1 from another thread."""
        thread_a, thread_b = make_thread(memory, resource_id="r"), make_thread(memory, resource_id="r")
        save_texts(memory, thread_a, ["A", "B", "C"])
        other = save_texts(memory, thread_b, ["D", "E", "F"], start=at(10))
        page = memory.list_messages(
            thread_a.id,
            per_page=2,
            order_by={"field": "createdAt", "direction": "DESC"},
            include=[{"id": other[1].id, "with_previous_messages": 1, "with_next_messages": 1}],
        )
        assert texts(page.messages) == ["F", "E", "D", "C", "B"]
        assert page.total == 3

    def test_windows_across_three_threads(self, memory: MemoryRepository) -> None:
        threads = [make_thread(memory, resource_id="r") for _ in range(3)]
        msgs: list[MessageRead] = []
        for n, thread in enumerate(threads):
            msgs += save_texts(memory, thread, [f"t{n}-{i}" for i in range(3)], start=at(10 * n))
        page = memory.list_messages(
            threads[2].id,
            per_page=0,
            include=[
                {"id": msgs[1].id, "with_previous_messages": 2, "with_next_messages": 2},
                {"id": msgs[4].id, "with_previous_messages": 2, "with_next_messages": 2},
            ],
        )
        assert texts(page.messages) == ["t0-0", "t0-1", "t0-2", "t1-0", "t1-1", "t1-2"]

        forward = memory.list_messages(
            threads[0].id,
            per_page=0,
            include=[{"id": msgs[4].id, "with_previous_messages": 1, "with_next_messages": 30}],
        )
        assert texts(forward.messages) == ["t1-0", "t1-1", "t1-2"]
        assert {m.thread_id for m in forward.messages} == {threads[1].id}

        backward = memory.list_messages(
            threads[1].id,
            per_page=0,
            include=[{"id": msgs[1].id, "with_previous_messages": 30, "with_next_messages": 1}],
        )
        assert texts(backward.messages) == ["t0-0", "t0-1", "t0-2"]

    def test_high_volume_windows_are_exact(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        msgs = memory.save_messages(
            [
                message_data(
                    thread.id, thread.resource_id, f"M{i:03d}", created_at=at(i), message_id=f"m{i:03d}"
                )
                for i in range(200)
            ]
        )
        targets = (10, 50, 100, 150, 190)
        include = [{"id": msgs[t].id, "with_previous_messages": 2, "with_next_messages": 2} for t in targets]
        page = memory.list_messages(thread.id, per_page=0, include=include)
        expected = sorted({i for t in targets for i in range(t - 2, t + 3)})
        assert ids(page.messages) == [f"m{i:03d}" for i in expected]

    def test_included_messages_from_separate_batches_stay_sorted(self, memory: MemoryRepository) -> None:
        thread_a, thread_b = make_thread(memory), make_thread(memory)
        # Saved out of time order, in separate batches, across two threads.
        late = save_texts(memory, thread_a, ["a3", "a4"], start=at(20))
        early = save_texts(memory, thread_a, ["a1", "a2"], start=at(0))
        middle = save_texts(memory, thread_b, ["b1", "b2"], start=at(10))
        page = memory.list_messages(
            thread_a.id,
            per_page=0,
            include=[
                {"id": late[1].id, "with_previous_messages": 1},
                {"id": middle[0].id, "with_next_messages": 1},
                {"id": early[0].id},
            ],
        )
        assert texts(page.messages) == ["a1", "b1", "b2", "a3", "a4"]
        stamps = [m.created_at for m in page.messages]
        assert stamps == sorted(stamps)

    def test_hundreds_of_include_items(self, memory: MemoryRepository) -> None:
        """A large recall (hundreds of hits) works the same on both backends."""
        thread = make_thread(memory)
        msgs = save_texts(memory, thread, [f"M{i:04d}" for i in range(1000)], step=timedelta(milliseconds=1))
        targets = range(0, 1000, 3)  # 334 windows of ±1 that together cover every message
        include = [{"id": msgs[t].id, "with_previous_messages": 1, "with_next_messages": 1} for t in targets]
        page = memory.list_messages(thread.id, per_page=0, include=include)
        assert ids(page.messages) == ids(msgs)


class TestPerPage:
    def test_per_page_restricts(self, memory: MemoryRepository, conversation: Conversation) -> None:
        page = memory.list_messages(conversation.thread.id, per_page=3)
        assert texts(page.messages) == MESSAGES_1_TO_5[:3]
        assert_page(page, total=5, page_no=0, per_page=3, has_more=True)

    def test_per_page_false_returns_everything(
        self, memory: MemoryRepository, conversation: Conversation
    ) -> None:
        thread = conversation.thread
        memory.save_messages(
            [
                message_data(thread.id, thread.resource_id, f"Extra {i}", created_at=at(100 + i))
                for i in range(50)
            ]
        )
        page = memory.list_messages(thread.id, per_page=False)
        assert len(page.messages) == 55
        assert_page(page, total=55, page_no=0, per_page=False, has_more=False)
        assert page.model_dump(by_alias=True)["perPage"] is False

    def test_page_skips(self, memory: MemoryRepository, conversation: Conversation) -> None:
        page = memory.list_messages(conversation.thread.id, page=1, per_page=2)
        assert texts(page.messages) == ["Message 3", "Message 4"]
        assert_page(page, total=5, page_no=1, per_page=2, has_more=True)

    def test_per_page_with_date_range(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        memory.save_messages(
            [message_data(thread.id, thread.resource_id, f"M{i}", created_at=at(i)) for i in range(10)]
        )
        page = memory.list_messages(thread.id, per_page=3, date_range={"start": at(4)})
        assert texts(page.messages) == ["M4", "M5", "M6"]
        assert page.total == 6

    def test_per_page_with_resource_filter(
        self, memory: MemoryRepository, conversation: Conversation
    ) -> None:
        thread = conversation.thread
        memory.save_messages([message_data(thread.id, "someone-else", "x", created_at=at(0, ms=500))])
        page = memory.list_messages(thread.id, resource_id=thread.resource_id, per_page=3)
        assert texts(page.messages) == MESSAGES_1_TO_5[:3]
        assert all(m.resource_id == thread.resource_id for m in page.messages)
        assert page.total == 5

    @pytest.mark.parametrize(("page", "per_page"), [(0, 2**40), (2**40, 1), (1, 2**52)])
    def test_huge_page_values_are_valid(
        self, memory: MemoryRepository, conversation: Conversation, page: int, per_page: int
    ) -> None:
        """Anything up to JS ``Number.MAX_SAFE_INTEGER`` passes validation, so it must run everywhere."""
        result = memory.list_messages(conversation.thread.id, page=page, per_page=per_page)
        assert texts(result.messages) == (MESSAGES_1_TO_5 if page == 0 else [])
        assert_page(result, total=5, page_no=page, per_page=per_page, has_more=False)
        threads = memory.list_threads(page=page, per_page=per_page)
        assert len(threads.threads) == (2 if page == 0 else 0)

    def test_tens_of_thousands_of_thread_ids(
        self, memory: MemoryRepository, conversation: Conversation
    ) -> None:
        """Bound parameters must be chunked below SQLite's 32766 (as the repository promises)."""
        many = [f"no-such-thread-{i}" for i in range(40_000)] + [conversation.thread.id]
        page = memory.list_messages(many, per_page=False)
        assert texts(page.messages) == MESSAGES_1_TO_5
        assert page.total == 5
        assert memory.list_messages(many, resource_id="conv-r", per_page=2).total == 5

    def test_per_page_zero(self, memory: MemoryRepository, conversation: Conversation) -> None:
        """Documented (current Mastra, #14022): no count and no page query; total 0, has_more false."""
        page = memory.list_messages(conversation.thread.id, per_page=0)
        assert page.messages == []
        assert_page(page, total=0, page_no=0, per_page=0, has_more=False)

    def test_per_page_zero_with_include_returns_only_the_window(
        self, memory: MemoryRepository, conversation: Conversation
    ) -> None:
        item = {
            "id": conversation.by_text("Message 3").id,
            "with_previous_messages": 1,
            "with_next_messages": 1,
        }
        page = memory.list_messages(conversation.thread.id, per_page=0, include=[item])
        assert texts(page.messages) == ["Message 2", "Message 3", "Message 4"]
        # Documented (current Mastra): per_page=0 skips the count, so the result is the windows alone.
        assert_page(page, total=0, page_no=0, per_page=0, has_more=False)

    def test_per_page_zero_with_include_from_two_threads(
        self, memory: MemoryRepository, conversation: Conversation
    ) -> None:
        include = [{"id": conversation.by_text("Message 1").id}, {"id": conversation.other.id}]
        page = memory.list_messages(conversation.thread.id, per_page=0, include=include)
        assert texts(page.messages) == ["Message 1", "Thread2 Message 1"]

    def test_per_page_zero_with_empty_include(
        self, memory: MemoryRepository, conversation: Conversation
    ) -> None:
        assert memory.list_messages(conversation.thread.id, per_page=0, include=[]).messages == []

    def test_per_page_zero_deduplicates_windows(
        self, memory: MemoryRepository, conversation: Conversation
    ) -> None:
        include = [
            {"id": conversation.by_text("Message 2").id, "with_next_messages": 1},
            {"id": conversation.by_text("Message 3").id, "with_previous_messages": 1},
        ]
        page = memory.list_messages(conversation.thread.id, per_page=0, include=include)
        assert texts(page.messages) == ["Message 2", "Message 3"]

    def test_per_page_zero_respects_desc(self, memory: MemoryRepository, conversation: Conversation) -> None:
        item = {
            "id": conversation.by_text("Message 3").id,
            "with_previous_messages": 1,
            "with_next_messages": 1,
        }
        page = memory.list_messages(
            conversation.thread.id, per_page=0, include=[item], order_by={"direction": "DESC"}
        )
        assert texts(page.messages) == ["Message 4", "Message 3", "Message 2"]


# --- saving, paging and dates (§6.4) --------------------------------------------------------------


class TestSaveMessages:
    def test_paginated_with_total_after_single_saves(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        for i in range(15):
            memory.save_messages([message_data(thread.id, thread.resource_id, f"M{i}", created_at=at(i))])
        first = memory.list_messages(thread.id, page=0, per_page=5)
        second = memory.list_messages(thread.id, page=1, per_page=5)
        assert texts(first.messages) == [f"M{i}" for i in range(5)]
        assert texts(second.messages) == [f"M{i}" for i in range(5, 10)]
        assert_page(first, total=15, page_no=0, per_page=5, has_more=True)
        assert_page(second, total=15, page_no=1, per_page=5, has_more=True)

    def test_date_filter_with_pagination(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        now = at(days=30)
        days = {"dby": now - timedelta(days=2), "y": now - timedelta(days=1), "now": now}
        memory.save_messages(
            [
                message_data(
                    thread.id, thread.resource_id, f"{name}{i}", created_at=when + timedelta(seconds=i)
                )
                for name, when in days.items()
                for i in range(2)
            ]
        )
        page = memory.list_messages(thread.id, date_range={"start": days["y"]}, per_page=3)
        assert page.total == 4
        assert texts(page.messages) == ["y0", "y1", "now0"]
        assert all(m.created_at >= days["y"] for m in page.messages)

    def test_save_and_retrieve(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        inputs = [
            message_data(thread.id, thread.resource_id, "first", created_at=at(1), role="user"),
            message_data(thread.id, thread.resource_id, "second", created_at=at(2), role="assistant"),
        ]
        saved = memory.save_messages(inputs)
        assert [m.model_dump(exclude={"type"}) for m in saved] == inputs
        assert all(m.type == "v2" for m in saved)
        assert memory.list_messages(thread.id).messages == saved

    def test_defaults_for_id_created_at_and_type(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        before = datetime.now(UTC) - timedelta(seconds=1)
        (saved,) = memory.save_messages(
            [{"thread_id": thread.id, "resource_id": thread.resource_id, "role": "user", "content": "plain"}]
        )
        assert saved.id
        assert saved.type == "v2"
        assert saved.created_at > before
        (got,) = memory.list_messages(thread.id).messages
        assert got == saved
        assert got.content == "plain"

    def test_camel_case_input(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        memory.save_messages(
            [
                {
                    "id": "camel",
                    "threadId": thread.id,
                    "resourceId": thread.resource_id,
                    "role": "user",
                    "content": {"format": 2, "parts": []},
                    "createdAt": at(1),
                }
            ]
        )
        (got,) = memory.list_messages(thread.id).messages
        assert (got.id, got.thread_id, got.resource_id, got.created_at) == (
            "camel",
            thread.id,
            thread.resource_id,
            at(1),
        )

    def test_empty_list(self, memory: MemoryRepository) -> None:
        assert memory.save_messages([]) == []

    def test_millisecond_order_is_kept(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        save_texts(memory, thread, ["First", "Second", "Third"], step=timedelta(milliseconds=1))
        assert texts(memory.list_messages(thread.id).messages) == ["First", "Second", "Third"]

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("resource_id", None, RESOURCE_ID_ERROR),
            ("resource_id", "", RESOURCE_ID_ERROR),
            ("resource_id", "   ", RESOURCE_ID_ERROR),
            ("thread_id", None, "Thread ID is required"),
            ("thread_id", "", "Thread ID is required"),
        ],
    )
    def test_a_bad_message_rejects_the_whole_batch(
        self, memory: MemoryRepository, field: str, value: str | None, message: str
    ) -> None:
        thread = make_thread(memory, created_at=at(0))
        batch = [message_data(thread.id, thread.resource_id, f"M{i}", created_at=at(i)) for i in range(3)]
        batch[1][field] = value
        with pytest.raises(ValidationError) as info:
            memory.save_messages(batch)
        assert str(info.value) == message
        assert info.value.category == "USER"
        assert memory.list_messages(thread.id).total == 0
        assert memory.list_messages_by_id([m["id"] for m in batch]) == []
        assert memory.get_thread_by_id(thread.id) == thread  # updated_at not bumped either

    def test_a_message_without_ids_at_all_is_rejected(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        good = message_data(thread.id, thread.resource_id, "good", created_at=at(1))
        bare = {"role": "user", "content": "no thread, no resource"}
        with pytest.raises(ValidationError):
            memory.save_messages([good, bare])
        assert memory.list_messages(thread.id).messages == []

    def test_upsert_moves_a_message_to_another_thread(self, memory: MemoryRepository) -> None:
        thread1, thread2 = make_thread(memory, resource_id="r"), make_thread(memory, resource_id="r")
        message = message_data(thread1.id, "r", "Thread1 Content", created_at=at(1), message_id="moving")
        memory.save_messages([message])
        moved = {**message_data(thread2.id, "r", "Thread2 Content", created_at=at(9)), "id": "moving"}
        memory.save_messages([moved])
        assert memory.list_messages(thread1.id).messages == []
        (got,) = memory.list_messages(thread2.id).messages
        assert (got.id, text_of(got), got.thread_id) == ("moving", "Thread2 Content", thread2.id)
        assert got.created_at == at(1)  # createdAt is kept on conflict

    def test_upsert_same_id_and_thread_updates_in_place(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        original = message_data(thread.id, thread.resource_id, "Original", created_at=at(1), message_id="dup")
        memory.save_messages([original])
        updated = message_data(
            thread.id, "r-new", "Updated", created_at=at(5), message_id="dup", role="assistant"
        )
        memory.save_messages([updated])
        page = memory.list_messages(thread.id)
        assert page.total == 1
        (got,) = page.messages
        assert (text_of(got), got.role, got.resource_id, got.created_at) == (
            "Updated",
            "assistant",
            "r-new",
            at(1),
        )

    def test_duplicate_ids_within_one_batch_last_one_wins(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        memory.save_messages(
            [
                message_data(thread.id, thread.resource_id, "v1", created_at=at(1), message_id="same"),
                message_data(thread.id, thread.resource_id, "v2", created_at=at(1), message_id="same"),
            ]
        )
        page = memory.list_messages(thread.id)
        assert page.total == 1
        assert texts(page.messages) == ["v2"]

    def test_saving_bumps_every_thread_in_the_batch(self, memory: MemoryRepository) -> None:
        thread1, thread2 = make_thread(memory, created_at=at(0)), make_thread(memory, created_at=at(0))
        memory.save_messages(
            [
                message_data(thread1.id, thread1.resource_id, "a", created_at=at(1)),
                message_data(thread2.id, thread2.resource_id, "b", created_at=at(2)),
            ]
        )
        for thread in (thread1, thread2):
            got = memory.get_thread_by_id(thread.id)
            assert got is not None
            assert got.updated_at > thread.updated_at

    def test_naive_datetimes_are_utc(self, memory: MemoryRepository, local_time_zone: None) -> None:
        naive = datetime(2024, 6, 1, 12, 30, 45, 678000)
        aware = naive.replace(tzinfo=UTC)
        memory.save_thread({"id": "naive", "resource_id": "r", "title": "t", "created_at": naive})
        got = memory.get_thread_by_id("naive")
        assert got is not None
        assert got.created_at == got.updated_at == aware
        memory.save_messages([message_data("naive", "r", "x", created_at=naive)])
        (message,) = memory.list_messages("naive").messages
        assert message.created_at == aware
        assert message.created_at.utcoffset() == timedelta(0)
        assert memory.list_messages("naive", date_range={"start": naive, "end": naive}).total == 1
        assert memory.list_messages("naive", date_range={"start": naive, "start_exclusive": True}).total == 0

    def test_aware_datetimes_in_other_zones_are_converted(self, memory: MemoryRepository) -> None:
        tokyo = datetime(2024, 6, 1, 21, 0, tzinfo=timezone(timedelta(hours=9)))
        thread = make_thread(memory, created_at=tokyo)
        memory.save_messages([message_data(thread.id, thread.resource_id, "x", created_at=tokyo)])
        got = memory.get_thread_by_id(thread.id)
        assert got is not None
        assert got.created_at == datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
        (message,) = memory.list_messages(thread.id).messages
        assert message.model_dump(mode="json")["created_at"] == "2024-06-01T12:00:00.000Z"

    def test_one_megabyte_message_round_trips(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        body = ("0123456789abcdef" * 65536) + "\u00e9\U0001f600"  # 1 MiB of ASCII plus a tail
        memory.save_messages([message_data(thread.id, thread.resource_id, body, created_at=at(1))])
        memory.save_messages(
            [{"id": "raw", "thread_id": thread.id, "resource_id": "r", "role": "user", "content": body}]
        )
        page = memory.list_messages(thread.id)
        assert [
            len(text_of(m)) if isinstance(m.content, dict) else len(m.content) for m in page.messages
        ] == [
            len(body),
            len(body),
        ]
        assert text_of(page.messages[0]) == body
        assert page.messages[1].content == body

    def test_non_ascii_text_round_trips(self, memory: MemoryRepository) -> None:
        text = (
            "Gr\u00fc\u00dfe \u4f60\u597d \u3053\u3093\u306b\u3061\u306f \u0645\u0631\u062d\u0628\u0627 "
            "\u05e9\u05dc\u05d5\u05dd \U0001f468\u200d\U0001f469\u200d\U0001f467 e\u0301 \u2028 \t\n \"'\\"
        )
        thread_id = "thread-\u00e9\u4e2d\U0001f600"
        make_thread(memory, thread_id, resource_id="r-\u00fc", title=text, metadata={"t\u00e9xt": text})
        memory.save_messages(
            [
                message_data(thread_id, "r-\u00fc", text, created_at=at(1), message_id="m-\u00f8"),
                {"id": "raw", "thread_id": thread_id, "resource_id": "r", "role": "user", "content": text},
            ]
        )
        got = memory.get_thread_by_id(thread_id)
        assert got is not None
        assert (got.title, got.resource_id, got.metadata) == (text, "r-\u00fc", {"t\u00e9xt": text})
        first, raw = memory.list_messages(thread_id).messages
        assert (first.id, text_of(first), raw.content) == ("m-\u00f8", text, text)
        assert ids(memory.list_messages_by_id(["m-\u00f8"])) == ["m-\u00f8"]


class TestDateRanges:
    @pytest.fixture
    def five(self, memory: MemoryRepository) -> ThreadRead:
        """``Message 1`` … ``Message 5`` at +1 … +5 s."""
        thread = make_thread(memory)
        save_texts(memory, thread, MESSAGES_1_TO_5)
        return thread

    @pytest.mark.parametrize(
        ("start_exclusive", "end_exclusive", "expected"),
        [(False, False, [2, 3, 4]), (True, False, [3, 4]), (False, True, [2, 3]), (True, True, [3])],
    )
    def test_exclusive_bounds(
        self,
        memory: MemoryRepository,
        five: ThreadRead,
        start_exclusive: bool,
        end_exclusive: bool,
        expected: list[int],
    ) -> None:
        page = memory.list_messages(
            five.id,
            date_range={
                "start": at(2),
                "end": at(4),
                "start_exclusive": start_exclusive,
                "end_exclusive": end_exclusive,
            },
        )
        assert texts(page.messages) == [f"Message {i}" for i in expected]
        assert page.total == len(expected)

    def test_camel_case_exclusive_flags(self, memory: MemoryRepository, five: ThreadRead) -> None:
        page = memory.list_messages(
            five.id, date_range={"start": at(2), "end": at(4), "startExclusive": True, "endExclusive": True}
        )
        assert texts(page.messages) == ["Message 3"]

    def test_only_end(self, memory: MemoryRepository, five: ThreadRead) -> None:
        page = memory.list_messages(five.id, date_range={"end": at(4)})
        assert texts(page.messages) == MESSAGES_1_TO_5[:4]
        assert page.total == 4

    def test_iso_string_bounds(self, memory: MemoryRepository, five: ThreadRead) -> None:
        page = memory.list_messages(
            five.id, date_range={"start": "2024-01-01T00:00:02.000Z", "end": "2024-01-01T00:00:04.000Z"}
        )
        assert texts(page.messages) == ["Message 2", "Message 3", "Message 4"]

    def test_no_match(self, memory: MemoryRepository, five: ThreadRead) -> None:
        page = memory.list_messages(five.id, date_range={"start": at(days=365)})
        assert page.messages == []
        assert (page.total, page.has_more) == (0, False)

    def test_end_exclusive_cursor_when_new_messages_arrive(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        save_texts(memory, thread, [f"Message {i}" for i in range(1, 11)])
        desc = {"field": "createdAt", "direction": "DESC"}
        first = memory.list_messages(thread.id, per_page=5, order_by=desc)
        assert texts(first.messages) == [f"Message {i}" for i in range(10, 5, -1)]
        save_texts(memory, thread, ["Message 11", "Message 12"], start=at(20))
        oldest = first.messages[-1].created_at
        older = memory.list_messages(
            thread.id, per_page=5, order_by=desc, date_range={"end": oldest, "end_exclusive": True}
        )
        assert texts(older.messages) == [f"Message {i}" for i in range(5, 0, -1)]

    def test_pagination_within_a_range(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        save_texts(memory, thread, [f"M{i}" for i in range(1, 11)])
        rng = {"start": at(3), "end": at(8)}
        pages = [memory.list_messages(thread.id, date_range=rng, page=n, per_page=2) for n in range(3)]
        assert [texts(p.messages) for p in pages] == [["M3", "M4"], ["M5", "M6"], ["M7", "M8"]]
        assert [p.total for p in pages] == [6, 6, 6]
        assert [p.has_more for p in pages] == [True, True, False]

    def test_millisecond_bounds(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        memory.save_messages(
            [message_data(thread.id, thread.resource_id, f"M{i + 1}", created_at=at(ms=i)) for i in range(5)]
        )
        inclusive = memory.list_messages(thread.id, date_range={"start": at(ms=1), "end": at(ms=3)})
        assert texts(inclusive.messages) == ["M2", "M3", "M4"]
        exclusive = memory.list_messages(
            thread.id,
            date_range={"start": at(ms=1), "end": at(ms=3), "start_exclusive": True, "end_exclusive": True},
        )
        assert texts(exclusive.messages) == ["M3"]

    def test_sub_millisecond_input_is_cut_to_milliseconds(self, memory: MemoryRepository) -> None:
        """Mastra stores milliseconds; a microsecond bound must not make a stored ms value fall outside."""
        thread = make_thread(memory)
        memory.save_messages(
            [
                message_data(
                    thread.id, thread.resource_id, "m", created_at=at(ms=5) + timedelta(microseconds=999)
                )
            ]
        )
        (got,) = memory.list_messages(thread.id).messages
        assert got.created_at == at(ms=5)
        bound = at(ms=5) + timedelta(microseconds=500)
        assert memory.list_messages(thread.id, date_range={"start": bound, "end": bound}).total == 1


class TestListMessagesById:
    @pytest.fixture
    def spread(self, memory: MemoryRepository) -> list[MessageRead]:
        """Messages across ``thread-1``/``thread-2`` (one resource) and ``thread-3`` (another)."""
        make_thread(memory, "thread-1", resource_id="test-resource-id")
        make_thread(memory, "thread-2", resource_id="test-resource-id")
        make_thread(memory, "thread-3", resource_id="test-resource-id-2")
        return memory.save_messages(
            [
                message_data("thread-1", "test-resource-id", "a", created_at=at(4), message_id="m1"),
                message_data("thread-2", "test-resource-id", "b", created_at=at(2), message_id="m2"),
                message_data("thread-3", "test-resource-id-2", "c", created_at=at(3), message_id="m3"),
                message_data("thread-1", "test-resource-id", "d", created_at=at(1), message_id="m4"),
            ]
        )

    def test_empty_input(self, memory: MemoryRepository) -> None:
        assert memory.list_messages_by_id([]) == []

    def test_ascending_created_at_across_threads_and_resources(
        self, memory: MemoryRepository, spread: list[MessageRead]
    ) -> None:
        got = memory.list_messages_by_id(["m1", "m3", "m2", "m4"])
        assert ids(got) == ["m4", "m2", "m3", "m1"]
        assert {m.thread_id for m in got} == {"thread-1", "thread-2", "thread-3"}
        assert {m.resource_id for m in got} == {"test-resource-id", "test-resource-id-2"}
        assert all(isinstance(m, MessageRead) and m.type == "v2" for m in got)
        assert sorted(got, key=lambda m: m.id) == sorted(spread, key=lambda m: m.id)

    def test_unknown_and_repeated_ids(self, memory: MemoryRepository, spread: list[MessageRead]) -> None:
        assert ids(memory.list_messages_by_id(["nope", "m2", "m2", "also-nope"])) == ["m2"]


# --- update, delete, resources (§6.5) -------------------------------------------------------------


class TestUpdateMessages:
    @pytest.fixture
    def thread(self, memory: MemoryRepository) -> ThreadRead:
        return make_thread(memory, created_at=at(0))

    def save_one(self, memory: MemoryRepository, thread: ThreadRead, **content: Any) -> MessageRead:
        (saved,) = memory.save_messages(
            [message_data(thread.id, thread.resource_id, "hello world", created_at=at(1), **content)]
        )
        return saved

    def test_single_field(self, memory: MemoryRepository, thread: ThreadRead) -> None:
        message = self.save_one(memory, thread)
        (updated,) = memory.update_messages([{"id": message.id, "role": "assistant"}])
        assert updated.role == "assistant"
        (stored,) = memory.list_messages_by_id([message.id])
        assert stored.role == "assistant"
        assert stored.content == message.content
        assert stored.created_at == message.created_at

    def test_metadata_only_keeps_the_rest_of_the_content(
        self, memory: MemoryRepository, thread: ThreadRead
    ) -> None:
        message = self.save_one(memory, thread)
        memory.update_messages([{"id": message.id, "content": {"metadata": {"someKey": "someValue"}}}])
        (stored,) = memory.list_messages_by_id([message.id])
        assert isinstance(stored.content, dict)
        assert stored.content["metadata"] == {"someKey": "someValue"}
        assert stored.content["content"] == "hello world"
        assert stored.content["parts"] == [{"type": "text", "text": "hello world"}]
        assert stored.content["format"] == 2

    def test_content_string_only_keeps_metadata(self, memory: MemoryRepository, thread: ThreadRead) -> None:
        message = self.save_one(memory, thread, metadata={"initial": True})
        (updated,) = memory.update_messages([{"id": message.id, "content": {"content": "new content"}}])
        (stored,) = memory.list_messages_by_id([message.id])
        assert stored == updated
        assert isinstance(stored.content, dict)
        assert stored.content["content"] == "new content"
        assert stored.content["metadata"] == {"initial": True}
        assert stored.content["parts"] == [{"type": "text", "text": "hello world"}]

    def test_metadata_is_deep_merged(self, memory: MemoryRepository, thread: ThreadRead) -> None:
        message = self.save_one(memory, thread, metadata={"initial": True})
        memory.update_messages([{"id": message.id, "content": {"metadata": {"updated": True}}}])
        (stored,) = memory.list_messages_by_id([message.id])
        assert isinstance(stored.content, dict)
        assert stored.content["metadata"] == {"initial": True, "updated": True}

    def test_several_at_once(self, memory: MemoryRepository, thread: ThreadRead) -> None:
        saved = save_texts(memory, thread, ["one", "two", "three"])
        updated = memory.update_messages(
            [
                {"id": saved[0].id, "role": "assistant"},
                {"id": saved[1].id, "content": {"content": "TWO"}},
            ]
        )
        assert ids(updated) == [saved[0].id, saved[1].id]
        stored = memory.list_messages(thread.id).messages
        assert [m.role for m in stored] == ["assistant", "user", "user"]
        assert texts(stored) == ["one", "TWO", "three"]

    def test_bumps_the_thread_updated_at(self, memory: MemoryRepository, thread: ThreadRead) -> None:
        message = self.save_one(memory, thread)
        memory.save_thread(thread_data(thread.id, thread.resource_id, created_at=at(0)))  # reset updated_at
        memory.update_messages([{"id": message.id, "role": "assistant"}])
        got = memory.get_thread_by_id(thread.id)
        assert got is not None
        assert got.updated_at > at(0)

    def test_moving_a_message_bumps_both_threads(self, memory: MemoryRepository, thread: ThreadRead) -> None:
        message = self.save_one(memory, thread)
        target = make_thread(memory, resource_id=thread.resource_id, created_at=at(0))
        memory.save_thread(thread_data(thread.id, thread.resource_id, created_at=at(0)))  # reset updated_at
        (moved,) = memory.update_messages([{"id": message.id, "thread_id": target.id}])
        assert moved.thread_id == target.id
        for thread_id in (thread.id, target.id):
            got = memory.get_thread_by_id(thread_id)
            assert got is not None
            assert got.updated_at > at(0)
        assert memory.list_messages(thread.id).total == 0
        assert ids(memory.list_messages(target.id).messages) == [message.id]

    def test_camel_case_thread_id_moves_too(self, memory: MemoryRepository, thread: ThreadRead) -> None:
        message = self.save_one(memory, thread)
        target = make_thread(memory)
        memory.update_messages([{"id": message.id, "threadId": target.id}])
        assert ids(memory.list_messages(target.id).messages) == [message.id]

    def test_unknown_message_is_ignored(self, memory: MemoryRepository, thread: ThreadRead) -> None:
        message = self.save_one(memory, thread)
        before = snapshot(memory, thread.id)
        assert memory.update_messages([{"id": "non-existent", "role": "assistant"}]) == []
        assert snapshot(memory, thread.id) == before
        assert memory.list_messages_by_id([message.id]) == [message]

    def test_empty_list(self, memory: MemoryRepository) -> None:
        assert memory.update_messages([]) == []

    @pytest.mark.parametrize("update", [{"role": "assistant"}, {"id": "", "role": "assistant"}])
    def test_an_update_without_an_id_is_rejected(
        self, memory: MemoryRepository, thread: ThreadRead, update: dict[str, Any]
    ) -> None:
        message = self.save_one(memory, thread)
        with pytest.raises(ValidationError):
            memory.update_messages([{"id": message.id, "role": "system"}, update])
        assert memory.list_messages_by_id([message.id]) == [message]

    def test_string_content_replaces_the_content(self, memory: MemoryRepository, thread: ThreadRead) -> None:
        """A message's content is a v2 dict or a string (DESIGN §4); a string update stores that string."""
        message = self.save_one(memory, thread)
        (updated,) = memory.update_messages([{"id": message.id, "content": "plain new"}])
        (stored,) = memory.list_messages_by_id([message.id])
        assert stored.content == "plain new"
        assert updated.content == "plain new"

    def test_moving_to_a_blank_thread_is_rejected(self, memory: MemoryRepository, thread: ThreadRead) -> None:
        message = self.save_one(memory, thread)
        with pytest.raises(ValidationError):
            memory.update_messages([{"id": message.id, "thread_id": "  ", "role": "assistant"}])
        assert memory.list_messages_by_id([message.id]) == [message]


class TestDeleteMessages:
    def test_delete_several(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        memory.save_messages(
            [
                message_data(thread.id, thread.resource_id, f"m{i}", created_at=at(i), message_id=f"msg-{i}")
                for i in range(5)
            ]
        )
        memory.delete_messages(["msg-1", "msg-2", "msg-4"])
        assert ids(memory.list_messages(thread.id).messages) == ["msg-0", "msg-3"]

    def test_empty_list_is_a_no_op(self, memory: MemoryRepository, conversation: Conversation) -> None:
        before = snapshot(memory, conversation.thread.id)
        memory.delete_messages([])
        assert snapshot(memory, conversation.thread.id) == before

    def test_unknown_ids_are_ignored(self, memory: MemoryRepository, conversation: Conversation) -> None:
        before = snapshot(memory, conversation.thread.id)
        memory.delete_messages(["nope-1", "nope-2"])
        assert snapshot(memory, conversation.thread.id) == before

    def test_bumps_the_thread_updated_at(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory, created_at=at(0))
        (message,) = save_texts(memory, thread, ["x"])
        memory.save_thread(thread_data(thread.id, thread.resource_id, created_at=at(0)))  # reset updated_at
        memory.delete_messages([message.id])
        got = memory.get_thread_by_id(thread.id)
        assert got is not None
        assert got.updated_at > at(0)

    def test_messages_from_different_threads(self, memory: MemoryRepository) -> None:
        t1 = make_thread(memory, "bulk-thread-1", created_at=at(0))
        t2 = make_thread(memory, "bulk-thread-2", created_at=at(0))
        a = save_texts(memory, t1, ["a1", "a2"])
        b = save_texts(memory, t2, ["b1", "b2"])
        memory.delete_messages([a[0].id, b[1].id])
        assert texts(memory.list_messages(t1.id).messages) == ["a2"]
        assert texts(memory.list_messages(t2.id).messages) == ["b1"]
        for thread_id in (t1.id, t2.id):
            got = memory.get_thread_by_id(thread_id)
            assert got is not None
            assert got.updated_at > at(0)

    def test_large_batch(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        saved = save_texts(memory, thread, [f"M{i:03d}" for i in range(100)])
        memory.delete_messages(ids(saved[50:]))
        page = memory.list_messages(thread.id, per_page=100, order_by={"direction": "DESC"})
        assert page.total == 50
        assert ids(page.messages) == ids(saved[:50])[::-1]

    def test_very_large_batch_beyond_parameter_limits(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        saved = save_texts(memory, thread, [str(i) for i in range(1200)], step=timedelta(milliseconds=1))
        memory.delete_messages([*ids(saved[:1100]), *(f"missing-{i}" for i in range(40_000))])
        assert ids(memory.list_messages(thread.id, per_page=False).messages) == ids(saved[1100:])

    def test_mixed_valid_and_invalid_ids(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        memory.save_messages(
            [
                message_data(thread.id, thread.resource_id, name, created_at=at(i), message_id=name)
                for i, name in enumerate(["mixed-msg-1", "mixed-msg-2"])
            ]
        )
        memory.delete_messages(["mixed-msg-2", "does-not-exist", "mixed-msg-2"])
        assert ids(memory.list_messages(thread.id).messages) == ["mixed-msg-1"]


class TestResources:
    def test_concurrent_first_updates_of_a_missing_resource_all_land(self, memory: MemoryRepository) -> None:
        """Several first ``update_resource`` calls race to create the row: none fails, every key merges."""
        keys = [f"k{i}" for i in range(8)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda k: memory.update_resource("racy", metadata={k: True}), keys))
        got = memory.get_resource_by_id("racy")
        assert got is not None
        assert got.metadata == dict.fromkeys(keys, True)

    def test_create_and_retrieve(self, memory: MemoryRepository) -> None:
        data = {
            "id": "res-1",
            "working_memory": "Sample working memory content",
            "metadata": {"key": "value", "test": True},
            "created_at": at(1),
            "updated_at": at(2),
        }
        saved = memory.save_resource(data)
        assert isinstance(saved, ResourceRead)
        assert saved.model_dump() == data
        got = memory.get_resource_by_id("res-1")
        assert got is not None
        assert got.model_dump() == data

    def test_specific_id_and_dates(self, memory: MemoryRepository) -> None:
        when = datetime(2023, 1, 1, tzinfo=UTC)
        memory.save_resource({"id": "1346362547862769664", "created_at": when, "updated_at": when})
        got = memory.get_resource_by_id("1346362547862769664")
        assert got is not None
        assert (got.id, got.created_at, got.updated_at) == ("1346362547862769664", when, when)
        assert got.model_dump(mode="json", by_alias=True)["createdAt"] == "2023-01-01T00:00:00.000Z"

    def test_missing_is_none(self, memory: MemoryRepository) -> None:
        assert memory.get_resource_by_id("non-existent") is None

    def test_save_replaces(self, memory: MemoryRepository) -> None:
        memory.save_resource({"id": "r", "working_memory": "a", "metadata": {"a": 1}})
        memory.save_resource({"id": "r", "working_memory": "b", "metadata": {"b": 2}})
        got = memory.get_resource_by_id("r")
        assert got is not None
        assert (got.working_memory, got.metadata) == ("b", {"b": 2})

    def test_update_working_memory_and_metadata(self, memory: MemoryRepository) -> None:
        memory.save_resource({"id": "r", "working_memory": "old", "metadata": {"key": "value", "n": 1}})
        updated = memory.update_resource("r", working_memory="new", metadata={"n": 2, "extra": True})
        assert updated.working_memory == "new"
        assert updated.metadata == {"key": "value", "n": 2, "extra": True}
        assert memory.get_resource_by_id("r") == updated

    def test_update_only_working_memory(self, memory: MemoryRepository) -> None:
        memory.save_resource({"id": "r", "working_memory": "old", "metadata": {"key": "value"}})
        memory.update_resource("r", working_memory="new")
        got = memory.get_resource_by_id("r")
        assert got is not None
        assert (got.working_memory, got.metadata) == ("new", {"key": "value"})

    def test_update_only_metadata(self, memory: MemoryRepository) -> None:
        memory.save_resource({"id": "r", "working_memory": "keep", "metadata": {"key": "value"}})
        memory.update_resource("r", metadata={"other": 1})
        got = memory.get_resource_by_id("r")
        assert got is not None
        assert (got.working_memory, got.metadata) == ("keep", {"key": "value", "other": 1})

    def test_update_creates_a_missing_resource(self, memory: MemoryRepository) -> None:
        created = memory.update_resource("r9", working_memory="wm")
        assert (created.id, created.working_memory, created.metadata) == ("r9", "wm", {})
        assert created.created_at == created.updated_at
        assert memory.get_resource_by_id("r9") == created

    def test_empty_working_memory(self, memory: MemoryRepository) -> None:
        memory.save_resource({"id": "r", "working_memory": ""})
        got = memory.get_resource_by_id("r")
        assert got is not None
        assert got.working_memory == ""
        memory.update_resource("r", working_memory="x")
        memory.update_resource("r", working_memory="")
        got = memory.get_resource_by_id("r")
        assert got is not None
        assert got.working_memory == ""

    def test_null_working_memory(self, memory: MemoryRepository) -> None:
        memory.save_resource({"id": "r", "working_memory": None})
        got = memory.get_resource_by_id("r")
        assert got is not None
        assert not got.working_memory

    def test_empty_and_null_metadata(self, memory: MemoryRepository) -> None:
        memory.save_resource({"id": "empty", "metadata": {}})
        memory.save_resource({"id": "null", "metadata": None})
        empty, null = memory.get_resource_by_id("empty"), memory.get_resource_by_id("null")
        assert empty is not None
        assert empty.metadata == {}
        assert null is not None
        assert null.metadata in (None, {})

    def test_complex_metadata(self, memory: MemoryRepository) -> None:
        metadata = {
            "preferences": {"theme": "dark", "languages": ["en", "fr"], "notifications": {"email": None}},
            "history": [{"at": "2024-01-01", "score": 0.5}, None, [1, [2, [3]]]],
            "flags": [True, False],
        }
        memory.save_resource({"id": "r", "metadata": metadata})
        got = memory.get_resource_by_id("r")
        assert got is not None
        assert got.metadata == metadata

    def test_large_working_memory(self, memory: MemoryRepository) -> None:
        content = "# Notes\n" + "x" * 10_000
        memory.update_resource("r", working_memory=content)
        got = memory.get_resource_by_id("r")
        assert got is not None
        assert got.working_memory == content

    def test_update_bumps_updated_at(self, memory: MemoryRepository) -> None:
        memory.save_resource({"id": "r", "created_at": at(0), "updated_at": at(0)})
        updated = memory.update_resource("r", working_memory="x")
        assert updated.updated_at > at(0)
        assert updated.created_at == at(0)
        got = memory.get_resource_by_id("r")
        assert got is not None
        assert got.updated_at == updated.updated_at

    def test_concurrent_updates(self, memory: MemoryRepository) -> None:
        memory.save_resource({"id": "r", "working_memory": "start"})

        def update(i: int) -> ResourceRead:
            return memory.update_resource("r", working_memory=f"wm {i}", metadata={f"k{i}": i})

        with ThreadPoolExecutor(max_workers=3) as pool:
            results = list(pool.map(update, range(3)))
        assert [r.id for r in results] == ["r", "r", "r"]
        got = memory.get_resource_by_id("r")
        assert got is not None
        assert got.working_memory in {"wm 0", "wm 1", "wm 2"}

    def test_blank_resource_id_is_rejected(self, memory: MemoryRepository) -> None:
        with pytest.raises(ValidationError):
            memory.update_resource("  ", working_memory="x")
        with pytest.raises(ValidationError):
            memory.save_resource({"id": ""})
        assert memory.get_resource_by_id("  ") is None


# --- cloneThread ----------------------------------------------------------------------------------


class TestCloneThread:
    @pytest.fixture
    def source(self, memory: MemoryRepository) -> ThreadRead:
        thread = make_thread(
            memory, "source", resource_id="owner", title="Original Thread", metadata={"sourceOnly": 1}
        )
        save_texts(memory, thread, ["First", "Second", "Third"])
        return thread

    def test_clone_with_all_messages(self, memory: MemoryRepository, source: ThreadRead) -> None:
        source_state = snapshot(memory, source.id)
        before = datetime.now(UTC) - timedelta(seconds=1)
        result = memory.clone_thread(source.id)
        assert isinstance(result, CloneResult)
        clone = result.thread
        assert clone.id != source.id
        assert clone.resource_id == "owner"
        assert clone.title == "Clone of Original Thread"
        assert clone.created_at == clone.updated_at
        assert clone.created_at > before
        assert clone.metadata is not None
        info = clone.metadata["clone"]
        assert info["sourceThreadId"] == source.id
        assert "clonedAt" in info

        originals = memory.list_messages(source.id).messages
        copies = result.cloned_messages
        assert len(copies) == 3
        assert {m.id for m in copies}.isdisjoint({m.id for m in originals})
        assert all(m.thread_id == clone.id and m.resource_id == "owner" for m in copies)
        assert [(m.content, m.role, m.type, m.created_at) for m in copies] == [
            (m.content, m.role, m.type, m.created_at) for m in originals
        ]
        assert info["lastMessageId"] == originals[-1].id  # the source's id (Appendix A: 'm5')

        assert memory.get_thread_by_id(clone.id) == clone
        assert memory.list_messages(clone.id).messages == copies
        assert snapshot(memory, source.id) == source_state  # the source is untouched

    def test_custom_title(self, memory: MemoryRepository, source: ThreadRead) -> None:
        clone = memory.clone_thread(source.id, title="My Custom Title").thread
        assert clone.title == "My Custom Title"

    def test_message_limit_keeps_the_most_recent(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory, resource_id="r", title="T1b")
        saved = save_texts(memory, thread, MESSAGES_1_TO_5)
        result = memory.clone_thread(thread.id, new_thread_id="c1", message_limit=2)
        assert texts(result.cloned_messages) == ["Message 4", "Message 5"]
        assert [m.created_at for m in result.cloned_messages] == [saved[3].created_at, saved[4].created_at]
        assert result.thread.title == "Clone of T1b"
        assert result.thread.metadata is not None
        assert result.thread.metadata["clone"]["lastMessageId"] == saved[4].id
        assert texts(memory.list_messages("c1").messages) == ["Message 4", "Message 5"]

    def test_date_filter(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        memory.save_messages(
            [
                message_data(thread.id, thread.resource_id, f"{month} message", created_at=when)
                for month, when in (
                    ("January", datetime(2024, 1, 15, tzinfo=UTC)),
                    ("February", datetime(2024, 2, 15, tzinfo=UTC)),
                    ("March", datetime(2024, 3, 15, tzinfo=UTC)),
                )
            ]
        )
        result = memory.clone_thread(
            thread.id,
            message_filter={
                "start_date": datetime(2024, 2, 1, tzinfo=UTC),
                "end_date": datetime(2024, 2, 28, tzinfo=UTC),
            },
        )
        assert texts(result.cloned_messages) == ["February message"]

    def test_specific_message_ids(self, memory: MemoryRepository, source: ThreadRead) -> None:
        first, _, third = memory.list_messages(source.id).messages
        result = memory.clone_thread(source.id, message_filter={"message_ids": [third.id, first.id]})
        assert texts(result.cloned_messages) == ["First", "Third"]

    def test_missing_source(self, memory: MemoryRepository) -> None:
        with pytest.raises(NotFoundError) as info:
            memory.clone_thread("non-existent", new_thread_id="wanted")
        assert str(info.value) == "Source thread with id non-existent not found"
        assert info.value.id.endswith("_CLONE_THREAD_SOURCE_NOT_FOUND")
        assert memory.get_thread_by_id("wanted") is None

    def test_custom_thread_id(self, memory: MemoryRepository, source: ThreadRead) -> None:
        result = memory.clone_thread(source.id, new_thread_id="my-clone")
        assert result.thread.id == "my-clone"
        assert memory.list_messages("my-clone").total == 3

    def test_existing_thread_id_is_a_conflict(self, memory: MemoryRepository, source: ThreadRead) -> None:
        existing = make_thread(memory, "taken", resource_id="someone")
        before = snapshot(memory, "taken", source.id)
        with pytest.raises(ConflictError) as info:
            memory.clone_thread(source.id, new_thread_id=existing.id)
        assert str(info.value) == "Thread with id taken already exists"
        assert info.value.id.endswith("_CLONE_THREAD_THREAD_EXISTS")
        assert snapshot(memory, "taken", source.id) == before

    def test_clone_to_another_resource(self, memory: MemoryRepository, source: ThreadRead) -> None:
        result = memory.clone_thread(source.id, resource_id="new-owner")
        assert result.thread.resource_id == "new-owner"
        assert all(m.resource_id == "new-owner" for m in result.cloned_messages)
        assert ids(memory.list_threads(resource_id="new-owner").threads) == [result.thread.id]
        assert memory.list_messages(result.thread.id, resource_id="new-owner").total == 3

    def test_custom_metadata_without_the_source_metadata(
        self, memory: MemoryRepository, source: ThreadRead
    ) -> None:
        result = memory.clone_thread(source.id, metadata={"customField": "v", "anotherField": 2})
        metadata = result.thread.metadata
        assert metadata is not None
        assert set(metadata) == {"customField", "anotherField", "clone"}
        assert (metadata["customField"], metadata["anotherField"]) == ("v", 2)
        assert metadata["clone"]["sourceThreadId"] == source.id

    def test_clone_of_an_empty_thread(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        result = memory.clone_thread(thread.id)
        assert result.cloned_messages == []
        assert result.thread.metadata is not None
        assert "lastMessageId" not in result.thread.metadata["clone"]

    def test_clones_can_be_found_by_metadata(self, memory: MemoryRepository, source: ThreadRead) -> None:
        """Mastra's ``listClones``/``isClone`` read ``metadata.clone``; the clone is listable by owner."""
        clone = memory.clone_thread(source.id).thread
        owned = memory.list_threads(resource_id="owner", per_page=False).threads
        clones = [t for t in owned if (t.metadata or {}).get("clone", {}).get("sourceThreadId") == source.id]
        assert clones == [clone]

    def test_negative_message_limit_is_rejected(self, memory: MemoryRepository, source: ThreadRead) -> None:
        with pytest.raises(ValidationError):
            memory.clone_thread(source.id, new_thread_id="c", message_limit=-1)
        assert memory.get_thread_by_id("c") is None


# --- ownership (DESIGN §4) ------------------------------------------------------------------------


def _ownership_message(thread_id: str, owner: str, queried: str) -> str:
    return f"Thread with id {thread_id} is for resource with id {owner} but resource {queried} was queried."


class TestOwnership:
    @pytest.fixture
    def owned(self, memory: MemoryRepository) -> ThreadRead:
        """``alice-thread`` of ``alice``, with a message attributed to bob; ``mallory`` owns another."""
        thread = make_thread(memory, "alice-thread", resource_id="alice", title="secret", metadata={"k": 1})
        save_texts(memory, thread, ["a1", "a2"])
        memory.save_messages([message_data(thread.id, "bob", "from bob", created_at=at(10))])
        mallory = make_thread(memory, "mallory-thread", resource_id="mallory")
        save_texts(memory, mallory, ["m1"])
        current = memory.get_thread_by_id(thread.id)
        assert current is not None
        return current

    CALLS: list[tuple[str, Callable[[MemoryRepository], object]]] = [
        ("get_thread_by_id", lambda m: m.get_thread_by_id("alice-thread", resource_id="mallory")),
        (
            "update_thread",
            lambda m: m.update_thread(
                "alice-thread", title="pwned", metadata={"k": 2}, resource_id="mallory"
            ),
        ),
        ("update_thread_no_fields", lambda m: m.update_thread("alice-thread", resource_id="mallory")),
        ("delete_thread", lambda m: m.delete_thread("alice-thread", resource_id="mallory")),
        ("list_messages", lambda m: m.list_messages("alice-thread", resource_id="mallory")),
        (
            "list_messages_many",
            lambda m: m.list_messages(["mallory-thread", "alice-thread"], resource_id="mallory"),
        ),
        (
            "list_messages_include",
            lambda m: m.list_messages(
                "alice-thread", resource_id="mallory", per_page=0, include=[{"id": "x"}]
            ),
        ),
    ]

    @pytest.mark.parametrize("call", [c for _, c in CALLS], ids=[name for name, _ in CALLS])
    def test_foreign_resource_is_refused_and_nothing_changes(
        self, memory: MemoryRepository, owned: ThreadRead, call: Callable[[MemoryRepository], object]
    ) -> None:
        before = snapshot(memory, "alice-thread", "mallory-thread")
        with pytest.raises(OwnershipError) as info:
            call(memory)
        assert str(info.value) == _ownership_message("alice-thread", "alice", "mallory")
        assert isinstance(info.value, MastraDataError)
        assert info.value.category == "USER"
        assert info.value.id.startswith("MASTRA_STORAGE_")
        assert snapshot(memory, "alice-thread", "mallory-thread") == before

    def test_owner_may_read_update_list_and_delete(self, memory: MemoryRepository, owned: ThreadRead) -> None:
        assert memory.get_thread_by_id(owned.id, resource_id="alice") == owned
        page = memory.list_messages(owned.id, resource_id="alice")
        assert texts(page.messages) == ["a1", "a2"]  # bob's message in alice's thread is filtered out
        assert page.total == 2
        assert memory.list_messages(owned.id).total == 3  # server-side access: no filter
        updated = memory.update_thread(owned.id, title="renamed", resource_id="alice")
        assert updated.title == "renamed"
        memory.delete_thread(owned.id, resource_id="alice")
        assert memory.get_thread_by_id(owned.id) is None
        assert memory.list_messages(owned.id).total == 0

    def test_list_messages_filters_by_resource_across_threads(
        self, memory: MemoryRepository, owned: ThreadRead
    ) -> None:
        other = make_thread(memory, "alice-2", resource_id="alice")
        memory.save_messages([message_data(other.id, "carol", "from carol", created_at=at(20))])
        save_texts(memory, other, ["a3"], start=at(30))
        page = memory.list_messages([owned.id, other.id], resource_id="alice")
        assert texts(page.messages) == ["a1", "a2", "a3"]
        assert page.total == 3

    def test_the_foreign_thread_is_named_among_several(
        self, memory: MemoryRepository, owned: ThreadRead
    ) -> None:
        """The error names the thread that is foreign, even among several."""
        make_thread(memory, "zed-thread", resource_id="zed")
        with pytest.raises(OwnershipError) as info:
            memory.list_messages(["alice-thread", "zed-thread"], resource_id="zed")
        assert str(info.value) == _ownership_message("alice-thread", "alice", "zed")

    def test_clone_resource_id_is_not_an_ownership_check(
        self, memory: MemoryRepository, owned: ThreadRead
    ) -> None:
        result = memory.clone_thread(owned.id, new_thread_id="mallory-copy", resource_id="mallory")
        assert result.thread.resource_id == "mallory"
        assert memory.get_thread_by_id("mallory-copy", resource_id="mallory") == result.thread


# --- bad input ------------------------------------------------------------------------------------


BLANK_IDS = ["", "   ", "\t\n"]

BLANK_THREAD_CALLS: list[tuple[str, Callable[[MemoryRepository, Any], object]]] = [
    ("get_thread_by_id", lambda m, t: m.get_thread_by_id(t)),
    ("get_thread_by_id_owner", lambda m, t: m.get_thread_by_id(t, resource_id="r")),
    ("update_thread", lambda m, t: m.update_thread(t, title="x")),
    ("delete_thread", lambda m, t: m.delete_thread(t)),
    ("list_messages", lambda m, t: m.list_messages(t)),
    ("list_messages_list", lambda m, t: m.list_messages(["real-thread", t])),
    ("save_thread", lambda m, t: m.save_thread({"id": t, "resource_id": "r", "title": "x"})),
    ("clone_source", lambda m, t: m.clone_thread(t)),
    ("clone_target", lambda m, t: m.clone_thread("real-thread", new_thread_id=t)),
]


class TestBadInput:
    @pytest.mark.parametrize("blank", BLANK_IDS, ids=repr)
    @pytest.mark.parametrize(
        "call", [c for _, c in BLANK_THREAD_CALLS], ids=[n for n, _ in BLANK_THREAD_CALLS]
    )
    def test_blank_thread_ids(
        self, memory: MemoryRepository, call: Callable[[MemoryRepository, Any], object], blank: str
    ) -> None:
        make_thread(memory, "real-thread")
        before = snapshot(memory, "real-thread")
        with pytest.raises(ValidationError) as info:
            call(memory, blank)
        assert info.value.category == "USER"
        assert snapshot(memory, "real-thread") == before
        assert memory.list_threads().total == 1

    @pytest.mark.parametrize("thread_id", ["", "   ", [], ["ok", "  "]], ids=repr)
    def test_list_messages_blank_thread_id_message(self, memory: MemoryRepository, thread_id: Any) -> None:
        with pytest.raises(ValidationError) as info:
            memory.list_messages(thread_id)
        assert str(info.value) == THREAD_ID_ERROR
        assert info.value.id.endswith("_LIST_MESSAGES_INVALID_THREAD_ID")

    def test_non_string_thread_id(self, memory: MemoryRepository) -> None:
        with pytest.raises(ValidationError):
            memory.get_thread_by_id(None)  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            memory.list_messages([None])  # type: ignore[list-item]

    def test_thread_without_resource_id(self, memory: MemoryRepository) -> None:
        for data in ({"id": "t", "title": "x"}, {"id": "t", "resource_id": "  ", "title": "x"}):
            with pytest.raises(ValidationError):
                memory.save_thread(data)
        assert memory.get_thread_by_id("t") is None

    @pytest.mark.parametrize(
        ("page", "per_page", "message"),
        [
            (-1, 10, "page must be >= 0"),
            (0, -1, "perPage must be >= 0"),
            (1, False, "page must be 0 when perPage is false"),
            (0, True, "perPage must be false or a safe integer"),
            (0, 2.5, "perPage must be false or a safe integer"),
        ],
    )
    @pytest.mark.parametrize("method", ["list_threads", "list_messages"])
    def test_bad_pagination(
        self, memory: MemoryRepository, method: str, page: Any, per_page: Any, message: str
    ) -> None:
        thread = make_thread(memory)
        call: Callable[[], object] = (
            (lambda: memory.list_threads(page=page, per_page=per_page))
            if method == "list_threads"
            else (lambda: memory.list_messages(thread.id, page=page, per_page=per_page))
        )
        with pytest.raises(ValidationError) as info:
            call()
        assert str(info.value) == message
        assert info.value.id.endswith(f"_{method.upper()}_INVALID_PAGE")
        assert info.value.category == "USER"

    def test_page_value_too_large(self, memory: MemoryRepository) -> None:
        with pytest.raises(ValidationError):
            memory.list_threads(page=2**53, per_page=10)

    @pytest.mark.parametrize(
        ("key", "message"),
        [
            (
                "bad-key",
                'Invalid metadata key: "bad-key". Keys must start with a letter or underscore and contain '
                "only alphanumeric characters and underscores.",
            ),
            (
                "__proto__",
                'Invalid metadata key: "__proto__". Keys must start with a letter or underscore and contain '
                "only alphanumeric characters and underscores.",
            ),
            ("a" * 129, f'Metadata key "{"a" * 129}" exceeds maximum length of 128 characters.'),
            ("constructor", None),
            ("prototype", None),
            ("1abc", None),
            ("", None),
            ("a.b", None),
            ("a'); DROP TABLE mastra_threads; --", None),
            ("\u00e9t\u00e9", None),
        ],
    )
    def test_invalid_metadata_keys(self, memory: MemoryRepository, key: str, message: str | None) -> None:
        make_thread(memory, metadata={key: 1})  # stored metadata may hold any key; filters may not
        with pytest.raises(ValidationError) as info:
            memory.list_threads(metadata={key: 1})
        assert info.value.id.endswith("_LIST_THREADS_INVALID_METADATA_KEY")
        if message is not None:
            assert str(info.value) == message
        assert memory.list_threads().total == 1

    def test_longest_valid_key(self, memory: MemoryRepository) -> None:
        key = "_" + "a" * 127
        thread = make_thread(memory, metadata={key: "v"})
        assert ids(memory.list_threads(metadata={key: "v"}).threads) == [thread.id]

    @pytest.mark.parametrize(
        ("value", "kind"),
        [({"a": 1}, "object"), ([1, 2], "array"), ((1,), "array"), ({1, 2}, None), (b"x", None)],
        ids=["dict", "list", "tuple", "set", "bytes"],
    )
    def test_non_scalar_filter_values(self, memory: MemoryRepository, value: Any, kind: str | None) -> None:
        make_thread(memory, metadata={"k": 1})
        with pytest.raises(ValidationError) as info:
            memory.list_threads(metadata={"k": value})
        assert info.value.id.endswith("_LIST_THREADS_INVALID_METADATA_VALUE")
        if kind is not None:
            assert str(info.value) == (
                'Metadata filter value for key "k" must be a scalar type (string, number, boolean, or null), '
                f"got {kind}"
            )

    @pytest.mark.parametrize(
        "date_range", [{"start": "not a date"}, {"end": "2024-13-45"}, {"start": 12345}], ids=repr
    )
    def test_bad_date_range(
        self, memory: MemoryRepository, conversation: Conversation, date_range: dict[str, Any]
    ) -> None:
        with pytest.raises(ValidationError):
            memory.list_messages(conversation.thread.id, date_range=date_range)

    @pytest.mark.parametrize(
        "item",
        [{}, {"id": ""}, {"id": "x", "with_previous_messages": -1}, {"id": "x", "with_next_messages": "2"}],
        ids=repr,
    )
    def test_bad_include(
        self, memory: MemoryRepository, conversation: Conversation, item: dict[str, Any]
    ) -> None:
        with pytest.raises(ValidationError):
            memory.list_messages(conversation.thread.id, include=[item])

    def test_bad_message_fields(self, memory: MemoryRepository) -> None:
        thread = make_thread(memory)
        good = message_data(thread.id, thread.resource_id, "ok", created_at=at(1))
        for bad in (
            {**good, "id": "bad-date", "created_at": "yesterday-ish"},
            {**good, "id": "bad-role", "role": None},
            {**good, "id": "bad-content", "content": 42},
        ):
            with pytest.raises(ValidationError):
                memory.save_messages([good, bad])
        assert memory.list_messages(thread.id).total == 0

    def test_bad_thread_fields(self, memory: MemoryRepository) -> None:
        with pytest.raises(ValidationError):
            memory.save_thread({"id": "t", "resource_id": "r", "title": "x", "created_at": "not a date"})
        with pytest.raises(ValidationError):
            memory.save_thread({"id": "t", "resource_id": "r", "title": "x", "metadata": "not a dict"})
        assert memory.get_thread_by_id("t") is None

    WRONG_ARGUMENTS: list[tuple[str, Callable[[MemoryRepository], object]]] = [
        ("update_thread_metadata_str", lambda m: m.update_thread("t", metadata="x")),  # type: ignore[arg-type]
        ("update_thread_metadata_list", lambda m: m.update_thread("t", metadata=[1])),  # type: ignore[arg-type]
        ("update_thread_title_int", lambda m: m.update_thread("t", title=123)),  # type: ignore[arg-type]
        ("update_resource_metadata_str", lambda m: m.update_resource("r", metadata="x")),  # type: ignore[arg-type]
        ("create_resource_metadata_str", lambda m: m.update_resource("new", metadata="xy")),  # type: ignore[arg-type]
        ("create_resource_working_memory_int", lambda m: m.update_resource("new", working_memory=5)),  # type: ignore[arg-type]
        ("update_messages_content_int", lambda m: m.update_messages([{"id": "m1", "content": 5}])),
        ("update_messages_role_int", lambda m: m.update_messages([{"id": "m1", "role": 5}])),
        ("update_messages_not_mapping", lambda m: m.update_messages(["m1"])),  # type: ignore[list-item]
        ("save_messages_not_mapping", lambda m: m.save_messages(["m1"])),  # type: ignore[list-item]
        ("save_thread_not_mapping", lambda m: m.save_thread("t")),  # type: ignore[arg-type]
        ("include_not_mapping", lambda m: m.list_messages("t", include=["m1"])),  # type: ignore[list-item]
        ("date_range_not_mapping", lambda m: m.list_messages("t", date_range="2024")),  # type: ignore[arg-type]
        ("metadata_filter_not_mapping", lambda m: m.list_threads(metadata=[("a", 1)])),  # type: ignore[arg-type]
        (
            "clone_start_date_garbage",
            lambda m: m.clone_thread("t", new_thread_id="c", message_filter={"start_date": "garbage"}),
        ),
        (
            "clone_end_date_int",
            lambda m: m.clone_thread("t", new_thread_id="c", message_filter={"end_date": 5}),
        ),
        ("clone_limit_str", lambda m: m.clone_thread("t", new_thread_id="c", message_limit="2")),  # type: ignore[arg-type]
        (
            "save_thread_nan_metadata",
            lambda m: m.save_thread(
                {"id": "c", "resource_id": "r", "title": "x", "metadata": {"x": float("nan")}}
            ),
        ),
        ("filter_nan", lambda m: m.list_threads(metadata={"n": float("nan")})),
        ("filter_inf", lambda m: m.list_threads(metadata={"n": float("inf")})),
    ]

    @pytest.mark.parametrize("call", [c for _, c in WRONG_ARGUMENTS], ids=[n for n, _ in WRONG_ARGUMENTS])
    def test_wrongly_typed_arguments_are_validation_errors(
        self, memory: MemoryRepository, call: Callable[[MemoryRepository], object]
    ) -> None:
        """DESIGN §5: bad input is a ``ValidationError`` (never ``AttributeError``, ``BackendError``…)."""
        make_thread(memory, "t", resource_id="r", metadata={"n": 1})
        memory.save_messages([message_data("t", "r", "hi", created_at=at(1), message_id="m1")])
        memory.save_resource({"id": "r", "working_memory": "wm", "metadata": {"a": 1}})
        before = snapshot(memory, "t", "c")
        resource = memory.get_resource_by_id("r")
        with pytest.raises(ValidationError):
            call(memory)
        assert snapshot(memory, "t", "c") == before
        assert memory.get_resource_by_id("r") == resource
        assert memory.get_resource_by_id("new") is None


def test_nul_in_text_is_refused_not_truncated(memory: MemoryRepository) -> None:
    """libSQL's driver would cut "a\\x00b" to "a" and PostgreSQL refuses it: both raise, nothing stored."""
    for bad in (
        {"id": "t\x00", "resource_id": "r", "title": "x"},
        {"id": "t", "resource_id": "r", "title": "a\x00b"},
    ):
        with pytest.raises(ValidationError) as info:
            memory.save_thread(bad)
        assert info.value.id.endswith("_SAVE_THREAD_INVALID_TEXT")
    assert memory.list_threads().total == 0
    with pytest.raises(ValidationError):
        memory.update_resource("r\x00", working_memory="x")
    assert memory.get_resource_by_id("r") is None
