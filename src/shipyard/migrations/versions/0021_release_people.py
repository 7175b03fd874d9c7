"""zero-downtime deployments: collaborators, notifications, heartbeats, the monitor's status

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _project_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["project_id"], ["projects.id"], name=op.f(f"fk_{table}_project_id_projects"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "project_collaborators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        *_timestamps(),
        _project_fk("project_collaborators"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_project_collaborators_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_collaborators")),
        sa.UniqueConstraint("project_id", "user_id", name=op.f("uq_project_collaborators_project_id")),
    )
    op.create_index(
        op.f("ix_project_collaborators_project_id"), "project_collaborators", ["project_id"], unique=False
    )
    op.create_index(
        op.f("ix_project_collaborators_user_id"), "project_collaborators", ["user_id"], unique=False
    )

    op.create_table(
        "project_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("webhook", sa.String(length=4096), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_timestamps(),
        _project_fk("project_notifications"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_notifications")),
    )
    op.create_index(
        op.f("ix_project_notifications_project_id"), "project_notifications", ["project_id"], unique=False
    )

    op.create_table(
        "project_heartbeats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("token", sa.String(length=512), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_checked_in_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        _project_fk("project_heartbeats"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_heartbeats")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_project_heartbeats_token_hash")),
    )
    op.create_index(
        op.f("ix_project_heartbeats_project_id"), "project_heartbeats", ["project_id"], unique=False
    )
    op.create_index(op.f("ix_project_heartbeats_status"), "project_heartbeats", ["status"], unique=False)

    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("monitor_status", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("monitor_status")
    op.drop_table("project_heartbeats")
    op.drop_table("project_notifications")
    op.drop_table("project_collaborators")
