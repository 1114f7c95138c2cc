"""Hostile and broken input, generated with hypothesis, on both backends.

Property of every case: the call either stores and reads back *equal* or raises a
:class:`MastraDataError` subclass, never any other exception. "Equal" follows the documented
normalisation: timestamps are cut to milliseconds and converted to UTC (naive = UTC); on PostgreSQL
JSON documents lose NUL characters and lone surrogates (``jsonb`` cannot hold them) and a top-level
JSON string holding an object's/array's JSON reads back decoded (``JSONDoc``'s docstring).

A ``canary`` table with one row is created first in each database and checked after every test: no
generated text ever ran as SQL.

Examples per target default to a modest number (CI budget); ``MASTRA_DATA_FUZZ_EXAMPLES=1000`` scales
every target up. One migrated database per backend for the module; tables are emptied between examples
where a leftover row could change the outcome.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mastra_data import MastraDataError, Storage

EXAMPLES = int(os.environ.get("MASTRA_DATA_FUZZ_EXAMPLES", "15"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# --- strategies -----------------------------------------------------------------------------------

INJECTIONS = [
    "'; DROP TABLE canary; --",
    '"); DELETE FROM canary; --',
    "x' OR '1'='1",
    "$.a') OR 1=1 --",
    "a\\' --",
    "%_%",
    "$1",
    ":name",
    "?",
    "\x00",
    "\ud800",
    "\udfff",
    "😀",
    "é",
    "",
    " ",
    "a" * 300,
    "metadata->>'x'",
    "json_extract(metadata, '$.x')",
]
NASTY = st.sampled_from(
    ["\x00", "\ud800", "\udc00", "'", '"', ";", "-", "%", "_", "\\", " ", "$", ".", "[", "é", "😀"]
)
TEXT = st.one_of(
    st.text(max_size=20),
    st.sampled_from(INJECTIONS),
    st.text(alphabet=st.one_of(NASTY, st.characters(codec="utf-8")), max_size=12),
    st.text(alphabet=NASTY, max_size=8),
)
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
JSON = st.recursive(
    SCALAR,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)),
    max_leaves=20,
)
OBJECT = st.dictionaries(TEXT, JSON, max_size=5)
OFFSETS = st.sampled_from(
    [
        None,
        UTC,
        timezone(timedelta(hours=14)),
        timezone(timedelta(hours=-12)),
        timezone(timedelta(minutes=330)),
    ]
)
TIMESTAMPS = st.builds(
    lambda dt, tz: dt.replace(tzinfo=tz),
    st.one_of(
        st.datetimes(),  # year 1 to 9999, microseconds included
        st.datetimes(min_value=datetime(1969, 12, 31), max_value=datetime(1970, 1, 2)),
        st.sampled_from([datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999)]),
    ),
    OFFSETS,
)


def deep(depth: int) -> Any:
    value: Any = "leaf"
    for i in range(depth):
        value = {"k": value} if i % 2 else [value]
    return value


# --- normalisation --------------------------------------------------------------------------------


class CollisionError(Exception):
    """Stripping made two keys equal: the expected document is ambiguous."""


def _strip(text: str) -> str:
    # As JSONDoc binds for jsonb: NUL goes first, then pairs held as two code points join into their
    # character and lone halves go.
    text = text.replace("\x00", "").encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")
    return "".join(c for c in text if not 0xD800 <= ord(c) <= 0xDFFF)


def pg_json(value: Any) -> Any:
    """What PostgreSQL's jsonb gives back for ``value`` (NUL and lone surrogates stripped)."""
    if isinstance(value, str):
        return _strip(value)
    if isinstance(value, list):
        return [pg_json(v) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            key = _strip(k)
            if key in out:
                raise CollisionError
            out[key] = pg_json(v)
        return out
    return value


def _numbers(value: Any) -> Any:
    """Numbers as floats: PostgreSQL's jsonb numeric gives an integral float back as an int."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    return value


def same(got: Any, value: Any, backend: str) -> bool:
    """``got`` is what the backend documents for a written ``value`` (CollisionError: ambiguous, accept)."""
    try:
        expected = expected_json(value, backend)
    except CollisionError:
        return True
    return bool(got == expected or _numbers(got) == _numbers(expected))


def _joined_pairs(value: Any) -> Any:
    """A surrogate pair held as two code points reads back as the one character it encodes (JSON's
    ``\ud800\udc00`` escape decodes so, as the same string is in JavaScript): the JSON round trip."""
    return json.loads(json.dumps(value, ensure_ascii=True))


def expected_json(value: Any, backend: str, top: bool = True) -> Any:
    if backend == "libsql":
        return _joined_pairs(value)
    result = pg_json(value)
    if top and isinstance(result, str):
        try:
            decoded = json.loads(result)
        except ValueError:
            return result
        if isinstance(decoded, dict | list):
            return decoded
    return result


def ms_utc(value: datetime) -> datetime:
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond - value.microsecond % 1000)


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=("libsql", "postgres"))
def fz(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, module_database: Any
) -> Iterator[tuple[str, Storage]]:
    """(backend, migrated Storage) shared by the module, with the canary table in place."""
    with module_database(request, tmp_path_factory, "fuzz") as url, Storage.from_url(url) as storage:
        storage.migrate()
        with storage.engine_for("memory").begin() as conn:
            conn.execute(sa.text("CREATE TABLE canary (x INTEGER)"))
            conn.execute(sa.text("INSERT INTO canary (x) VALUES (42)"))
        yield str(request.param), storage


@pytest.fixture
def db(fz: tuple[str, Storage]) -> Iterator[tuple[str, Storage]]:
    """The module database; after the test, the canary must still hold its one row."""
    yield fz
    with fz[1].engine_for("memory").connect() as conn:
        assert conn.execute(sa.text("SELECT x FROM canary")).scalars().all() == [42]


def wipe(storage: Storage, *tables: str) -> None:
    with storage.engine_for("memory").begin() as conn:
        for table in tables:
            conn.execute(sa.text(f"DELETE FROM {table}"))


# --- memory ---------------------------------------------------------------------------------------


@FUZZ
@given(tid=TEXT, rid=TEXT, title=TEXT, metadata=OBJECT, created=TIMESTAMPS)
def test_thread_round_trip(
    db: tuple[str, Storage], tid: str, rid: str, title: str, metadata: dict[str, Any], created: datetime
) -> None:
    backend, storage = db
    try:
        saved = storage.memory.save_thread(
            {"id": tid, "resource_id": rid, "title": title, "metadata": metadata, "created_at": created}
        )
        got = storage.memory.get_thread_by_id(tid)
    except MastraDataError:
        return
    assert got is not None
    assert (got.id, got.resource_id, got.title) == (tid, rid, title)
    assert got.created_at == ms_utc(created) == saved.created_at
    assert same(got.metadata, metadata, backend)


@FUZZ
@given(rid=TEXT, key=TEXT, value=JSON, others=OBJECT)
def test_list_threads_metadata_filter(
    db: tuple[str, Storage], rid: str, key: str, value: Any, others: dict[str, Any]
) -> None:
    _backend, storage = db
    wipe(storage, "mastra_messages", "mastra_threads")
    metadata = {**others, key: value}
    try:
        storage.memory.save_thread({"id": "t-filter", "resource_id": rid or "r", "metadata": metadata})
        page = storage.memory.list_threads(resource_id=rid or "r", metadata={key: value})
    except MastraDataError:
        return
    # The filter may match or not (documented equality of JSON values differs for floats, nested
    # documents, stripped characters); what matters is a typed result and only our thread in it.
    assert {t.id for t in page.threads} <= {"t-filter"}


@FUZZ
@given(
    mids=st.lists(TEXT, min_size=1, max_size=4, unique=True),
    rid=TEXT,
    content=st.one_of(TEXT, OBJECT),
    role=st.one_of(st.sampled_from(["user", "assistant", "system", "tool"]), TEXT),
    created=TIMESTAMPS,
)
def test_messages_round_trip(
    db: tuple[str, Storage], mids: list[str], rid: str, content: Any, role: str, created: datetime
) -> None:
    _backend, storage = db
    wipe(storage, "mastra_messages", "mastra_threads")
    memory = storage.memory
    try:
        memory.save_thread({"id": "t-msg", "resource_id": rid or "r"})
        memory.save_messages(
            [
                {
                    "id": mid,
                    "thread_id": "t-msg",
                    "resource_id": rid or "r",
                    "role": role,
                    "content": content,
                    "created_at": created + timedelta(milliseconds=i),
                }
                for i, mid in enumerate(mids)
            ]
        )
        page = memory.list_messages("t-msg", per_page=False)
    except MastraDataError:
        return
    except OverflowError:
        # created + i ms overflowed datetime.max in the test itself, before any call: not a finding.
        if created.replace(tzinfo=None) > datetime.max - timedelta(days=1):
            return
        raise
    assert {m.id for m in page.messages} == set(mids)
    for m in page.messages:
        assert m.role == role
        assert m.resource_id == (rid or "r")
        assert m.created_at == ms_utc(created + timedelta(milliseconds=mids.index(m.id)))


@FUZZ
@given(rid=TEXT, working_memory=st.one_of(st.none(), TEXT), metadata=st.one_of(st.none(), OBJECT))
def test_update_resource_round_trip(
    db: tuple[str, Storage], rid: str, working_memory: str | None, metadata: dict[str, Any] | None
) -> None:
    backend, storage = db
    wipe(storage, "mastra_resources")
    try:
        storage.memory.update_resource(rid, working_memory=working_memory, metadata=metadata)
        got = storage.memory.get_resource_by_id(rid)
    except MastraDataError:
        return
    assert got is not None
    assert got.id == rid
    if working_memory is not None:
        assert got.working_memory == working_memory
    if metadata is not None:
        assert same(got.metadata, metadata, backend)


# --- workflows ------------------------------------------------------------------------------------


@FUZZ
@given(name=TEXT, run=TEXT, snapshot=OBJECT, created=st.one_of(st.none(), TIMESTAMPS))
def test_workflow_snapshot_round_trip(
    db: tuple[str, Storage], name: str, run: str, snapshot: dict[str, Any], created: datetime | None
) -> None:
    backend, storage = db
    try:
        storage.workflows.persist_workflow_snapshot(
            workflow_name=name, run_id=run, snapshot=snapshot, created_at=created
        )
        got = storage.workflows.load_workflow_snapshot(workflow_name=name, run_id=run)
    except MastraDataError:
        return
    assert same(got, snapshot, backend)


@pytest.mark.parametrize(
    "snapshot",
    [
        pytest.param({"big": "x" * (20 * 1024 * 1024)}, id="20MB"),
        pytest.param({"deep": deep(500)}, id="depth-500"),
        pytest.param({"nul\x00key": "a\x00b", "lone": "\ud800", "ok": "é😀"}, id="nul-surrogate"),
    ],
)
def test_workflow_snapshot_explicit(db: tuple[str, Storage], snapshot: dict[str, Any]) -> None:
    backend, storage = db
    try:
        storage.workflows.persist_workflow_snapshot(workflow_name="wf", run_id="explicit", snapshot=snapshot)
        got = storage.workflows.load_workflow_snapshot(workflow_name="wf", run_id="explicit")
    except MastraDataError:
        return
    assert got == expected_json(snapshot, backend)
    wipe(storage, "mastra_workflow_snapshot")


def test_workflow_snapshot_too_deep(db: tuple[str, Storage]) -> None:
    """Nesting deeper than Python's recursion limit: stored whole, or a typed error."""
    _, storage = db
    try:
        storage.workflows.persist_workflow_snapshot(
            workflow_name="wf", run_id="deep", snapshot={"d": deep(5000)}
        )
        got = storage.workflows.load_workflow_snapshot(workflow_name="wf", run_id="deep")
    except MastraDataError:
        return
    assert got is not None
    node, depth = got["d"], 0
    while not isinstance(node, str):
        node, depth = (node["k"] if isinstance(node, dict) else node[0]), depth + 1
    assert (node, depth) == ("leaf", 5000)


# --- scores, observability, agents ----------------------------------------------------------------


@FUZZ
@given(
    entity_id=TEXT, run_id=TEXT, scorer_id=TEXT, value=st.floats(allow_nan=False), payload=JSON, extra=OBJECT
)
def test_score_round_trip(
    db: tuple[str, Storage],
    entity_id: str,
    run_id: str,
    scorer_id: str,
    value: float,
    payload: Any,
    extra: dict[str, Any],
) -> None:
    backend, storage = db
    try:
        saved = storage.scores.save_score(
            {
                "scorer_id": scorer_id,
                "entity_id": entity_id,
                "run_id": run_id,
                "input": payload,
                "output": payload,
                "score": value,
                "scorer": extra,
                "source": "LIVE",
                "entity": extra,
            }
        )
        got = storage.scores.get_score_by_id(saved.id)
    except MastraDataError:
        return
    assert got is not None
    assert (got.entity_id, got.run_id, got.scorer_id) == (entity_id, run_id, scorer_id)
    assert got.score == pytest.approx(value) or got.score == value
    assert same(got.scorer, extra, backend)


@FUZZ
@given(trace=TEXT, span=TEXT, name=TEXT, attributes=OBJECT, started=TIMESTAMPS)
def test_span_round_trip(
    db: tuple[str, Storage], trace: str, span: str, name: str, attributes: dict[str, Any], started: datetime
) -> None:
    backend, storage = db
    wipe(storage, "mastra_ai_spans")
    try:
        storage.observability.create_span(
            {
                "trace_id": trace,
                "span_id": span,
                "name": name,
                "span_type": "generic",
                "is_event": False,
                "started_at": started,
                "attributes": attributes,
            }
        )
        got = storage.observability.get_span(trace_id=trace, span_id=span)
    except MastraDataError:
        return
    assert got is not None
    assert (got.trace_id, got.span_id, got.name) == (trace, span, name)
    assert got.started_at == ms_utc(started)
    assert same(got.attributes, attributes, backend)


@FUZZ
@given(agent_id=TEXT, name=TEXT, instructions=TEXT, metadata=OBJECT)
def test_agent_round_trip(
    db: tuple[str, Storage], agent_id: str, name: str, instructions: str, metadata: dict[str, Any]
) -> None:
    backend, storage = db
    wipe(storage, "mastra_agents")
    try:
        storage.agents.create_agent(
            {
                "id": agent_id,
                "name": name,
                "instructions": instructions,
                "model": {"provider": "x"},
                "metadata": metadata,
            }
        )
        got = storage.agents.get_agent_by_id(agent_id)
    except MastraDataError:
        return
    assert got is not None
    assert (got.id, got.name, got.instructions) == (agent_id, name, instructions)
    assert same(got.metadata, metadata, backend)


# --- vectors --------------------------------------------------------------------------------------

FIELD = st.one_of(TEXT, st.sampled_from(["a", "a.b", "tags", "n", "$and", "$x", "a[0]", "a'b"]))
OPS = st.sampled_from(
    [
        "$eq",
        "$ne",
        "$gt",
        "$gte",
        "$lt",
        "$lte",
        "$in",
        "$nin",
        "$exists",
        "$contains",
        "$regex",
        "$size",
        "$all",
        "$elemMatch",
        "$not",
        "$bogus",
        "$options",
    ]
)
CONDITION = st.one_of(JSON, st.dictionaries(OPS, JSON, min_size=1, max_size=2))
FILTERS = st.recursive(
    st.dictionaries(FIELD, CONDITION, min_size=1, max_size=2),
    lambda children: st.one_of(
        st.builds(lambda xs: {"$and": xs}, st.lists(children, max_size=3)),
        st.builds(lambda xs: {"$or": xs}, st.lists(children, max_size=3)),
        st.builds(lambda xs: {"$nor": xs}, st.lists(children, max_size=3)),
        st.builds(lambda x: {"$not": x}, children),
        st.dictionaries(FIELD, children, min_size=1, max_size=1),
    ),
    max_leaves=8,
)


@pytest.fixture(scope="module")
def vector_index(fz: tuple[str, Storage]) -> str:
    storage = fz[1]
    # Flat (exact) search: the round trip checks what is stored, not how well an ANN index ranks ties.
    storage.vectors.create_index("fuzz_idx", 3, index_config={"type": "flat"})
    storage.vectors.upsert(
        "fuzz_idx",
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        ids=["v1", "v2", "v3"],
        metadata=[{"a": 1, "tags": ["x", "y"], "n": None}, {"a": "s", "b": {"c": 2.5}}, {}],
    )
    return "fuzz_idx"


@FUZZ
@given(flt=FILTERS)
def test_vector_query_filters(db: tuple[str, Storage], vector_index: str, flt: dict[str, Any]) -> None:
    _, storage = db
    try:
        hits = storage.vectors.query(vector_index, [1.0, 1.0, 1.0], top_k=5, filter=flt)
    except MastraDataError:
        return
    assert {h.id for h in hits} <= {"v1", "v2", "v3"}


@FUZZ
@given(vid=TEXT, metadata=OBJECT)
def test_vector_metadata_round_trip(
    db: tuple[str, Storage], vector_index: str, vid: str, metadata: dict[str, Any]
) -> None:
    backend, storage = db
    try:
        storage.vectors.upsert(vector_index, [[0.5, 0.5, 0.0]], ids=[vid], metadata=[metadata])
        hits = storage.vectors.query(vector_index, [0.5, 0.5, 0.0], top_k=100)
    except MastraDataError:
        return
    with contextlib.suppress(MastraDataError):
        storage.vectors.delete_vector(vector_index, vid)
    mine = [h for h in hits if h.id == vid]
    assert len(mine) == 1
    assert same(mine[0].metadata, metadata, backend)


@FUZZ
@given(name=TEXT, dimension=st.integers(min_value=-2, max_value=5))
def test_vector_index_names(db: tuple[str, Storage], name: str, dimension: int) -> None:
    _, storage = db
    vectors = storage.vectors
    try:
        vectors.create_index(name, dimension)
    except MastraDataError:
        return
    try:
        assert name in vectors.list_indexes()
        vectors.upsert(name, [[1.0] * dimension], ids=["only"])
        assert [h.id for h in vectors.query(name, [1.0] * dimension, top_k=1)] == ["only"]
    finally:
        vectors.delete_index(name)
