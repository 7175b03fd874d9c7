"""databases, database users and their grants

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "databases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["server_id"], ["servers.id"], name=op.f("fk_databases_server_id_servers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_databases")),
        sa.UniqueConstraint("server_id", "name", name=op.f("uq_databases_server_id")),
    )
    with op.batch_alter_table("databases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_databases_server_id"), ["server_id"], unique=False)

    op.create_table(
        "database_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password", sa.String(length=2048), nullable=True),
        sa.ForeignKeyConstraint(
            ["server_id"],
            ["servers.id"],
            name=op.f("fk_database_users_server_id_servers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_database_users")),
        sa.UniqueConstraint("server_id", "name", name=op.f("uq_database_users_server_id")),
    )
    with op.batch_alter_table("database_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_database_users_server_id"), ["server_id"], unique=False)

    op.create_table(
        "database_grants",
        sa.Column("database_user_id", sa.Integer(), nullable=False),
        sa.Column("database_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["database_user_id"],
            ["database_users.id"],
            name=op.f("fk_database_grants_database_user_id_database_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["database_id"],
            ["databases.id"],
            name=op.f("fk_database_grants_database_id_databases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("database_user_id", "database_id", name=op.f("pk_database_grants")),
    )
    with op.batch_alter_table("database_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_database_grants_database_id"), ["database_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("database_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_database_grants_database_id"))
    op.drop_table("database_grants")
    with op.batch_alter_table("database_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_database_users_server_id"))
    op.drop_table("database_users")
    with op.batch_alter_table("databases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_databases_server_id"))
    op.drop_table("databases")
