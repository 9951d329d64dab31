"""Search: a generation for the posting bitmaps, so a process may keep the sealed ones in memory.

Revision ID: b9b9b9000009
Revises: a8a8a8000008
Create Date: 2026-11-22 08:00:00

SQLite only, like search_fts_postings. One row: a random number that changes whenever a bitmap
below the newest chunk may have changed (a rebuild, or a document written under an old rowid).
A search reads it in the statement that reads the newest chunk; bitmaps of older chunks kept in
memory under another generation are not used. Random rather than counted, so two databases (or
a rebuild rolled back and done again) never share one.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b9b9b9000009"
down_revision: str | None = "a8a8a8000008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE search_fts_generation (id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL)"
    )
    op.execute("INSERT INTO search_fts_generation (id, generation) VALUES (1, random())")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE search_fts_generation")
