"""Behaviour suite of the workflows domain (``storage.workflows``), on libSQL and PostgreSQL.

Ports Mastra's shared storage conformance tests for workflows (``reference/mastra-storage-spec.md``
§6.6) to the snake_case API of DESIGN §4, plus: atomic read-modify-write updates from several threads
and several processes, strings PostgreSQL ``jsonb`` cannot hold, a 10 MB snapshot, and bad input. Where
Mastra's stores differ the tests follow ``WorkflowsRepository``'s docstrings (a re-persist keeps
``created_at`` on both backends; ties on ``created_at`` are ordered by run id).

Every test gets a fresh, empty, migrated database. Times are explicit (``at(...)``) rather than slept for.
"""

from __future__ import annotations

import multiprocessing
import re
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from mastra_data import MastraDataError, NotFoundError, Storage, ValidationError
from mastra_data.workflows.models import WorkflowRun, WorkflowRunsPage
from mastra_data.workflows.repository import WorkflowsRepository

BASE = datetime(2024, 1, 1, tzinfo=UTC)
"""All fixture times hang off this instant, far in the past so that "now" is always later."""

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


# --- fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture
def workflows(storage: Storage) -> WorkflowsRepository:
    """The workflows repository on a fresh, migrated database of the current backend."""
    repo = storage.workflows
    assert isinstance(repo, WorkflowsRepository)
    return repo


def at(seconds: float = 0, *, days: int = 0) -> datetime:
    """``BASE`` shifted by the given amount."""
    return BASE + timedelta(days=days, seconds=seconds)


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def sample_snapshot(status: str, created_at: datetime = BASE) -> tuple[dict[str, Any], str, str]:
    """Mastra's ``createSampleWorkflowSnapshot``: (snapshot, run id, step id)."""
    run_id, step_id = uid("run"), uid("step")
    started = int(created_at.timestamp() * 1000)
    snapshot = {
        "result": {"success": True},
        "value": {},
        "context": {
            step_id: {"status": status, "payload": {}, "startedAt": started, "endedAt": started + 15_000},
            "input": {},
        },
        "serializedStepGraph": [],
        "activePaths": [],
        "suspendedPaths": {},
        "resumeLabels": {},
        "waitingPaths": {},
        "runId": run_id,
        "timestamp": started,
        "activeStepsPath": {},
        "status": status,
    }
    return snapshot, run_id, step_id


def persist_sample(
    workflows: WorkflowsRepository,
    workflow_name: str = "test-workflow",
    *,
    status: str = "running",
    created_at: datetime = BASE,
    resource_id: str | None = None,
) -> tuple[dict[str, Any], str, str]:
    snapshot, run_id, step_id = sample_snapshot(status, created_at)
    workflows.persist_workflow_snapshot(
        workflow_name=workflow_name,
        run_id=run_id,
        snapshot=snapshot,
        resource_id=resource_id,
        created_at=created_at,
        updated_at=created_at,
    )
    return snapshot, run_id, step_id


def run_ids(page: WorkflowRunsPage) -> list[str]:
    return [r.run_id for r in page.runs]


def assert_page(
    page: WorkflowRunsPage, *, total: int, page_no: int, per_page: int | bool, has_more: bool
) -> None:
    assert (page.total, page.page, page.per_page, page.has_more) == (total, page_no, per_page, has_more)


def row_state(workflows: WorkflowsRepository, workflow_name: str, run_id: str) -> Any:
    """Everything a run is, to compare before and after a refused call."""
    run = workflows.get_workflow_run_by_id(run_id, workflow_name=workflow_name)
    return None if run is None else run.model_dump()


# --- listWorkflowRuns (§6.6) ----------------------------------------------------------------------


