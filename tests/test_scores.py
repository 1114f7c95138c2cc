"""Behaviour suite of the scores domain (``storage.scores``), on libSQL and PostgreSQL.

Ports Mastra's shared storage conformance tests for scores (``reference/mastra-storage-spec.md`` §6.7) to
the snake_case API of DESIGN §4, plus the bad-input cases of the issue: every refused call raises a typed
error and writes nothing. Where we are stricter than Mastra (``input`` required, blank ids, non-finite
scores), the test follows ``ScoresRepository``'s docstrings.

Every test gets a fresh, empty, migrated database. Creation times are set explicitly (``backdate``) where
order matters, never slept for.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from mastra_data import MastraDataError, Storage, ValidationError
from mastra_data.db.dialects import backend_for
from mastra_data.scores.models import ScoreCreate, ScoreRead, ScoresPage
from mastra_data.scores.repository import SCORES, ScoresRepository

BASE = datetime(2024, 1, 1, tzinfo=UTC)


# --- fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture
def scores(storage: Storage) -> ScoresRepository:
    """The scores repository on a fresh, migrated database of the current backend."""
    repo: ScoresRepository = storage.scores
    return repo


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def sample_score(
    scorer_id: str | None = None,
    *,
    entity_id: str = "eval-agent",
    entity_type: str = "AGENT",
    source: str = "LIVE",
    run_id: str | None = None,
    trace_id: str | None = None,
    span_id: str | None = None,
) -> dict[str, Any]:
    """Mastra's ``createSampleScore``, in camelCase keys as a Mastra app would send it."""
    scorer_id = scorer_id or uid("scorer")
    score: dict[str, Any] = {
        "scorerId": scorer_id,
        "entityId": entity_id,
        "entityType": entity_type,
        "source": source,
        "runId": run_id or uid("run"),
        "reason": "Sample reason",
        "preprocessStepResult": {"text": "Sample preprocess step result"},
        "preprocessPrompt": "Sample preprocess prompt",
        "analyzeStepResult": {"text": "Sample analyze step result"},
        "score": 0.8,
        "analyzePrompt": "Sample analyze prompt",
        "generateReasonPrompt": "Sample reason prompt",
        "scorer": {"id": scorer_id, "name": "my-eval", "description": "My eval"},
        "input": [{"id": "1", "name": "input-1", "value": "Sample input"}],
        "output": {"text": "Sample output"},
        "entity": {"id": entity_id, "name": "Sample entity"},
        "requestContext": {},
        "metadata": {"scorerVersion": "1.0.0", "customField": "test-value"},
    }
    if trace_id is not None:
        score["traceId"] = trace_id
    if span_id is not None:
        score["spanId"] = span_id
    return score


def backdate(storage: Storage, score_id: str, when: datetime) -> None:
    """Set a score's createdAt/updatedAt (and PG shadows) to ``when``, to make ordering explicit."""
    engine = storage.engine_for("scores")
    values = backend_for(engine).row(SCORES, {"createdAt": when, "updatedAt": when})
    with engine.connect() as conn, conn.begin():
        conn.execute(sa.update(SCORES).where(SCORES.c.id == score_id).values(values))


def row_count(storage: Storage) -> int:
    with storage.engine_for("scores").connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(SCORES)).scalar_one())


def assert_page(page: ScoresPage, *, total: int, page_no: int, per_page: int | bool, has_more: bool) -> None:
    assert isinstance(page, ScoresPage)
    assert (page.total, page.page, page.per_page, page.has_more) == (total, page_no, per_page, has_more)


JSON_VALUES: list[Any] = [
    "plain string",
    '{"looks": "like json"}',
    "",
    42,
    -1.5,
    True,
    False,
    [1, "two", {"three": [3]}],
    {"nested": {"list": [1, 2, {"x": None}], "unicode": "こんにちは 😀", "quote": "a\"b'c\\d"}},
    [],
    {},
]
"""JSON values of every kind, for the JSON columns (strings included: they stay strings, except that on
PostgreSQL a string holding an object's JSON reads back decoded, as @mastra/pg stores documents)."""


def _as_read(value: Any, backend: str) -> Any:
    """What a score's JSON column gives back for ``value`` (see ``JSONDoc``)."""
    if backend == "postgres" and isinstance(value, str) and value[:1] in "{[" and value:
        return json.loads(value)
    return value


# --- §6.7 conformance ---------------------------------------------------------------------------------


