"""Objections: an open objection was received the day it was filed; its review clock is reset.

Revision ID: dadada000011
Revises: cacaca000010
Create Date: 2026-11-22 10:00:00

An objection filed in Gongshi reaches the initiating department when it is filed (民法典 art.137:
a data message is received when it enters the system designated to receive it), so the
20-working-day review clock of seed 002 art.17 starts on the filing day. Before this revision
the department recorded a receipt date of its choosing. Each open objection still before its
decision gets the filing day as its receipt date, and its review clock is marked provisional:
`gongshi migrate` (and `gongshi objections sweep`, `gongshi calendar load`) recompute provisional
clocks with the calendar in force right after. Decided, answered and withdrawn objections keep the
dates they were handled under.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "dadada000011"
down_revision: str | None = "cacaca000010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Open objections before a decision whose receipt date is not their filing day.
RESET_RECEIPT = (
    "UPDATE objections SET received_on = filed_on, review_due_provisional = TRUE "
    "WHERE state IN ('filed', 'received', 'under_review') "
    "AND (received_on IS NULL OR received_on <> filed_on)"
)


def upgrade() -> None:
    op.execute(RESET_RECEIPT)


def downgrade() -> None:
    # The receipt dates departments had chosen are not kept; the filing day stays a valid one.
    pass
