"""Behaviour suite of the agents domain (``storage.agents``), on libSQL and PostgreSQL.

Ports Mastra's beta.13-era ``createAgentsTests`` (``reference/mastra-storage-spec.md`` §6.9, the flat
``mastra_agents``) to the snake_case API of DESIGN §4, plus the bad-input cases of the issue: refused
calls raise typed errors and write nothing; unknown field names are refused, never dropped.

Every test gets a fresh, empty, migrated database. Times are set explicitly (``backdate``) where order
matters, never slept for.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from mastra_data import ConflictError, NotFoundError, Storage, ValidationError
from mastra_data.agents.models import AgentCreate, AgentRead, AgentsPage
from mastra_data.agents.repository import AGENTS, AgentsRepository
from mastra_data.db.dialects import backend_for

BASE = datetime(2024, 1, 1, tzinfo=UTC)


# --- fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture
def agents(storage: Storage) -> AgentsRepository:
    """The agents repository on a fresh, migrated database of the current backend."""
    repo: AgentsRepository = storage.agents
    return repo


def uid(prefix: str = "agent") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def agent_data(agent_id: str | None = None, **fields: Any) -> dict[str, Any]:
    """Mastra's sample agent: the required fields plus ``fields``."""
    return {
        "id": agent_id or uid(),
        "name": "Test Agent",
        "instructions": "You are a helpful assistant",
        "model": {"provider": "openai", "name": "gpt-4"},
        **fields,
    }


FULL_AGENT: dict[str, Any] = {
    "description": "A test agent with all fields",
    "tools": ["calculator", "webSearch"],
    "defaultOptions": {"temperature": 0.7, "maxTokens": 1000},
    "workflows": ["workflow-1", "workflow-2"],
    "agents": ["sub-agent-1"],
    "inputProcessors": [{"type": "sanitize", "config": {"strict": True}}],
    "outputProcessors": [{"type": "format", "config": {"style": "markdown"}}],
    "memory": "my-memory",
    "scorers": {"relevance": {"sampling": {"type": "ratio", "rate": 0.5}}, "toxicity": {}},
    "metadata": {"category": "test", "version": 1, "nested": {"a": [1, 2]}},
}


def backdate(storage: Storage, agent_id: str, created: datetime, updated: datetime | None = None) -> None:
    """Set an agent's createdAt/updatedAt (and PG shadows), to make order and bumps explicit."""
    engine = storage.engine_for("agents")
    values = backend_for(engine).row(AGENTS, {"createdAt": created, "updatedAt": updated or created})
    with engine.connect() as conn, conn.begin():
        conn.execute(sa.update(AGENTS).where(AGENTS.c.id == agent_id).values(values))


def table_state(storage: Storage) -> list[Any]:
    """Every row of ``mastra_agents`` as stored (each column's text, PG shadows included where they
    exist), to compare before and after a refused call."""
    engine = storage.engine_for("agents")
    present = {c["name"] for c in sa.inspect(engine).get_columns(AGENTS.name)}
    columns = [c for c in AGENTS.c if c.name in present]
    with engine.connect() as conn:
        query = sa.select(*(sa.cast(c, sa.Text()) for c in columns)).order_by(AGENTS.c.id)
        return [tuple(r) for r in conn.execute(query)]


def assert_page(page: AgentsPage, *, total: int, page_no: int, per_page: int | bool, has_more: bool) -> None:
    assert isinstance(page, AgentsPage)
    assert (page.total, page.page, page.per_page, page.has_more) == (total, page_no, per_page, has_more)


# --- §6.9 createAgent / getAgentById ----------------------------------------------------------------


