"""Behaviour suite of the observability domain (``storage.observability``), on libSQL and PostgreSQL.

Ports Mastra's shared conformance tests for the 1.0 observability API (``reference/mastra-storage-spec.md``
§6.8, including the ``createMultipleTraces`` fixture) to the snake_case API of DESIGN §4, then covers what
the §3.4 filters add (tags, metadata/scope, has_child_error, ranges), the documented deviations
(``NotFoundError`` for unknown spans, re-create keeps ``created_at``), bad input, and index use.

As Mastra's suite does (``beforeEach: dangerouslyClearAll``), the tests of one backend share one migrated
database and start from an empty ``mastra_ai_spans``; that keeps the file fast on PostgreSQL.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from mastra_data import MastraDataError, NotFoundError, Span, Storage, ValidationError
from mastra_data.db import migrations
from mastra_data.db.dialects import backend_for
from mastra_data.db.engine import create_engine
from mastra_data.observability.models import (
    CreateSpanRecord,
    SpanRecord,
    TraceRecord,
    TracesPage,
    UpdateSpanRecord,
)
from mastra_data.observability.repository import ObservabilityRepository

SPANS = Span.__table__  # type: ignore[attr-defined]
BASE = datetime(2024, 1, 1, tzinfo=UTC)
"""Mastra's fixture start time (``2024-01-01T00:00:00Z``); every fixture time hangs off it."""


def at(seconds: float = 0) -> datetime:
    return BASE + timedelta(seconds=seconds)


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=("libsql", "postgres"))
def shared_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, module_database: Any
) -> Iterator[Engine]:
    """One migrated database per backend for the whole module."""
    with module_database(request, tmp_path_factory, "t_obs") as url:
        engine = create_engine(url)
        try:
            migrations.upgrade(engine)
            yield engine
        finally:
            engine.dispose()


@pytest.fixture
def obs(shared_engine: Engine) -> ObservabilityRepository:
    """The repository on an empty spans table (Mastra's ``dangerouslyClearAll`` before each test)."""
    with shared_engine.begin() as conn:
        conn.execute(sa.delete(SPANS))
    return ObservabilityRepository(shared_engine)


def span_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(SPANS)).scalar_one())


def make_span(**overrides: Any) -> dict[str, Any]:
    """Mastra's ``createSpan`` fixture: a finished root span of an agent run, every other field null."""
    span: dict[str, Any] = {
        "trace_id": f"trace-{uuid.uuid4()}",
        "span_id": f"span-{uuid.uuid4()}",
        "parent_span_id": None,
        "name": "Test Span",
        "span_type": "agent_run",
        "entity_type": "agent",
        "entity_id": "agent-1",
        "entity_name": "Test Agent",
        "environment": "test",
        "source": "local",
        "service_name": "test-service",
        "is_event": False,
        "started_at": BASE,
        "ended_at": BASE + timedelta(seconds=1),
        "user_id": None,
        "organization_id": None,
        "resource_id": None,
        "run_id": None,
        "session_id": None,
        "thread_id": None,
        "request_id": None,
        "scope": None,
        "metadata": None,
        "tags": None,
        "attributes": None,
        "links": None,
        "input": None,
        "output": None,
        "error": None,
    }
    span.update(overrides)
    return span


