"""The revisions /readyz compares are read without alembic (schema/migrate.py): they must be alembic's."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from schema.migrate import alembic_config, current_revision, head_revision, upgrade_in_child


def test_the_head_read_from_the_scripts_is_alembics() -> None:
    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert head is not None
    assert head_revision() == head


def test_the_current_revision_is_alembics_before_and_after_the_child_migrates(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert current_revision(connection) is None
    upgrade_in_child(url)
    with engine.connect() as connection:
        assert current_revision(connection) == MigrationContext.configure(connection).get_current_revision()
        assert current_revision(connection) == head_revision()
    engine.dispose()
