"""Storage settings, read from ``MASTRA_DATA_*`` environment variables (or passed in).

``MASTRA_DATA_URL`` is the default database of every domain; ``MASTRA_DATA_MEMORY_URL``,
``…_WORKFLOWS_URL``, ``…_SCORES_URL``, ``…_OBSERVABILITY_URL``, ``…_AGENTS_URL`` and
``…_VECTOR_URL`` put a domain on another database. URLs in Mastra's spelling (``file:./mastra.db``,
``:memory:``, ``libsql://…``, ``postgres://…``) are normalised to SQLAlchemy URLs. The value ``off``
switches a domain off (``Storage.get_store`` returns ``None`` for it, as Mastra's ``getStore`` returns
``undefined`` for a domain the composite does not have); ``MASTRA_DATA_URL=off`` leaves only the
domains that name their own URL.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from mastra_data.db.dialects import normalize_url

__all__ = ("DEFAULT_URL", "DOMAINS", "OFF", "Domain", "RetentionSettings", "StorageSettings", "redact_url")

DEFAULT_URL = "sqlite+libsql:///./mastra.db"
"""The embedded default: a libSQL file ``mastra.db`` in the working directory."""

Domain = Literal["memory", "workflows", "scores", "observability", "agents"]
DOMAINS: tuple[Domain, ...] = ("memory", "workflows", "scores", "observability", "agents")

OFF = "off"
"""The URL value that switches a domain (or, as ``url``, every domain without its own URL) off."""


# Query parameters that carry credentials (libSQL's ``?authToken=``, libpq's ``?password=``, …).
_SECRET_QUERY = re.compile(r"([?&][^=&#]*(?:token|password|passwd|secret|key)[^=&#]*=)[^&#]*", re.IGNORECASE)


def redact_url(url: str) -> str:
    """The URL with any password, and any credential query parameter (``authToken``, ``password``, …),
    replaced by ``***`` (for messages and logs)."""
    try:
        rendered = make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown without its credentials part
        rendered = url.split("@")[-1]
    return _SECRET_QUERY.sub(r"\1***", rendered)


class RetentionSettings(BaseModel):
    """Default ages for ``mastra-data prune`` (``MASTRA_DATA_RETENTION__MESSAGES=90d`` …); unset entities
    are not pruned. Durations are ``<positive integer><s|m|h|d|w>``, checked when a prune runs."""

    messages: str | None = Field(default=None, description="Delete messages older than this.")
    threads: str | None = Field(
        default=None, description="Delete message-less threads not updated for this long (default: messages)."
    )
    spans: str | None = Field(default=None, description="Delete whole traces whose newest span is older.")
    scores: str | None = Field(default=None, description="Delete scores older than this.")
    workflows: str | None = Field(default=None, description="Delete finished workflow runs older than this.")


class StorageSettings(BaseSettings):
    """Where each domain's data lives and how connections behave.

    Raises:
        pydantic.ValidationError: a URL with an unsupported scheme (the message names it).
    """

    model_config = SettingsConfigDict(
        env_prefix="MASTRA_DATA_", env_file=".env", extra="ignore", env_nested_delimiter="__"
    )

    url: str = Field(default=DEFAULT_URL, description="Default database for every domain.")
    memory_url: str | None = Field(default=None, description="Threads, messages, resources.")
    workflows_url: str | None = Field(default=None, description="Workflow run snapshots.")
    scores_url: str | None = Field(default=None, description="Eval scores.")
    observability_url: str | None = Field(default=None, description="AI tracing spans.")
    agents_url: str | None = Field(default=None, description="Stored agents.")
    vector_url: str | None = Field(default=None, description="Vector indexes (semantic recall).")
    auth_token: SecretStr | None = Field(default=None, description="libSQL/Turso auth token.")
    echo: bool = Field(default=False, description="Log every SQL statement (SQLAlchemy echo).")
    pool_size: int = Field(default=10, ge=1, description="PostgreSQL connections kept open.")
    max_overflow: int = Field(default=10, ge=0, description="PostgreSQL connections beyond pool_size.")
    connect_timeout: int = Field(default=10, ge=1, description="PostgreSQL connect timeout, seconds.")
    pool_recycle: int = Field(
        default=1800, ge=-1, description="Reconnect pooled connections older than this (s)."
    )
    libsql_mmap_size: int = Field(
        default=1 << 30,
        ge=0,
        description="libSQL files: bytes of the file read through memory mapping (0: off).",
    )
    retention: RetentionSettings = Field(
        default_factory=RetentionSettings, description="Retention ages for prune (RETENTION__<ENTITY>)."
    )

    @field_validator(
        "url",
        "memory_url",
        "workflows_url",
        "scores_url",
        "observability_url",
        "agents_url",
        "vector_url",
    )
    @classmethod
    def _normalize(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None if value is None else DEFAULT_URL
        if value.strip().lower() == OFF:
            return OFF
        try:
            return normalize_url(value)
        except Exception as exc:  # pydantic wants ValueError to report a field error
            raise ValueError(str(exc)) from None

    def url_for(self, domain: Domain | Literal["vector"]) -> str:
        """The URL a domain uses: its own setting, else :attr:`url` (either may be :data:`OFF`)."""
        own: str | None = getattr(self, f"{domain}_url")
        return own or self.url

    def enabled(self, domain: Domain | Literal["vector"]) -> bool:
        """Whether the domain has a database (its URL is not :data:`OFF`)."""
        return self.url_for(domain) != OFF

    def __repr_args__(self):  # type: ignore[no-untyped-def]
        # Passwords inside URLs are secrets too; SecretStr already hides auth_token.
        for key, value in super().__repr_args__():
            secret_url = isinstance(key, str) and key.endswith("url") and isinstance(value, str)
            yield key, redact_url(value) if secret_url else value
