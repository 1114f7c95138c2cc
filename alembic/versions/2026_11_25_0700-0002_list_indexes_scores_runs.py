"""Indexes for listing scores by scorer, run and entity, and for finding a workflow run by id.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Why: ``list_scores_by_scorer_id``, ``list_scores_by_run_id`` and ``list_scores_by_entity_id`` scanned
and sorted all of ``mastra_scorers`` (Mastra creates only the trace/span index), and
``get_workflow_run_by_id`` without a workflow name scanned ``mastra_workflow_snapshot``. Each index
leads with the filter and ends with ``createdAt DESC`` (the lists are newest first), so a page is an
index range. Extra indexes are invisible to Mastra, which shares these tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here (as in 0001): later model changes get their own revisions.
INDEXES: list[tuple[str, str, list[tuple[str, bool]]]] = [
    ("mastra_scores_scorerid_createdat_idx", "mastra_scorers", [("scorerId", False), ("createdAt", True)]),
    ("mastra_scores_runid_createdat_idx", "mastra_scorers", [("runId", False), ("createdAt", True)]),
    (
        "mastra_scores_entityid_entitytype_createdat_idx",
        "mastra_scorers",
        [("entityId", False), ("entityType", False), ("createdAt", True)],
    ),
    ("mastra_workflow_snapshot_run_id_idx", "mastra_workflow_snapshot", [("run_id", False)]),
]


def upgrade() -> None:
    for name, table, cols in INDEXES:
        op.create_index(
            name,
            table,
            [sa.text(f'"{col}" DESC') if desc else sa.text(f'"{col}"') for col, desc in cols],
            if_not_exists=True,
        )


def downgrade() -> None:
    for name, table, _cols in reversed(INDEXES):
        op.drop_index(name, table_name=table, if_exists=True)
