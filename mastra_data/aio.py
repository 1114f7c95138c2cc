"""``AsyncStorage``: the public surface of :class:`~mastra_data.storage.Storage` as coroutines, for asyncio
apps (FastAPI, aiohttp, …).

Every domain facade (``storage.memory``, ``.workflows``, ``.scores``, ``.observability``, ``.agents``,
``.vectors``) is generated from the sync repository class: each public method of the sync class becomes
an ``async def`` of the same name and signature that runs the sync method and returns its result or
raises its error (the same typed :class:`~mastra_data.errors.MastraDataError` subclasses, with the same
ids). Because the facades are derived from the sync classes, a method added to a repository is available
asynchronously without touching this module, and there is no second, async copy of any query.

How a call runs depends on the database:

* **PostgreSQL: on the event loop, through psycopg 3's asyncio driver.** The repositories are the
  ordinary sync ones, built over the sync face (``AsyncEngine.sync_engine``) of an engine made with
  ``create_async_engine``. A call runs inside SQLAlchemy's ``greenlet_spawn`` (what
  ``AsyncConnection.run_sync`` uses): the repository's code runs on the event-loop thread, and each
  database round trip is awaited on the loop, so a waiting call holds a connection but no thread. The
  pool has the sync engine's settings; at most ``pool_size + max_overflow`` calls run at once per
  storage and event loop, the rest wait in an ``asyncio.Semaphore``. The Python work of a call (building
  statements, validating rows, decoding results) runs on the loop thread, as it would in any async
  driver.
* **libSQL: in a bounded thread pool** (there is no asyncio libSQL driver). One pool per
  ``AsyncStorage``, of ``pool_size + max_overflow`` workers named ``mastra-data-aio``, runs the sync
  repositories of :attr:`AsyncStorage.sync`; more calls queue for a worker. The event loop never blocks
  on the database. The thread pool is not tied to an event loop.

A domain takes the event-loop path only if every database it touches has an asyncio driver: ``memory``
also touches the vector store (``recall``, ``index_messages``), so memory on PostgreSQL with vectors on
libSQL (or the reverse) runs in the thread pool, over :attr:`AsyncStorage.sync`. ``migrate()`` always
runs Alembic in the thread pool, over :attr:`AsyncStorage.sync` (whose PostgreSQL engine is a separate,
ordinary psycopg engine, created when first used).

One ``AsyncStorage`` is safe to share across the tasks of one event loop. Event loops: asyncio
connections belong to the loop that opened them, so the PostgreSQL connections are bound to the loop
that made the last call. When a call comes from another loop while that loop is stopped or closed (a
second ``asyncio.run``, a test runner's loop per test), the pool's idle connections are closed (a
local socket close, no round trip) and the storage binds to the new loop. A call from a second loop
while the bound one is still running (in another thread) raises :class:`ConfigurationError`
``MASTRA_STORAGE_ASYNC_EVENT_LOOP``: use one ``AsyncStorage`` per loop there, or :class:`Storage` from
threads. libSQL calls work from any loop and thread. :meth:`AsyncStorage.close` unbinds the storage.

Cancellation: cancelling a coroutine whose call is still waiting (for a worker, the semaphore or a
pooled connection) removes it. On PostgreSQL a call already running is cancelled at the round trip it
is awaiting: psycopg asks the server to cancel the statement, and the call's transaction rolls back as
a whole (SQLAlchemy discards the connection, or rolls it back on the way out), so nothing of a
cancelled ``save_messages`` batch is written; the ``CancelledError`` reaches the caller. On libSQL a
call already running in a worker finishes (its transaction commits or rolls back as a whole) and its
result is discarded.

Example:
    >>> async with AsyncStorage.from_url("sqlite+libsql:///./mastra.db") as storage:
    ...     await storage.migrate()
    ...     thread = await storage.memory.save_thread({"id": "t1", "resource_id": "r1", "title": "Hi"})
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self, TypeVar

from sqlalchemy.engine import Engine, make_url
from sqlalchemy.util import greenlet_spawn

from mastra_data.agents.repository import AgentsRepository
from mastra_data.db.dialects import backend_for_url, normalize_url
from mastra_data.errors import ConfigurationError
from mastra_data.memory.repository import MemoryRepository
from mastra_data.observability.repository import ObservabilityRepository
from mastra_data.scores.repository import ScoresRepository
from mastra_data.settings import Domain, StorageSettings
from mastra_data.storage import Storage
from mastra_data.vectors.store import VectorStore
from mastra_data.workflows.repository import WorkflowsRepository

__all__ = (
    "AsyncAgentsRepository",
    "AsyncMemoryRepository",
    "AsyncObservabilityRepository",
    "AsyncRepository",
    "AsyncScoresRepository",
    "AsyncStorage",
    "AsyncVectorStore",
    "AsyncWorkflowsRepository",
)

T = TypeVar("T")


class _Runs(Protocol):
    """How a facade runs a sync repository method: in a worker thread or on the event loop."""

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T: ...


class _Runner:
    """The bounded worker pool an ``AsyncStorage`` runs its libSQL calls (and ``migrate``) in.

    A ``ThreadPoolExecutor`` rather than an ``asyncio.Semaphore`` around ``asyncio.to_thread``: the
    executor is not bound to one event loop, so a storage made at import time (or shared between loops
    in tests) works on whichever loop awaits it, and its own queue is the limiter.
    """

    def __init__(self, max_workers: int) -> None:
        self.max_workers = max_workers
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.max_workers, thread_name_prefix="mastra-data-aio")
            return self._executor

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        # Like asyncio.to_thread: the call sees the caller's context variables (request ids, tracing).
        call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
        return await loop.run_in_executor(self._pool(), call)

    def shutdown(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            # Queued calls still run; we do not wait for them here (close() already ran behind them).
            executor.shutdown(wait=False)


class _NoAsyncDriverError(Exception):
    """The database of a URL has no asyncio driver (libSQL): its domains run in the thread pool."""


class _AsyncDriverStorage(Storage):
    """The storage of the event-loop path: each engine is the sync face (``AsyncEngine.sync_engine``)
    of an engine over the database's asyncio driver, so its repositories work only inside
    ``greenlet_spawn``. Asked for a URL without an asyncio driver, it raises :class:`_NoAsyncDriverError`."""

    def _create_engine(self, url: str) -> Engine:
        normalized = normalize_url(url)
        engine = backend_for_url(normalized).create_async_engine(make_url(normalized), self.settings)
        if engine is None:
            raise _NoAsyncDriverError(url)
        return engine.sync_engine

    def dispose_pools(self) -> None:
        """Close the idle pooled connections of every engine (inside ``greenlet_spawn``); repositories
        and engines stay, the pools reconnect lazily."""
        for engine in list(self._engines.values()):
            engine.dispose()


class _EventLoopRunner:
    """Runs sync repository methods on the caller's event loop, over an asyncio driver.

    ``greenlet_spawn`` runs the method in a greenlet on the loop thread; every database round trip
    inside switches back to the loop and is awaited there. A semaphore per loop lets at most
    ``max_concurrency`` calls in at once (the pool's capacity), so the rest queue without meeting the
    pool's checkout timeout. Binds to one event loop at a time (see the module docstring).
    """

    def __init__(self, storage: _AsyncDriverStorage, max_concurrency: int) -> None:
        self._storage = storage
        self.max_concurrency = max_concurrency
        self._loop: weakref.ref[asyncio.AbstractEventLoop] | None = None
        self._gate: asyncio.Semaphore | None = None
        self._lock = threading.Lock()

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        gate = await self._enter()
        async with gate:
            # greenlet_spawn runs fn in a greenlet that shares the task's context (context variables).
            return await greenlet_spawn(fn, *args, **kwargs)

    async def _enter(self) -> asyncio.Semaphore:
        """The running loop's semaphore, binding the storage to that loop first if needed."""
        loop = asyncio.get_running_loop()
        with self._lock:
            bound = None if self._loop is None else self._loop()
            if bound is loop and self._gate is not None:
                return self._gate
            if bound is not None and bound.is_running():
                raise ConfigurationError(
                    "MASTRA_STORAGE_ASYNC_EVENT_LOOP",
                    "This AsyncStorage's PostgreSQL connections belong to an event loop that is still "
                    "running in another thread; use one AsyncStorage per event loop",
                )
            stale = self._loop is not None
            self._loop = weakref.ref(loop)
            gate = self._gate = asyncio.Semaphore(self.max_concurrency)
        if stale:
            # The pooled connections were opened on the previous loop; closing them is a local socket
            # close (no await suspends), so no call of this loop can take one meanwhile.
            await greenlet_spawn(self._storage.dispose_pools)
        return gate

    def unbind(self) -> None:
        """Forget the event loop (after the pools were closed): the next call binds to its own loop."""
        with self._lock:
            self._loop = None
            self._gate = None


def _async_method(name: str, sync_function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(sync_function)
    async def method(self: AsyncRepository, /, *args: Any, **kwargs: Any) -> Any:
        return await self._runner.run(getattr(self._sync, name), *args, **kwargs)

    # functools.wraps keeps __wrapped__, so inspect.signature() reports the sync method's signature.
    return method


def _forwarded(name: str, doc: str | None) -> property:
    def get(self: AsyncRepository) -> Any:
        return getattr(self._sync, name)

    return property(get, doc=doc)


class AsyncRepository:
    """Base of the async facades: wraps one sync repository instance.

    A subclass names the sync class it mirrors (``class AsyncX(AsyncRepository, wraps=X)``); every public
    method of that class (inherited ones included) becomes an ``async def`` with the same name, signature
    and docstring that runs the sync method (on the event loop over an asyncio driver, or in the storage's
    worker pool; see the module docstring). Public non-callable attributes (e.g. ``VectorStore.metrics``)
    are forwarded read-only.
    """

    wraps: ClassVar[type]

    def __init__(self, sync: Any, runner: _Runs) -> None:
        self._sync = sync
        self._runner = runner

    def __init_subclass__(cls, *, wraps: type, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.wraps = wraps
        for name, value in inspect.getmembers(wraps):
            if name.startswith("_") or name in cls.__dict__:
                continue
            if inspect.isfunction(value):
                method = _async_method(name, value)
                method.__qualname__ = f"{cls.__qualname__}.{name}"
                setattr(cls, name, method)
            elif not callable(value):
                doc = value.__doc__ if isinstance(value, property) else None
                setattr(cls, name, _forwarded(name, doc))

    @property
    def sync(self) -> Any:
        """The wrapped sync repository. On the event-loop path (PostgreSQL) its engine runs over the
        asyncio driver, so it works only inside SQLAlchemy's ``greenlet_spawn``; sync code should use
        :attr:`AsyncStorage.sync` instead."""
        return self._sync

    if TYPE_CHECKING:
        # The methods are generated at class creation, so the type checker cannot see them; each is an
        # ``async def`` returning what the sync method returns.
        def __getattr__(self, name: str) -> Any: ...

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._sync!r})"


class AsyncMemoryRepository(AsyncRepository, wraps=MemoryRepository):
    """:class:`~mastra_data.memory.repository.MemoryRepository` as coroutines."""


class AsyncWorkflowsRepository(AsyncRepository, wraps=WorkflowsRepository):
    """:class:`~mastra_data.workflows.repository.WorkflowsRepository` as coroutines."""


class AsyncScoresRepository(AsyncRepository, wraps=ScoresRepository):
    """:class:`~mastra_data.scores.repository.ScoresRepository` as coroutines."""


class AsyncObservabilityRepository(AsyncRepository, wraps=ObservabilityRepository):
    """:class:`~mastra_data.observability.repository.ObservabilityRepository` as coroutines."""


class AsyncAgentsRepository(AsyncRepository, wraps=AgentsRepository):
    """:class:`~mastra_data.agents.repository.AgentsRepository` as coroutines."""


class AsyncVectorStore(AsyncRepository, wraps=VectorStore):
    """The vector store (``LibSQLVector`` or ``PgVector``) as coroutines."""


_FACADES: dict[type, type[AsyncRepository]] = {
    cls.wraps: cls
    for cls in (
        AsyncMemoryRepository,
        AsyncWorkflowsRepository,
        AsyncScoresRepository,
        AsyncObservabilityRepository,
        AsyncAgentsRepository,
        AsyncVectorStore,
    )
}
_FACADES_LOCK = threading.Lock()


def _facade_class(sync_cls: type) -> type[AsyncRepository]:
    """The facade class for a sync repository class (generated once for a domain registered later)."""
    with _FACADES_LOCK:
        for klass in sync_cls.__mro__:
            if klass in _FACADES:
                return _FACADES[klass]
        facade = type(
            f"Async{sync_cls.__name__}", (AsyncRepository,), {"__module__": __name__}, wraps=sync_cls
        )
        _FACADES[sync_cls] = facade
        return facade


class AsyncStorage:
    """All of Mastra's storage domains, as coroutines (see the module docstring for how calls run).

    Same construction, names and errors as :class:`~mastra_data.storage.Storage`; the domain properties
    return async facades whose methods are awaited. Use ``async with``, or ``await close()``.

    Example:
        >>> storage = AsyncStorage.from_url("postgresql://localhost/app")
        >>> await storage.migrate()
        >>> page = await storage.memory.list_threads(resource_id="user-1")
    """

    def __init__(self, settings: StorageSettings | None = None) -> None:
        self._storage = Storage(settings)
        self._native = _AsyncDriverStorage(self._storage.settings)
        capacity = self.settings.pool_size + self.settings.max_overflow
        self._runner = _Runner(capacity)
        self._on_loop = _EventLoopRunner(self._native, capacity)
        self._facades: dict[str, AsyncRepository] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **settings: Any) -> AsyncStorage:
        """An async storage whose every domain uses ``url``; other settings as keyword arguments.

        Raises:
            ConfigurationError: unsupported URL scheme or an invalid setting.
        """
        return cls(Storage.from_url(url, **settings).settings)

    @property
    def settings(self) -> StorageSettings:
        """The settings (shared with :attr:`sync`)."""
        return self._storage.settings

    @property
    def sync(self) -> Storage:
        """A sync :class:`Storage` on the same settings: the one the thread-pool path runs (libSQL
        domains, ``migrate``), so libSQL engines and pools are shared. Its PostgreSQL engines are
        ordinary psycopg ones, separate from the asyncio pool, created when first used."""
        return self._storage

    @property
    def max_concurrency(self) -> int:
        """How many calls run at once (``pool_size + max_overflow``); more wait in a queue."""
        return self._runner.max_workers

    def engine_for(self, domain: Domain | str) -> Engine:
        """The engine a domain's (or ``"vector"``'s) calls run on: over an asyncio driver (its
        ``dialect.is_async`` is true; usable only inside ``greenlet_spawn``) when the domain takes the
        event-loop path, else the ordinary engine of :attr:`sync`.

        Raises:
            ConfigurationError: the domain is absent or its URL cannot work.
        """
        facade = self.vectors if domain == "vector" else self.get_store(domain)
        if facade is None:
            self._storage._require(domain)  # raises the sync ConfigurationError
        assert facade is not None
        on_loop = facade._runner is self._on_loop
        return (self._native if on_loop else self._storage).engine_for(domain)

    async def migrate(self, revision: str = "head") -> None:
        """``alembic upgrade <revision>`` on every database a domain uses (idempotent); runs in the
        worker pool over :attr:`sync`.

        Raises:
            MigrationError: the database is at a revision this package does not know (newer package).
            BackendError: the database is unreachable or failed.
            ConfigurationError: a URL cannot work.
        """
        await self._runner.run(self._storage.migrate, revision)

    @property
    def memory(self) -> AsyncMemoryRepository:
        """Threads, messages, resources (working memory) and clones, as coroutines."""
        return self._facade("memory", AsyncMemoryRepository)

    @property
    def workflows(self) -> AsyncWorkflowsRepository:
        """Workflow run snapshots, as coroutines."""
        return self._facade("workflows", AsyncWorkflowsRepository)

    @property
    def scores(self) -> AsyncScoresRepository:
        """Eval scores, as coroutines."""
        return self._facade("scores", AsyncScoresRepository)

    @property
    def observability(self) -> AsyncObservabilityRepository:
        """AI tracing spans, as coroutines."""
        return self._facade("observability", AsyncObservabilityRepository)

    @property
    def agents(self) -> AsyncAgentsRepository:
        """Stored agents, as coroutines."""
        return self._facade("agents", AsyncAgentsRepository)

    @property
    def vectors(self) -> AsyncVectorStore:
        """The vector store on ``vector_url`` (default: ``url``), as coroutines.

        Raises:
            ConfigurationError: the vector URL is ``off`` or cannot work.
        """
        with self._lock:
            facade = self._facades.get("vector")
            if facade is None:
                try:
                    facade = AsyncVectorStore(self._native.vectors, self._on_loop)
                except _NoAsyncDriverError:
                    facade = AsyncVectorStore(self._storage.vectors, self._runner)
                self._facades["vector"] = facade
        return facade  # type: ignore[return-value]

    def get_store(self, name: str) -> AsyncRepository | None:
        """Mastra's ``getStore``: the domain's async facade, or ``None`` for an absent domain (an unknown
        name, or a domain whose URL is ``off``). Creates no connection.

        Raises:
            ConfigurationError: the domain's URL cannot work (e.g. a libSQL file in a missing directory).
        """
        with self._lock:
            facade = self._facades.get(name)
            if facade is not None:
                return facade
            # Memory reaches the vector store too (recall, index_messages), so it takes the event-loop
            # path only if both have an asyncio driver.
            with_vectors = name == "memory" and self.settings.enabled("vector")
            storage: Storage = self._native
            runner: _Runs = self._on_loop
            try:
                if with_vectors:
                    self._native.engine_for("vector")
                sync = self._native.get_store(name)
            except _NoAsyncDriverError:
                storage, runner = self._storage, self._runner
                sync = self._storage.get_store(name)
            if sync is None:
                return None
            if with_vectors:
                # The memory repository reaches the vector store lazily; create it here, on one thread,
                # so concurrent calls do not race to create it.
                _ = storage.vectors
            facade = self._facades[name] = _facade_class(type(sync))(sync, runner)
            return facade

    def _facade(self, name: str, kind: type[T]) -> T:
        facade = self.get_store(name)
        if facade is None:
            # Storage._require raises the same ConfigurationError for an absent domain.
            self._storage._require(name)
        assert isinstance(facade, kind)
        return facade

    async def close(self) -> None:
        """Dispose of every engine and stop the workers. Safe to call twice; the storage can be used again
        afterwards, from any event loop (it reconnects lazily, as :class:`Storage` does).

        The thread-pool engines are disposed in the worker queue, so calls queued before it have
        started; a call still running keeps its connection until it finishes (SQLAlchemy closes it when
        it is returned to the disposed pool)."""
        await self._runner.run(self._storage.close)
        # The asyncio engines: closing their idle connections is a local socket close, so this works
        # from any loop (also when the loop that opened them is gone).
        await greenlet_spawn(self._native.close)
        self._on_loop.unbind()
        with self._lock:
            self._facades.clear()
        self._runner.shutdown()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"AsyncStorage({self.settings!r})"
