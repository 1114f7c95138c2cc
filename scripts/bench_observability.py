"""Observability workloads (W8 of ``performance-anchors.md``): ``ObservabilityRepository`` against the
raw drivers on the same machine.

Meant to be wired into ``scripts/bench.py`` (``run_observability_suite``); it can also run on its own::

    python scripts/bench_observability.py [--backend libsql|postgres|both] [--quick]

Workloads, each on fresh migrated databases (ours and raw side by side, same schema and indexes):

* ingest: 10,000 spans in batches of 1,000 (100 traces of 10 spans each per batch) through
  ``batch_create_spans``, against the raw driver running one multi-row ``INSERT`` per batch (libSQL: 31
  columns x 1,000 rows in one statement; PostgreSQL: psycopg's ``RawCursor`` with ``$n`` placeholders,
  the 4 shadow timestamps included, since psycopg's own ``%s`` parsing of a 35,000-placeholder statement
  costs more than the insert). Indented rows: the raw driver's ``executemany`` and (PostgreSQL) ``COPY``.
  Target: ours >= 50% of the raw multi-row rate.
* end-updates: ``batch_update_spans`` of 1,000 spans (``ended_at`` + ``output``) against the raw
  driver's ``executemany`` of the same ``UPDATE``. Target: >= 50% of raw.
* list: the 50 latest traces (``list_traces(per_page=50)``, root spans, with the total) with 10k and 100k
  spans stored; the raw side runs the same SQL and decodes the rows. Target: flat (median at 100k /
  median at 10k <= 1.5) and index-backed (EXPLAIN shown in the note).
* get_trace of one 10-span trace with 100k spans stored, against the raw driver.

Method as in ``bench_memory.py``: ours and raw alternate (ingest and updates batch by batch, reads in
blocks), medians over many calls after a warm-up; PostgreSQL tables get ``VACUUM ANALYZE`` after bulk
loads. Throughputs are spans/s over the whole batch call (checking, encoding, one transaction).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench_memory import Config, Result, time_pair

__all__ = ("run_observability_suite",)

BASE_TIME = datetime(2025, 1, 1, tzinfo=UTC)
BATCH = 1_000
SPANS_PER_TRACE = 10
INGEST_SPANS = 10_000
LIST_SIZES = (10_000, 100_000)
PAGE = 50
MIN_EFFICIENCY = 0.5  # anchors W8: >= 50% of the raw multi-row / COPY rate
FLAT_MAX = 1.5  # list latency: median at 100k / median at 10k

# The 31 Mastra columns in table order; JSON columns hold text JSON, timestamps ISO strings (libSQL).
COLUMNS = (
    "traceId",
    "spanId",
    "name",
    "spanType",
    "isEvent",
    "startedAt",
    "parentSpanId",
    "entityType",
    "entityId",
    "entityName",
    "userId",
    "organizationId",
    "resourceId",
    "runId",
    "sessionId",
    "threadId",
    "requestId",
    "environment",
    "source",
    "serviceName",
    "scope",
    "metadata",
    "tags",
    "attributes",
    "links",
    "input",
    "output",
    "error",
    "endedAt",
    "createdAt",
    "updatedAt",
)
JSON_COLUMNS = frozenset(("scope", "metadata", "tags", "attributes", "links", "input", "output", "error"))
TIME_COLUMNS = ("startedAt", "endedAt", "createdAt", "updatedAt")
QUOTED = ", ".join(f'"{c}"' for c in COLUMNS)


class OResult(Result):
    """A :class:`Result` whose ``spans/s`` rows are higher-is-better."""

    @property
    def higher_is_better(self) -> bool:
        return self.unit in ("msgs/s", "spans/s")


# --- data -------------------------------------------------------------------------------------------


def span_batch(index: int, size: int = BATCH, trace_prefix: str = "trace") -> list[dict[str, Any]]:
    """Batch ``index`` of started spans (no ``ended_at`` yet): ``size / 10`` traces of 10 spans, a root
    and 9 children, with Mastra-like payloads (~0.5 KB of JSON per span)."""
    out: list[dict[str, Any]] = []
    first = index * size
    for n in range(first, first + size):
        trace, k = divmod(n, SPANS_PER_TRACE)
        root = k == 0
        started = BASE_TIME + timedelta(milliseconds=trace * 50 + k)
        out.append(
            {
                "trace_id": f"{trace_prefix}-{trace:07d}",
                "span_id": f"span-{n:08d}",
                "parent_span_id": None if root else f"span-{trace * SPANS_PER_TRACE:08d}",
                "name": "agent run: 'support'" if root else f"llm: 'gpt-4o-mini' step {k}",
                "span_type": "agent_run" if root else "model_generation",
                "is_event": False,
                "started_at": started,
                "entity_type": "agent",
                "entity_id": "support-agent",
                "entity_name": "Support agent",
                "user_id": f"user-{trace % 97}",
                "organization_id": "org-1",
                "resource_id": f"resource-{trace % 97}",
                "run_id": f"run-{trace}",
                "session_id": f"session-{trace % 13}",
                "thread_id": f"thread-{trace % 31}",
                "request_id": f"request-{trace}",
                "environment": "production",
                "source": "cloud",
                "service_name": "api",
                "scope": {"core": "1.0.0", "packageName": "@mastra/core"},
                "metadata": {"tenant": f"t{trace % 5}", "attempt": 1},
                "tags": ["prod", "support"] if root else None,
                "attributes": {
                    "model": "gpt-4o-mini",
                    "provider": "openai",
                    "usage": {"input": 812, "output": 64},
                },
                "links": None,
                "input": {"messages": [{"role": "user", "content": f"Where is my order #{trace}?"}]},
                "output": None,
                "error": None,
            }
        )
    return out


def end_updates(batch: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The end-updates of a batch: ``ended_at`` and ``output`` for every span."""
    return [
        {
            "trace_id": s["trace_id"],
            "span_id": s["span_id"],
            "updates": {
                "ended_at": s["started_at"] + timedelta(milliseconds=40),
                "output": {"text": "Your order ships tomorrow.", "finishReason": "stop"},
            },
        }
        for s in batch
    ]


