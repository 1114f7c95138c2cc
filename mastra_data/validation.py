"""Argument checks shared by the repositories: wrong types become :class:`ValidationError`, never a
driver error or a half-written batch."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mastra_data.db.types import dumps_json, to_utc
from mastra_data.errors import ValidationError, error_id

__all__ = ("Checker",)


class Checker:
    """Raises ``ValidationError`` with ids ``MASTRA_STORAGE_<store>_<operation>_INVALID_ARGUMENT``."""

    def __init__(self, store: str, operation: str) -> None:
        self.store = store
        self.operation = operation

    def fail(self, message: str) -> ValidationError:
        return ValidationError(error_id(self.store, self.operation, "INVALID_ARGUMENT"), message)

    def mapping(self, value: Any, what: str, *, optional: bool = True) -> Mapping[str, Any] | None:
        """``value`` is a mapping (or ``None`` when optional)."""
        if value is None and optional:
            return None
        if not isinstance(value, Mapping):
            raise self.fail(f"{what} must be an object (mapping), got {type(value).__name__}")
        return value

    def text(self, value: Any, what: str, *, optional: bool = True) -> str | None:
        """``value`` is a string (or ``None`` when optional)."""
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise self.fail(f"{what} must be a string, got {type(value).__name__}")
        return value

    def count(self, value: Any, what: str) -> int | None:
        """``value`` is ``None`` or an integer ``>= 0`` (booleans are not integers here)."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(f"{what} must be an integer >= 0, got {value!r}")
        return value

    def instant(self, value: Any, what: str) -> datetime | None:
        """``value`` is ``None``, a datetime or an ISO-8601 string; returned as aware UTC."""
        if value is None:
            return None
        if not isinstance(value, datetime | str):
            raise self.fail(f"{what} must be a datetime or an ISO-8601 string, got {type(value).__name__}")
        try:
            return to_utc(value)
        except ValueError:
            raise self.fail(f"{what} is not an ISO-8601 date: {value!r}") from None

    def json(self, value: Any, what: str) -> str:
        """``value`` is representable as JSON (finite numbers, string keys); returns its text."""
        try:
            return dumps_json(value)
        except (TypeError, ValueError) as exc:
            raise self.fail(f"{what} is not JSON-serialisable: {exc}") from None
