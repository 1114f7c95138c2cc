"""The ``mastra-data`` command: migrate, check (drift and Mastra compatibility), stats, prune, demo.

Exit codes, the same for every command: 0 ok; 1 a problem was found (drift) or the operation failed
(database unreachable or failing); 2 bad usage (unknown URL scheme, bad duration, bad option value).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import pydantic
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from mastra_data.db import migrations
from mastra_data.db.dialects import normalize_url
from mastra_data.db.engine import create_engine
from mastra_data.errors import MastraDataError, ValidationError
from mastra_data.settings import StorageSettings, redact_url

if TYPE_CHECKING:
    from mastra_data.storage import Storage

__all__ = ("app",)

app = typer.Typer(
    help="Operate a mastra_data (Mastra v1 compatible) database. "
    "Exit codes: 0 ok; 1 problem found or operation failed; 2 bad usage or URL.",
    no_args_is_help=True,
)
console = Console(stderr=True)  # messages and progress
out = Console()  # reports (tables), so a script can capture them apart from the messages

UrlOption = Annotated[
    str | None,
    typer.Option("--url", help="Database URL (default: MASTRA_DATA_URL or sqlite+libsql:///./mastra.db)."),
]


def _fail(exc: MastraDataError, code: int) -> typer.Exit:
    console.print(f"[red]error[/red] {exc.id}: {exc.message}", highlight=False)
    return typer.Exit(code=code)


def _settings(url: str | None) -> StorageSettings:
    try:
        return StorageSettings(url=url) if url else StorageSettings()
    except pydantic.ValidationError as exc:
        problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        console.print(f"[red]error[/red] MASTRA_STORAGE_INVALID_SETTINGS: {problem}", highlight=False)
        raise typer.Exit(code=2) from None


def _url(url: str | None) -> str:
    try:
        return normalize_url(url) if url else _settings(None).url
    except MastraDataError as exc:
        raise _fail(exc, 2) from None


@contextmanager
def _storage(url: str | None) -> Iterator[Storage]:
    """The :class:`Storage` a command works on (every domain on ``--url``, else the settings' URLs).

    Bad input (``ValidationError``) exits 2; any other mastra_data error (unreachable or failing
    database, a file in a missing directory) exits 1, with its id and message and no traceback.
    """
    from mastra_data.storage import Storage

    settings = _settings(_url(url) if url else None)
    try:
        with Storage(settings) as storage:
            yield storage
    except ValidationError as exc:
        raise _fail(exc, 2) from None
    except MastraDataError as exc:
        raise _fail(exc, 1) from None


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} rows"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _size(value: int | None) -> str:
    if value is None:
        return "-"
    size = float(value)
    for unit in ("B", "KiB", "MiB"):
        if size < 1024:
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z") if value else "-"


@app.command()
def migrate(
    url: UrlOption = None,
    sql: Annotated[
        bool, typer.Option("--sql", help="Print the DDL for the URL's dialect; change nothing.")
    ] = False,
) -> None:
    """Upgrade the database to the newest schema (adopting a database Mastra created).

    Exit codes: 0 migrated; 1 the database failed or is unreachable; 2 bad URL.
    """
    target = _url(url)
    try:
        if sql:
            typer.echo(migrations.offline_sql(target))
            return
        engine = create_engine(target)
        try:
            migrations.upgrade(engine)
            revision = migrations.current_revision(engine)
        finally:
            engine.dispose()
    except MastraDataError as exc:
        raise _fail(exc, 1) from None
    console.print(f"[green]migrated[/green] {redact_url(target)} to revision {revision}")


@app.command()
def check(url: UrlOption = None) -> None:
    """Check the schema against the models (drift) and report Mastra compatibility: missing core
    tables, columns and indexes, and the vector index tables with their dimension and index type.

    Exit codes: 0 at head with no drift; 1 drift, not at head, or the database failed; 2 bad URL.
    """
    from mastra_data.ops.check import compatibility_report

    target = _url(url)
    try:
        engine = create_engine(target)
        try:
            report = compatibility_report(engine)
        finally:
            engine.dispose()
    except MastraDataError as exc:
        raise _fail(exc, 1) from None
    if not report.at_head:
        console.print(
            f"[yellow]revision[/yellow] database at {report.revision}, package head is {report.head}"
        )
    for line in report.drift_lines:
        console.print(f"[yellow]drift[/yellow] {line}", highlight=False)
    table = Table(title="Mastra compatibility", title_justify="left")
    table.add_column("check")
    table.add_column("result", overflow="fold")
    for label, items in (
        ("missing tables", report.missing_tables),
        ("missing columns", report.missing_columns),
        ("missing indexes", report.missing_indexes),
        ("other drift", report.other_drift),
    ):
        table.add_row(label, "[green]none[/green]" if not items else f"[red]{', '.join(items)}[/red]")
    out.print(table)
    vectors = Table(title="Vector indexes", title_justify="left")
    for column in ("index", "dimension", "vectors", "metric", "type"):
        vectors.add_column(column)
    for name, stats in report.vector_indexes.items():
        vectors.add_row(name, str(stats.dimension), str(stats.count), stats.metric, stats.type)
    if report.vector_indexes:
        out.print(vectors)
    else:
        out.print("Vector indexes: none")
    if not report.ok:
        raise typer.Exit(code=1)
    console.print(f"[green]ok[/green] {redact_url(target)} is at {report.head} with no drift")


@app.command()
def stats(url: UrlOption = None) -> None:
    """Rows and on-disk size of every core table and vector index table, thread and resource counts,
    and the oldest/newest message.

    Exit codes: 0 ok; 1 the database failed or is unreachable; 2 bad URL or settings.
    """
    from mastra_data.ops.stats import collect_stats

    with _storage(url) as storage, _progress() as progress:
        task = progress.add_task("measuring", total=None)
        result = collect_stats(storage, on_table=lambda name: progress.update(task, description=name))
    table = Table(title="Tables", title_justify="left")
    for column, justify in (("table", "left"), ("kind", "left"), ("rows", "right"), ("size", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    table.add_column("vector index")
    for item in result.tables:
        detail = f"dim {item.dimension}, {item.metric}, {item.index_type}" if item.kind == "vector" else ""
        rows = "missing" if item.rows is None else f"{item.rows:,}"
        table.add_row(item.name, item.kind, rows, _size(item.bytes), detail)
    out.print(table)
    out.print(f"size measured by: {', '.join(result.size_methods) or '-'}", highlight=False)
    out.print(
        f"threads: {result.threads:,}  resources (working memory rows): {result.resources:,}  "
        f"resource ids in threads: {result.resource_ids_in_threads:,}",
        highlight=False,
    )
    out.print(
        f"oldest message: {_when(result.oldest_message)}  newest message: {_when(result.newest_message)}",
        highlight=False,
    )


def _duration_option(entity: str, what: str) -> Any:
    return typer.Option(
        f"--{entity}",
        help=f"Delete {what} older than this (e.g. 90d; units s m h d w). "
        f"Default: MASTRA_DATA_RETENTION__{entity.upper()}.",
    )


@app.command()
def prune(
    url: UrlOption = None,
    messages: Annotated[str | None, _duration_option("messages", "messages (and their vectors)")] = None,
    threads: Annotated[
        str | None, _duration_option("threads", "threads without messages, not updated for longer,")
    ] = None,
    spans: Annotated[str | None, _duration_option("spans", "whole traces whose newest span is")] = None,
    scores: Annotated[str | None, _duration_option("scores", "scores")] = None,
    workflows: Annotated[
        str | None, _duration_option("workflows", "finished (success/failed/canceled…) workflow runs")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would go; delete nothing.")] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Rows per delete transaction.")
    ] = 1000,
) -> None:
    """Retention: really delete messages, emptied threads, traces, scores and finished workflow runs
    older than a duration, in small transactions so a live app keeps writing. Threads with a message
    newer than the messages cutoff are never deleted; a row exactly at the cutoff is kept.

    Exit codes: 0 done (also when there was nothing to prune); 1 the database failed; 2 a bad
    duration, or no duration at all.
    """
    from mastra_data.ops.prune import prune as run_prune
    from mastra_data.ops.prune import retention_policy

    flags = {
        "messages": messages,
        "threads": threads,
        "spans": spans,
        "scores": scores,
        "workflows": workflows,
    }
    with _storage(url) as storage:
        policy = retention_policy(flags, storage.settings.retention.model_dump())
        if not policy:
            console.print(
                "[red]error[/red] nothing to prune: give a duration (e.g. --messages 90d) or set "
                "MASTRA_DATA_RETENTION__<ENTITY>"
            )
            raise typer.Exit(code=2)
        with _progress() as progress:
            tasks: dict[str, Any] = {}

            def tick(entity: str, rows: int) -> None:
                if entity not in tasks:
                    tasks[entity] = progress.add_task(f"pruning {entity}", total=None)
                progress.advance(tasks[entity], rows)

            result = run_prune(storage, policy, dry_run=dry_run, batch_size=batch_size, progress=tick)
    table = Table(title="Would delete (dry run)" if dry_run else "Deleted", title_justify="left")
    for column, justify in (("entity", "left"), ("older than", "left"), ("rows", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for entity, count in result.counts.items():
        cutoff = result.cutoffs.get("spans" if entity == "traces" else entity)
        table.add_row(entity, _when(cutoff), f"{count:,}")
    out.print(table)
    if result.total == 0:
        console.print("[green]nothing to prune[/green]: no row is older than its retention")
    elif dry_run:
        console.print(f"[yellow]dry run[/yellow]: {result.total:,} rows would be deleted; nothing changed")
    else:
        console.print(f"[green]pruned[/green] {result.total:,} rows")


@app.command()
def demo(url: UrlOption = None) -> None:
    """Run the README's main job: migrate, save a short conversation for two resources, index it with a
    deterministic toy embedding (no model) and show what semantic recall returns. Safe to rerun.

    Exit codes: 0 ok; 1 the database failed or is unreachable; 2 bad URL.
    """
    from mastra_data.memory.repository import message_text
    from mastra_data.ops.demo import run_demo

    with _storage(url) as storage:
        result = run_demo(storage)
        target = storage.settings.url_for("memory")
    hits = {h.metadata.get("message_id"): h.score for h in result.recall.hits if h.metadata}
    table = Table(
        title=f"recall({result.thread_id!r}, resource_id={result.resource_id!r}) for {result.query!r}",
        title_justify="left",
    )
    for column in ("message", "role", "created at", "score", "text"):
        table.add_column(column, overflow="fold")
    for message in result.recall.messages:
        score = hits.get(message.id)
        table.add_row(
            message.id,
            message.role,
            _when(message.created_at),
            f"{score:.3f}" if score is not None else "",
            message_text(message.content),
        )
    out.print(table)
    console.print(
        f"[green]demo[/green] {redact_url(target)}: {result.messages_saved} messages for "
        f"{len(result.resources)} resources in index {result.index_name}",
        highlight=False,
    )


def _register_copy() -> None:
    # copy lives in its own module (it is the largest command); imported here, like the other
    # commands' modules, only when the CLI is built.
    from mastra_data.ops.copy_cli import copy_command

    app.command("copy")(copy_command)


_register_copy()


if __name__ == "__main__":
    app()
