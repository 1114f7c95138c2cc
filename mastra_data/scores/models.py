"""Scores domain: the ``mastra_scorers`` table (one row per eval score) and the objects
:class:`~mastra_data.scores.repository.ScoresRepository` accepts and returns.

``Score`` is the table (frozen schema). ``ScoreCreate`` is Mastra's ``saveScorePayloadSchema`` (what
``save_score`` validates), ``ScoreRead`` is Mastra's ``ScoreRowData`` (what reads return) and
``ScoresPage`` one page of a ``list_scores_by_*`` call.
"""

from __future__ import annotations

import math
import warnings
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from pydantic.alias_generators import to_camel
from sqlmodel import Field

from mastra_data.db.base import MastraModel, column, shadow_timestamps
from mastra_data.db.types import JSONDoc, Real, Timestamp, UTCDateTime
from mastra_data.pagination import Page

__all__ = (
    "SCORING_ENTITY_TYPES",
    "Score",
    "ScoreCreate",
    "ScoreRead",
    "ScoresPage",
    "ScoringEntityType",
    "ScoringSource",
)


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
# Revision 0002: the other list_scores_by_* reads, newest first, as index ranges.
sa.Index("mastra_scores_scorerid_createdat_idx", _scores.c.scorerId, _scores.c.createdAt.desc())
sa.Index("mastra_scores_runid_createdat_idx", _scores.c.runId, _scores.c.createdAt.desc())
sa.Index(
    "mastra_scores_entityid_entitytype_createdat_idx",
    _scores.c.entityId,
    _scores.c.entityType,
    _scores.c.createdAt.desc(),
)


# --- Objects the repository accepts and returns ------------------------------------------------------

ScoringSource = Literal["LIVE", "TEST"]
"""Mastra's ``scoringSourceSchema``."""

ScoringEntityType = Literal[
    "AGENT",
    "WORKFLOW",
    # SpanType values of @mastra/core beta.25
    "agent_run",
    "generic",
    "model_generation",
    "model_step",
    "model_chunk",
    "mcp_tool_call",
    "processor_run",
    "tool_call",
    "workflow_run",
    "workflow_step",
    "workflow_conditional",
    "workflow_conditional_eval",
    "workflow_parallel",
    "workflow_loop",
    "workflow_sleep",
    "workflow_wait_event",
]
"""Mastra's ``scoringEntityTypeSchema`` at core beta.25: ``AGENT``, ``WORKFLOW`` or a ``SpanType`` value."""

SCORING_ENTITY_TYPES: frozenset[str] = frozenset(ScoringEntityType.__args__)  # type: ignore[attr-defined]


class ScoreCreate(BaseModel):
    """What ``save_score`` stores: Mastra's ``saveScorePayloadSchema`` (``ScoreRowData`` without ``id``,
    ``createdAt``, ``updatedAt``).

    Validation is strict, as zod's is: no coercion (``"0.8"`` is not a number, ``1`` is not a string,
    ``True`` is not a number). Keys may be given in either spelling; unknown keys are ignored, as zod
    strips them. Required: ``scorer_id``, ``entity_id``, ``run_id``, ``score``, ``scorer``, ``source``,
    ``entity``, ``output`` and (unlike Mastra, see :meth:`ScoresRepository.save_score`) ``input``.

    A plain pydantic model rather than a SQLModel one: SQLModel reserves the name ``metadata``.
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, strict=True, extra="ignore")

    scorer_id: str
    entity_id: str
    run_id: str
    input: Any
    output: Any
    additional_context: dict[str, Any] | None = None
    request_context: dict[str, Any] | None = None
    extract_step_result: dict[str, Any] | None = None
    extract_prompt: str | None = None
    score: float
    analyze_step_result: dict[str, Any] | None = None
    analyze_prompt: str | None = None
    reason: str | None = None
    reason_prompt: str | None = None
    scorer: dict[str, Any]
    metadata: dict[str, Any] | None = None
    source: ScoringSource
    entity: dict[str, Any]
    entity_type: ScoringEntityType | None = None
    structured_output: bool | None = None
    """In Mastra's schema but without a column: accepted, validated, not stored."""
    trace_id: str | None = None
    span_id: str | None = None
    resource_id: str | None = None
    thread_id: str | None = None
    preprocess_step_result: dict[str, Any] | None = None
    preprocess_prompt: str | None = None
    generate_score_prompt: str | None = None
    generate_reason_prompt: str | None = None

    @field_validator("scorer_id", "entity_id", "run_id", "trace_id", "span_id", "resource_id", "thread_id")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        # zod accepts "", but a blank id can never be looked up again (stricter than Mastra).
        if value is not None and not value.strip():
            raise ValueError("must be a non-empty string")
        return value

    @field_validator("score")
    @classmethod
    def _finite(cls, value: float) -> float:
        # NaN and infinities have no JSON form, so Mastra could not read them back (zod rejects NaN).
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    @model_validator(mode="after")
    def _input_and_output_present(self) -> ScoreCreate:
        # Both columns are NOT NULL on PostgreSQL: a null would be a database error there and succeed
        # on libSQL. Required on both backends so that behaviour does not depend on the database.
        for name in ("input", "output"):
            if getattr(self, name) is None:
                raise ValueError(f"{to_camel(name)} is required and must not be null")
        return self


with warnings.catch_warnings():
    # A read model's ``metadata`` field shadows SQLModel's class-level MetaData; harmless for a
    # non-table model, and it is the name Mastra's API uses.
    warnings.filterwarnings("ignore", message='Field name "metadata"', category=UserWarning)

    class ScoreRead(MastraModel):
        """A stored score as the API returns it (Mastra's ``ScoreRowData``).

        Columns that are NULL are ``None`` here; ``model_dump(by_alias=True, mode="json",
        exclude_none=True)`` gives Mastra's object, which omits them. JSON columns come back as the
        JSON value that was stored (dict, list, string, number or boolean).
        """

        id: str
        scorer_id: str
        entity_id: str | None = None
        run_id: str
        input: Any = None
        output: Any = None
        additional_context: Any = None
        request_context: Any = None
        extract_step_result: Any = None
        extract_prompt: str | None = None
        score: float
        analyze_step_result: Any = None
        analyze_prompt: str | None = None
        reason: str | None = None
        reason_prompt: str | None = None
        scorer: dict[str, Any]
        metadata: dict[str, Any] | None = None  # type: ignore[assignment,misc]  # see above
        source: str
        entity: dict[str, Any] | None = None
        entity_type: str | None = None
        trace_id: str | None = None
        span_id: str | None = None
        resource_id: str | None = None
        thread_id: str | None = None
        preprocess_step_result: Any = None
        preprocess_prompt: str | None = None
        generate_score_prompt: str | None = None
        generate_reason_prompt: str | None = None
        created_at: UTCDateTime
        updated_at: UTCDateTime


class ScoresPage(Page):
    """One page of a ``list_scores_by_*`` call (Mastra's ``ListScoresResponse``, flattened as DESIGN §4
    asks: the pagination fields sit next to ``scores``)."""

    scores: list[ScoreRead]