def make_child(parent: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """Mastra's ``createChildSpan``: a span of the parent's trace."""
    return make_span(
        trace_id=parent["trace_id"],
        parent_span_id=parent["span_id"],
        name="Child Span",
        span_type="tool_call",
        **overrides,
    )


def create_multiple_traces(obs: ObservabilityRepository) -> None:
    """Mastra's ``createMultipleTraces``: four traces plus a failing child of trace-1."""
    roots = [
        make_span(
            trace_id="trace-1",
            span_id="root-1",
            span_type="agent_run",
            entity_type="agent",
            entity_id="agent-1",
            entity_name="Agent One",
            environment="production",
            user_id="user-1",
            tags=["important", "customer"],
            metadata={"priority": "high"},
            started_at=at(0),
            ended_at=at(1),
        ),
        make_span(
            trace_id="trace-2",
            span_id="root-2",
            span_type="workflow_run",
            entity_type="workflow",
            entity_id="workflow-1",
            entity_name="Workflow One",
            environment="staging",
            user_id="user-2",
            error={"message": "Failed"},
            started_at=at(2),
            ended_at=at(3),
        ),
        make_span(
            trace_id="trace-3",
            span_id="root-3",
            span_type="agent_run",
            entity_type="agent",
            entity_id="agent-2",
            entity_name="Agent Two",
            environment="production",
            user_id="user-1",
            tags=["important"],
            started_at=at(4),
            ended_at=None,
        ),
        make_span(
            trace_id="trace-4",
            span_id="root-4",
            span_type="tool_call",
            entity_type="tool",
            entity_id="tool-1",
            entity_name="Tool One",
            environment="production",
            started_at=at(5),
            ended_at=at(6),
        ),
    ]
    child = make_child(roots[0], span_id="child-1", error={"message": "Child failed"}, started_at=at(0.5))
    obs.batch_create_spans([*roots, child])


def trace_ids(page: TracesPage) -> list[str]:
    return [s.trace_id for s in page.spans]


# --- createSpan -------------------------------------------------------------------------------------


class TestCreateSpan:
    def test_create_a_span_and_make_it_retrievable(self, obs: ObservabilityRepository) -> None:
        span = make_span()
        assert obs.create_span(span) is None
        trace = obs.get_trace(trace_id=span["trace_id"])
        assert isinstance(trace, TraceRecord)
        assert trace.trace_id == span["trace_id"]
        assert [s.span_id for s in trace.spans] == [span["span_id"]]

    def test_sets_created_at_and_updated_at(self, obs: ObservabilityRepository) -> None:
        before = datetime.now(UTC) - timedelta(seconds=1)
        span = make_span()
        obs.create_span(span)
        got = obs.get_span(trace_id=span["trace_id"], span_id=span["span_id"])
        assert got is not None
        assert got.updated_at is not None
        after = datetime.now(UTC) + timedelta(seconds=1)
        assert before <= got.created_at <= after
        assert before <= got.updated_at <= after
        assert got.created_at.utcoffset() == timedelta(0)

    def test_preserves_all_span_properties(self, obs: ObservabilityRepository) -> None:
        span = make_span(
            name="Custom Span",
            span_type="model_generation",
            entity_type="agent",
            entity_id="custom-agent",
            entity_name="Custom Agent",
            user_id="user-123",
            organization_id="org-1",
            resource_id="resource-1",
            run_id="run-1",
            session_id="session-1",
            thread_id="thread-1",
            request_id="request-1",
            environment="production",
            source="cloud",
            service_name="api",
            scope={"core": "1.0.0"},
            input={"prompt": "Hello"},
            output={"response": "Hi there"},
            attributes={"model": "gpt-4", "tokens": 100},
            metadata={"custom": "value"},
            tags=["a", "b"],
            links=[{"traceId": "other", "spanId": "s"}],
        )
        obs.create_span(span)
        got = obs.get_span(trace_id=span["trace_id"], span_id=span["span_id"])
        assert got is not None
        dumped = got.model_dump()
        for key, value in span.items():
            assert dumped[key] == value, key

    def test_parent_child_hierarchy(self, obs: ObservabilityRepository) -> None:
        root = make_span(span_id="root")
        child = make_child(root, span_id="child")
        obs.create_span(root)
        obs.create_span(child)
        trace = obs.get_trace(trace_id=root["trace_id"])
        assert trace is not None
        parents = {s.span_id: s.parent_span_id for s in trace.spans}
        assert parents == {"root": None, "child": "root"}

    def test_primitive_values_in_json_fields(self, obs: ObservabilityRepository) -> None:
        span = make_span(
            input="plain string input",
            output=42,
            error=True,
            attributes={"count": 42, "ratio": 0.5, "enabled": True, "nothing": None, "list": [1, "two"]},
        )
        obs.create_span(span)
        got = obs.get_span(trace_id=span["trace_id"], span_id=span["span_id"])
        assert got is not None
        assert got.input == "plain string input"
        assert got.output == 42
        assert type(got.output) is int
        assert got.error is True
        assert got.attributes == {
            "count": 42,
            "ratio": 0.5,
            "enabled": True,
            "nothing": None,
            "list": [1, "two"],
        }

    def test_unicode_and_backslashes_round_trip(self, obs: ObservabilityRepository) -> None:
        text = "ünïcödé 🚀 and a literal \\u0000 (backslash, not NUL)"
        span = make_span(name=text, input=text, metadata={"é": text})
        obs.create_span(span)
        got = obs.get_span(trace_id=span["trace_id"], span_id=span["span_id"])
        assert got is not None
        assert (got.name, got.input, got.metadata) == (text, text, {"é": text})

    def test_accepts_models_and_camel_case_keys(self, obs: ObservabilityRepository) -> None:
        model = CreateSpanRecord(
            trace_id="t-model",
            span_id="s-model",
            name="n",
            span_type="generic",
            is_event=True,
            started_at=BASE,
        )
        obs.create_span(model)
        camel = {
            "traceId": "t-camel",
            "spanId": "s-camel",
            "name": "n",
            "spanType": "generic",
            "isEvent": False,
            "startedAt": "2024-01-01T00:00:00.250Z",
            "parentSpanId": None,
            "entityName": "E",
        }
        obs.create_span(camel)
        first = obs.get_span(trace_id="t-model", span_id="s-model")
        second = obs.get_span(trace_id="t-camel", span_id="s-camel")
        assert first is not None
        assert first.is_event is True
        assert second is not None
        assert second.entity_name == "E"
        assert second.started_at == BASE + timedelta(milliseconds=250)

    def test_json_keys_are_mastras(self, obs: ObservabilityRepository) -> None:
        span = make_span(metadata={"k": "v"}, is_event=True)
        obs.create_span(span)
        got = obs.get_span(trace_id=span["trace_id"], span_id=span["span_id"])
        assert got is not None
        data = got.model_dump(by_alias=True, mode="json")
        assert data["traceId"] == span["trace_id"]
        assert data["isEvent"] is True
        assert data["startedAt"] == "2024-01-01T00:00:00.000Z"
        assert data["metadata"] == {"k": "v"}
        assert {"spanType", "parentSpanId", "entityType", "serviceName", "createdAt", "updatedAt"} <= set(
            data
        )
        # A record read back can be written again as it is (the store-set timestamps are ignored).
        obs.create_span(got)

    def test_naive_datetimes_are_utc_and_aware_ones_converted(self, obs: ObservabilityRepository) -> None:
        plus2 = timezone(timedelta(hours=2))
        span = make_span(started_at=datetime(2024, 1, 1, 12), ended_at=datetime(2024, 1, 1, 15, tzinfo=plus2))
        obs.create_span(span)
        got = obs.get_span(trace_id=span["trace_id"], span_id=span["span_id"])
        assert got is not None
        assert got.ended_at is not None
        assert got.started_at == datetime(2024, 1, 1, 12, tzinfo=UTC)
        assert got.ended_at == datetime(2024, 1, 1, 13, tzinfo=UTC)
        assert got.started_at.tzinfo is not None

    def test_recreating_a_span_replaces_it_and_keeps_created_at(
        self, obs: ObservabilityRepository, shared_engine: Engine
    ) -> None:
        span = make_span(name="first", metadata={"v": 1}, input="x")
        obs.create_span(span)
        first = obs.get_span(trace_id=span["trace_id"], span_id=span["span_id"])
        obs.create_span({**span, "name": "second", "metadata": None})
        second = obs.get_span(trace_id=span["trace_id"], span_id=span["span_id"])
        assert first is not None
        assert second is not None
        assert (second.name, second.metadata, second.input) == ("second", None, "x")
        assert second.created_at == first.created_at
        assert span_count(shared_engine) == 1

    def test_a_batch_naming_a_span_twice_keeps_the_last(
        self, obs: ObservabilityRepository, shared_engine: Engine
    ) -> None:
        span = make_span()
        obs.batch_create_spans([{**span, "name": "one"}, {**span, "name": "two"}])
        got = obs.get_span(trace_id=span["trace_id"], span_id=span["span_id"])
        assert got is not None
        assert got.name == "two"
        assert span_count(shared_engine) == 1


# --- batchCreateSpans -----------------------------------------------------------------------------


class TestBatchCreateSpans:
    def test_create_multiple_spans_in_batch(self, obs: ObservabilityRepository) -> None:
        root = make_span()
        spans = [root, make_child(root), make_child(root)]
        obs.batch_create_spans(spans)
        trace = obs.get_trace(trace_id=root["trace_id"])
        assert trace is not None
        assert sorted(s.span_id for s in trace.spans) == sorted(s["span_id"] for s in spans)

    def test_create_spans_across_multiple_traces(self, obs: ObservabilityRepository) -> None:
        spans = [make_span(), make_span(), make_span()]
        obs.batch_create_spans(spans)
        for span in spans:
            trace = obs.get_trace(trace_id=span["trace_id"])
            assert trace is not None
            assert len(trace.spans) == 1

    def test_empty_batch(self, obs: ObservabilityRepository, shared_engine: Engine) -> None:
        obs.batch_create_spans([])
        assert span_count(shared_engine) == 0


# --- getTrace, getSpan, getRootSpan -----------------------------------------------------------------


class TestGetTrace:
    def test_null_for_a_missing_trace(self, obs: ObservabilityRepository) -> None:
        assert obs.get_trace(trace_id="non-existent") is None

    def test_trace_with_all_its_spans_oldest_first(self, obs: ObservabilityRepository) -> None:
        root = make_span(started_at=at(0))
        late = make_child(root, span_id="b-late", started_at=at(2))
        early = make_child(root, span_id="c-early", started_at=at(1))
        tie = make_child(root, span_id="a-tie", started_at=at(1))
        obs.batch_create_spans([late, root, early, tie, make_span()])
        trace = obs.get_trace(trace_id=root["trace_id"])
        assert trace is not None
        assert trace.trace_id == root["trace_id"]
        assert [s.span_id for s in trace.spans] == [root["span_id"], "a-tie", "c-early", "b-late"]


class TestGetSpan:
    def test_null_for_a_missing_span(self, obs: ObservabilityRepository) -> None:
        assert obs.get_span(trace_id="non-existent", span_id="non-existent") is None

    def test_null_when_the_trace_exists_but_the_span_does_not(self, obs: ObservabilityRepository) -> None:
        span = make_span()
        obs.create_span(span)
        assert obs.get_span(trace_id=span["trace_id"], span_id="non-existent") is None

    def test_the_span_by_trace_and_span_id(self, obs: ObservabilityRepository) -> None:
        root = make_span()
        child = make_child(root)
        obs.batch_create_spans([root, child])
        got = obs.get_span(trace_id=root["trace_id"], span_id=child["span_id"])
        assert isinstance(got, SpanRecord)
        assert (got.trace_id, got.span_id, got.parent_span_id) == (
            root["trace_id"],
            child["span_id"],
            root["span_id"],
        )

    def test_span_with_all_properties_preserved(self, obs: ObservabilityRepository) -> None:
        span = make_span(
            input={"query": "test"},
            output={"result": "success"},
            attributes={"custom": "attr"},
            metadata={"key": "value"},
            tags=["t"],
            is_event=True,
        )
        obs.create_span(span)
        got = obs.get_span(trace_id=span["trace_id"], span_id=span["span_id"])
        assert got is not None
        dumped = got.model_dump()
        assert all(dumped[key] == value for key, value in span.items())


class TestGetRootSpan:
    def test_null_for_a_missing_trace(self, obs: ObservabilityRepository) -> None:
        assert obs.get_root_span(trace_id="non-existent") is None

    def test_the_root_span(self, obs: ObservabilityRepository) -> None:
        root = make_span()
        obs.create_span(root)
        got = obs.get_root_span(trace_id=root["trace_id"])
        assert got is not None
        assert got.span_id == root["span_id"]
        assert got.parent_span_id is None

    def test_root_span_with_all_properties_preserved(self, obs: ObservabilityRepository) -> None:
        root = make_span(input={"message": "Hello"}, output={"response": "World"}, user_id="user-123")
        obs.create_span(root)
        got = obs.get_root_span(trace_id=root["trace_id"])
        assert got is not None
        assert (got.input, got.output, got.user_id) == (
            {"message": "Hello"},
            {"response": "World"},
            "user-123",
        )

    def test_only_the_root_span_of_a_trace_with_many(self, obs: ObservabilityRepository) -> None:
        root = make_span(started_at=at(1))
        obs.batch_create_spans([make_child(root, started_at=at(0)), root, make_child(root, started_at=at(2))])
        got = obs.get_root_span(trace_id=root["trace_id"])
        assert got is not None
        assert got.span_id == root["span_id"]


# --- updateSpan, batchUpdateSpans -----------------------------------------------------------------


class TestUpdateSpan:
    def test_update_span_fields(self, obs: ObservabilityRepository) -> None:
        span = make_span(ended_at=None)
        obs.create_span(span)
        before = obs.get_span(trace_id=span["trace_id"], span_id=span["span_id"])
        obs.update_span(
            trace_id=span["trace_id"],
            span_id=span["span_id"],
            updates={"ended_at": at(5), "output": {"result": "updated"}, "error": "plain error"},
        )
        got = obs.get_span(trace_id=span["trace_id"], span_id=span["span_id"])
        assert before is not None
        assert got is not None
        assert got.updated_at is not None
        assert (got.ended_at, got.output, got.error) == (at(5), {"result": "updated"}, "plain error")
        assert before.updated_at is not None
        assert got.updated_at >= before.updated_at
        assert got.created_at == before.created_at

    def test_update_name(self, obs: ObservabilityRepository) -> None:
        span = make_span(name="Original Name")
        obs.create_span(span)
        obs.update_span(trace_id=span["trace_id"], span_id=span["span_id"], updates={"name": "Updated Name"})
        got = obs.get_span(trace_id=span["trace_id"], span_id=span["span_id"])
        assert got is not None
        assert got.name == "Updated Name"

    def test_preserve_other_properties(self, obs: ObservabilityRepository) -> None:
        span = make_span(input={"original": "input"}, metadata={"original": "metadata"}, entity_name="Keep")
        obs.create_span(span)
        obs.update_span(
            trace_id=span["trace_id"], span_id=span["span_id"], updates={"output": {"new": "output"}}
        )
        got = obs.get_span(trace_id=span["trace_id"], span_id=span["span_id"])
        assert got is not None
        assert (got.input, got.metadata, got.entity_name, got.output) == (
            {"original": "input"},
            {"original": "metadata"},
            "Keep",
            {"new": "output"},
        )

    def test_none_clears_and_models_and_camel_case_work(self, obs: ObservabilityRepository) -> None:
        span = make_span(error={"message": "x"}, tags=["a"])
        obs.create_span(span)
        obs.update_span(
            trace_id=span["trace_id"], span_id=span["span_id"], updates=UpdateSpanRecord(error=None)
        )
        obs.update_span(trace_id=span["trace_id"], span_id=span["span_id"], updates={"entityName": "camel"})
        got = obs.get_span(trace_id=span["trace_id"], span_id=span["span_id"])
        assert got is not None
        assert (got.error, got.tags, got.entity_name) == (None, ["a"], "camel")


class TestBatchUpdateSpans:
    def test_update_multiple_spans_in_batch(self, obs: ObservabilityRepository) -> None:
        root = make_span()
        children = [make_child(root), make_child(root)]
        obs.batch_create_spans([root, *children])
        obs.batch_update_spans(
            [
                {"trace_id": root["trace_id"], "span_id": c["span_id"], "updates": {"name": f"Updated {i}"}}
                for i, c in enumerate(children)
            ]
            + [
                {
                    "trace_id": root["trace_id"],
                    "span_id": root["span_id"],
                    "updates": {"output": {"done": True}},
                }
            ]
        )
        names = {
            c["span_id"]: obs.get_span(trace_id=root["trace_id"], span_id=c["span_id"]).name  # type: ignore[union-attr]
            for c in children
        }
        assert names == {children[0]["span_id"]: "Updated 0", children[1]["span_id"]: "Updated 1"}
        got = obs.get_root_span(trace_id=root["trace_id"])
        assert got is not None
        assert got.output == {"done": True}

    def test_update_spans_across_multiple_traces(self, obs: ObservabilityRepository) -> None:
        spans = [make_span(ended_at=None), make_span(ended_at=None)]
        obs.batch_create_spans(spans)
        obs.batch_update_spans(
            [{"traceId": s["trace_id"], "spanId": s["span_id"], "updates": {"endedAt": at(9)}} for s in spans]
        )
        for s in spans:
            got = obs.get_span(trace_id=s["trace_id"], span_id=s["span_id"])
            assert got is not None
            assert got.ended_at == at(9)

    def test_updates_of_one_span_are_merged_in_order(self, obs: ObservabilityRepository) -> None:
        span = make_span()
        obs.create_span(span)
        key = {"trace_id": span["trace_id"], "span_id": span["span_id"]}
        obs.batch_update_spans(
            [
                {**key, "updates": {"name": "first", "output": "o"}},
                {**key, "updates": {"name": "second"}},
            ]
        )
        got = obs.get_span(**key)
        assert got is not None
        assert (got.name, got.output) == ("second", "o")


# --- batchDeleteTraces ------------------------------------------------------------------------------


class TestBatchDeleteTraces:
    def test_delete_traces_and_all_their_spans(
        self, obs: ObservabilityRepository, shared_engine: Engine
    ) -> None:
        one, two, keep = make_span(), make_span(), make_span()
        obs.batch_create_spans([one, make_child(one), two, make_child(two), keep])
        obs.batch_delete_traces([one["trace_id"], two["trace_id"]])
        assert obs.get_trace(trace_id=one["trace_id"]) is None
        assert obs.get_trace(trace_id=two["trace_id"]) is None
        assert obs.get_trace(trace_id=keep["trace_id"]) is not None
        assert span_count(shared_engine) == 1

    def test_deleting_missing_traces(self, obs: ObservabilityRepository) -> None:
        obs.batch_delete_traces(["non-existent-1", "non-existent-2"])
        obs.batch_delete_traces([])


# --- listTraces -------------------------------------------------------------------------------------


class TestListTracesPagination:
    def test_empty_list_when_no_traces_exist(self, obs: ObservabilityRepository) -> None:
        page = obs.list_traces()
        assert isinstance(page, TracesPage)
        assert (page.spans, page.total, page.page, page.per_page, page.has_more) == ([], 0, 0, 10, False)

    def test_root_spans_with_pagination_info(self, obs: ObservabilityRepository) -> None:
        create_multiple_traces(obs)
        page = obs.list_traces(page=0, per_page=10)
        assert len(page.spans) == 4
        assert page.total == 4
        assert not page.has_more
        assert all(s.parent_span_id is None for s in page.spans)

    def test_respects_per_page(self, obs: ObservabilityRepository) -> None:
        create_multiple_traces(obs)
        page = obs.list_traces(per_page=2)
        assert len(page.spans) == 2
        assert (page.total, page.per_page, page.has_more) == (4, 2, True)

    def test_page_navigation(self, obs: ObservabilityRepository) -> None:
        create_multiple_traces(obs)
        first, second = obs.list_traces(page=0, per_page=2), obs.list_traces(page=1, per_page=2)
        assert trace_ids(first) == ["trace-4", "trace-3"]
        assert trace_ids(second) == ["trace-2", "trace-1"]
        assert not second.has_more
        past = obs.list_traces(page=5, per_page=2)
        assert (past.spans, past.total, past.has_more) == ([], 4, False)

    def test_json_shape(self, obs: ObservabilityRepository) -> None:
        create_multiple_traces(obs)
        data = obs.list_traces(per_page=1).model_dump(by_alias=True, mode="json")
        assert set(data) == {"spans", "total", "page", "perPage", "hasMore"}
        assert data["spans"][0]["traceId"] == "trace-4"


class TestListTracesFilters:
    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            ({"span_type": "workflow_run"}, ["trace-2"]),
            ({"entity_type": "agent"}, ["trace-3", "trace-1"]),
            ({"entity_id": "agent-1"}, ["trace-1"]),
            ({"entity_name": "Workflow One"}, ["trace-2"]),
            ({"user_id": "user-1"}, ["trace-3", "trace-1"]),
            ({"environment": "production"}, ["trace-4", "trace-3", "trace-1"]),
            ({"environment": "non-existent"}, []),
            ({"spanType": "agent_run", "entityId": "agent-2"}, ["trace-3"]),  # camelCase keys
            ({"entity_type": "agent", "environment": "production", "status": "success"}, ["trace-1"]),
            ({"user_id": None}, ["trace-4", "trace-3", "trace-2", "trace-1"]),  # None: not filtered
        ],
        ids=[
            "spanType",
            "entityType",
            "entityId",
            "entityName",
            "userId",
            "environment",
            "no-match",
            "camelCase",
            "combined",
            "none-ignored",
        ],
    )
    def test_equality_filters(
        self, obs: ObservabilityRepository, filters: dict[str, Any], expected: list[str]
    ) -> None:
        create_multiple_traces(obs)
        page = obs.list_traces(filters=filters)
        assert trace_ids(page) == expected
        assert page.total == len(expected)

    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            ("success", ["trace-4", "trace-1"]),
            ("error", ["trace-2"]),
            ("running", ["trace-3"]),
            ("ERROR", ["trace-2"]),
        ],
    )
    def test_status(self, obs: ObservabilityRepository, status: str, expected: list[str]) -> None:
        create_multiple_traces(obs)
        page = obs.list_traces(filters={"status": status})
        assert trace_ids(page) == expected
        if status == "success":
            assert all(s.error is None and s.ended_at is not None for s in page.spans)

    def test_started_at_range(self, obs: ObservabilityRepository) -> None:
        create_multiple_traces(obs)
        page = obs.list_traces(filters={"started_at": {"start": at(1), "end": at(3)}})
        assert trace_ids(page) == ["trace-2"]
        inclusive = obs.list_traces(filters={"startedAt": {"start": at(2), "end": at(4)}})
        assert trace_ids(inclusive) == ["trace-3", "trace-2"]

    def test_start_date_only(self, obs: ObservabilityRepository) -> None:
        create_multiple_traces(obs)
        page = obs.list_traces(filters={"started_at": {"start": at(4)}})
        assert trace_ids(page) == ["trace-4", "trace-3"]

    def test_ended_at_range(self, obs: ObservabilityRepository) -> None:
        create_multiple_traces(obs)
        page = obs.list_traces(filters={"ended_at": {"end": "2024-01-01T00:00:03Z"}})
        assert trace_ids(page) == ["trace-2", "trace-1"]  # the running trace has no end

    def test_has_child_error(self, obs: ObservabilityRepository) -> None:
        create_multiple_traces(obs)
        assert trace_ids(obs.list_traces(filters={"has_child_error": True})) == ["trace-1"]
        assert trace_ids(obs.list_traces(filters={"hasChildError": False})) == [
            "trace-4",
            "trace-3",
            "trace-2",
        ]

    def test_tags_must_all_be_present(self, obs: ObservabilityRepository) -> None:
        create_multiple_traces(obs)
        assert trace_ids(obs.list_traces(filters={"tags": ["important"]})) == ["trace-3", "trace-1"]
        assert trace_ids(obs.list_traces(filters={"tags": ["important", "customer"]})) == ["trace-1"]
        assert trace_ids(obs.list_traces(filters={"tags": ["customer", "missing"]})) == []

    def test_metadata_and_scope_per_key(self, obs: ObservabilityRepository) -> None:
        obs.batch_create_spans(
            [
                make_span(trace_id="m1", metadata={"priority": "high", "n": 1}, scope={"core": "1.0"}),
                make_span(trace_id="m2", metadata={"priority": "high", "n": "1"}, scope={"core": "2.0"}),
                make_span(trace_id="m3", metadata={"priority": "low", "flag": True}),
            ]
        )

        def found(**filters: Any) -> list[str]:
            return sorted(trace_ids(obs.list_traces(filters=filters)))

        assert found(metadata={"priority": "high"}) == ["m1", "m2"]
        assert found(metadata={"priority": "high", "n": 1}) == ["m1"]  # type-strict: "1" is not 1
        assert found(metadata={"flag": True}) == ["m3"]
        assert found(scope={"core": "2.0"}) == ["m2"]
        assert found(metadata={"priority": "high"}, scope={"core": "1.0"}) == ["m1"]


