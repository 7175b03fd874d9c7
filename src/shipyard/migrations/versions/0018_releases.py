"""zero-downtime deployments: projects, their servers, hooks, deployments and processes

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("repository", sa.String(length=512), nullable=False),
        sa.Column("branch", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("push_to_deploy", sa.Boolean(), nullable=False),
        sa.Column("retain_deployments", sa.Integer(), nullable=False),
        sa.Column("monitor", sa.String(length=2048), nullable=True),
        sa.Column("install_dependencies", sa.Boolean(), nullable=False),
        sa.Column("install_dev_dependencies", sa.Boolean(), nullable=False),
        sa.Column("quiet_composer", sa.Boolean(), nullable=False),
        sa.Column("folders", sa.JSON(), nullable=False),
        sa.Column("token", sa.String(length=512), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("private_key", sa.String(length=4096), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("environment", sa.String(length=262144), nullable=True),
        sa.Column("environment_servers", sa.JSON(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_projects_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_projects_token_hash")),
    )
    op.create_index(op.f("ix_projects_user_id"), "projects", ["user_id"], unique=False)

    op.create_table(
        "project_servers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("forge_server_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("connect_as", sa.String(length=32), nullable=False),
        sa.Column("host", sa.String(length=253), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("php_version", sa.String(length=8), nullable=False),
        sa.Column("receives_code_deployments", sa.Boolean(), nullable=False),
        sa.Column("deployment_path", sa.String(length=255), nullable=False),
        sa.Column("should_restart_fpm", sa.Boolean(), nullable=False),
        sa.Column("composer_path", sa.String(length=255), nullable=False),
        sa.Column("php_path", sa.String(length=255), nullable=False),
        sa.Column("connection_status", sa.String(length=16), nullable=False),
        sa.Column("connection_error", sa.Text(), nullable=True),
        sa.Column("host_key", sa.Text(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_servers_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_project_servers_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["forge_server_id"],
            ["servers.id"],
            name=op.f("fk_project_servers_forge_server_id_servers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_servers")),
    )
    op.create_index(op.f("ix_project_servers_project_id"), "project_servers", ["project_id"], unique=False)

    op.create_table(
        "project_hooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("timing", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("run_as", sa.String(length=32), nullable=False),
        sa.Column("script", sa.Text(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("servers", sa.JSON(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_hooks_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_project_hooks_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_hooks")),
    )
    op.create_index(op.f("ix_project_hooks_project_id"), "project_hooks", ["project_id"], unique=False)

    op.create_table(
        "project_deployments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=False),
        sa.Column("release", sa.String(length=32), nullable=True),
        sa.Column("commit_branch", sa.String(length=255), nullable=True),
        sa.Column("commit_hash", sa.String(length=64), nullable=True),
        sa.Column("commit_author", sa.String(length=255), nullable=True),
        sa.Column("commit_avatar", sa.String(length=512), nullable=True),
        sa.Column("commit_message", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_deployments_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_project_deployments_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_deployments")),
    )
    op.create_index(
        op.f("ix_project_deployments_project_id"), "project_deployments", ["project_id"], unique=False
    )
    op.create_index(op.f("ix_project_deployments_status"), "project_deployments", ["status"], unique=False)

    op.create_table(
        "project_deployment_processes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.Integer(), nullable=True),
        sa.Column("server_name", sa.String(length=255), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("hook_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("output", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["project_deployments.id"],
            name=op.f("fk_project_deployment_processes_deployment_id_project_deployments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_deployment_processes_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["server_id"],
            ["project_servers.id"],
            name=op.f("fk_project_deployment_processes_server_id_project_servers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hook_id"],
            ["project_hooks.id"],
            name=op.f("fk_project_deployment_processes_hook_id_project_hooks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_deployment_processes")),
    )
    op.create_index(
        op.f("ix_project_deployment_processes_deployment_id"),
        "project_deployment_processes",
        ["deployment_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("project_deployment_processes")
    op.drop_table("project_deployments")
    op.drop_table("project_hooks")
    op.drop_table("project_servers")
    op.drop_table("projects")
