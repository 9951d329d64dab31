"""Run alembic from the program, wherever it is installed.

alembic is imported inside the functions that run it: a serving worker migrates in a child process
(:func:`upgrade_in_child`) and reads revisions without it, so alembic and the migration modules
(~10 MB, bench/rss_bench.py) never stay in its memory.
"""

from __future__ import annotations

import ast
import asyncio
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

import schema

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(schema.__file__).parent / "migrations"
_URL_VARIABLE = "GONGSHI_MIGRATE_URL"


def alembic_config(url: str) -> Config:
    """An alembic config pointing at the packaged migrations and ``url``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = url
    return config


def _assigned(tree: ast.Module, name: str) -> object:
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(t, ast.Name) and t.id == name for t in targets) and node.value is not None:
                return ast.literal_eval(node.value)
    return None


@cache
def head_revision() -> str | None:
    """The newest migration shipped with this code: the revision no other one revises.

    Read from the scripts' ``revision`` and ``down_revision`` literals (tests/test_migrations_head.py
    checks it against alembic's own answer), so /readyz needs no alembic in the worker.
    """
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        tree = ast.parse(script.read_text(encoding="utf-8"))
        revision, down = _assigned(tree, "revision"), _assigned(tree, "down_revision")
        if isinstance(revision, str):
            revisions.add(revision)
            revised.update([down] if isinstance(down, str) else list(down) if isinstance(down, tuple) else [])
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


def current_revision(connection: Connection) -> str | None:
    """The migration a database is at (alembic's own table; None before the first migration)."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(url: str) -> None:
    """Bring the database at ``url`` to head (env.py runs its own event loop)."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def upgrade_in_child(url: str) -> None:
    """:func:`upgrade` in a child process, so the caller (a server about to fork its workers, or
    the worker itself) never holds alembic. The URL travels in the environment, not in ``ps``."""
    environment = {**os.environ, _URL_VARIABLE: url}
    if subprocess.run([sys.executable, "-m", "schema.migrate"], env=environment).returncode != 0:
        raise SystemExit("数据库迁移失败，原因见上 (the migration failed: see above)")


async def upgrade_async(url: str) -> None:
    """:func:`upgrade` from async code, in a worker thread so env.py can run its loop."""
    await asyncio.to_thread(upgrade, url)


if __name__ == "__main__":
    upgrade(os.environ[_URL_VARIABLE])
