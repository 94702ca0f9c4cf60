"""Activities, occurrence changes, reminders; reminder preferences; idempotent deliveries and expiry.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

import db.base

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('titles', sa.JSON(), nullable=False),
    sa.Column('descriptions', sa.JSON(), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=True),
    sa.Column('venue_service', sa.String(length=64), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('age_min', sa.SmallInteger(), nullable=True),
    sa.Column('age_max', sa.SmallInteger(), nullable=True),
    sa.Column('free', sa.Boolean(), nullable=False),
    sa.Column('registration_url', sa.String(length=300), nullable=True),
    sa.Column('organiser', sa.String(length=200), nullable=False),
    sa.Column('first_start', sa.DateTime(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('rrule', sa.String(length=300), nullable=True),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('updated_at', db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities')),
    sa.UniqueConstraint('slug', name=op.f('uq_activities_slug'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_area'), ['area'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_category'), ['category'], unique=False)

    op.create_table('activity_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('occurrence', sa.String(length=16), nullable=False),
    sa.Column('created_at', db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'],
                            name=op.f('fk_activity_reminders_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_activity_reminders_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_reminders')),
    sa.UniqueConstraint('user_id', 'activity_id', 'occurrence',
                        name=op.f('uq_activity_reminders_user_id_activity_id_occurrence'))
    )
    with op.batch_alter_table('activity_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_reminders_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_reminders_user_id'), ['user_id'], unique=False)

    op.create_table('occurrence_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('planned_start', sa.DateTime(), nullable=False),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('new_start', sa.DateTime(), nullable=True),
    sa.Column('changed_at', db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'],
                            name=op.f('fk_occurrence_changes_activity_id_activities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occurrence_changes')),
    sa.UniqueConstraint('activity_id', 'planned_start', name=op.f('uq_occurrence_changes_activity_id_planned_start'))
    )
    with op.batch_alter_table('occurrence_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_occurrence_changes_activity_id'), ['activity_id'], unique=False)

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=120), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_deliveries_dedupe_key'), ['dedupe_key'])

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', db.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remind_evening', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('remind_two_hours', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('weekly_digest', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('weekly_digest')
        batch_op.drop_column('remind_two_hours')
        batch_op.drop_column('remind_evening')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('expires_at')

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_deliveries_dedupe_key'), type_='unique')
        batch_op.drop_column('dedupe_key')

    with op.batch_alter_table('occurrence_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_occurrence_changes_activity_id'))

    op.drop_table('occurrence_changes')
    with op.batch_alter_table('activity_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_reminders_user_id'))
        batch_op.drop_index(batch_op.f('ix_activity_reminders_activity_id'))

    op.drop_table('activity_reminders')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_category'))
        batch_op.drop_index(batch_op.f('ix_activities_area'))

    op.drop_table('activities')