class TestListTracesMoreFilters:
    @pytest.fixture
    def traces(self, obs: ObservabilityRepository) -> ObservabilityRepository:
        obs.batch_create_spans(
            [
                make_span(
                    trace_id="trace-1",
                    run_id="run-123",
                    session_id="session-1",
                    thread_id="thread-1",
                    request_id="request-1",
                    source="cloud",
                    service_name="api-service",
                    organization_id="org-a",
                    resource_id="resource-x",
                    started_at=at(0),
                ),
                make_span(
                    trace_id="trace-2",
                    run_id="run-456",
                    session_id="session-1",
                    thread_id="thread-2",
                    request_id="request-2",
                    source="local",
                    service_name="api-service",
                    organization_id="org-a",
                    resource_id="resource-y",
                    started_at=at(1),
                ),
                make_span(
                    trace_id="trace-3", organization_id="org-b", service_name="worker", started_at=at(2)
                ),
            ]
        )
        return obs

    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            ({"run_id": "run-123"}, ["trace-1"]),
            ({"session_id": "session-1"}, ["trace-2", "trace-1"]),
            ({"thread_id": "thread-1"}, ["trace-1"]),
            ({"request_id": "request-1"}, ["trace-1"]),
            ({"source": "cloud"}, ["trace-1"]),
            ({"service_name": "api-service"}, ["trace-2", "trace-1"]),
            ({"organization_id": "org-a"}, ["trace-2", "trace-1"]),
            ({"resource_id": "resource-x"}, ["trace-1"]),
        ],
        ids=[
            "runId",
            "sessionId",
            "threadId",
            "requestId",
            "source",
            "serviceName",
            "organizationId",
            "resourceId",
        ],
    )
    def test_correlation_deployment_and_identity_filters(
        self, traces: ObservabilityRepository, filters: dict[str, Any], expected: list[str]
    ) -> None:
        assert trace_ids(traces.list_traces(filters=filters)) == expected


