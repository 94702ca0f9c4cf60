"""Covering indexes for the poll results card (a million answers counted from the indexes alone).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('poll_answers', schema=None) as batch_op:
        batch_op.create_index('ix_poll_answers_choices', ['poll_id', 'choices'], unique=False)
        batch_op.create_index('ix_poll_answers_groups', ['poll_id', 'area', 'language', 'source'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('poll_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_poll_answers_groups')
        batch_op.drop_index('ix_poll_answers_choices')

