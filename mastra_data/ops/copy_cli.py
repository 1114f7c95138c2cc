"""``mastra-data copy SRC_URL DST_URL``: the command around :func:`mastra_data.ops.copy.copy_database`.

Registered in the CLI with ``app.command("copy")(copy_command)``. Exit codes a script can use:

* 0 — everything copied (or already there), counts check out;
* 1 — conflicting rows left unresolved (rerun with ``--overwrite``), a destination with fewer rows than
  the source, or a database error during the copy;
* 2 — bad arguments: unknown URL scheme or domain, the same database twice, a missing source file, a
  database that cannot be reached;
* 130 — interrupted (Ctrl-C); committed batches stay and rerunning resumes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from mastra_data.errors import ConfigurationError, MastraDataError
from mastra_data.ops.copy import (
    COPY_DOMAINS,
    DEFAULT_BATCH_SIZE,
    CopyInterrupted,
    CopyProgress,
    CopyReport,
    copy_database,
)

__all__ = ("copy_command", "run_copy")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def copy_command(
    src: Annotated[str, typer.Argument(help="Source database URL (only read).", show_default=False)],
    dst: Annotated[
        str, typer.Argument(help="Destination database URL (migrated first).", show_default=False)
    ],
    domains: Annotated[
        str | None,
        typer.Option(
            "--domains",
            help=f"Comma-separated subset of: {','.join(COPY_DOMAINS)} (default: all).",
            show_default=False,
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Replace destination rows whose content differs from the source."),
    ] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Rows per batch (one transaction each).")
    ] = DEFAULT_BATCH_SIZE,
) -> None:
    """Copy every table and vector index from SRC to DST (e.g. a libSQL file to PostgreSQL).

    Idempotent and resumable: rows already in DST and equal are skipped, so rerunning after an
    interruption finishes the job. Rows with the same key but other content are reported and kept
    unless --overwrite. Ends with a per-table count check.
    """
    code = run_copy(src, dst, domains=domains, overwrite=overwrite, batch_size=batch_size)
    if code:
        raise typer.Exit(code=code)


def run_copy(
    src: str,
    dst: str,
    *,
    domains: str | None = None,
    overwrite: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    console: Console | None = None,
    on_batch: Callable[[CopyProgress], None] | None = None,
) -> int:
    """Run the copy with progress bars and the final report; returns the exit code (see module doc).

    ``on_batch`` is called after the progress bar is updated (a hook for embedding and tests).
    """
    out = console or Console()
    if not out.is_terminal and out.width < 120:
        out.width = 120  # piped or captured: rich would assume 80 columns and cut the report's cells
    selected = [d.strip() for d in domains.split(",")] if domains is not None else None
    bars = Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=out,
        transient=False,
    )
    tasks: dict[str, TaskID] = {}

    def progress(event: CopyProgress) -> None:
        task = tasks.get(event.table)
        if task is None:
            task = tasks[event.table] = bars.add_task(event.table, total=max(event.total, 1))
            if event.total == 0:
                bars.update(task, completed=1)
        bars.update(task, completed=event.done, total=max(event.total, event.done, 1))
        if on_batch is not None:
            on_batch(event)

    try:
        with bars:
            report = copy_database(
                src, dst, domains=selected, batch_size=batch_size, overwrite=overwrite, progress=progress
            )
    except CopyInterrupted as exc:
        out.print(
            f"[yellow]interrupted[/yellow] while copying {exc.table}; every finished batch is committed "
            "and no partial batch was written. Run the same command again to resume."
        )
        return EXIT_INTERRUPTED
    except ConfigurationError as exc:
        out.print(f"[red]error[/red] {exc.id}: {exc.message}")
        return EXIT_USAGE
    except MastraDataError as exc:
        out.print(f"[red]error[/red] {exc.id}: {exc.message}")
        out.print("Batches committed before the error stay; fix the cause and run again to resume.")
        return EXIT_FAILED
    _print_report(out, report, overwrite=overwrite)
    return EXIT_OK if report.ok else EXIT_FAILED


def _print_report(out: Console, report: CopyReport, *, overwrite: bool) -> None:
    table = Table(title=f"{report.source} → {report.destination}", title_justify="left")
    for header in ("table", "source", "destination", "copied", "unchanged", "conflicts", "check"):
        table.add_column(header, justify="left" if header == "table" else "right", no_wrap=True)
    for entry in report.tables:
        if entry.absent:
            check = "[dim]not in source[/dim]"
        elif not entry.count_ok:
            check = "[red]MISSING ROWS[/red]"
        elif entry.destination_rows > entry.source_rows:
            check = "ok (+own rows)"
        else:
            check = "[green]ok[/green]"
        conflicts = str(entry.conflicts)
        if entry.unresolved_conflicts:
            conflicts = f"[red]{conflicts}[/red]"
        table.add_row(
            entry.name,
            str(entry.source_rows),
            str(entry.destination_rows),
            str(entry.copied),
            str(entry.unchanged),
            conflicts,
            check,
        )
    out.print(table)
    for entry in report.tables:
        if entry.overwritten:
            out.print(
                f"[yellow]overwritten[/yellow] {entry.name}: {entry.overwritten} conflicting row(s) replaced "
                f"with the source's, e.g. {', '.join(entry.conflict_samples)}"
            )
        if entry.unresolved_conflicts:
            out.print(
                f"[red]conflict[/red] {entry.name}: {entry.unresolved_conflicts} row(s) differ in the "
                f"destination and were not overwritten, e.g. {', '.join(entry.conflict_samples)}"
            )
    if report.conflicts and not overwrite:
        out.print("Rerun with --overwrite to replace them with the source's rows.")
    for entry in report.tables:
        if entry.unkeyed:
            out.print(
                f"[red]not copied[/red] {entry.name}: {entry.unkeyed} source row(s) have a NULL key column "
                "and cannot be copied"
            )
    for name in report.count_mismatches:
        out.print(f"[red]count mismatch[/red] {name}: the destination has fewer rows than the source")
    summary = f"{report.copied} copied"
    out.print(f"[green]done[/green] {summary}" if report.ok else f"[red]incomplete[/red] {summary}")
