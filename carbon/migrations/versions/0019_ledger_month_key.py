"""An index on the ledger's (month, row_key): the repeated-row check probes it with the new
import's keys in the new import's months, and a what-if reads its months' entries through it,
so neither reads the rest of the history.

Adds an index only: every stored figure is kept.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ledger_month_row_key", "ledger", ["month", "row_key"])


def downgrade() -> None:
    op.drop_index("ix_ledger_month_row_key", table_name="ledger")
