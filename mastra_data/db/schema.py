"""The whole core schema in one place: every domain's tables, and each dialect's exact variant.

Alembic's ``env.py``, ``scripts/schema_doc.py`` and the schema tests import from here.
"""

from __future__ import annotations

import sqlalchemy as sa

from mastra_data.agents import models as _agents
from mastra_data.db.base import NAMING_CONVENTION, MastraModel
from mastra_data.db.dialects import backend_for_dialect
from mastra_data.memory import models as _memory
from mastra_data.observability import models as _observability
from mastra_data.scores import models as _scores
from mastra_data.workflows import models as _workflows

__all__ = ("CORE_TABLES", "metadata", "metadata_for")

_DOMAIN_MODULES = (_memory, _workflows, _scores, _observability, _agents)

metadata: sa.MetaData = MastraModel.metadata
"""All core tables with every dialect's columns (PG shadows included) and indexes."""

CORE_TABLES: tuple[str, ...] = (
    "mastra_threads",
    "mastra_messages",
    "mastra_resources",
    "mastra_workflow_snapshot",
    "mastra_scorers",
    "mastra_ai_spans",
    "mastra_agents",
)


def metadata_for(dialect_name: str) -> sa.MetaData:
    """A copy of :data:`metadata` that is exactly the schema on ``dialect_name``.

    It is what ``alembic check`` compares a database with and what ``docs/schema.md`` shows: the libSQL
    variant has no shadow columns, Mastra's libSQL nullability and no PG-only indexes.
    """
    copy = sa.MetaData(naming_convention=NAMING_CONVENTION)
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
        # to_metadata() does not carry Index.ddl_if(); apply it here.
        foreign = {
            index.name
            for index in table.indexes
            if index._ddl_if is not None and index._ddl_if.dialect not in (None, dialect_name)
        }
        target = copy.tables[table.name]
        for index in list(target.indexes):
            if index.name in foreign:
                target.indexes.discard(index)
    backend_for_dialect(dialect_name).adapt_metadata(copy)
    return copy
