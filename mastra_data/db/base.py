"""The declarative base every table class uses, and the column markers for per-dialect schema.

Mastra's two stores do not create identical tables, and compatibility means matching each:

* PostgreSQL adds a ``"<col>Z" TIMESTAMPTZ`` shadow for every timestamp column. The shadows are real
  columns of the shared :class:`~sqlalchemy.Table` (so PG statements can write them) but are left
  *unmapped* on the SQLModel classes and marked :data:`PG_ONLY`; the libSQL schema drops them.
* libSQL leaves a column nullable unless Mastra said ``nullable: false``; PG makes it ``NOT NULL``.
  Such columns are declared ``NOT NULL`` here (the stricter contract, which our writes honour) and
  marked :data:`NULLABLE_ON_LIBSQL`.

:func:`mastra_data.db.schema.metadata_for` applies the markers to produce each dialect's exact schema.
"""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from mastra_data.db.types import SHADOW_SUFFIX, ShadowTimestamp, Timestamp

__all__ = (
    "NAMING_CONVENTION",
    "NULLABLE_ON_LIBSQL",
    "PG_ONLY",
    "MastraModel",
    "column",
    "shadow_timestamps",
    "trusted",
)

# PostgreSQL's own default names, so constraints we create match those Mastra's init() looks for.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "%(table_name)s_%(column_0_N_name)s_idx",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}

PG_ONLY = "mastra_data.pg_only"
"""``Column.info`` key: the column exists on PostgreSQL only (Mastra's ``Z`` shadows)."""

NULLABLE_ON_LIBSQL = "mastra_data.nullable_on_libsql"
"""``Column.info`` key: ``NOT NULL`` on PostgreSQL, nullable on libSQL (as Mastra creates it)."""

ModelT = TypeVar("ModelT", bound=BaseModel)

mastra_registry = registry(metadata=sa.MetaData(naming_convention=NAMING_CONVENTION))


class MastraModel(SQLModel, registry=mastra_registry):
    """Base of all mastra_data models: snake_case attributes, Mastra's camelCase JSON aliases.

    ``model_dump(by_alias=True, mode="json")`` gives the keys Mastra's API uses; validation accepts
    either spelling.
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)  # type: ignore[assignment]


def column(
    name: str,
    type_: sa.types.TypeEngine[Any] | type[sa.types.TypeEngine[Any]],
    *,
    nullable: bool = True,
    primary_key: bool = False,
    nullable_on_libsql: bool = False,
) -> sa.Column[Any]:
    """A column with Mastra's (quoted, camelCase) name.

    Args:
        name: The database column name exactly as Mastra spells it.
        type_: A type from :mod:`mastra_data.db.types` or a plain SQLAlchemy type.
        nullable: Nullability on PostgreSQL (and on libSQL unless ``nullable_on_libsql``).
        primary_key: Part of the primary key.
        nullable_on_libsql: Mastra's libSQL DDL leaves this column nullable although PG has
            ``NOT NULL`` (core schema columns with unspecified nullability).
    """
    info = {NULLABLE_ON_LIBSQL: True} if nullable_on_libsql else {}
    return sa.Column(name, type_, nullable=nullable, primary_key=primary_key, info=info)


def shadow_timestamps(*models: type[SQLModel]) -> None:
    """Append Mastra's PG ``"<col>Z" TIMESTAMPTZ DEFAULT now()`` shadow for each timestamp column.

    Called once per models module, after the classes exist, so that the mapper has already been
    configured and the shadows stay unmapped (ORM ``select(Model)`` never names them, which keeps
    reads working on libSQL where they do not exist). Writes fill them through
    :meth:`mastra_data.db.dialects.Backend.row`.
    """
    for model in models:
        table: sa.Table = model.__table__  # type: ignore[attr-defined]
        for col in list(table.columns):
            if isinstance(col.type, Timestamp) and f"{col.name}{SHADOW_SUFFIX}" not in table.c:
                table.append_column(
                    sa.Column(
                        f"{col.name}{SHADOW_SUFFIX}",
                        ShadowTimestamp(),
                        server_default=sa.func.now(),
                        info={PG_ONLY: True},
                    )
                )


def trusted(cls: type[ModelT], values: dict[str, Any]) -> ModelT:
    """Build a model from values the repository produced itself, skipping validation.

    For rows just read from the database (already typed by the column types): about 1.4 µs an object
    against 4 to 6 µs for ``model_construct``/``model_validate``, which matters when a page holds
    dozens of messages. ``values`` must hold every field, already valid; it is used as is.
    """
    obj = object.__new__(cls)  # not cls.__new__: SQLModel's only presets the attributes set below
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj
