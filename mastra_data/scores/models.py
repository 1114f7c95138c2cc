"""Table of the scores domain: ``mastra_scorers`` (one row per eval score)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from mastra_data.db.base import MastraModel, column, shadow_timestamps
from mastra_data.db.types import JSONDoc, Real, Timestamp

__all__ = ("Score",)


def _required(name: str, type_: Any) -> Any:
    """A column Mastra leaves unspecified: NOT NULL on PostgreSQL, nullable on libSQL."""
    return column(name, type_, nullable=False, nullable_on_libsql=True)


class Score(MastraModel, table=True):
    """A score produced by a scorer for a run (``mastra_scorers``, Mastra's ``ScoreRowData``)."""

    __tablename__ = "mastra_scorers"

    id: str = Field(sa_column=column("id", sa.Text, nullable=False, primary_key=True))
    scorer_id: str = Field(sa_column=_required("scorerId", sa.Text))
    trace_id: str | None = Field(default=None, sa_column=column("traceId", sa.Text))
    span_id: str | None = Field(default=None, sa_column=column("spanId", sa.Text))
    run_id: str = Field(sa_column=_required("runId", sa.Text))
    scorer: dict[str, Any] = Field(sa_column=_required("scorer", JSONDoc()))
    preprocess_step_result: dict[str, Any] | None = Field(
        default=None, sa_column=column("preprocessStepResult", JSONDoc())
    )
    extract_step_result: dict[str, Any] | None = Field(
        default=None, sa_column=column("extractStepResult", JSONDoc())
    )
    analyze_step_result: dict[str, Any] | None = Field(
        default=None, sa_column=column("analyzeStepResult", JSONDoc())
    )
    score: float = Field(sa_column=_required("score", Real))
    reason: str | None = Field(default=None, sa_column=column("reason", sa.Text))
    metadata_: dict[str, Any] | None = Field(
        default=None, alias="metadata", sa_column=column("metadata", JSONDoc())
    )
    preprocess_prompt: str | None = Field(default=None, sa_column=column("preprocessPrompt", sa.Text))
    extract_prompt: str | None = Field(default=None, sa_column=column("extractPrompt", sa.Text))
    generate_score_prompt: str | None = Field(default=None, sa_column=column("generateScorePrompt", sa.Text))
    generate_reason_prompt: str | None = Field(
        default=None, sa_column=column("generateReasonPrompt", sa.Text)
    )
    analyze_prompt: str | None = Field(default=None, sa_column=column("analyzePrompt", sa.Text))
    reason_prompt: str | None = Field(default=None, sa_column=column("reasonPrompt", sa.Text))
    input: Any = Field(sa_column=_required("input", JSONDoc()))
    output: Any = Field(sa_column=_required("output", JSONDoc()))
    additional_context: Any | None = Field(default=None, sa_column=column("additionalContext", JSONDoc()))
    request_context: Any | None = Field(default=None, sa_column=column("requestContext", JSONDoc()))
    entity_type: str | None = Field(default=None, sa_column=column("entityType", sa.Text))
    entity: dict[str, Any] | None = Field(default=None, sa_column=column("entity", JSONDoc()))
    entity_id: str | None = Field(default=None, sa_column=column("entityId", sa.Text))
    source: str = Field(sa_column=_required("source", sa.Text))
    resource_id: str | None = Field(default=None, sa_column=column("resourceId", sa.Text))
    thread_id: str | None = Field(default=None, sa_column=column("threadId", sa.Text))
    created_at: datetime = Field(sa_column=_required("createdAt", Timestamp()))
    updated_at: datetime = Field(sa_column=_required("updatedAt", Timestamp()))


shadow_timestamps(Score)

_scores = Score.__table__  # type: ignore[attr-defined]
sa.Index(
    "mastra_scores_trace_id_span_id_created_at_idx",
    _scores.c.traceId,
    _scores.c.spanId,
    _scores.c.createdAt.desc(),
)
