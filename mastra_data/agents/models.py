"""Table of the agents domain: ``mastra_agents`` (stored agent definitions, flat layout of beta.13)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from mastra_data.db.base import MastraModel, column, shadow_timestamps
from mastra_data.db.types import JSONDoc, Timestamp

__all__ = ("Agent",)


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
