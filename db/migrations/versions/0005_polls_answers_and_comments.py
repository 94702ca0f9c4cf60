"""Feedback polls, pseudonymous answers and unlinked comments.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

import db.base

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme_group', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('comment_step', sa.Boolean(), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('opens_at', db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('public_results', sa.Boolean(), nullable=False),
    sa.Column('live_results', sa.Boolean(), nullable=False),
    sa.Column('remind_at', db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=False),
    sa.Column('created_at', db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('invited_delivery_id', sa.Integer(), nullable=True),
    sa.Column('reminded_at', db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('results_sent_at', db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('followup_sent_at', db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['invited_delivery_id'], ['deliveries.id'],
                            name=op.f('fk_polls_invited_delivery_id_deliveries'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_polls'))
    )
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_polls_closes_at'), ['closes_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_polls_opens_at'), ['opens_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_polls_theme_group'), ['theme_group'], unique=False)

    op.create_table('poll_answers',
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('pseudonym', sa.String(length=64), nullable=False),
    sa.Column('choices', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'],
                            name=op.f('fk_poll_answers_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('poll_id', 'pseudonym', name=op.f('pk_poll_answers'))
    )
    op.create_table('poll_comments',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'],
                            name=op.f('fk_poll_comments_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_comments'))
    )
    with op.batch_alter_table('poll_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_comments_poll_id'), ['poll_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('poll_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_comments_poll_id'))

    op.drop_table('poll_comments')
    op.drop_table('poll_answers')
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_polls_theme_group'))
        batch_op.drop_index(batch_op.f('ix_polls_opens_at'))
        batch_op.drop_index(batch_op.f('ix_polls_closes_at'))

    op.drop_table('polls')
