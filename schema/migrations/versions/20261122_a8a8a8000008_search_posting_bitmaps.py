"""Search: posting bitmaps of the frequent tokens beside SQLite's FTS5 index.

Revision ID: a8a8a8000008
Revises: f7f7f7000007
Create Date: 2026-11-22 06:00:00

SQLite only (PostgreSQL's GIN index needs no help): see search/backends/postings.py. The table
starts empty, which is correct (no token is treated as frequent) until ``gongshi reindex`` chooses
the frequent tokens and writes their bitmaps. Named search_fts_* so env.py keeps ``alembic check``
away from it, like the FTS5 table it belongs to.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a8a8a8000008"
down_revision: str | None = "f7f7f7000007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE search_fts_postings (token TEXT NOT NULL, chunk INTEGER NOT NULL, "
        "bitmap BLOB NOT NULL, PRIMARY KEY (token, chunk)) WITHOUT ROWID"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE search_fts_postings")
