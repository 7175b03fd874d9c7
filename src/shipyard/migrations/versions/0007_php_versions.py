"""php versions installed on servers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "php_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("used_as_default", sa.Boolean(), nullable=False),
        sa.Column("used_on_cli", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["server_id"], ["servers.id"], name=op.f("fk_php_versions_server_id_servers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_php_versions")),
        sa.UniqueConstraint("server_id", "version", name=op.f("uq_php_versions_server_id")),
    )
    with op.batch_alter_table("php_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_php_versions_server_id"), ["server_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("php_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_php_versions_server_id"))
    op.drop_table("php_versions")