class TestListWorkflowRuns:
    def test_returns_empty_list_when_no_workflows_exist(self, workflows: WorkflowsRepository) -> None:
        page = workflows.list_workflow_runs()
        assert page.runs == []
        assert page.total == 0

    def test_returns_all_workflows_by_default(self, workflows: WorkflowsRepository) -> None:
        _snap1, run1, step1 = persist_sample(workflows, "workflow-1", status="success", created_at=at(0))
        snap2, run2, step2 = persist_sample(workflows, "workflow-2", status="failed", created_at=at(1))

        page = workflows.list_workflow_runs()
        assert isinstance(page, WorkflowRunsPage)
        assert page.total == 2
        assert run_ids(page) == [run2, run1]  # newest first
        assert [r.workflow_name for r in page.runs] == ["workflow-2", "workflow-1"]
        first, second = page.runs
        assert isinstance(first.snapshot, dict)
        assert isinstance(second.snapshot, dict)
        assert first.snapshot["context"][step2]["status"] == "failed"
        assert second.snapshot["context"][step1]["status"] == "success"
        assert first.snapshot == snap2

    def test_filters_by_workflow_name(self, workflows: WorkflowsRepository) -> None:
        _, run1, _ = persist_sample(workflows, "workflow-1", created_at=at(0))
        persist_sample(workflows, "workflow-2", created_at=at(1))

        page = workflows.list_workflow_runs(workflow_name="workflow-1")
        assert run_ids(page) == [run1]
        assert page.total == 1
        assert page.runs[0].workflow_name == "workflow-1"

    def test_filters_by_status(self, workflows: WorkflowsRepository) -> None:
        _, ok, _ = persist_sample(workflows, "workflow-1", status="success", created_at=at(0))
        _, bad, _ = persist_sample(workflows, "workflow-2", status="failed", created_at=at(1))

        assert run_ids(workflows.list_workflow_runs(status="success")) == [ok]
        assert run_ids(workflows.list_workflow_runs(status="failed")) == [bad]
        assert workflows.list_workflow_runs(status="suspended").total == 0
        # The status compares as a string, type-strictly, and combines with the other filters.
        assert run_ids(workflows.list_workflow_runs(status="success", workflow_name="workflow-1")) == [ok]
        assert workflows.list_workflow_runs(status="success", workflow_name="workflow-2").runs == []

    def test_status_filter_with_pagination_counts_matching_runs(self, workflows: WorkflowsRepository) -> None:
        done = [persist_sample(workflows, status="success", created_at=at(i))[1] for i in range(3)]
        persist_sample(workflows, status="failed", created_at=at(10))

        page = workflows.list_workflow_runs(status="success", page=0, per_page=2)
        assert run_ids(page) == [done[2], done[1]]
        assert_page(page, total=3, page_no=0, per_page=2, has_more=True)

    def test_filters_by_date_range(self, workflows: WorkflowsRepository) -> None:
        now = at(days=10)
        persist_sample(workflows, "workflow-1", created_at=now - timedelta(days=2))
        _, day_ago, _ = persist_sample(workflows, "workflow-2", created_at=now - timedelta(days=1))
        _, latest, _ = persist_sample(workflows, "workflow-3", created_at=now)

        page = workflows.list_workflow_runs(from_date=now - timedelta(days=1), to_date=now)
        assert run_ids(page) == [latest, day_ago]  # both bounds inclusive
        assert page.total == 2
        assert run_ids(workflows.list_workflow_runs(from_date=now)) == [latest]
        assert len(workflows.list_workflow_runs(to_date=now - timedelta(days=1)).runs) == 2

    def test_date_bounds_accept_iso_strings_and_naive_utc(self, workflows: WorkflowsRepository) -> None:
        _, early, _ = persist_sample(workflows, created_at=at(0))
        _, late, _ = persist_sample(workflows, created_at=at(3600))

        assert run_ids(workflows.list_workflow_runs(from_date="2024-01-01T00:30:00Z")) == [late]
        # Naive means UTC: 00:30 naive is 00:30Z, not 00:30 local time.
        assert run_ids(workflows.list_workflow_runs(to_date=datetime(2024, 1, 1, 0, 30))) == [early]
        # An offset is converted: 02:30+02:00 is 00:30Z.
        assert run_ids(workflows.list_workflow_runs(from_date="2024-01-01T02:30:00+02:00")) == [late]

    def test_handles_pagination(self, workflows: WorkflowsRepository) -> None:
        runs = [persist_sample(workflows, created_at=at(i))[1] for i in range(3)]

        first = workflows.list_workflow_runs(per_page=2, page=0)
        assert run_ids(first) == [runs[2], runs[1]]
        assert_page(first, total=3, page_no=0, per_page=2, has_more=True)

        second = workflows.list_workflow_runs(per_page=2, page=1)
        assert run_ids(second) == [runs[0]]
        assert_page(second, total=3, page_no=1, per_page=2, has_more=False)

        assert workflows.list_workflow_runs(per_page=2, page=5).runs == []

    def test_paginates_only_when_page_and_per_page_are_both_given(
        self, workflows: WorkflowsRepository
    ) -> None:
        for i in range(3):
            persist_sample(workflows, created_at=at(i))

        for kwargs in ({}, {"per_page": 1}, {"page": 0}, {"page": 2}):
            page = workflows.list_workflow_runs(**kwargs)
            assert len(page.runs) == 3, kwargs
            assert_page(page, total=3, page_no=0, per_page=False, has_more=False)

        everything = workflows.list_workflow_runs(per_page=False, page=0)
        assert len(everything.runs) == 3
        assert_page(everything, total=3, page_no=0, per_page=False, has_more=False)

    def test_ties_on_created_at_page_without_overlap(self, workflows: WorkflowsRepository) -> None:
        ids = {persist_sample(workflows, created_at=at(0))[1] for _ in range(5)}

        seen = [r for p in range(3) for r in run_ids(workflows.list_workflow_runs(page=p, per_page=2))]
        assert len(seen) == 5
        assert set(seen) == ids
        assert seen == sorted(ids, reverse=True)

    def test_runs_serialise_with_mastra_keys(self, workflows: WorkflowsRepository) -> None:
        snapshot, run_id, _ = persist_sample(workflows, "wf", resource_id="user-1", created_at=at(0))
        dumped = workflows.list_workflow_runs().model_dump(by_alias=True, mode="json")
        assert set(dumped) == {"runs", "total", "page", "perPage", "hasMore"}
        assert dumped["runs"] == [
            {
                "workflowName": "wf",
                "runId": run_id,
                "snapshot": snapshot,
                "createdAt": "2024-01-01T00:00:00.000Z",
                "updatedAt": "2024-01-01T00:00:00.000Z",
                "resourceId": "user-1",
            }
        ]


# --- getWorkflowRunById / deleteWorkflowRunById (§6.6) ---------------------------------------------


