"""The two reviews of a result (seed 002 art.16): its own department's and the initiating department's.

Results already published or under review keep their state; a result under review now needs both
reviews (the migration records none).

Revision ID: bdbd02000014
Revises: acac01000013
Create Date: 2026-12-02 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bdbd02000014"
down_revision: str | None = "acac01000013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inspection_results") as batch:
        batch.add_column(sa.Column("own_approved_by", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("own_approved_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("lead_approved_by", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("lead_approved_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inspection_results") as batch:
        batch.drop_column("lead_approved_on")
        batch.drop_column("lead_approved_by")
        batch.drop_column("own_approved_on")
        batch.drop_column("own_approved_by")
