"""The Mongo-style metadata filter language of the vector store (spec §5.4, DESIGN §4).

Three public functions:

* :func:`parse_filter` validates a filter dict and turns it into an immutable tree (:data:`Filter`).
* :func:`matches` evaluates a tree against one metadata document in pure Python.
* :func:`compile_filter` turns a tree into a SQL boolean for a JSON metadata column (libSQL/SQLite
  ``TEXT`` holding JSON, PostgreSQL ``JSONB``); the SQL gives the same answer as :func:`matches`.

Semantics (MongoDB's, where Mastra's two stores disagree or err; Mastra's where they agree):

* A filter is an object; its keys are ANDed. ``{}``/``None`` matches everything.
* Field keys are dot paths of identifier segments (``^[A-Za-z_][A-Za-z0-9_]*$``, at most 8 segments and
  256 characters). Paths walk through nested **objects only**; an array on the way means "missing"
  (both Mastra stores do this; MongoDB would also look inside arrays of objects).
* A nested plain object is flattened to dot paths (``{"a": {"b": 1}}`` is ``{"a.b": 1}``) as in both
  Mastra stores; MongoDB would compare the whole embedded document instead.
* A bare scalar means ``$eq``; a bare array means ``$in`` (both Mastra stores; MongoDB would compare with
  the whole array). Datetimes become JS ``toISOString()`` strings, as in Mastra.
* Comparison values are JSON scalars (``str``, ``int``, ``float``, ``bool``, ``None``); comparing with a
  whole array or object is refused (Mastra's stores disagree on it and neither implements MongoDB's deep
  equality). Numbers are finite; strings are valid Unicode without NUL (PostgreSQL cannot store NUL).
  Integers beyond ±2**53 may compare inexactly on libSQL, which reads large JSON integers as REAL.
* Values compare type-strictly: ``"3"`` is not ``3``, ``true`` is not ``1``; ``1`` equals ``1.0``.
  ``$gt/$gte/$lt/$lte`` take a number or a string and are false against any other type; strings compare
  by code point (binary UTF-8 order, MongoDB's default), never by a locale collation.
* Array rule (MongoDB): ``$eq``, ``$in``, ``$gt``…, ``$regex`` match when the value itself or any element
  of an array value matches (one level deep). ``$ne``/``$nin`` are exactly ``NOT $eq``/``NOT $in``, so
  ``{"tags": {"$ne": "x"}}`` is false when ``"x"`` is one of the tags, and true when the key is missing.
* ``$eq: None`` matches an explicit ``null``, a missing key, or an array holding ``null``.
* ``$in: []`` matches nothing, ``$nin: []`` everything. ``$all: [x, …]`` is ``$eq x AND …``; ``$all: []``
  matches nothing (MongoDB; Mastra's libSQL store fails non-array fields where its PG store does not).
* ``$exists: true`` is "the path resolves" (even to ``null``); ``$exists: false`` matches documents
  without the key (MongoDB; Mastra's libSQL store ignores the boolean).
* ``$size: n`` is true for arrays of exactly ``n`` elements.
* ``$elemMatch`` is true for an array with one element satisfying every condition: either operator
  conditions applied to the element (``{"$gt": 1, "$lt": 5}``, with the array rule for nested arrays) or
  a sub-filter applied to object elements (non-object elements never match a sub-filter).
* ``$contains`` (a Mastra extension, not MongoDB): with a string, a case-insensitive (ASCII letters
  only, so both backends agree) substring of a string value, or an element equal to it of an array
  value; with another scalar, ``$eq``; with a list, an array value holding every listed element
  (``[]``: any array).
* ``$regex`` is a string pattern searched in string values (Python ``re.search`` in :func:`matches`,
  PostgreSQL ``~`` in SQL; the two agree on the common syntax: literals, ``.``, classes, anchors,
  quantifiers, groups, alternation). ``$options`` is not supported. libSQL has no regular expressions,
  so :func:`compile_filter` refuses ``$regex`` there.
* ``$not`` on a field negates the AND of its operator object (true when the key is missing, as in
  MongoDB); at the top level (a Mastra extension) it negates the AND of a sub-filter.
* ``$and``/``$or``/``$nor`` take lists of filters; a multi-key object in them is the AND of its keys;
  empty ``$and``/``$nor`` are true and empty ``$or`` is false (both Mastra stores).
* A ``NULL`` metadata column is the empty document ``{}``.

Every error is a :class:`~mastra_data.errors.ValidationError` with id ``MASTRA_VECTOR_FILTER_INVALID``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal, TypeAlias

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement

from mastra_data.db.types import format_iso_ms
from mastra_data.errors import ErrorDomain, ValidationError

__all__ = (
    "FILTER_INVALID",
    "All",
    "Compare",
    "Condition",
    "Contains",
    "ElemMatch",
    "Exists",
    "Field",
    "Filter",
    "InList",
    "Logical",
    "Not",
    "NotOp",
    "Regex",
    "Size",
    "compile_filter",
    "matches",
    "parse_filter",
    "pinned_strings",
)

FILTER_INVALID: Final = "MASTRA_VECTOR_FILTER_INVALID"

MAX_DEPTH: Final = 32
MAX_NODES: Final = 10_000
MAX_PATH_SEGMENTS: Final = 8
MAX_PATH_LENGTH: Final = 256
MAX_REGEX_LENGTH: Final = 1024

Scalar: TypeAlias = str | int | float | bool | None
CompareOp: TypeAlias = Literal["$eq", "$ne", "$gt", "$gte", "$lt", "$lte"]

_SEGMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ORDER_OPS: Final = ("$gt", "$gte", "$lt", "$lte")
_LOGICAL_OPS: Final = ("$and", "$or", "$nor")
_FIELD_OPS: Final = frozenset(
    {
        "$eq",
        "$ne",
        "$gt",
        "$gte",
        "$lt",
        "$lte",
        "$in",
        "$nin",
        "$all",
        "$elemMatch",
        "$exists",
        "$size",
        "$contains",
        "$regex",
        "$not",
    }
)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


# ---------------------------------------------------------------------------------------------- tree


@dataclass(frozen=True, slots=True)
class Compare:
    """``$eq $ne $gt $gte $lt $lte`` against a scalar (order operators: a number or a string)."""

    op: CompareOp
    value: Scalar


@dataclass(frozen=True, slots=True)
class InList:
    """``$in`` (``negate=False``) or ``$nin`` (``negate=True``)."""

    values: tuple[Scalar, ...]
    negate: bool = False


@dataclass(frozen=True, slots=True)
class All:
    """``$all``: ``$eq`` every value (false for an empty list)."""

    values: tuple[Scalar, ...]


@dataclass(frozen=True, slots=True)
class Exists:
    """``$exists``."""

    value: bool


@dataclass(frozen=True, slots=True)
class Size:
    """``$size``: an array of exactly ``value`` elements."""

    value: int


@dataclass(frozen=True, slots=True)
class Contains:
    """``$contains`` (Mastra extension): see the module docstring."""

    value: Scalar | tuple[Scalar, ...]


@dataclass(frozen=True, slots=True)
class Regex:
    """``$regex``: ``pattern`` is searched in string values."""

    pattern: str


@dataclass(frozen=True, slots=True)
class NotOp:
    """Field-level ``$not``: the negation of the AND of ``conditions``."""

    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class ElemMatch:
    """``$elemMatch``: operator ``conditions`` on an element, or a sub-``filter`` on object elements."""

    conditions: tuple[Condition, ...] | None = None
    filter: Filter | None = None


Condition: TypeAlias = Compare | InList | All | Exists | Size | Contains | Regex | NotOp | ElemMatch


@dataclass(frozen=True, slots=True)
class Field:
    """Operator conditions (ANDed) on the value at a dot path (``path`` holds its segments)."""

    path: tuple[str, ...]
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Logical:
    """``$and``/``$or``/``$nor`` of sub-filters (``$and`` of nothing is "match all")."""

    op: Literal["$and", "$or", "$nor"]
    children: tuple[Filter, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """Top-level ``$not`` (Mastra extension): the negation of a sub-filter."""

    child: Filter


Filter: TypeAlias = Field | Logical | Not

_TRUE: Final = Logical("$and", ())


# ------------------------------------------------------------------------------------------- parsing


def _invalid(message: str) -> ValidationError:
    return ValidationError(
        FILTER_INVALID, f"Invalid vector filter: {message}", domain=ErrorDomain.MASTRA_VECTOR
    )


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Parser:
    def __init__(self) -> None:
        self.nodes = 0

    def _visit(self, depth: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _invalid(f"more than {MAX_NODES} nodes")
        if depth > MAX_DEPTH:
            raise _invalid(f"nested deeper than {MAX_DEPTH} levels")

    def filter(self, obj: object, depth: int) -> Filter:
        self._visit(depth)
        if not isinstance(obj, Mapping):
            raise _invalid(f"a filter must be an object, got {type(obj).__name__}")
        children: list[Filter] = []
        for key, value in obj.items():
            self._visit(depth + 1)
            if not isinstance(key, str):
                raise _invalid(f"keys must be strings, got {_show(key)}")
            if key in _LOGICAL_OPS:
                children.append(self.logical(key, value, depth + 1))
            elif key == "$not":
                if not isinstance(value, Mapping) or not value:
                    raise _invalid("$not needs a non-empty object")
                children.append(Not(self.filter(value, depth + 1)))
            elif key.startswith("$"):
                if key in _FIELD_OPS:
                    raise _invalid(f"invalid top-level operator: {_show(key)}")
                raise _invalid(f"unsupported operator: {_show(key)}")
            else:
                children.extend(self.value(_path(key), value, depth + 1))
        return children[0] if len(children) == 1 else Logical("$and", tuple(children))

    def logical(self, op: str, value: object, depth: int) -> Logical:
        if not isinstance(value, list | tuple):
            raise _invalid(f"{op} needs a list of filters")
        children = []
        for item in value:
            bare = isinstance(item, Mapping) and item and all(str(k).startswith("$") for k in item)
            if bare and not all(k in _LOGICAL_OPS or k == "$not" for k in item):
                raise _invalid(f"{op} items must be filters, not operators: {_show(list(item))}")
            children.append(self.filter(item, depth + 1))
        return Logical(op, tuple(children))  # type: ignore[arg-type]  # op is one of _LOGICAL_OPS

    def value(self, path: tuple[str, ...], value: object, depth: int) -> list[Field]:
        self._visit(depth)
        if isinstance(value, Mapping):
            if not value:
                raise _invalid(f"empty condition object for {'.'.join(path)!r}")
            keys = list(value)
            if not all(isinstance(k, str) for k in keys):
                raise _invalid("keys must be strings")
            ops = [k.startswith("$") for k in keys]
            if all(ops):
                return [Field(path, self.conditions(value, depth + 1))]
            if any(ops):
                raise _invalid(f"cannot mix operators and field names under {'.'.join(path)!r}")
            fields: list[Field] = []
            for key, sub in value.items():
                self._visit(depth + 1)
                fields.extend(self.value(_path(".".join((*path, key))), sub, depth + 1))
            return fields
        if isinstance(value, list | tuple):
            return [Field(path, (InList(self.scalars(value, "an array value", depth + 1)),))]
        return [Field(path, (Compare("$eq", _scalar(value, "a field value")),))]

    def scalars(self, value: object, what: str, depth: int) -> tuple[Scalar, ...]:
        if not isinstance(value, list | tuple):
            raise _invalid(f"{what} needs a list, got {type(value).__name__}")
        out = []
        for item in value:
            self._visit(depth)
            out.append(_scalar(item, what))
        return tuple(out)

    def conditions(self, obj: Mapping[str, object], depth: int) -> tuple[Condition, ...]:
        return tuple(self.condition(op, arg, depth) for op, arg in obj.items())

    def condition(self, op: str, arg: object, depth: int) -> Condition:
        self._visit(depth)
        if op in ("$eq", "$ne"):
            return Compare(op, _scalar(arg, op))  # type: ignore[arg-type]
        if op in _ORDER_OPS:
            value = _scalar(arg, op)
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise _invalid(f"{op} needs a number or a string, got {_show(arg)}")
            return Compare(op, value)  # type: ignore[arg-type]
        if op in ("$in", "$nin"):
            return InList(self.scalars(arg, op, depth + 1), negate=op == "$nin")
        if op == "$all":
            return All(self.scalars(arg, op, depth + 1))
        if op == "$exists":
            if not isinstance(arg, bool):
                raise _invalid(f"$exists needs true or false, got {_show(arg)}")
            return Exists(arg)
        if op == "$size":
            if isinstance(arg, bool) or not isinstance(arg, int) or arg < 0:
                raise _invalid(f"$size needs a non-negative integer, got {_show(arg)}")
            return Size(arg)
        if op == "$contains":
            if isinstance(arg, list | tuple):
                return Contains(self.scalars(arg, op, depth + 1))
            return Contains(_scalar(arg, op))
        if op == "$regex":
            return Regex(_regex(arg))
        if op == "$not":
            if not isinstance(arg, Mapping) or not arg:
                raise _invalid("$not needs a non-empty operator object")
            if not all(isinstance(k, str) and k in _FIELD_OPS for k in arg):
                raise _invalid(f"$not needs field operators, got {_show(list(arg))}")
            return NotOp(self.conditions(arg, depth + 1))
        if op == "$elemMatch":
            if not isinstance(arg, Mapping) or not arg:
                raise _invalid("$elemMatch needs a non-empty object with conditions")
            if all(isinstance(k, str) and k in _FIELD_OPS for k in arg) and not _filter_not(arg):
                return ElemMatch(conditions=self.conditions(arg, depth + 1))
            return ElemMatch(filter=self.filter(arg, depth + 1))
        if op in _LOGICAL_OPS:
            raise _invalid(f"logical operator {op} cannot be used at field level")
        if op == "$options":
            raise _invalid("$options is not supported")
        raise _invalid(f"unsupported operator: {_show(op)}")


def _filter_not(obj: Mapping[str, object]) -> bool:
    """``{"$not": {"x": 1}}`` inside ``$elemMatch`` is a sub-filter on object elements."""
    inner = obj.get("$not")
    return isinstance(inner, Mapping) and any(not str(k).startswith("$") for k in inner)


def _path(key: str) -> tuple[str, ...]:
    if len(key) > MAX_PATH_LENGTH:
        raise _invalid(f"field path longer than {MAX_PATH_LENGTH} characters")
    segments = tuple(key.split("."))
    if len(segments) > MAX_PATH_SEGMENTS:
        raise _invalid(f"field path with more than {MAX_PATH_SEGMENTS} segments")
    for segment in segments:
        if not _SEGMENT.fullmatch(segment):
            raise _invalid(f"invalid field path {_show(key)}")
    return segments


def _scalar(value: object, what: str) -> Scalar:
    if isinstance(value, datetime):
        return format_iso_ms(value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _invalid(f"{what}: numbers must be finite")
        return value + 0.0  # -0.0 becomes 0.0, as Mastra does
    if isinstance(value, str):
        _check_text(value, what)
        return value
    raise _invalid(f"{what} must be a string, number, boolean or null, got {type(value).__name__}")


def _check_text(value: str, what: str) -> None:
    if "\x00" in value:
        raise _invalid(f"{what}: strings cannot contain NUL")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _invalid(f"{what}: strings must be valid Unicode") from None


def _regex(arg: object) -> str:
    if not isinstance(arg, str):
        raise _invalid(f"$regex needs a string pattern, got {type(arg).__name__}")
    if len(arg) > MAX_REGEX_LENGTH:
        raise _invalid(f"$regex pattern longer than {MAX_REGEX_LENGTH} characters")
    _check_text(arg, "$regex")
    try:
        re.compile(arg)
    except re.error as exc:
        raise _invalid(f"invalid $regex pattern: {exc}") from None
    return arg


def parse_filter(obj: Mapping[str, Any] | None) -> Filter | None:
    """Validate a Mongo-style filter and return its tree, or ``None`` ("match all") for ``None``/``{}``.

    See the module docstring for the language. Mastra parity: the operator set, nested-object
    flattening, bare array as ``$in``, top-level ``$not`` and empty ``$and/$or/$nor`` follow Mastra;
    ``$options``, comparing with whole arrays/objects and non-list operands of ``$in/$nin/$all``
    (which Mastra wraps in a list) are refused.

    Raises:
        ValidationError: ``MASTRA_VECTOR_FILTER_INVALID`` for an unknown or misplaced operator, a bad
            operand type, an invalid field path, an invalid regex, or a filter deeper than 32 levels
            or larger than 10,000 nodes.
    """
    if obj is None:
        return None
    if not isinstance(obj, Mapping):
        raise _invalid(f"a filter must be an object, got {type(obj).__name__}")
    if not obj:
        return None
    return _Parser().filter(obj, 0)


def pinned_strings(tree: Filter | None) -> dict[str, str]:
    """Top-level keys that every match must hold a given string at: ``{"k": "v"}`` conditions ANDed at
    the top (bare or ``$eq``), as ``{key: value}``.

    A document matches such a condition when its ``k`` is ``"v"`` or an array holding ``"v"`` (the array
    rule), so ``k``'s text equals ``"v"`` or ``k`` is an array: a superset that expression indexes on
    ``k`` and on its JSON type can serve (see ``VectorStore.index_metadata``).
    """
    if isinstance(tree, Field):
        if len(tree.path) == 1:
            for cond in tree.conditions:
                if isinstance(cond, Compare) and cond.op == "$eq" and isinstance(cond.value, str):
                    return {tree.path[0]: cond.value}
        return {}
    if isinstance(tree, Logical) and tree.op == "$and":
        pinned: dict[str, str] = {}
        for child in tree.children:
            for key, value in pinned_strings(child).items():
                pinned.setdefault(key, value)
        return pinned
    return {}


def without_pinned(tree: Filter | None, pins: Mapping[str, str]) -> Filter | None:
    """``tree`` without one top-level ``{k: "v"}`` condition for each pin ``k: "v"`` (what
    :func:`pinned_strings` found): for a caller that decides those conditions by other means. ``None``
    when nothing is left (match all)."""
    left = dict(pins)

    def strip(node: Filter) -> Filter | None:
        if isinstance(node, Field):
            if len(node.path) != 1 or node.path[0] not in left:
                return node
            wanted = Compare("$eq", left[node.path[0]])
            if wanted not in node.conditions:
                return node
            del left[node.path[0]]
            conditions = list(node.conditions)
            conditions.remove(wanted)
            return Field(node.path, tuple(conditions)) if conditions else None
        if isinstance(node, Logical) and node.op == "$and":
            children = [c for c in (strip(child) for child in node.children) if c is not None]
            if not children:
                return None
            return children[0] if len(children) == 1 else Logical("$and", tuple(children))
        return node

    return None if tree is None else strip(tree)


# ---------------------------------------------------------------------------------------- evaluation


class _Missing:
    pass


_MISSING: Final = _Missing()


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _scalar_eq(value: object, x: Scalar) -> bool:
    if x is None:
        return value is None
    if isinstance(x, bool):
        return isinstance(value, bool) and value is x
    if isinstance(x, str):
        return isinstance(value, str) and value == x
    return _is_number(value) and value == x


def _scalar_order(value: object, op: str, x: Scalar) -> bool:
    if isinstance(x, str):
        if not isinstance(value, str):
            return False
    elif not _is_number(value):
        return False
    a: Any = value
    if op == "$gt":
        return bool(a > x)
    if op == "$gte":
        return bool(a >= x)
    if op == "$lt":
        return bool(a < x)
    return bool(a <= x)


def _any(value: object, test: Callable[[object], bool]) -> bool:
    return test(value) or (isinstance(value, list) and any(test(e) for e in value))


def _eq(value: object, x: Scalar) -> bool:
    if x is None and value is _MISSING:
        return True
    return _any(value, lambda v: _scalar_eq(v, x))


def _check(value: object, cond: Condition) -> bool:
    if isinstance(cond, Compare):
        if cond.op == "$eq":
            return _eq(value, cond.value)
        if cond.op == "$ne":
            return not _eq(value, cond.value)
        return _any(value, lambda v: _scalar_order(v, cond.op, cond.value))
    if isinstance(cond, InList):
        return any(_eq(value, x) for x in cond.values) != cond.negate
    if isinstance(cond, All):
        return bool(cond.values) and all(_eq(value, x) for x in cond.values)
    if isinstance(cond, Exists):
        return (value is not _MISSING) == cond.value
    if isinstance(cond, Size):
        return isinstance(value, list) and len(value) == cond.value
    if isinstance(cond, Contains):
        x = cond.value
        if isinstance(x, tuple):
            return isinstance(value, list) and all(any(_scalar_eq(e, xi) for e in value) for xi in x)
        if isinstance(x, str) and isinstance(value, str):
            return x.translate(_ASCII_LOWER) in value.translate(_ASCII_LOWER)
        return _eq(value, x)
    if isinstance(cond, Regex):
        pattern = re.compile(cond.pattern)
        return _any(value, lambda v: isinstance(v, str) and pattern.search(v) is not None)
    if isinstance(cond, NotOp):
        return not all(_check(value, c) for c in cond.conditions)
    # ElemMatch
    if not isinstance(value, list):
        return False
    if cond.conditions is not None:
        conditions = cond.conditions
        return any(all(_check(e, c) for c in conditions) for e in value)
    sub = cond.filter
    assert sub is not None
    return any(isinstance(e, dict) and _matches(sub, e) for e in value)


def _resolve(doc: Mapping[str, Any], path: tuple[str, ...]) -> object:
    value: object = doc
    for segment in path:
        if not isinstance(value, Mapping) or segment not in value:
            return _MISSING
        value = value[segment]
    return value


def _matches(tree: Filter, doc: Mapping[str, Any]) -> bool:
    if isinstance(tree, Field):
        value = _resolve(doc, tree.path)
        return all(_check(value, c) for c in tree.conditions)
    if isinstance(tree, Not):
        return not _matches(tree.child, doc)
    results = (_matches(child, doc) for child in tree.children)
    if tree.op == "$and":
        return all(results)
    if tree.op == "$or":
        return any(results)
    return not any(results)


def matches(tree: Filter | None, metadata: Mapping[str, Any] | None) -> bool:
    """Whether one metadata document (parsed JSON; ``None`` is ``{}``) satisfies a parsed filter.

    ``None`` as the tree matches everything. Pure Python, the reference meaning of the language (see
    the module docstring); :func:`compile_filter` gives the same answers in SQL. Never raises for
    a tree made by :func:`parse_filter`.
    """
    if tree is None:
        return True
    return _matches(tree, metadata or {})


# ----------------------------------------------------------------------------------------------- SQL


class _Sql:
    """Shared translation of the tree; subclasses supply one dialect's primitives on a value ref.

    A ref names one JSON value (possibly missing). Every primitive renders a two-valued boolean
    (never SQL ``NULL``), so ``NOT`` keeps MongoDB's meaning.
    """

    true = "(1 = 1)"
    false = "(1 = 0)"

    def __init__(self, compiler: SQLCompiler, kw: dict[str, Any]) -> None:
        self.compiler = compiler
        self.kw = kw
        self.aliases = 0

    def bind(self, value: Scalar, type_: sa.types.TypeEngine[Any] | None = None) -> str:
        if type_ is None:
            type_ = (
                sa.Text()
                if isinstance(value, str)
                else sa.Float()
                if isinstance(value, float)
                else sa.Integer()
            )
        return str(self.compiler.process(sa.bindparam(None, value, type_=type_), **self.kw))

    def alias(self) -> str:
        self.aliases += 1
        return f"mdf_e{self.aliases}"

    # primitives, per dialect
    def root(self, column: str, path: tuple[str, ...]) -> Any:
        raise NotImplementedError

    def child(self, ref: Any, path: tuple[str, ...]) -> Any:
        raise NotImplementedError

    def is_missing(self, ref: Any) -> str:
        raise NotImplementedError

    def is_type(self, ref: Any, kind: Literal["array", "object"]) -> str:
        raise NotImplementedError

    def scalar_eq(self, ref: Any, x: Scalar) -> str:
        raise NotImplementedError

    def scalar_order(self, ref: Any, op: str, x: str | int | float) -> str:
        raise NotImplementedError

    def scalar_regex(self, ref: Any, pattern: str) -> str:
        raise NotImplementedError

    def scalar_icontains(self, ref: Any, lowered: str) -> str:
        raise NotImplementedError

    def size_is(self, ref: Any, n: int) -> str:
        raise NotImplementedError

    def any_element(self, ref: Any, body: Callable[[Any], str]) -> str:
        raise NotImplementedError

    # shared translation
    @staticmethod
    def all_of(parts: Sequence[str]) -> str:
        return "(" + " AND ".join(parts) + ")" if parts else _Sql.true

    @staticmethod
    def any_of(parts: Sequence[str]) -> str:
        return "(" + " OR ".join(parts) + ")" if parts else _Sql.false

    def with_elements(self, ref: Any, test: Callable[[Any], str]) -> str:
        return f"({test(ref)} OR ({self.is_type(ref, 'array')} AND {self.any_element(ref, test)}))"

    def has_element(self, ref: Any, x: Scalar) -> str:
        return self.any_element(ref, lambda r: self.scalar_eq(r, x))

    def eq(self, ref: Any, x: Scalar) -> str:
        sql = self.with_elements(ref, lambda r: self.scalar_eq(r, x))
        return f"({self.is_missing(ref)} OR {sql})" if x is None else sql

    def condition(self, ref: Any, cond: Condition) -> str:
        if isinstance(cond, Compare):
            if cond.op == "$eq":
                return self.eq(ref, cond.value)
            if cond.op == "$ne":
                return f"(NOT {self.eq(ref, cond.value)})"
            bound = cond.value
            assert isinstance(bound, str | int | float)  # parse_filter refused the others
            return self.with_elements(ref, lambda r: self.scalar_order(r, cond.op, bound))
        if isinstance(cond, InList):
            sql = self.any_of([self.eq(ref, x) for x in cond.values])
            return f"(NOT {sql})" if cond.negate else sql
        if isinstance(cond, All):
            return self.all_of([self.eq(ref, x) for x in cond.values]) if cond.values else self.false
        if isinstance(cond, Exists):
            return f"(NOT {self.is_missing(ref)})" if cond.value else self.is_missing(ref)
        if isinstance(cond, Size):
            return self.size_is(ref, cond.value)
        if isinstance(cond, Contains):
            wanted = cond.value
            if isinstance(wanted, tuple):
                parts = [self.is_type(ref, "array")]
                parts += [self.has_element(ref, xi) for xi in wanted]
                return self.all_of(parts)
            if isinstance(wanted, str):
                lowered = wanted.translate(_ASCII_LOWER)
                return f"({self.eq(ref, wanted)} OR {self.scalar_icontains(ref, lowered)})"
            return self.eq(ref, wanted)
        if isinstance(cond, Regex):
            return self.with_elements(ref, lambda r: self.scalar_regex(r, cond.pattern))
        if isinstance(cond, NotOp):
            return f"(NOT {self.all_of([self.condition(ref, c) for c in cond.conditions])})"
        if cond.conditions is not None:
            conditions = cond.conditions
            body = self.any_element(ref, lambda r: self.all_of([self.condition(r, c) for c in conditions]))
        else:
            sub = cond.filter
            assert sub is not None
            body = self.any_element(ref, lambda r: f"({self.is_type(r, 'object')} AND {self.tree(sub, r)})")
        return f"({self.is_type(ref, 'array')} AND {body})"

    def tree(self, tree: Filter, doc: Any) -> str:
        if isinstance(tree, Field):
            ref = self.child(doc, tree.path)
            return self.all_of([self.condition(ref, c) for c in tree.conditions])
        if isinstance(tree, Not):
            return f"(NOT {self.tree(tree.child, doc)})"
        parts = [self.tree(child, doc) for child in tree.children]
        if tree.op == "$and":
            return self.all_of(parts)
        if tree.op == "$or":
            return self.any_of(parts)
        return f"(NOT {self.any_of(parts)})"


class _SqliteSql(_Sql):
    """SQLite/libSQL: a ref is ``(document SQL, JSON path SQL)``; ``json_type`` pins the JSON type."""

    def root(self, column: str, path: tuple[str, ...]) -> Any:
        return (column, "'$'")

    def child(self, ref: Any, path: tuple[str, ...]) -> Any:
        doc, base = ref
        suffix = "".join(f'."{segment}"' for segment in path)  # segments are validated identifiers
        if base == "'$'":
            return (doc, self.bind("$" + suffix))
        return (doc, f"({base} || {self.bind(suffix)})")

    @staticmethod
    def _type(ref: Any) -> str:
        return f"json_type({ref[0]}, {ref[1]})"

    def is_missing(self, ref: Any) -> str:
        return f"({self._type(ref)} IS NULL)"

    def is_type(self, ref: Any, kind: Literal["array", "object"]) -> str:
        return f"COALESCE({self._type(ref)} = '{kind}', 0)"

    def scalar_eq(self, ref: Any, x: Scalar) -> str:
        kind = self._type(ref)
        if x is None:
            return f"COALESCE({kind} = 'null', 0)"
        if isinstance(x, bool):
            return f"COALESCE({kind} = '{'true' if x else 'false'}', 0)"
        return self.scalar_order(ref, "$eq", x)

    def scalar_order(self, ref: Any, op: str, x: str | int | float) -> str:
        kinds = "'text'" if isinstance(x, str) else "'integer', 'real'"
        sql_op = {"$eq": "=", "$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}[op]
        value = f"json_extract({ref[0]}, {ref[1]})"
        return f"COALESCE({self._type(ref)} IN ({kinds}) AND {value} {sql_op} {self.bind(x)}, 0)"

    def scalar_regex(self, ref: Any, pattern: str) -> str:
        raise ValidationError(
            FILTER_INVALID,
            "Invalid vector filter: $regex is not supported on libSQL",
            domain=ErrorDomain.MASTRA_VECTOR,
        )

    def scalar_icontains(self, ref: Any, lowered: str) -> str:
        # SQLite's lower() folds ASCII letters only: the meaning the module defines.
        value = f"json_extract({ref[0]}, {ref[1]})"
        return f"COALESCE({self._type(ref)} = 'text' AND instr(lower({value}), {self.bind(lowered)}) > 0, 0)"

    def size_is(self, ref: Any, n: int) -> str:
        length = f"json_array_length({ref[0]}, {ref[1]})"
        return f"COALESCE({self._type(ref)} = 'array' AND {length} = {self.bind(n)}, 0)"

    def any_element(self, ref: Any, body: Callable[[Any], str]) -> str:
        alias = self.alias()
        inner = body((ref[0], f"{alias}.fullkey"))
        return (
            f"EXISTS (SELECT 1 FROM json_each({ref[0]}, {ref[1]}) AS {alias} "
            f"WHERE {self._type(ref)} = 'array' AND {inner})"
        )


class _PgSql(_Sql):
    """PostgreSQL: a ref is a ``jsonb`` expression (SQL ``NULL`` when missing)."""

    true = "true"
    false = "false"

    def root(self, column: str, path: tuple[str, ...]) -> Any:
        return column

    def child(self, ref: Any, path: tuple[str, ...]) -> Any:
        for segment in path:
            ref = f"({ref} -> {self.bind(segment, sa.Text())})"
        return ref

    def is_missing(self, ref: Any) -> str:
        return f"({ref} IS NULL)"

    def is_type(self, ref: Any, kind: Literal["array", "object"]) -> str:
        return f"COALESCE(jsonb_typeof({ref}) = '{kind}', false)"

    def _json(self, x: Scalar) -> str:
        return f"CAST({self.bind(json.dumps(x), sa.Text())} AS JSONB)"

    def scalar_eq(self, ref: Any, x: Scalar) -> str:
        return f"COALESCE({ref} = {self._json(x)}, false)"  # jsonb equality is type-strict

    def scalar_order(self, ref: Any, op: str, x: str | int | float) -> str:
        sql_op = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}[op]
        if isinstance(x, str):
            # Code-point order whatever the database collation (jsonb strings use the collation).
            text = f"({ref} #>> '{{}}') COLLATE \"C\""
            test = f"{text} {sql_op} CAST({self.bind(x, sa.Text())} AS TEXT)"
            return f"COALESCE(jsonb_typeof({ref}) = 'string' AND {test}, false)"
        return f"COALESCE(jsonb_typeof({ref}) = 'number' AND {ref} {sql_op} {self._json(x)}, false)"

    def scalar_regex(self, ref: Any, pattern: str) -> str:
        test = f"({ref} #>> '{{}}') ~ CAST({self.bind(pattern, sa.Text())} AS TEXT)"
        return f"COALESCE(jsonb_typeof({ref}) = 'string' AND {test}, false)"

    def scalar_icontains(self, ref: Any, lowered: str) -> str:
        upper, lower = "'ABCDEFGHIJKLMNOPQRSTUVWXYZ'", "'abcdefghijklmnopqrstuvwxyz'"
        folded = f"translate({ref} #>> '{{}}', {upper}, {lower})"
        test = f"strpos({folded}, CAST({self.bind(lowered, sa.Text())} AS TEXT)) > 0"
        return f"COALESCE(jsonb_typeof({ref}) = 'string' AND {test}, false)"

    def size_is(self, ref: Any, n: int) -> str:
        n_sql = f"CAST({self.bind(n, sa.Integer())} AS INTEGER)"
        return (
            f"COALESCE(CASE WHEN jsonb_typeof({ref}) = 'array' "
            f"THEN jsonb_array_length({ref}) = {n_sql} ELSE false END, false)"
        )

    def any_element(self, ref: Any, body: Callable[[Any], str]) -> str:
        alias = self.alias()
        source = f"CASE WHEN jsonb_typeof({ref}) = 'array' THEN {ref} ELSE '[]'::jsonb END"
        return (
            f"EXISTS (SELECT 1 FROM jsonb_array_elements({source}) AS {alias}(value) "
            f"WHERE {body(f'{alias}.value')})"
        )


class _FilterClause(ColumnElement[bool]):
    inherit_cache = False  # the tree shapes the SQL text
    type = sa.Boolean()

    def __init__(self, tree: Filter, column: ColumnElement[Any]) -> None:
        self.tree = tree
        self.column = column


@compiles(_FilterClause)
def _compile_default(element: _FilterClause, compiler: SQLCompiler, **kw: Any) -> str:
    raise NotImplementedError(f"vector filters are not implemented for {compiler.dialect.name}")


def _render(renderer: _Sql, element: _FilterClause, kw: dict[str, Any]) -> str:
    column = str(renderer.compiler.process(element.column, **kw))
    return renderer.tree(element.tree, renderer.root(column, ()))


@compiles(_FilterClause, "sqlite")
def _compile_sqlite(element: _FilterClause, compiler: SQLCompiler, **kw: Any) -> str:
    return _render(_SqliteSql(compiler, kw), element, kw)


@compiles(_FilterClause, "postgresql")
def _compile_pg(element: _FilterClause, compiler: SQLCompiler, **kw: Any) -> str:
    return _render(_PgSql(compiler, kw), element, kw)


def compile_filter(tree: Filter | None, column: ColumnElement[Any]) -> ColumnElement[bool]:
    """A SQL boolean: the JSON document in ``column`` satisfies ``tree`` (``None``: always true).

    ``column`` holds JSON text (or SQLite JSONB) on libSQL/SQLite and ``JSONB`` on PostgreSQL; a SQL
    ``NULL`` is the empty document. The result equals :func:`matches` row by row. Every value is a
    bound parameter; paths are bound (SQLite) or built from validated identifiers.

    libSQL uses ``json_type``/``json_extract``/``json_each``; PostgreSQL ``->``, ``jsonb_typeof``,
    jsonb equality, ``jsonb_array_elements`` and ``~``. Mastra's stores compare loosely (text or
    numeric casts); this one is type-strict on both backends (DESIGN §4).

    Raises:
        ValidationError: (when the statement is compiled) ``$regex`` on libSQL, which has no regular
            expressions.
        NotImplementedError: (when compiled) any other dialect.
    """
    if tree is None:
        return sa.true()
    return _FilterClause(tree, column)
