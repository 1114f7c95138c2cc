"""The one place engines are made: URL → backend → configured engine."""

from __future__ import annotations

from sqlalchemy.engine import Engine, make_url

from mastra_data.db.dialects import backend_for_url, normalize_url
from mastra_data.settings import StorageSettings

__all__ = ("create_engine",)


def create_engine(url: str, settings: StorageSettings | None = None) -> Engine:
    """A configured engine for ``url`` (any spelling :func:`normalize_url` accepts).

    Connects lazily; the first statement reports an unreachable server.

    Raises:
        ConfigurationError: unsupported scheme, or a libSQL file whose directory does not exist.
    """
    normalized = normalize_url(url)
    return backend_for_url(normalized).create_engine(make_url(normalized), settings or StorageSettings())
