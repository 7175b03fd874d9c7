"""backup configurations, their databases, and their backups

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "backup_configurations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("credentials", sa.String(length=4096), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("time", sa.String(length=5), nullable=True),
        sa.Column("day_of_week", sa.Integer(), nullable=True),
        sa.Column("custom", sa.String(length=255), nullable=True),
        sa.Column("cron", sa.String(length=255), nullable=False),
        sa.Column("directory", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("retention", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("run_job_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_job_id"],
            ["jobs.id"],
            name=op.f("fk_backup_configurations_run_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["server_id"],
            ["servers.id"],
            name=op.f("fk_backup_configurations_server_id_servers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backup_configurations")),
    )
    with op.batch_alter_table("backup_configurations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_backup_configurations_next_run_at"), ["next_run_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_backup_configurations_server_id"), ["server_id"], unique=False)

    op.create_table(
        "backup_configuration_databases",
        sa.Column("backup_configuration_id", sa.Integer(), nullable=False),
        sa.Column("database_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["backup_configuration_id"],
            ["backup_configurations.id"],
            name=op.f("fk_backup_configuration_databases_backup_configuration_id_backup_configurations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["database_id"],
            ["databases.id"],
            name=op.f("fk_backup_configuration_databases_database_id_databases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "backup_configuration_id", "database_id", name=op.f("pk_backup_configuration_databases")
        ),
    )
    with op.batch_alter_table("backup_configuration_databases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_backup_configuration_databases_database_id"), ["database_id"], unique=False
        )

    op.create_table(
        "backups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("backup_configuration_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("restore_status", sa.String(length=16), nullable=True),
        sa.Column("bucket", sa.String(length=63), nullable=False),
        sa.Column("object_key", sa.String(length=1024), nullable=False),
        sa.Column("databases", sa.JSON(), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["backup_configuration_id"],
            ["backup_configurations.id"],
            name=op.f("fk_backups_backup_configuration_id_backup_configurations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backups")),
    )
    with op.batch_alter_table("backups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_backups_backup_configuration_id"), ["backup_configuration_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("backups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_backups_backup_configuration_id"))
    op.drop_table("backups")
    with op.batch_alter_table("backup_configuration_databases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_backup_configuration_databases_database_id"))
    op.drop_table("backup_configuration_databases")
    with op.batch_alter_table("backup_configurations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_backup_configurations_server_id"))
        batch_op.drop_index(batch_op.f("ix_backup_configurations_next_run_at"))
    op.drop_table("backup_configurations")