class TestConformance:
    def test_retrieve_scores_by_scorer_id(self, scores: ScoresRepository) -> None:
        scorer_id = uid("scorer")
        saved = [scores.save_score(sample_score(scorer_id)) for _ in range(3)]

        page = scores.list_scores_by_scorer_id(scorer_id, page=0, per_page=10)
        assert len(page.scores) == 3
        assert {s.run_id for s in page.scores} == {s.run_id for s in saved}
        assert all(s.scorer["id"] == scorer_id for s in page.scores)
        assert_page(page, total=3, page_no=0, per_page=10, has_more=False)

        other = scores.list_scores_by_scorer_id("non-existent-scorer", page=0, per_page=10)
        assert other.scores == []
        assert other.total == 0

    def test_returned_payload_matches_the_saved_score(self, scores: ScoresRepository) -> None:
        payload = sample_score(trace_id="trace-1", span_id="span-1")
        saved = scores.save_score(payload)
        got = scores.get_score_by_id(saved.id)
        assert got is not None
        assert got == saved

        dumped = got.model_dump(by_alias=True, mode="json", exclude_none=True)
        assert dumped.pop("score") == pytest.approx(payload["score"])
        assert dumped.pop("id") == saved.id
        assert dumped.pop("createdAt") == dumped.pop("updatedAt")
        expected = {k: v for k, v in payload.items() if k != "score"}
        assert dumped == expected  # every non-null field round-trips and no extra key appears

    def test_retrieve_scores_by_source(self, scores: ScoresRepository) -> None:
        scorer_id = uid("scorer")
        scores.save_score(sample_score(scorer_id, source="TEST"))
        scores.save_score(sample_score(scorer_id, source="LIVE"))

        page = scores.list_scores_by_scorer_id(scorer_id, source="TEST", page=0, per_page=10)
        assert [s.source for s in page.scores] == ["TEST"]
        assert page.total == 1

    def test_save_scorer_and_list_by_run_id(self, scores: ScoresRepository) -> None:
        saved = scores.save_score(sample_score())

        page = scores.list_scores_by_run_id(saved.run_id, page=0, per_page=10)
        assert [s.id for s in page.scores] == [saved.id]
        assert_page(page, total=1, page_no=0, per_page=10, has_more=False)

    def test_retrieve_saved_score_by_its_returned_id(self, scores: ScoresRepository) -> None:
        saved = scores.save_score(sample_score())
        got = scores.get_score_by_id(saved.id)
        assert got is not None
        assert got.id == saved.id
        assert got.scorer_id == saved.scorer_id

    def test_list_by_entity_id_returns_paginated_scores_with_total(self, scores: ScoresRepository) -> None:
        payload = sample_score(entity_id=uid("agent"))
        scores.save_score(payload)
        scores.save_score(sample_score(entity_id=uid("agent")))  # another entity

        page = scores.list_scores_by_entity_id(
            payload["entity"]["id"], entity_type=payload["entityType"], page=0, per_page=10
        )
        assert [s.entity_id for s in page.scores] == [payload["entityId"]]
        assert_page(page, total=1, page_no=0, per_page=10, has_more=False)

    def test_retrieve_scores_by_trace_and_span_id(self, scores: ScoresRepository) -> None:
        trace_id, span_id = uid("trace"), uid("span")
        saved = scores.save_score(sample_score(trace_id=trace_id, span_id=span_id))

        page = scores.list_scores_by_span(trace_id=trace_id, span_id=span_id, page=0, per_page=10)
        assert [s.id for s in page.scores] == [saved.id]
        assert (page.scores[0].trace_id, page.scores[0].span_id) == (trace_id, span_id)
        assert page.total == 1

    def test_retrieve_multiple_scores_by_trace_and_span_id(self, scores: ScoresRepository) -> None:
        trace_id, span_id = uid("trace"), uid("span")
        saved = {scores.save_score(sample_score(trace_id=trace_id, span_id=span_id)).id for _ in range(3)}
        scores.save_score(sample_score(trace_id=trace_id, span_id="other-span"))

        page = scores.list_scores_by_span(trace_id=trace_id, span_id=span_id, page=0, per_page=10)
        assert {s.id for s in page.scores} == saved
        assert_page(page, total=3, page_no=0, per_page=10, has_more=False)

    @pytest.fixture
    def span_pages(self, scores: ScoresRepository) -> tuple[str, str]:
        """5 scores on the target span and 3 decoys (other span, other trace)."""
        trace_id, span_id = uid("trace"), uid("span")
        for _ in range(5):
            scores.save_score(sample_score(trace_id=trace_id, span_id=span_id))
        for _ in range(2):
            scores.save_score(sample_score(trace_id=trace_id, span_id=uid("span")))
        scores.save_score(sample_score(trace_id=uid("trace"), span_id=span_id))
        return trace_id, span_id

    @pytest.mark.parametrize(("page_no", "count", "has_more"), [(0, 2, True), (1, 2, True), (2, 1, False)])
    def test_span_pagination(
        self, scores: ScoresRepository, span_pages: tuple[str, str], page_no: int, count: int, has_more: bool
    ) -> None:
        trace_id, span_id = span_pages
        page = scores.list_scores_by_span(trace_id=trace_id, span_id=span_id, page=page_no, per_page=2)
        assert len(page.scores) == count
        assert all((s.trace_id, s.span_id) == (trace_id, span_id) for s in page.scores)
        assert_page(page, total=5, page_no=page_no, per_page=2, has_more=has_more)

    def test_span_pages_do_not_overlap_and_cover_all(
        self, scores: ScoresRepository, span_pages: tuple[str, str]
    ) -> None:
        trace_id, span_id = span_pages
        ids = [
            s.id
            for p in range(3)
            for s in scores.list_scores_by_span(trace_id=trace_id, span_id=span_id, page=p, per_page=2).scores
        ]
        everything = scores.list_scores_by_span(trace_id=trace_id, span_id=span_id, per_page=False)
        assert ids == [s.id for s in everything.scores]
        assert len(set(ids)) == 5


