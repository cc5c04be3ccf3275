"""Scope-3 categories on ledger entries and the lifecycle split of factor rows.

`ledger` and `ledger_monthly` get `scope3_category` (GHG Protocol category 1..15 of a scope-3
entry, NULL for scope 1 and 2), filled for existing scope-3 rows by the rule of carbon/factors/scope3.py
as it stood at this revision; factor snapshots and user factors get the optional parts
(`part_generation`, `part_upstream`, `part_td`) and a stated `scope3_category`. No figure changes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

FACTOR_TABLES = ("factor_snapshots", "user_factors")
LEDGER_TABLES = ("ledger", "ledger_monthly")

# carbon/factors/scope3.py `derive` at this revision, frozen: travel 6, commuting 7, streaming 11,
# infrastructure 3 for electricity.* keys else 1.
BACKFILL = """
UPDATE {table} SET scope3_category = CASE
    WHEN category = 'travel' THEN 6
    WHEN category = 'commuting' THEN 7
    WHEN category = 'streaming' THEN 11
    WHEN category = 'infrastructure' AND activity LIKE 'electricity.%' THEN 3
    WHEN category = 'infrastructure' THEN 1
END
WHERE scope = 3
"""


def upgrade() -> None:
    for table in FACTOR_TABLES:
        for col in ("part_generation", "part_upstream", "part_td"):
            op.add_column(table, sa.Column(col, sa.Float()))
        op.add_column(table, sa.Column("scope3_category", sa.SmallInteger()))
    for table in LEDGER_TABLES:
        op.add_column(table, sa.Column("scope3_category", sa.SmallInteger()))
        op.execute(BACKFILL.format(table=table))


def downgrade() -> None:
    for table in LEDGER_TABLES:
        with op.batch_alter_table(table) as b:
            b.drop_column("scope3_category")
    for table in FACTOR_TABLES:
        with op.batch_alter_table(table) as b:
            for col in ("scope3_category", "part_td", "part_upstream", "part_generation"):
                b.drop_column(col)
