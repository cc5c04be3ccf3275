"""The ledger at the grain a what-if needs: quantities with their unit and factor, read only,
from the monthly rollup."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from carbon.scenarios.records import Entry
from carbon.store.schema import factor_snapshots, ledger_monthly, teams

COLUMNS = (
    "team",
    "month",
    "activity",
    "category",
    "region",
    "vintage",
    "unit",
    "quantity",
    "co2e_kg",
)


def ledger_rows(conn: Connection, first_month: str, last_month: str) -> list[Entry]:
    """Ledger entries of `first_month`..`last_month` summed in SQL per team, month, activity,
    factor snapshot and unit, with the factor's region and vintage (kg CO2e).

    Read from the monthly rollup (`ledger_monthly`, which keeps each key's quantity per unit)
    through its (month, team_id) index: the cost follows the teams, activities, factors and
    imports of the months read, not the number of ledger rows in them or in other years."""
    r, f = ledger_monthly, factor_snapshots
    q = (
        select(
            teams.c.name,
            r.c.month,
            r.c.activity,
            r.c.category,
            f.c.region,
            f.c.year,
            r.c.unit,
            func.sum(r.c.quantity),
            func.sum(r.c.co2e_kg),
        )
        .select_from(r.join(teams, r.c.team_id == teams.c.id).join(f, r.c.factor_id == f.c.id))
        .where(r.c.month >= first_month, r.c.month <= last_month)
        .group_by(
            teams.c.name,
            r.c.month,
            r.c.activity,
            r.c.category,
            r.c.factor_id,
            f.c.region,
            f.c.year,
            r.c.unit,
        )
    )
    return [
        Entry(t, m, a, c, reg, int(y), u, float(q_), float(kg))
        for t, m, a, c, reg, y, u, q_, kg in conn.execute(q)
    ]
