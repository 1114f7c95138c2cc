"""``AgentsRepository``: stored agent definitions in ``mastra_agents`` (Mastra's ``AgentsStorage``).

Behaviour follows ``reference/mastra-storage-spec.md`` §3.5 — the flat ``mastra_agents`` of beta.13,
not the later versioned layout — with the snake_case API of DESIGN §4. Where we differ from Mastra the
method docstrings say so: a duplicate id is a :class:`ConflictError`, unknown field names and wrongly
typed values are refused instead of being written or dropped. Datetimes are timezone-aware UTC.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeVar

import sqlalchemy as sa
from pydantic import ValidationError as PydanticValidationError
from pydantic.alias_generators import to_camel
from sqlalchemy.engine import Engine

from mastra_data.agents.models import Agent, AgentCreate, AgentRead, AgentsPage, AgentUpdate
from mastra_data.db.base import trusted
from mastra_data.db.repository import Repository, count_and_page, page_and_total, utc_now
from mastra_data.db.types import JSONDoc
from mastra_data.errors import ConflictError, NotFoundError, error_id
from mastra_data.pagination import order_by as parse_order_by  # `order_by` is a parameter name
from mastra_data.pagination import paginate
from mastra_data.validation import Checker

__all__ = ("AgentsRepository",)

AGENTS: sa.Table = Agent.__table__  # type: ignore[attr-defined]
_A = AGENTS.c


# Every AgentRead field is the snake_case of its column (``default_options`` <-> "defaultOptions").
_FIELDS: tuple[str, ...] = tuple(AgentRead.model_fields)
_COLUMNS: tuple[sa.Column[Any], ...] = tuple(_A[to_camel(name)] for name in _FIELDS)
_JSON_FIELDS = frozenset(
    name for name, col in zip(_FIELDS, _COLUMNS, strict=True) if isinstance(col.type, JSONDoc)
)
_CREATE_FIELDS = tuple(name for name in _FIELDS if name not in ("created_at", "updated_at"))
# Names that exist on an agent but cannot be given, and why (instead of "unknown field").
_NOT_SETTABLE = {
    "created_at": "is set by the store",
    "createdAt": "is set by the store",
    "updated_at": "is set by the store",
    "updatedAt": "is set by the store",
}

# A JSON text holds a NUL character iff it contains an unescaped ``\u0000`` (JSON escapes a literal
# backslash as ``\\``, so an odd run of backslashes before ``u0000`` is the escape itself).
_JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


_InputT = TypeVar("_InputT", AgentCreate, AgentUpdate)


def _agent(row: Sequence[Any]) -> AgentRead:
    # strict=False: list rows carry the page total after the fields.
    return trusted(AgentRead, dict(zip(_FIELDS, row, strict=False)))


@functools.lru_cache(maxsize=8)
def _list_queries(field: str, descending: bool, limited: bool) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """(COUNT, page) statements of ``list_agents`` for one shape (see :func:`count_and_page`)."""
    return count_and_page(AGENTS, _COLUMNS, (), _A[field], descending, limited)


class AgentsRepository(Repository):
    """Stored agents on one database (Mastra's ``AgentsStorage``, beta.13 flat layout).

    Args:
        engine: A mastra_data engine (:func:`mastra_data.db.create_engine`), already migrated.
    """

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._get = sa.select(*_COLUMNS).where(_A.id == sa.bindparam("id", type_=sa.Text()))
        # ON CONFLICT DO NOTHING + RETURNING: an existing id is detected without a unique-violation
        # error (which would abort a PostgreSQL transaction) and without a race between check and insert.
        self._insert = (
            self._backend.insert(AGENTS).on_conflict_do_nothing(index_elements=[_A.id]).returning(_A.id)
        )

    # --- plumbing -----------------------------------------------------------------------------

    def _agent_id(self, agent_id: Any, operation: str) -> str:
        if not isinstance(agent_id, str) or not agent_id.strip():
            raise Checker(self._store, operation).fail(
                f"agent id must be a non-empty string, got {agent_id!r}"
            )
        return agent_id

    def _not_found(self, agent_id: str) -> NotFoundError:
        return NotFoundError(
            error_id(self._store, "UPDATE_AGENT", "NOT_FOUND"),
            f"Agent {agent_id} not found",
            details={"agentId": agent_id},
        )

    def _validated(
        self,
        model: type[_InputT],
        data: Mapping[str, Any],
        operation: str,
        not_settable: Mapping[str, str] = _NOT_SETTABLE,
    ) -> _InputT:
        """``data`` (either key spelling) as ``model``; every problem, unknown names included, is named
        in one :class:`ValidationError` (``…_<operation>_INVALID_ARGUMENT``)."""
        check = Checker(self._store, operation)
        problems = [f"{key}: {why}" for key, why in not_settable.items() if key in data]
        rest = {k: v for k, v in data.items() if k not in not_settable}
        try:
            validated = model.model_validate(rest)
        except PydanticValidationError as exc:
            problems += _errors(exc)
        if problems:
            raise check.fail(f"Invalid agent: {'; '.join(problems)}")
        return validated

    def _column_values(
        self, model: AgentCreate | AgentUpdate, names: Sequence[str], operation: str
    ) -> dict[str, Any]:
        """Field name -> the value to store (and return): JSON fields as their JSON value round trip, so
        the returned agent equals what a later read gives; text PostgreSQL cannot hold is refused."""
        check = Checker(self._store, operation)
        values: dict[str, Any] = {}
        for name in names:
            value = getattr(model, name)
            if value is None:
                values[name] = None
            elif name in _JSON_FIELDS:
                text = check.json(value, to_camel(name))
                if _JSON_NUL.search(text) or not _encodable(text):
                    raise check.fail(f"Invalid agent: {to_camel(name)}: contains NUL or unencodable text")
                values[name] = json.loads(text)
            else:
                if "\x00" in value or not _encodable(value):
                    raise check.fail(f"Invalid agent: {to_camel(name)}: contains NUL or unencodable text")
                values[name] = value
        return values

    # --- API ----------------------------------------------------------------------------------

    def get_agent_by_id(self, agent_id: str) -> AgentRead | None:
        """The stored agent, or ``None``.

        Raises:
            ValidationError: a blank ``agent_id`` (``…_GET_AGENT_BY_ID_INVALID_ARGUMENT``).
        """
        self._agent_id(agent_id, "GET_AGENT_BY_ID")
        with self._read("GET_AGENT_BY_ID", agentId=agent_id) as conn:
            row = conn.execute(self._get, {"id": agent_id}).first()
        return None if row is None else _agent(row)

    def create_agent(self, agent: AgentCreate | AgentRead | Mapping[str, Any]) -> AgentRead:
        """Store a new agent with ``created_at = updated_at = now``; returns it as stored.

        ``agent`` is an :class:`AgentCreate`, an :class:`AgentRead` (its timestamps are not kept) or a
        mapping in either key spelling. ``id``, ``name``, ``instructions`` and ``model`` are required;
        absent optional fields are stored as NULL.

        Mastra parity: Mastra's PG store fails with a database error on an existing id, and its types
        are not checked at run time; here an existing id is a :class:`ConflictError` and a wrongly typed
        value, an unknown field name or a timestamp is a :class:`ValidationError` (nothing is dropped).

        Raises:
            ConflictError: an agent with this id exists (``…_CREATE_AGENT_ALREADY_EXISTS``).
            ValidationError: a missing/blank required field, a wrong type, an unknown field
                (``…_CREATE_AGENT_INVALID_ARGUMENT``).
        """
        if isinstance(agent, AgentCreate):
            model = agent
        else:
            data = (
                agent.model_dump(exclude={"created_at", "updated_at"})
                if isinstance(agent, AgentRead)
                else agent
            )
            Checker(self._store, "CREATE_AGENT").mapping(data, "agent", optional=False)
            model = self._validated(AgentCreate, data, "CREATE_AGENT")
        values = self._column_values(model, _CREATE_FIELDS, "CREATE_AGENT")
        now = utc_now()
        values.update(created_at=now, updated_at=now)
        row = self._backend.row(AGENTS, {to_camel(name): value for name, value in values.items()})
        with self._write_statement("CREATE_AGENT", agentId=model.id) as conn:
            if conn.execute(self._insert, row).first() is None:
                raise ConflictError(
                    error_id(self._store, "CREATE_AGENT", "ALREADY_EXISTS"),
                    f"Agent with id {model.id} already exists",
                    details={"agentId": model.id},
                )
        return trusted(AgentRead, {name: values[name] for name in _FIELDS})

    def update_agent(self, agent_id: str, **fields: Any) -> AgentRead:
        """Change the given fields of a stored agent and set ``updated_at = now``; returns the agent.

        Field names are :class:`AgentUpdate`'s, in either spelling (``default_options=…`` or
        ``**{"defaultOptions": …}``). Only the fields given are written; ``None`` clears an optional
        field. ``metadata`` is shallow-merged into the stored metadata (``None`` merges nothing). With
        no fields nothing is written and the current agent is returned (``updated_at`` unchanged).
        Concurrent updates of one agent are serialised (row lock), so no merge is lost.

        Mastra parity: Mastra ignores unknown keys and does not check types; both are a
        :class:`ValidationError` here, as are ``id`` and the timestamps (which cannot be changed).

        Raises:
            NotFoundError: no such agent (``…_UPDATE_AGENT_NOT_FOUND``, message ``Agent <id> not found``).
            ValidationError: a blank id, an unknown or unchangeable field, a wrong type, ``None`` for
                ``name``/``instructions``/``model`` (``…_UPDATE_AGENT_INVALID_ARGUMENT``).
        """
        operation = "UPDATE_AGENT"
        self._agent_id(agent_id, operation)
        update = self._validated(AgentUpdate, fields, operation, {**_NOT_SETTABLE, "id": "cannot be changed"})
        given = [name for name in AgentUpdate.model_fields if name in update.model_fields_set]
        if not given:
            with self._read(operation, agentId=agent_id) as conn:
                row = conn.execute(self._get, {"id": agent_id}).first()
            if row is None:
                raise self._not_found(agent_id)
            return _agent(row)
        values = self._column_values(update, given, operation)
        with self._write(operation, agentId=agent_id) as conn:
            # FOR UPDATE: concurrent metadata merges must not lose each other's keys (libSQL: the write
            # transaction is IMMEDIATE already, and SQLAlchemy renders no FOR UPDATE there).
            row = conn.execute(self._get.with_for_update(), {"id": agent_id}).first()
            if row is None:
                raise self._not_found(agent_id)
            current = _agent(row)
            if "metadata" in values:
                old = current.metadata if isinstance(current.metadata, dict) else {}
                values["metadata"] = {**old, **(values["metadata"] or {})}
            values["updated_at"] = utc_now()
            conn.execute(
                sa.update(AGENTS)
                .where(_A.id == agent_id)
                .values(self._backend.row(AGENTS, {to_camel(name): value for name, value in values.items()}))
            )
        return current.model_copy(update=values)

    def delete_agent(self, agent_id: str) -> None:
        """Delete a stored agent; deleting a missing agent does nothing (idempotent, as Mastra).

        Raises:
            ValidationError: a blank ``agent_id`` (``…_DELETE_AGENT_INVALID_ARGUMENT``).
        """
        self._agent_id(agent_id, "DELETE_AGENT")
        with self._write_statement("DELETE_AGENT", agentId=agent_id) as conn:
            conn.execute(sa.delete(AGENTS).where(_A.id == agent_id))

    def list_agents(
        self,
        *,
        page: int = 0,
        per_page: int | Literal[False] = 100,
        order_by: Mapping[str, Any] | None = None,
    ) -> AgentsPage:
        """A page of the stored agents, newest first by default; ``per_page=False`` returns all.

        ``order_by`` is ``{"field": "createdAt"|"updatedAt", "direction": "ASC"|"DESC"}`` (unknown
        values fall back to ``createdAt``/``DESC``, as Mastra's ``parseOrderBy``).

        Mastra parity: ties are ordered by id (in the same direction); Mastra leaves them in database
        order.

        Raises:
            ValidationError: bad pagination (``…_LIST_AGENTS_INVALID_PAGE``).
        """
        paging = paginate(page, per_page, store=self._store, operation="LIST_AGENTS")
        if order_by is not None:
            Checker(self._store, "LIST_AGENTS").mapping(order_by, "orderBy")
        field, direction = parse_order_by(order_by, default_direction="DESC")
        limited = paging.limit is not None
        count_query, page_query = _list_queries(field, direction == "DESC", limited)
        params: dict[str, Any] = {"lim": paging.limit, "off": paging.offset} if limited else {}
        with self._read("LIST_AGENTS") as conn:
            rows, total = page_and_total(conn, count_query, page_query, params, paging)
        return AgentsPage(
            agents=[_agent(r) for r in rows],
            total=total,
            page=paging.page,
            per_page=paging.per_page,
            has_more=paging.has_more(total),
        )


def _encodable(text: str) -> bool:
    """``text`` has a UTF-8 form (no lone surrogates), so a database can store it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _errors(exc: PydanticValidationError) -> list[str]:
    """Pydantic's errors as ``field: problem`` with Mastra's (camelCase) field names."""
    parts = []
    for error in exc.errors():
        where = ".".join(map(str, error["loc"]))
        problem = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            problem = "required"
        elif error["type"] == "extra_forbidden":
            problem = "unknown field"
        parts.append(f"{where}: {problem}" if where else problem)
    return parts
