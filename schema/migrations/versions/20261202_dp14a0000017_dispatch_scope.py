"""Seed 003's scope and flow (issue 14 point 10): scope rules per task, items per stratum, dispatch.

Revision ID: dp14a0000017
Revises: tr14a0000017
Create Date: 2026-12-02 21:50:00

Entities get their kind (企业集团, 外国企业常驻代表机构) and their 登记机关; tasks a registration
cut-off, excluded kinds and a dispatched flag; strata the items they check; inspections the
department they were dispatched to with the 5-working-day matching clock; reminders may concern an
inspection; a task department may be a 承办部门 (``dispatched``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "dp14a0000017"
down_revision: str | None = "tr14a0000017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES_BEFORE = ("initiating", "participating")
ROLES_AFTER = (*ROLES_BEFORE, "dispatched")


def _roles(values: tuple[str, ...]) -> None:
    # SQLite rebuilds the table (its CHECK cannot be altered in place); PostgreSQL alters it. op.f:
    # the names are already complete (the naming convention would prefix them again).
    with op.batch_alter_table("task_departments", recreate="always") as batch_op:
        batch_op.drop_constraint(op.f("ck_task_departments_task_department_role"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_task_departments_task_department_role"),
            sa.column("role").in_(values),
        )


def upgrade() -> None:
    with op.batch_alter_table("entities") as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=32), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_entities_entity_kind"),
            sa.column("kind").in_(("enterprise_group", "foreign_representative_office")),
        )
        batch_op.add_column(sa.Column("registration_authority_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_entities_registration_authority_id_departments"),
            "departments",
            ["registration_authority_id"],
            ["id"],
        )
    with op.batch_alter_table("tasks") as batch_op:
        batch_op.add_column(sa.Column("registered_by", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("excluded_kinds", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("dispatched", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("task_strata") as batch_op:
        batch_op.add_column(sa.Column("item_ids", sa.JSON(), nullable=True))
    with op.batch_alter_table("inspections") as batch_op:
        batch_op.add_column(sa.Column("assigned_department_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("dispatched_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("matching_due", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("matching_due_provisional", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("matching_seed", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("matched_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_inspections_assigned_department_id_departments"),
            "departments",
            ["assigned_department_id"],
            ["id"],
        )
        batch_op.create_index(
            op.f("ix_inspections_assigned_department_id"), ["assigned_department_id"], unique=False
        )
    with op.batch_alter_table("reminders") as batch_op:
        batch_op.add_column(sa.Column("inspection_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_reminders_inspection_id_inspections"), "inspections", ["inspection_id"], ["id"]
        )
        batch_op.create_unique_constraint(op.f("uq_reminders_inspection_id_kind"), ["inspection_id", "kind"])
    _roles(ROLES_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM task_departments WHERE role = 'dispatched'")
    _roles(ROLES_BEFORE)
    with op.batch_alter_table("reminders") as batch_op:
        batch_op.drop_constraint(op.f("uq_reminders_inspection_id_kind"), type_="unique")
        batch_op.drop_constraint(op.f("fk_reminders_inspection_id_inspections"), type_="foreignkey")
        batch_op.drop_column("inspection_id")
    with op.batch_alter_table("inspections") as batch_op:
        batch_op.drop_index(op.f("ix_inspections_assigned_department_id"))
        batch_op.drop_constraint(op.f("fk_inspections_assigned_department_id_departments"), type_="foreignkey")
        for column in (
            "matched_at",
            "matching_seed",
            "matching_due_provisional",
            "matching_due",
            "dispatched_on",
            "assigned_department_id",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("task_strata") as batch_op:
        batch_op.drop_column("item_ids")
    with op.batch_alter_table("tasks") as batch_op:
        batch_op.drop_column("dispatched")
        batch_op.drop_column("excluded_kinds")
        batch_op.drop_column("registered_by")
    with op.batch_alter_table("entities") as batch_op:
        batch_op.drop_constraint(op.f("fk_entities_registration_authority_id_departments"), type_="foreignkey")
        batch_op.drop_column("registration_authority_id")
        batch_op.drop_constraint(op.f("ck_entities_entity_kind"), type_="check")
        batch_op.drop_column("kind")
