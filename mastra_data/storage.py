"""``Storage``: the composite that wires each domain to its backend (Mastra's ``MastraStorage``)."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, cast

import pydantic
from sqlalchemy.engine import Engine

from mastra_data.db import migrations
from mastra_data.db.dialects import backend_for
from mastra_data.db.engine import create_engine
from mastra_data.errors import ConfigurationError
from mastra_data.settings import DOMAINS, OFF, Domain, StorageSettings

if TYPE_CHECKING:
    from mastra_data.agents.repository import AgentsRepository
    from mastra_data.memory.repository import MemoryRepository
    from mastra_data.observability.repository import ObservabilityRepository
    from mastra_data.scores.repository import ScoresRepository
    from mastra_data.vectors.store import VectorStore
    from mastra_data.workflows.repository import WorkflowsRepository

__all__ = ("Storage",)

# Domain name -> factory building its repository from (storage, engine). Each domain package
# registers itself here when it is implemented; a domain without one is absent (get_store -> None).
DomainFactory = Callable[["Storage", Engine], Any]
_DOMAIN_FACTORIES: dict[str, DomainFactory] = {}


def register_domain(name: Domain | str, factory: DomainFactory) -> None:
    """Attach a domain repository factory (used by the domain packages)."""
    _DOMAIN_FACTORIES[name] = factory


def _memory(storage: Storage, engine: Engine) -> Any:
    from mastra_data.memory.repository import MemoryRepository

    return MemoryRepository(engine, vectors=lambda: storage.vectors)


def _workflows(storage: Storage, engine: Engine) -> Any:
    from mastra_data.workflows.repository import WorkflowsRepository

    return WorkflowsRepository(engine)


def _scores(storage: Storage, engine: Engine) -> Any:
    from mastra_data.scores.repository import ScoresRepository

    return ScoresRepository(engine)


def _observability(storage: Storage, engine: Engine) -> Any:
    from mastra_data.observability.repository import ObservabilityRepository

    return ObservabilityRepository(engine)


def _agents(storage: Storage, engine: Engine) -> Any:
    from mastra_data.agents.repository import AgentsRepository

    return AgentsRepository(engine)


# Imports stay inside the factories: a domain's code loads only when the domain is first used.
register_domain("memory", _memory)
register_domain("workflows", _workflows)
register_domain("scores", _scores)
register_domain("observability", _observability)
register_domain("agents", _agents)


class Storage:
    """All of Mastra's storage domains, each on the database its settings name.

    Engines are created lazily, one per distinct URL, so domains sharing a database share a pool.
    Use it as a context manager, or call :meth:`close`.

    Example:
        >>> storage = Storage.from_url("sqlite+libsql:///./mastra.db")
        >>> storage.migrate()
    """

    def __init__(self, settings: StorageSettings | None = None) -> None:
        self.settings = settings or StorageSettings()
        self._engines: dict[str, Engine] = {}
        self._stores: dict[str, Any] = {}
        self._vectors: VectorStore | None = None

    @classmethod
    def from_url(cls, url: str, **settings: Any) -> Storage:
        """A storage whose every domain uses ``url``; other settings as keyword arguments.

        Raises:
            ConfigurationError: unsupported URL scheme or an invalid setting.
        """
        try:
            return cls(StorageSettings(url=url, **settings))
        except pydantic.ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ConfigurationError("MASTRA_STORAGE_INVALID_SETTINGS", problems) from None

    def engine_for(self, domain: Domain | str) -> Engine:
        """The engine a domain (or ``"vector"``) runs on.

        Raises:
            ConfigurationError: the URL cannot work (e.g. a libSQL file in a missing directory), or the
                domain is switched off.
        """
        url = self.settings.url_for(domain)  # type: ignore[arg-type]
        if url == OFF:
            raise ConfigurationError(
                "MASTRA_STORAGE_DOMAIN_ABSENT", f"The {domain} domain is switched off (its URL is 'off')"
            )
        engine = self._engines.get(url)
        if engine is None:
            engine = self._engines[url] = self._create_engine(url)
        return engine

    def _create_engine(self, url: str) -> Engine:
        """Build the engine for ``url`` (a private hook: ``AsyncStorage`` builds PostgreSQL's engines
        over the asyncio driver through it)."""
        return create_engine(url, self.settings)

    def migrate(self, revision: str = "head") -> None:
        """``alembic upgrade <revision>`` on every database a domain uses (idempotent).

        Adopts databases that Mastra's ``init()`` created: keeps their rows, adds what is missing.

        Raises:
            MigrationError: the database is at a revision this package does not know (newer package).
            BackendError: the database is unreachable or failed.
            ConfigurationError: a URL cannot work.
        """
        seen: set[str] = set()
        for domain in DOMAINS:
            if not self.settings.enabled(domain):
                continue
            engine = self.engine_for(domain)
            key = str(engine.url)
            if key not in seen:
                seen.add(key)
                migrations.upgrade(engine, revision)

    @property
    def memory(self) -> MemoryRepository:
        """Threads, messages, resources (working memory) and clones."""
        return cast("MemoryRepository", self._require("memory"))

    @property
    def workflows(self) -> WorkflowsRepository:
        """Workflow run snapshots (``mastra_workflow_snapshot``)."""
        return cast("WorkflowsRepository", self._require("workflows"))

    @property
    def scores(self) -> ScoresRepository:
        """Eval scores (``mastra_scorers``)."""
        return cast("ScoresRepository", self._require("scores"))

    @property
    def observability(self) -> ObservabilityRepository:
        """AI tracing spans (``mastra_ai_spans``)."""
        return cast("ObservabilityRepository", self._require("observability"))

    @property
    def agents(self) -> AgentsRepository:
        """Stored agents (``mastra_agents``)."""
        return cast("AgentsRepository", self._require("agents"))

    @property
    def vectors(self) -> VectorStore:
        """The vector store (``LibSQLVector`` or ``PgVector``) on ``vector_url`` (default: ``url``)."""
        if self._vectors is None:
            engine = self.engine_for("vector")
            self._vectors = backend_for(engine).vector_store(engine)
        return self._vectors

    def _require(self, name: str) -> Any:
        store = self.get_store(name)
        if store is None:
            raise ConfigurationError("MASTRA_STORAGE_DOMAIN_ABSENT", f"The {name} domain is not available")
        return store

    def get_store(self, name: str) -> Any | None:
        """Mastra's ``getStore``: the domain's repository, or ``None`` for an absent domain (an unknown
        name, or a domain whose URL is ``off``). Repositories are created once and reused."""
        if name not in self._stores:
            factory = _DOMAIN_FACTORIES.get(name)
            if factory is None or not self.settings.enabled(name):  # type: ignore[arg-type]
                return None
            self._stores[name] = factory(self, self.engine_for(name))
        return self._stores[name]

    def close(self) -> None:
        """Dispose of every engine (closes pooled connections). Safe to call twice."""
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        self._stores.clear()
        self._vectors = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Storage({self.settings!r})"
