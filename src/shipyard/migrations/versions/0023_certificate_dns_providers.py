"""certificates: the DNS provider (and its encrypted credentials) of DNS-01 orders

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dns_provider", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("dns_credentials", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("dns_credentials")
        batch_op.drop_column("dns_provider")