# --- saving and reading ------------------------------------------------------------------------------


class TestSaveScore:
    def test_new_id_and_equal_utc_timestamps(self, scores: ScoresRepository) -> None:
        first = scores.save_score(sample_score())
        second = scores.save_score(sample_score())
        assert isinstance(first, ScoreRead)
        assert first.id != second.id
        assert str(uuid.UUID(first.id)) == first.id
        assert first.created_at == first.updated_at
        assert first.created_at.utcoffset() == timedelta(0)
        assert first.created_at.microsecond % 1000 == 0  # milliseconds, as JS Dates

    def test_snake_case_keys_and_a_model_are_accepted(self, scores: ScoresRepository) -> None:
        camel = sample_score()
        snake = {
            "scorer_id": camel["scorerId"],
            "entity_id": camel["entityId"],
            "entity_type": camel["entityType"],
            "run_id": camel["runId"],
            "input": camel["input"],
            "output": camel["output"],
            "score": 1,
            "scorer": camel["scorer"],
            "source": "TEST",
            "entity": camel["entity"],
            "request_context": {"user": "u1"},
        }
        saved = scores.save_score(snake)
        assert (saved.scorer_id, saved.run_id, saved.score) == (camel["scorerId"], camel["runId"], 1.0)
        assert saved.request_context == {"user": "u1"}

        from_model = scores.save_score(ScoreCreate.model_validate(camel))
        assert from_model.run_id == camel["runId"]
        assert scores.get_score_by_id(from_model.id) == from_model

    def test_a_read_score_can_be_saved_again_as_a_new_score(self, scores: ScoresRepository) -> None:
        original = scores.save_score(sample_score())
        copy = scores.save_score(original)
        assert copy.id != original.id
        assert copy.model_dump(exclude={"id", "created_at", "updated_at"}) == original.model_dump(
            exclude={"id", "created_at", "updated_at"}
        )

    def test_unknown_keys_are_stripped(self, scores: ScoresRepository) -> None:
        payload = {**sample_score(), "somethingElse": {"a": 1}, "structuredOutput": True}
        saved = scores.save_score(payload)
        got = scores.get_score_by_id(saved.id)
        assert got is not None
        dumped = got.model_dump(by_alias=True)
        assert "somethingElse" not in dumped
        assert "structuredOutput" not in dumped  # in Mastra's schema, but no column

    def test_null_columns_are_none_and_omitted_from_the_mastra_shape(self, scores: ScoresRepository) -> None:
        minimal = {
            "scorerId": "s",
            "entityId": "e",
            "runId": "r",
            "input": "question",
            "output": "answer",
            "score": 0,
            "scorer": {},
            "source": "LIVE",
            "entity": {},
        }
        saved = scores.save_score(minimal)
        got = scores.get_score_by_id(saved.id)
        assert got is not None
        assert got.reason is None
        assert got.metadata is None
        assert got.trace_id is None
        assert got.entity_type is None
        assert set(got.model_dump(by_alias=True, exclude_none=True)) == {
            *minimal,
            "id",
            "createdAt",
            "updatedAt",
        }

    def test_json_columns_round_trip(self, scores: ScoresRepository, backend: str) -> None:
        for value in JSON_VALUES:
            payload = {**sample_score(), "input": value, "output": value, "additionalContext": {"v": value}}
            saved = scores.save_score(payload)
            got = scores.get_score_by_id(saved.id)
            assert got is not None
            expected = _as_read(value, backend)
            assert (got.input, got.output, got.additional_context) == (expected, expected, {"v": value})
            assert type(got.input) is type(expected), value
            if expected is value:
                assert got == saved

    def test_json_values_are_returned_as_stored(self, scores: ScoresRepository) -> None:
        saved = scores.save_score({**sample_score(), "metadata": {"pair": (1, 2), "nested": {1: "one"}}})
        assert saved.metadata == {"pair": [1, 2], "nested": {"1": "one"}}
        assert scores.get_score_by_id(saved.id) == saved

    def test_score_keeps_its_precision(self, scores: ScoresRepository) -> None:
        saved = scores.save_score({**sample_score(), "score": 0.1 + 0.2})
        got = scores.get_score_by_id(saved.id)
        assert got is not None
        assert got.score == 0.1 + 0.2

    def test_mastra_json_shape(self, scores: ScoresRepository) -> None:
        saved = scores.save_score(sample_score())
        dumped = saved.model_dump(by_alias=True, mode="json")
        assert dumped["scorerId"] == saved.scorer_id
        assert dumped["createdAt"].endswith("Z")
        assert len(dumped["createdAt"]) == len("2025-01-01T00:00:00.000Z")

    def test_missing_score_is_none(self, scores: ScoresRepository) -> None:
        assert scores.get_score_by_id("non-existent") is None


