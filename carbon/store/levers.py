"""The ledger at the grain a what-if needs: quantities with their unit and factor, read only."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from carbon.store.schema import factor_snapshots, ledger, teams

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


def ledger_rows(conn: Connection, first_month: str, last_month: str) -> pd.DataFrame:
    """Ledger entries of `first_month`..`last_month` summed in SQL per team, month, activity,
    factor snapshot and unit: COLUMNS, with the factor's region and vintage (kg CO2e).

    The month range is read through the ledger's (month, row_key) index: the other years of
    the history are not read."""
    lg, f = ledger, factor_snapshots
    q = (
        select(
            teams.c.name,
            lg.c.month,
            lg.c.activity,
            lg.c.category,
            f.c.region,
            f.c.year,
            lg.c.unit,
            func.sum(lg.c.quantity),
            func.sum(lg.c.co2e_kg),
        )
        .select_from(lg.join(teams, lg.c.team_id == teams.c.id).join(f, lg.c.factor_id == f.c.id))
        .where(lg.c.month >= first_month, lg.c.month <= last_month)
        .group_by(
            teams.c.name,
            lg.c.month,
            lg.c.activity,
            lg.c.category,
            lg.c.factor_id,
            f.c.region,
            f.c.year,
            lg.c.unit,
        )
    )
    rows = [tuple(r) for r in conn.execute(q)]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return (
        frame.astype({"quantity": float, "co2e_kg": float, "vintage": "int64"})
        if len(frame)
        else frame
    )
