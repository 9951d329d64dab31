"""The publication generation: one counter row the public response cache keys its answers on.

Revision ID: ca13a0000016
Revises: ws1600000016
Create Date: 2026-12-02 17:20:00

Bumped in the same transaction as any change the public can see (schema/generation.py), so the
next anonymous request after a commit misses the cache in every worker (issue 13 part 3).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ca13a0000016"
down_revision: str | None = "ws1600000016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "publication_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "n": 0}])


def downgrade() -> None:
    op.drop_table("publication_generation")
