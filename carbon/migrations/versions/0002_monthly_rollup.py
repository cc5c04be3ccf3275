"""Monthly rollup of the ledger, backfilled from the existing ledger rows.

Reports read ledger_monthly from this revision on, so their cost no longer
grows with the ledger; the month index of the ledger is no longer needed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

KEYS = "batch_id, team_id, month, category, scope, activity, factor_id"


def upgrade() -> None:
    op.create_table(
        "ledger_monthly",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column(
            "batch_id",
            sa.Integer(),
            sa.ForeignKey("batches.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("scope", sa.SmallInteger(), nullable=False),
        sa.Column("activity", sa.String(200), nullable=False),
        sa.Column("factor_id", sa.Integer(), sa.ForeignKey("factor_snapshots.id"), nullable=False),
        sa.Column("co2e_kg", sa.Float(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
    )
    op.create_index("ix_ledger_monthly_month_team", "ledger_monthly", ["month", "team_id"])
    op.create_index("ix_ledger_monthly_batch", "ledger_monthly", ["batch_id"])
    # Set-based backfill: one INSERT … SELECT … GROUP BY, never a Python loop.
    op.execute(
        f"INSERT INTO ledger_monthly ({KEYS}, co2e_kg, entries) "
        f"SELECT {KEYS}, SUM(co2e_kg), COUNT(*) FROM ledger GROUP BY {KEYS}"
    )
    op.drop_index("ix_ledger_month_team", table_name="ledger")


def downgrade() -> None:
    op.create_index("ix_ledger_month_team", "ledger", ["month", "team_id"])
    op.drop_table("ledger_monthly")
