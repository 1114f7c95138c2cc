"""Memory-domain benchmark workloads: ``MemoryRepository`` against a same-machine raw-driver baseline.

Imported by ``scripts/bench.py`` (which owns the command line, the databases and the printing). The
workloads are those of ``performance-anchors.md`` §3 as the issue fixes them:

* W1 append 10,000 messages (~1 KB of text each) to 100 threads, ``save_messages`` batches of 10.
* W2 the last 40 messages of a 100-message thread (``per_page=40``, newest first).
* W3 ``include`` of 3 ids with 2 messages either side (``per_page=0``) on 1k- and 20k-message threads.
* W4 a page of 20 threads of a resource (200 resources x 10 threads).
* L  whole-thread load (``per_page=False``) of 1k, 8k and 20k messages.

Every raw baseline is the thinnest script that does the same job with the bare driver: the same SQL
(or the SQL our statements compile to), ``json.loads`` of the content, and the timestamp decoding the
driver does not do itself. Efficiency is ``raw time / our time`` (``our rate / raw rate`` for W1).
W3's baseline reads each anchor through scalar subqueries (one statement, an index range per window);
its indented rows run the raw driver with our JOIN-anchor SQL and/or the thread's ``COUNT(*)`` (which
our ``per_page=0`` call also issues), so that the gap can be attributed.

Method: ours and raw alternate in blocks (W1 in rounds), so load from other processes hits both
alike; medians and p95 over many calls after a warm-up, each side capped by a time budget. On
PostgreSQL the bulk-loaded tables get ``VACUUM ANALYZE`` (what autovacuum soon does after a load).
"""

from __future__ import annotations

import cProfile
import gc
import io
import json
import pstats
import random
import sqlite3
import statistics
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

__all__ = (
    "Config",
    "Database",
    "Result",
    "run_memory_suite",
)

BASE_TIME = datetime(2025, 1, 1, tzinfo=UTC)
W1_THREADS = 100
W1_MESSAGES = 10_000
W1_BATCH = 10
BIG_SIZES = (1_000, 8_000, 20_000)
W3_SIZES = (1_000, 20_000)
W4_RESOURCES = 200
W4_THREADS_PER_RESOURCE = 10

# Issue targets: (libSQL, PostgreSQL).
TARGETS: dict[str, tuple[float, float]] = {
    "W1": (15_000.0, 10_000.0),  # msgs/s, at least
    "W2": (0.5, 0.6),  # median ms, at most
    "W3": (2.0, 1.5),  # median ms, at most
    "W4": (0.3, 0.3),  # median ms, at most
}
FLAT_MAX = 1.5  # W3: median(20k) / median(1k); L: (ms per 1k @20k) / (ms per 1k @1k)
LOAD_MIN_EFFICIENCY = 0.5  # anchors §3 W3: Python overhead <= ~2x raw fetchall + json.loads
W1_BATCH100_MIN_EFFICIENCY = 0.5  # anchors §3 W1: >= 50% of the raw executemany rate at batch 100


# --- configuration and results ------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """Iteration counts; ``quick`` shrinks them (same data sizes, fewer repetitions)."""

    quick: bool = False

    @property
    def latency_iters(self) -> int:
        return 300 if self.quick else 2000

    @property
    def include_iters(self) -> int:
        return 200 if self.quick else 1000

    @property
    def budget_s(self) -> float:
        """Time cap per measured side of one latency workload."""
        return 1.0 if self.quick else 4.0

    @property
    def warmup(self) -> int:
        return 30 if self.quick else 100

    def load_iters(self, size: int) -> int:
        if self.quick:
            return 3 if size > 5_000 else 8
        return {1_000: 30, 8_000: 8}.get(size, 5)

    @property
    def batch100(self) -> bool:
        return not self.quick


@dataclass
class Result:
    """One table row. ``unit`` is ``msgs/s`` (higher is better), ``ms`` or ``x`` (lower is better)."""

    workload: str
    unit: str
    ours: float | None
    raw: float | None = None
    raw_label: str = ""
    target: float | None = None
    min_efficiency: float | None = None
    note: str = ""
    indent: bool = False
    # For ratio rows: also pass when within 10% of the raw baseline's own ratio (e.g. GC growth).
    or_within_raw: bool = False

    @property
    def higher_is_better(self) -> bool:
        return self.unit == "msgs/s"

    @property
    def efficiency(self) -> float | None:
        if self.ours is None or self.raw is None or self.unit == "x" or not self.ours or not self.raw:
            return None
        return self.ours / self.raw if self.higher_is_better else self.raw / self.ours

    @property
    def target_text(self) -> str:
        parts = []
        if self.target is not None:
            op = ">=" if self.higher_is_better else "<="
            parts.append(f"{op} {_num(self.target)}{'x' if self.unit == 'x' else ' ' + self.unit}")
        if self.min_efficiency is not None:
            parts.append(f"eff >= {self.min_efficiency:.2f}")
        if self.or_within_raw:
            parts.append("or <= 1.1x raw's")
        return ", ".join(parts) or "-"

    @property
    def passed(self) -> bool | None:
        if self.ours is None:
            return None
        checks: list[bool] = []
        if self.target is not None:
            ok = self.ours >= self.target if self.higher_is_better else self.ours <= self.target
            if self.or_within_raw and self.raw is not None:
                ok = ok or self.ours <= 1.1 * self.raw
            checks.append(ok)
        if self.min_efficiency is not None and self.efficiency is not None:
            checks.append(self.efficiency >= self.min_efficiency)
        return all(checks) if checks else None


