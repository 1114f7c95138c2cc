"""Fixtures for tests that run the real Mastra npm packages (pinned in node/package.json)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bridge import ensure_node_modules, node_available


@pytest.fixture(scope="session")
def mastra_node() -> Path:
    """Skip unless node+npm exist; install the pinned Mastra packages once per session."""
    if not node_available():
        pytest.skip("node not installed: the interop tests run the real Mastra npm packages with node/npm")
    return ensure_node_modules()


def mastra_url(db_url: str) -> str:
    """The same database as Mastra's stores spell it (``file:`` path or libpq URL)."""
    if db_url.startswith("sqlite+libsql:///"):
        return "file:" + db_url[len("sqlite+libsql:///") :]
    return db_url.replace("postgresql+psycopg://", "postgresql://", 1)


def mastra_backend(db_url: str) -> str:
    """The bridge's backend name for a URL."""
    return "libsql" if db_url.startswith("sqlite") else "pg"
