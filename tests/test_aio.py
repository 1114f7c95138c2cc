"""The async API (``mastra_data.aio.AsyncStorage``) on libSQL and PostgreSQL.

Three parts: the facades mirror the sync repositories (names, signatures, coroutines); 200 concurrent
coroutine calls on one storage all succeed with the right results, and errors are the same typed errors
as the sync API; and the memory behaviour suite of ``test_memory.py`` runs again, unchanged, against the
async facade (through ``SyncOverAsync`` from conftest).

The two backends take different paths (see ``mastra_data.aio``): PostgreSQL runs the sync repositories on
the event loop over psycopg's asyncio driver (greenlets), libSQL runs them in a worker pool. Tests in
"the two paths" check which path a call really takes, that neither blocks the event loop, cancellation
and event-loop binding. The reused memory suite runs in full on both backends.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import psycopg
import pytest
import test_memory as sync_suite
from sqlalchemy import event
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
def test_200_concurrent_calls_on_one_storage(
    backend: str, db_url: str, run_async: RunAsync, pool: int | None
) -> None:
    """Mixed reads and writes, all at once; a pool of 2 connections makes 198 of them queue."""
    settings: dict[str, Any] = {} if pool is None else {"pool_size": pool, "max_overflow": 0}

    async def scenario() -> None:
        async with AsyncStorage.from_url(db_url, **settings) as storage:
            await storage.migrate()
            memory = storage.memory
            # PostgreSQL: through the asyncio driver, on a pool of `pool` connections.
            engine = storage.engine_for("memory")
            assert engine.dialect.is_async is (backend == "postgres")
            if backend == "postgres" and pool is not None:
                assert engine.pool.size() == pool  # type: ignore[attr-defined]
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
    """One storage used from one loop after another (``asyncio.run`` three times): the worker pool is not
    tied to a loop, and the PostgreSQL pool is rebound to each new loop once the previous one is closed
    (the fixture then closes it from a third loop)."""

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


# --- the two paths: PostgreSQL on the event loop, libSQL in worker threads --------------------------

DOMAINS = ("memory", "workflows", "scores", "observability", "agents", "vector")


def _record_threads(engine: Any, seen: list[tuple[int, str]], delay: float = 0.0) -> Callable[..., None]:
    """A ``before_cursor_execute`` listener noting the thread of every statement (and sleeping)."""

    def listener(*_: Any) -> None:
        seen.append((threading.get_ident(), threading.current_thread().name))
        if delay:
            time.sleep(delay)

    event.listen(engine, "before_cursor_execute", listener)
    return listener


@pytest.mark.parametrize("backend", ["postgres"])
def test_postgres_statements_run_on_the_event_loop_through_the_async_driver(
    async_storage: AsyncStorage, run_async: RunAsync
) -> None:
    engines = {domain: async_storage.engine_for(domain) for domain in DOMAINS}
    assert all(engine.dialect.is_async for engine in engines.values())
    assert async_storage.engine_for("memory") is not async_storage.sync.engine_for("memory")
    assert not async_storage.sync.engine_for("memory").dialect.is_async
    engine = engines["memory"]  # one URL: one engine for every domain
    seen: list[tuple[int, str]] = []
    listener = _record_threads(engine, seen)

    async def scenario() -> int:
        s = async_storage
        await asyncio.gather(
            s.memory.save_thread(sync_suite.thread_data("t-loop", "r")),
            s.workflows.persist_workflow_snapshot(workflow_name="wf", run_id="r-1", snapshot={"a": 1}),
            s.agents.create_agent({"id": "a-1", "name": "A", "instructions": "hi", "model": {}}),
            s.scores.list_scores_by_scorer_id("scorer"),
            s.observability.get_trace(trace_id="trace-1"),
            s.vectors.create_index("loop_idx", 3),
        )
        await s.memory.save_messages(
            [sync_suite.message_data("t-loop", "r", f"m {n}", created_at=sync_suite.at(n)) for n in range(5)]
        )
        await s.vectors.upsert("loop_idx", [[1.0, 0.0, 0.0]], ids=["x"])
        assert [h.id for h in await s.vectors.query("loop_idx", [1.0, 0.0, 0.0], top_k=1)] == ["x"]
        assert len((await s.memory.list_messages("t-loop", per_page=False)).messages) == 5
        return threading.get_ident()

    try:
        loop_thread = run_async(scenario())
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(seen) >= 10
    assert {ident for ident, _ in seen} == {loop_thread}
    assert {name for _, name in seen} == {"test-event-loop"}  # no mastra-data-aio worker


@pytest.mark.parametrize("backend", ["postgres"])
def test_postgres_waits_on_the_server_without_blocking_the_loop(
    async_storage: AsyncStorage, db_url: str, run_async: RunAsync
) -> None:
    """A call waiting on a row lock held by another session: the loop keeps running other tasks."""

    async def scenario() -> int:
        await async_storage.memory.save_thread(sync_suite.thread_data("t-wait", "r"))
        async with await psycopg.AsyncConnection.connect(db_url) as blocker:
            await blocker.execute("SELECT 1 FROM mastra_threads WHERE id = 't-wait' FOR UPDATE")
            update = asyncio.create_task(async_storage.memory.update_thread("t-wait", title="after"))
            ticks = 0
            while ticks < 20:
                await asyncio.sleep(0.005)
                ticks += 1
            assert not update.done()  # still waiting for the lock
            await blocker.rollback()
        thread = await update
        assert thread.title == "after"
        return ticks

    assert run_async(scenario()) == 20


@pytest.mark.parametrize("backend", ["libsql"])
def test_libsql_statements_run_in_worker_threads_and_the_loop_keeps_ticking(
    async_storage: AsyncStorage, run_async: RunAsync
) -> None:
    engine = async_storage.engine_for("memory")
    assert not engine.dialect.is_async
    assert engine is async_storage.sync.engine_for("memory")  # libSQL: the sync storage's engine
    seen: list[tuple[int, str]] = []
    # A slow database: 100 ms a statement, in whichever thread runs it.
    listener = _record_threads(engine, seen, delay=0.1)

    async def scenario() -> tuple[int, int]:
        ticks = 0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                await asyncio.sleep(0.005)
                ticks += 1

        task = asyncio.create_task(ticker())
        try:
            await async_storage.memory.save_thread(sync_suite.thread_data("t-slow", "r"))
            await async_storage.memory.save_messages(
                [sync_suite.message_data("t-slow", "r", "hi", created_at=sync_suite.at(0))]
            )
        finally:
            done.set()
            await task
        return ticks, threading.get_ident()

    try:
        ticks, loop_thread = run_async(scenario())
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(seen) >= 2  # >= 200 ms of "database" time
    assert ticks >= 10  # a loop blocked by the calls would not have ticked at all
    assert loop_thread not in {ident for ident, _ in seen}
    assert all(name.startswith("mastra-data-aio") for _, name in seen)


@pytest.mark.parametrize("backend", ["postgres"])
def test_cancelling_a_postgres_call_rolls_its_transaction_back(
    async_storage: AsyncStorage,
    db_url: str,
    run_async: RunAsync,
    event_loop_thread: asyncio.AbstractEventLoop,
) -> None:
    """A ``save_messages`` batch cancelled mid-flight: its rows were inserted and it waits on the thread
    row (locked by another session) when cancelled; none of it is written, and the storage goes on."""
    memory = async_storage.memory
    run_async(memory.save_thread(sync_suite.thread_data("t-cancel", "r")))
    batch = [
        sync_suite.message_data("t-cancel", "r", f"m {n}", created_at=sync_suite.at(n), message_id=f"c-{n}")
        for n in range(2000)
    ]
    with psycopg.connect(db_url) as blocker, psycopg.connect(db_url, autocommit=True) as watcher:

        def sessions(where: str) -> int:
            """Other sessions of this database (not the blocker's) matching ``where``."""
            row = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                f"AND pid NOT IN (pg_backend_pid(), {blocker.info.backend_pid}) AND ({where})"
            ).fetchone()
            return -1 if row is None else int(row[0])

        blocker.execute("SELECT 1 FROM mastra_threads WHERE id = 't-cancel' FOR UPDATE")
        future = asyncio.run_coroutine_threadsafe(memory.save_messages(batch), event_loop_thread)
        deadline = time.monotonic() + 10
        # The batch's messages are inserted; its UPDATE of the thread row waits for the lock.
        while sessions("wait_event_type = 'Lock' AND query LIKE 'UPDATE mastra_threads%'") != 1:
            assert time.monotonic() < deadline, "save_messages never waited on the thread row"
            assert not future.done()
            time.sleep(0.01)
        future.cancel()
        with pytest.raises(concurrent.futures.CancelledError):
            future.result()
        # The statement is cancelled on the server (psycopg sends a cancel request) and the session's
        # transaction ends, while the blocker still holds its lock.
        while sessions("wait_event_type = 'Lock' OR state LIKE 'idle in transaction%'") != 0:
            assert time.monotonic() < deadline, "the cancelled transaction is still open"
            time.sleep(0.01)
        blocker.rollback()
    page = run_async(memory.list_messages("t-cancel", per_page=False))
    assert page.messages == []
    # The storage still works.
    saved = run_async(memory.save_messages(batch[:3]))
    assert [m.id for m in saved] == ["c-0", "c-1", "c-2"]
    assert len(run_async(memory.list_messages("t-cancel", per_page=False)).messages) == 3