def _num(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}".rstrip("0").rstrip(".") if value < 1 else f"{value:.2f}"


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{_num(value)} {unit}"


@dataclass
class Stats:
    median_ms: float
    p95_ms: float
    n: int

    @property
    def text(self) -> str:
        return f"p95 {self.p95_ms:.3f} ms, n={self.n}"


def _stats(samples: Sequence[float]) -> Stats:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return Stats(statistics.median(ordered) * 1000, p95 * 1000, len(ordered))


def time_calls(
    fn: Callable[[Any], object], args: Sequence[Any], warmup: int, budget_s: float | None = None
) -> Stats:
    """Median/p95 wall time of ``fn(arg)`` over ``args``, after ``warmup`` untimed calls.

    With ``budget_s``, stops early once that much time is spent (but after at least 20 calls), so a
    pathological (e.g. O(thread length)) case cannot blow up the run time. Warm-up stops after 1 s.
    """
    clock = time.perf_counter
    start = clock()
    for i in range(warmup):
        fn(args[i % len(args)])
        if i >= 2 and clock() - start > 1.0:
            break
    gc.collect()
    samples: list[float] = []
    start = clock()
    for arg in args:
        t0 = clock()
        fn(arg)
        t1 = clock()
        samples.append(t1 - t0)
        if budget_s is not None and len(samples) >= 20 and t1 - start > budget_s:
            break
    return _stats(samples)