class TestCreateAndGet:
    def test_create_and_retrieve_an_agent(self, agents: AgentsRepository) -> None:
        data = agent_data()
        created = agents.create_agent(data)
        assert isinstance(created, AgentRead)
        assert (created.id, created.name, created.instructions, created.model) == (
            data["id"],
            data["name"],
            data["instructions"],
            data["model"],
        )
        assert isinstance(created.created_at, datetime)
        assert created.created_at == created.updated_at
        assert created.created_at.utcoffset() == timedelta(0)

        got = agents.get_agent_by_id(data["id"])
        assert got == created

    def test_create_with_all_optional_fields(self, agents: AgentsRepository) -> None:
        data = agent_data(**FULL_AGENT)
        created = agents.create_agent(data)
        got = agents.get_agent_by_id(data["id"])
        assert got == created
        dumped = got.model_dump(by_alias=True, mode="json")
        assert {k: dumped[k] for k in data} == data
        assert dumped["createdAt"].endswith("Z")

    def test_minimal_required_fields(self, agents: AgentsRepository) -> None:
        created = agents.create_agent(
            {"id": "minimal", "name": "M", "instructions": "I", "model": {"provider": "openai"}}
        )
        got = agents.get_agent_by_id("minimal")
        assert got == created
        assert got.description is None
        assert got.tools is None
        assert got.metadata is None
        assert set(got.model_dump(by_alias=True, exclude_none=True)) == {
            "id",
            "name",
            "instructions",
            "model",
            "createdAt",
            "updatedAt",
        }

    def test_missing_agent_is_none(self, agents: AgentsRepository) -> None:
        assert agents.get_agent_by_id("non-existent") is None

    def test_retrieve_an_existing_agent_among_others(self, agents: AgentsRepository) -> None:
        target = agents.create_agent(agent_data(name="Target"))
        agents.create_agent(agent_data(name="Other"))
        got = agents.get_agent_by_id(target.id)
        assert got is not None
        assert got.name == "Target"

    def test_snake_case_keys_a_model_and_a_read_agent_are_accepted(self, agents: AgentsRepository) -> None:
        snake = agents.create_agent(
            {
                **agent_data(),
                "default_options": {"temperature": 0},
                "input_processors": [],
                "memory": {"id": "m"},
            }
        )
        assert snake.default_options == {"temperature": 0}
        assert snake.input_processors == []
        assert snake.memory == {"id": "m"}

        model = agents.create_agent(AgentCreate.model_validate(agent_data(tools=["t"])))
        assert agents.get_agent_by_id(model.id) == model

        copy = agents.create_agent(snake.model_copy(update={"id": "copy-of-snake"}))
        assert copy.default_options == snake.default_options
        assert copy.id == "copy-of-snake"

    def test_json_values_are_returned_as_stored(self, agents: AgentsRepository) -> None:
        created = agents.create_agent(
            agent_data(metadata={"pair": (1, 2), "n": {1: "one"}}, memory='memory {"not": "parsed"}')
        )
        assert created.metadata == {"pair": [1, 2], "n": {"1": "one"}}
        # A memory key string stays a string. (On PostgreSQL a string that *is* an object's JSON reads
        # back decoded, as @mastra/pg stores documents: see test_types.)
        assert created.memory == 'memory {"not": "parsed"}'
        assert agents.get_agent_by_id(created.id) == created

    def test_duplicate_id_is_a_conflict_and_changes_nothing(
        self, storage: Storage, agents: AgentsRepository
    ) -> None:
        agents.create_agent(agent_data("dup", name="First"))
        before = table_state(storage)
        with pytest.raises(ConflictError) as info:
            agents.create_agent(agent_data("dup", name="Second"))
        assert info.value.id.endswith("_CREATE_AGENT_ALREADY_EXISTS")
        assert info.value.message == "Agent with id dup already exists"
        assert table_state(storage) == before


# --- §6.9 updateAgent ---------------------------------------------------------------------------------


