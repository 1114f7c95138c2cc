"""Shared core: engines, backends (one module per database), portable types and the schema."""

from mastra_data.db.dialects import WRITE_TRANSACTION, Backend, backend_for, normalize_url
from mastra_data.db.engine import create_engine

__all__ = ("WRITE_TRANSACTION", "Backend", "backend_for", "create_engine", "normalize_url")
