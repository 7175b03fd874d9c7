"""ci: forges, orgs, repos, pipelines, workflows, steps, logs, secrets, registries, agents, crons

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "ci_agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=1024), nullable=False),
        sa.Column("last_contact", sa.BigInteger(), nullable=False),
        sa.Column("last_work", sa.BigInteger(), nullable=False),
        sa.Column("platform", sa.String(length=64), nullable=False),
        sa.Column("backend", sa.String(length=32), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("no_schedule", sa.Boolean(), nullable=False),
        sa.Column("custom_labels", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ci_agents")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_ci_agents_token_hash")),
    )
    with op.batch_alter_table("ci_agents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ci_agents_org_id"), ["org_id"], unique=False)

    op.create_table(
        "ci_forges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("client", sa.String(length=255), nullable=False),
        sa.Column("client_secret", sa.String(length=2048), nullable=True),
        sa.Column("skip_verify", sa.Boolean(), nullable=False),
        sa.Column("oauth_host", sa.String(length=500), nullable=False),
        sa.Column("orgs", sa.JSON(), nullable=False),
        sa.Column("additional_options", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ci_forges")),
    )
    op.create_table(
        "ci_registries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("password", sa.Text(), nullable=False),
        sa.Column("readonly", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ci_registries")),
        sa.UniqueConstraint("org_id", "repo_id", "address", name=op.f("uq_ci_registries_org_id")),
    )
    with op.batch_alter_table("ci_registries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ci_registries_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ci_registries_repo_id"), ["repo_id"], unique=False)

    op.create_table(
        "ci_secrets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ci_secrets")),
        sa.UniqueConstraint("org_id", "repo_id", "name", name=op.f("uq_ci_secrets_org_id")),
    )
    with op.batch_alter_table("ci_secrets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ci_secrets_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ci_secrets_repo_id"), ["repo_id"], unique=False)

    op.create_table(
        "ci_orgs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forge_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("is_user", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["forge_id"], ["ci_forges.id"], name=op.f("fk_ci_orgs_forge_id_ci_forges"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ci_orgs_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ci_orgs")),
        sa.UniqueConstraint("forge_id", "name", name=op.f("uq_ci_orgs_forge_id")),
    )
    with op.batch_alter_table("ci_orgs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ci_orgs_forge_id"), ["forge_id"], unique=False)

    op.create_table(
        "ci_repos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forge_id", sa.Integer(), nullable=False),
        sa.Column("forge_remote_id", sa.String(length=1000), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=511), nullable=False),
        sa.Column("avatar_url", sa.String(length=1000), nullable=False),
        sa.Column("forge_url", sa.String(length=1000), nullable=False),
        sa.Column("clone_url", sa.String(length=1000), nullable=False),
        sa.Column("clone_url_ssh", sa.String(length=1000), nullable=False),
        sa.Column("default_branch", sa.String(length=255), nullable=False),
        sa.Column("pr_enabled", sa.Boolean(), nullable=False),
        sa.Column("timeout", sa.Integer(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("trusted", sa.JSON(), nullable=False),
        sa.Column("require_approval", sa.String(length=32), nullable=False),
        sa.Column("approval_allowed_users", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("allow_pr", sa.Boolean(), nullable=False),
        sa.Column("allow_deploy", sa.Boolean(), nullable=False),
        sa.Column("config_file", sa.String(length=500), nullable=False),
        sa.Column("cancel_previous_pipeline_events", sa.JSON(), nullable=False),
        sa.Column("netrc_trusted", sa.JSON(), nullable=False),
        sa.Column("extensions", sa.JSON(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("webhook_secret", sa.String(length=128), nullable=False),
        sa.Column("pipeline_counter", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["forge_id"], ["ci_forges.id"], name=op.f("fk_ci_repos_forge_id_ci_forges"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["ci_orgs.id"], name=op.f("fk_ci_repos_org_id_ci_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ci_repos_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ci_repos")),
        sa.UniqueConstraint("forge_id", "forge_remote_id", name=op.f("uq_ci_repos_forge_id")),
        sa.UniqueConstraint("full_name", name=op.f("uq_ci_repos_full_name")),
    )
    with op.batch_alter_table("ci_repos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ci_repos_forge_id"), ["forge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ci_repos_org_id"), ["org_id"], unique=False)

    op.create_table(
        "ci_crons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.String(length=255), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("branch", sa.String(length=255), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("next_exec", sa.BigInteger(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["repo_id"], ["ci_repos.id"], name=op.f("fk_ci_crons_repo_id_ci_repos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ci_crons")),
        sa.UniqueConstraint("repo_id", "name", name=op.f("uq_ci_crons_repo_id")),
    )
    with op.batch_alter_table("ci_crons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ci_crons_next_exec"), ["next_exec"], unique=False)
        batch_op.create_index(batch_op.f("ix_ci_crons_repo_id"), ["repo_id"], unique=False)

    op.create_table(
        "ci_pipelines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("parent", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("event_reason", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.Column("started", sa.BigInteger(), nullable=False),
        sa.Column("finished", sa.BigInteger(), nullable=False),
        sa.Column("deploy_to", sa.String(length=255), nullable=False),
        sa.Column("deploy_task", sa.String(length=255), nullable=False),
        sa.Column("commit", sa.String(length=64), nullable=False),
        sa.Column("branch", sa.String(length=255), nullable=False),
        sa.Column("ref", sa.String(length=500), nullable=False),
        sa.Column("refspec", sa.String(length=1000), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("sender", sa.String(length=255), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=False),
        sa.Column("author_avatar", sa.String(length=1000), nullable=False),
        sa.Column("author_email", sa.String(length=255), nullable=False),
        sa.Column("forge_url", sa.String(length=1000), nullable=False),
        sa.Column("reviewed_by", sa.String(length=255), nullable=False),
        sa.Column("reviewed", sa.BigInteger(), nullable=False),
        sa.Column("cancel_info", sa.JSON(), nullable=False),
        sa.Column("changed_files", sa.JSON(), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("pr_labels", sa.JSON(), nullable=False),
        sa.Column("pr_milestone", sa.String(length=255), nullable=False),
        sa.Column("pr_draft", sa.Boolean(), nullable=False),
        sa.Column("cron", sa.String(length=255), nullable=False),
        sa.Column("from_fork", sa.Boolean(), nullable=False),
        sa.Column("release_title", sa.String(length=255), nullable=False),
        sa.Column("is_prerelease", sa.Boolean(), nullable=False),
        sa.Column("tag_title", sa.String(length=255), nullable=False),
        sa.Column("rerun_count", sa.Integer(), nullable=False),
        sa.Column("configs", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["repo_id"], ["ci_repos.id"], name=op.f("fk_ci_pipelines_repo_id_ci_repos"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ci_pipelines_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ci_pipelines")),
        sa.UniqueConstraint("repo_id", "number", name=op.f("uq_ci_pipelines_repo_id")),
    )
    with op.batch_alter_table("ci_pipelines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ci_pipelines_repo_id"), ["repo_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ci_pipelines_status"), ["status"], unique=False)

    op.create_table(
        "ci_workflows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("started", sa.BigInteger(), nullable=False),
        sa.Column("finished", sa.BigInteger(), nullable=False),
        sa.Column("platform", sa.String(length=64), nullable=False),
        sa.Column("environ", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("depends_on", sa.JSON(), nullable=False),
        sa.Column("runs_on", sa.JSON(), nullable=False),
        sa.Column("timeout_seconds", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["ci_pipelines.id"],
            name=op.f("fk_ci_workflows_pipeline_id_ci_pipelines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["repo_id"], ["ci_repos.id"], name=op.f("fk_ci_workflows_repo_id_ci_repos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ci_workflows")),
    )
    with op.batch_alter_table("ci_workflows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ci_workflows_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ci_workflows_pipeline_id"), ["pipeline_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ci_workflows_repo_id"), ["repo_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ci_workflows_state"), ["state"], unique=False)

    op.create_table(
        "ci_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=32), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("ppid", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("exit_code", sa.Integer(), nullable=False),
        sa.Column("started", sa.BigInteger(), nullable=False),
        sa.Column("finished", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("failure", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["ci_pipelines.id"],
            name=op.f("fk_ci_steps_pipeline_id_ci_pipelines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workflow_id"],
            ["ci_workflows.id"],
            name=op.f("fk_ci_steps_workflow_id_ci_workflows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ci_steps")),
        sa.UniqueConstraint("uuid", name=op.f("uq_ci_steps_uuid")),
    )
    with op.batch_alter_table("ci_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ci_steps_pipeline_id"), ["pipeline_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ci_steps_workflow_id"), ["workflow_id"], unique=False)

    op.create_table(
        "ci_log_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("time", sa.Integer(), nullable=False),
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["step_id"], ["ci_steps.id"], name=op.f("fk_ci_log_lines_step_id_ci_steps"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ci_log_lines")),
    )
    with op.batch_alter_table("ci_log_lines", schema=None) as batch_op:
        batch_op.create_index("ix_ci_log_lines_step_line", ["step_id", "line"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("ci_log_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_ci_log_lines_step_line")

    op.drop_table("ci_log_lines")
    with op.batch_alter_table("ci_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ci_steps_workflow_id"))
        batch_op.drop_index(batch_op.f("ix_ci_steps_pipeline_id"))

    op.drop_table("ci_steps")
    with op.batch_alter_table("ci_workflows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ci_workflows_state"))
        batch_op.drop_index(batch_op.f("ix_ci_workflows_repo_id"))
        batch_op.drop_index(batch_op.f("ix_ci_workflows_pipeline_id"))
        batch_op.drop_index(batch_op.f("ix_ci_workflows_agent_id"))

    op.drop_table("ci_workflows")
    with op.batch_alter_table("ci_pipelines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ci_pipelines_status"))
        batch_op.drop_index(batch_op.f("ix_ci_pipelines_repo_id"))

    op.drop_table("ci_pipelines")
    with op.batch_alter_table("ci_crons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ci_crons_repo_id"))
        batch_op.drop_index(batch_op.f("ix_ci_crons_next_exec"))

    op.drop_table("ci_crons")
    with op.batch_alter_table("ci_repos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ci_repos_org_id"))
        batch_op.drop_index(batch_op.f("ix_ci_repos_forge_id"))

    op.drop_table("ci_repos")
    with op.batch_alter_table("ci_orgs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ci_orgs_forge_id"))

    op.drop_table("ci_orgs")
    with op.batch_alter_table("ci_secrets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ci_secrets_repo_id"))
        batch_op.drop_index(batch_op.f("ix_ci_secrets_org_id"))

    op.drop_table("ci_secrets")
    with op.batch_alter_table("ci_registries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ci_registries_repo_id"))
        batch_op.drop_index(batch_op.f("ix_ci_registries_org_id"))

    op.drop_table("ci_registries")
    op.drop_table("ci_forges")
    with op.batch_alter_table("ci_agents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ci_agents_org_id"))

    op.drop_table("ci_agents")
