"""The compiled factor table, cached in the database (carbon/factors/store.py): commands read it
instead of rebuilding the table from the shipped CSVs at every start.

Adds a table only: every stored figure is kept.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "factor_table_cache",
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("factor_table_cache")
