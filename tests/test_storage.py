"""Storage: the composite entry point."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from mastra_data import Storage
from mastra_data.db import migrations
from mastra_data.db.schema import CORE_TABLES


def test_migrate_creates_the_core_schema(db_url: str) -> None:
    with Storage.from_url(db_url) as storage:
        storage.migrate()
        engine = storage.engine_for("memory")
        assert set(CORE_TABLES) <= set(sa.inspect(engine).get_table_names())
        assert migrations.schema_diff(engine) == []
        storage.migrate()  # idempotent


def test_absent_domains_are_none(tmp_path: Path) -> None:
    with Storage.from_url(f"file:{tmp_path / 'x.db'}") as storage:
        assert storage.get_store("no-such-domain") is None


def test_close_disposes_engines_and_is_repeatable(tmp_path: Path) -> None:
    storage = Storage.from_url(f"file:{tmp_path / 'x.db'}")
    first = storage.engine_for("memory")
    storage.close()
    storage.close()
    assert storage.engine_for("memory") is not first  # a closed storage reconnects on demand
    storage.close()


def test_memory_database_survives_between_connections() -> None:
    """``:memory:`` is one database per process (a fresh connection would otherwise see nothing)."""
    with Storage.from_url(":memory:") as storage:
        storage.migrate()
        engine = storage.engine_for("memory")
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    """INSERT INTO mastra_resources (id, "createdAt", "updatedAt") VALUES ('r', 'x', 'x')"""
                )
            )
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT id FROM mastra_resources")).scalars().all() == ["r"]


def test_libsql_write_waits_out_a_lock_held_longer_than_busy_timeout(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE is retried (bounded, with backoff) after busy_timeout (5 s) runs out."""
    import threading
    import time

    import libsql_experimental

    path = tmp_path / "locked.db"
    with Storage.from_url(f"sqlite+libsql:///{path}") as storage:
        storage.migrate()
        holder = libsql_experimental.connect(str(path), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        released = threading.Event()

        def release() -> None:
            time.sleep(5.6)  # longer than busy_timeout: a single attempt would fail
            holder.execute("COMMIT")
            released.set()

        threading.Thread(target=release).start()
        storage.memory.save_thread({"id": "t", "resource_id": "r", "title": "after the lock"})
        assert released.is_set()
        thread = storage.memory.get_thread_by_id("t")
        assert thread is not None
        assert thread.title == "after the lock"
        holder.close()


def test_libsql_file_connections_map_the_file_as_configured(tmp_path: Path) -> None:
    """Every pooled connection to a libSQL file reads it through mmap (MASTRA_DATA_LIBSQL_MMAP_SIZE,
    1 GiB by default); 0 turns mapping off."""
    url = f"sqlite+libsql:///{tmp_path}/mapped.db"
    for storage, expected in (
        (Storage.from_url(url), 1 << 30),
        (Storage.from_url(url, libsql_mmap_size=0), 0),
    ):
        try:
            with storage.engine_for("memory").connect() as conn:
                assert conn.exec_driver_sql("PRAGMA mmap_size").scalar_one() == expected
        finally:
            storage.close()