class TestUpdate:
    @pytest.fixture
    def agent(self, storage: Storage, agents: AgentsRepository) -> AgentRead:
        """An agent whose timestamps lie in the past, so that a bump is visible."""
        created = agents.create_agent(agent_data(metadata={"key1": "value1", "key2": "value2"}))
        backdate(storage, created.id, BASE)
        got = agents.get_agent_by_id(created.id)
        assert got is not None
        return got

    def test_update_name_keeps_instructions(self, agents: AgentsRepository, agent: AgentRead) -> None:
        updated = agents.update_agent(agent.id, name="Updated Name")
        assert updated.name == "Updated Name"
        assert updated.instructions == agent.instructions
        assert agents.get_agent_by_id(agent.id) == updated

    def test_update_instructions(self, agents: AgentsRepository, agent: AgentRead) -> None:
        updated = agents.update_agent(agent.id, instructions="New instructions")
        assert updated.instructions == "New instructions"
        assert updated.name == agent.name

    def test_update_model(self, agents: AgentsRepository, agent: AgentRead) -> None:
        model = {"provider": "anthropic", "name": "claude-3"}
        updated = agents.update_agent(agent.id, model=model)
        assert updated.model == model
        assert agents.get_agent_by_id(agent.id) == updated

    def test_merge_metadata(self, agents: AgentsRepository, agent: AgentRead) -> None:
        updated = agents.update_agent(agent.id, metadata={"key2": "updated", "key3": "value3"})
        expected = {"key1": "value1", "key2": "updated", "key3": "value3"}
        assert updated.metadata == expected
        got = agents.get_agent_by_id(agent.id)
        assert got is not None
        assert got.metadata == expected

    def test_metadata_merges_into_none_and_none_merges_nothing(self, agents: AgentsRepository) -> None:
        bare = agents.create_agent(agent_data())
        assert agents.update_agent(bare.id, metadata={"a": 1}).metadata == {"a": 1}
        assert agents.update_agent(bare.id, metadata=None).metadata == {"a": 1}

    def test_update_multiple_fields_at_once(self, agents: AgentsRepository, agent: AgentRead) -> None:
        updated = agents.update_agent(
            agent.id,
            name="Multi",
            description="Now described",
            tools=["calculator"],
            defaultOptions={"temperature": 0.2},
            scorers={"relevance": {}},
        )
        assert (updated.name, updated.description, updated.tools) == (
            "Multi",
            "Now described",
            ["calculator"],
        )
        assert updated.default_options == {"temperature": 0.2}
        assert updated.scorers == {"relevance": {}}
        assert updated.instructions == agent.instructions
        assert agents.get_agent_by_id(agent.id) == updated

    def test_update_bumps_updated_at_only(self, agents: AgentsRepository, agent: AgentRead) -> None:
        updated = agents.update_agent(agent.id, name="Bumped")
        assert updated.updated_at > agent.updated_at
        assert updated.created_at == agent.created_at == BASE
        got = agents.get_agent_by_id(agent.id)
        assert got is not None
        assert got.updated_at == updated.updated_at

    def test_none_clears_an_optional_field(self, agents: AgentsRepository) -> None:
        created = agents.create_agent(agent_data(**FULL_AGENT))
        updated = agents.update_agent(created.id, description=None, tools=None)
        assert (updated.description, updated.tools) == (None, None)
        assert updated.workflows == FULL_AGENT["workflows"]
        assert agents.get_agent_by_id(created.id) == updated

    def test_only_the_id_writes_nothing(
        self, storage: Storage, agents: AgentsRepository, agent: AgentRead
    ) -> None:
        before = table_state(storage)
        assert agents.update_agent(agent.id) == agent
        assert table_state(storage) == before

    def test_missing_agent_is_not_found(self, storage: Storage, agents: AgentsRepository) -> None:
        for fields in ({"name": "x"}, {}):
            with pytest.raises(NotFoundError) as info:
                agents.update_agent("ghost", **fields)
            store = backend_for(storage.engine_for("agents")).store
            assert info.value.id == f"MASTRA_STORAGE_{store}_UPDATE_AGENT_NOT_FOUND"
            assert info.value.message == "Agent ghost not found"
            assert info.value.category == "USER"
        assert table_state(storage) == []

    def test_concurrent_updates_leave_a_consistent_row(
        self, agents: AgentsRepository, agent: AgentRead
    ) -> None:
        def update(i: int) -> AgentRead:
            return agents.update_agent(agent.id, name=f"Name {i}", metadata={f"k{i}": i})

        with ThreadPoolExecutor(max_workers=5) as pool:
            results = list(pool.map(update, range(5)))
        got = agents.get_agent_by_id(agent.id)
        assert got is not None
        # No merge lost a key: each update saw the previous one's metadata.
        assert got.metadata == {"key1": "value1", "key2": "value2", **{f"k{i}": i for i in range(5)}}
        # The row is the last writer's whole update (name and metadata of one call, not a mix).
        last = max(results, key=lambda r: len(r.metadata or {}))
        assert got == last
        assert got.name in {f"Name {i}" for i in range(5)}


