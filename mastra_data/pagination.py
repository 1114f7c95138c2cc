"""Pagination, ordering and metadata-key rules shared by every domain (Mastra's ``storage/base.ts``)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from mastra_data.errors import ValidationError, error_id

__all__ = ("Page", "Pagination", "metadata_filter", "order_by", "paginate", "validate_metadata_key")

Direction = Literal["ASC", "DESC"]

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RESERVED_KEYS = frozenset({"__proto__", "prototype", "constructor"})
MAX_PAGE = 2**53 - 1  # JS Number.MAX_SAFE_INTEGER: what Mastra's callers can send


class Page(BaseModel):
    """Base of every list result: Mastra's ``PaginationInfo`` fields next to the items (DESIGN §4).

    ``model_dump(by_alias=True)`` gives Mastra's keys (``perPage``, ``hasMore``); ``per_page`` is
    ``False`` when all rows were asked for (Mastra's ``perPage: false``).
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    total: int
    page: int
    per_page: int | Literal[False]
    has_more: bool


@dataclass(frozen=True, slots=True)
class Pagination:
    """A validated ``page``/``per_page`` pair: ``limit`` is ``None`` for ``per_page=False``."""

    page: int
    per_page: int | Literal[False]
    offset: int
    limit: int | None

    def has_more(self, total: int) -> bool:
        """Mastra's ``hasMore``: more rows after this page (never for ``per_page=False``)."""
        return self.limit is not None and self.offset + self.limit < total


def paginate(page: int, per_page: int | bool, *, store: str, operation: str) -> Pagination:
    """Validate ``page`` and ``per_page`` (``False`` = all rows).

    Raises:
        ValidationError: ``page < 0``, ``per_page < 0``, a non-integer, or ``page > 0`` with
            ``per_page=False`` (id ``MASTRA_STORAGE_<store>_<operation>_INVALID_PAGE``).
    """

    def invalid(message: str) -> ValidationError:
        return ValidationError(
            error_id(store, operation, "INVALID_PAGE"),
            message,
            details={"page": str(page), "perPage": str(per_page)},
        )

    if per_page is True or not isinstance(per_page, int):
        raise invalid("perPage must be false or a safe integer")
    if isinstance(page, bool) or not isinstance(page, int):
        raise invalid("page must be a safe integer")
    if page < 0:
        raise invalid("page must be >= 0")
    if per_page is False:
        if page != 0:
            raise invalid("page must be 0 when perPage is false")
        return Pagination(page=0, per_page=False, offset=0, limit=None)
    if per_page < 0:
        raise invalid("perPage must be >= 0")
    if page > MAX_PAGE or per_page > MAX_PAGE or page * per_page > MAX_PAGE:
        raise invalid("page value too large")
    return Pagination(page=page, per_page=per_page, offset=page * per_page, limit=per_page)


def order_by(
    value: Mapping[str, Any] | None,
    *,
    default_direction: Direction,
    fields: tuple[str, ...] = ("createdAt", "updatedAt"),
) -> tuple[str, Direction]:
    """Mastra's ``parseOrderBy``: an allowed field (default ``createdAt``) and ``ASC``/``DESC``.

    Unknown fields fall back to ``createdAt`` and unknown directions to the default, as in Mastra.
    Field names may be given in snake_case (``created_at``) too.
    """
    value = value or {}
    field = str(value.get("field") or "createdAt")
    field = {"created_at": "createdAt", "updated_at": "updatedAt"}.get(field, field)
    direction = str(value.get("direction") or default_direction).upper()
    return (
        field if field in fields else "createdAt",
        direction if direction in ("ASC", "DESC") else default_direction,  # type: ignore[return-value]
    )


def validate_metadata_key(key: str, *, store: str, operation: str) -> str:
    """A metadata key usable in a filter: ``^[A-Za-z_][A-Za-z0-9_]*$``, ≤ 128 characters.

    Raises:
        ValidationError: id ``…_INVALID_METADATA_KEY`` with Mastra's message.
    """
    if not isinstance(key, str) or not _KEY.match(key) or key in _RESERVED_KEYS:
        raise ValidationError(
            error_id(store, operation, "INVALID_METADATA_KEY"),
            f'Invalid metadata key: "{key}". Keys must start with a letter or underscore and contain only '
            "alphanumeric characters and underscores.",
            details={"key": str(key)},
        )
    if len(key) > 128:
        raise ValidationError(
            error_id(store, operation, "INVALID_METADATA_KEY"),
            f'Metadata key "{key}" exceeds maximum length of 128 characters.',
            details={"key": key[:128]},
        )
    return key


def metadata_filter(
    metadata: Mapping[str, Any] | None, *, store: str, operation: str
) -> list[tuple[str, str | int | float | bool | None]]:
    """Validated ``(key, scalar)`` pairs of a metadata equality filter (all ANDed).

    Raises:
        ValidationError: an invalid key, or a value that is not a string, number, boolean or None
            (id ``…_INVALID_METADATA_VALUE``).
    """
    pairs: list[tuple[str, str | int | float | bool | None]] = []
    if metadata is not None and not isinstance(metadata, Mapping):
        raise ValidationError(
            error_id(store, operation, "INVALID_METADATA_VALUE"),
            f"metadata filter must be an object (mapping), got {type(metadata).__name__}",
        )
    for key, value in (metadata or {}).items():
        validate_metadata_key(key, store=store, operation=operation)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError(
                error_id(store, operation, "INVALID_METADATA_VALUE"),
                f'Metadata filter value for key "{key}" must be a finite number, got {value}',
                details={"key": key},
            )
        if value is not None and not isinstance(value, str | int | float | bool):
            kind = "array" if isinstance(value, list | tuple) else type(value).__name__
            raise ValidationError(
                error_id(store, operation, "INVALID_METADATA_VALUE"),
                f'Metadata filter value for key "{key}" must be a scalar type '
                f"(string, number, boolean, or null), got {'object' if isinstance(value, Mapping) else kind}",
                details={"key": key},
            )
        pairs.append((key, value))
    return pairs