@pytest.mark.parametrize("backend", ["postgres"])
def test_postgres_connections_follow_the_event_loop(async_storage: AsyncStorage, run_async: RunAsync) -> None:
    """Bound to the session's loop (running in its thread), a call from a second running loop is refused;
    after close() the storage can move to another loop."""
    run_async(async_storage.memory.save_thread(sync_suite.thread_data("t-bound", "r")))
    with pytest.raises(ConfigurationError) as err:
        asyncio.run(async_storage.memory.get_thread_by_id("t-bound"))
    assert err.value.id == "MASTRA_STORAGE_ASYNC_EVENT_LOOP"
    # The thread-pool path (migrate) is not tied to a loop.
    asyncio.run(async_storage.migrate())
    assert run_async(async_storage.memory.get_thread_by_id("t-bound")) is not None
    run_async(async_storage.close())
    again = asyncio.run(async_storage.memory.get_thread_by_id("t-bound"))
    assert again is not None
    assert again.id == "t-bound"


def test_a_domain_touching_a_database_without_an_async_driver_runs_in_threads(
    make_pg_database: Callable[[], str], tmp_path: Path, run_async: RunAsync
) -> None:
    """Memory touches the vector store too: with one of them on libSQL, memory runs in the worker pool
    over the sync storage (recall works), while PostgreSQL-only domains stay on the event loop."""
    pg, libsql = make_pg_database(), f"sqlite+libsql:///{tmp_path / 'm.db'}"

    async def recall_round_trip(storage: AsyncStorage) -> None:
        await storage.migrate()
        await storage.memory.save_thread(sync_suite.thread_data("t1", "u"))
        saved = await storage.memory.save_messages(
            [sync_suite.message_data("t1", "u", "tea", created_at=sync_suite.at(0), message_id="m1")]
        )
        await storage.memory.index_messages(saved, [[0.0, 1.0, 0.0]])
        result = await storage.memory.recall("t1", resource_id="u", query_vector=[0.0, 1.0, 0.0], top_k=1)
        assert [m.id for m in result.messages] == ["m1"]
        assert [h.id for h in result.hits] != []

    async def scenario() -> None:
        async with AsyncStorage.from_url(pg, vector_url=libsql) as storage:
            await recall_round_trip(storage)
            assert not storage.engine_for("memory").dialect.is_async
            assert storage.engine_for("memory") is storage.sync.engine_for("memory")
            assert storage.engine_for("workflows").dialect.is_async
            assert not storage.engine_for("vector").dialect.is_async
        async with AsyncStorage.from_url(libsql, vector_url=pg) as storage:
            await recall_round_trip(storage)
            assert not storage.engine_for("memory").dialect.is_async
            assert storage.engine_for("vector").dialect.is_async
        async with AsyncStorage.from_url(pg, vector_url="off") as storage:
            assert storage.engine_for("memory").dialect.is_async

    run_async(scenario())


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
TestAsyncThreadSorting = _async_variant(sync_suite.TestThreadSorting, BOTH)
TestAsyncListThreadsFiltering = _async_variant(sync_suite.TestListThreadsFiltering, BOTH)
TestAsyncMetadataFilterSemantics = _async_variant(sync_suite.TestMetadataFilterSemantics, BOTH)
TestAsyncListMessages = _async_variant(sync_suite.TestListMessages, BOTH)
TestAsyncInclude = _async_variant(sync_suite.TestInclude, BOTH)
TestAsyncPerPage = _async_variant(sync_suite.TestPerPage, BOTH)
TestAsyncDateRanges = _async_variant(sync_suite.TestDateRanges, BOTH)
TestAsyncListMessagesById = _async_variant(sync_suite.TestListMessagesById, BOTH)
TestAsyncUpdateMessages = _async_variant(sync_suite.TestUpdateMessages, BOTH)
TestAsyncDeleteMessages = _async_variant(sync_suite.TestDeleteMessages, BOTH)
TestAsyncCloneThread = _async_variant(sync_suite.TestCloneThread, BOTH)
TestAsyncBadInput = _async_variant(sync_suite.TestBadInput, BOTH)


def test_every_memory_suite_class_has_an_async_variant() -> None:
    """A class added to test_memory.py must be added here too (or the async API silently loses it)."""
    suites = {n for n, v in vars(sync_suite).items() if n.startswith("Test") and isinstance(v, type)}
    variants = {v.__name__.replace("TestAsync", "Test", 1) for v in globals().values() if _is_variant(v)}
    assert suites == variants


def _is_variant(value: Any) -> bool:
    return isinstance(value, type) and value.__name__.startswith("TestAsync") and value.__module__ == __name__
