"""Search on PostgreSQL: the GIN index cut into windows of version ids, newest first (issue 17).

Revision ID: ps17c0000018
Revises: ps17b0000017
Create Date: 2026-12-03 08:30:00

Why (search/backends/postgres.py): a query whose words are each common but rare together had
GIN read every word's whole posting list and the heap row of every match (12,000 for
卢龙 二手车 未发现问题 at a million) to keep the newest thousand. ``gongshi reindex`` now builds
one partial GIN index per range of version ids and records where the ranges start here; a
search reads the ranges newest first and stops once it has enough. Until the first rebuild the
table is empty: one range, the one GIN index the earlier migrations made.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "ps17c0000018"
down_revision: str | None = "ps17b0000017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("CREATE TABLE search_windows (lower integer NOT NULL, CONSTRAINT pk_search_windows PRIMARY KEY (lower))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    # Back to the one index over every document: the windows' indexes go, the one GIN returns.
    op.execute(
        "DO $$ DECLARE i text; BEGIN FOR i IN SELECT indexname FROM pg_indexes "
        "WHERE tablename = 'search_documents' AND indexname LIKE 'ix\\_search\\_documents\\_tokens%' LOOP "
        "EXECUTE format('DROP INDEX %I', i); END LOOP; END $$"
    )
    op.execute(
        "CREATE INDEX ix_search_documents_tokens ON search_documents "
        "USING gin (search_token_set(token_ids, common_bits))"
    )
    op.execute("DROP TABLE search_windows")
