"""Quantities in the monthly rollup: `ledger_monthly` gets the entries' `unit` (a key: one
factor's entries may be written in several units, e.g. kWh and MWh in one file, and quantities
of different units are never summed) and their summed `quantity`, so `carbon scenario run` reads
its year from the rollup instead of the ledger rows.

The rollup is rebuilt from the ledger by one set-based INSERT … SELECT … GROUP BY (as 0002's
backfill): one row per batch and key, now with the unit. Each key's kg CO2e and entries are the
sums of the same ledger rows as before (only the order of the additions may differ); rows
of an import that no longer exists are not rolled up (as the cascade from `batches` left them).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

UNIT = 100  # carbon/core/limits.py at this revision
KEYS = "batch_id, team_id, month, category, scope, activity, factor_id, scope3_category"


def _rebuild(keys: str, sums: str, sums_of: str) -> None:
    """Fill the (emptied) rollup from the ledger at the grain `keys`."""
    op.execute(
        f"INSERT INTO ledger_monthly ({keys}, {sums}, entries) "
        f"SELECT {keys}, {sums_of}, COUNT(*) FROM ledger "
        "WHERE batch_id IN (SELECT id FROM batches) "
        f"GROUP BY {keys}"
    )


def _finite(col: str, postgresql: bool) -> str:
    # As 0018's checks on the ledger's quantity.
    if postgresql:
        return (
            f"{col} <> 'Infinity'::float AND {col} <> '-Infinity'::float AND {col} = {col} "
            f"AND {col} <> 'NaN'::float"
        )
    return f"{col} < 9e999 AND {col} > -9e999 AND {col} = {col}"


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    # Emptied first: the new columns are NOT NULL, and every row is written again below. SQLite
    # adds a NOT NULL column only by copying the table (batch mode), cheap on an empty table.
    op.execute("DELETE FROM ledger_monthly")
    with op.batch_alter_table(
        "ledger_monthly", recreate="auto" if postgresql else "always"
    ) as batch:
        batch.add_column(sa.Column("unit", sa.String(UNIT), nullable=False))
        batch.add_column(sa.Column("quantity", sa.Float(), nullable=False))
        batch.create_check_constraint(
            "ck_ledger_monthly_quantity_finite", _finite("quantity", postgresql)
        )
    _rebuild(f"{KEYS}, unit", "quantity, co2e_kg", "SUM(quantity), SUM(co2e_kg)")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.execute("DELETE FROM ledger_monthly")
    with op.batch_alter_table(
        "ledger_monthly", recreate="auto" if postgresql else "always"
    ) as batch:
        batch.drop_constraint("ck_ledger_monthly_quantity_finite", type_="check")
        batch.drop_column("quantity")
        batch.drop_column("unit")
    _rebuild(KEYS, "co2e_kg", "SUM(co2e_kg)")