class TestGetAndDeleteRuns:
    def test_retrieves_a_workflow_run_by_id(self, workflows: WorkflowsRepository) -> None:
        snapshot, run_id, _ = persist_sample(workflows, "wf-get", created_at=at(5))

        for found in (
            workflows.get_workflow_run_by_id(run_id),
            workflows.get_workflow_run_by_id(run_id, workflow_name="wf-get"),
        ):
            assert isinstance(found, WorkflowRun)
            assert (found.run_id, found.workflow_name, found.snapshot) == (run_id, "wf-get", snapshot)
            assert found.created_at == at(5)
            assert found.resource_id is None
        assert workflows.get_workflow_run_by_id(run_id, workflow_name="other-wf") is None

    def test_deletes_a_workflow_run_by_id(self, workflows: WorkflowsRepository) -> None:
        _, run_id, _ = persist_sample(workflows, "wf-del")
        _, kept, _ = persist_sample(workflows, "wf-del")

        workflows.delete_workflow_run_by_id(run_id, workflow_name="wf-del")
        assert workflows.get_workflow_run_by_id(run_id) is None
        assert workflows.load_workflow_snapshot(workflow_name="wf-del", run_id=run_id) is None
        assert run_ids(workflows.list_workflow_runs()) == [kept]
        # Deleting again, or a run of another workflow, is not an error and deletes nothing else.
        workflows.delete_workflow_run_by_id(run_id, workflow_name="wf-del")
        workflows.delete_workflow_run_by_id(kept, workflow_name="other-wf")
        assert run_ids(workflows.list_workflow_runs()) == [kept]

    def test_returns_none_for_non_existent_workflow_run_id(self, workflows: WorkflowsRepository) -> None:
        assert workflows.get_workflow_run_by_id("non-existent-id") is None
        assert workflows.get_workflow_run_by_id("non-existent-id", workflow_name="wf") is None

    def test_same_run_id_in_two_workflows(self, workflows: WorkflowsRepository) -> None:
        workflows.persist_workflow_snapshot(
            workflow_name="wf-a", run_id="shared", snapshot={"n": "a"}, created_at=at(0)
        )
        workflows.persist_workflow_snapshot(
            workflow_name="wf-b", run_id="shared", snapshot={"n": "b"}, created_at=at(1)
        )
        newest = workflows.get_workflow_run_by_id("shared")
        assert newest is not None
        assert newest.workflow_name == "wf-b"
        older = workflows.get_workflow_run_by_id("shared", workflow_name="wf-a")
        assert older is not None
        assert older.snapshot == {"n": "a"}
        workflows.delete_workflow_run_by_id("shared", workflow_name="wf-b")
        remaining = workflows.get_workflow_run_by_id("shared")
        assert remaining is not None
        assert remaining.workflow_name == "wf-a"


# --- listWorkflowRuns with resourceId (§6.6) ------------------------------------------------------


class TestListByResource:
    def test_retrieves_all_workflow_runs_by_resource_id(self, workflows: WorkflowsRepository) -> None:
        shared = [
            persist_sample(workflows, f"wf-{i}", resource_id="resource-shared", created_at=at(i))[1]
            for i in range(2)
        ]
        persist_sample(workflows, "wf-x", resource_id="resource-other", created_at=at(5))
        persist_sample(workflows, "wf-y", created_at=at(6))

        page = workflows.list_workflow_runs(resource_id="resource-shared")
        assert run_ids(page) == shared[::-1]
        assert all(r.resource_id == "resource-shared" for r in page.runs)

    def test_returns_empty_when_no_run_matches_the_resource_id(self, workflows: WorkflowsRepository) -> None:
        persist_sample(workflows, resource_id="resource-1")
        page = workflows.list_workflow_runs(resource_id="non-existent-resource")
        assert page.runs == []
        assert page.total == 0


# --- dates (§6.6) ---------------------------------------------------------------------------------


class TestDates:
    def test_stores_valid_iso_dates_for_created_and_updated_at(self, workflows: WorkflowsRepository) -> None:
        _, run_id, _ = persist_sample(workflows)
        workflows.persist_workflow_snapshot(workflow_name="wf-now", run_id="now", snapshot={"status": "x"})

        for found in (workflows.get_workflow_run_by_id(run_id), workflows.get_workflow_run_by_id("now")):
            assert found is not None
            for value in (found.created_at, found.updated_at):
                assert isinstance(value, datetime)
                assert value.utcoffset() == timedelta(0)
            dumped = found.model_dump(by_alias=True, mode="json")
            assert ISO_MS.match(dumped["createdAt"])
            assert ISO_MS.match(dumped["updatedAt"])

    def test_list_returns_valid_created_and_updated_at(self, workflows: WorkflowsRepository) -> None:
        before = datetime.now(UTC) - timedelta(seconds=1)
        workflows.persist_workflow_snapshot(workflow_name="wf", run_id="r", snapshot={"status": "x"})
        (run,) = workflows.list_workflow_runs().runs
        assert before <= run.created_at <= datetime.now(UTC) + timedelta(seconds=1)
        assert run.updated_at == run.created_at

    def test_naive_datetimes_are_utc_and_strings_are_accepted(self, workflows: WorkflowsRepository) -> None:
        workflows.persist_workflow_snapshot(
            workflow_name="wf",
            run_id="naive",
            snapshot={},
            created_at=datetime(2024, 5, 1, 12, 0, 0, 123456),
            updated_at="2024-05-01T14:00:00.5+02:00",
        )
        run = workflows.get_workflow_run_by_id("naive")
        assert run is not None
        assert run.created_at == datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
        assert run.updated_at == datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)

    def test_created_at_is_stored_in_mastras_encoding(
        self, workflows: WorkflowsRepository, storage: Storage, backend: str
    ) -> None:
        workflows.persist_workflow_snapshot(workflow_name="wf", run_id="r", snapshot={}, created_at=at(0.5))
        with storage.engine_for("workflows").connect() as conn:
            stored = conn.exec_driver_sql('SELECT "createdAt" FROM mastra_workflow_snapshot').scalar_one()
        expected = (
            "2024-01-01T00:00:00.500Z" if backend == "libsql" else datetime(2024, 1, 1, 0, 0, 0, 500000)
        )
        assert stored == expected


