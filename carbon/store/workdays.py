"""Table and queries of the commuting calendar: the working days a survey import used per month
and country (weekdays, public holidays, closure days, absence rate), for `report sources`
(docs/commuting.md). They go away with their import (ON DELETE CASCADE, `remove`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)
from sqlalchemy.engine import Connection

from carbon.store.schema import metadata

commuting_days = Table(
    "commuting_days",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
    Column("month", String(7), nullable=False),
    Column("country", String(2), nullable=False),  # "": no country, no public holiday removed
    Column("weekdays", Integer, nullable=False),
    Column("holidays", Text, nullable=False),  # "2026-05-01 Labor Day; ..." (those on weekdays)
    Column("closure_days", Integer, nullable=False),
    Column("working_days", Integer, nullable=False),
    Column("absence_rate", Float, nullable=False),
    Index("ix_commuting_days_batch", "batch_id", "month"),
)


def insert_calendars(
    conn: Connection, batch_id: int, calendars: Iterable, absence_rate: float
) -> None:
    rows = [
        {
            "batch_id": batch_id,
            "month": c.month,
            "country": c.country,
            "weekdays": c.weekdays,
            "holidays": "; ".join(f"{d.isoformat()} {name}" for d, name in c.holidays),
            "closure_days": len(c.closures),
            "working_days": c.working,
            "absence_rate": absence_rate,
        }
        for c in calendars
    ]
    if rows:
        conn.execute(insert(commuting_days), rows)


def remove(conn: Connection, batch_id: int) -> None:
    conn.execute(delete(commuting_days).where(commuting_days.c.batch_id == batch_id))


def month_calendars(conn: Connection, month: str) -> list[dict]:
    """The working days each survey import used in `month`, per country."""
    c = commuting_days
    q = (
        select(
            c.c.batch_id.label("import_id"),
            c.c.country,
            c.c.weekdays,
            c.c.holidays,
            c.c.closure_days,
            c.c.working_days,
            c.c.absence_rate,
        )
        .where(c.c.month == month)
        .order_by(c.c.batch_id, c.c.country)
    )
    return [dict(r) for r in conn.execute(q).mappings()]
