"""Activation codes: an entity exchanges the code on its 告知书 for its own token (issue 14).

Revision ID: acac01000013
Revises: fbfbfb000013
Create Date: 2026-12-02 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "acac01000013"
down_revision: str | None = "fbfbfb000013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activation_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("issued_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], name=op.f("fk_activation_codes_department_id_departments")),
        sa.ForeignKeyConstraint(["entity_id"], ["entities.id"], name=op.f("fk_activation_codes_entity_id_entities")),
        sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"], name=op.f("fk_activation_codes_token_id_api_tokens")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activation_codes")),
        sa.UniqueConstraint("code_sha256", name=op.f("uq_activation_codes_code_sha256")),
    )
    op.create_index(op.f("ix_activation_codes_entity_id"), "activation_codes", ["entity_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_activation_codes_entity_id"), table_name="activation_codes")
    op.drop_table("activation_codes")
