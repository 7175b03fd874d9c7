"""site rules: redirect rules, security rules and their credentials, load balancing

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _owned(table: str) -> list[sa.schema.SchemaItem]:
    """The columns and keys of a row of one site on one server."""
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["server_id"], ["servers.id"], name=op.f(f"fk_{table}_server_id_servers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f(f"fk_{table}_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "redirect_rules",
        *_owned("redirect_rules"),
        sa.Column("source", sa.String(length=2048), nullable=False),
        sa.Column("target", sa.String(length=2048), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
    )
    op.create_table(
        "security_rules",
        *_owned("security_rules"),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=True),
    )
    op.create_table(
        "security_rule_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["security_rules.id"],
            name=op.f("fk_security_rule_credentials_rule_id_security_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_rule_credentials")),
    )
    op.create_table(
        "site_balancing",
        *_owned("site_balancing"),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("nodes", sa.JSON(), nullable=False),
        sa.UniqueConstraint("site_id", name=op.f("uq_site_balancing_site_id")),
    )
    for table in ("redirect_rules", "security_rules", "site_balancing"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_server_id"), ["server_id"], unique=False)
            if table != "site_balancing":
                batch_op.create_index(batch_op.f(f"ix_{table}_site_id"), ["site_id"], unique=False)
    with op.batch_alter_table("security_rule_credentials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_security_rule_credentials_rule_id"), ["rule_id"], unique=False)


def downgrade() -> None:
    op.drop_table("security_rule_credentials")
    op.drop_table("security_rules")
    op.drop_table("redirect_rules")
    op.drop_table("site_balancing")
