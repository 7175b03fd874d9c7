"""sites

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=253), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("directory", sa.String(length=255), nullable=False),
        sa.Column("wildcards", sa.Boolean(), nullable=False),
        sa.Column("isolated", sa.Boolean(), nullable=False),
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("project_type", sa.String(length=16), nullable=False),
        sa.Column("php_version", sa.String(length=16), nullable=False),
        sa.Column("vhost_template", sa.Text(), nullable=False),
        sa.Column("host_name", sa.String(length=253), nullable=True),
        sa.Column("deploy_token", sa.String(length=512), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["server_id"], ["servers.id"], name=op.f("fk_sites_server_id_servers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("server_id", "name", name=op.f("uq_sites_server_id")),
    )
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sites_server_id"), ["server_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sites_server_id"))
    op.drop_table("sites")