def iso_ms(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


# --- raw drivers --------------------------------------------------------------------------------------


class RawLibSQL:
    """libsql_experimental on the file, autocommit, WAL + synchronous=NORMAL (as our engine)."""

    label = "libsql"

    def __init__(self, path: str) -> None:
        import libsql_experimental

        self.conn: Any = libsql_experimental.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA busy_timeout = 5000")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.cur = self.conn.cursor()
        one = "(" + ", ".join("?" * len(COLUMNS)) + ")"
        self._insert_many = f"INSERT INTO mastra_ai_spans ({QUOTED}) VALUES {one}"
        self._multi: dict[int, str] = {}
        self._update = (
            'UPDATE mastra_ai_spans SET "endedAt" = ?, output = ?, "updatedAt" = ? '
            'WHERE "traceId" = ? AND "spanId" = ?'
        )
        self._list = (
            f'SELECT {self._cols()}, (SELECT count(*) FROM mastra_ai_spans WHERE "parentSpanId" IS NULL) '
            'FROM mastra_ai_spans WHERE "parentSpanId" IS NULL ORDER BY "startedAt" DESC LIMIT ? OFFSET 0'
        )
        self._trace = f'SELECT {self._cols()} FROM mastra_ai_spans WHERE "traceId" = ? ORDER BY "startedAt"'

    @staticmethod
    def _cols() -> str:
        return ", ".join(f'json("{c}")' if c in JSON_COLUMNS else f'"{c}"' for c in COLUMNS)

    @staticmethod
    def _row(span: dict[str, Any], now: str) -> tuple[Any, ...]:
        values: list[Any] = []
        for c in COLUMNS:
            v = span.get(_snake(c))
            if c in ("createdAt", "updatedAt"):
                v = now
            elif v is None:
                pass
            elif c in JSON_COLUMNS:
                v = _dumps(v)
            elif c in TIME_COLUMNS:
                v = iso_ms(v)
            elif c == "isEvent":
                v = int(v)
            values.append(v)
        return tuple(values)

    def insert_multi(self, batch: Sequence[dict[str, Any]]) -> None:
        now = iso_ms(datetime.now(UTC))
        sql = self._multi.get(len(batch))
        if sql is None:
            one = "(" + ", ".join("?" * len(COLUMNS)) + ")"
            sql = self._multi[len(batch)] = f"INSERT INTO mastra_ai_spans ({QUOTED}) VALUES " + ", ".join(
                [one] * len(batch)
            )
        flat = tuple(v for s in batch for v in self._row(s, now))
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute(sql, flat)
        self.conn.execute("COMMIT")

    def insert_executemany(self, batch: Sequence[dict[str, Any]]) -> None:
        now = iso_ms(datetime.now(UTC))
        rows = [self._row(s, now) for s in batch]
        self.conn.execute("BEGIN IMMEDIATE")
        self.cur.executemany(self._insert_many, rows)
        self.conn.execute("COMMIT")

    def update(self, updates: Sequence[dict[str, Any]]) -> None:
        now = iso_ms(datetime.now(UTC))
        rows = [
            (
                iso_ms(u["updates"]["ended_at"]),
                _dumps(u["updates"]["output"]),
                now,
                u["trace_id"],
                u["span_id"],
            )
            for u in updates
        ]
        self.conn.execute("BEGIN IMMEDIATE")
        self.cur.executemany(self._update, rows)
        self.conn.execute("COMMIT")

    def _decode(self, rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        loads, parse = json.loads, datetime.fromisoformat
        json_at = [i for i, c in enumerate(COLUMNS) if c in JSON_COLUMNS]
        time_at = [i for i, c in enumerate(COLUMNS) if c in TIME_COLUMNS]
        out = []
        for r in rows:
            v = list(r)
            for i in json_at:
                if v[i] is not None:
                    v[i] = loads(v[i])
            for i in time_at:
                if v[i] is not None:
                    v[i] = parse(v[i])
            v[4] = bool(v[4])
            out.append(tuple(v))
        return out

    def list_latest(self, limit: int) -> list[tuple[Any, ...]]:
        self.cur.execute(self._list, (limit,))
        return self._decode(self.cur.fetchall())

    def get_trace(self, trace_id: str) -> list[tuple[Any, ...]]:
        self.cur.execute(self._trace, (trace_id,))
        return self._decode(self.cur.fetchall())

    def explain_list(self) -> str:
        rows = self.conn.execute("EXPLAIN QUERY PLAN " + self._list, (PAGE,)).fetchall()
        return "; ".join(str(r[-1]) for r in rows)

    def analyze(self) -> None:
        pass

    def close(self) -> None:
        self.conn.close()


def _snake(name: str) -> str:
    return "".join("_" + ch.lower() if ch.isupper() else ch for ch in name)


class RawPostgres:
    """psycopg 3, one autocommit connection; multi-row INSERT through ``RawCursor`` (``$n``)."""

    label = "psycopg"

    def __init__(self, url: str) -> None:
        import psycopg
        from psycopg.types.json import Jsonb

        self.Jsonb = Jsonb
        self.conn = psycopg.connect(url, autocommit=True)
        self.raw_cur = psycopg.RawCursor(self.conn)
        self.cur = self.conn.cursor()
        self.cols = [*COLUMNS, *(f"{c}Z" for c in TIME_COLUMNS)]
        quoted = ", ".join(f'"{c}"' for c in self.cols)
        self._quoted = quoted
        self._multi: dict[int, str] = {}
        self._insert_many = (
            f"INSERT INTO mastra_ai_spans ({quoted}) VALUES ({', '.join(['%s'] * len(self.cols))})"
        )
        self._update = (
            'UPDATE mastra_ai_spans SET "endedAt" = %s, "endedAtZ" = %s, output = %s, "updatedAt" = %s, '
            '"updatedAtZ" = %s WHERE "traceId" = %s AND "spanId" = %s'
        )
        read = ", ".join(
            f'COALESCE("{c}Z", "{c}" AT TIME ZONE \'UTC\')' if c in TIME_COLUMNS else f'"{c}"'
            for c in COLUMNS
        )
        self._list = (
            f'SELECT {read}, (SELECT count(*) FROM mastra_ai_spans WHERE "parentSpanId" IS NULL) '
            'FROM mastra_ai_spans WHERE "parentSpanId" IS NULL ORDER BY "startedAt" DESC LIMIT %s OFFSET 0'
        )
        self._trace = f'SELECT {read} FROM mastra_ai_spans WHERE "traceId" = %s ORDER BY "startedAt"'

    def _row(self, span: dict[str, Any], now: datetime) -> list[Any]:
        values: list[Any] = []
        for c in COLUMNS:
            v = span.get(_snake(c))
            if c in ("createdAt", "updatedAt"):
                v = now
            if v is None:
                pass
            elif c in JSON_COLUMNS:
                v = self.Jsonb(v)
            elif c in TIME_COLUMNS:
                v = v.replace(tzinfo=None)
            values.append(v)
        for c in TIME_COLUMNS:
            v = now if c in ("createdAt", "updatedAt") else span.get(_snake(c))
            values.append(v)
        return values

    def insert_multi(self, batch: Sequence[dict[str, Any]]) -> None:
        now = datetime.now(UTC)
        n = len(self.cols)
        sql = self._multi.get(len(batch))
        if sql is None:
            groups = ("(" + ", ".join(f"${i * n + j + 1}" for j in range(n)) + ")" for i in range(len(batch)))
            sql = self._multi[len(batch)] = (
                f"INSERT INTO mastra_ai_spans ({self._quoted}) VALUES " + ", ".join(groups)
            )
        flat = [v for s in batch for v in self._row(s, now)]
        with self.conn.transaction():
            self.raw_cur.execute(sql, flat)

    def insert_executemany(self, batch: Sequence[dict[str, Any]]) -> None:
        now = datetime.now(UTC)
        with self.conn.transaction():
            self.cur.executemany(self._insert_many, [self._row(s, now) for s in batch])

    def insert_copy(self, batch: Sequence[dict[str, Any]]) -> None:
        now = datetime.now(UTC)
        with (
            self.conn.transaction(),
            self.cur.copy(f"COPY mastra_ai_spans ({self._quoted}) FROM STDIN") as copy,
        ):
            for s in batch:
                row = self._row(s, now)
                copy.write_row([_dumps(v.obj) if isinstance(v, self.Jsonb) else v for v in row])

    def update(self, updates: Sequence[dict[str, Any]]) -> None:
        now = datetime.now(UTC)
        rows = []
        for u in updates:
            ended = u["updates"]["ended_at"]
            rows.append(
                (
                    ended.replace(tzinfo=None),
                    ended,
                    self.Jsonb(u["updates"]["output"]),
                    now.replace(tzinfo=None),
                    now,
                    u["trace_id"],
                    u["span_id"],
                )
            )
        with self.conn.transaction():
            self.cur.executemany(self._update, rows)

    def list_latest(self, limit: int) -> list[tuple[Any, ...]]:
        self.cur.execute(self._list, (limit,))
        return self.cur.fetchall()

    def get_trace(self, trace_id: str) -> list[tuple[Any, ...]]:
        self.cur.execute(self._trace, (trace_id,))
        return self.cur.fetchall()

    def explain_list(self) -> str:
        rows = self.cur.execute("EXPLAIN " + self._list, (PAGE,)).fetchall()
        return "; ".join(str(r[0]).strip() for r in rows)

    def analyze(self) -> None:
        self.cur.execute("VACUUM ANALYZE mastra_ai_spans")

    def close(self) -> None:
        self.conn.close()


# --- the suite ----------------------------------------------------------------------------------------


@dataclass
class ObservabilitySuite:
    backend: str  # "libsql" | "postgres"
    new_database: Callable[[str], Any]
    config: Config
    log: Callable[[str], None] = print
    results: list[Result] = field(default_factory=list)

    def _storage(self, db: Any) -> Any:
        from mastra_data import Storage

        storage = Storage.from_url(db.url)
        storage.migrate()
        return storage

    def _raw(self, db: Any) -> RawLibSQL | RawPostgres:
        return RawLibSQL(str(db.path)) if self.backend == "libsql" else RawPostgres(db.libpq_url)

    def run(self) -> list[Result]:
        ours_db, raw_db = self.new_database("obs_ours"), self.new_database("obs_raw")
        storage = self._storage(ours_db)
        self._storage(raw_db).close()  # same schema (and indexes) for the raw side
        raw = self._raw(raw_db)
        try:
            repo = storage.observability
            batches = self.ingest(repo, raw)
            self.updates(repo, raw, batches)
            self.reads(repo, raw)
        finally:
            raw.close()
            storage.close()
        return self.results

    # ingest and updates ----------------------------------------------------------------------------

    def ingest(self, repo: Any, raw: RawLibSQL | RawPostgres) -> list[list[dict[str, Any]]]:
        """10 batches of 1,000 spans, ours and raw alternating; then the other raw variants on their own
        fresh databases. Returns the batches (the update workload completes them)."""
        count = INGEST_SPANS // BATCH
        batches = [span_batch(i) for i in range(count)]
        repo.batch_create_spans(span_batch(0, 100, "warm"))  # statement caches, connection pool
        raw.insert_multi([{**s, "trace_id": "w" + s["trace_id"]} for s in span_batch(0, 100, "warm")])
        ours_s = raw_s = 0.0
        for batch in batches:
            t0 = time.perf_counter()
            repo.batch_create_spans(batch)
            t1 = time.perf_counter()
            raw.insert_multi(batch)
            t2 = time.perf_counter()
            ours_s += t1 - t0
            raw_s += t2 - t1
        ours, base = INGEST_SPANS / ours_s, INGEST_SPANS / raw_s
        self.log(f"  ingest: ours {ours:,.0f} spans/s, raw multi-row {base:,.0f} spans/s")
        self.results.append(
            OResult(
                f"W8 ingest {INGEST_SPANS // 1000}k spans, batch_create_spans of {BATCH:,}",
                "spans/s",
                ours,
                base,
                f"{raw.label} multi-row INSERT",
                min_efficiency=MIN_EFFICIENCY,
                note=f"per batch: ours {ours_s / count * 1000:.1f} ms, raw {raw_s / count * 1000:.1f} ms; "
                "ours: one executemany of INSERT … ON CONFLICT DO UPDATE",
            )
        )
        variants: list[tuple[str, str]] = [("executemany", "insert_executemany")]
        if isinstance(raw, RawPostgres):
            variants.append(("COPY", "insert_copy"))
        for label, method in variants:
            db = self.new_database(f"obs_raw_{method}")
            self._storage(db).close()
            other = self._raw(db)
            try:
                fn = getattr(other, method)
                fn(span_batch(0, 100, "warm"))
                spent = 0.0
                for batch in batches:
                    t0 = time.perf_counter()
                    fn(batch)
                    spent += time.perf_counter() - t0
            finally:
                other.close()
            rate = INGEST_SPANS / spent
            self.log(f"  ingest: raw {label} {rate:,.0f} spans/s")
            self.results.append(
                OResult(f"vs raw {label}", "spans/s", ours, rate, f"{other.label} {label}", indent=True)
            )
        return batches

    def updates(self, repo: Any, raw: RawLibSQL | RawPostgres, batches: list[list[dict[str, Any]]]) -> None:
        ours_s = raw_s = 0.0
        for batch in batches:
            updates = end_updates(batch)
            t0 = time.perf_counter()
            repo.batch_update_spans(updates)
            t1 = time.perf_counter()
            raw.update(updates)
            t2 = time.perf_counter()
            ours_s += t1 - t0
            raw_s += t2 - t1
        total = sum(len(b) for b in batches)
        ours, base = total / ours_s, total / raw_s
        self.log(f"  end-updates: ours {ours:,.0f} spans/s, raw {base:,.0f} spans/s")
        self.results.append(
            OResult(
                f"W8 end-update {BATCH:,} spans, batch_update_spans",
                "spans/s",
                ours,
                base,
                f"{raw.label} executemany UPDATE",
                min_efficiency=MIN_EFFICIENCY,
                note=f"per batch: ours {ours_s / len(batches) * 1000:.1f} ms, "
                f"raw {raw_s / len(batches) * 1000:.1f} ms",
            )
        )

    # reads ----------------------------------------------------------------------------------------

    def reads(self, repo: Any, raw: RawLibSQL | RawPostgres) -> None:
        cfg = self.config
        medians: dict[int, float] = {}
        raw_medians: dict[int, float] = {}
        loaded = INGEST_SPANS
        for size in LIST_SIZES:
            # Grow both databases to `size` spans (ended traces), through our API and the raw driver.
            t0 = time.perf_counter()
            for i in range(loaded // BATCH, size // BATCH):
                batch = span_batch(i)
                for s in batch:
                    s["ended_at"] = s["started_at"] + timedelta(milliseconds=40)
                repo.batch_create_spans(batch)
                raw.insert_multi(batch)
            loaded = size
            raw.analyze()
            if self.backend == "postgres":
                from sqlalchemy import text

                with repo._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE mastra_ai_spans"))
            self.log(f"  loaded {size:,} spans in {time.perf_counter() - t0:.1f} s")

            def ours_list(_: object) -> object:
                return repo.list_traces(per_page=PAGE)

            page = ours_list(None)
            assert len(page.spans) == PAGE
            assert page.total >= size // SPANS_PER_TRACE, page.total
            assert [s.span_id for s in page.spans] == [r[1] for r in raw.list_latest(PAGE)]
            args = [None] * cfg.latency_iters
            ours_stats, raw_stats = time_pair(
                ours_list, lambda _: raw.list_latest(PAGE), args, cfg.warmup, cfg.budget_s
            )
            medians[size], raw_medians[size] = ours_stats.median_ms, raw_stats.median_ms
            self.log(
                f"  list {PAGE} latest traces @{size // 1000}k: ours {ours_stats.median_ms:.3f} ms, "
                f"raw {raw_stats.median_ms:.3f} ms"
            )
            self.results.append(
                OResult(
                    f"W8 list {PAGE} latest traces, {size // 1000}k spans",
                    "ms",
                    ours_stats.median_ms,
                    raw_stats.median_ms,
                    raw.label,
                    note=f"p95 {ours_stats.p95_ms:.3f} / raw {raw_stats.p95_ms:.3f} ms, n={ours_stats.n}; "
                    f"total {page.total:,} traces; plan: {raw.explain_list()}",
                )
            )
        small, large = LIST_SIZES
        self.results.append(
            OResult(
                f"W8 list flatness: median {large // 1000}k / {small // 1000}k",
                "x",
                medians[large] / medians[small] if medians[small] else None,
                raw_medians[large] / raw_medians[small] if raw_medians[small] else None,
                raw.label,
                target=FLAT_MAX,
                or_within_raw=True,
            )
        )

        traces = [f"trace-{t:07d}" for t in range(0, loaded // SPANS_PER_TRACE, 7)][: cfg.latency_iters]

        def ours_trace(trace_id: str) -> object:
            return repo.get_trace(trace_id=trace_id)

        got = ours_trace(traces[0])
        assert got is not None
        assert len(got.spans) == SPANS_PER_TRACE
        ours_stats, raw_stats = time_pair(ours_trace, raw.get_trace, traces, cfg.warmup, cfg.budget_s)
        self.log(f"  get_trace: ours {ours_stats.median_ms:.3f} ms, raw {raw_stats.median_ms:.3f} ms")
        self.results.append(
            OResult(
                f"W8 get_trace ({SPANS_PER_TRACE} spans), {loaded // 1000}k spans",
                "ms",
                ours_stats.median_ms,
                raw_stats.median_ms,
                raw.label,
                note=f"p95 {ours_stats.p95_ms:.3f} / raw {raw_stats.p95_ms:.3f} ms, n={ours_stats.n}",
            )
        )


def run_observability_suite(
    backend: str, new_database: Callable[[str], Any], config: Config, *, log: Callable[[str], None] = print
) -> list[Result]:
    """Run every observability workload (W8) on one backend."""
    return ObservabilitySuite(backend, new_database, config, log).run()


def main(argv: list[str] | None = None) -> int:
    """Run the suite alone, with ``bench.py``'s databases and table printing."""
    import argparse
    import contextlib
    import sys
    import tempfile
    import uuid
    from pathlib import Path

    from bench import LibSQLDatabase, postgres_admin, postgres_databases, print_results

    parser = argparse.ArgumentParser(description="Observability (W8) benchmark")
    parser.add_argument("--backend", choices=("libsql", "postgres", "both"), default="both")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    config = Config(quick=args.quick)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s]{message}", file=sys.stderr, flush=True)

    backends = ("libsql", "postgres") if args.backend == "both" else (args.backend,)
    tables = []
    with tempfile.TemporaryDirectory(prefix="mastra-bench-obs-") as tmp_name, contextlib.ExitStack() as stack:
        tmp = Path(tmp_name)
        for backend in backends:
            log(f" {backend} observability")
            if backend == "libsql":

                def make(name: str) -> Any:
                    return LibSQLDatabase(tmp / f"{name}_{uuid.uuid4().hex[:8]}.db")

            else:
                admin = stack.enter_context(postgres_admin(tmp))
                make = stack.enter_context(postgres_databases(admin))
            tables.append(
                (f"{backend} observability", run_observability_suite(backend, make, config, log=log))
            )
    for title, results in tables:
        print_results(title, results, None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
