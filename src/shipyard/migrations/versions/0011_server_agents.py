"""Blackfire credentials and the Papertrail destination of a server

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("servers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blackfire_server_id", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("blackfire_server_token", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("papertrail_host", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("servers", schema=None) as batch_op:
        batch_op.drop_column("papertrail_host")
        batch_op.drop_column("blackfire_server_token")
        batch_op.drop_column("blackfire_server_id")