class TestListTracesOrdering:
    @pytest.fixture
    def traces(self, obs: ObservabilityRepository) -> ObservabilityRepository:
        obs.batch_create_spans(
            [
                make_span(trace_id="trace-1", started_at=at(0), ended_at=at(1)),
                make_span(trace_id="trace-2", started_at=at(2), ended_at=at(3)),
                make_span(trace_id="trace-3", started_at=at(4), ended_at=None),
            ]
        )
        return obs

    @pytest.mark.parametrize(
        ("order_by", "expected"),
        [
            (None, ["trace-3", "trace-2", "trace-1"]),
            ({"field": "startedAt", "direction": "ASC"}, ["trace-1", "trace-2", "trace-3"]),
            ({"field": "startedAt", "direction": "DESC"}, ["trace-3", "trace-2", "trace-1"]),
            ({"field": "endedAt", "direction": "DESC"}, ["trace-3", "trace-2", "trace-1"]),
            ({"field": "endedAt", "direction": "ASC"}, ["trace-1", "trace-2", "trace-3"]),
            ({"field": "ended_at", "direction": "asc"}, ["trace-1", "trace-2", "trace-3"]),
        ],
        ids=[
            "default",
            "startedAt-asc",
            "startedAt-desc",
            "endedAt-desc-nulls-first",
            "endedAt-asc-nulls-last",
            "snake",
        ],
    )
    def test_order(
        self, traces: ObservabilityRepository, order_by: dict[str, str] | None, expected: list[str]
    ) -> None:
        assert trace_ids(traces.list_traces(order_by=order_by)) == expected


