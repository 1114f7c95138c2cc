"""Our migrated schema against the DDL real Mastra creates (``../shared/reference/*.sql``).

The reference DDL is loaded into a second, fresh database of the same backend and both are reflected;
tables, columns (order, type, nullability, defaults), keys and Mastra's indexes must be identical.
Extra indexes on our side are allowed (DESIGN §1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mastra_data.db import migrations
from mastra_data.db.engine import create_engine
from mastra_data.db.schema import CORE_TABLES

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"
LIBSQL_DDL = REFERENCE / "mastra-libsql-beta13-schema.sql"
PG_DDL = REFERENCE / "mastra-pg-beta13-schema.sql"

pytestmark = pytest.mark.skipif(
    not LIBSQL_DDL.exists() or not PG_DDL.exists(), reason=f"reference DDL not found under {REFERENCE}"
)


def _columns(engine: Engine, table: str) -> list[tuple[Any, ...]]:
    inspector = sa.inspect(engine)
    return [
        (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
        for c in inspector.get_columns(table)
    ]


def _keys(engine: Engine, table: str) -> tuple[Any, ...]:
    inspector = sa.inspect(engine)
    pk = inspector.get_pk_constraint(table)
    uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)}
    return tuple(pk["constrained_columns"]), uniques


def test_libsql_schema_equals_mastra(libsql_engine: Engine, tmp_path: Path) -> None:
    migrations.upgrade(libsql_engine)
    reference = create_engine(f"sqlite+libsql:///{tmp_path / 'mastra-reference.db'}")
    try:
        raw = reference.raw_connection()
        raw.driver_connection.executescript(LIBSQL_DDL.read_text())
        raw.close()
        for table in CORE_TABLES:
            assert _columns(libsql_engine, table) == _columns(reference, table), table
            assert _keys(libsql_engine, table) == _keys(reference, table), table
    finally:
        reference.dispose()


def _pg_catalog(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        indexes = dict(
            conn.execute(
                sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
            ).all()
        )
        constraints = set(
            conn.execute(
                sa.text(
                    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE connamespace = 'public'::regnamespace"
                )
            ).all()
        )
        triggers = set(
            conn.execute(
                sa.text("SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal")
            ).all()
        )
        functions = set(
            conn.execute(
                sa.text(
                    "SELECT proname, prosrc FROM pg_proc WHERE pronamespace = 'public'::regnamespace "
                    "AND prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql')"
                )
            ).all()
        )
    return {"indexes": indexes, "constraints": constraints, "triggers": triggers, "functions": functions}


def test_postgres_schema_equals_mastra(pg_engine: Engine, make_pg_database) -> None:  # type: ignore[no-untyped-def]
    migrations.upgrade(pg_engine)
    reference_url = make_pg_database()
    # pg_dump output: psql meta-commands (\restrict) are not SQL; everything else runs as is.
    script = "\n".join(line for line in PG_DDL.read_text().splitlines() if not line.startswith("\\"))
    with psycopg.connect(reference_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(script)
    reference = create_engine(reference_url)
    try:
        for table in CORE_TABLES:
            assert _columns(pg_engine, table) == _columns(reference, table), table
        ours, theirs = _pg_catalog(pg_engine), _pg_catalog(reference)
        mastra_indexes = {k: v for k, v in theirs["indexes"].items() if not k.startswith("test_idx")}
        for name, definition in mastra_indexes.items():
            assert ours["indexes"].get(name) == definition, name
        core = set(CORE_TABLES)
        assert {c for c in theirs["constraints"] if c[0] in core} == {
            c for c in ours["constraints"] if c[0] in core
        }
        assert ours["triggers"] == theirs["triggers"]
        normalized = {(name, " ".join(src.split())) for name, src in theirs["functions"]}
        assert normalized == {(name, " ".join(src.split())) for name, src in ours["functions"]}
    finally:
        reference.dispose()
