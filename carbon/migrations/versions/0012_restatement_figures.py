"""Restatements record every figure they change: metric values and intensities of closed months,
before and after (`restatement_figures`; the kg CO2e per team stay in `restatement_teams`).

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "restatement_figures",
        sa.Column("restatement_id", sa.Integer(), sa.ForeignKey("restatements.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("figure", sa.String(120), nullable=False),
        sa.Column("before_value", sa.Float()),
        sa.Column("after_value", sa.Float()),
        sa.PrimaryKeyConstraint("restatement_id", "month", "team", "figure"),
    )


def downgrade() -> None:
    op.drop_table("restatement_figures")
