"""Scheduled report packs: runs, produced packs (one per month and revision), deliveries.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pack_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("reference_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("target_month", sa.String(7)),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("produced", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
    )
    op.create_table(
        "packs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("pack_runs.id"), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("produced_at", sa.DateTime(timezone=True)),
        sa.Column("path", sa.String(1000)),
        sa.Column("data_fingerprint", sa.String(64)),
        sa.Column("manifest_sha256", sa.String(64)),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.UniqueConstraint("month", "revision", name="uq_packs_month_revision"),
    )
    op.create_table(
        "pack_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "pack_id", sa.Integer(), sa.ForeignKey("packs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("audience", sa.String(200), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("pack_deliveries", "packs", "pack_runs"):
        op.drop_table(table)
