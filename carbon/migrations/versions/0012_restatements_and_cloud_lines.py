"""Restatements record every figure they change: metric values and intensities of closed months,
before and after (`restatement_figures`; the kg CO2e per team stay in `restatement_teams`); and
the index of cloud-bill line identities per import and month (`cloud_line_keys`), so a bill
overlapping an earlier one is refused. Bills imported before have no keys: not compared.

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
        sa.Column(
            "restatement_id",
            sa.Integer(),
            sa.ForeignKey("restatements.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("figure", sa.String(120), nullable=False),
        sa.Column("before_value", sa.Float()),
        sa.Column("after_value", sa.Float()),
        sa.PrimaryKeyConstraint("restatement_id", "month", "team", "figure"),
    )
    op.create_table(
        "cloud_line_keys",
        sa.Column(
            "batch_id",
            sa.Integer(),
            sa.ForeignKey("batches.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("line_key", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
    )
    op.create_index("ix_cloud_line_keys_month", "cloud_line_keys", ["month", "line_key"])
    op.create_index("ix_cloud_line_keys_batch", "cloud_line_keys", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_cloud_line_keys_batch", table_name="cloud_line_keys")
    op.drop_index("ix_cloud_line_keys_month", table_name="cloud_line_keys")
    op.drop_table("cloud_line_keys")
    op.drop_table("restatement_figures")
