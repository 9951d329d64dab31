"""Web sessions: a signed-in browser of the workspaces, stored as the SHA-256 of its cookie (issue 16).

Revision ID: ws1600000016
Revises: ps1700000016
Create Date: 2026-12-02 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ws1600000016"
down_revision: str | None = "ps1700000016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("holder_name", sa.String(length=64), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(kind = 'department' AND department_id IS NOT NULL"
            " AND role IN ('clerk', 'reviewer', 'head', 'admin'))"
            " OR (kind = 'entity' AND entity_id IS NOT NULL AND department_id IS NULL AND role IS NULL)",
            name=op.f("ck_web_sessions_principal_shape"),
        ),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], name=op.f("fk_web_sessions_department_id_departments")),
        sa.ForeignKeyConstraint(["entity_id"], ["entities.id"], name=op.f("fk_web_sessions_entity_id_entities")),
        sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"], name=op.f("fk_web_sessions_token_id_api_tokens")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("id_sha256", name=op.f("uq_web_sessions_id_sha256")),
    )
    op.create_index(op.f("ix_web_sessions_token_id"), "web_sessions", ["token_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_web_sessions_token_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