# --- bad input: typed errors, nothing written --------------------------------------------------------


def raises(kind: type[MastraDataError], call: Callable[[], object], id_suffix: str) -> MastraDataError:
    with pytest.raises(kind) as info:
        call()
    assert info.value.id.startswith(("MASTRA_STORAGE_LIBSQL_", "MASTRA_STORAGE_PG_")), info.value.id
    assert info.value.id.endswith(id_suffix), info.value.id
    return info.value


class TestBadInput:
    @pytest.mark.parametrize("per_page", [0, 101, -1, True, 2.5, None])
    def test_per_page_outside_1_to_100(self, obs: ObservabilityRepository, per_page: Any) -> None:
        raises(ValidationError, lambda: obs.list_traces(per_page=per_page), "_LIST_TRACES_INVALID_PAGE")

    def test_negative_page(self, obs: ObservabilityRepository) -> None:
        raises(ValidationError, lambda: obs.list_traces(page=-1), "_LIST_TRACES_INVALID_PAGE")

    @pytest.mark.parametrize(
        "filters",
        [
            {"metadata": {"bad-key": 1}},
            {"metadata": {"1st": 1}},
            {"scope": {"a.b": "x"}},
            {"scope": {"": "x"}},
        ],
    )
    def test_invalid_metadata_or_scope_keys(
        self, obs: ObservabilityRepository, filters: dict[str, Any]
    ) -> None:
        raises(ValidationError, lambda: obs.list_traces(filters=filters), "_LIST_TRACES_INVALID_FILTER_KEY")

    @pytest.mark.parametrize(
        "filters",
        [
            {"unknown_filter": "x"},
            {"status": "done"},
            {"has_child_error": "yes"},
            {"tags": "important"},
            {"user_id": 1},
            {"metadata": {"k": {"nested": 1}}},
            {"metadata": {"k": math.nan}},
            {"metadata": ["priority"]},
            {"started_at": {"start": "yesterday"}},
            {"started_at": {"from": BASE}},
            "environment=production",
        ],
    )
    def test_other_bad_filters(self, obs: ObservabilityRepository, filters: Any) -> None:
        raises(ValidationError, lambda: obs.list_traces(filters=filters), "_LIST_TRACES_INVALID_ARGUMENT")

    @pytest.mark.parametrize(
        "order_by", [{"field": "createdAt"}, {"direction": "sideways"}, {"field": "startedAt", "dir": "ASC"}]
    )
    def test_bad_order(self, obs: ObservabilityRepository, order_by: dict[str, str]) -> None:
        raises(ValidationError, lambda: obs.list_traces(order_by=order_by), "_LIST_TRACES_INVALID_ARGUMENT")

    def test_update_of_a_missing_span(self, obs: ObservabilityRepository) -> None:
        span = make_span()
        obs.create_span(span)
        error = raises(
            NotFoundError,
            lambda: obs.update_span(trace_id=span["trace_id"], span_id="nope", updates={"name": "x"}),
            "_UPDATE_SPAN_NOT_FOUND",
        )
        assert error.details["spanId"] == "nope"
        assert error.details["status"] == 404
        raises(
            NotFoundError,
            lambda: obs.update_span(trace_id="nope", span_id=span["span_id"], updates={"name": "x"}),
            "_UPDATE_SPAN_NOT_FOUND",
        )
        got = obs.get_span(trace_id=span["trace_id"], span_id=span["span_id"])
        assert got is not None
        assert got.name == "Test Span"

    def test_batch_update_with_a_missing_span_writes_nothing(self, obs: ObservabilityRepository) -> None:
        root = make_span()
        child = make_child(root)
        obs.batch_create_spans([root, child])
        before = obs.get_trace(trace_id=root["trace_id"])
        updates = [
            {"trace_id": root["trace_id"], "span_id": root["span_id"], "updates": {"name": "changed"}},
            {"trace_id": root["trace_id"], "span_id": "missing-1", "updates": {"name": "changed"}},
            {"trace_id": root["trace_id"], "span_id": child["span_id"], "updates": {"output": "changed"}},
            {"trace_id": "other-trace", "span_id": child["span_id"], "updates": {"name": "changed"}},
        ]
        error = raises(
            NotFoundError, lambda: obs.batch_update_spans(updates), "_BATCH_UPDATE_SPANS_NOT_FOUND"
        )
        assert error.details["missing"] == 2
        assert obs.get_trace(trace_id=root["trace_id"]) == before

    @pytest.mark.parametrize(
        "updates",
        [
            {"trace_id": "t2"},
            {"spanId": "s2"},
            {"name": None},
            {"is_event": None},
            {"started_at": "not a date"},
            {"unknown": 1},
            {"tags": [1]},
            {"metadata": "m"},
            {"input": {1, 2}},
            ["name", "x"],
        ],
    )
    def test_bad_updates(self, obs: ObservabilityRepository, updates: Any) -> None:
        span = make_span()
        obs.create_span(span)
        before = obs.get_span(trace_id=span["trace_id"], span_id=span["span_id"])
        raises(
            ValidationError,
            lambda: obs.update_span(trace_id=span["trace_id"], span_id=span["span_id"], updates=updates),
            "_UPDATE_SPAN_INVALID_ARGUMENT",
        )
        assert obs.get_span(trace_id=span["trace_id"], span_id=span["span_id"]) == before

    @pytest.mark.parametrize(
        "records",
        [
            [{"trace_id": "t", "updates": {"name": "x"}}],
            [{"trace_id": "", "span_id": "s", "updates": {}}],
            ["not a mapping"],
            {"trace_id": "t", "span_id": "s", "updates": {}},
        ],
    )
    def test_bad_update_records(self, obs: ObservabilityRepository, records: Any) -> None:
        raises(
            ValidationError, lambda: obs.batch_update_spans(records), "_BATCH_UPDATE_SPANS_INVALID_ARGUMENT"
        )

    @pytest.mark.parametrize("bad", ["not a mapping", 42, None, ("trace", "span")])
    def test_a_non_mapping_record_rejects_the_batch(
        self, obs: ObservabilityRepository, shared_engine: Engine, bad: Any
    ) -> None:
        error = raises(
            ValidationError,
            lambda: obs.batch_create_spans([make_span(), bad, make_span()]),
            "_BATCH_CREATE_SPANS_INVALID_ARGUMENT",
        )
        assert error.details["index"] == 1
        assert span_count(shared_engine) == 0

    @pytest.mark.parametrize("field", ["trace_id", "span_id", "name", "span_type", "is_event", "started_at"])
    @pytest.mark.parametrize("how", ["missing", "none"])
    def test_missing_required_fields(
        self, obs: ObservabilityRepository, shared_engine: Engine, field: str, how: str
    ) -> None:
        bad = make_span()
        if how == "missing":
            del bad[field]
        else:
            bad[field] = None
        raises(ValidationError, lambda: obs.batch_create_spans([make_span(), bad]), "_INVALID_ARGUMENT")
        raises(ValidationError, lambda: obs.create_span(bad), "_CREATE_SPAN_INVALID_ARGUMENT")
        assert span_count(shared_engine) == 0

    @pytest.mark.parametrize(
        "overrides",
        [
            {"trace_id": ""},
            {"span_id": 7},
            {"is_event": "false"},
            {"is_event": 0},
            {"started_at": "2024-13-45"},
            {"started_at": 1704067200},
            {"ended_at": "soon"},
            {"tags": "important"},
            {"tags": ["a", 1]},
            {"metadata": ["a"]},
            {"scope": "core"},
            {"links": {"a": 1}},
            {"input": {"bad": {1, 2}}},
            {"output": math.inf},
            {"name": "nul\x00char"},
            {"input": {"text": "nul\x00char"}},
            {"output": ["lone \ud800 surrogate"]},
            {"entity_name": "lone \udc00 surrogate"},
            {"metadata": {"key\x00": 1}},
            {"unknown_field": 1},
        ],
    )
    def test_bad_values_reject_the_batch(
        self, obs: ObservabilityRepository, shared_engine: Engine, overrides: dict[str, Any]
    ) -> None:
        raises(
            ValidationError,
            lambda: obs.batch_create_spans([make_span(), make_span(**overrides)]),
            "_BATCH_CREATE_SPANS_INVALID_ARGUMENT",
        )
        assert span_count(shared_engine) == 0

    @pytest.mark.parametrize("records", ["span", {"trace_id": "t"}, 7])
    def test_records_must_be_a_list(self, obs: ObservabilityRepository, records: Any) -> None:
        raises(
            ValidationError, lambda: obs.batch_create_spans(records), "_BATCH_CREATE_SPANS_INVALID_ARGUMENT"
        )

    @pytest.mark.parametrize("trace_ids_", ["trace-1", [1], None])
    def test_delete_needs_a_list_of_ids(self, obs: ObservabilityRepository, trace_ids_: Any) -> None:
        raises(
            ValidationError,
            lambda: obs.batch_delete_traces(trace_ids_),
            "_BATCH_DELETE_TRACES_INVALID_ARGUMENT",
        )

    @pytest.mark.parametrize("call", ["get_span", "get_root_span", "get_trace"])
    def test_blank_ids_on_reads(self, obs: ObservabilityRepository, call: str) -> None:
        kwargs = {"trace_id": ""} if call != "get_span" else {"trace_id": "t", "span_id": ""}
        raises(ValidationError, lambda: getattr(obs, call)(**kwargs), "_INVALID_ARGUMENT")