# --- §6.9 deleteAgent -----------------------------------------------------------------------------------


class TestDelete:
    def test_delete_an_existing_agent(self, agents: AgentsRepository) -> None:
        keep = agents.create_agent(agent_data())
        gone = agents.create_agent(agent_data())
        agents.delete_agent(gone.id)
        assert agents.get_agent_by_id(gone.id) is None
        assert agents.get_agent_by_id(keep.id) == keep

    def test_deleting_a_missing_agent_is_a_no_op(self, agents: AgentsRepository) -> None:
        agents.delete_agent("non-existent")
        assert agents.list_agents().total == 0

    def test_deleting_twice_is_a_no_op(self, agents: AgentsRepository) -> None:
        created = agents.create_agent(agent_data())
        agents.delete_agent(created.id)
        agents.delete_agent(created.id)
        assert agents.get_agent_by_id(created.id) is None


# --- §6.9 listAgents ---------------------------------------------------------------------------------


class TestList:
    def test_empty(self, agents: AgentsRepository) -> None:
        page = agents.list_agents()
        assert page.agents == []
        assert_page(page, total=0, page_no=0, per_page=100, has_more=False)

    def test_default_pagination(self, agents: AgentsRepository) -> None:
        for _ in range(5):
            agents.create_agent(agent_data())
        page = agents.list_agents()
        assert len(page.agents) == 5
        assert_page(page, total=5, page_no=0, per_page=100, has_more=False)

    @pytest.fixture
    def fifteen(self, storage: Storage, agents: AgentsRepository) -> list[str]:
        """15 agents created 1 s apart (agent-00 oldest); updatedAt in the reverse order."""
        ids = [f"agent-{i:02d}" for i in range(15)]
        for i, agent_id in enumerate(ids):
            agents.create_agent(agent_data(agent_id))
            backdate(storage, agent_id, BASE + timedelta(seconds=i), BASE + timedelta(seconds=100 - i))
        return ids

    def test_paginate(self, agents: AgentsRepository, fifteen: list[str]) -> None:
        first = agents.list_agents(page=0, per_page=5)
        assert len(first.agents) == 5
        assert_page(first, total=15, page_no=0, per_page=5, has_more=True)
        last = agents.list_agents(page=2, per_page=5)
        assert len(last.agents) == 5
        assert_page(last, total=15, page_no=2, per_page=5, has_more=False)
        seen = [a.id for p in range(3) for a in agents.list_agents(page=p, per_page=5).agents]
        assert seen == fifteen[::-1]

    def test_per_page_false_returns_all(self, agents: AgentsRepository, fifteen: list[str]) -> None:
        page = agents.list_agents(per_page=False)
        assert len(page.agents) == 15
        assert_page(page, total=15, page_no=0, per_page=False, has_more=False)
        assert page.model_dump(by_alias=True)["perPage"] is False

    def test_per_page_zero_counts_only(self, agents: AgentsRepository, fifteen: list[str]) -> None:
        page = agents.list_agents(per_page=0)
        assert page.agents == []
        assert page.total == 15

    @pytest.mark.parametrize(
        ("order", "newest_first"),
        [
            (None, True),
            ({"field": "createdAt", "direction": "DESC"}, True),
            ({"field": "createdAt", "direction": "ASC"}, False),
            ({"field": "updatedAt", "direction": "ASC"}, True),
            ({"field": "updatedAt", "direction": "DESC"}, False),
            ({"field": "bogus", "direction": "sideways"}, True),
        ],
    )
    def test_sort(
        self, agents: AgentsRepository, fifteen: list[str], order: dict[str, str] | None, newest_first: bool
    ) -> None:
        ids = [a.id for a in agents.list_agents(order_by=order, per_page=False).agents]
        assert ids == (fifteen[::-1] if newest_first else fifteen)

    def test_ties_are_ordered_by_id(self, storage: Storage, agents: AgentsRepository) -> None:
        for agent_id in ("b", "c", "a"):
            agents.create_agent(agent_data(agent_id))
            backdate(storage, agent_id, BASE)
        assert [a.id for a in agents.list_agents().agents] == ["c", "b", "a"]
        asc = agents.list_agents(order_by={"direction": "ASC"})
        assert [a.id for a in asc.agents] == ["a", "b", "c"]


