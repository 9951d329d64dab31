"""The entity directory keeps the history of registration status changes (issue 14, point 6).

Revision ID: ld14a0000016
Revises: cecece000015
Create Date: 2026-12-02 18:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'ld14a0000016'
down_revision: str | None = 'cecece000015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('entity_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('status_before', sa.Enum('active', 'deregistered', 'registration_revoked', 'license_revoked', 'migrated', name='entity_status_before', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('active', 'deregistered', 'registration_revoked', 'license_revoked', 'migrated', name='entity_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('recorded_by', sa.String(length=128), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_entity_status_changes_entity_id_entities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entity_status_changes'))
    )
    with op.batch_alter_table('entity_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entity_status_changes_entity_id'), ['entity_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('entity_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entity_status_changes_entity_id'))

    op.drop_table('entity_status_changes')
