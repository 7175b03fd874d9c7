"""releases: a project's health URL and window (health-gated activation)

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("health_url", sa.String(length=2048), nullable=True))
        batch_op.add_column(
            sa.Column("health_window", sa.Integer(), nullable=False, server_default=sa.text("10"))
        )


def downgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("health_window")
        batch_op.drop_column("health_url")
