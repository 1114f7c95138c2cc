"""Mastra v1 core schema (the seven tables of @mastra/libsql / @mastra/pg 1.0.0-beta.13).

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Why: a Mastra TypeScript app and a Python app share one database, so the first revision creates
exactly what Mastra's ``init()`` creates on each backend (names, camelCase columns, types, per-dialect
nullability, PG's ``"<col>Z"`` shadow columns and span trigger), plus the indexes the hot reads need.

It also *adopts* a database Mastra already initialised: online, existing tables are kept with their
rows and only what is missing (columns, indexes) is added; offline (``--sql``) it renders
``CREATE … IF NOT EXISTS`` for review. The table spec below is frozen here on purpose: later model
changes get their own revisions and never alter what this one does.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Mastra's core column types; nullability as Mastra's TABLE_SCHEMAS say it: False = "nullable: false",
# True = "nullable: true", None = unspecified (NOT NULL on PostgreSQL, nullable on libSQL).
TEXT, TIMESTAMP, JSONB, BOOLEAN, FLOAT = "text", "timestamp", "jsonb", "boolean", "float"
PK = "pk"

TABLES: dict[str, list[tuple[str, str, bool | str | None]]] = {
    "mastra_threads": [
        ("id", TEXT, PK),
        ("resourceId", TEXT, False),
        ("title", TEXT, False),
        ("metadata", JSONB, True),
        ("createdAt", TIMESTAMP, False),
        ("updatedAt", TIMESTAMP, False),
    ],
    "mastra_messages": [
        ("id", TEXT, PK),
        ("thread_id", TEXT, False),
        ("content", TEXT, False),
        ("role", TEXT, False),
        ("type", TEXT, False),
        ("createdAt", TIMESTAMP, False),
        ("resourceId", TEXT, True),
    ],
    "mastra_resources": [
        ("id", TEXT, PK),
        ("workingMemory", TEXT, True),
        ("metadata", JSONB, True),
        ("createdAt", TIMESTAMP, False),
        ("updatedAt", TIMESTAMP, False),
    ],
    "mastra_workflow_snapshot": [
        ("workflow_name", TEXT, None),
        ("run_id", TEXT, None),
        ("resourceId", TEXT, True),
        ("snapshot", JSONB, None),
        ("createdAt", TIMESTAMP, None),
        ("updatedAt", TIMESTAMP, None),
    ],
    "mastra_scorers": [
        ("id", TEXT, PK),
        ("scorerId", TEXT, None),
        ("traceId", TEXT, True),
        ("spanId", TEXT, True),
        ("runId", TEXT, None),
        ("scorer", JSONB, None),
        ("preprocessStepResult", JSONB, True),
        ("extractStepResult", JSONB, True),
        ("analyzeStepResult", JSONB, True),
        ("score", FLOAT, None),
        ("reason", TEXT, True),
        ("metadata", JSONB, True),
        ("preprocessPrompt", TEXT, True),
        ("extractPrompt", TEXT, True),
        ("generateScorePrompt", TEXT, True),
        ("generateReasonPrompt", TEXT, True),
        ("analyzePrompt", TEXT, True),
        ("reasonPrompt", TEXT, True),
        ("input", JSONB, None),
        ("output", JSONB, None),
        ("additionalContext", JSONB, True),
        ("requestContext", JSONB, True),
        ("entityType", TEXT, True),
        ("entity", JSONB, True),
        ("entityId", TEXT, True),
        ("source", TEXT, None),
        ("resourceId", TEXT, True),
        ("threadId", TEXT, True),
        ("createdAt", TIMESTAMP, None),
        ("updatedAt", TIMESTAMP, None),
    ],
    "mastra_ai_spans": [
        ("traceId", TEXT, False),
        ("spanId", TEXT, False),
        ("name", TEXT, False),
        ("spanType", TEXT, False),
        ("isEvent", BOOLEAN, False),
        ("startedAt", TIMESTAMP, False),
        ("parentSpanId", TEXT, True),
        ("entityType", TEXT, True),
        ("entityId", TEXT, True),
        ("entityName", TEXT, True),
        ("userId", TEXT, True),
        ("organizationId", TEXT, True),
        ("resourceId", TEXT, True),
        ("runId", TEXT, True),
        ("sessionId", TEXT, True),
        ("threadId", TEXT, True),
        ("requestId", TEXT, True),
        ("environment", TEXT, True),
        ("source", TEXT, True),
        ("serviceName", TEXT, True),
        ("scope", JSONB, True),
        ("metadata", JSONB, True),
        ("tags", JSONB, True),
        ("attributes", JSONB, True),
        ("links", JSONB, True),
        ("input", JSONB, True),
        ("output", JSONB, True),
        ("error", JSONB, True),
        ("endedAt", TIMESTAMP, True),
        ("createdAt", TIMESTAMP, False),
        ("updatedAt", TIMESTAMP, True),
    ],
    "mastra_agents": [
        ("id", TEXT, PK),
        ("name", TEXT, False),
        ("description", TEXT, True),
        ("instructions", TEXT, False),
        ("model", JSONB, False),
        ("tools", JSONB, True),
        ("defaultOptions", JSONB, True),
        ("workflows", JSONB, True),
        ("agents", JSONB, True),
        ("inputProcessors", JSONB, True),
        ("outputProcessors", JSONB, True),
        ("memory", JSONB, True),
        ("scorers", JSONB, True),
        ("metadata", JSONB, True),
        ("createdAt", TIMESTAMP, False),
        ("updatedAt", TIMESTAMP, False),
    ],
}

# (name, table, columns as (column, descending), where-root-spans, dialect or None for both, unique)
INDEXES: list[tuple[str, str, list[tuple[str, bool]], bool, str | None, bool]] = [
    (
        "mastra_threads_resourceid_createdat_idx",
        "mastra_threads",
        [("resourceId", False), ("createdAt", True)],
        False,
        None,
        False,
    ),
    (
        "mastra_messages_thread_id_createdat_idx",
        "mastra_messages",
        [("thread_id", False), ("createdAt", True)],
        False,
        None,
        False,
    ),
    (
        "mastra_workflow_snapshot_name_createdat_idx",
        "mastra_workflow_snapshot",
        [("workflow_name", False), ("createdAt", True)],
        False,
        None,
        False,
    ),
    (
        "mastra_scores_trace_id_span_id_created_at_idx",
        "mastra_scorers",
        [("traceId", False), ("spanId", False), ("createdAt", True)],
        False,
        None,
        False,
    ),
    (
        "mastra_ai_spans_traceid_startedat_idx",
        "mastra_ai_spans",
        [("traceId", False), ("startedAt", True)],
        False,
        None,
        False,
    ),
    (
        "mastra_ai_spans_parentspanid_startedat_idx",
        "mastra_ai_spans",
        [("parentSpanId", False), ("startedAt", True)],
        False,
        None,
        False,
    ),
    ("mastra_ai_spans_name_idx", "mastra_ai_spans", [("name", False)], False, None, False),
    (
        "mastra_ai_spans_spantype_startedat_idx",
        "mastra_ai_spans",
        [("spanType", False), ("startedAt", True)],
        False,
        None,
        False,
    ),
    ("mastra_ai_spans_root_spans_idx", "mastra_ai_spans", [("startedAt", True)], True, None, False),
    (
        "mastra_ai_spans_entitytype_entityid_idx",
        "mastra_ai_spans",
        [("entityType", False), ("entityId", False)],
        False,
        None,
        False,
    ),
    (
        "mastra_ai_spans_entitytype_entityname_idx",
        "mastra_ai_spans",
        [("entityType", False), ("entityName", False)],
        False,
        None,
        False,
    ),
    (
        "mastra_ai_spans_orgid_userid_idx",
        "mastra_ai_spans",
        [("organizationId", False), ("userId", False)],
        False,
        None,
        False,
    ),
    # @mastra/libsql 1.0 makes (spanId, traceId) unique under this name; PG has the primary key.
    (
        "mastra_ai_spans_spanid_traceid_idx",
        "mastra_ai_spans",
        [("spanId", False), ("traceId", False)],
        False,
        "sqlite",
        True,
    ),
]
GIN_INDEXES = [("mastra_ai_spans_metadata_gin_idx", "metadata"), ("mastra_ai_spans_tags_gin_idx", "tags")]

# Mastra's PG span trigger, verbatim, so a Mastra process writing spans behaves as on its own schema.
SPAN_TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION trigger_set_timestamps() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                NEW."createdAt" = NOW();
                NEW."updatedAt" = NOW();
                NEW."createdAtZ" = NOW();
                NEW."updatedAtZ" = NOW();
            ELSIF TG_OP = 'UPDATE' THEN
                NEW."updatedAt" = NOW();
                NEW."updatedAtZ" = NOW();
                NEW."createdAt" = OLD."createdAt";
                NEW."createdAtZ" = OLD."createdAtZ";
            END IF;
            RETURN NEW;
        END;
        $$
"""
SPAN_TRIGGER = (
    "CREATE OR REPLACE TRIGGER mastra_ai_spans_timestamps BEFORE INSERT OR UPDATE ON mastra_ai_spans "
    "FOR EACH ROW EXECUTE FUNCTION trigger_set_timestamps()"
)