# --- lists ---------------------------------------------------------------------------------------------


class TestLists:
    def test_newest_first_with_id_as_tie_break(self, storage: Storage, scores: ScoresRepository) -> None:
        scorer_id = uid("scorer")
        saved = [scores.save_score(sample_score(scorer_id)) for _ in range(4)]
        times = [BASE, BASE + timedelta(seconds=2), BASE + timedelta(seconds=1), BASE + timedelta(seconds=2)]
        for score, when in zip(saved, times, strict=True):
            backdate(storage, score.id, when)
        tied = sorted([saved[1].id, saved[3].id], reverse=True)

        page = scores.list_scores_by_scorer_id(scorer_id)
        assert [s.id for s in page.scores] == [*tied, saved[2].id, saved[0].id]
        assert page.scores[0].created_at == BASE + timedelta(seconds=2)

    def test_scorer_filters_are_anded(self, scores: ScoresRepository) -> None:
        scorer_id = uid("scorer")
        target = scores.save_score(
            sample_score(scorer_id, entity_id="a1", entity_type="AGENT", source="TEST")
        )
        scores.save_score(sample_score(scorer_id, entity_id="a1", entity_type="AGENT", source="LIVE"))
        scores.save_score(sample_score(scorer_id, entity_id="a1", entity_type="WORKFLOW", source="TEST"))
        scores.save_score(sample_score(scorer_id, entity_id="a2", entity_type="AGENT", source="TEST"))
        scores.save_score(sample_score(uid("scorer"), entity_id="a1", entity_type="AGENT", source="TEST"))

        page = scores.list_scores_by_scorer_id(scorer_id, entity_id="a1", entity_type="AGENT", source="TEST")
        assert [s.id for s in page.scores] == [target.id]
        assert scores.list_scores_by_scorer_id(scorer_id, entity_id="a1").total == 3
        assert scores.list_scores_by_scorer_id(scorer_id, entity_type="AGENT").total == 3
        assert scores.list_scores_by_scorer_id(scorer_id).total == 4

    def test_entity_type_must_match_too(self, scores: ScoresRepository) -> None:
        scores.save_score(sample_score(entity_id="shared", entity_type="AGENT"))
        scores.save_score(sample_score(entity_id="shared", entity_type="WORKFLOW"))
        page = scores.list_scores_by_entity_id("shared", entity_type="WORKFLOW")
        assert [s.entity_type for s in page.scores] == ["WORKFLOW"]

    @pytest.mark.parametrize(
        "call",
        [
            lambda r, **kw: r.list_scores_by_scorer_id("s-all", **kw),
            lambda r, **kw: r.list_scores_by_run_id("run-all", **kw),
            lambda r, **kw: r.list_scores_by_entity_id("e-all", entity_type="AGENT", **kw),
            lambda r, **kw: r.list_scores_by_span(trace_id="t-all", span_id="sp-all", **kw),
        ],
        ids=["scorer", "run", "entity", "span"],
    )
    def test_per_page_false_zero_and_pages(
        self, scores: ScoresRepository, call: Callable[..., ScoresPage]
    ) -> None:
        for _ in range(3):
            scores.save_score(
                sample_score("s-all", entity_id="e-all", run_id="run-all", trace_id="t-all", span_id="sp-all")
            )
        assert_page(call(scores), total=3, page_no=0, per_page=100, has_more=False)
        everything = call(scores, per_page=False)
        assert len(everything.scores) == 3
        assert_page(everything, total=3, page_no=0, per_page=False, has_more=False)
        none = call(scores, per_page=0)
        assert none.scores == []
        assert_page(none, total=3, page_no=0, per_page=0, has_more=True)
        beyond = call(scores, page=5, per_page=2)
        assert beyond.scores == []
        assert_page(beyond, total=3, page_no=5, per_page=2, has_more=False)

    def test_empty_list_keeps_the_given_per_page(self, scores: ScoresRepository) -> None:
        assert_page(
            scores.list_scores_by_run_id("nothing", per_page=False),
            total=0,
            page_no=0,
            per_page=False,
            has_more=False,
        )
        assert_page(
            scores.list_scores_by_run_id("nothing", per_page=7),
            total=0,
            page_no=0,
            per_page=7,
            has_more=False,
        )

    def test_page_json_shape(self, scores: ScoresRepository) -> None:
        scores.save_score(sample_score(run_id="run-json"))
        dumped = scores.list_scores_by_run_id("run-json", per_page=False).model_dump(
            by_alias=True, mode="json"
        )
        assert set(dumped) == {"scores", "total", "page", "perPage", "hasMore"}
        assert dumped["perPage"] is False
        assert dumped["scores"][0]["runId"] == "run-json"


