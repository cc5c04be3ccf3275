"""Carbon prices imported by users, and donation sign-offs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "price_imports",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source_name", sa.String(500), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
    )
    op.create_table(
        "user_prices",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "import_id",
            sa.Integer(),
            sa.ForeignKey("price_imports.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(500), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("unit", sa.String(100), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("source_ref", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(500), nullable=False),
    )
    op.create_table(
        "donation_closes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("emissions_g", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("price_key", sa.String(500), nullable=False),
        sa.Column("price_year", sa.Integer(), nullable=False),
        sa.Column("price_value", sa.String(64), nullable=False),
        sa.Column("price_unit", sa.String(100), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("source_ref", sa.Text(), nullable=False),
        sa.Column("price_notes", sa.Text(), nullable=False),
        sa.Column("price_origin", sa.String(500), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("ledger_hash", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_table(
        "donation_close_teams",
        sa.Column(
            "close_id",
            sa.Integer(),
            sa.ForeignKey("donation_closes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("emissions_g", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("close_id", "team"),
    )


def downgrade() -> None:
    for table in ("donation_close_teams", "donation_closes", "user_prices", "price_imports"):
        op.drop_table(table)
