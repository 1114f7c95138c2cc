"""``ScoresRepository``: eval scores in ``mastra_scorers`` (Mastra's ``ScoresStorage``).

Behaviour follows ``reference/mastra-storage-spec.md`` §3.3 with the snake_case API of DESIGN §4:
``save_score`` validates the payload (Mastra's ``saveScorePayloadSchema``), gives it a new id and
``created_at = updated_at = now``; the ``list_scores_by_*`` methods page newest first. Where we differ
from Mastra the method docstrings say so. Datetimes are timezone-aware UTC.

Reads use SQLAlchemy Core statements built once per query shape and rows turned into read models
without re-validation (:func:`~mastra_data.db.base.trusted`).
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import ValidationError as PydanticValidationError
from pydantic.alias_generators import to_camel
from sqlalchemy.engine import Engine

from mastra_data.db.base import trusted
from mastra_data.db.repository import Repository, count_and_page, page_and_total, utc_now
from mastra_data.db.types import JSONDoc
from mastra_data.errors import ValidationError, error_id
from mastra_data.pagination import paginate
from mastra_data.scores.models import Score, ScoreCreate, ScoreRead, ScoresPage
from mastra_data.validation import Checker

__all__ = ("ScoresRepository",)

SCORES: sa.Table = Score.__table__  # type: ignore[attr-defined]
_S = SCORES.c


# Every ScoreRead field is the snake_case of its column (``scorer_id`` <-> "scorerId").
_FIELDS: tuple[str, ...] = tuple(ScoreRead.model_fields)
_COLUMNS: tuple[sa.Column[Any], ...] = tuple(_S[to_camel(name)] for name in _FIELDS)
_JSON_FIELDS = frozenset(
    name for name, col in zip(_FIELDS, _COLUMNS, strict=True) if isinstance(col.type, JSONDoc)
)
# ScoreCreate fields that have a column (``structured_output`` has none in Mastra's schema either).
_STORED = tuple(name for name in ScoreCreate.model_fields if name in ScoreRead.model_fields)

# A JSON text holds a NUL character iff it contains an unescaped ``\u0000`` (JSON escapes a literal
# backslash as ``\\``, so an odd run of backslashes before ``u0000`` is the escape itself).
_JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def _score(row: Sequence[Any]) -> ScoreRead:
    # strict=False: list rows carry the page total after the fields.
    return trusted(ScoreRead, dict(zip(_FIELDS, row, strict=False)))


@functools.lru_cache(maxsize=32)
def _list_queries(filters: tuple[str, ...], limited: bool) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """(COUNT, page) statements filtering on equality of the named columns (bind parameters of the same
    names), newest first with ``id`` as the tie-break; built once per filter shape."""
    where = [_S[name] == sa.bindparam(name, type_=sa.Text()) for name in filters]
    return count_and_page(SCORES, _COLUMNS, where, _S.createdAt, True, limited)


class ScoresRepository(Repository):
    """Scores of scorer runs on one database (Mastra's ``ScoresStorage``).

    Args:
        engine: A mastra_data engine (:func:`mastra_data.db.create_engine`), already migrated.
    """

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._insert = sa.insert(SCORES)
        self._get = sa.select(*_COLUMNS).where(_S.id == sa.bindparam("id", type_=sa.Text()))

    # --- plumbing -----------------------------------------------------------------------------

    def _id(self, value: Any, what: str, operation: str) -> str:
        """``value`` is a non-blank string (an id or a filter value)."""
        if not isinstance(value, str) or not value.strip():
            raise Checker(self._store, operation).fail(f"{what} must be a non-empty string, got {value!r}")
        return value

    # --- save / get ---------------------------------------------------------------------------

    def save_score(self, score: ScoreCreate | ScoreRead | Mapping[str, Any]) -> ScoreRead:
        """Validate and insert a score; returns it as stored, with a new ``id`` (UUID4) and
        ``created_at = updated_at = now``.

        ``score`` is a :class:`ScoreCreate`, a :class:`ScoreRead` (its ``id`` and timestamps are not
        kept: a new score is made) or a mapping in either key spelling. Unknown keys are ignored, as
        Mastra's zod schema strips them. JSON fields are stored as their JSON value: tuples become
        lists, non-string nested keys become strings, exactly as a reader will see them. (On
        PostgreSQL a string holding an object's or array's JSON reads back decoded: see ``JSONDoc``.)

        Mastra parity: Mastra's schema makes ``input`` optional, but its column is NOT NULL on
        PostgreSQL (Mastra's PG store fails there with a database error); we require ``input`` and
        ``output`` on both backends. Ids must be non-blank, ``score`` finite, strings free of NUL
        characters (PostgreSQL cannot store them) — zod accepts all of these. ``structured_output`` is
        validated but, having no column, neither stored nor returned.

        Raises:
            ValidationError: id ``…_SAVE_SCORE_VALIDATION_FAILED``; the message names every invalid
                field; details are Mastra's ``{scorer, entityId, entityType, traceId, spanId}``.
        """
        payload = self._validate_score(score)
        values: dict[str, Any] = {name: getattr(payload, name) for name in _STORED}
        for name in _STORED:
            values[name] = self._storable(values[name], name, score, json_field=name in _JSON_FIELDS)
        now = utc_now()
        values.update(id=str(uuid.uuid4()), created_at=now, updated_at=now)
        row = self._backend.row(SCORES, {to_camel(name): value for name, value in values.items()})
        with self._write_statement("SAVE_SCORE", scoreId=values["id"], scorerId=payload.scorer_id) as conn:
            conn.execute(self._insert, row)
        return trusted(ScoreRead, {name: values.get(name) for name in _FIELDS})

    def _validate_score(self, score: Any) -> ScoreCreate:
        if isinstance(score, ScoreCreate):
            return score
        data = score.model_dump() if isinstance(score, ScoreRead) else score
        if not isinstance(data, Mapping):
            raise self._score_invalid(
                score, f"a score must be a mapping or a ScoreCreate, got {type(score).__name__}"
            )
        try:
            return ScoreCreate.model_validate(dict(data))
        except PydanticValidationError as exc:
            raise self._score_invalid(data, f"Invalid score: {_errors(exc)}") from None

    def _storable(self, value: Any, name: str, raw: Any, *, json_field: bool) -> Any:
        """``value`` as the database will give it back: JSON fields round-tripped through their JSON
        text; text that PostgreSQL cannot hold (NUL, lone surrogates) refused on every backend."""
        if value is None:
            return None
        what = to_camel(name)
        if not json_field:
            if isinstance(value, str) and ("\x00" in value or not _encodable(value)):
                raise self._score_invalid(raw, f"Invalid score: {what}: contains NUL or unencodable text")
            return value
        try:
            text = Checker(self._store, "SAVE_SCORE").json(value, what)
        except ValidationError as exc:
            raise self._score_invalid(raw, f"Invalid score: {exc.message}") from None
        if _JSON_NUL.search(text) or not _encodable(text):
            raise self._score_invalid(raw, f"Invalid score: {what}: contains NUL or unencodable text")
        return json.loads(text)

    def _score_invalid(self, raw: Any, message: str) -> ValidationError:
        """Mastra's ``SAVE_SCORE_VALIDATION_FAILED`` error, with its details taken from the raw input."""
        data: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        if isinstance(raw, ScoreCreate | ScoreRead):
            data = raw.model_dump()

        def get(snake: str, camel: str) -> Any:
            return data.get(snake, data.get(camel))

        scorer = data.get("scorer")
        scorer_id = scorer.get("id") if isinstance(scorer, Mapping) else None
        entity_id, entity_type = get("entity_id", "entityId"), get("entity_type", "entityType")
        trace_id, span_id = get("trace_id", "traceId"), get("span_id", "spanId")
        return ValidationError(
            error_id(self._store, "SAVE_SCORE", "VALIDATION_FAILED"),
            message,
            details={
                "scorer": "unknown" if scorer_id is None else str(scorer_id),
                "entityId": "unknown" if entity_id is None else str(entity_id),
                "entityType": "unknown" if entity_type is None else str(entity_type),
                "traceId": "" if trace_id is None else str(trace_id),
                "spanId": "" if span_id is None else str(span_id),
            },
        )

    def get_score_by_id(self, score_id: str) -> ScoreRead | None:
        """The score with this id, or ``None``.

        Raises:
            ValidationError: a blank ``score_id`` (``…_GET_SCORE_BY_ID_INVALID_ARGUMENT``).
        """
        self._id(score_id, "id", "GET_SCORE_BY_ID")
        with self._read("GET_SCORE_BY_ID", scoreId=score_id) as conn:
            row = conn.execute(self._get, {"id": score_id}).first()
        return None if row is None else _score(row)

    # --- lists --------------------------------------------------------------------------------

    def _list(
        self, operation: str, filters: dict[str, str], page: int, per_page: int | Literal[False]
    ) -> ScoresPage:
        """A page of the scores whose columns equal ``filters`` (column name -> value), newest first."""
        paging = paginate(page, per_page, store=self._store, operation=operation)
        limited = paging.limit is not None
        count_query, page_query = _list_queries(tuple(filters), limited)
        params: dict[str, Any] = dict(filters)
        if limited:
            params["lim"], params["off"] = paging.limit, paging.offset
        with self._read(operation, **filters) as conn:
            rows, total = page_and_total(conn, count_query, page_query, params, paging)
        return ScoresPage(
            scores=[_score(r) for r in rows],
            total=total,
            page=paging.page,
            per_page=paging.per_page,
            has_more=paging.has_more(total),
        )

    def list_scores_by_scorer_id(
        self,
        scorer_id: str,
        *,
        entity_id: str | None = None,
        entity_type: str | None = None,
        source: Literal["LIVE", "TEST"] | None = None,
        page: int = 0,
        per_page: int | Literal[False] = 100,
    ) -> ScoresPage:
        """A page of one scorer's scores, newest first; ``entity_id``, ``entity_type`` and ``source``
        narrow it further (ANDed). ``per_page=False`` returns every row.

        Mastra parity: ties on ``created_at`` are ordered by id (descending); Mastra leaves them in
        database order. A blank filter is an error here; Mastra ignores a falsy one.

        Raises:
            ValidationError: blank ids or filters, a ``source`` other than ``"LIVE"``/``"TEST"``
                (``…_INVALID_ARGUMENT``), bad pagination (``…_INVALID_PAGE``).
        """
        operation = "LIST_SCORES_BY_SCORER_ID"
        filters = {"scorerId": self._id(scorer_id, "scorerId", operation)}
        if entity_id is not None:
            filters["entityId"] = self._id(entity_id, "entityId", operation)
        if entity_type is not None:
            filters["entityType"] = self._id(entity_type, "entityType", operation)
        if source is not None:
            if source not in ("LIVE", "TEST"):
                raise Checker(self._store, operation).fail(f"source must be 'LIVE' or 'TEST', got {source!r}")
            filters["source"] = source
        return self._list(operation, filters, page, per_page)

    def list_scores_by_run_id(
        self, run_id: str, *, page: int = 0, per_page: int | Literal[False] = 100
    ) -> ScoresPage:
        """A page of the scores of one run, newest first (ties by id); ``per_page=False`` = all rows.

        Raises:
            ValidationError: a blank ``run_id``, bad pagination (``…_INVALID_PAGE``).
        """
        operation = "LIST_SCORES_BY_RUN_ID"
        return self._list(operation, {"runId": self._id(run_id, "runId", operation)}, page, per_page)

    def list_scores_by_entity_id(
        self,
        entity_id: str,
        *,
        entity_type: str,
        page: int = 0,
        per_page: int | Literal[False] = 100,
    ) -> ScoresPage:
        """A page of the scores of one entity (``entity_id`` and ``entity_type`` both match), newest
        first (ties by id); ``per_page=False`` = all rows.

        Raises:
            ValidationError: a blank ``entity_id``/``entity_type``, bad pagination (``…_INVALID_PAGE``).
        """
        operation = "LIST_SCORES_BY_ENTITY_ID"
        filters = {
            "entityId": self._id(entity_id, "entityId", operation),
            "entityType": self._id(entity_type, "entityType", operation),
        }
        return self._list(operation, filters, page, per_page)

    def list_scores_by_span(
        self, *, trace_id: str, span_id: str, page: int = 0, per_page: int | Literal[False] = 100
    ) -> ScoresPage:
        """A page of the scores attached to one span (``trace_id`` and ``span_id``), newest first (ties by
        id); ``per_page=False`` = all rows. Served by ``mastra_scores_trace_id_span_id_created_at_idx``.

        Raises:
            ValidationError: a blank ``trace_id``/``span_id``, bad pagination (``…_INVALID_PAGE``).
        """
        operation = "LIST_SCORES_BY_SPAN"
        filters = {
            "traceId": self._id(trace_id, "traceId", operation),
            "spanId": self._id(span_id, "spanId", operation),
        }
        return self._list(operation, filters, page, per_page)


def _encodable(text: str) -> bool:
    """``text`` has a UTF-8 form (no lone surrogates), so a database can store it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _errors(exc: PydanticValidationError) -> str:
    """Pydantic's errors as ``field: problem; …`` with Mastra's (camelCase) field names."""
    parts = []
    for error in exc.errors():
        where = ".".join(map(str, error["loc"]))
        problem = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            problem = "required"
        parts.append(f"{where}: {problem}" if where else problem)
    return "; ".join(parts)
