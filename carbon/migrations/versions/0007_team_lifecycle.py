"""Team lifecycle: a team can be retired from a month on, and keeps the names it had.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

Every stored figure is unchanged: the ledger, rollup and budgets refer to a
team by id, so a rename is one UPDATE of `teams.name` plus a row here; the
new column is empty (no team retired) for an existing database.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("teams", sa.Column("retired_from", sa.String(7)))
    op.create_table(
        "team_names",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("renamed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_team_names_name", "team_names", ["name"])


def downgrade() -> None:
    op.drop_index("ix_team_names_name", table_name="team_names")
    op.drop_table("team_names")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("retired_from")
