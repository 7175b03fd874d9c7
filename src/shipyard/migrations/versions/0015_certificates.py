"""certificates

Revision ID: 0015
Revises: 0013
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("domains", sa.JSON(), nullable=False),
        sa.Column("request_status", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("activation_status", sa.String(length=16), nullable=True),
        sa.Column("private_key", sa.String(), nullable=False),
        sa.Column("csr", sa.Text(), nullable=True),
        sa.Column("certificate", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["server_id"], ["servers.id"], name=op.f("fk_certificates_server_id_servers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_certificates_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_server_id"), ["server_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_site_id"), ["site_id"], unique=False)
    op.create_table(
        "acme_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("directory", sa.String(length=1024), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("uri", sa.String(length=1024), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acme_accounts")),
        sa.UniqueConstraint("directory", name=op.f("uq_acme_accounts_directory")),
    )


def downgrade() -> None:
    op.drop_table("acme_accounts")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_site_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_server_id"))
    op.drop_table("certificates")
