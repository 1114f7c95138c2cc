"""``WorkflowsRepository``: the persisted state of workflow runs (``mastra_workflow_snapshot``).

Behaviour follows Mastra's ``WorkflowsStorage`` (``reference/mastra-storage-spec.md`` §3.2) with the
snake_case API of DESIGN §4. One row per ``(workflow_name, run_id)`` holds the run's whole
``WorkflowRunState`` as JSON. Where Mastra's stores differ we take its PostgreSQL store's behaviour on
both backends (``persist_workflow_snapshot`` keeps ``created_at``; the two update methods are atomic),
and each docstring names any difference from Mastra.

Hot paths (persist, load, the read-modify-write updates) run prebuilt SQLAlchemy Core statements and
build no ORM objects. Datetimes given without a time zone are taken to be UTC everywhere.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, cast

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.engine import Connection, Engine

from mastra_data.db.base import trusted
from mastra_data.db.direct import Direct
from mastra_data.db.expressions import json_field_equals
from mastra_data.db.repository import Repository, utc_now
from mastra_data.errors import BackendError, NotFoundError, error_id
from mastra_data.pagination import Pagination, paginate
from mastra_data.validation import Checker
from mastra_data.workflows.models import WorkflowRun, WorkflowRunsPage, WorkflowSnapshot

__all__ = ("WorkflowsRepository",)

SNAPSHOTS: sa.Table = WorkflowSnapshot.__table__  # type: ignore[attr-defined]

_W = SNAPSHOTS.c
_RUN_COLS = (_W.workflow_name, _W.run_id, _W.resourceId, _W.snapshot, _W.createdAt, _W.updatedAt)
_KEY = (_W.workflow_name, _W.run_id)  # the UNIQUE pair: the conflict target of every upsert
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


def _by_key() -> tuple[sa.ColumnElement[bool], ...]:
    return (_W.workflow_name == sa.bindparam("wf"), _W.run_id == sa.bindparam("run"))


@functools.lru_cache(maxsize=64)
def _run_queries(
    by_name: bool, by_resource: bool, since: bool, until: bool, limited: bool
) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """(COUNT, rows) statements of ``list_workflow_runs`` for one filter shape, built once.

    Values are bound per call: ``wf``, ``rid``, ``since``, ``until``, and ``lim``/``off`` when
    ``limited``. Rows come newest first; ties on ``createdAt`` (runs persisted within one millisecond)
    are ordered by run id, then workflow name, so that pages never overlap.
    """
    where: list[sa.ColumnElement[bool]] = []
    if by_name:
        where.append(_W.workflow_name == sa.bindparam("wf"))
    if by_resource:
        where.append(_W.resourceId == sa.bindparam("rid"))
    if since:
        where.append(_W.createdAt >= sa.bindparam("since"))
    if until:
        where.append(_W.createdAt <= sa.bindparam("until"))
    count = sa.select(sa.func.count()).select_from(SNAPSHOTS).where(*where)
    rows = (
        sa.select(*_RUN_COLS)
        .where(*where)
        .order_by(_W.createdAt.desc(), _W.run_id.desc(), _W.workflow_name.desc())
    )
    if limited:
        rows = rows.limit(sa.bindparam("lim", type_=sa.BigInteger())).offset(
            sa.bindparam("off", type_=sa.BigInteger())
        )
    return count, rows


def _run(row: Sequence[Any]) -> WorkflowRun:
    return trusted(
        WorkflowRun,
        {
            "workflow_name": row[0],
            "run_id": row[1],
            "snapshot": row[3],
            "created_at": row[4],
            "updated_at": row[5],
            "resource_id": row[2],
        },
    )


def _camel(key: str) -> str:
    """``suspended_paths`` -> ``suspendedPaths``; any other key (camelCase, one word) is kept."""
    if not _SNAKE.match(key):
        return key
    head, *rest = key.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _default_snapshot(run_id: str) -> dict[str, Any]:
    """Mastra's starting ``WorkflowRunState`` for a run that has no row yet (``updateWorkflowResults``)."""
    return {
        "context": {},
        "activePaths": [],
        "timestamp": int(time.time() * 1000),
        "suspendedPaths": {},
        "activeStepsPath": {},
        "resumeLabels": {},
        "serializedStepGraph": [],
        "status": "pending",
        "value": {},
        "waitingPaths": {},
        "runId": run_id,
        "requestContext": {},
    }


