"""The project's one :class:`Storage`, configured from Django settings.

``MASTRA_DATA_URL`` wins; otherwise ``DATABASES[MASTRA_DATA_DATABASE]`` is mapped to a mastra_data URL.
The storage is created on first use and replaced when those settings change (``override_settings``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from sqlalchemy.engine import URL

from mastra_data import ConfigurationError, Storage

__all__ = ("get_storage", "mastra_url", "url_from_django_database")

_lock = threading.Lock()
_storage: Storage | None = None


def url_from_django_database(entry: Mapping[str, Any]) -> str:
    """The mastra_data URL of a Django ``DATABASES`` entry: ``sqlite3`` → libSQL file, ``postgresql``
    → psycopg 3 (a ``HOST`` starting with ``/`` is a socket directory). String ``OPTIONS``
    (``sslmode``, …) become URL query parameters.

    Raises:
        ConfigurationError: another engine, or no ``NAME``.
    """
    engine = str(entry.get("ENGINE", ""))
    name = entry.get("NAME")
    if not name:
        raise ConfigurationError("MASTRA_STORAGE_INVALID_SETTINGS", "The Django database entry has no NAME")
    if engine == "django.db.backends.sqlite3":
        return f"sqlite+libsql:///{name}"
    if engine == "django.db.backends.postgresql":
        options = {k: str(v) for k, v in dict(entry.get("OPTIONS") or {}).items() if isinstance(v, str | int)}
        port = entry.get("PORT")
        host = str(entry.get("HOST") or "") or None
        if host is not None and host.startswith("/"):  # a Unix socket directory: libpq's ?host=
            options["host"], host = host, None
        return URL.create(
            "postgresql+psycopg",
            username=entry.get("USER") or None,
            password=entry.get("PASSWORD") or None,
            host=host,
            port=int(port) if port else None,
            database=str(name),
            query=options,
        ).render_as_string(hide_password=False)
    raise ConfigurationError(
        "MASTRA_STORAGE_INVALID_SETTINGS",
        f"mastra_data runs on sqlite3 (libSQL) or postgresql Django databases, not {engine!r}",
    )


def mastra_url() -> str | None:
    """The configured URL, or ``None`` (then :class:`StorageSettings` reads ``MASTRA_DATA_*``)."""
    url: str | None = getattr(settings, "MASTRA_DATA_URL", None)
    if url:
        return url
    alias = getattr(settings, "MASTRA_DATA_DATABASE", "mastra")
    entry = settings.DATABASES.get(alias)
    return None if entry is None else url_from_django_database(entry)


def get_storage() -> Storage:
    """The shared storage (thread-safe: repositories are safe to share between request threads)."""
    global _storage
    with _lock:
        if _storage is None:
            url = mastra_url()
            _storage = Storage.from_url(url) if url is not None else Storage()
        return _storage


@receiver(setting_changed)
def _reset(setting: str, **kwargs: Any) -> None:
    global _storage
    if setting in ("MASTRA_DATA_URL", "MASTRA_DATA_DATABASE", "DATABASES"):
        with _lock:
            if _storage is not None:
                _storage.close()
            _storage = None
