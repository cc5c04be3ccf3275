"""Gas parts of factor rows: the CO2, CH4, N2O, HFC and other-gas parts of a factor's value.

Factor snapshots (which every ledger entry points to) and user factors get `gas_co2`, `gas_ch4`,
`gas_n2o`, `gas_hfcs` and `gas_other` (kg CO2e of the gas per activity unit, NULL: the row is not
split by gas). Existing rows state none: they stay "not split". No figure changes.

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0010"
branch_labels = None
depends_on = None

FACTOR_TABLES = ("factor_snapshots", "user_factors")
GASES = ("gas_co2", "gas_ch4", "gas_n2o", "gas_hfcs", "gas_other")


def upgrade() -> None:
    for table in FACTOR_TABLES:
        for col in GASES:
            op.add_column(table, sa.Column(col, sa.Float()))


def downgrade() -> None:
    for table in FACTOR_TABLES:
        with op.batch_alter_table(table) as b:
            for col in reversed(GASES):
                b.drop_column(col)