# --- snapshots (§6.6) -----------------------------------------------------------------------------


class TestSnapshots:
    def test_persists_and_loads_workflow_snapshots(self, workflows: WorkflowsRepository) -> None:
        snapshot, run_id, _ = sample_snapshot("running")
        workflows.persist_workflow_snapshot(workflow_name="test-workflow", run_id=run_id, snapshot=snapshot)
        assert workflows.load_workflow_snapshot(workflow_name="test-workflow", run_id=run_id) == snapshot

    def test_returns_none_for_non_existent_workflow_snapshot(self, workflows: WorkflowsRepository) -> None:
        assert workflows.load_workflow_snapshot(workflow_name="non-existent", run_id="non-existent") is None
        persist_sample(workflows, "wf")
        assert workflows.load_workflow_snapshot(workflow_name="wf", run_id="non-existent") is None

    def test_updates_existing_workflow_snapshot_and_keeps_created_at(
        self, workflows: WorkflowsRepository
    ) -> None:
        first, run_id, _ = persist_sample(workflows, "wf", resource_id="r-1", created_at=at(0))
        second = {**first, "status": "success", "context": {"step": {"status": "success"}}}

        workflows.persist_workflow_snapshot(
            workflow_name="wf",
            run_id=run_id,
            snapshot=second,
            resource_id="r-2",
            created_at=at(50),
            updated_at=at(60),
        )
        assert workflows.load_workflow_snapshot(workflow_name="wf", run_id=run_id) == second
        run = workflows.get_workflow_run_by_id(run_id)
        assert run is not None
        # Mastra PG semantics on both backends: createdAt stays, the rest is the new call's.
        assert (run.created_at, run.updated_at, run.resource_id) == (at(0), at(60), "r-2")
        assert workflows.list_workflow_runs().total == 1

        workflows.persist_workflow_snapshot(workflow_name="wf", run_id=run_id, snapshot=first)
        run = workflows.get_workflow_run_by_id(run_id)
        assert run is not None
        assert run.created_at == at(0)
        assert run.updated_at > at(60)  # defaults to now
        assert run.resource_id is None  # not given: cleared, as Mastra's upsert does

    def test_handles_complex_workflow_state(self, workflows: WorkflowsRepository) -> None:
        complex_snapshot = {
            "runId": "complex",
            "status": "suspended",
            "value": {"step": "waiting", "nested": {"deep": [1, 2, {"three": [3.5, None, True, False]}]}},
            "context": {
                "step-a": {
                    "status": "success",
                    "output": {"items": [{"id": i, "tags": ["x", "y"]} for i in range(20)]},
                },
                "step-b": {
                    "status": "suspended",
                    "payload": {"text": "héllo wörld ✓ 中文 \U0001f600", "empty": {}},
                },
                "input": {"big": 2**53 - 1, "negative": -17, "float": 1e-9, "quote": 'say "hi" \\ bye'},
            },
            "activePaths": [{"stepPath": ["a", "b"], "status": "running"}],
            "suspendedPaths": {"step-b": [1, 0]},
            "serializedStepGraph": [{"type": "step", "step": {"id": "a"}}],
            "resumeLabels": {},
            "waitingPaths": {},
            "activeStepsPath": {"step-b": [1]},
            "timestamp": 1_700_000_000_000,
        }
        workflows.persist_workflow_snapshot(
            workflow_name="complex", run_id="complex", snapshot=complex_snapshot
        )
        assert workflows.load_workflow_snapshot(workflow_name="complex", run_id="complex") == complex_snapshot

    def test_persists_resource_id_when_creating_workflow_runs(self, workflows: WorkflowsRepository) -> None:
        _, run_id, _ = persist_sample(workflows, "wf", resource_id="resource-123")
        run = workflows.get_workflow_run_by_id(run_id)
        assert run is not None
        assert run.resource_id == "resource-123"

    def test_accepts_a_pydantic_model_as_snapshot(self, workflows: WorkflowsRepository) -> None:
        class State(BaseModel):
            run_id: str
            status: str

            model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

        workflows.persist_workflow_snapshot(
            workflow_name="wf", run_id="m", snapshot=State(run_id="m", status="ok")
        )
        assert workflows.load_workflow_snapshot(workflow_name="wf", run_id="m") == {
            "runId": "m",
            "status": "ok",
        }

    def test_persists_a_10_mb_snapshot_in_one_statement(
        self, workflows: WorkflowsRepository, storage: Storage
    ) -> None:
        chunk = "0123456789abcdef" * 64  # 1 KiB
        snapshot = {
            "status": "success",
            "context": {
                f"step-{i}": {"status": "success", "output": {"text": chunk, "n": i}} for i in range(10_000)
            },
        }
        statements: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        engine = storage.engine_for("workflows")
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            workflows.persist_workflow_snapshot(workflow_name="big", run_id="big", snapshot=snapshot)
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        assert [s.split()[0] for s in statements if not s.startswith("BEGIN")] == ["INSERT"]
        loaded = workflows.load_workflow_snapshot(workflow_name="big", run_id="big")
        assert loaded == snapshot