# --- index use -----------------------------------------------------------------------------------


def _plan(engine: Engine, call: Callable[[], object]) -> list[str]:
    """The query plan of the last statement ``call`` runs (EXPLAIN on the real statement and values)."""
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    statement, parameters = captured[-1]
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        return [str(row[-1]) for row in conn.exec_driver_sql(prefix + statement, parameters)]


@pytest.fixture
def many_traces(obs: ObservabilityRepository, shared_engine: Engine) -> ObservabilityRepository:
    """300 traces of 10 spans, with planner statistics (what a database in use has)."""
    spans = []
    for t in range(300):
        root = make_span(trace_id=f"trace-{t:04d}", span_id=f"root-{t:04d}", started_at=at(t))
        spans += [
            root,
            *(make_child(root, span_id=f"c-{t:04d}-{k}", started_at=at(t + k / 10)) for k in range(9)),
        ]
    obs.batch_create_spans(spans)
    # Outside a transaction on both backends (PostgreSQL's autocommit, libSQL's statement-level reads).
    with shared_engine.connect().execution_options(**backend_for(shared_engine).read_options) as conn:
        conn.exec_driver_sql("ANALYZE mastra_ai_spans")
    return obs


SPAN_INDEXES = ("mastra_ai_spans_root_spans_idx", "mastra_ai_spans_parentspanid_startedat_idx")