def _columns(table: str, pg: bool) -> list[sa.Column[object]]:
    sql_types = {
        TEXT: sa.Text(),
        TIMESTAMP: postgresql.TIMESTAMP() if pg else sa.Text(),
        JSONB: postgresql.JSONB() if pg else sa.Text(),
        BOOLEAN: sa.Boolean() if pg else sa.Integer(),
        FLOAT: postgresql.DOUBLE_PRECISION() if pg else sa.REAL(),
    }
    columns: list[sa.Column[object]] = []
    for name, kind, nullable in TABLES[table]:
        not_null = nullable is PK or nullable is False or (nullable is None and pg)
        columns.append(sa.Column(name, sql_types[kind], nullable=not not_null, primary_key=nullable is PK))
    if pg:
        columns += [
            sa.Column(f"{name}Z", postgresql.TIMESTAMP(timezone=True), server_default=sa.text("now()"))
            for name, kind, _ in TABLES[table]
            if kind == TIMESTAMP
        ]
    return columns


def _constraints(table: str, pg: bool) -> list[sa.Constraint]:
    pk = {"mastra_threads", "mastra_messages", "mastra_resources", "mastra_scorers", "mastra_agents"}
    if table in pk:
        return [sa.PrimaryKeyConstraint("id", name=f"{table}_pkey")]
    if table == "mastra_workflow_snapshot":
        # @mastra/pg beta.13 names it like this, so its init() finds it. Mastra's libSQL DDL leaves it
        # unnamed (ours then gets the naming-convention name; SQLite matches uniques by columns).
        name = "public_mastra_workflow_snapshot_workflow_name_run_id_key" if pg else None
        return [sa.UniqueConstraint("workflow_name", "run_id", name=name)]
    if table == "mastra_ai_spans" and pg:
        return [sa.PrimaryKeyConstraint("traceId", "spanId", name="public_mastra_ai_spans_traceid_spanid_pk")]
    return []


