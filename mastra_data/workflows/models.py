"""Table of the workflows domain: ``mastra_workflow_snapshot`` (one row per workflow run), and the
objects :class:`~mastra_data.workflows.repository.WorkflowsRepository` returns.

Mastra gives this table no primary key, only ``UNIQUE (workflow_name, run_id)``; the ORM maps that pair
as the identity without adding a key to the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from mastra_data.db.base import MastraModel, column, shadow_timestamps
from mastra_data.db.types import JSONDoc, Timestamp, UTCDateTime
from mastra_data.pagination import Page

__all__ = ("WorkflowRun", "WorkflowRunsPage", "WorkflowSnapshot")


class WorkflowSnapshot(MastraModel, table=True):
    """The persisted ``WorkflowRunState`` of one run."""

    __tablename__ = "mastra_workflow_snapshot"
    __table_args__ = (
        # Name as @mastra/pg beta.13 creates it, so its init() finds it and adds no second one.
        sa.UniqueConstraint(
            "workflow_name", "run_id", name="public_mastra_workflow_snapshot_workflow_name_run_id_key"
        ),
    )
    __mapper_args__ = {"primary_key": ["workflow_name", "run_id"]}

    workflow_name: str = Field(
        sa_column=column("workflow_name", sa.Text, nullable=False, nullable_on_libsql=True)
    )
    run_id: str = Field(sa_column=column("run_id", sa.Text, nullable=False, nullable_on_libsql=True))
    resource_id: str | None = Field(default=None, sa_column=column("resourceId", sa.Text))
    snapshot: dict[str, Any] = Field(
        sa_column=column("snapshot", JSONDoc(), nullable=False, nullable_on_libsql=True)
    )
    created_at: datetime = Field(
        sa_column=column("createdAt", Timestamp(), nullable=False, nullable_on_libsql=True)
    )
    updated_at: datetime = Field(
        sa_column=column("updatedAt", Timestamp(), nullable=False, nullable_on_libsql=True)
    )


shadow_timestamps(WorkflowSnapshot)

_runs = WorkflowSnapshot.__table__  # type: ignore[attr-defined]
# Later @mastra/pg versions create this exact index (#21306); listing runs of a workflow needs it.
sa.Index("mastra_workflow_snapshot_name_createdat_idx", _runs.c.workflow_name, _runs.c.createdAt.desc())
# Revision 0002: get_workflow_run_by_id without a workflow name.
sa.Index("mastra_workflow_snapshot_run_id_idx", _runs.c.run_id)


# --- Objects the repository returns -----------------------------------------------------------------


class WorkflowRun(MastraModel):
    """One workflow run as the API returns it (Mastra's ``WorkflowRun``).

    ``snapshot`` is the run's ``WorkflowRunState`` dict (``status``, ``context``, ``result``, …). Our
    writes always store an object; a snapshot another writer stored as a JSON string (Mastra's type
    allows ``WorkflowRunState | string``) is returned as that string, and a missing one (possible in
    Mastra's libSQL table, whose columns are nullable) as ``None``. ``resource_id`` is ``None`` when
    unset.
    """

    workflow_name: str
    run_id: str
    snapshot: dict[str, Any] | str | None
    created_at: UTCDateTime
    updated_at: UTCDateTime
    resource_id: str | None = None


class WorkflowRunsPage(Page):
    """Result of :meth:`WorkflowsRepository.list_workflow_runs`: Mastra's ``{runs, total}`` plus the
    page fields every list result carries (DESIGN §4).

    Without pagination (Mastra pages only when both ``page`` and ``per_page`` are given) ``page`` is 0,
    ``per_page`` is ``False`` and ``total`` is ``len(runs)``.
    """

    runs: list[WorkflowRun]