def test_listing_the_latest_traces_is_index_backed(
    many_traces: ObservabilityRepository, shared_engine: Engine
) -> None:
    page = many_traces.list_traces(per_page=50)
    assert page.total == 300
    assert page.spans[0].trace_id == "trace-0299"
    plan = _plan(shared_engine, lambda: many_traces.list_traces(per_page=50))
    text = "\n".join(plan)
    assert any(index in text for index in SPAN_INDEXES), text
    assert "TEMP B-TREE" not in text  # libSQL: no sort step
    assert not any(line.strip() == "SCAN mastra_ai_spans" for line in plan), text  # libSQL: no table scan
    assert "Seq Scan" not in text, text  # PostgreSQL: no table scan
    assert "Sort" not in text, text  # PostgreSQL: no sort step


def test_loading_a_trace_is_index_backed(many_traces: ObservabilityRepository, shared_engine: Engine) -> None:
    plan = "\n".join(_plan(shared_engine, lambda: many_traces.get_trace(trace_id="trace-0123")))
    assert "mastra_ai_spans_traceid_startedat_idx" in plan, plan
    for step in ("TEMP B-TREE", "Seq Scan", "Sort"):
        assert step not in plan, plan


# --- wiring and interop ----------------------------------------------------------------------------


def test_storage_exposes_the_repository(db_url: str) -> None:
    with Storage.from_url(db_url) as storage:
        storage.migrate()
        assert isinstance(storage.observability, ObservabilityRepository)
        assert storage.get_store("observability") is storage.observability
        storage.observability.create_span(make_span(trace_id="wired"))
        assert storage.observability.get_trace(trace_id="wired") is not None