def upgrade() -> None:
    ctx = op.get_context()
    pg = ctx.dialect.name == "postgresql"
    inspector = None if ctx.as_sql else sa.inspect(op.get_bind())

    for table in TABLES:
        columns = _columns(table, pg)
        if inspector is not None and inspector.has_table(table):
            # Adopt a table Mastra created: keep it and its rows, add only missing columns (nullable,
            # since existing rows have no value for them).
            present = {c["name"] for c in inspector.get_columns(table)}
            for column in columns:
                if column.name not in present:
                    column.nullable = True
                    column.primary_key = False
                    op.add_column(table, column)
            continue
        for column in columns:
            column.primary_key = False  # keys come from the named constraints below
        op.create_table(table, *columns, *_constraints(table, pg), if_not_exists=True)

    existing: set[str] = set()
    if inspector is not None:
        existing = {ix["name"] for table in TABLES for ix in inspector.get_indexes(table) if ix["name"]}
    for name, table, cols, roots_only, dialect, unique in INDEXES:
        if (dialect is not None and dialect != ctx.dialect.name) or name in existing:
            continue
        where = sa.text('"parentSpanId" IS NULL') if roots_only else None
        op.create_index(
            name,
            table,
            [sa.text(f'"{col}" DESC') if desc else sa.text(f'"{col}"') for col, desc in cols],
            unique=unique,
            postgresql_where=where,
            sqlite_where=where,
            if_not_exists=True,
        )
    if pg:
        for name, col in GIN_INDEXES:
            if name not in existing:
                op.create_index(
                    name, "mastra_ai_spans", [sa.text(f'"{col}"')], postgresql_using="gin", if_not_exists=True
                )
        op.execute(SPAN_TRIGGER_FUNCTION)
        op.execute(SPAN_TRIGGER)


def downgrade() -> None:
    ctx = op.get_context()
    if ctx.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS mastra_ai_spans_timestamps ON mastra_ai_spans")
        op.execute("DROP FUNCTION IF EXISTS trigger_set_timestamps()")
    for table in reversed(list(TABLES)):
        op.drop_table(table, if_exists=True)
