"""Publication deadlines per task and per department; drawn lists withheld under 不宜告知 (issue 14 point 11).

Revision ID: nt14a0000017
Revises: dp14a0000017
Create Date: 2026-12-02 21:50:00

A task may fix a date (seed 000: 2021-11-30) or a working-day count (seed 004: 5 working days)
for publishing its results, and a department may set a working-day count for the tasks it
initiates; both override the server's setting. A task flagged 不宜告知 (seed 001 art.20(2), 002
art.13(2)) keeps its drawn list from the public until its inspections have all ended.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "nt14a0000017"
down_revision: str | None = "dp14a0000017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("publication_working_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("publication_fixed_due", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("withhold_drawn_list", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("drawn_list_disclosed_on", sa.Date(), nullable=True))
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("publication_working_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.drop_column("publication_working_days")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("drawn_list_disclosed_on")
        batch_op.drop_column("withhold_drawn_list")
        batch_op.drop_column("publication_fixed_due")
        batch_op.drop_column("publication_working_days")