def test_reads_spans_mastra_wrote_on_libsql(libsql_engine: Engine) -> None:
    """@mastra/libsql writes JSON as binary JSONB (``jsonb(?)``), ``isEvent`` as 0/1, ISO timestamps."""
    migrations.upgrade(libsql_engine)
    with libsql_engine.begin() as conn:
        conn.exec_driver_sql(
            'INSERT INTO mastra_ai_spans ("traceId", "spanId", name, "spanType", "isEvent", "startedAt", '
            "\"endedAt\", input, metadata, tags, \"createdAt\", \"updatedAt\") VALUES ('t', 's', 'n', "
            "'agent_run', 1, '2025-12-01T10:00:00.123Z', NULL, jsonb('\"plain\"'), jsonb('{\"a\":[1,2]}'), "
            "jsonb('[\"x\"]'), '2025-12-01T10:00:00.123Z', '2025-12-01T10:00:00.123Z')"
        )
    obs = ObservabilityRepository(libsql_engine)
    got = obs.get_span(trace_id="t", span_id="s")
    assert got is not None
    assert (got.input, got.metadata, got.tags, got.is_event) == ("plain", {"a": [1, 2]}, ["x"], True)
    assert got.started_at == datetime(2025, 12, 1, 10, 0, 0, 123000, tzinfo=UTC)
    assert trace_ids(obs.list_traces(filters={"tags": ["x"], "metadata": {"a": None}})) == []
    assert trace_ids(obs.list_traces(filters={"tags": ["x"], "status": "running"})) == ["t"]
