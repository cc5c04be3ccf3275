"""Market-based scope 2: energy-attribute instruments per import, and the scope-2 basis of a
donation sign-off (a row only for a sign-off on the market basis; none: location-based).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "energy_attributes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "batch_id",
            sa.Integer(),
            sa.ForeignKey("batches.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("mwh", sa.Float(), nullable=False),
        sa.Column("instrument", sa.String(32), nullable=False),
        sa.Column("factor_kg_per_kwh", sa.Float(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
    )
    op.create_index("ix_energy_attributes_month", "energy_attributes", ["month", "team_id"])
    op.create_index("ix_energy_attributes_batch", "energy_attributes", ["batch_id"])
    op.create_table(
        "donation_close_scope2",
        sa.Column(
            "close_id",
            sa.Integer(),
            sa.ForeignKey("donation_closes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("basis", sa.String(16), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("donation_close_scope2")
    op.drop_table("energy_attributes")
