"""The async API (``mastra_data.aio.AsyncStorage``) on libSQL and PostgreSQL.

Three parts: the facades mirror the sync repositories (names, signatures, coroutines); 200 concurrent
coroutine calls on one storage all succeed with the right results, and errors are the same typed errors
as the sync API; and the memory behaviour suite of ``test_memory.py`` runs again, unchanged, against the
async facade (through ``SyncOverAsync`` from conftest).

To keep CI time modest the reused memory suite runs in full on libSQL and a subset of its classes
(threads, messages, resources, ownership) on PostgreSQL: the thread-pool design is the same on both
backends, and the full sync suite already covers PostgreSQL's SQL.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
import test_memory as sync_suite
from test_memory import conversation, local_time_zone  # noqa: F401  (fixtures the reused suite needs)

from mastra_data import (
    ConfigurationError,
    MastraDataError,
    MessageRead,
    NotFoundError,
    OwnershipError,
    Storage,
    ThreadRead,
    ValidationError,
)
from mastra_data.agents.repository import AgentsRepository
from mastra_data.aio import (
    AsyncAgentsRepository,
    AsyncMemoryRepository,
    AsyncObservabilityRepository,
    AsyncRepository,
    AsyncScoresRepository,
    AsyncStorage,
    AsyncVectorStore,
    AsyncWorkflowsRepository,
)
from mastra_data.memory.repository import MemoryRepository
from mastra_data.observability.repository import ObservabilityRepository
from mastra_data.scores.repository import ScoresRepository
from mastra_data.vectors.store import VectorStore
from mastra_data.workflows.repository import WorkflowsRepository

RunAsync = Callable[[Coroutine[Any, Any, Any]], Any]

FACADES: list[tuple[type[AsyncRepository], type]] = [
    (AsyncMemoryRepository, MemoryRepository),
    (AsyncWorkflowsRepository, WorkflowsRepository),
    (AsyncScoresRepository, ScoresRepository),
    (AsyncObservabilityRepository, ObservabilityRepository),
    (AsyncAgentsRepository, AgentsRepository),
    (AsyncVectorStore, VectorStore),
]


# --- the surface ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("facade", "sync"), FACADES, ids=[f.__name__ for f, _ in FACADES])
def test_every_public_sync_method_is_a_coroutine_with_the_same_signature(facade: type, sync: type) -> None:
    public = [n for n, v in inspect.getmembers(sync, inspect.isfunction) if not n.startswith("_")]
    assert public
    for name in public:
        method = getattr(facade, name)
        assert inspect.iscoroutinefunction(method), name
        assert inspect.signature(method) == inspect.signature(getattr(sync, name)), name
        assert method.__doc__ == getattr(sync, name).__doc__


def test_domains_get_store_and_properties(async_storage: AsyncStorage) -> None:
    assert isinstance(async_storage.memory, AsyncMemoryRepository)
    assert isinstance(async_storage.workflows, AsyncWorkflowsRepository)
    assert isinstance(async_storage.scores, AsyncScoresRepository)
    assert isinstance(async_storage.observability, AsyncObservabilityRepository)
    assert isinstance(async_storage.agents, AsyncAgentsRepository)
    assert isinstance(async_storage.vectors, AsyncVectorStore)
    assert async_storage.get_store("memory") is async_storage.memory
    assert async_storage.get_store("no-such-domain") is None
    assert async_storage.vectors.metrics == async_storage.sync.vectors.metrics
    assert (
        async_storage.max_concurrency
        == async_storage.settings.pool_size + async_storage.settings.max_overflow
    )


def test_a_domain_switched_off_is_absent(tmp_path: Path) -> None:
    storage = AsyncStorage.from_url(f"sqlite+libsql:///{tmp_path / 'm.db'}", scores_url="off")
    assert storage.get_store("scores") is None
    with pytest.raises(ConfigurationError) as err:
        _ = storage.scores
    assert err.value.id == "MASTRA_STORAGE_DOMAIN_ABSENT"


def test_invalid_settings_are_the_sync_configuration_errors(tmp_path: Path) -> None:
    for kwargs in ({"url": "mysql://x/y"}, {"url": f"sqlite+libsql:///{tmp_path}/no/such/dir/m.db"}):
        with pytest.raises(ConfigurationError) as sync_err:
            Storage.from_url(**kwargs).engine_for("memory")
        with pytest.raises(ConfigurationError) as async_err:
            AsyncStorage.from_url(**kwargs).get_store("memory")
        assert async_err.value.id == sync_err.value.id


def test_async_with_closes_and_the_storage_reconnects(db_url: str, run_async: RunAsync) -> None:
    async def scenario() -> tuple[ThreadRead | None, ThreadRead | None]:
        async with AsyncStorage.from_url(db_url) as storage:
            await storage.migrate()
            await storage.memory.save_thread(sync_suite.thread_data("t-1", "r-1"))
        # Closed: the engines are disposed; like Storage, the next use reconnects lazily.
        first = await storage.memory.get_thread_by_id("t-1")
        await storage.close()
        await storage.close()  # twice is safe
        async with AsyncStorage.from_url(db_url) as again:
            return first, await again.memory.get_thread_by_id("t-1")

    first, second = run_async(scenario())
    assert first is not None
    assert second is not None
    assert first.id == second.id == "t-1"


def test_every_domain_round_trips(async_storage: AsyncStorage, run_async: RunAsync) -> None:
    async def scenario() -> None:
        s = async_storage
        await s.workflows.persist_workflow_snapshot(
            workflow_name="wf", run_id="run-1", snapshot={"status": "ok"}
        )
        snapshot = await s.workflows.load_workflow_snapshot(workflow_name="wf", run_id="run-1")
        assert snapshot is not None
        assert snapshot["status"] == "ok"

        agent = await s.agents.create_agent({"id": "a-1", "name": "Agent", "instructions": "hi", "model": {}})
        assert (await s.agents.get_agent_by_id("a-1")) == agent

        await s.vectors.create_index("aio_idx", 3)
        await s.vectors.upsert("aio_idx", [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], ids=["x", "y"])
        hits = await s.vectors.query("aio_idx", [1.0, 0.0, 0.0], top_k=1)
        assert [h.id for h in hits] == ["x"]
        assert "aio_idx" in await s.vectors.list_indexes()

    run_async(scenario())


# --- concurrency ------------------------------------------------------------------------------------

THREADS = 10
CALLS = 200


@pytest.mark.parametrize("pool", [None, 2], ids=["default-pool", "pool-of-2"])
def test_200_concurrent_calls_on_one_storage(db_url: str, run_async: RunAsync, pool: int | None) -> None:
    """Mixed reads and writes, all at once; a pool of 2 connections makes 198 of them queue."""
    settings: dict[str, Any] = {} if pool is None else {"pool_size": pool, "max_overflow": 0}

    async def scenario() -> None:
        async with AsyncStorage.from_url(db_url, **settings) as storage:
            await storage.migrate()
            memory = storage.memory
            thread_ids = [f"thread-{n}" for n in range(THREADS)]
            await asyncio.gather(*(memory.save_thread(sync_suite.thread_data(t, "res")) for t in thread_ids))
            # The resource exists before the burst: the first update_resource of a missing resource is
            # select-then-insert, which two concurrent callers race on PostgreSQL (reported separately).
            await memory.save_resource({"id": "res", "working_memory": "initial"})

            def call(i: int) -> Coroutine[Any, Any, Any]:
                thread_id = thread_ids[i % THREADS]
                if i % 4 == 0:
                    return memory.save_messages(
                        [
                            sync_suite.message_data(
                                thread_id,
                                "res",
                                f"text {i}",
                                created_at=sync_suite.at(i),
                                message_id=f"m-{i}",
                            )
                        ]
                    )
                if i % 4 == 1:
                    return memory.get_thread_by_id(thread_id)
                if i % 4 == 2:
                    return memory.list_threads(resource_id="res", per_page=False)
                return memory.update_resource("res", working_memory=f"wm {i}")

            results = await asyncio.gather(*(call(i) for i in range(CALLS)))

            for i, result in enumerate(results):
                if i % 4 == 0:
                    assert [m.id for m in result] == [f"m-{i}"]
                elif i % 4 == 1:
                    assert isinstance(result, ThreadRead)
                    assert result.id == thread_ids[i % THREADS]
                elif i % 4 == 2:
                    assert sorted(t.id for t in result.threads) == sorted(thread_ids)
                else:
                    assert result.id == "res"
                    assert result.working_memory == f"wm {i}"

            page = await memory.list_messages(thread_ids, per_page=False)
            expected = {f"m-{i}" for i in range(0, CALLS, 4)}
            assert {m.id for m in page.messages} == expected
            assert all(isinstance(m, MessageRead) for m in page.messages)
            resource = await memory.get_resource_by_id("res")
            assert resource is not None
            assert resource.working_memory in {f"wm {i}" for i in range(3, CALLS, 4)}
            if pool is not None:
                assert storage.max_concurrency == pool

    run_async(scenario())


def test_concurrent_calls_from_two_event_loops(db_url: str, async_storage: AsyncStorage) -> None:
    """One storage shared by coroutines on two loops (the worker pool is not tied to a loop)."""

    async def writer(prefix: str) -> list[ThreadRead]:
        return await asyncio.gather(
            *(
                async_storage.memory.save_thread(sync_suite.thread_data(f"{prefix}-{n}", "r"))
                for n in range(20)
            )
        )

    first = asyncio.run(writer("a"))
    second = asyncio.run(writer("b"))
    assert len(first) == len(second) == 20
    total = asyncio.run(async_storage.memory.list_threads(resource_id="r", per_page=0)).total
    assert total == 40


# --- errors -----------------------------------------------------------------------------------------


def _sync_and_async_error(
    storage: Storage, async_storage: AsyncStorage, run_async: RunAsync, name: str, *args: Any, **kwargs: Any
) -> tuple[MastraDataError, MastraDataError]:
    with pytest.raises(MastraDataError) as sync_err:
        getattr(storage.memory, name)(*args, **kwargs)
    with pytest.raises(MastraDataError) as async_err:
        run_async(getattr(async_storage.memory, name)(*args, **kwargs))
    return sync_err.value, async_err.value


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (("update_thread", "missing", {"title": "x"}), NotFoundError),
        (("save_thread", {"id": "", "resource_id": "r"}, {}), ValidationError),
        (("list_messages", "", {}), ValidationError),
        (("list_threads", None, {"page": -1}), ValidationError),
        (("get_thread_by_id", "owned", {"resource_id": "someone-else"}), OwnershipError),
    ],
    ids=["not-found", "blank-thread-id", "blank-list-thread-id", "negative-page", "ownership"],
)
def test_errors_are_the_sync_typed_errors(
    storage: Storage, async_storage: AsyncStorage, run_async: RunAsync, call: tuple[Any, ...], error: type
) -> None:
    # Both storages on the same database: the async one was migrated by its fixture.
    storage.memory.save_thread(sync_suite.thread_data("owned", "owner"))
    name, arg, kwargs = call
    args = () if arg is None else (arg,)
    sync_exc, async_exc = _sync_and_async_error(storage, async_storage, run_async, name, *args, **kwargs)
    assert type(async_exc) is type(sync_exc)
    assert isinstance(async_exc, error)
    assert async_exc.id == sync_exc.id
    assert async_exc.message == sync_exc.message


# --- the memory behaviour suite, again, through the async facade ------------------------------------

BOTH = ("libsql", "postgres")
LIBSQL = ("libsql",)


def _async_variant(suite: type, backends: tuple[str, ...]) -> type:
    """``suite`` (a class of test_memory.py) with ``memory`` swapped for the async facade."""

    class Variant(suite):  # type: ignore[misc, valid-type]
        @pytest.fixture(params=backends)
        def backend(self, request: pytest.FixtureRequest) -> str:
            return str(request.param)

        @pytest.fixture
        def memory(self, async_memory: Any) -> Any:
            return async_memory

    Variant.__name__ = Variant.__qualname__ = f"TestAsync{suite.__name__.removeprefix('Test')}"
    Variant.__doc__ = f"test_memory.{suite.__name__} through AsyncStorage.memory ({', '.join(backends)})."
    return Variant


TestAsyncThreads = _async_variant(sync_suite.TestThreads, BOTH)
TestAsyncSaveMessages = _async_variant(sync_suite.TestSaveMessages, BOTH)
TestAsyncResources = _async_variant(sync_suite.TestResources, BOTH)
TestAsyncOwnership = _async_variant(sync_suite.TestOwnership, BOTH)
TestAsyncThreadSorting = _async_variant(sync_suite.TestThreadSorting, LIBSQL)
TestAsyncListThreadsFiltering = _async_variant(sync_suite.TestListThreadsFiltering, LIBSQL)
TestAsyncMetadataFilterSemantics = _async_variant(sync_suite.TestMetadataFilterSemantics, LIBSQL)
TestAsyncListMessages = _async_variant(sync_suite.TestListMessages, LIBSQL)
TestAsyncInclude = _async_variant(sync_suite.TestInclude, LIBSQL)
TestAsyncPerPage = _async_variant(sync_suite.TestPerPage, LIBSQL)
TestAsyncDateRanges = _async_variant(sync_suite.TestDateRanges, LIBSQL)
TestAsyncListMessagesById = _async_variant(sync_suite.TestListMessagesById, LIBSQL)
TestAsyncUpdateMessages = _async_variant(sync_suite.TestUpdateMessages, LIBSQL)
TestAsyncDeleteMessages = _async_variant(sync_suite.TestDeleteMessages, LIBSQL)
TestAsyncCloneThread = _async_variant(sync_suite.TestCloneThread, LIBSQL)
TestAsyncBadInput = _async_variant(sync_suite.TestBadInput, LIBSQL)


def test_every_memory_suite_class_has_an_async_variant() -> None:
    """A class added to test_memory.py must be added here too (or the async API silently loses it)."""
    suites = {n for n, v in vars(sync_suite).items() if n.startswith("Test") and isinstance(v, type)}
    variants = {v.__name__.replace("TestAsync", "Test", 1) for v in globals().values() if _is_variant(v)}
    assert suites == variants


def _is_variant(value: Any) -> bool:
    return isinstance(value, type) and value.__name__.startswith("TestAsync") and value.__module__ == __name__
