"""Workflow-snapshot workloads (performance-anchors W9): ``WorkflowsRepository`` against the raw drivers.

Imported by ``scripts/bench.py`` (which owns the command line, the databases and the printing); run
this file directly for the workflows rows alone (``python scripts/bench_workflows.py [--quick]
[--backend libsql|postgres|both]``).

* P  persist + load of a ~1 KB snapshot for distinct run ids: a new run is persisted, then loaded.
     Rate in ops/s, where the persist and the load are one op each (so pairs/s is half of it).
* S  100 KB, 1 MB and 10 MB snapshots: persist (an upsert of one run id, as a running workflow does
     after each step) and load, median latency each.

The raw baselines run the same SQL as ours with the bare driver (libsql_experimental / psycopg 3) and
do the same work around it: ``json.dumps`` of the snapshot, the write as one transaction, and on load
the JSON parse (``json()`` + ``json.loads`` on libSQL; psycopg parses ``jsonb`` itself). Efficiency is
``raw time / our time`` (``our rate / raw rate`` for P). Ours and raw alternate in blocks, each side on
its own fresh database, so that load from other processes hits both alike.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench_memory import TEXTS, Config, Database, Result, _stats, time_pair

__all__ = ("run_workflows_suite",)

WORKFLOW = "bench-workflow"
SIZES = ((100_000, "100 KB"), (1_000_000, "1 MB"), (10_000_000, "10 MB"))
# Issue targets: (libSQL, PostgreSQL).
TARGETS: dict[str, tuple[float, float]] = {"P": (16_000.0, 4_000.0)}  # ops/s, at least
BIG_PERSIST_MIN_EFFICIENCY = 0.5  # anchors W9: >= 50% of a raw driver upsert of the same bytes

INSERT_HEAD = (
    'INSERT INTO mastra_workflow_snapshot (workflow_name, run_id, "resourceId", snapshot, "createdAt", '
    '"updatedAt"'
)
UPSERT_TAIL = (
    'ON CONFLICT (workflow_name, run_id) DO UPDATE SET "resourceId" = excluded."resourceId", '
    'snapshot = excluded.snapshot, "updatedAt" = excluded."updatedAt"'
)


class WResult(Result):
    """A :class:`Result` whose ``ops/s`` rows are higher-is-better."""

    @property
    def higher_is_better(self) -> bool:
        return self.unit in ("msgs/s", "ops/s")


# --- data -------------------------------------------------------------------------------------------


def make_snapshot(run_id: str, size: int) -> dict[str, Any]:
    """A ``WorkflowRunState`` of about ``size`` bytes of JSON: one step result per ~1 KB of text."""
    steps = max(1, size // 1_100)
    text_len = max(16, min(1_000, size - 400))
    context = {
        f"step-{i}": {
            "status": "success",
            "payload": {"i": i},
            "output": {"text": TEXTS[i % len(TEXTS)][:text_len]},
            "startedAt": 1_735_689_600_000 + i,
            "endedAt": 1_735_689_600_015 + i,
        }
        for i in range(steps)
    }
    return {
        "runId": run_id,
        "status": "running",
        "value": {},
        "context": context,
        "activePaths": [0],
        "activeStepsPath": {f"step-{steps - 1}": [0]},
        "serializedStepGraph": [{"type": "step", "step": {"id": f"step-{i}"}} for i in range(min(steps, 50))],
        "suspendedPaths": {},
        "waitingPaths": {},
        "resumeLabels": {},
        "requestContext": {"userId": "bench"},
        "timestamp": 1_735_689_600_000,
    }


def _size(snapshot: dict[str, Any]) -> int:
    return len(json.dumps(snapshot, separators=(",", ":")).encode())


# --- raw drivers ------------------------------------------------------------------------------------


def _iso_ms(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RawLibSQL:
    """libsql_experimental on the file, autocommit mode, WAL + synchronous=NORMAL (``bench.py``'s raw)."""

    label = "libsql"

    def __init__(self, db: Database) -> None:
        self._owner = db.raw("libsql")
        self.conn = self._owner.conn  # type: ignore[attr-defined]
        self._upsert = f"{INSERT_HEAD}) VALUES (?, ?, ?, ?, ?, ?) {UPSERT_TAIL}"
        self._load = (
            "SELECT json(snapshot) FROM mastra_workflow_snapshot WHERE workflow_name = ? AND run_id = ?"
        )

    def persist(self, run_id: str, snapshot: dict[str, Any]) -> None:
        now = _iso_ms(datetime.now(UTC))
        text = json.dumps(snapshot, separators=(",", ":"), ensure_ascii=False)
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute(self._upsert, (WORKFLOW, run_id, None, text, now, now))
        self.conn.execute("COMMIT")

    def load(self, run_id: str) -> Any:
        row = self.conn.execute(self._load, (WORKFLOW, run_id)).fetchone()
        return None if row is None else json.loads(row[0])

    def close(self) -> None:
        self._owner.close()


class RawPostgres:
    """psycopg 3, one autocommit connection; the persist is one explicit transaction, as ours."""

    label = "psycopg"

    def __init__(self, db: Database) -> None:
        self._owner = db.raw(None)
        self.conn = self._owner.conn  # type: ignore[attr-defined]
        self.cur = self.conn.cursor()
        self._upsert = (
            f'{INSERT_HEAD}, "createdAtZ", "updatedAtZ") VALUES (%s, %s, %s, %s::jsonb, %s, %s, %s, %s) '
            f'{UPSERT_TAIL}, "updatedAtZ" = excluded."updatedAtZ"'
        )
        self._load = "SELECT snapshot FROM mastra_workflow_snapshot WHERE workflow_name = %s AND run_id = %s"

    def persist(self, run_id: str, snapshot: dict[str, Any]) -> None:
        now = datetime.now(UTC)
        naive = now.replace(tzinfo=None)
        text = json.dumps(snapshot, separators=(",", ":"), ensure_ascii=False)
        with self.conn.transaction():
            self.cur.execute(self._upsert, (WORKFLOW, run_id, None, text, naive, naive, now, now))

    def load(self, run_id: str) -> Any:
        self.cur.execute(self._load, (WORKFLOW, run_id))
        row = self.cur.fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        self._owner.close()


Raw = RawLibSQL | RawPostgres


# --- the suite --------------------------------------------------------------------------------------


@dataclass
class WorkflowsSuite:
    backend: str  # "libsql" | "postgres"
    new_database: Callable[[str], Database]
    config: Config
    log: Callable[[str], None] = print
    results: list[Result] = field(default_factory=list)

    @property
    def _i(self) -> int:
        return 0 if self.backend == "libsql" else 1

    def _pair(self, name: str) -> tuple[Any, Raw]:
        """Our Storage and a raw connection, each on its own fresh, migrated database."""
        from mastra_data import Storage

        ours_db, raw_db = self.new_database(f"wf_{name}_ours"), self.new_database(f"wf_{name}_raw")
        storage = Storage.from_url(ours_db.url)
        storage.migrate()
        with Storage.from_url(raw_db.url) as raw_storage:
            raw_storage.migrate()
        raw: Raw = RawLibSQL(raw_db) if self.backend == "libsql" else RawPostgres(raw_db)
        return storage, raw

    def run(self) -> list[Result]:
        self._persist_load()
        self._big()
        return self.results

    # P ---------------------------------------------------------------------------------------------

    def _persist_load(self) -> None:
        """Persist then load a ~1 KB snapshot, for distinct run ids, in interleaved rounds."""
        pairs = 1_000 if self.config.quick else 5_000
        rounds = 10
        storage, raw = self._pair("p")
        repo = storage.workflows
        template = make_snapshot("run", 1_000)
        size = _size(template)

        def ours(run_id: str) -> object:
            repo.persist_workflow_snapshot(
                workflow_name=WORKFLOW, run_id=run_id, snapshot={**template, "runId": run_id}
            )
            return repo.load_workflow_snapshot(workflow_name=WORKFLOW, run_id=run_id)

        def theirs(run_id: str) -> object:
            raw.persist(run_id, {**template, "runId": run_id})
            return raw.load(run_id)

        sides = [(ours, "ours"), (theirs, raw.label)]
        for fn, prefix in sides:  # warm-up: connections, statement caches
            for i in range(self.config.warmup):
                fn(f"warm-{prefix}-{i}")
        elapsed = [0.0, 0.0]
        per_pair: list[list[float]] = [[], []]
        clock = time.perf_counter
        gc.collect()
        for r in range(rounds):
            for k, (fn, prefix) in enumerate(sides):
                ids = [f"{prefix}-{n:06d}" for n in range(r * pairs // rounds, (r + 1) * pairs // rounds)]
                start = clock()
                for run_id in ids:
                    t0 = clock()
                    fn(run_id)
                    per_pair[k].append(clock() - t0)
                elapsed[k] += clock() - start
        raw.close()
        storage.close()
        rates = [2 * pairs / e for e in elapsed]
        ours_stats, raw_stats = _stats(per_pair[0]), _stats(per_pair[1])
        self.log(f"  P persist+load {size} B: ours {rates[0]:,.0f} ops/s, {raw.label} {rates[1]:,.0f} ops/s")
        self.results.append(
            WResult(
                f"W9 persist+load {size / 1000:.1f} KB snapshot, new run ids",
                "ops/s",
                rates[0],
                rates[1],
                raw.label,
                target=TARGETS["P"][self._i],
                note=f"{pairs:,} pairs (2 ops each); per pair p50 {ours_stats.median_ms:.3f} / p95 "
                f"{ours_stats.p95_ms:.3f} ms (raw p50 {raw_stats.median_ms:.3f})",
            )
        )

    # S ---------------------------------------------------------------------------------------------

    def _big(self) -> None:
        storage, raw = self._pair("s")
        repo = storage.workflows
        try:
            for size, label in SIZES:
                iters = self._iters(size)
                snapshot = make_snapshot(f"big-{size}", size)
                actual = _size(snapshot)
                ours_id, raw_id = f"ours-{size}", f"raw-{size}"

                def ours_persist(_: int, s: dict[str, Any] = snapshot, run_id: str = ours_id) -> object:
                    return repo.persist_workflow_snapshot(workflow_name=WORKFLOW, run_id=run_id, snapshot=s)

                def raw_persist(_: int, s: dict[str, Any] = snapshot, run_id: str = raw_id) -> object:
                    return raw.persist(run_id, s)

                def ours_load(_: int, run_id: str = ours_id) -> object:
                    return repo.load_workflow_snapshot(workflow_name=WORKFLOW, run_id=run_id)

                def raw_load(_: int, run_id: str = raw_id) -> object:
                    return raw.load(run_id)

                args = list(range(iters))
                mb = actual / 1e6
                for verb, ours, theirs, min_eff in (
                    ("persist", ours_persist, raw_persist, BIG_PERSIST_MIN_EFFICIENCY),
                    ("load", ours_load, raw_load, None),
                ):
                    ours_stats, raw_stats = time_pair(
                        ours, theirs, args, warmup=2, budget_s=None, blocks=min(5, iters), collect_each=True
                    )
                    self.log(
                        f"  S {verb} {label}: ours {ours_stats.median_ms:.2f} ms, "
                        f"{raw.label} {raw_stats.median_ms:.2f} ms"
                    )
                    self.results.append(
                        WResult(
                            f"W9 {verb} {label} snapshot",
                            "ms",
                            ours_stats.median_ms,
                            raw_stats.median_ms,
                            raw.label,
                            min_efficiency=min_eff,
                            note=f"{mb:.2f} MB JSON, {mb / (ours_stats.median_ms / 1000):.0f} MB/s; "
                            f"{ours_stats.text}",
                            indent=verb == "load",
                        )
                    )
                assert repo.load_workflow_snapshot(workflow_name=WORKFLOW, run_id=ours_id) == snapshot
        finally:
            raw.close()
            storage.close()

    def _iters(self, size: int) -> int:
        if self.config.quick:
            return {100_000: 20, 1_000_000: 8}.get(size, 3)
        return {100_000: 100, 1_000_000: 30}.get(size, 8)


def run_workflows_suite(
    backend: str,
    new_database: Callable[[str], Database],
    config: Config,
    *,
    log: Callable[[str], None] = print,
) -> list[Result]:
    """Run every workflows workload on one backend; returns the table rows."""
    return WorkflowsSuite(backend, new_database, config, log).run()


# --- standalone run ---------------------------------------------------------------------------------


def _main(argv: Sequence[str] | None = None) -> int:
    import argparse
    import contextlib
    import sys
    import tempfile
    import uuid
    from pathlib import Path

    # Imported here: bench.py may import this module, and must not find itself half-initialised.
    from bench import LibSQLDatabase, postgres_admin, postgres_databases, print_results

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("libsql", "postgres", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="fewer iterations (same data sizes)")
    args = parser.parse_args(argv)
    config = Config(quick=args.quick)
    backends = ("libsql", "postgres") if args.backend == "both" else (args.backend,)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s]{message}", file=sys.stderr, flush=True)

    tables: list[tuple[str, list[Result]]] = []
    with tempfile.TemporaryDirectory(prefix="mastra-bench-wf-") as tmp_name, contextlib.ExitStack() as stack:
        tmp = Path(tmp_name)
        for backend in backends:
            log(f" {backend} workflows")
            if backend == "libsql":

                def make(name: str) -> Database:
                    return LibSQLDatabase(tmp / f"{name}_{uuid.uuid4().hex[:8]}.db")

            else:
                make = stack.enter_context(postgres_databases(stack.enter_context(postgres_admin(tmp))))
            results = run_workflows_suite(backend, make, config, log=log)
            tables.append((f"{backend} workflows{' (quick)' if args.quick else ''}", results))
    for title, results in tables:
        print_results(title, results, None)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
