"""ci forges: waiting agent runners (best-score assignment); webhook secrets are derived, not stored

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ci_agent_polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("runner", sa.Integer(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["ci_agents.id"],
            name=op.f("fk_ci_agent_polls_agent_id_ci_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ci_agent_polls")),
        sa.UniqueConstraint("agent_id", "runner", name=op.f("uq_ci_agent_polls_agent_id")),
    )
    with op.batch_alter_table("ci_agent_polls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ci_agent_polls_agent_id"), ["agent_id"], unique=False)
    with op.batch_alter_table("ci_repos", schema=None) as batch_op:
        batch_op.drop_column("webhook_secret")


def downgrade() -> None:
    with op.batch_alter_table("ci_repos", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("webhook_secret", sa.String(length=128), nullable=False, server_default="")
        )
    with op.batch_alter_table("ci_agent_polls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ci_agent_polls_agent_id"))
    op.drop_table("ci_agent_polls")
