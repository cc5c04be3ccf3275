"""Team budgets: one plan per year, one row per budgeted team.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "budget_plans",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("year", sa.Integer(), nullable=False, unique=True),
        sa.Column("unit", sa.String(50), nullable=False),
        sa.Column("kg_per_unit", sa.Float(), nullable=False),
        sa.Column("company_budget_kg", sa.Float()),
        sa.Column("source_name", sa.String(500), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "budget_teams",
        sa.Column(
            "plan_id",
            sa.Integer(),
            sa.ForeignKey("budget_plans.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=False),
        sa.Column("budget_kg", sa.Float(), nullable=False),
        sa.Column("flat", sa.Boolean(), nullable=False),
        sa.Column("weights", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "team_id"),
    )


def downgrade() -> None:
    op.drop_table("budget_teams")
    op.drop_table("budget_plans")