# --- §6.9 edge cases ---------------------------------------------------------------------------------


class TestEdgeCases:
    def test_large_model_configuration(self, agents: AgentsRepository) -> None:
        model = {
            "provider": "openai",
            "name": "gpt-4",
            "settings": {
                f"param{i}": {"value": i, "list": list(range(20)), "text": "x" * 100} for i in range(200)
            },
        }
        created = agents.create_agent(agent_data(model=model))
        got = agents.get_agent_by_id(created.id)
        assert got is not None
        assert got.model == model

    def test_special_characters_in_instructions(self, agents: AgentsRepository) -> None:
        instructions = (
            "Use \"quotes\", 'apostrophes', back\\slashes; DROP TABLE mastra_agents; -- "
            "emoji 😀🚀, <html><b>tags</b></html> & こんにちは\n\ttabs"
        )
        created = agents.create_agent(agent_data(instructions=instructions))
        got = agents.get_agent_by_id(created.id)
        assert got is not None
        assert got.instructions == instructions

    def test_large_metadata(self, agents: AgentsRepository) -> None:
        metadata = {
            f"key{i}": {"value": f"value{i}", "nested": {"deep": [i, str(i), None]}} for i in range(500)
        }
        created = agents.create_agent(agent_data(metadata=metadata))
        got = agents.get_agent_by_id(created.id)
        assert got is not None
        assert got.metadata == metadata

    def test_tools_configuration(self, agents: AgentsRepository) -> None:
        tools = ["calculator", "webSearch", "codeInterpreter"]
        created = agents.create_agent(agent_data(tools=tools))
        got = agents.get_agent_by_id(created.id)
        assert got is not None
        assert got.tools == tools


# --- bad input ---------------------------------------------------------------------------------------
# Case tables are looped over inside a few tests (each test pays for a fresh database).

BAD_CREATE: list[tuple[dict[str, Any], str]] = [
    ({"name": "n", "instructions": "i", "model": {}}, "id"),
    ({"id": "a", "instructions": "i", "model": {}}, "name"),
    ({"id": "a", "name": "n", "model": {}}, "instructions"),
    ({"id": "a", "name": "n", "instructions": "i"}, "model"),
    (agent_data("  "), "id"),
    ({**agent_data(), "id": ""}, "id"),
    ({**agent_data(), "id": 7}, "id"),
    ({**agent_data(), "name": None}, "name"),
    ({**agent_data(), "instructions": 42}, "instructions"),
    ({**agent_data(), "model": "gpt-4"}, "model"),
    ({**agent_data(), "tools": "calculator"}, "tools"),
    ({**agent_data(), "tools": [1, 2]}, "tools"),
    ({**agent_data(), "workflows": {"w": 1}}, "workflows"),
    ({**agent_data(), "defaultOptions": []}, "defaultOptions"),
    ({**agent_data(), "metadata": "meta"}, "metadata"),
    ({**agent_data(), "scorers": ["s"]}, "scorers"),
    ({**agent_data(), "memory": 5}, "memory"),
    ({**agent_data(), "description": ["d"]}, "description"),
    ({**agent_data(), "unknownField": 1}, "unknownField"),
    ({**agent_data(), "created_at": BASE}, "created_at"),
    ({**agent_data(), "updatedAt": BASE}, "updatedAt"),
    ({**agent_data(), "instructions": "nul \x00"}, "instructions"),
    ({**agent_data(), "metadata": {"k": "nul \x00"}}, "metadata"),
    ({**agent_data(), "metadata": {"when": datetime(2024, 1, 1)}}, "metadata"),
    ({**agent_data(), "model": {"temperature": float("nan")}}, "model"),
]

