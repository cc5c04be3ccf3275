"""Business metrics (denominators of intensities): their definitions and monthly values.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_defs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("year_rule", sa.String(8), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("defined_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "metric_values",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "batch_id",
            sa.Integer(),
            sa.ForeignKey("batches.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("metric_id", sa.Integer(), sa.ForeignKey("metric_defs.id"), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id")),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
    )
    op.create_index("ix_metric_values_month", "metric_values", ["metric_id", "month"])
    op.create_index("ix_metric_values_batch", "metric_values", ["batch_id"])


def downgrade() -> None:
    op.drop_table("metric_values")
    op.drop_table("metric_defs")