# --- strings jsonb cannot hold --------------------------------------------------------------------


class TestUnusualStrings:
    SNAPSHOT = {
        "status": "running",
        "context": {"step": {"output": "a\x00b", "lone": "x\ud800y", "low": "\udfff", "pair": "\U0001f600"}},
        "k\x00ey": ["\x00", "ok"],
    }
    # PostgreSQL jsonb rejects NUL and lone surrogates: stripped, as Mastra's PG store does.
    PG_STORED = {
        "status": "running",
        "context": {"step": {"output": "ab", "lone": "xy", "low": "", "pair": "\U0001f600"}},
        "key": ["", "ok"],
    }

    def expected(self, backend: str) -> dict[str, Any]:
        return self.SNAPSHOT if backend == "libsql" else self.PG_STORED

    def test_nul_and_lone_surrogates_in_snapshots(self, workflows: WorkflowsRepository, backend: str) -> None:
        workflows.persist_workflow_snapshot(workflow_name="wf", run_id="odd", snapshot=self.SNAPSHOT)
        assert workflows.load_workflow_snapshot(workflow_name="wf", run_id="odd") == self.expected(backend)
        run = workflows.get_workflow_run_by_id("odd")
        assert run is not None
        assert run.snapshot == self.expected(backend)
        assert run_ids(workflows.list_workflow_runs(status="running")) == ["odd"]

    def test_surrogate_pair_held_as_two_code_points(
        self, workflows: WorkflowsRepository, backend: str
    ) -> None:
        # As in JavaScript, the pair is one character; PostgreSQL stores (and libSQL reads back) that.
        workflows.persist_workflow_snapshot(workflow_name="wf", run_id="pair", snapshot={"s": "\ud83d\ude00"})
        assert workflows.load_workflow_snapshot(workflow_name="wf", run_id="pair") == {"s": "\U0001f600"}

    def test_escaped_backslash_u0000_is_kept(self, workflows: WorkflowsRepository) -> None:
        snapshot = {"text": "\\u0000 is how JSON spells NUL"}
        workflows.persist_workflow_snapshot(workflow_name="wf", run_id="esc", snapshot=snapshot)
        assert workflows.load_workflow_snapshot(workflow_name="wf", run_id="esc") == snapshot

    def test_updates_carry_them_too(self, workflows: WorkflowsRepository, backend: str) -> None:
        workflows.persist_workflow_snapshot(workflow_name="wf", run_id="odd", snapshot={"context": {}})
        context = workflows.update_workflow_results(
            workflow_name="wf", run_id="odd", step_id="step", result=self.SNAPSHOT, request_context={}
        )
        assert context == {"step": self.SNAPSHOT}  # what the caller gave, as Mastra returns it
        loaded = workflows.load_workflow_snapshot(workflow_name="wf", run_id="odd")
        assert loaded is not None
        assert loaded["context"]["step"] == self.expected(backend)


# --- atomic updates (§6.6) ------------------------------------------------------------------------


