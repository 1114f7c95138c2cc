"""mastra_data: durable AI-agent memory for Python, schema-compatible with Mastra v1.

A Mastra TypeScript app and a Python app can share one database (libSQL file or PostgreSQL), each
reading what the other wrote.
"""

from mastra_data.agents.models import Agent, AgentRead, AgentsPage
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
from mastra_data.memory.models import (
    Message,
    MessageRead,
    MessagesPage,
    RecallResult,
    Resource,
    ResourceRead,
    Thread,
    ThreadRead,
    ThreadsPage,
)
from mastra_data.observability.models import Span, SpanRecord, TraceRecord, TracesPage
from mastra_data.scores.models import Score, ScoreRead, ScoresPage
from mastra_data.settings import StorageSettings
from mastra_data.storage import Storage
from mastra_data.workflows.models import WorkflowRun, WorkflowRunsPage, WorkflowSnapshot

__all__ = (
    "Agent",
    "AgentRead",
    "AgentsPage",
    "BackendError",
    "ConfigurationError",
    "ConflictError",
    "MastraDataError",
    "Message",
    "MessageRead",
    "MessagesPage",
    "MigrationError",
    "NotFoundError",
    "OwnershipError",
    "RecallResult",
    "Resource",
    "ResourceRead",
    "Score",
    "ScoreRead",
    "ScoresPage",
    "Span",
    "SpanRecord",
    "Storage",
    "StorageSettings",
    "Thread",
    "ThreadRead",
    "ThreadsPage",
    "TraceRecord",
    "TracesPage",
    "ValidationError",
    "WorkflowRun",
    "WorkflowRunsPage",
    "WorkflowSnapshot",
)

__version__ = "0.1.0"
