"""site workers, integrations and applications

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "site_workers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("connection", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=1040), nullable=True),
        sa.Column("timeout", sa.Integer(), nullable=False),
        sa.Column("sleep", sa.Integer(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=True),
        sa.Column("processes", sa.Integer(), nullable=False),
        sa.Column("stopwaitsecs", sa.Integer(), nullable=False),
        sa.Column("environment", sa.String(length=64), nullable=True),
        sa.Column("php_version", sa.String(length=16), nullable=False),
        sa.Column("daemon", sa.Boolean(), nullable=False),
        sa.Column("force", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["server_id"], ["servers.id"], name=op.f("fk_site_workers_server_id_servers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_site_workers_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_workers")),
    )
    with op.batch_alter_table("site_workers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_workers_server_id"), ["server_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_workers_site_id"), ["site_id"], unique=False)

    op.create_table(
        "site_integrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("daemon_id", sa.Integer(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("secret", sa.String(length=512), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_site_integrations_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["daemon_id"],
            ["daemons.id"],
            name=op.f("fk_site_integrations_daemon_id_daemons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["scheduled_jobs.id"],
            name=op.f("fk_site_integrations_job_id_scheduled_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_integrations")),
        sa.UniqueConstraint("site_id", "kind", name=op.f("uq_site_integrations_site_id")),
    )
    with op.batch_alter_table("site_integrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_integrations_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_integrations_daemon_id"), ["daemon_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_integrations_job_id"), ["job_id"], unique=False)

    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("app", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("app_status", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("app_status")
        batch_op.drop_column("app")
    with op.batch_alter_table("site_integrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_integrations_job_id"))
        batch_op.drop_index(batch_op.f("ix_site_integrations_daemon_id"))
        batch_op.drop_index(batch_op.f("ix_site_integrations_site_id"))
    op.drop_table("site_integrations")
    with op.batch_alter_table("site_workers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_workers_site_id"))
        batch_op.drop_index(batch_op.f("ix_site_workers_server_id"))
    op.drop_table("site_workers")
