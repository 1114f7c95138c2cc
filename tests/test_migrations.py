"""Alembic tree: one head, upgrade = models on both dialects, down/up, offline SQL, failure modes."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from mastra_data import BackendError, ConfigurationError, MigrationError, Storage, Thread
from mastra_data.db import migrations
from mastra_data.db.dialects import backend_for
from mastra_data.db.engine import create_engine
from mastra_data.db.schema import CORE_TABLES

REPO = Path(__file__).resolve().parent.parent


def _tables(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_single_head() -> None:
    script = ScriptDirectory.from_config(migrations.alembic_config())
    assert len(script.get_heads()) == 1
    assert migrations.head_revision() == script.get_current_head()


def test_upgrade_matches_models_with_no_drift(engine: Engine) -> None:
    migrations.upgrade(engine)
    assert set(CORE_TABLES) <= _tables(engine)
    assert migrations.current_revision(engine) == migrations.head_revision()
    assert migrations.schema_diff(engine) == []


def test_version_table_is_our_own(engine: Engine) -> None:
    migrations.upgrade(engine)
    tables = _tables(engine)
    assert migrations.VERSION_TABLE in tables
    assert "alembic_version" not in tables  # a host app's own Alembic table stays free


def test_upgrade_twice_is_a_no_op(engine: Engine) -> None:
    migrations.upgrade(engine)
    migrations.upgrade(engine)
    assert migrations.schema_diff(engine) == []


def test_schema_diff_reports_drift(engine: Engine) -> None:
    migrations.upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX mastra_messages_thread_id_createdat_idx")
    diff = [migrations.describe_diff(d) for d in migrations.schema_diff(engine)]
    assert diff == ["add_index mastra_messages.mastra_messages_thread_id_createdat_idx"]


def test_downgrade_base_then_upgrade_with_rows_present(engine: Engine) -> None:
    migrations.upgrade(engine)
    backend = backend_for(engine)
    threads = Thread.__table__  # type: ignore[attr-defined]
    now = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(threads),
            [
                backend.row(
                    threads,
                    {"id": "t1", "resourceId": "r1", "title": "T", "createdAt": now, "updatedAt": now},
                )
            ],
        )
    migrations.downgrade(engine, "base")
    assert not (set(CORE_TABLES) & _tables(engine))
    migrations.upgrade(engine)
    assert migrations.schema_diff(engine) == []
    with engine.begin() as conn:
        conn.execute(
            sa.insert(threads),
            [
                backend.row(
                    threads,
                    {"id": "t2", "resourceId": "r1", "title": "T", "createdAt": now, "updatedAt": now},
                )
            ],
        )
        assert conn.execute(sa.select(threads.c.id)).scalars().all() == ["t2"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite+libsql:///./offline.db", ['"createdAt" TEXT NOT NULL', "mastra_data_alembic_version"]),
        (
            "postgresql+psycopg://u@localhost/db",
            ['"createdAtZ" TIMESTAMP WITH TIME ZONE DEFAULT now()', "USING gin", "trigger_set_timestamps"],
        ),
    ],
)
def test_offline_sql_renders_per_dialect(url: str, expected: list[str]) -> None:
    sql = migrations.offline_sql(url)
    for fragment in expected:
        assert fragment in sql
    for table in CORE_TABLES:
        assert f"CREATE TABLE IF NOT EXISTS {table}" in sql


def test_alembic_cli_from_repo_root(db_url: str) -> None:
    """The documented commands work from the repo root: upgrade, check, downgrade, offline SQL."""
    alembic = [sys.executable, "-m", "alembic", "-x", f"url={db_url}"]
    up = subprocess.run([*alembic, "upgrade", "head"], cwd=REPO, capture_output=True, text=True, check=False)
    assert up.returncode == 0, up.stderr
    check = subprocess.run([*alembic, "check"], cwd=REPO, capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    down = subprocess.run(
        [*alembic, "downgrade", "base"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert down.returncode == 0, down.stderr
    engine = create_engine(db_url)
    try:
        assert not (set(CORE_TABLES) & _tables(engine))
    finally:
        engine.dispose()
    offline = subprocess.run(
        [*alembic, "upgrade", "head", "--sql"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert offline.returncode == 0, offline.stderr
    assert "CREATE TABLE IF NOT EXISTS mastra_threads" in offline.stdout


def test_database_from_a_newer_package_is_refused(engine: Engine) -> None:
    migrations.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE {migrations.VERSION_TABLE} SET version_num = 'ffff_future'"))
    with pytest.raises(MigrationError, match="newer mastra_data"):
        migrations.upgrade(engine)
    with engine.connect() as conn:  # nothing was touched
        assert (
            conn.execute(sa.text(f"SELECT version_num FROM {migrations.VERSION_TABLE}")).scalar()
            == "ffff_future"
        )


def test_libsql_file_in_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "mastra.db"
    with pytest.raises(ConfigurationError, match="does not exist"):
        Storage.from_url(f"file:{missing}").migrate()
    assert not missing.parent.exists()


def test_unreachable_postgres_is_a_backend_error() -> None:
    # Port 9 (discard) on loopback: nothing listens there, so the connection is refused at once.
    storage = Storage.from_url("postgresql://nobody:s3cret@127.0.0.1:9/db", connect_timeout=2)
    with pytest.raises(BackendError) as info:
        storage.migrate()
    assert "s3cret" not in str(info.value)
    assert info.value.id == "MASTRA_STORAGE_PG_MIGRATE_FAILED"
    assert info.value.__cause__ is not None


def test_unknown_url_scheme() -> None:
    with pytest.raises(ConfigurationError, match="Unsupported database URL scheme 'mysql'"):
        Storage.from_url("mysql://root@localhost/db")


def test_postgres_without_vector_extension_migrates(make_pg_database) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(make_pg_database())
    try:
        migrations.upgrade(engine)
        with engine.connect() as conn:
            extensions = set(conn.execute(sa.text("SELECT extname FROM pg_extension")).scalars())
        assert "vector" not in extensions
        assert migrations.schema_diff(engine) == []
    finally:
        engine.dispose()
