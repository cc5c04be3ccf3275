"""The database refuses a figure no report can carry: CHECK constraints on the ledger, the monthly
rollup, metric values, energy attributes and budgets (finite figures, months as YYYY-MM, no
negative value where a quantity cannot be negative).

Imports validate every cell first (file, line, column); these constraints are the last line, for
what validation might miss. Existing rows are kept: a database already holding such a figure is
not upgraded, and the message names the table and the number of rows to remove or correct.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _finite(col: str, postgresql: bool) -> str:
    if postgresql:  # NaN = NaN is true in PostgreSQL; NaN sorts above every number, so also compare
        return (
            f"{col} <> 'Infinity'::float AND {col} <> '-Infinity'::float AND {col} = {col} "
            f"AND {col} <> 'NaN'::float"
        )
    # SQLite: 9e999 is read as +infinity; NaN is stored as NULL (refused by NOT NULL), and x = x is
    # false for it anyway
    return f"{col} < 9e999 AND {col} > -9e999 AND {col} = {col}"


def _month(col: str, postgresql: bool) -> str:
    if postgresql:
        return f"{col} ~ '^[0-9]{{4}}-(0[1-9]|1[0-2])$'"
    return (
        f"length({col}) = 7 AND {col} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' "
        f"AND substr({col}, 6, 2) BETWEEN '01' AND '12'"
    )


# table -> (name, condition) of each check; `f(col)`: finite, `m(col)`: a month
def checks(postgresql: bool) -> dict[str, list[tuple[str, str]]]:
    def f(col):
        return _finite(col, postgresql)

    def m(col):
        return _month(col, postgresql)

    return {
        "ledger": [
            ("ck_ledger_co2e_finite", f("co2e_kg")),
            ("ck_ledger_quantity_finite", f("quantity")),
            ("ck_ledger_month", m("month")),
        ],
        "ledger_monthly": [
            ("ck_ledger_monthly_co2e_finite", f("co2e_kg")),
            ("ck_ledger_monthly_month", m("month")),
        ],
        "metric_values": [
            ("ck_metric_values_value", f"{f('value')} AND value >= 0"),
            ("ck_metric_values_month", m("month")),
        ],
        "energy_attributes": [
            ("ck_energy_attributes_mwh", f"{f('mwh')} AND mwh >= 0"),
            ("ck_energy_attributes_factor", f"{f('factor_kg_per_kwh')} AND factor_kg_per_kwh >= 0"),
            ("ck_energy_attributes_month", m("month")),
        ],
        "budget_teams": [("ck_budget_teams_budget", f"{f('budget_kg')} AND budget_kg >= 0")],
    }


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    for table, items in checks(postgresql).items():
        for _name, condition in items:
            bad = bind.execute(
                sa.text(f"SELECT count(*) FROM {table} WHERE NOT ({condition})")
            ).scalar_one()
            if bad:
                raise RuntimeError(
                    f"{table}: {bad} stored row(s) hold a figure that is not finite, negative or a month not "
                    f"as YYYY-MM ({condition}); remove the import that wrote them ('carbon imports remove') "
                    "with the previous carbon, then upgrade"
                )
        with op.batch_alter_table(table, recreate="auto") as batch:
            for name, condition in items:
                batch.create_check_constraint(name, condition)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, items in checks(postgresql).items():
        with op.batch_alter_table(table, recreate="auto") as batch:
            for name, _condition in items:
                batch.drop_constraint(name, type_="check")
