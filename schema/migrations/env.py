"""Alembic environment: async engine, the models' metadata, one URL source."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import schema.models  # noqa: F401  (registers every table)
from schema.base import Base
from schema.db import make_engine

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if url:
        return str(url)
    # Plain `alembic ...` on the command line: the same setting the application uses.
    from api.settings import Settings

    return Settings.from_env().database_url


# The full-text parts of the search index differ per database and are not in the metadata:
# SQLite's FTS5 table search_fts (and its shadow tables), PostgreSQL's numbered tokens (table
# search_tokens, columns token_ids and common_bits and their GIN index, migrations cecece000015
# and ps17b0000017; the search_vector tsvector before them; the windows' table search_windows and
# the partial GIN indexes a rebuild makes, ix_search_documents_tokens_<n>, migration
# ps17c0000018). `alembic check` must not ask to drop them.
_FULL_TEXT_ONLY = {
    ("column", "search_vector"),
    ("index", "ix_search_documents_vector"),
    ("table", "search_tokens"),
    ("column", "token_ids"),
    ("column", "common_bits"),
    ("index", "ix_search_documents_tokens"),
    ("table", "search_windows"),
}


def _include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    if not reflected or compare_to is not None:
        return True
    if type_ == "table" and name is not None and name.startswith("search_fts"):
        return False
    if type_ == "index" and name is not None and name.startswith("ix_search_documents_tokens_"):
        return False
    return (type_, name) not in _FULL_TEXT_ONLY


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    # Batch migrations rebuild SQLite tables (copy, drop, rename); dropping a table other rows point
    # at fails while foreign keys are enforced. The pragma is ignored inside a transaction, so it is
    # sent on the raw connection before SQLAlchemy begins one.
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    cursor.close()


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, on=False)
    _migrate(connection)
    if sqlite:
        problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        connection.commit()
        _sqlite_foreign_keys(connection, on=True)
        if problems:
            raise RuntimeError(f"foreign keys broken by the migration: {problems[:5]}")


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = make_engine(_url(), pool=False)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())
