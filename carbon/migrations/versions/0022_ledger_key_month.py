"""The repeated-row index leads with the row key: (row_key, month) instead of (month, row_key).

An import writes each chunk sorted by row key (Store.insert_ledger), so with the key first its
index inserts land next to each other instead of all over every month of the index, and a
bigint compares faster than the month's text (PostgreSQL compares text by collation). The
repeated-row check still probes only the new file's keys in its months (carbon/store/duplicates.py):
its cost grows with the new file, not with the history (figures: docs/scaling.md).

Replaces an index only: every stored figure is kept.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ledger_row_key_month", "ledger", ["row_key", "month"])
    op.drop_index("ix_ledger_month_row_key", table_name="ledger")


def downgrade() -> None:
    op.create_index("ix_ledger_month_row_key", "ledger", ["month", "row_key"])
    op.drop_index("ix_ledger_row_key_month", table_name="ledger")
