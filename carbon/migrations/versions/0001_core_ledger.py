"""Core ledger: teams, import batches, factor snapshots, user factors, ledger.

The first schema (version 0.1 development). Later revisions must keep every
figure it holds unchanged (tests/test_migrations.py).

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("source_name", sa.String(500), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("co2e_kg", sa.Float(), nullable=False),
        sa.UniqueConstraint("kind", "content_hash", name="uq_batches_kind_hash"),
    )
    op.create_table(
        "factor_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("activity", sa.String(200), nullable=False),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(100), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("scope", sa.SmallInteger(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("uncertainty_pct", sa.Float()),
        sa.Column("source_ref", sa.Text(), nullable=False),
        sa.Column("boundary", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(500), nullable=False),
    )
    op.create_table(
        "user_factors",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "batch_id",
            sa.Integer(),
            sa.ForeignKey("batches.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("activity", sa.String(200), nullable=False),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(100), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("scope", sa.SmallInteger(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("uncertainty_pct", sa.Float()),
        sa.Column("source_ref", sa.Text(), nullable=False),
        sa.Column("boundary", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(500), nullable=False),
    )
    op.create_table(
        "ledger",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("activity", sa.String(200), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("scope", sa.SmallInteger(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(100), nullable=False),
        sa.Column("co2e_kg", sa.Float(), nullable=False),
        sa.Column("factor_id", sa.Integer(), nullable=False),
    )
    op.create_index("ix_ledger_month_team", "ledger", ["month", "team_id"])
    op.create_index("ix_ledger_batch", "ledger", ["batch_id"])


def downgrade() -> None:
    for table in ("ledger", "user_factors", "factor_snapshots", "batches", "teams"):
        op.drop_table(table)
