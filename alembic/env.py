"""Alembic environment for mastra_data: one tree, libSQL and PostgreSQL.

The URL comes from (first found): a connection passed by :mod:`mastra_data.db.migrations`,
``-x url=…`` on the command line, ``sqlalchemy.url`` in the config, ``MASTRA_DATA_URL``.
``target_metadata`` is the connected dialect's exact schema, so ``alembic check`` compares like with
like; only the seven core tables take part (vector index tables and host-app tables are ignored).
"""

from __future__ import annotations

import logging.config
from typing import Any

from sqlalchemy.engine import make_url

from alembic import context
from mastra_data.db.dialects import normalize_url
from mastra_data.db.engine import create_engine
from mastra_data.db.migrations import VERSION_TABLE, include_object
from mastra_data.db.schema import metadata_for
from mastra_data.settings import StorageSettings, redact_url

config = context.config
if config.config_file_name is not None and config.attributes.get("connection") is None:
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    raw = (
        config.attributes.get("url")
        or context.get_x_argument(as_dictionary=True).get("url")
        or config.get_main_option("sqlalchemy.url")
        or StorageSettings().url
    )
    return normalize_url(raw)


def _process_revision_directives(ctx: Any, revision: Any, directives: list[Any]) -> None:
    # Alembic cookbook: an autogenerate that finds nothing writes no empty revision file.
    if config.cmd_opts is not None and getattr(config.cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []


def _configure(**kwargs: Any) -> None:
    context.configure(
        version_table=VERSION_TABLE,
        include_object=include_object,
        render_as_batch=True,
        compare_type=True,
        process_revision_directives=_process_revision_directives,
        **kwargs,
    )


def run_migrations_offline() -> None:
    url = _url()
    dialect = make_url(url).get_dialect().name
    _configure(url=url, target_metadata=metadata_for(dialect), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection, target_metadata=metadata_for(connection.dialect.name))
        with context.begin_transaction():
            context.run_migrations()
        return
    url = _url()
    engine = create_engine(url)
    logging.getLogger("alembic").info("Database: %s", redact_url(url))
    try:
        with engine.connect() as conn:
            _configure(connection=conn, target_metadata=metadata_for(conn.dialect.name))
            with context.begin_transaction():
                context.run_migrations()
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
