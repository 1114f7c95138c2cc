"""Mastra-compatibility report of one database: what revision head would create and is missing, what
else drifted, and the vector index tables found (which Alembic does not manage)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine

from mastra_data.db import migrations
from mastra_data.db.dialects import backend_for
from mastra_data.errors import translate_db_errors
from mastra_data.vectors.models import IndexStats

__all__ = ("CompatibilityReport", "compatibility_report")

# compare_metadata operations meaning "the models have it, the database does not".
_MISSING = {"add_table": "tables", "add_column": "columns", "add_index": "indexes"}


@dataclass
class CompatibilityReport:
    """What :func:`compatibility_report` found.

    ``missing_tables`` / ``missing_columns`` / ``missing_indexes`` name what revision head creates for
    the dialect and the database lacks (``table`` / ``table.column`` / ``table.index``); ``other_drift``
    holds every other difference (extra indexes, changed types or nullability), one line each.
    """

    revision: str | None
    head: str
    missing_tables: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    missing_indexes: list[str] = field(default_factory=list)
    other_drift: list[str] = field(default_factory=list)
    drift_lines: list[str] = field(default_factory=list)
    vector_indexes: dict[str, IndexStats] = field(default_factory=dict)

    @property
    def at_head(self) -> bool:
        """The database is at the newest revision this package ships."""
        return self.revision == self.head

    @property
    def ok(self) -> bool:
        """At head and no drift at all: Mastra and this package can both use the database."""
        return self.at_head and not self.drift_lines


def _missing_name(item: Any) -> tuple[str, str] | None:
    """(kind, name) for a "missing in the database" diff entry, else ``None``."""
    if isinstance(item, list) or item[0] not in _MISSING:
        return None
    op, *rest = item
    if op == "add_table":
        return "tables", rest[0].name
    if op == "add_column":
        return "columns", f"{rest[1]}.{rest[2].name}"
    index = rest[0]
    return "indexes", f"{index.table.name}.{index.name}"


def compatibility_report(engine: Engine, *, vector_engine: Engine | None = None) -> CompatibilityReport:
    """Compare the database with what revision head creates for its dialect, and list its vector
    index tables with dimension, vector count, metric and ANN index type.

    ``vector_engine`` is where the vector indexes live (default: ``engine``).

    Raises:
        BackendError: the database is unreachable or failed.
        MigrationError: the migration scripts are missing.
    """
    store = backend_for(engine).store
    with translate_db_errors(store, "CHECK"):
        revision = migrations.current_revision(engine)
    with warnings.catch_warnings():
        # Reflection of vector index tables (F32_BLOB columns, expression indexes) warns; those tables
        # are not compared anyway (include_object keeps only the core tables).
        warnings.simplefilter("ignore", sa_exc.SAWarning)
        diff = migrations.schema_diff(engine)
    report = CompatibilityReport(revision=revision, head=migrations.head_revision())
    for item in diff:
        report.drift_lines.append(migrations.describe_diff(item))
        missing = _missing_name(item)
        if missing is None:
            report.other_drift.append(migrations.describe_diff(item))
        else:
            kind, name = missing
            getattr(report, f"missing_{kind}").append(name)
    vectors_on = vector_engine or engine
    vectors = backend_for(vectors_on).vector_store(vectors_on)
    for name in vectors.list_indexes():
        report.vector_indexes[name] = vectors.describe_index(name)
    return report
