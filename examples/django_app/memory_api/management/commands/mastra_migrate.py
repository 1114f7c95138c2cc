"""``python manage.py mastra_migrate``: bring mastra_data's tables to the package's revision."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mastra_data import MastraDataError
from mastra_data.db.migrations import current_revision
from memory_api.storage import get_storage


class Command(BaseCommand):
    help = "Run mastra_data's migrations (its own Alembic tree and version table) on its database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--revision", default="head", help="Target revision (default: head).")

    def handle(self, *args: Any, **options: Any) -> None:
        storage = get_storage()
        try:
            storage.migrate(options["revision"])
            revision = current_revision(storage.engine_for("memory"))
        except MastraDataError as exc:
            raise CommandError(f"{exc.id}: {exc.message}") from exc
        self.stdout.write(self.style.SUCCESS(f"mastra_data schema at revision {revision}"))
