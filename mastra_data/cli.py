"""The ``mastra-data`` command: migrate a database, or check it for drift."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from mastra_data.db import migrations
from mastra_data.db.dialects import normalize_url
from mastra_data.db.engine import create_engine
from mastra_data.errors import MastraDataError
from mastra_data.settings import StorageSettings, redact_url

__all__ = ("app",)

app = typer.Typer(help="Operate a mastra_data (Mastra v1 compatible) database.", no_args_is_help=True)
console = Console(stderr=True)

UrlOption = Annotated[
    str | None,
    typer.Option("--url", help="Database URL (default: MASTRA_DATA_URL or sqlite+libsql:///./mastra.db)."),
]


def _url(url: str | None) -> str:
    try:
        return normalize_url(url) if url else StorageSettings().url
    except MastraDataError as exc:
        console.print(f"[red]error[/red] {exc.id}: {exc.message}")
        raise typer.Exit(code=2) from None


@app.command()
def migrate(
    url: UrlOption = None,
    sql: Annotated[
        bool, typer.Option("--sql", help="Print the DDL for the URL's dialect; change nothing.")
    ] = False,
) -> None:
    """Upgrade the database to the newest schema (adopting a database Mastra created)."""
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
        console.print(f"[red]error[/red] {exc.id}: {exc.message}")
        raise typer.Exit(code=1) from None
    console.print(f"[green]migrated[/green] {redact_url(target)} to revision {revision}")


@app.command()
def check(url: UrlOption = None) -> None:
    """Exit non-zero when the database schema differs from the models (drift) or is not at head."""
    target = _url(url)
    try:
        engine = create_engine(target)
        try:
            revision = migrations.current_revision(engine)
            diff = migrations.schema_diff(engine)
        finally:
            engine.dispose()
    except MastraDataError as exc:
        console.print(f"[red]error[/red] {exc.id}: {exc.message}")
        raise typer.Exit(code=1) from None
    head = migrations.head_revision()
    if revision != head:
        console.print(f"[yellow]revision[/yellow] database at {revision}, package head is {head}")
    for item in diff:
        console.print(f"[yellow]drift[/yellow] {migrations.describe_diff(item)}")
    if diff or revision != head:
        raise typer.Exit(code=1)
    console.print(f"[green]ok[/green] {redact_url(target)} is at {head} with no drift")


if __name__ == "__main__":
    app()
