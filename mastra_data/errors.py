"""The error tree every public call raises, shaped like Mastra's ``MastraError``.

Each error carries Mastra's fields: ``id`` (``MASTRA_STORAGE_<LIBSQL|PG>_<OPERATION>_<STATUS>`` or
``MASTRA_VECTOR_…``), ``domain``, ``category`` (``USER`` for bad input, ``THIRD_PARTY`` for the database,
``SYSTEM`` for our own invariants) and ``details`` (scalar values only). Catch the subclass that matches
what you want to handle; catch :class:`MastraDataError` for all of them.

Driver exceptions never reach callers: :func:`translate_db_errors` wraps them in :class:`BackendError`
(or :class:`ConflictError` for a duplicate key) with the original as ``__cause__``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

import sqlalchemy.exc

__all__ = (
    "BackendError",
    "ConfigurationError",
    "ConflictError",
    "ErrorCategory",
    "ErrorDomain",
    "MastraDataError",
    "MigrationError",
    "NotFoundError",
    "OwnershipError",
    "ValidationError",
    "error_id",
    "translate_db_errors",
)

Scalar = str | int | float | bool | None


class ErrorCategory(StrEnum):
    """Who is at fault, as in Mastra's ``ErrorCategory``."""

    USER = "USER"
    SYSTEM = "SYSTEM"
    THIRD_PARTY = "THIRD_PARTY"
    UNKNOWN = "UNKNOWN"


class ErrorDomain(StrEnum):
    """Which part of the system raised, as in Mastra's ``ErrorDomain``."""

    STORAGE = "STORAGE"
    MASTRA_VECTOR = "MASTRA_VECTOR"


class MastraDataError(Exception):
    """Base of every error raised by mastra_data.

    Args:
        id: Mastra-style error id, e.g. ``MASTRA_STORAGE_PG_GET_THREAD_BY_ID_FAILED``.
        message: Human-readable text; never contains secrets.
        domain: ``STORAGE`` or ``MASTRA_VECTOR``.
        category: ``USER``, ``SYSTEM``, ``THIRD_PARTY`` or ``UNKNOWN``.
        details: Scalar context values (ids, names); copied so callers cannot mutate it.
    """

    default_category = ErrorCategory.SYSTEM

    def __init__(
        self,
        id: str,
        message: str,
        *,
        domain: ErrorDomain = ErrorDomain.STORAGE,
        category: ErrorCategory | None = None,
        details: Mapping[str, Scalar] | None = None,
    ) -> None:
        super().__init__(message)
        self.id = id
        self.message = message
        self.domain = domain
        self.category = category or self.default_category
        self.details: dict[str, Scalar] = dict(details or {})

    def to_dict(self) -> dict[str, Any]:
        """Mastra's ``toJSON()`` shape: ``{message, domain, category, code, details}``."""
        return {
            "message": self.message,
            "domain": str(self.domain),
            "category": str(self.category),
            "code": self.id,
            "details": dict(self.details),
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r}, message={self.message!r})"


class ValidationError(MastraDataError):
    """Bad input from the caller (category USER); nothing was written."""

    default_category = ErrorCategory.USER


class ConfigurationError(ValidationError):
    """A setting or URL that cannot work (unknown scheme, missing directory, …)."""


class NotFoundError(MastraDataError):
    """A named thread, message, run, span or index does not exist (category USER)."""

    default_category = ErrorCategory.USER


class OwnershipError(MastraDataError):
    """A thread was addressed with a ``resource_id`` that does not own it (category USER)."""

    default_category = ErrorCategory.USER


class ConflictError(MastraDataError):
    """A duplicate id or an existing object where a new one was required (category USER)."""

    default_category = ErrorCategory.USER


class BackendError(MastraDataError):
    """The database or its driver failed (category THIRD_PARTY); the driver error is ``__cause__``."""

    default_category = ErrorCategory.THIRD_PARTY


class MigrationError(MastraDataError):
    """The schema cannot be brought to (or checked against) the revision this package knows."""

    default_category = ErrorCategory.USER


def error_id(store: str, operation: str, status: str = "FAILED") -> str:
    """Build a Mastra error id, e.g. ``error_id("LIBSQL", "SAVE_THREAD")``."""
    return f"MASTRA_STORAGE_{store}_{operation}_{status}".upper()


# Unique-violation wording of SQLite/libSQL and PostgreSQL; anything else is a BackendError.
_DUPLICATE_KEY = re.compile(r"UNIQUE constraint failed|duplicate key value violates unique constraint", re.I)


# NUL in a text value: psycopg's wording, and the libSQL backend's (see its _refuse_nul_text).
_NUL_TEXT = re.compile(r"cannot contain NUL \(0x00\)", re.I)


@contextmanager
def translate_db_errors(store: str, operation: str, **details: Scalar) -> Iterator[None]:
    """Turn driver/SQLAlchemy exceptions raised inside the block into :class:`MastraDataError`.

    ``MastraDataError`` passes through unchanged. A unique violation becomes :class:`ConflictError`;
    every other database error becomes :class:`BackendError` with the original as ``__cause__``.
    The message names the operation and the driver's own text, never the connection URL.
    """
    try:
        yield
    except MastraDataError:
        raise
    except sqlalchemy.exc.SQLAlchemyError as exc:
        original = getattr(exc, "orig", None) or exc
        if isinstance(original, RecursionError | UnicodeEncodeError):
            raise _bad_value(original, store, operation, details) from exc
        text = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
        if _NUL_TEXT.search(str(original)):
            # PostgreSQL refuses NUL in text; the libSQL backend refuses it too (the driver would cut
            # the value at the NUL). Bad input, not a database failure.
            raise ValidationError(
                error_id(store, operation, "INVALID_TEXT"),
                f"{operation.lower()}: text fields cannot contain NUL (0x00) characters",
                details=details,
            ) from exc
        if _DUPLICATE_KEY.search(str(original)):
            raise ConflictError(
                error_id(store, operation, "CONFLICT"), f"{operation.lower()}: {text}", details=details
            ) from exc
        raise BackendError(
            error_id(store, operation), f"{operation.lower()}: {text}", details=details
        ) from exc
    except (UnicodeEncodeError, RecursionError) as exc:
        raise _bad_value(exc, store, operation, details) from exc


def _bad_value(
    exc: BaseException, store: str, operation: str, details: Mapping[str, Scalar]
) -> ValidationError:
    """A value the driver could not even encode: bad input, raised directly or wrapped by SQLAlchemy."""
    if isinstance(exc, RecursionError):
        return ValidationError(
            error_id(store, operation, "TOO_DEEP"),
            f"{operation.lower()}: a document is nested too deeply to encode",
            details=details,
        )
    # A lone surrogate in a text column: no UTF-8 form, so the driver cannot send it.
    return ValidationError(
        error_id(store, operation, "INVALID_TEXT"),
        f"{operation.lower()}: text holds a character with no UTF-8 form (a lone surrogate)",
        details=details,
    )
