"""Agents domain: the ``mastra_agents`` table (stored agent definitions, the flat layout of beta.13)
and the objects :class:`~mastra_data.agents.repository.AgentsRepository` accepts and returns.

``Agent`` is the table (frozen schema). ``AgentCreate`` and ``AgentUpdate`` are Mastra's
``StorageCreateAgentInput`` / ``StorageUpdateAgentInput``, ``AgentRead`` its ``StorageAgentType`` and
``AgentsPage`` one page of ``list_agents``.
"""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, field_validator
from pydantic.alias_generators import to_camel
from sqlmodel import Field

from mastra_data.db.base import MastraModel, column, shadow_timestamps
from mastra_data.db.types import JSONDoc, Timestamp, UTCDateTime
from mastra_data.pagination import Page

__all__ = ("Agent", "AgentCreate", "AgentRead", "AgentUpdate", "AgentsPage")


def _json(name: str) -> Any:
    return column(name, JSONDoc())


class Agent(MastraModel, table=True):
    """A stored agent definition (``mastra_agents``)."""

    __tablename__ = "mastra_agents"

    id: str = Field(sa_column=column("id", sa.Text, nullable=False, primary_key=True))
    name: str = Field(sa_column=column("name", sa.Text, nullable=False))
    description: str | None = Field(default=None, sa_column=column("description", sa.Text))
    instructions: str = Field(sa_column=column("instructions", sa.Text, nullable=False))
    model: dict[str, Any] = Field(sa_column=column("model", JSONDoc(), nullable=False))
    tools: list[str] | None = Field(default=None, sa_column=_json("tools"))
    default_options: dict[str, Any] | None = Field(default=None, sa_column=_json("defaultOptions"))
    workflows: list[str] | None = Field(default=None, sa_column=_json("workflows"))
    agents: list[str] | None = Field(default=None, sa_column=_json("agents"))
    input_processors: list[Any] | None = Field(default=None, sa_column=_json("inputProcessors"))
    output_processors: list[Any] | None = Field(default=None, sa_column=_json("outputProcessors"))
    memory: Any | None = Field(default=None, sa_column=_json("memory"))
    scorers: dict[str, Any] | None = Field(default=None, sa_column=_json("scorers"))
    metadata_: dict[str, Any] | None = Field(default=None, alias="metadata", sa_column=_json("metadata"))
    created_at: datetime = Field(sa_column=column("createdAt", Timestamp(), nullable=False))
    updated_at: datetime = Field(sa_column=column("updatedAt", Timestamp(), nullable=False))


shadow_timestamps(Agent)


# --- Objects the repository accepts and returns ------------------------------------------------------
# Plain pydantic models for input (SQLModel reserves ``metadata``), validated strictly as Mastra's types
# say (no coercion: ``1`` is not a string); an unknown field name is an error, never dropped.

_INPUT_CONFIG = ConfigDict(alias_generator=to_camel, populate_by_name=True, strict=True, extra="forbid")


class _AgentFields(BaseModel):
    """The configuration fields of a stored agent, all optional; ``name``, ``instructions`` and ``model``
    cannot be ``None`` when given (their columns are NOT NULL)."""

    model_config = _INPUT_CONFIG

    name: str | None = None
    description: str | None = None
    instructions: str | None = None
    model: dict[str, Any] | None = None
    tools: list[str] | None = None
    default_options: dict[str, Any] | None = None
    workflows: list[str] | None = None
    agents: list[str] | None = None
    input_processors: list[Any] | None = None
    output_processors: list[Any] | None = None
    memory: str | dict[str, Any] | None = None
    """A memory key (beta.13) or a memory config object (later Mastra releases)."""
    scorers: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None

    @field_validator("name", "instructions", "model")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Runs only for values that were given: omitting these fields in an update is fine.
        if value is None:
            raise ValueError("cannot be null")
        return value


class AgentUpdate(_AgentFields):
    """The fields ``update_agent`` may change (Mastra's ``StorageUpdateAgentInput`` without ``id``).

    Only the fields that were given count (``model_fields_set``); ``None`` given for an optional field
    clears it, and ``metadata`` is shallow-merged into the stored metadata.
    """


class AgentCreate(_AgentFields):
    """A new stored agent (Mastra's ``StorageCreateAgentInput``): ``id``, ``name``, ``instructions`` and
    ``model`` are required; timestamps are set by the store."""

    id: str
    name: str
    instructions: str
    model: dict[str, Any]

    @field_validator("id")
    @classmethod
    def _id_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must be a non-empty string")
        return value


with warnings.catch_warnings():
    # A read model's ``metadata`` field shadows SQLModel's class-level MetaData; harmless for a
    # non-table model, and it is the name Mastra's API uses.
    warnings.filterwarnings("ignore", message='Field name "metadata"', category=UserWarning)

    class AgentRead(MastraModel):
        """A stored agent as the API returns it (Mastra's ``StorageAgentType``); NULL columns are ``None``
        (Mastra leaves them ``undefined``)."""

        id: str
        name: str
        description: str | None = None
        instructions: str
        model: dict[str, Any]
        tools: list[str] | None = None
        default_options: dict[str, Any] | None = None
        workflows: list[str] | None = None
        agents: list[str] | None = None
        input_processors: list[Any] | None = None
        output_processors: list[Any] | None = None
        memory: Any = None
        scorers: dict[str, Any] | None = None
        metadata: dict[str, Any] | None = None  # type: ignore[assignment,misc]  # see above
        created_at: UTCDateTime
        updated_at: UTCDateTime


class AgentsPage(Page):
    """One page of ``list_agents`` (Mastra's ``StorageListAgentsOutput``)."""

    agents: list[AgentRead]
