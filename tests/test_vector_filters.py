"""The vector metadata filter language: parsing, the Python evaluator, and SQL == Python on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Engine

from mastra_data import Storage
from mastra_data.db.types import JSONDoc
from mastra_data.errors import ErrorDomain, ValidationError
from mastra_data.vectors import compile_filter, matches, parse_filter
from mastra_data.vectors.filters import FILTER_INVALID, Compare, Field, InList, Logical

# ------------------------------------------------------------------------------------------ parsing


def _invalid(obj: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        parse_filter(obj)
    assert info.value.id == FILTER_INVALID
    assert info.value.domain == ErrorDomain.MASTRA_VECTOR
    return info.value


def test_empty_filter_matches_all() -> None:
    assert parse_filter(None) is None
    assert parse_filter({}) is None
    assert matches(None, {"a": 1})


def test_implicit_eq_in_and_flattening() -> None:
    assert parse_filter({"a": 1}) == Field(("a",), (Compare("$eq", 1),))
    assert parse_filter({"a": [1, "x"]}) == Field(("a",), (InList((1, "x")),))
    assert parse_filter({"a": {"b": {"c": True}}}) == Field(("a", "b", "c"), (Compare("$eq", True),))
    assert parse_filter({"a.b": {"$gt": 1}}) == Field(("a", "b"), (Compare("$gt", 1),))
    tree = parse_filter({"a": 1, "b": 2})
    assert isinstance(tree, Logical)
    assert tree.op == "$and"
    assert len(tree.children) == 2


def test_datetime_and_negative_zero_values() -> None:
    when = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert parse_filter({"at": when}) == Field(("at",), (Compare("$eq", "2025-01-02T03:04:05.678Z"),))
    tree = parse_filter({"x": -0.0})
    assert isinstance(tree, Field)
    assert str(tree.conditions[0]) == str(Compare("$eq", 0.0))


@pytest.mark.parametrize(
    "obj",
    [
        {"a": {"$foo": 1}},
        {"$foo": 1},
        {"$gt": 1},
        {"a": {"$and": [{"b": 1}]}},
        {"a": {"$options": "i", "$regex": "x"}},
        {"x; DROP TABLE t": 1},
        {"a'b": 1},
        {'a"b': 1},
        {"a.b'); --": 1},
        {"métadonnée": 1},
        {"a..b": 1},
        {".a": 1},
        {"1a": 1},
        {"": 1},
        {"a b": 1},
        {"$": 1},
        {".".join(["a"] * 9): 1},
        {"a" * 257: 1},
        {1: 1},
        {"a": {}},
        {"a": {"$gt": 1, "b": 2}},
        {"a": {"$in": 1}},
        {"a": {"$nin": "x"}},
        {"a": {"$all": {"x": 1}}},
        {"a": {"$in": [[1]]}},
        {"a": {"$in": [{"x": 1}]}},
        {"a": {"$eq": [1, 2]}},
        {"a": {"$ne": {"x": 1}}},
        {"a": {"$gt": None}},
        {"a": {"$gt": True}},
        {"a": {"$lt": [1]}},
        {"a": {"$size": -1}},
        {"a": {"$size": 1.0}},
        {"a": {"$size": True}},
        {"a": {"$size": "2"}},
        {"a": {"$exists": 1}},
        {"a": {"$exists": "true"}},
        {"a": {"$regex": 1}},
        {"a": {"$regex": "("}},
        {"a": {"$regex": "x" * 1025}},
        {"a": {"$not": {}}},
        {"a": {"$not": 1}},
        {"a": {"$not": {"b": 1}}},
        {"a": {"$elemMatch": {}}},
        {"a": {"$elemMatch": [1]}},
        {"a": {"$elemMatch": {"$gt": 1, "b": 1}}},
        {"$and": {"a": 1}},
        {"$or": [1]},
        {"$or": [{"$gt": 1}]},
        {"$not": {}},
        {"$not": [{"a": 1}]},
        {"a": float("nan")},
        {"a": float("inf")},
        {"a": "nul\x00byte"},
        {"a": "\ud800"},
        {"a": object()},
        {"a": {"$contains": {"x": 1}}},
        {"a": {"$contains": [[1]]}},
        [{"a": 1}],
        "a = 1",
    ],
)
def test_invalid_filters_are_refused(obj: Any) -> None:
    _invalid(obj)


def test_error_message_names_the_problem() -> None:
    assert "unsupported operator: '$foo'" in _invalid({"a": {"$foo": 1}}).message
    assert "invalid top-level operator" in _invalid({"$eq": 1}).message
    assert "cannot be used at field level" in _invalid({"a": {"$or": []}}).message
    long_key = "x; DROP TABLE t" + "y" * 500
    assert len(_invalid({long_key: 1}).message) < 200


def test_unicode_values_are_fine() -> None:
    tree = parse_filter({"name": "żółć 🐍", "a": {"$in": ["'; DROP TABLE t; --", 'quote"s']}})
    assert matches(tree, {"name": "żółć 🐍", "a": 'quote"s'})
    assert not matches(tree, {"name": "zolc", "a": 'quote"s'})


def _nested(depth: int) -> dict[str, Any]:
    obj: dict[str, Any] = {"a": 1}
    for _ in range(depth):
        obj = {"$and": [obj]}
    return obj


def test_depth_and_size_are_bounded() -> None:
    assert parse_filter(_nested(10)) is not None
    assert "deeper" in _invalid(_nested(40)).message
    assert "nodes" in _invalid({"a": {"$in": list(range(20_000))}}).message
    assert "nodes" in _invalid({"$or": [{"a": i} for i in range(6_000)]}).message


def test_elem_match_with_not_and_logical_sub_filters() -> None:
    ops = parse_filter({"a": {"$elemMatch": {"$not": {"$gt": 3}}}})
    assert matches(ops, {"a": [5, 1]})
    assert not matches(ops, {"a": [5, 7]})
    sub = parse_filter({"a": {"$elemMatch": {"$or": [{"x": 1}, {"y": 2}]}}})
    assert matches(sub, {"a": [{"y": 2}]})
    assert not matches(sub, {"a": [{"y": 3}, 2]})
    negated = parse_filter({"a": {"$elemMatch": {"$not": {"x": 1}}}})
    assert matches(negated, {"a": [{"x": 1}, {"x": 2}]})
    assert not matches(negated, {"a": [{"x": 1}, 3]})


# ---------------------------------------------------------------------------------------- evaluator

DOCS: dict[str, dict[str, Any]] = {
    "a": {"name": "a", "price": 100, "tags": ["new", "premium"], "nested": {"level": 1}, "nullable": None},
    "b": {"price": 50, "tags": ["used"], "nested": {"level": 2}},
    "c": {"price": 75, "active": False, "category": "Electronics"},
    "d": {"price": 25, "tags": ["used", "sale"], "reviews": [{"score": 5}, {"score": 2}], "n": "3"},
    "e": {"price": 12.5, "tags": [], "n": 3, "flag": True, "one": 1},
}


def _select(filter_obj: dict[str, Any]) -> set[str]:
    tree = parse_filter(filter_obj)
    return {key for key, doc in DOCS.items() if matches(tree, doc)}


# The reference set (spec §5.4 "verified libsql behaviour") plus the DESIGN §4 rules; shared with the
# SQL test below so both backends are held to the same answers.
CASES: list[tuple[dict[str, Any], set[str]]] = [
    ({"tags": {"$in": ["sale", "premium"]}}, {"a", "d"}),
    ({"tags": ["sale", "premium"]}, {"a", "d"}),
    ({"tags": {"$all": ["used", "sale"]}}, {"d"}),
    ({"tags": {"$all": []}}, set()),
    ({"nested.level": 2}, {"b"}),
    ({"nested": {"level": 1}}, {"a"}),
    ({"price": {"$not": {"$gt": 60}}}, {"b", "d", "e"}),
    ({"reviews": {"$elemMatch": {"score": {"$gt": 4}}}}, {"d"}),
    ({"reviews": {"$elemMatch": {"score": {"$gt": 4, "$lt": 5}}}}, set()),
    ({"tags": {"$size": 2}}, {"a", "d"}),
    ({"tags": {"$size": 0}}, {"e"}),
    ({"category": {"$contains": "ELEC"}}, {"c"}),
    ({"tags": {"$contains": "sale"}}, {"d"}),
    ({"tags": {"$contains": ["used", "sale"]}}, {"d"}),
    ({"tags": {"$contains": []}}, {"a", "b", "d", "e"}),
    ({"nullable": None}, {"a", "b", "c", "d", "e"}),
    ({"nullable": {"$ne": None}}, set()),
    # type-strict: "3" is not 3, true is not 1
    ({"n": 3}, {"e"}),
    ({"n": "3"}, {"d"}),
    ({"n": {"$gt": 2}}, {"e"}),
    ({"n": {"$gt": "2"}}, {"d"}),
    ({"flag": 1}, set()),
    ({"one": True}, set()),
    ({"one": 1.0}, {"e"}),
    # $exists: false matches documents without the key
    ({"tags": {"$exists": False}}, {"c"}),
    ({"nullable": {"$exists": True}}, {"a"}),
    # several operators on one field are ANDed
    ({"price": {"$gt": 20, "$lt": 60}}, {"b", "d"}),
    ({"price": {"$gte": 50, "$lte": 75}}, {"b", "c"}),
    # a multi-key object inside $or/$nor is the AND of its keys
    ({"$or": [{"price": 100, "name": "b"}, {"price": 50}]}, {"b"}),
    ({"$nor": [{"price": 100, "name": "a"}, {"price": 50}]}, {"c", "d", "e"}),
    ({"$and": []}, {"a", "b", "c", "d", "e"}),
    ({"$or": []}, set()),
    ({"$nor": []}, {"a", "b", "c", "d", "e"}),
    ({"$not": {"price": {"$gt": 60}, "name": "a"}}, {"b", "c", "d", "e"}),
    # the array rule: $ne/$nin are NOT $eq/$in
    ({"tags": "used"}, {"b", "d"}),
    ({"tags": {"$ne": "used"}}, {"a", "c", "e"}),
    ({"tags": {"$nin": ["used", "new"]}}, {"c", "e"}),
    ({"tags": {"$in": []}}, set()),
    ({"tags": {"$nin": []}}, {"a", "b", "c", "d", "e"}),
    ({"tags": {"$gt": "sale"}}, {"d", "b"}),
    ({"tags": {"$not": {"$size": 1}}}, {"a", "c", "d", "e"}),
    ({"price": {"$lt": "z"}}, set()),
    ({"reviews": {"$elemMatch": {"$not": {"score": 5}}}}, {"d"}),
    ({"reviews": {"$elemMatch": {"score": {"$exists": False}}}}, set()),
]


@pytest.mark.parametrize(("filter_obj", "expected"), CASES)
def test_evaluator(filter_obj: dict[str, Any], expected: set[str]) -> None:
    assert _select(filter_obj) == expected


def test_evaluator_regex_and_contains_details() -> None:
    assert _select({"category": {"$regex": "^Elec"}}) == {"c"}
    assert _select({"tags": {"$regex": "^pre"}}) == {"a"}
    assert _select({"category": {"$regex": "^elec"}}) == set()
    assert matches(parse_filter({"s": {"$contains": ""}}), {"s": "anything"})
    # ASCII-only case folding, so both backends agree
    assert not matches(parse_filter({"s": {"$contains": "é"}}), {"s": "É"})
    assert matches(parse_filter({"s": {"$contains": 2}}), {"s": [1, 2]})
    assert not matches(parse_filter({"s": {"$contains": 2}}), {"s": "2"})


def test_paths_do_not_walk_into_arrays_and_null_metadata_is_empty() -> None:
    tree = parse_filter({"a.b": 1})
    assert matches(tree, {"a": {"b": 1}})
    assert not matches(tree, {"a": [{"b": 1}]})
    assert not matches(tree, {"a": "b"})
    assert matches(parse_filter({"a": {"$exists": False}}), None)


# --------------------------------------------------------------------------------------------- SQL


@pytest.fixture
def docs_table(engine: Engine) -> Iterator[sa.Table]:
    md = sa.MetaData()
    table = sa.Table(
        "filter_docs",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("metadata", JSONDoc()),
    )
    md.create_all(engine)
    yield table
    md.drop_all(engine)


def _store(engine: Engine, table: sa.Table, docs: list[dict[str, Any] | None]) -> None:
    with engine.begin() as conn:
        conn.execute(table.delete())
        if docs:
            conn.execute(table.insert(), [{"id": i, "metadata": doc} for i, doc in enumerate(docs)])


def _sql_ids(engine: Engine, table: sa.Table, tree: Any) -> set[int]:
    with engine.connect() as conn:
        query = sa.select(table.c.id).where(compile_filter(tree, table.c.metadata))
        return set(conn.execute(query).scalars())


def test_sql_reference_cases(engine: Engine, docs_table: sa.Table) -> None:
    keys = sorted(DOCS)
    _store(engine, docs_table, [DOCS[k] for k in keys])
    for filter_obj, expected in CASES:
        got = {keys[i] for i in _sql_ids(engine, docs_table, parse_filter(filter_obj))}
        assert got == expected, filter_obj


def test_sql_regex(engine: Engine, docs_table: sa.Table, backend: str) -> None:
    keys = sorted(DOCS)
    _store(engine, docs_table, [DOCS[k] for k in keys])
    tree = parse_filter({"tags": {"$regex": "^pre"}})
    if backend == "libsql":
        with pytest.raises(ValidationError, match="not supported on libSQL") as info:
            _sql_ids(engine, docs_table, tree)
        assert info.value.id == FILTER_INVALID
    else:
        assert {keys[i] for i in _sql_ids(engine, docs_table, tree)} == {"a"}


def test_sql_values_are_bound(engine: Engine, docs_table: sa.Table) -> None:
    evil = "'; DROP TABLE filter_docs; --"
    tree = parse_filter({"a": evil, "b": {"$contains": evil}, "c": {"$gt": evil}})
    sql = str(compile_filter(tree, docs_table.c.metadata).compile(engine))
    assert "DROP" not in sql
    _store(engine, docs_table, [{"a": evil, "b": evil.upper(), "c": "~"}])
    assert _sql_ids(engine, docs_table, tree) == {0}


def test_sql_null_metadata_is_empty_document(engine: Engine, docs_table: sa.Table) -> None:
    _store(engine, docs_table, [None, {"a": 1}])
    assert _sql_ids(engine, docs_table, parse_filter({"a": {"$exists": False}})) == {0}
    assert _sql_ids(engine, docs_table, parse_filter({"a": {"$ne": 1}})) == {0}
    assert _sql_ids(engine, docs_table, None) == {0, 1}


def test_other_dialects_are_refused() -> None:
    tree = parse_filter({"a": 1})
    clause = compile_filter(tree, sa.column("metadata"))
    with pytest.raises(NotImplementedError):
        str(clause.compile(dialect=mysql.dialect()))


# ------------------------------------------------------------------------------- differential test

KEYS = ("a", "b", "c")
PATHS = ("a", "b", "c", "a.x", "a.y", "b.x", "a.x.y")
_text = st.text(alphabet="aAbB_é", max_size=3)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0.5, -1.5, 2.0, 1e16, -0.0]),
    st.floats(-10, 10, allow_nan=False, allow_infinity=False, width=32),
    _text,
)
_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(("x", "y")), inner, max_size=2)
    ),
    max_leaves=6,
)
_docs = st.one_of(st.none(), st.dictionaries(st.sampled_from(KEYS), _json, max_size=3))
_order_values = st.one_of(st.integers(-3, 3), st.sampled_from([0.5, -1.5, 2.0]), _text)
_regexes = st.sampled_from(["a", "^a", "b$", "^$", "a.b", "[ab]", "A|_", "(ab)+", "^.?$", "é"])


def _conditions(allow_regex: bool) -> st.SearchStrategy[dict[str, Any]]:
    leaf = st.one_of(
        st.tuples(st.sampled_from(["$eq", "$ne"]), _scalars),
        st.tuples(st.sampled_from(["$gt", "$gte", "$lt", "$lte"]), _order_values),
        st.tuples(st.sampled_from(["$in", "$nin", "$all"]), st.lists(_scalars, max_size=3)),
        st.tuples(st.just("$exists"), st.booleans()),
        st.tuples(st.just("$size"), st.integers(0, 3)),
        st.tuples(st.just("$contains"), st.one_of(_scalars, st.lists(_scalars, max_size=2))),
        *([st.tuples(st.just("$regex"), _regexes)] if allow_regex else []),
    )
    ops = st.lists(leaf, min_size=1, max_size=2, unique_by=lambda t: t[0]).map(dict)

    def extend(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        return st.one_of(
            inner.map(lambda c: {"$not": c}),
            inner.map(lambda c: {"$elemMatch": c}),
            st.tuples(st.sampled_from(("x", "y")), inner).map(lambda kc: {"$elemMatch": {kc[0]: kc[1]}}),
        )

    return st.recursive(ops, extend, max_leaves=3)


def _filters(allow_regex: bool) -> st.SearchStrategy[dict[str, Any]]:
    conditions = _conditions(allow_regex)
    field = st.one_of(
        st.tuples(st.sampled_from(PATHS), conditions).map(lambda pc: {pc[0]: pc[1]}),
        st.tuples(st.sampled_from(PATHS), _scalars).map(lambda pv: {pv[0]: pv[1]}),
        st.tuples(st.sampled_from(PATHS), st.lists(_scalars, max_size=2)).map(lambda pv: {pv[0]: pv[1]}),
    )
    base = st.lists(field, min_size=1, max_size=2).map(lambda fs: {k: v for f in fs for k, v in f.items()})

    def extend(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        return st.one_of(
            st.tuples(st.sampled_from(["$and", "$or", "$nor"]), st.lists(inner, max_size=3)).map(
                lambda oc: {oc[0]: oc[1]}
            ),
            inner.map(lambda f: {"$not": f}),
        )

    return st.recursive(base, extend, max_leaves=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_sql_matches_python(engine: Engine, docs_table: sa.Table, backend: str, data: st.DataObject) -> None:
    docs = data.draw(st.lists(_docs, max_size=6), label="docs")
    filters = data.draw(st.lists(_filters(backend != "libsql"), min_size=1, max_size=3), label="filters")
    _store(engine, docs_table, docs)
    for filter_obj in filters:
        tree = parse_filter(filter_obj)
        expected = {i for i, doc in enumerate(docs) if matches(tree, doc)}
        assert _sql_ids(engine, docs_table, tree) == expected, filter_obj


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_query_with_a_pinned_indexed_key_matches_python(
    storage: Storage, backend: str, data: st.DataObject
) -> None:
    """VectorStore.query answers a filter that pins an indexed key to a string from the key's indexes
    (an exact index-shaped condition replaces the pinned one; on libSQL, values that read like JSON
    keep the generic SQL behind a prefilter); the answer must stay exactly the filter language's
    (arrays holding the value, other types, keys missing)."""
    vectors = storage.vectors
    if "pin" not in vectors.list_indexes():
        vectors.create_index("pin", 2)
        vectors.index_metadata("pin", "a")
    vectors.truncate_index("pin")
    docs = [doc or {} for doc in data.draw(st.lists(_docs, min_size=1, max_size=6), label="docs")]
    value = data.draw(_text, label="value")
    rest = data.draw(_filters(backend != "libsql"), label="rest")
    flt = data.draw(st.sampled_from([{"a": value}, {"$and": [{"a": {"$eq": value}}, rest]}]), label="filter")
    ids = [str(i) for i in range(len(docs))]
    vectors.upsert("pin", [[1.0, float(i)] for i in range(len(docs))], metadata=docs, ids=ids)
    tree = parse_filter(flt)
    expected = {ids[i] for i, doc in enumerate(docs) if matches(tree, doc)}
    assert {h.id for h in vectors.query("pin", [1.0, 0.0], top_k=len(docs), filter=flt)} == expected


@pytest.mark.parametrize("value", ["t", "[1]", '{"a":1}', '["t"]', "1", "true", ""], ids=lambda v: repr(v))
def test_pinned_values_that_read_like_json_match_python(storage: Storage, value: str) -> None:
    """Pinned values that are the JSON text of other documents' arrays, objects, numbers or booleans
    match only the string itself or arrays holding it (one level deep), as the evaluator says."""
    vectors = storage.vectors
    vectors.create_index("pinjson", 2)
    vectors.index_metadata("pinjson", "a")
    docs: list[dict[str, Any]] = [
        {"a": "t"},
        {"a": ["t"]},
        {"a": [["t"]]},
        {"a": "[1]"},
        {"a": [1]},
        {"a": {"a": 1}},
        {"a": '{"a":1}'},
        {"a": '["t"]'},
        {"a": 1},
        {"a": "1"},
        {"a": True},
        {"a": "true"},
        {"a": ""},
        {"a": [""]},
        {"b": "t"},
    ]
    ids = [str(i) for i in range(len(docs))]
    vectors.upsert("pinjson", [[1.0, float(i)] for i in range(len(docs))], metadata=docs, ids=ids)
    for flt in ({"a": value}, {"a": {"$eq": value}, "b": {"$exists": False}}):
        tree = parse_filter(flt)
        expected = {ids[i] for i, doc in enumerate(docs) if matches(tree, doc)}
        hits = vectors.query("pinjson", [1.0, 0.0], top_k=len(docs), filter=flt)
        assert {h.id for h in hits} == expected, flt
