"""Run alembic from the program, wherever it is installed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

import schema

MIGRATIONS = Path(schema.__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An alembic config pointing at the packaged migrations and ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = url
    return config


def head_revision() -> str | None:
    """The newest migration shipped with this code."""
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The migration a database is at."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: str) -> None:
    """Bring the database at ``url`` to head (env.py runs its own event loop)."""
    command.upgrade(alembic_config(url), "head")


async def upgrade_async(url: str) -> None:
    """:func:`upgrade` from async code, in a worker thread so env.py can run its loop."""
    await asyncio.to_thread(upgrade, url)