# --- bad input ---------------------------------------------------------------------------------------
# Case tables are looped over inside a few tests (each test pays for a fresh database); every case names
# itself in the assertion message.

REQUIRED = ("scorerId", "entityId", "runId", "input", "output", "score", "scorer", "source", "entity")

WRONG_TYPES: list[tuple[str, Any]] = [
    ("score", "0.8"),
    ("score", True),
    ("score", float("nan")),
    ("score", float("inf")),
    ("scorerId", 5),
    ("runId", ["r"]),
    ("scorer", "my-scorer"),
    ("entity", []),
    ("source", "live"),
    ("entityType", "BOGUS"),
    ("metadata", ["not", "a", "record"]),
    ("requestContext", "ctx"),
    ("traceId", 1),
    ("reason", {"text": "x"}),
    ("structuredOutput", "yes"),
    # blank ids
    ("scorerId", "  "),
    ("entityId", ""),
    ("runId", " "),
    ("traceId", ""),
    ("spanId", " "),
    # values no database can store
    ("reason", "nul \x00 inside"),
    ("output", {"text": "nul \x00 inside"}),
    ("metadata", {"key\x00": 1}),
    ("input", "lone surrogate \ud800"),
    ("metadata", {"when": datetime(2024, 1, 1)}),
    ("metadata", {"values": {1, 2}}),
    ("output", {"n": float("nan")}),
    ("input", object()),
]

BAD_LOOKUPS: list[Callable[[ScoresRepository], Any]] = [
    lambda r: r.get_score_by_id(""),
    lambda r: r.get_score_by_id(None),  # type: ignore[arg-type]
    lambda r: r.list_scores_by_scorer_id(" "),
    lambda r: r.list_scores_by_scorer_id("s", entity_id=""),
    lambda r: r.list_scores_by_scorer_id("s", entity_type=" "),
    lambda r: r.list_scores_by_scorer_id("s", source="live"),  # type: ignore[arg-type]
    lambda r: r.list_scores_by_run_id(""),
    lambda r: r.list_scores_by_entity_id("", entity_type="AGENT"),
    lambda r: r.list_scores_by_entity_id("e", entity_type=""),
    lambda r: r.list_scores_by_span(trace_id="", span_id="s"),
    lambda r: r.list_scores_by_span(trace_id="t", span_id=None),  # type: ignore[arg-type]
]