def time_pair(
    ours: Callable[[Any], object],
    raw: Callable[[Any], object],
    args: Sequence[Any],
    warmup: int,
    budget_s: float | None = None,
    blocks: int = 10,
    collect_each: bool = False,
) -> tuple[Stats, Stats]:
    """:func:`time_calls` for two functions, interleaved in ``blocks`` so drift hits both alike.

    ``budget_s`` caps each side's measured time (at least 2 calls per block). ``collect_each`` runs an
    untimed ``gc.collect()`` before every call, so each call starts from the same collector state (the
    collector stays on during the call).
    """
    clock = time.perf_counter
    for fn in (ours, raw):
        start = clock()
        for i in range(warmup):
            fn(args[i % len(args)])
            if i >= 2 and clock() - start > 1.0:
                break
    gc.collect()
    samples: tuple[list[float], list[float]] = ([], [])
    size = max(1, len(args) // blocks)
    for b in range(blocks):
        part = args[b * size : (b + 1) * size] if b < blocks - 1 else args[b * size :]
        for k, fn in enumerate((ours, raw)):
            cap = None if budget_s is None else budget_s / blocks
            start = clock()
            for n, arg in enumerate(part):
                if collect_each:
                    gc.collect()
                t0 = clock()
                fn(arg)
                t1 = clock()
                samples[k].append(t1 - t0)
                if cap is not None and n >= 1 and t1 - start > cap:
                    break
    return _stats(samples[0]), _stats(samples[1])


def profile_calls(fn: Callable[[Any], object], args: Sequence[Any], top: int = 15) -> str:
    """cProfile of ``fn`` over ``args``: the ``top`` entries by cumulative time, as text."""
    for arg in args[:10]:
        fn(arg)
    profiler = cProfile.Profile()
    profiler.enable()
    for arg in args:
        fn(arg)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative").print_stats(top)
    return out.getvalue()


# --- data -----------------------------------------------------------------------------------------

_WORDS = (
    "agent",
    "memory",
    "thread",
    "message",
    "storage",
    "recall",
    "context",
    "tool",
    "result",
    "working",
    "resource",
    "vector",
    "index",
    "query",
    "latency",
    "python",
    "durable",
    "schema",
    "mastra",
    "libsql",
    "postgres",
    "window",
    "include",
    "cursor",
    "snapshot",
    "observability",
    "span",
    "trace",
    "workflow",
    "score",
    "batch",
    "commit",
    "insert",
    "select",
    "order",
    "limit",
    "offset",
    "page",
)


def _texts(count: int, length: int = 1000, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        words: list[str] = []
        size = 0
        while size < length:
            word = rng.choice(_WORDS)
            words.append(word)
            size += len(word) + 1
        texts.append(" ".join(words)[:length])
    return texts


TEXTS = _texts(64)


def content_for(i: int) -> dict[str, Any]:
    """A v2 content dict with ~1 KB of text (what Mastra stores for a chat message)."""
    return {"format": 2, "parts": [{"type": "text", "text": TEXTS[i % len(TEXTS)]}]}


def iso_ms(value: datetime) -> str:
    """JS ``toISOString()`` of an aware UTC datetime (the libSQL storage format)."""
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


def thread_id(i: int) -> str:
    return f"thread-{i:04d}"


def w1_batches(
    *, threads: int = W1_THREADS, messages: int = W1_MESSAGES, batch: int = W1_BATCH, prefix: str = "thread"
) -> list[list[dict[str, Any]]]:
    """Input of W1: batches of ``batch`` messages, one thread per batch, threads round-robin.

    Messages carry an id and ``created_at`` (as Mastra's callers do), strictly increasing per thread.
    """
    out: list[list[dict[str, Any]]] = []
    n = 0
    for round_ in range(messages // (threads * batch)):
        for t in range(threads):
            tid = f"{prefix}-{t:04d}"
            items = []
            for k in range(batch):
                items.append(
                    {
                        "id": str(uuid.uuid4()),
                        "thread_id": tid,
                        "resource_id": f"resource-w1-{t % 10}",
                        "role": "user" if k % 2 == 0 else "assistant",
                        "type": "v2",
                        "content": content_for(n),
                        "created_at": BASE_TIME + timedelta(milliseconds=(round_ * batch + k) * 7 + t),
                    }
                )
                n += 1
            out.append(items)
    return out


@dataclass
class MessageRow:
    """A message row in storage-neutral form, for bulk loading."""

    id: str
    thread_id: str
    resource_id: str
    role: str
    content: str
    created_at: datetime


def big_thread_rows(thread: str, size: int) -> list[MessageRow]:
    start = BASE_TIME + timedelta(days=30)
    return [
        MessageRow(
            id=str(uuid.uuid4()),
            thread_id=thread,
            resource_id="resource-big",
            role="user" if j % 2 == 0 else "assistant",
            content=json.dumps(content_for(j), separators=(",", ":")),
            created_at=start + timedelta(milliseconds=j),
        )
        for j in range(size)
    ]


# --- raw drivers ----------------------------------------------------------------------------------

MSG_COLS = 'id, thread_id, "resourceId", role, type, content, "createdAt"'
UPSERT_TAIL = (
    "ON CONFLICT (id) DO UPDATE SET thread_id = excluded.thread_id, content = excluded.content, "
    'role = excluded.role, type = excluded.type, "resourceId" = excluded."resourceId"'
)


class Raw(Protocol):
    """What a raw baseline provides (one per driver)."""

    label: str

    def write_batch(self, batch: Sequence[dict[str, Any]]) -> None: ...
    def last40(self, thread: str) -> list[tuple[Any, ...]]: ...
    def include(
        self, ids: Sequence[str], *, count_thread: str | None = None, join: bool = False
    ) -> list[tuple[Any, ...]]: ...
    def list_threads(self, resource: str) -> list[tuple[Any, ...]]: ...
    def load_all(self, thread: str) -> list[tuple[Any, ...]]: ...
    def bulk_messages(self, rows: Sequence[MessageRow]) -> None: ...
    def bulk_threads(self, threads: Sequence[tuple[str, str, datetime]]) -> None: ...
    def close(self) -> None: ...


def _windows_sql(n: int, param: str, cols: str, *, join: bool = False) -> str:
    """``UNION ALL`` of the two cursor windows per included id, ``2 * n`` windows in all.

    Default: the anchor's thread and ``createdAt`` as scalar subqueries, so the planner sees them as
    parameters (PG InitPlans) and walks the ``(thread_id, createdAt)`` index from the anchor. Params per
    window: ``id`` three times (:func:`_window_params`). ``join=True``: the anchor as a joined subquery,
    which is the form ``MemoryRepository._include_windows`` emits (one ``id`` param per window).
    """
    mcols = ", ".join(f"m.{c.strip()}" for c in cols.split(","))
    parts = []
    for i in range(n):
        for op, direction, limit, name in (("<=", "DESC", 3, "p"), (">", "ASC", 2, "n")):
            order = f'ORDER BY m."createdAt" {direction}, m.id {direction} LIMIT {limit}'
            if join:
                anchor = (
                    '(SELECT thread_id, "createdAt" AS at, id AS tid '
                    f"FROM mastra_messages WHERE id = {param})"
                )
                where = f'WHERE (m."createdAt", m.id) {op} (a.at, a.tid)'
                body = f"SELECT {mcols} FROM mastra_messages m JOIN {anchor} a ON m.thread_id = a.thread_id"
            else:
                thread = f"(SELECT thread_id FROM mastra_messages WHERE id = {param})"
                at = f'(SELECT "createdAt" FROM mastra_messages WHERE id = {param})'
                where = f'WHERE m.thread_id = {thread} AND (m."createdAt", m.id) {op} ({at}, {param})'
                body = f"SELECT {mcols} FROM mastra_messages m"
            parts.append(f"SELECT * FROM ({body} {where} {order}) {name}{i}")
    return " UNION ALL ".join(parts)


def _window_params(ids: Sequence[str], *, join: bool = False) -> tuple[str, ...]:
    """The parameters of :func:`_windows_sql` for ``ids`` (two windows per id)."""
    per_window = 1 if join else 3
    return tuple(x for x in ids for _ in range(2 * per_window))


def _merge(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    seen: set[str] = set()
    out = []
    for r in rows:
        if r[0] not in seen:
            seen.add(r[0])
            out.append(r)
    out.sort(key=lambda r: (r[6], r[0]))
    return out


class RawSQLite:
    """libsql_experimental (or stdlib sqlite3) on the file, autocommit mode, WAL + synchronous=NORMAL."""

    def __init__(self, path: str, driver: str = "libsql") -> None:
        self.label = driver
        if driver == "libsql":
            import libsql_experimental

            self.conn: Any = libsql_experimental.connect(path, isolation_level=None)
        else:
            self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA busy_timeout = 5000")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.cur = self.conn.cursor()
        self._insert = f"INSERT INTO mastra_messages ({MSG_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?) {UPSERT_TAIL}"
        self._windows = {(3, j): _windows_sql(3, "?", MSG_COLS, join=j) for j in (False, True)}

    def write_batch(self, batch: Sequence[dict[str, Any]]) -> None:
        dumps = json.dumps
        rows = [
            (
                m["id"],
                m["thread_id"],
                m["resource_id"],
                m["role"],
                m["type"],
                dumps(m["content"], separators=(",", ":"), ensure_ascii=False),
                iso_ms(m["created_at"]),
            )
            for m in batch
        ]
        now = iso_ms(datetime.now(UTC))
        self.conn.execute("BEGIN IMMEDIATE")
        self.cur.executemany(self._insert, rows)
        self.cur.execute(
            'UPDATE mastra_threads SET "updatedAt" = ? WHERE id = ?', (now, batch[0]["thread_id"])
        )
        self.conn.execute("COMMIT")

    def _decode(self, rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        loads = json.loads
        return [(r[0], r[1], r[2], r[3], r[4], loads(r[5]), parse_iso(r[6])) for r in rows]

    def last40(self, thread: str) -> list[tuple[Any, ...]]:
        # The page with its total as a scalar subquery: one statement, as the repository does.
        self.cur.execute(
            f"SELECT {MSG_COLS}, (SELECT count(*) FROM mastra_messages WHERE thread_id = ?) "
            'FROM mastra_messages WHERE thread_id = ? ORDER BY "createdAt" DESC, id DESC LIMIT 40 OFFSET 0',
            (thread, thread),
        )
        return self._decode(self.cur.fetchall())

    def include(
        self, ids: Sequence[str], *, count_thread: str | None = None, join: bool = False
    ) -> list[tuple[Any, ...]]:
        if count_thread is not None:
            self.cur.execute("SELECT count(*) FROM mastra_messages WHERE thread_id = ?", (count_thread,))
            self.cur.fetchone()
        self.cur.execute(self._windows[len(ids), join], _window_params(ids, join=join))
        return self._decode(_merge(self.cur.fetchall()))

    def list_threads(self, resource: str) -> list[tuple[Any, ...]]:
        self.cur.execute(
            'SELECT id, "resourceId", title, metadata, "createdAt", "updatedAt", '
            '(SELECT count(*) FROM mastra_threads WHERE "resourceId" = ?) FROM mastra_threads '
            'WHERE "resourceId" = ? ORDER BY "createdAt" DESC, id DESC LIMIT 20 OFFSET 0',
            (resource, resource),
        )
        return [
            (r[0], r[1], r[2], json.loads(r[3]) if r[3] else None, parse_iso(r[4]), parse_iso(r[5]))
            for r in self.cur.fetchall()
        ]

    def load_all(self, thread: str) -> list[tuple[Any, ...]]:
        self.cur.execute(
            f'SELECT {MSG_COLS} FROM mastra_messages WHERE thread_id = ? ORDER BY "createdAt" ASC, id ASC',
            (thread,),
        )
        return self._decode(self.cur.fetchall())

    def bulk_messages(self, rows: Sequence[MessageRow]) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.cur.executemany(
            self._insert,
            [(r.id, r.thread_id, r.resource_id, r.role, "v2", r.content, iso_ms(r.created_at)) for r in rows],
        )
        self.conn.execute("COMMIT")

    def bulk_threads(self, threads: Sequence[tuple[str, str, datetime]]) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.cur.executemany(
            'INSERT INTO mastra_threads (id, "resourceId", title, metadata, "createdAt", "updatedAt") '
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(t, r, f"Thread {t}", '{"topic":"bench"}', iso_ms(at), iso_ms(at)) for t, r, at in threads],
        )
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


class RawPostgres:
    """psycopg 3, one autocommit connection: reads are bare statements, writes one explicit transaction."""

    label = "psycopg"

    def __init__(self, url: str) -> None:
        import psycopg

        self.psycopg = psycopg
        self.conn = psycopg.connect(url, autocommit=True)
        self.cur = self.conn.cursor()
        self._insert = (
            f'INSERT INTO mastra_messages ({MSG_COLS}, "createdAtZ") '
            f"VALUES (%s, %s, %s, %s, %s, %s, %s, %s) {UPSERT_TAIL}"
        )
        # Mastra's PG reads prefer the TIMESTAMPTZ shadow, as our statements do.
        self._cols = MSG_COLS.replace(
            '"createdAt"', 'COALESCE("createdAtZ", "createdAt" AT TIME ZONE \'UTC\')'
        )
        self._windows = {(3, j): _windows_sql(3, "%s", MSG_COLS, join=j) for j in (False, True)}

    def write_batch(self, batch: Sequence[dict[str, Any]]) -> None:
        dumps = json.dumps
        rows = []
        for m in batch:
            at = m["created_at"]
            rows.append(
                (
                    m["id"],
                    m["thread_id"],
                    m["resource_id"],
                    m["role"],
                    m["type"],
                    dumps(m["content"], separators=(",", ":"), ensure_ascii=False),
                    at.replace(tzinfo=None),
                    at,
                )
            )
        now = datetime.now(UTC)
        with self.conn.transaction():
            self.cur.executemany(self._insert, rows)
            self.cur.execute(
                'UPDATE mastra_threads SET "updatedAt" = %s, "updatedAtZ" = %s WHERE id = %s',
                (now.replace(tzinfo=None), now, batch[0]["thread_id"]),
            )

    @staticmethod
    def _decode(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        loads = json.loads
        return [(r[0], r[1], r[2], r[3], r[4], loads(r[5]), r[6]) for r in rows]

    def last40(self, thread: str) -> list[tuple[Any, ...]]:
        self.cur.execute(
            f"SELECT {self._cols}, (SELECT count(*) FROM mastra_messages WHERE thread_id = %s) "
            'FROM mastra_messages WHERE thread_id = %s ORDER BY "createdAt" DESC, id DESC LIMIT 40 OFFSET 0',
            (thread, thread),
        )
        return self._decode(self.cur.fetchall())

    def include(
        self, ids: Sequence[str], *, count_thread: str | None = None, join: bool = False
    ) -> list[tuple[Any, ...]]:
        if count_thread is not None:
            self.cur.execute("SELECT count(*) FROM mastra_messages WHERE thread_id = %s", (count_thread,))
            self.cur.fetchone()
        self.cur.execute(self._windows[len(ids), join], _window_params(ids, join=join))
        rows = _merge(self.cur.fetchall())
        return [(*r[:5], json.loads(r[5]), r[6].replace(tzinfo=UTC)) for r in rows]

    def list_threads(self, resource: str) -> list[tuple[Any, ...]]:
        self.cur.execute(
            'SELECT id, "resourceId", title, metadata, '
            'COALESCE("createdAtZ", "createdAt" AT TIME ZONE \'UTC\'), '
            'COALESCE("updatedAtZ", "updatedAt" AT TIME ZONE \'UTC\'), '
            '(SELECT count(*) FROM mastra_threads WHERE "resourceId" = %s) FROM mastra_threads '
            'WHERE "resourceId" = %s ORDER BY "createdAt" DESC, id DESC LIMIT 20 OFFSET 0',
            (resource, resource),
        )
        return self.cur.fetchall()

    def load_all(self, thread: str) -> list[tuple[Any, ...]]:
        self.cur.execute(
            f'SELECT {self._cols} FROM mastra_messages WHERE thread_id = %s ORDER BY "createdAt" ASC, id ASC',
            (thread,),
        )
        return self._decode(self.cur.fetchall())

    def bulk_messages(self, rows: Sequence[MessageRow]) -> None:
        with self.cur.copy(f'COPY mastra_messages ({MSG_COLS}, "createdAtZ") FROM STDIN') as copy:
            for r in rows:
                copy.write_row(
                    (
                        r.id,
                        r.thread_id,
                        r.resource_id,
                        r.role,
                        "v2",
                        r.content,
                        r.created_at.replace(tzinfo=None),
                        r.created_at,
                    )
                )

    def bulk_threads(self, threads: Sequence[tuple[str, str, datetime]]) -> None:
        with self.cur.copy(
            'COPY mastra_threads (id, "resourceId", title, metadata, "createdAt", "updatedAt", '
            '"createdAtZ", "updatedAtZ") FROM STDIN'
        ) as copy:
            for t, r, at in threads:
                naive = at.replace(tzinfo=None)
                copy.write_row((t, r, f"Thread {t}", '{"topic":"bench"}', naive, naive, at, at))

    def vacuum_analyze(self) -> None:
        """What autovacuum does soon after a bulk load (planner statistics, visibility map)."""
        self.cur.execute("VACUUM ANALYZE mastra_messages")
        self.cur.execute("VACUUM ANALYZE mastra_threads")

    def close(self) -> None:
        self.conn.close()


# --- the suite --------------------------------------------------------------------------------------


class Database(Protocol):
    """A fresh, empty database of one backend (created by ``bench.py``)."""

    url: str  # for Storage.from_url

    def raw(self, driver: str | None = None) -> Raw: ...


@dataclass
class Suite:
    backend: str  # "libsql" | "postgres"
    new_database: Callable[[str], Database]
    config: Config
    log: Callable[[str], None] = print
    results: list[Result] = field(default_factory=list)
    raw_label: str = ""
    profiles: dict[str, str] = field(default_factory=dict)

    @property
    def _i(self) -> int:
        return 0 if self.backend == "libsql" else 1

    def _storage(self, db: Database) -> Any:
        from mastra_data import Storage

        storage = Storage.from_url(db.url)
        storage.migrate()
        return storage

    def _threads(self, repo: Any, count: int, prefix: str = "thread") -> None:
        for t in range(count):
            repo.save_thread(
                {
                    "id": f"{prefix}-{t:04d}",
                    "resource_id": f"resource-w1-{t % 10}",
                    "title": f"Thread {t}",
                    "metadata": {"topic": "bench"},
                    "created_at": BASE_TIME,
                }
            )

    # W1 -------------------------------------------------------------------------------------------

    def _w1_pair(self, batch: int, profile: bool) -> tuple[Any, Any]:
        """W1 at ``batch``: ours and each raw driver on their own fresh databases, interleaved.

        The 10,000 messages go in 10 rounds; each round runs a tenth of the batches on our side, then
        on each raw side, so that load from other processes hits all sides alike. Returns our Storage
        and its Database (the W1 data the read workloads use).
        """
        label = f"W1 append 10k msgs, batch {batch}"
        drivers: list[str | None] = ["libsql", "sqlite3"] if self.backend == "libsql" else [None]
        sides: list[tuple[str, Callable[[Sequence[dict[str, Any]]], object], list[list[dict[str, Any]]]]] = []

        ours_db = self.new_database(f"w1_ours_b{batch}")
        storage = self._storage(ours_db)
        repo = storage.memory
        self._threads(repo, W1_THREADS)
        self._threads(repo, 5, prefix="warm")
        sides.append(("ours", repo.save_messages, w1_batches(batch=batch)))
        raws: list[Raw] = []
        for driver in drivers:
            raw_db = self.new_database(f"w1_raw_{driver or 'pg'}_b{batch}")
            raw_storage = self._storage(raw_db)
            self._threads(raw_storage.memory, W1_THREADS)
            self._threads(raw_storage.memory, 5, prefix="warm")
            raw_storage.close()
            raw = raw_db.raw(driver)
            raws.append(raw)
            sides.append((raw.label, raw.write_batch, w1_batches(batch=batch)))
        for _, fn, _ in sides:
            for b in w1_batches(threads=5, messages=50, batch=10, prefix="warm"):
                fn(b)

        rounds = 10
        elapsed = [0.0] * len(sides)
        per_batch: list[list[float]] = [[] for _ in sides]
        clock = time.perf_counter
        gc.collect()
        for r in range(rounds):
            for k, (_, fn, batches) in enumerate(sides):
                part = batches[r * len(batches) // rounds : (r + 1) * len(batches) // rounds]
                start = clock()
                for items in part:
                    t0 = clock()
                    fn(items)
                    per_batch[k].append(clock() - t0)
                elapsed[k] += clock() - start
        for raw in raws:
            raw.close()
        rates = [sum(len(b) for b in batches) / elapsed[k] for k, (_, _, batches) in enumerate(sides)]
        self.log(
            f"  {label}: "
            + ", ".join(f"{n} {r:,.0f} msgs/s" for (n, _, _), r in zip(sides, rates, strict=True))
        )

        ours_stats = _stats(per_batch[0])
        target = TARGETS["W1"][self._i] if batch == W1_BATCH else None
        min_eff = W1_BATCH100_MIN_EFFICIENCY if batch == 100 else None
        self.results.append(
            Result(
                label,
                "msgs/s",
                rates[0],
                rates[1],
                sides[1][0],
                target=target,
                min_efficiency=min_eff,
                note=f"per batch p50 {ours_stats.median_ms:.2f} / p95 {ours_stats.p95_ms:.2f} ms "
                f"(raw p50 {_stats(per_batch[1]).median_ms:.2f})",
            )
        )
        for (name, _, _), rate in zip(sides[2:], rates[2:], strict=True):
            self.results.append(Result(f"vs raw {name}", "msgs/s", rates[0], rate, name, indent=True))
        if profile:
            # Into the 5 warm-up threads, so the W2 threads keep exactly 100 messages.
            more = w1_batches(threads=5, messages=2_000, batch=batch, prefix="warm")
            self.profiles["w1"] = profile_calls(repo.save_messages, more)
        return storage, ours_db

    # the read workloads -------------------------------------------------------------------------

    def run(self, profile: Collection[str] = ()) -> list[Result]:
        storage, db = self._w1_pair(W1_BATCH, "w1" in profile)
        if self.config.batch100:
            extra, _ = self._w1_pair(100, False)
            extra.close()
        repo = storage.memory
        raw = db.raw(None)
        try:
            self._reads(repo, raw, profile)
        finally:
            raw.close()
            storage.close()
        return self.results

    def _reads(self, repo: Any, raw: Raw, profile: Collection[str]) -> None:
        cfg = self.config
        self.raw_label = raw.label
        rng = random.Random(11)
        i = self._i

        # Data for W3 and whole-thread loads: threads of 1k/8k/20k messages, bulk-loaded raw.
        t0 = time.perf_counter()
        big: dict[int, list[MessageRow]] = {}
        for size in BIG_SIZES:
            big[size] = big_thread_rows(f"big-{size}", size)
            raw.bulk_messages(big[size])
        raw.bulk_threads(
            [(f"big-{s}", "resource-big", BASE_TIME) for s in BIG_SIZES]
            + [
                (
                    f"w4-{r:03d}-{k:02d}",
                    f"resource-w4-{r:03d}",
                    BASE_TIME + timedelta(minutes=r * W4_THREADS_PER_RESOURCE + k),
                )
                for r in range(W4_RESOURCES)
                for k in range(W4_THREADS_PER_RESOURCE)
            ]
        )
        if isinstance(raw, RawPostgres):
            raw.vacuum_analyze()
        self.log(
            f"  bulk-loaded {sum(BIG_SIZES):,} messages + {W4_RESOURCES * 10:,} threads in "
            f"{time.perf_counter() - t0:.1f} s"
        )

        # W2: last 40 of a 100-message thread (the W1 data, written by us).
        tids = [thread_id(rng.randrange(W1_THREADS)) for _ in range(cfg.latency_iters)]
        desc = {"direction": "DESC"}

        def ours_w2(t: str) -> object:
            return repo.list_messages(t, per_page=40, order_by=desc)

        assert len(ours_w2(tids[0]).messages) == 40
        assert len(raw.last40(tids[0])) == 40
        self._latency("W2 last 40 of a 100-msg thread", ours_w2, raw.last40, tids, TARGETS["W2"][i])
        if "w2" in profile:
            self.profiles["w2"] = profile_calls(ours_w2, tids[:1000])

        # W3: include 3 ids +-2, per_page=0, on the 1k and 20k threads.
        medians: dict[int, float] = {}
        raw_medians: dict[int, float] = {}
        for size in W3_SIZES:
            rows = big[size]
            picks = [
                [rows[rng.randrange(100, size - 100)].id for _ in range(3)] for _ in range(cfg.include_iters)
            ]
            tid = f"big-{size}"

            def ours_w3(ids: list[str], tid: str = tid) -> object:
                include = [{"id": x, "with_previous_messages": 2, "with_next_messages": 2} for x in ids]
                return repo.list_messages(tid, include=include, per_page=0)

            got = ours_w3(picks[0]).messages
            for join in (False, True):
                want = raw.include(picks[0], join=join)
                assert [m.id for m in got] == [r[0] for r in want], "W3 ours and raw disagree"
            res = self._latency(
                f"W3 include 3 ids ±2, {size // 1000}k-msg thread",
                ours_w3,
                raw.include,
                picks,
                TARGETS["W3"][i],
            )
            medians[size] = res.ours or 0.0
            raw_medians[size] = res.raw or 0.0
            # Variants of the raw side, to split our time: + the COUNT(*) of the thread that our
            # per_page=0 call also runs (for `total`), and our own SQL shape (anchor as a JOIN).
            variants = (
                ("raw + COUNT(*) of the thread", lambda ids, tid=tid: raw.include(ids, count_thread=tid)),
                ("raw with our SQL (JOIN anchor)", lambda ids: raw.include(ids, join=True)),
                (
                    "raw with our SQL + COUNT(*)",
                    lambda ids, tid=tid: raw.include(ids, count_thread=tid, join=True),
                ),
            )
            for name, fn in variants:
                st = self._measure(fn, picks)
                self.results.append(
                    Result(name, "ms", res.ours, st.median_ms, raw.label, note=st.text, indent=True)
                )
            if "w3" in profile and size == W3_SIZES[-1]:
                self.profiles["w3"] = profile_calls(ours_w3, picks[:500])
        small, large = W3_SIZES
        self.results.append(
            Result(
                f"W3 flatness: median {large // 1000}k / {small // 1000}k",
                "x",
                medians[large] / medians[small] if medians[small] else None,
                raw_medians[large] / raw_medians[small] if raw_medians[small] else None,
                self.raw_label,
                target=FLAT_MAX,
            )
        )

        # W4: 20 threads of a resource (200 resources x 10 threads).
        resources = [f"resource-w4-{rng.randrange(W4_RESOURCES):03d}" for _ in range(cfg.latency_iters)]

        def ours_w4(r: str) -> object:
            return repo.list_threads(resource_id=r, per_page=20)

        assert len(ours_w4(resources[0]).threads) == W4_THREADS_PER_RESOURCE
        self._latency(
            "W4 list 20 threads of a resource", ours_w4, raw.list_threads, resources, TARGETS["W4"][i]
        )
        if "w4" in profile:
            self.profiles["w4"] = profile_calls(ours_w4, resources[:1000])

        # L: whole-thread load, per_page=False.
        per_k: dict[int, float] = {}
        raw_per_k: dict[int, float] = {}
        for size in BIG_SIZES:
            tid = f"big-{size}"
            args = [tid] * cfg.load_iters(size)

            def ours_load(t: str) -> object:
                return repo.list_messages(t, per_page=False)

            assert len(ours_load(tid).messages) == size
            res = self._latency(
                f"L  load whole thread, {size // 1000}k msgs",
                ours_load,
                raw.load_all,
                args,
                None,
                warmup=1,
                min_efficiency=LOAD_MIN_EFFICIENCY,
                collect_each=True,
            )
            per_k[size] = (res.ours or 0.0) / (size / 1000)
            raw_per_k[size] = (res.raw or 0.0) / (size / 1000)
            res.note = f"{per_k[size]:.2f} ms/1k msgs (raw {(res.raw or 0) / (size / 1000):.2f}); " + res.note
            if "load" in profile and size == BIG_SIZES[-1]:
                self.profiles["load"] = profile_calls(ours_load, args[:3])
        first, last = BIG_SIZES[0], BIG_SIZES[-1]
        self.results.append(
            Result(
                f"L  linearity: ms/1k @{last // 1000}k ÷ @{first // 1000}k",
                "x",
                per_k[last] / per_k[first] if per_k[first] else None,
                raw_per_k[last] / raw_per_k[first] if raw_per_k[first] else None,
                self.raw_label,
                target=FLAT_MAX,
                or_within_raw=True,
            )
        )

    def _measure(self, fn: Callable[[Any], object], args: Sequence[Any], warmup: int | None = None) -> Stats:
        warm = self.config.warmup if warmup is None else warmup
        return time_calls(fn, args, warm, self.config.budget_s)

    def _latency(
        self,
        label: str,
        ours: Callable[[Any], object],
        raw: Callable[[Any], object],
        args: Sequence[Any],
        target: float | None,
        *,
        warmup: int | None = None,
        min_efficiency: float | None = None,
        collect_each: bool = False,
    ) -> Result:
        warm = self.config.warmup if warmup is None else warmup
        blocks = min(10, len(args))
        ours_stats, raw_stats = time_pair(
            ours, raw, args, warm, self.config.budget_s, blocks=blocks, collect_each=collect_each
        )
        self.log(f"  {label}: ours {ours_stats.median_ms:.3f} ms, raw {raw_stats.median_ms:.3f} ms")
        result = Result(
            label,
            "ms",
            ours_stats.median_ms,
            raw_stats.median_ms,
            self.raw_label,
            target=target,
            min_efficiency=min_efficiency,
            note=f"p95 {ours_stats.p95_ms:.3f} / raw {raw_stats.p95_ms:.3f} ms, n={ours_stats.n}",
        )
        self.results.append(result)
        return result


def run_memory_suite(
    backend: str,
    new_database: Callable[[str], Database],
    config: Config,
    *,
    profile: Collection[str] = (),
    log: Callable[[str], None] = print,
) -> tuple[list[Result], dict[str, str]]:
    """Run every memory workload on one backend; returns the rows and any requested profiles."""
    suite = Suite(backend, new_database, config, log)
    suite.run(profile)
    return suite.results, suite.profiles