class WorkflowsRepository(Repository):
    """Workflow run snapshots on one database (Mastra's ``WorkflowsStorage``).

    Args:
        engine: A mastra_data engine (:func:`mastra_data.db.create_engine`), already migrated.
    """

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        backend = self._backend
        # Built once: an upsert's ``excluded`` alias costs more to build than to run.
        insert = backend.insert(SNAPSHOTS)
        # persist: the row's createdAt stays; everything else is the new call's (shadow columns too).
        replaced = backend.row(SNAPSHOTS, {"resourceId": None, "snapshot": None, "updatedAt": None})
        # persist/load are the hot pair: run directly on the cursor (see mastra_data.db.direct).
        self._upsert = Direct(
            insert.on_conflict_do_update(
                index_elements=list(_KEY), set_={name: insert.excluded[name] for name in replaced}
            )
        )
        # update_workflow_results on a run without a row: create it unless a concurrent call just did.
        self._insert_new = backend.insert(SNAPSHOTS).on_conflict_do_nothing(index_elements=list(_KEY))
        self._load = Direct(sa.select(_W.snapshot).where(*_by_key()))
        # FOR UPDATE: PostgreSQL locks the row until commit. SQLite renders no FOR UPDATE; there the
        # write transaction is BEGIN IMMEDIATE, which already excludes every other writer.
        self._lock = sa.select(_W.snapshot).where(*_by_key()).with_for_update()
        self._set_snapshot = (
            sa.update(SNAPSHOTS)
            .where(*_by_key())
            .values(
                {
                    name: sa.bindparam(f"v_{name}")
                    for name in backend.row(SNAPSHOTS, {"snapshot": None, "updatedAt": None})
                }
            )
        )
        self._delete = sa.delete(SNAPSHOTS).where(*_by_key())
        self._run_by_key = sa.select(*_RUN_COLS).where(*_by_key())
        self._run_by_id = (
            sa.select(*_RUN_COLS)
            .where(_W.run_id == sa.bindparam("run"))
            .order_by(_W.createdAt.desc(), _W.workflow_name.desc())
            .limit(1)
        )

    # --- plumbing -----------------------------------------------------------------------------

    @staticmethod
    def _name(check: Checker, value: Any, what: str, *, optional: bool = False) -> str | None:
        """A workflow name, run id, step id or resource id: a non-blank string (or ``None`` if optional)."""
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            raise check.fail(f"{what} must be a non-empty string, got {value!r}")
        return value

    @staticmethod
    def _document(check: Checker, value: Any, what: str) -> dict[str, Any]:
        """A JSON object argument (mapping or pydantic model) as a plain dict; its values are checked
        when it is serialised."""
        if isinstance(value, BaseModel):
            return value.model_dump(mode="json", by_alias=True)
        if not isinstance(value, Mapping):
            raise check.fail(f"{what} must be an object (mapping), got {type(value).__name__}")
        return value if type(value) is dict else dict(value)

    def _key_values(self, check: Checker, workflow_name: Any, run_id: Any) -> dict[str, str]:
        return {
            "wf": cast(str, self._name(check, workflow_name, "workflowName")),
            "run": cast(str, self._name(check, run_id, "runId")),
        }

    def _locked_snapshot(self, conn: Connection, key: Mapping[str, str]) -> tuple[bool, Any]:
        """(row exists, its snapshot), with the row locked until the transaction ends."""
        row = conn.execute(self._lock, key).first()
        return (False, None) if row is None else (True, row[0])

    def _store_snapshot(self, conn: Connection, key: Mapping[str, str], snapshot: dict[str, Any]) -> None:
        values = self._backend.row(SNAPSHOTS, {"snapshot": snapshot, "updatedAt": utc_now()})
        conn.execute(self._set_snapshot, {**{f"v_{k}": v for k, v in values.items()}, **key})

    # --- snapshots ----------------------------------------------------------------------------

    def persist_workflow_snapshot(
        self,
        *,
        workflow_name: str,
        run_id: str,
        snapshot: Mapping[str, Any] | BaseModel,
        resource_id: str | None = None,
        created_at: datetime | str | None = None,
        updated_at: datetime | str | None = None,
    ) -> None:
        """Create or replace the snapshot of a run, in one statement (any size).

        An existing run keeps its ``created_at``; its snapshot, ``resource_id`` (``None`` clears it)
        and ``updated_at`` are replaced. ``created_at``/``updated_at`` default to now (datetimes or
        ISO-8601 strings; naive means UTC). On PostgreSQL, NUL characters and lone UTF-16 surrogates
        are stripped from the snapshot's strings, as Mastra's PG store does (``jsonb`` cannot hold
        them); libSQL stores them unchanged.

        Mastra parity: this is Mastra's PostgreSQL behaviour on both backends. Mastra's libSQL store
        uses ``INSERT OR REPLACE``, which resets ``createdAt`` on every persist unless it is passed.

        Raises:
            ValidationError: blank workflow name or run id, a blank or non-string resource id, a
                snapshot that is not an object or not JSON-serialisable (a set, NaN, …), or a bad date
                (``…_PERSIST_WORKFLOW_SNAPSHOT_INVALID_ARGUMENT``). Nothing is written.
        """
        check = Checker(self._store, "PERSIST_WORKFLOW_SNAPSHOT")
        key = self._key_values(check, workflow_name, run_id)
        self._name(check, resource_id, "resourceId", optional=True)
        document = self._document(check, snapshot, "snapshot")
        now = utc_now()
        created = check.instant(created_at, "createdAt") or now
        updated = check.instant(updated_at, "updatedAt") or now
        row = self._backend.row(
            SNAPSHOTS,
            {
                "workflow_name": key["wf"],
                "run_id": key["run"],
                "resourceId": resource_id,
                "snapshot": document,
                "createdAt": created,
                "updatedAt": updated,
            },
        )
        try:
            with self._direct(
                "PERSIST_WORKFLOW_SNAPSHOT", "statement", workflowName=key["wf"], runId=key["run"]
            ) as conn:
                self._upsert.write(conn, row)
        except BackendError:
            # The snapshot is serialised once, while the statement binds it; only on failure is it
            # checked again to tell bad input from a database error (a 10 MB snapshot is not
            # serialised twice on the way in).
            check.json(document, "snapshot")
            raise

    def load_workflow_snapshot(self, *, workflow_name: str, run_id: str) -> dict[str, Any] | None:
        """The run's snapshot (its ``WorkflowRunState`` dict), or ``None`` if the run has no row.

        Raises:
            ValidationError: blank workflow name or run id.
        """
        check = Checker(self._store, "LOAD_WORKFLOW_SNAPSHOT")
        key = self._key_values(check, workflow_name, run_id)
        with self._direct("LOAD_WORKFLOW_SNAPSHOT", "read", workflowName=key["wf"], runId=key["run"]) as conn:
            value = self._load.scalar(conn, key)
        # Every write path here stores an object; another writer's non-object snapshot is returned as is.
        return cast("dict[str, Any] | None", value)

    # --- runs ---------------------------------------------------------------------------------

    def list_workflow_runs(
        self,
        *,
        workflow_name: str | None = None,
        from_date: datetime | str | None = None,
        to_date: datetime | str | None = None,
        per_page: int | Literal[False] | None = None,
        page: int | None = None,
        resource_id: str | None = None,
        status: str | None = None,
    ) -> WorkflowRunsPage:
        """Runs filtered by workflow name, resource, status (the snapshot's ``status``) and creation
        time (``from_date <= created_at <= to_date``, datetimes or ISO strings, naive means UTC),
        newest first.

        Paginated only when both ``page`` and ``per_page`` are given (Mastra's rule): then ``total``
        counts all matching runs. Otherwise every matching run is returned, ``total`` is their number
        and the page reads ``page=0, per_page=False``. ``per_page=False`` means all rows.

        Mastra parity: ties on ``created_at`` are ordered by run id. A lone ``page`` or ``per_page`` is
        validated too, and ``per_page=False`` with ``page > 0`` is an error (Mastra returns nothing).

        Raises:
            ValidationError: bad ``page``/``per_page`` (``…_LIST_WORKFLOW_RUNS_INVALID_PAGE``); a blank
                name, resource id or status, or a bad date (``…_INVALID_ARGUMENT``).
        """
        operation = "LIST_WORKFLOW_RUNS"
        check = Checker(self._store, operation)
        self._name(check, workflow_name, "workflowName", optional=True)
        self._name(check, resource_id, "resourceId", optional=True)
        self._name(check, status, "status", optional=True)
        since = check.instant(from_date, "fromDate")
        until = check.instant(to_date, "toDate")
        paging = self._paging(page, per_page, operation)
        limited = paging is not None and paging.limit is not None
        count_query, rows_query = _run_queries(
            workflow_name is not None, resource_id is not None, since is not None, until is not None, limited
        )
        if status is not None:  # the status is part of the SQL text: no prebuilt shape
            by_status = json_field_equals(_W.snapshot, "status", status)
            count_query, rows_query = count_query.where(by_status), rows_query.where(by_status)
        params: dict[str, Any] = {}
        for name, value in (("wf", workflow_name), ("rid", resource_id), ("since", since), ("until", until)):
            if value is not None:
                params[name] = value
        if paging is not None and paging.limit is not None:
            params["lim"], params["off"] = paging.limit, paging.offset
        with self._read(operation) as conn:
            if paging is None:
                runs = [_run(r) for r in conn.execute(rows_query, params)]
                return WorkflowRunsPage(runs=runs, total=len(runs), page=0, per_page=False, has_more=False)
            total = conn.execute(count_query, params).scalar_one()
            rows = list(conn.execute(rows_query, params)) if total and paging.limit != 0 else []
        return WorkflowRunsPage(
            runs=[_run(r) for r in rows],
            total=total,
            page=paging.page,
            per_page=paging.per_page,
            has_more=paging.has_more(total),
        )

    def _paging(self, page: int | None, per_page: int | bool | None, operation: str) -> Pagination | None:
        """Mastra's rule: a page only when both values are given (each is validated either way)."""
        if page is not None and per_page is not None:
            return paginate(page, per_page, store=self._store, operation=operation)
        if page is not None:
            paginate(page, 1, store=self._store, operation=operation)
        if per_page is not None:
            paginate(0, per_page, store=self._store, operation=operation)
        return None

    def get_workflow_run_by_id(self, run_id: str, *, workflow_name: str | None = None) -> WorkflowRun | None:
        """The run with this id (within ``workflow_name`` if given), or ``None``.

        Without ``workflow_name``, the newest run of that id across workflows (as Mastra).

        Raises:
            ValidationError: blank run id or workflow name.
        """
        check = Checker(self._store, "GET_WORKFLOW_RUN_BY_ID")
        self._name(check, run_id, "runId")
        self._name(check, workflow_name, "workflowName", optional=True)
        with self._read("GET_WORKFLOW_RUN_BY_ID", runId=run_id) as conn:
            if workflow_name is None:
                row = conn.execute(self._run_by_id, {"run": run_id}).first()
            else:
                row = conn.execute(self._run_by_key, {"wf": workflow_name, "run": run_id}).first()
        return None if row is None else _run(row)

    def delete_workflow_run_by_id(self, run_id: str, *, workflow_name: str) -> None:
        """Delete the run's row; no error if it does not exist.

        Raises:
            ValidationError: blank run id or workflow name.
        """
        check = Checker(self._store, "DELETE_WORKFLOW_RUN_BY_ID")
        key = self._key_values(check, workflow_name, run_id)
        with self._write_statement(
            "DELETE_WORKFLOW_RUN_BY_ID", workflowName=key["wf"], runId=key["run"]
        ) as conn:
            conn.execute(self._delete, key)

    # --- atomic updates -----------------------------------------------------------------------

    def update_workflow_results(
        self,
        *,
        workflow_name: str,
        run_id: str,
        step_id: str,
        result: Mapping[str, Any] | BaseModel,
        request_context: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        """Set ``snapshot.context[step_id] = result`` and merge ``request_context`` into the snapshot's
        (shallow; new keys win), atomically; returns the updated ``context`` (every step's result).

        One write transaction reads the row locked (``SELECT … FOR UPDATE`` on PostgreSQL, inside
        ``BEGIN IMMEDIATE`` on libSQL) and writes it back, so concurrent calls for different steps of a
        run, from threads or processes, never lose an update. A run without a row starts from Mastra's
        default snapshot (status ``pending``, empty context) and gets a row with no resource id. Bumps
        ``updated_at``.

        Mastra parity: Mastra's libSQL store behaves the same; ``@mastra/pg`` 1.0.0 does not implement
        the method (later versions do, as here). A snapshot without a ``context`` object gets one.

        Raises:
            ValidationError: blank names, a ``result`` that is not an object, a ``request_context`` that
                is not an object or ``None``, or either not JSON-serialisable (nothing is written).
        """
        operation = "UPDATE_WORKFLOW_RESULTS"
        check = Checker(self._store, operation)
        key = self._key_values(check, workflow_name, run_id)
        step = cast(str, self._name(check, step_id, "stepId"))
        step_result = self._document(check, result, "result")
        extra = {} if request_context is None else self._document(check, request_context, "requestContext")
        check.json(step_result, "result")
        check.json(extra, "requestContext")
        with self._write(operation, workflowName=key["wf"], runId=key["run"]) as conn:
            exists, snapshot = self._locked_snapshot(conn, key)
            if not exists:
                now = utc_now()
                new = {
                    "workflow_name": key["wf"],
                    "run_id": key["run"],
                    "snapshot": _default_snapshot(key["run"]),
                    "createdAt": now,
                    "updatedAt": now,
                }
                # DO NOTHING if a concurrent call created the row first (PostgreSQL cannot lock a
                # missing row); reading again then waits for and returns that call's snapshot.
                conn.execute(self._insert_new, self._backend.row(SNAPSHOTS, new))
                _, snapshot = self._locked_snapshot(conn, key)
            if not isinstance(snapshot, dict):
                snapshot = _default_snapshot(key["run"])
            context: dict[str, Any] = snapshot.get("context")
            if not isinstance(context, dict):
                context = snapshot["context"] = {}
            context[step] = step_result
            merged = snapshot.get("requestContext")
            snapshot["requestContext"] = {**(merged if isinstance(merged, dict) else {}), **extra}
            self._store_snapshot(conn, key, snapshot)
        return context

    def update_workflow_state(
        self,
        *,
        workflow_name: str,
        run_id: str,
        opts: Mapping[str, Any] | BaseModel,
    ) -> dict[str, Any] | None:
        """Shallow-merge ``opts`` (``status``, ``result``, ``error``, ``suspended_paths``,
        ``waiting_paths``, … in either key spelling) into the run's snapshot, atomically; returns the
        new snapshot, or ``None`` if the run has no row.

        Locked read-modify-write in one transaction as :meth:`update_workflow_results`, so concurrent
        updates of different keys all land. Bumps ``updated_at``.

        Mastra parity: Mastra's libSQL store leaves ``updatedAt`` unchanged here; we bump it, so that it
        says when the run last changed. ``@mastra/pg`` 1.0.0 does not implement the method.

        Raises:
            NotFoundError: the row's snapshot has no ``context`` (Mastra's ``Snapshot not found for
                runId <id>``; id ``…_UPDATE_WORKFLOW_STATE_NOT_FOUND``).
            ValidationError: blank names, ``opts`` not an object or not JSON-serialisable (nothing is
                written).
        """
        operation = "UPDATE_WORKFLOW_STATE"
        check = Checker(self._store, operation)
        key = self._key_values(check, workflow_name, run_id)
        changes = {_camel(str(k)): v for k, v in self._document(check, opts, "opts").items()}
        check.json(changes, "opts")
        with self._write(operation, workflowName=key["wf"], runId=key["run"]) as conn:
            exists, snapshot = self._locked_snapshot(conn, key)
            if not exists:
                return None
            if not isinstance(snapshot, dict) or "context" not in snapshot:
                raise NotFoundError(
                    error_id(self._store, operation, "NOT_FOUND"),
                    f"Snapshot not found for runId {key['run']}",
                    details={"workflowName": key["wf"], "runId": key["run"]},
                )
            updated = {**snapshot, **changes}
            self._store_snapshot(conn, key, updated)
        return updated
