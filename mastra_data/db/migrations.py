"""Programmatic Alembic: upgrade, offline SQL, drift check and current revision, for any backend.

One migration tree serves libSQL and PostgreSQL. It lives at the repo root (``alembic/``) and ships
inside the wheel as ``mastra_data/_alembic``, so these functions work from an installed package.
The version table is ``mastra_data_alembic_version``, never a host application's ``alembic_version``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import Engine

from alembic import command
from mastra_data.errors import MigrationError, translate_db_errors

__all__ = (
    "VERSION_TABLE",
    "alembic_config",
    "current_revision",
    "describe_diff",
    "exclude_mastra_tables",
    "head_revision",
    "include_object",
    "is_mastra_table",
    "offline_sql",
    "schema_diff",
    "script_location",
    "upgrade",
)

VERSION_TABLE = "mastra_data_alembic_version"


def script_location() -> Path:
    """The migration scripts: packaged copy in a wheel, else the repo-root ``alembic/``."""
    package_dir = Path(__file__).resolve().parent.parent
    for candidate in (package_dir / "_alembic", package_dir.parent / "alembic"):
        if (candidate / "env.py").is_file():
            return candidate
    raise MigrationError(
        "MASTRA_STORAGE_MIGRATIONS_MISSING",
        f"Migration scripts not found next to {package_dir} (expected _alembic/ or ../alembic/)",
    )


def alembic_config(*, url: str | None = None, connection: sa.Connection | None = None) -> Config:
    """An Alembic ``Config`` for our tree, bound to a URL or to an open connection."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location()))
    if url is not None:
        cfg.attributes["url"] = url
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Autogenerate filter: only our core tables take part (vector index tables and the host app's
    own tables are not ours to drop)."""
    from mastra_data.db.schema import CORE_TABLES

    if type_ == "table":
        return name in CORE_TABLES
    table = getattr(obj, "table", None)
    return table is None or table.name in CORE_TABLES


def is_mastra_table(name: str) -> bool:
    """Whether a table belongs to mastra_data: a core table, our version table, or a semantic-recall
    vector index (``memory_messages``, ``memory_messages_<dim>``) or libSQL's vector bookkeeping table."""
    from mastra_data.db.schema import CORE_TABLES

    return (
        name in CORE_TABLES
        or name in (VERSION_TABLE, "memory_messages", "libsql_vector_meta_shadow")
        or name.startswith("memory_messages_")
    )


def exclude_mastra_tables(name: str | None, type_: str, parent_names: Any) -> bool:
    """``include_name`` hook for a host application's Alembic ``env.py``: its autogenerate (and
    ``alembic check``) then ignores mastra_data's tables, which our own migrations manage.

    Example:
        >>> context.configure(connection=conn, target_metadata=Base.metadata,
        ...                   include_name=exclude_mastra_tables)
    """
    return not (type_ == "table" and name is not None and is_mastra_table(name))


def head_revision() -> str:
    """The newest revision this package ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision a database is at (``None`` when it has never been migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


@contextmanager
def _migration_errors(engine: Engine, operation: str) -> Iterator[None]:
    from mastra_data.db.dialects import backend_for

    with translate_db_errors(backend_for(engine).store, operation):
        try:
            yield
        except CommandError as exc:
            text = str(exc)
            if "Can't locate revision" in text:
                text = (
                    f"{text}. The database was migrated by a newer mastra_data than this one "
                    f"(newest known revision: {head_revision()}); upgrade the package."
                )
            raise MigrationError(f"MASTRA_STORAGE_{operation}_FAILED", text) from exc


def upgrade(engine: Engine, revision: str = "head") -> None:
    """``alembic upgrade <revision>`` on the engine's database, in one connection.

    Raises:
        MigrationError: unknown revision (e.g. the DB is newer than this package).
        BackendError: the database failed.
    """
    with _migration_errors(engine, "MIGRATE"), engine.begin() as conn:
        command.upgrade(alembic_config(connection=conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """``alembic downgrade <revision>`` (``"base"`` drops every core table)."""
    with _migration_errors(engine, "MIGRATE"), engine.begin() as conn:
        command.downgrade(alembic_config(connection=conn), revision)


def offline_sql(url: str, revision: str = "head") -> str:
    """The DDL ``alembic upgrade <revision> --sql`` prints for the URL's dialect (no connection)."""
    buffer = io.StringIO()
    cfg = alembic_config(url=url)
    cfg.output_buffer = buffer
    command.upgrade(cfg, revision, sql=True)
    return buffer.getvalue()


def schema_diff(engine: Engine) -> list[Any]:
    """Differences between the database and the models (empty when there is no drift)."""
    from mastra_data.db.schema import metadata_for

    with _migration_errors(engine, "CHECK"), engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "include_object": include_object, "version_table": VERSION_TABLE},
        )
        return list(compare_metadata(ctx, metadata_for(engine.dialect.name)))


def describe_diff(item: Any) -> str:
    """One line for one ``compare_metadata`` entry, e.g. ``add_index mastra_threads.idx_name``."""
    if isinstance(item, list):  # column modifications come grouped
        return "; ".join(describe_diff(sub) for sub in item)
    op, *rest = item
    if op.startswith("modify_"):
        _schema, table, column, _info, old, new = rest
        return f"{op} {table}.{column}: {old!r} -> {new!r}"
    obj = rest[-1] if op.endswith("_column") else rest[0]
    table = rest[1] if op.endswith("_column") else getattr(getattr(obj, "table", None), "name", None)
    name = getattr(obj, "name", None) or "(unnamed)"
    return f"{op} {table}.{name}" if table and table != name else f"{op} {name}"
