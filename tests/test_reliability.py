"""Issue 7 part A with small parameters: concurrent writers, busy handling, crash safety.

The scenarios live in ``scripts/reliability.py``, which runs them with the issue's full parameters
and reports the numbers (``docs/reliability.md``); here each runs small enough for CI.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from mastra_data.db.dialects import libsql as libsql_dialect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))  # spawn children inherit it
import reliability


def _assert_clean(outcome: reliability.Outcome) -> None:
    assert outcome.errors == 0, outcome.error_samples
    assert outcome.lost == 0, outcome.error_samples
    assert outcome.checks, outcome
    assert all(outcome.checks.values()), outcome.checks


def test_libsql_processes_on_one_file_lose_nothing_and_readers_never_fail(tmp_path: Path) -> None:
    outcome = reliability.concurrent_processes(f"sqlite+libsql:///{tmp_path / 'shared.db'}", 3, 50)
    _assert_clean(outcome)
    assert outcome.operations == 150
    assert outcome.checks["integrity_check ok"]
    assert outcome.notes["reads"] > 0
    assert outcome.notes["inconsistent_reads"] == 0


def test_postgres_processes_lose_nothing(make_pg_database: Callable[[], str]) -> None:
    outcome = reliability.concurrent_processes(make_pg_database(), 3, 30)
    _assert_clean(outcome)
    assert outcome.notes["read_errors"] == 0


def test_threads_sharing_one_storage_lose_nothing(db_url: str) -> None:
    """16 threads on one Storage (default pool): no pool exhaustion, every workflow step kept."""
    outcome = reliability.concurrent_threads(db_url, 16, 10)
    _assert_clean(outcome)
    assert outcome.operations == 160
    assert outcome.checks["no pool exhaustion"]
    assert outcome.notes["workflow_steps"] == "32/32"


def test_libsql_write_lock_wait_is_bounded_with_a_clear_error(tmp_path: Path) -> None:
    """A lock held past the bound gives BackendError naming the wait; nothing is written."""
    outcome = reliability.busy_bound(tmp_path / "busy.db", lock_timeout_ms=300)
    assert outcome.checks == {
        "BackendError with lock message": True,
        "nothing written": True,
        "writes work after release": True,
    }
    assert outcome.notes["error_id"] == "MASTRA_STORAGE_LIBSQL_SAVE_THREAD_FAILED"
    assert outcome.notes["message"] == (
        "save_thread: database is locked: no write lock within 300 ms (another connection holds it)"
    )
    assert outcome.retries > 0  # it did wait and retry before giving up
    assert libsql_dialect.WRITE_LOCK_TIMEOUT_MS == 20000  # the bound is restored


def test_kill_9_leaves_each_operation_all_or_nothing(db_url: str) -> None:
    """kill -9 inside the open transaction (must be absent) and at a random point (either)."""
    outcome = reliability.crash_safety(db_url, repeats=1, size=1000, clone_size=600)
    _assert_clean(outcome)
    assert outcome.operations == 6
    tally = outcome.notes["outcomes"]
    assert all(t["partial"] == 0 and t["present"] + t["absent"] == 2 for t in tally.values())
    if db_url.startswith("sqlite"):
        assert outcome.checks["integrity_check ok after every kill"]


def test_busy_retry_counter_counts_contended_begins(tmp_path: Path) -> None:
    """Contended writes retry BEGIN IMMEDIATE and the per-process counter says how often."""
    before = libsql_dialect.BUSY_RETRIES
    outcome = reliability.concurrent_threads(f"sqlite+libsql:///{tmp_path / 'c.db'}", 8, 5)
    _assert_clean(outcome)
    assert outcome.retries == libsql_dialect.BUSY_RETRIES - before