BAD_UPDATE: list[tuple[dict[str, Any], str]] = [
    ({"nme": "typo"}, "nme"),
    ({"name": "ok", "colour": "blue"}, "colour"),
    ({"id": "other"}, "id"),
    ({"created_at": BASE}, "created_at"),
    ({"updatedAt": BASE}, "updatedAt"),
    ({"name": None}, "name"),
    ({"instructions": None}, "instructions"),
    ({"model": None}, "model"),
    ({"name": 5}, "name"),
    ({"tools": "calculator"}, "tools"),
    ({"metadata": ["a"]}, "metadata"),
    ({"defaultOptions": "fast"}, "defaultOptions"),
    ({"description": "nul \x00"}, "description"),
    ({"metadata": {"bad": {1, 2}}}, "metadata"),
]

BAD_IDS: list[Callable[[AgentsRepository], Any]] = [
    lambda r: r.get_agent_by_id(""),
    lambda r: r.get_agent_by_id(None),  # type: ignore[arg-type]
    lambda r: r.update_agent(" ", name="x"),
    lambda r: r.update_agent(""),
    lambda r: r.delete_agent(""),
    lambda r: r.delete_agent(3),  # type: ignore[arg-type]
]

BAD_PAGES: list[tuple[Any, Any]] = [(-1, 10), (0, -1), (1, False), (0, True), (0, 2.5), (None, 10)]


class TestBadInput:
    def test_create_refuses_bad_agents(self, storage: Storage, agents: AgentsRepository) -> None:
        store = backend_for(storage.engine_for("agents")).store
        for data, names in BAD_CREATE:
            with pytest.raises(ValidationError) as info:
                agents.create_agent(data)
            assert info.value.id == f"MASTRA_STORAGE_{store}_CREATE_AGENT_INVALID_ARGUMENT", names
            assert names in info.value.message, (names, info.value.message)
            assert info.value.category == "USER"
        assert table_state(storage) == []

    def test_create_refuses_what_is_not_a_mapping(self, storage: Storage, agents: AgentsRepository) -> None:
        for data in (None, "agent", [("id", "a")]):
            with pytest.raises(ValidationError):
                agents.create_agent(data)  # type: ignore[arg-type]
        assert table_state(storage) == []

    def test_create_names_every_problem(self, agents: AgentsRepository) -> None:
        with pytest.raises(ValidationError) as info:
            agents.create_agent({"id": "a", "name": 1, "tools": "x", "extra": True})
        for name in ("name", "instructions", "model", "tools", "extra"):
            assert name in info.value.message

    def test_update_refuses_bad_fields(self, storage: Storage, agents: AgentsRepository) -> None:
        store = backend_for(storage.engine_for("agents")).store
        agent = agents.create_agent(agent_data(**FULL_AGENT))
        before = table_state(storage)
        for fields, names in BAD_UPDATE:
            with pytest.raises(ValidationError) as info:
                agents.update_agent(agent.id, **fields)
            assert info.value.id == f"MASTRA_STORAGE_{store}_UPDATE_AGENT_INVALID_ARGUMENT", names
            assert names in info.value.message, (names, info.value.message)
        assert table_state(storage) == before

    def test_blank_ids(self, storage: Storage, agents: AgentsRepository) -> None:
        agents.create_agent(agent_data())
        before = table_state(storage)
        for i, call in enumerate(BAD_IDS):
            with pytest.raises(ValidationError) as info:
                call(agents)
            assert info.value.id.endswith("_INVALID_ARGUMENT"), i
        assert table_state(storage) == before

    def test_bad_pagination(self, agents: AgentsRepository) -> None:
        for page, per_page in BAD_PAGES:
            with pytest.raises(ValidationError) as info:
                agents.list_agents(page=page, per_page=per_page)
            assert info.value.id.endswith("_LIST_AGENTS_INVALID_PAGE"), (page, per_page)
        with pytest.raises(ValidationError):
            agents.list_agents(order_by="createdAt")  # type: ignore[arg-type]
