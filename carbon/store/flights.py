"""Table and queries of flights imported by airport code: each flight row as booked (route,
great-circle distance, uplift, band, class), keyed by its import and line, so a month's sources
show how each flight's passenger-km was computed (docs/travel.md).

A flight file is an import (a batch of kind "flights"); its rows go away with it (ON DELETE
CASCADE on the batch, and `remove`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    and_,
    delete,
    insert,
    or_,
    select,
)
from sqlalchemy.engine import Connection

from carbon.store.schema import batches, ledger, metadata, teams

flight_legs = Table(
    "flight_legs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
    Column("line", Integer, nullable=False),
    Column("origin", String(3), nullable=False),
    Column("destination", String(3), nullable=False),
    Column("distance_km", Float, nullable=False),  # great-circle, before the uplift
    Column("uplift", Float, nullable=False),  # 0.08: +8 %
    Column("band", String(16), nullable=False),
    Column("cabin", String(16), nullable=False),  # the class booked
    Column("cabin_used", String(16), nullable=False),  # the class of the factor used
    Column("passengers", SmallInteger, nullable=False),
    Column("round_trip", Boolean, nullable=False),
    Column("rf", Boolean, nullable=False),
    Column("passenger_km", Float, nullable=False),
    Index("ix_flight_legs_batch", "batch_id", "line"),
)


def insert_legs(conn: Connection, batch_id: int, legs: Iterable, uplift: float) -> None:
    rows = [
        {
            "batch_id": batch_id,
            "line": g.line,
            "origin": g.origin,
            "destination": g.destination,
            "distance_km": g.distance_km,
            "uplift": uplift,
            "band": g.band,
            "cabin": g.cabin,
            "cabin_used": g.cabin_used,
            "passengers": g.passengers,
            "round_trip": g.round_trip,
            "rf": g.rf,
            "passenger_km": g.passenger_km,
        }
        for g in legs
    ]
    if rows:
        conn.execute(insert(flight_legs), rows)


def remove(conn: Connection, batch_id: int) -> None:
    conn.execute(delete(flight_legs).where(flight_legs.c.batch_id == batch_id))


def month_legs(conn: Connection, month: str, team: str | None = None) -> list[dict]:
    """The flights whose entries fall in `month` (of `team`), with the entry's factor key and kg."""
    g, lg = flight_legs, ledger
    # Each flight import's ledger rows within its id bounds (schema.ledger_rows_of): one
    # primary-key range per import, never a scan of the whole ledger (it has no batch index).
    bounds = conn.execute(
        select(batches.c.id, batches.c.ledger_id_min, batches.c.ledger_id_max).where(
            batches.c.id.in_(select(g.c.batch_id).distinct())
        )
    ).all()
    ranges = [
        and_(lg.c.id.between(lo, hi), lg.c.batch_id == b)
        for b, lo, hi in bounds
        if lo is not None and hi is not None
    ]
    if not ranges:
        return []
    q = (
        select(
            teams.c.name.label("team"),
            g.c.batch_id.label("import_id"),
            g.c.line,
            g.c.origin,
            g.c.destination,
            g.c.distance_km,
            g.c.uplift,
            g.c.band,
            g.c.cabin,
            g.c.cabin_used,
            g.c.passengers,
            g.c.round_trip,
            g.c.rf,
            g.c.passenger_km,
            lg.c.activity,
            lg.c.co2e_kg,
        )
        .select_from(
            lg.join(g, (g.c.batch_id == lg.c.batch_id) & (g.c.line == lg.c.line)).join(
                teams, lg.c.team_id == teams.c.id
            )
        )
        .where(or_(*ranges), lg.c.month == month)
        .order_by(teams.c.name, g.c.batch_id, g.c.line)
    )
    if team is not None:
        q = q.where(teams.c.name == team)
    return [dict(r) for r in conn.execute(q).mappings()]
