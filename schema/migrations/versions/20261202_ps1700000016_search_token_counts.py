"""Search on PostgreSQL: how many documents hold each token, for the search to pick its plan.

Revision ID: ps1700000016
Revises: lf18000016
Create Date: 2026-12-02 17:20:00

Why (search/backends/postgres.py): PostgreSQL's planner multiplies the frequencies of a query's
tokens as if they were independent, and so misjudges phrases (the bigrams of 族自治县 are each
common and nearly always together). The search now decides itself from the rarest token's
document count, an upper bound on the matches. ``gongshi reindex`` writes the counts; tokens
numbered after it have none (NULL), and a query whose tokens have no counts is planned by
PostgreSQL as before. Counted here once, in one pass over the arrays.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "ps1700000016"
down_revision: str | None = "lf18000016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("ALTER TABLE search_tokens ADD COLUMN docs integer")
    op.execute(
        "UPDATE search_tokens t SET docs = c.n FROM (SELECT id, count(*) AS n FROM search_documents, "
        "unnest(token_ids) AS id GROUP BY id) c WHERE c.id = t.id"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("ALTER TABLE search_tokens DROP COLUMN docs")
