"""site git repositories, deployments, webhooks and commands

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _on_site(table: str, *columns: sa.Column | sa.ForeignKeyConstraint) -> None:  # type: ignore[type-arg]
    """A table of rows that belong to a site (and its server), gone with either."""
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["server_id"], ["servers.id"], name=op.f(f"fk_{table}_server_id_servers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f(f"fk_{table}_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_server_id"), ["server_id"], unique=False)
        batch_op.create_index(batch_op.f(f"ix_{table}_site_id"), ["site_id"], unique=False)


def _event(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["event_id"],
        ["server_events.id"],
        name=op.f(f"fk_{table}_event_id_server_events"),
        ondelete="SET NULL",
    )


def upgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repository", sa.String(length=1024), nullable=True))
        batch_op.add_column(sa.Column("repository_provider", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("repository_branch", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("repository_status", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("quick_deploy", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("deployment_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("deployment_script", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("deployment_auto_source", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("deployment_failure_emails", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(sa.Column("deploy_key_public", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("deploy_key_private", sa.String(length=2048), nullable=True))

    _on_site(
        "site_deployments",
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("commit_hash", sa.String(length=64), nullable=True),
        sa.Column("commit_author", sa.String(length=255), nullable=True),
        sa.Column("commit_message", sa.Text(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_site_deployments_job_id_jobs"), ondelete="SET NULL"
        ),
        _event("site_deployments"),
    )
    _on_site(
        "site_webhooks",
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    _on_site(
        "site_commands",
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_site_commands_user_id_users"), ondelete="SET NULL"
        ),
        _event("site_commands"),
    )


def downgrade() -> None:
    for table in ("site_commands", "site_webhooks", "site_deployments"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_site_id"))
            batch_op.drop_index(batch_op.f(f"ix_{table}_server_id"))
        op.drop_table(table)
    with op.batch_alter_table("sites", schema=None) as batch_op:
        for column in (
            "deploy_key_private",
            "deploy_key_public",
            "deployment_failure_emails",
            "deployment_auto_source",
            "deployment_script",
            "deployment_status",
            "quick_deploy",
            "repository_status",
            "repository_branch",
            "repository_provider",
            "repository",
        ):
            batch_op.drop_column(column)
