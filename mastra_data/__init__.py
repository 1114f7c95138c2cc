"""mastra_data: durable AI-agent memory for Python, schema-compatible with Mastra v1.

A Mastra TypeScript app and a Python app can share one database (libSQL file or PostgreSQL), each
reading what the other wrote.
"""

from mastra_data.agents.models import Agent
from mastra_data.errors import (
    BackendError,
    ConfigurationError,
    ConflictError,
    MastraDataError,
    MigrationError,
    NotFoundError,
    OwnershipError,
    ValidationError,
)
from mastra_data.memory.models import Message, Resource, Thread
from mastra_data.observability.models import Span
from mastra_data.scores.models import Score
from mastra_data.settings import StorageSettings
from mastra_data.storage import Storage
from mastra_data.workflows.models import WorkflowSnapshot

__all__ = (
    "Agent",
    "BackendError",
    "ConfigurationError",
    "ConflictError",
    "MastraDataError",
    "Message",
    "MigrationError",
    "NotFoundError",
    "OwnershipError",
    "Resource",
    "Score",
    "Span",
    "Storage",
    "StorageSettings",
    "Thread",
    "ValidationError",
    "WorkflowSnapshot",
)

__version__ = "0.1.0"
