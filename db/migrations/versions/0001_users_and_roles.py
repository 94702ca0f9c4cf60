"""Users and roles.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

import db.base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=True),
        sa.Column("consent_at", db.base.UTCDateTime(), nullable=True),
        sa.Column("first_seen", db.base.UTCDateTime(), nullable=False),
        sa.Column("last_seen", db.base.UTCDateTime(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_table(
        "roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("granted_at", db.base.UTCDateTime(), nullable=False),
        sa.Column("granted_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_roles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
        sa.UniqueConstraint("user_id", "role", "scope", name=op.f("uq_roles_user_id_role_scope")),
    )
    op.create_index(op.f("ix_roles_user_id"), "roles", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_roles_user_id"), table_name="roles")
    op.drop_table("roles")
    op.drop_table("users")
