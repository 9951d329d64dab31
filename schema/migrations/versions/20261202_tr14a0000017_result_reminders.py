"""Reminders keyed by a result too: the transfer clock of a problem result (issue 14).

Revision ID: tr14a0000017
Revises: ca13a0000016
Create Date: 2026-12-02 22:00:00

Seed 001 art.20(3): a suspected violation is transferred within 7 working days of forming the
result. The daily sweep reminds the owning department before and after that due date, once per
result and kind, as it does for objection clocks.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "tr14a0000017"
down_revision: str | None = "ca13a0000016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reminders") as batch:
        batch.add_column(sa.Column("result_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_reminders_result_id_inspection_results"), "inspection_results", ["result_id"], ["id"]
        )
        batch.create_unique_constraint(op.f("uq_reminders_result_id_kind"), ["result_id", "kind"])


def downgrade() -> None:
    with op.batch_alter_table("reminders") as batch:
        batch.drop_constraint(op.f("uq_reminders_result_id_kind"), type_="unique")
        batch.drop_constraint(op.f("fk_reminders_result_id_inspection_results"), type_="foreignkey")
        batch.drop_column("result_id")