class TestUpdates:
    def test_updates_workflow_results_in_snapshot(self, workflows: WorkflowsRepository) -> None:
        snapshot = {**sample_snapshot("running")[0], "context": {}}
        workflows.persist_workflow_snapshot(workflow_name="wf", run_id="run-1", snapshot=snapshot)

        step1 = {"status": "success", "output": {"result": "step1-output"}, "startedAt": 1, "endedAt": 2}
        context = workflows.update_workflow_results(
            workflow_name="wf", run_id="run-1", step_id="step-1", result=step1, request_context={"k": "v"}
        )
        assert context == {"step-1": step1}

        step1_again = {**step1, "output": {"result": "step1-updated"}}
        step2 = {"status": "success", "output": {"result": "step2-output"}}
        workflows.update_workflow_results(
            workflow_name="wf", run_id="run-1", step_id="step-1", result=step1_again, request_context={}
        )
        final = workflows.update_workflow_results(
            workflow_name="wf", run_id="run-1", step_id="step-2", result=step2, request_context={"k2": 2}
        )
        assert final == {"step-1": step1_again, "step-2": step2}
        loaded = workflows.load_workflow_snapshot(workflow_name="wf", run_id="run-1")
        assert loaded is not None
        assert loaded["context"] == final
        assert loaded["requestContext"] == {"k": "v", "k2": 2}
        assert loaded["status"] == "running"  # the rest of the snapshot is untouched

    def test_results_update_keeps_created_at_and_bumps_updated_at(
        self, workflows: WorkflowsRepository
    ) -> None:
        _, run_id, _ = persist_sample(workflows, "wf", resource_id="owner", created_at=at(0))
        workflows.update_workflow_results(
            workflow_name="wf", run_id=run_id, step_id="s", result={"status": "success"}, request_context=None
        )
        run = workflows.get_workflow_run_by_id(run_id)
        assert run is not None
        assert run.created_at == at(0)
        assert run.updated_at > at(0)
        assert run.resource_id == "owner"

    def test_results_for_an_unknown_run_start_from_the_default_snapshot(
        self, workflows: WorkflowsRepository
    ) -> None:
        # Mastra's documented behaviour (spec §3.2): no error, a new row from the default snapshot.
        context = workflows.update_workflow_results(
            workflow_name="wf",
            run_id="fresh",
            step_id="s1",
            result={"status": "success"},
            request_context={"a": 1},
        )
        assert context == {"s1": {"status": "success"}}
        loaded = workflows.load_workflow_snapshot(workflow_name="wf", run_id="fresh")
        assert loaded is not None
        timestamp = loaded.pop("timestamp")
        assert isinstance(timestamp, int)
        assert timestamp > 1_700_000_000_000
        assert loaded == {
            "context": {"s1": {"status": "success"}},
            "activePaths": [],
            "suspendedPaths": {},
            "activeStepsPath": {},
            "resumeLabels": {},
            "serializedStepGraph": [],
            "status": "pending",
            "value": {},
            "waitingPaths": {},
            "runId": "fresh",
            "requestContext": {"a": 1},
        }
        run = workflows.get_workflow_run_by_id("fresh")
        assert run is not None
        assert run.resource_id is None
        assert run.workflow_name == "wf"

    def test_results_add_a_context_to_a_snapshot_without_one(self, workflows: WorkflowsRepository) -> None:
        workflows.persist_workflow_snapshot(workflow_name="wf", run_id="bare", snapshot={"status": "running"})
        context = workflows.update_workflow_results(
            workflow_name="wf", run_id="bare", step_id="s", result={"status": "success"}, request_context={}
        )
        assert context == {"s": {"status": "success"}}
        assert workflows.load_workflow_snapshot(workflow_name="wf", run_id="bare") == {
            "status": "running",
            "context": {"s": {"status": "success"}},
            "requestContext": {},
        }

    def test_updates_workflow_state_sequentially(self, workflows: WorkflowsRepository) -> None:
        snapshot, run_id, _step_id = persist_sample(workflows, "wf", created_at=at(0))

        first = workflows.update_workflow_state(
            workflow_name="wf", run_id=run_id, opts={"status": "suspended", "waitingPaths": {"path1": [0, 1]}}
        )
        assert first is not None
        assert first["status"] == "suspended"
        assert first["waitingPaths"] == {"path1": [0, 1]}

        second = workflows.update_workflow_state(
            workflow_name="wf", run_id=run_id, opts={"status": "success", "result": {"output": "final"}}
        )
        assert second is not None
        assert second["status"] == "success"
        assert second["result"] == {"output": "final"}
        assert second["waitingPaths"] == {"path1": [0, 1]}
        assert second["context"] == snapshot["context"]
        assert workflows.load_workflow_snapshot(workflow_name="wf", run_id=run_id) == second
        run = workflows.get_workflow_run_by_id(run_id)
        assert run is not None
        assert run.created_at == at(0)
        assert run.updated_at > at(0)

    def test_state_opts_accept_snake_case_keys(self, workflows: WorkflowsRepository) -> None:
        _, run_id, _ = persist_sample(workflows, "wf")
        state = workflows.update_workflow_state(
            workflow_name="wf",
            run_id=run_id,
            opts={"status": "suspended", "suspended_paths": {"s": [0]}, "waiting_paths": {"w": [1]}},
        )
        assert state is not None
        assert (state["suspendedPaths"], state["waitingPaths"]) == ({"s": [0]}, {"w": [1]})
        assert "suspended_paths" not in state

    def test_returns_none_when_updating_non_existent_workflow_state(
        self, workflows: WorkflowsRepository
    ) -> None:
        assert (
            workflows.update_workflow_state(workflow_name="wf", run_id="nope", opts={"status": "success"})
            is None
        )
        assert workflows.get_workflow_run_by_id("nope") is None  # nothing was created

    def test_state_update_of_a_snapshot_without_context_is_not_found(
        self, workflows: WorkflowsRepository
    ) -> None:
        workflows.persist_workflow_snapshot(workflow_name="wf", run_id="bare", snapshot={"status": "running"})
        with pytest.raises(NotFoundError) as info:
            workflows.update_workflow_state(workflow_name="wf", run_id="bare", opts={"status": "success"})
        assert info.value.id.endswith("_UPDATE_WORKFLOW_STATE_NOT_FOUND")
        assert info.value.message == "Snapshot not found for runId bare"
        assert workflows.load_workflow_snapshot(workflow_name="wf", run_id="bare") == {"status": "running"}

    def test_concurrent_workflow_results_updates_from_threads(self, workflows: WorkflowsRepository) -> None:
        _, run_id, _ = persist_sample(workflows, "wf")
        steps = [f"step-{i}" for i in range(8)]
        barrier = threading.Barrier(len(steps))

        def update(step: str) -> dict[str, Any]:
            barrier.wait()
            return workflows.update_workflow_results(
                workflow_name="wf",
                run_id=run_id,
                step_id=step,
                result={"status": "success", "output": step},
                request_context={step: True},
            )

        with ThreadPoolExecutor(max_workers=len(steps)) as pool:
            returned = list(pool.map(update, steps))
        for step, context in zip(steps, returned, strict=True):
            assert context[step] == {"status": "success", "output": step}
        loaded = workflows.load_workflow_snapshot(workflow_name="wf", run_id=run_id)
        assert loaded is not None
        assert all(loaded["context"][s] == {"status": "success", "output": s} for s in steps)
        assert loaded["requestContext"] == dict.fromkeys(steps, True)

    def test_concurrent_first_results_of_a_run_without_a_row(self, workflows: WorkflowsRepository) -> None:
        """Several calls create the missing row at once: one creates it, the others update it."""
        steps = [f"step-{i}" for i in range(6)]
        barrier = threading.Barrier(len(steps))

        def update(step: str) -> dict[str, Any]:
            barrier.wait()
            return workflows.update_workflow_results(
                workflow_name="wf",
                run_id="new-run",
                step_id=step,
                result={"s": step},
                request_context={step: 1},
            )

        with ThreadPoolExecutor(max_workers=len(steps)) as pool:
            list(pool.map(update, steps))
        loaded = workflows.load_workflow_snapshot(workflow_name="wf", run_id="new-run")
        assert loaded is not None
        assert loaded["context"] == {s: {"s": s} for s in steps}
        assert loaded["requestContext"] == dict.fromkeys(steps, 1)
        assert loaded["status"] == "pending"
        assert workflows.list_workflow_runs().total == 1

    def test_concurrent_workflow_state_updates_from_threads(self, workflows: WorkflowsRepository) -> None:
        snapshot, run_id, _ = persist_sample(workflows, "wf")
        updates: list[dict[str, Any]] = [
            {"status": "success", "result": {"output": "done"}},
            {"status": "suspended", "waitingPaths": {"path": [0]}},
            *({f"marker{i}": i} for i in range(4)),
        ]
        barrier = threading.Barrier(len(updates))

        def update(opts: dict[str, Any]) -> dict[str, Any] | None:
            barrier.wait()
            return workflows.update_workflow_state(workflow_name="wf", run_id=run_id, opts=opts)

        with ThreadPoolExecutor(max_workers=len(updates)) as pool:
            assert all(pool.map(update, updates))
        loaded = workflows.load_workflow_snapshot(workflow_name="wf", run_id=run_id)
        assert loaded is not None
        assert loaded["result"] == {"output": "done"}
        assert loaded["waitingPaths"] == {"path": [0]}
        assert {loaded[f"marker{i}"] for i in range(4)} == {0, 1, 2, 3}
        assert loaded["context"] == snapshot["context"]

    def test_concurrent_updates_from_processes(self, workflows: WorkflowsRepository, db_url: str) -> None:
        """Processes (spawned, each with its own engine) update results and state of one run at once."""
        _, run_id, _ = persist_sample(workflows, "wf")
        processes, steps_each = 3, 3
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Barrier(processes)
        workers = [
            ctx.Process(target=_update_worker, args=(db_url, "wf", run_id, p, steps_each, barrier))
            for p in range(processes)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=120)
        assert [w.exitcode for w in workers] == [0] * processes

        loaded = workflows.load_workflow_snapshot(workflow_name="wf", run_id=run_id)
        assert loaded is not None
        names = [f"p{p}-s{k}" for p in range(processes) for k in range(steps_each)]
        assert all(loaded["context"][n] == {"status": "success", "output": n} for n in names)
        assert loaded["requestContext"] == dict.fromkeys(names, True)
        assert all(loaded[f"marker-{n}"] == n for n in names)


