"""Retention that really deletes: messages, emptied threads, whole traces, scores and finished workflow
runs older than a duration, in bounded batches (one short transaction each) so a live app keeps
writing while a prune runs.

What "older than ``D``" means, per entity (``cutoff = now - D``; a row exactly at the cutoff is kept):

* ``messages``: ``createdAt < cutoff``. Their vectors in every ``memory_messages*`` index (metadata
  ``message_id``) are deleted first, so no recall hit can point at a deleted message.
* ``threads``: a thread whose ``updatedAt < cutoff`` and that has no message left. Without its own
  duration it takes the ``messages`` one, so threads emptied by the message prune go too. A thread with
  any message at or after the message cutoff is never touched.
* ``spans``: whole traces whose NEWEST span started (``startedAt``) before the cutoff — no trace is
  left half deleted, and a trace still receiving spans is kept whole.
* ``scores``: ``createdAt < cutoff``.
* ``workflows``: runs in a terminal state (``snapshot.status`` in :data:`TERMINAL_STATUSES`) whose
  ``updatedAt < cutoff``; running, suspended, waiting and pending runs are never deleted.

Durations are ``<positive integer><unit>`` with unit ``s``, ``m``, ``h``, ``d`` or ``w`` (``90d``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from mastra_data.db.dialects import WRITE_TRANSACTION, backend_for
from mastra_data.db.expressions import json_field_equals
from mastra_data.db.repository import utc_now
from mastra_data.db.types import to_utc
from mastra_data.errors import ValidationError, translate_db_errors
from mastra_data.memory.models import Message, Thread
from mastra_data.observability.models import Span
from mastra_data.scores.models import Score
from mastra_data.workflows.models import WorkflowSnapshot

if TYPE_CHECKING:
    from mastra_data.storage import Storage

__all__ = (
    "ENTITIES",
    "TERMINAL_STATUSES",
    "PruneResult",
    "parse_duration",
    "prune",
    "retention_policy",
)

ENTITIES: tuple[str, ...] = ("messages", "threads", "spans", "scores", "workflows")
"""The entities a retention policy names, in the order they are pruned."""

TERMINAL_STATUSES: tuple[str, ...] = ("success", "failed", "canceled", "bailed", "tripwire")
"""Workflow run statuses after which a run never changes again (Mastra's ``WorkflowRunStatus``)."""

DEFAULT_BATCH = 1000

MESSAGES: sa.Table = Message.__table__  # type: ignore[attr-defined]
THREADS: sa.Table = Thread.__table__  # type: ignore[attr-defined]
SPANS: sa.Table = Span.__table__  # type: ignore[attr-defined]
SCORES: sa.Table = Score.__table__  # type: ignore[attr-defined]
RUNS: sa.Table = WorkflowSnapshot.__table__  # type: ignore[attr-defined]

_M, _T, _S, _SC, _W = MESSAGES.c, THREADS.c, SPANS.c, SCORES.c, RUNS.c
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_ERROR = "MASTRA_STORAGE_PRUNE_INVALID_DURATION"

Progress = Callable[[str, int], None]


def parse_duration(text: str | timedelta, name: str = "duration") -> timedelta:
    """``"90d"`` → ``timedelta(days=90)``; units ``s m h d w``; a ``timedelta`` passes through.

    Raises:
        ValidationError: not ``<positive integer><unit>`` (``abc``, ``-3d``, ``0d``, ``5y``).
    """
    if isinstance(text, timedelta):
        value = text
    else:
        match = _DURATION.match(str(text))
        if match is None:
            raise ValidationError(
                _ERROR,
                f"Invalid {name} duration {text!r}: use a positive whole number and a unit s, m, h, d "
                "or w, e.g. 90d",
                details={"entity": name, "value": str(text)},
            )
        value = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if value <= timedelta(0):
        raise ValidationError(
            _ERROR,
            f"Invalid {name} duration {text!r}: it must be longer than zero",
            details={"entity": name, "value": str(text)},
        )
    return value


def retention_policy(
    flags: Mapping[str, str | timedelta | None], settings: Mapping[str, str | None] | None = None
) -> dict[str, timedelta]:
    """Durations per entity: a flag wins over the setting of the same entity; entities with neither
    are not pruned. Unknown entity names are refused.

    Raises:
        ValidationError: a bad duration or an unknown entity.
    """
    policy: dict[str, timedelta] = {}
    for entity in {*flags, *(settings or {})}:
        if entity not in ENTITIES:
            raise ValidationError(_ERROR, f"Unknown retention entity {entity!r}; use one of {ENTITIES}")
    for entity in ENTITIES:
        raw = flags.get(entity)
        if raw is None and settings is not None:
            raw = settings.get(entity)
        if raw is not None:
            policy[entity] = parse_duration(raw, entity)
    return policy


@dataclass
class PruneResult:
    """Rows deleted (or, on a dry run, that would be) per entity; ``traces`` counts whole traces."""

    dry_run: bool
    cutoffs: dict[str, datetime] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """All rows of all entities (traces are counted through their spans)."""
        return sum(n for entity, n in self.counts.items() if entity != "traces")


@contextmanager
def _write(engine: Engine) -> Iterator[Connection]:
    backend = backend_for(engine)
    with (
        translate_db_errors(backend.store, "PRUNE"),
        engine.connect().execution_options(**{WRITE_TRANSACTION: True}) as conn,
        conn.begin(),
    ):
        yield conn


@contextmanager
def _read(engine: Engine) -> Iterator[Connection]:
    backend = backend_for(engine)
    with (
        translate_db_errors(backend.store, "PRUNE"),
        engine.connect().execution_options(**backend.read_options) as conn,
    ):
        yield conn


def _scalar(engine: Engine, query: sa.Select[Any]) -> int:
    with _read(engine) as conn:
        return int(conn.execute(query).scalar_one())


def _count(table: sa.Table, *where: sa.ColumnElement[bool]) -> sa.Select[Any]:
    return sa.select(sa.func.count()).select_from(table).where(*where)


def _forget_message_vectors(storage: Storage, *filters: Mapping[str, Any]) -> None:
    """Delete memory vectors matching ``filters`` (MemoryRepository's own helper: same indexes)."""
    if storage.settings.enabled("vector"):
        storage.memory._forget_vectors(*filters)


def _finished(where: Sequence[sa.ColumnElement[bool]]) -> list[sa.ColumnElement[bool]]:
    statuses = sa.or_(*(json_field_equals(_W.snapshot, "status", s) for s in TERMINAL_STATUSES))
    return [*where, statuses]


def prune(
    storage: Storage,
    policy: Mapping[str, timedelta],
    *,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> PruneResult:
    """Delete what ``policy`` (entity → age, from :func:`retention_policy`) says is too old.

    Each entity runs on its domain's database; a switched-off domain is skipped. Deletes go in
    batches of ``batch_size`` rows, one transaction each, so writers wait at most one batch; a
    prune that is interrupted keeps what it deleted and the next run continues. ``dry_run`` counts
    instead of deleting. ``now`` (default: the current time; naive means UTC) anchors the cutoffs.
    ``progress(entity, rows)`` is called after each batch.

    Raises:
        ValidationError: an unknown entity or a ``batch_size`` below 1.
        BackendError: a database is unreachable or failed (batches already committed stay deleted).
    """
    unknown = set(policy) - set(ENTITIES)
    if unknown:
        raise ValidationError(
            _ERROR, f"Unknown retention entity {sorted(unknown)[0]!r}; use one of {ENTITIES}"
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValidationError(
            "MASTRA_STORAGE_PRUNE_INVALID_ARGUMENT", "batch_size must be a positive integer"
        )
    anchor = to_utc(now) if now is not None else utc_now()
    cutoffs = {entity: anchor - age for entity, age in policy.items()}
    if "messages" in cutoffs and "threads" not in cutoffs:
        cutoffs["threads"] = cutoffs["messages"]
    result = PruneResult(dry_run=dry_run, cutoffs=cutoffs)
    tick: Progress = progress or (lambda _entity, _rows: None)
    enabled = storage.settings.enabled
    if "messages" in cutoffs and enabled("memory"):
        result.counts["messages"] = _messages(storage, cutoffs["messages"], dry_run, batch_size, tick)
    if "threads" in cutoffs and enabled("memory"):
        result.counts["threads"] = _threads(
            storage, cutoffs["threads"], cutoffs.get("messages"), dry_run, batch_size, tick
        )
    if "spans" in cutoffs and enabled("observability"):
        traces, spans = _traces(
            storage.engine_for("observability"), cutoffs["spans"], dry_run, batch_size, tick
        )
        result.counts["traces"], result.counts["spans"] = traces, spans
    if "scores" in cutoffs and enabled("scores"):
        result.counts["scores"] = _by_key(
            storage.engine_for("scores"),
            SCORES,
            [_SC.id],
            [_SC.createdAt < cutoffs["scores"]],
            dry_run,
            batch_size,
            lambda n: tick("scores", n),
        )
    if "workflows" in cutoffs and enabled("workflows"):
        result.counts["workflows"] = _by_key(
            storage.engine_for("workflows"),
            RUNS,
            [_W.workflow_name, _W.run_id],
            _finished([_W.updatedAt < cutoffs["workflows"]]),
            dry_run,
            batch_size,
            lambda n: tick("workflows", n),
        )
    return result


def _by_key(
    engine: Engine,
    table: sa.Table,
    key: Sequence[sa.ColumnElement[Any]],
    where: Sequence[sa.ColumnElement[bool]],
    dry_run: bool,
    batch_size: int,
    tick: Callable[[int], None],
    before_delete: Callable[[list[Any]], None] | None = None,
) -> int:
    """Delete rows matching ``where`` in batches, by their key; returns how many."""
    if dry_run:
        return _scalar(engine, _count(table, *where))
    pick = sa.select(*key).where(*where).limit(batch_size)
    target = key[0] if len(key) == 1 else sa.tuple_(*key)
    total = 0
    while True:
        with _read(engine) as conn:
            keys = [r[0] if len(key) == 1 else tuple(r) for r in conn.execute(pick)]
        if not keys:
            return total
        if before_delete is not None:
            # Outside the write transaction: the vectors may live in the same libSQL file, whose
            # write lock this process would otherwise hold against itself.
            before_delete(keys)
        with _write(engine) as conn:
            # The condition again: a row that changed since it was picked (a new message) stays.
            deleted = int(conn.execute(sa.delete(table).where(target.in_(keys), *where)).rowcount)
        total += deleted
        tick(deleted)
        if len(keys) < batch_size:
            return total


def _messages(storage: Storage, cutoff: datetime, dry_run: bool, batch_size: int, tick: Progress) -> int:
    def forget(ids: list[Any]) -> None:
        # Vectors go first (their own transaction, possibly another database): an interruption then
        # leaves a message without its vector, never a recall hit pointing at a deleted message.
        _forget_message_vectors(storage, {"message_id": {"$in": ids}})

    return _by_key(
        storage.engine_for("memory"),
        MESSAGES,
        [_M.id],
        [_M.createdAt < cutoff],
        dry_run,
        batch_size,
        lambda n: tick("messages", n),
        forget,
    )


def _threads(
    storage: Storage,
    cutoff: datetime,
    message_cutoff: datetime | None,
    dry_run: bool,
    batch_size: int,
    tick: Progress,
) -> int:
    inner = MESSAGES.alias("kept")
    live = [inner.c.thread_id == _T.id]
    if dry_run and message_cutoff is not None:
        # Nothing was deleted: count as if the message prune had run (messages it would keep).
        live.append(inner.c.createdAt >= message_cutoff)
    where = [_T.updatedAt < cutoff, ~sa.exists().where(*live)]

    def forget(ids: list[Any]) -> None:
        _forget_message_vectors(storage, {"thread_id": {"$in": ids}})

    return _by_key(
        storage.engine_for("memory"),
        THREADS,
        [_T.id],
        where,
        dry_run,
        batch_size,
        lambda n: tick("threads", n),
        forget,
    )


def _traces(
    engine: Engine, cutoff: datetime, dry_run: bool, batch_size: int, tick: Progress
) -> tuple[int, int]:
    old = sa.select(_S.traceId).group_by(_S.traceId).having(sa.func.max(_S.startedAt) < cutoff)
    if dry_run:
        traces = _scalar(engine, sa.select(sa.func.count()).select_from(old.subquery()))
        spans = _scalar(engine, _count(SPANS, _S.traceId.in_(old)))
        return traces, spans
    traces = spans = 0
    pick = old.limit(batch_size)
    while True:
        with _write(engine) as conn:
            ids = list(conn.execute(pick).scalars())
            if not ids:
                return traces, spans
            deleted = conn.execute(sa.delete(SPANS).where(_S.traceId.in_(ids))).rowcount
        traces += len(ids)
        spans += int(deleted)
        tick("spans", int(deleted))
