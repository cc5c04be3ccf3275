"""Data feeds: the feeds a complete month needs, the feed each import is attributed to, the days
of each month a cloud bill covers, and the overrides of an incomplete month (docs/feeds.md).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("provider", sa.String(32)),
        sa.Column("teams", sa.Text(), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("source_pattern", sa.String(500)),
        sa.Column("cadence", sa.String(16), nullable=False),
        sa.Column("first_month", sa.String(7)),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "batch_feeds",
        sa.Column(
            "batch_id",
            sa.Integer(),
            sa.ForeignKey("batches.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "feed_id", sa.Integer(), sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False
        ),
    )
    op.create_table(
        "batch_days",
        sa.Column(
            "batch_id",
            sa.Integer(),
            sa.ForeignKey("batches.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("first_day", sa.SmallInteger(), nullable=False),
        sa.Column("last_day", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", "month", name="pk_batch_days"),
    )
    op.create_table(
        "incomplete_overrides",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("months", sa.Text(), nullable=False),
        sa.Column("missing", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("incomplete_overrides")
    op.drop_table("batch_days")
    op.drop_table("batch_feeds")
    op.drop_table("feeds")