def _update_worker(url: str, workflow: str, run_id: str, proc: int, steps: int, barrier: Any) -> None:
    """Child process of ``test_concurrent_updates_from_processes`` (module level: spawn pickles it)."""
    with Storage.from_url(url) as storage:
        repo = storage.workflows
        barrier.wait()
        for k in range(steps):
            name = f"p{proc}-s{k}"
            repo.update_workflow_results(
                workflow_name=workflow,
                run_id=run_id,
                step_id=name,
                result={"status": "success", "output": name},
                request_context={name: True},
            )
            state = repo.update_workflow_state(
                workflow_name=workflow, run_id=run_id, opts={f"marker-{name}": name}
            )
            assert state is not None


# --- bad input ------------------------------------------------------------------------------------


BLANKS = ["", "   ", None, 5]
NOT_JSON = {
    "set": {1, 2},
    "nan": float("nan"),
    "inf": float("inf"),
    "object": object(),
    "tuple key": {(1, 2): 1},
}


class TestBadInput:
    """Each test loops over its bad values on one database (a database per value costs more than the
    checks themselves)."""

    def assert_invalid(
        self, call: Callable[[], object], operation: str, status: str = "INVALID_ARGUMENT"
    ) -> ValidationError:
        with pytest.raises(ValidationError) as info:
            call()
        error = info.value
        assert isinstance(error, MastraDataError)
        assert re.fullmatch(rf"MASTRA_STORAGE_(LIBSQL|PG)_{operation}_{status}", error.id), error.id
        assert error.category == "USER"
        return error

    def test_blank_names(self, workflows: WorkflowsRepository) -> None:
        ok: dict[str, Any] = {"workflow_name": "wf", "run_id": "run"}
        for blank in BLANKS:
            for field in ("workflow_name", "run_id"):
                a = {**ok, field: blank}
                self.assert_invalid(
                    lambda a=a: workflows.persist_workflow_snapshot(**a, snapshot={}),
                    "PERSIST_WORKFLOW_SNAPSHOT",
                )
                self.assert_invalid(
                    lambda a=a: workflows.load_workflow_snapshot(**a), "LOAD_WORKFLOW_SNAPSHOT"
                )
                self.assert_invalid(
                    lambda a=a: workflows.delete_workflow_run_by_id(
                        a["run_id"], workflow_name=a["workflow_name"]
                    ),
                    "DELETE_WORKFLOW_RUN_BY_ID",
                )
                self.assert_invalid(
                    lambda a=a: workflows.update_workflow_results(
                        **a, step_id="s", result={}, request_context={}
                    ),
                    "UPDATE_WORKFLOW_RESULTS",
                )
                self.assert_invalid(
                    lambda a=a: workflows.update_workflow_state(**a, opts={"status": "x"}),
                    "UPDATE_WORKFLOW_STATE",
                )
            self.assert_invalid(lambda b=blank: workflows.get_workflow_run_by_id(b), "GET_WORKFLOW_RUN_BY_ID")
            self.assert_invalid(
                lambda b=blank: workflows.update_workflow_results(
                    **ok, step_id=b, result={}, request_context={}
                ),
                "UPDATE_WORKFLOW_RESULTS",
            )
            if blank is None:  # None means "no filter" / "no resource"
                continue
            self.assert_invalid(
                lambda b=blank: workflows.get_workflow_run_by_id("run", workflow_name=b),
                "GET_WORKFLOW_RUN_BY_ID",
            )
            for field in ("workflow_name", "resource_id", "status"):
                self.assert_invalid(
                    lambda f=field, b=blank: workflows.list_workflow_runs(**{f: b}), "LIST_WORKFLOW_RUNS"
                )
            self.assert_invalid(
                lambda b=blank: workflows.persist_workflow_snapshot(**ok, snapshot={}, resource_id=b),
                "PERSIST_WORKFLOW_SNAPSHOT",
            )
        assert workflows.list_workflow_runs().total == 0  # nothing was written

    def test_non_mapping_snapshot(self, workflows: WorkflowsRepository) -> None:
        for snapshot in (None, "a string", ["a", "list"], 5, b"bytes"):
            error = self.assert_invalid(
                lambda s=snapshot: workflows.persist_workflow_snapshot(
                    workflow_name="wf", run_id="r", snapshot=s
                ),
                "PERSIST_WORKFLOW_SNAPSHOT",
            )
            assert "snapshot must be an object" in error.message
        assert workflows.get_workflow_run_by_id("r") is None

    def test_non_serialisable_snapshot_writes_nothing(self, workflows: WorkflowsRepository) -> None:
        _, run_id, _ = persist_sample(workflows, "wf")
        before = row_state(workflows, "wf", run_id)
        for name, bad in NOT_JSON.items():
            for target in ("new", run_id):  # a new run, and an existing one that must stay as it was
                error = self.assert_invalid(
                    lambda t=target, b=bad: workflows.persist_workflow_snapshot(
                        workflow_name="wf", run_id=t, snapshot={"x": b}
                    ),
                    "PERSIST_WORKFLOW_SNAPSHOT",
                )
                assert "not JSON-serialisable" in error.message, name
        assert workflows.get_workflow_run_by_id("new") is None
        assert row_state(workflows, "wf", run_id) == before

    def test_bad_update_arguments_write_nothing(self, workflows: WorkflowsRepository) -> None:
        _, run_id, _ = persist_sample(workflows, "wf")
        before = row_state(workflows, "wf", run_id)
        key = {"workflow_name": "wf", "run_id": run_id}
        bad_results: list[tuple[Any, Any]] = [("text", {}), ({"ok": 1}, ["list"]), ({"ok": 1}, "context")]
        bad_results += [({"x": bad}, {}) for bad in NOT_JSON.values()]
        bad_results += [({}, {"x": bad}) for bad in NOT_JSON.values()]
        for result, context in bad_results:
            self.assert_invalid(
                lambda r=result, c=context: workflows.update_workflow_results(
                    **key, step_id="s", result=r, request_context=c
                ),
                "UPDATE_WORKFLOW_RESULTS",
            )
        bad_opts: list[Any] = [None, "success", ["status"], *({"result": bad} for bad in NOT_JSON.values())]
        for opts in bad_opts:
            self.assert_invalid(
                lambda o=opts: workflows.update_workflow_state(**key, opts=o), "UPDATE_WORKFLOW_STATE"
            )
        assert row_state(workflows, "wf", run_id) == before
        # Bad values are refused before the run is looked up: no default row for an unknown run either.
        self.assert_invalid(
            lambda: workflows.update_workflow_results(
                workflow_name="wf", run_id="unknown", step_id="s", result={"x": {1}}, request_context={}
            ),
            "UPDATE_WORKFLOW_RESULTS",
        )
        assert workflows.get_workflow_run_by_id("unknown") is None

    def test_bad_page_values(self, workflows: WorkflowsRepository) -> None:
        cases: list[tuple[Any, Any]] = [
            (-1, 10),
            (0, -1),
            ("1", 10),
            (0, "10"),
            (0, True),
            (1.5, 10),
            (1, False),  # per_page=False is "all rows": only page 0 exists
            (-1, None),  # a lone page or per_page is validated too
            (None, -5),
            (2**53, 1),
        ]
        for page, per_page in cases:
            self.assert_invalid(
                lambda p=page, pp=per_page: workflows.list_workflow_runs(page=p, per_page=pp),
                "LIST_WORKFLOW_RUNS",
                "INVALID_PAGE",
            )

    def test_bad_dates(self, workflows: WorkflowsRepository) -> None:
        for bad in ("not a date", "2024-13-01", 5, ["2024-01-01"]):
            self.assert_invalid(lambda b=bad: workflows.list_workflow_runs(from_date=b), "LIST_WORKFLOW_RUNS")
            self.assert_invalid(lambda b=bad: workflows.list_workflow_runs(to_date=b), "LIST_WORKFLOW_RUNS")
            for field in ("created_at", "updated_at"):
                self.assert_invalid(
                    lambda f=field, b=bad: workflows.persist_workflow_snapshot(
                        workflow_name="wf", run_id="r", snapshot={}, **{f: b}
                    ),
                    "PERSIST_WORKFLOW_SNAPSHOT",
                )
        assert workflows.get_workflow_run_by_id("r") is None