LISTS: list[Callable[..., ScoresPage]] = [
    lambda r, **kw: r.list_scores_by_scorer_id("s", **kw),
    lambda r, **kw: r.list_scores_by_run_id("r", **kw),
    lambda r, **kw: r.list_scores_by_entity_id("e", entity_type="AGENT", **kw),
    lambda r, **kw: r.list_scores_by_span(trace_id="t", span_id="s", **kw),
]
BAD_PAGES: list[tuple[Any, Any]] = [(-1, 10), (0, -1), (1, False), (0, True), (0, 1.5), ("0", 10)]


class TestBadInput:
    def assert_refused(
        self, storage: Storage, scores: ScoresRepository, payload: Any, *, names: str
    ) -> ValidationError:
        before = row_count(storage)
        with pytest.raises(ValidationError) as info:
            scores.save_score(payload)
        error = info.value
        store = backend_for(storage.engine_for("scores")).store
        assert error.id == f"MASTRA_STORAGE_{store}_SAVE_SCORE_VALIDATION_FAILED", names
        assert error.category == "USER", names
        assert names in error.message, (names, error.message)
        assert set(error.details) == {"scorer", "entityId", "entityType", "traceId", "spanId"}, names
        assert row_count(storage) == before, names
        return error

    def test_missing_or_null_required_fields(self, storage: Storage, scores: ScoresRepository) -> None:
        for field in REQUIRED:
            payload = sample_score()
            del payload[field]
            self.assert_refused(storage, scores, payload, names=field)
            self.assert_refused(storage, scores, {**sample_score(), field: None}, names=field)

    def test_wrong_types_blank_ids_and_unstorable_values(
        self, storage: Storage, scores: ScoresRepository
    ) -> None:
        for field, value in WRONG_TYPES:
            self.assert_refused(storage, scores, {**sample_score(), field: value}, names=field)
        assert row_count(storage) == 0

    def test_a_literal_backslash_u0000_is_not_a_nul(self, scores: ScoresRepository) -> None:
        saved = scores.save_score({**sample_score(), "output": {"text": "\\u0000"}, "reason": "\\x00"})
        assert saved.output == {"text": "\\u0000"}
        assert scores.get_score_by_id(saved.id) == saved

    def test_details_name_the_score(self, storage: Storage, scores: ScoresRepository) -> None:
        payload = {**sample_score("my-scorer", trace_id="t1", span_id="s1"), "score": "high"}
        error = self.assert_refused(storage, scores, payload, names="score")
        assert error.details == {
            "scorer": "my-scorer",
            "entityId": "eval-agent",
            "entityType": "AGENT",
            "traceId": "t1",
            "spanId": "s1",
        }
        empty = self.assert_refused(storage, scores, {}, names="scorerId")
        assert empty.details == {
            "scorer": "unknown",
            "entityId": "unknown",
            "entityType": "unknown",
            "traceId": "",
            "spanId": "",
        }

    def test_every_problem_is_named(self, storage: Storage, scores: ScoresRepository) -> None:
        payload = {**sample_score(), "score": "x", "source": "BAD"}
        del payload["runId"]
        error = self.assert_refused(storage, scores, payload, names="score")
        assert "source" in error.message
        assert "runId" in error.message

    def test_not_a_mapping(self, storage: Storage, scores: ScoresRepository) -> None:
        for payload in (None, "score", 42, [("scorerId", "s")]):
            self.assert_refused(storage, scores, payload, names="mapping")

    def test_blank_or_invalid_lookup_arguments(self, scores: ScoresRepository) -> None:
        for i, call in enumerate(BAD_LOOKUPS):
            with pytest.raises(ValidationError) as info:
                call(scores)
            assert info.value.id.endswith("_INVALID_ARGUMENT"), i

    def test_bad_pagination(self, scores: ScoresRepository) -> None:
        for i, call in enumerate(LISTS):
            for page, per_page in BAD_PAGES:
                with pytest.raises(ValidationError) as info:
                    call(scores, page=page, per_page=per_page)
                assert info.value.id.endswith("_INVALID_PAGE"), (i, page, per_page)
                assert info.value.category == "USER"

    def test_errors_are_mastra_data_errors_not_driver_errors(self, scores: ScoresRepository) -> None:
        with pytest.raises(MastraDataError):
            scores.save_score({**sample_score(), "input": {"x": object()}})
