"""Tables and queries of donation sign-offs (rules: carbon.donation.rules; end to end: carbon.donation.service).

- `donation_closes`, `donation_close_teams`: signed-off donations with the
  price snapshot (value as exact decimal text, unit, basis, source), the
  ledger's content hash of the year and the per-team figures. A sign-off is
  never updated: a new one for the same year (`supersede`) is added, and the
  latest one of a year is the one in force.

Amounts are integer cents, emissions integer grams CO2e.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection

from carbon.core import limits
from carbon.donation.records import ClosedDonation
from carbon.prices.records import Price
from carbon.store import team_history as stored_teams
from carbon.store.schema import factor_snapshots, ledger_monthly, metadata, teams

donation_closes = Table(
    "donation_closes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=False),
    Column("status", String(40), nullable=False),
    Column("emissions_g", BigInteger, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(8), nullable=False),
    Column("price_key", String(limits.PRICE_KEY), nullable=False),
    Column("price_year", Integer, nullable=False),
    Column(
        "price_value", String(limits.PRICE_VALUE), nullable=False
    ),  # exact decimal text, per t CO2e
    Column("price_unit", String(limits.UNIT), nullable=False),
    Column("basis", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("region", String(limits.REGION), nullable=False),
    Column("source_ref", Text, nullable=False),
    Column("price_notes", Text, nullable=False),
    Column("price_origin", String(limits.ORIGIN), nullable=False),
    Column("scopes", Text, nullable=False),  # JSON list; [] = all
    Column("categories", Text, nullable=False),  # JSON list; [] = all
    Column("ledger_hash", String(64), nullable=False),
    Column("note", Text, nullable=False),
)

donation_close_teams = Table(
    "donation_close_teams",
    metadata,
    Column(
        "close_id", Integer, ForeignKey("donation_closes.id", ondelete="CASCADE"), nullable=False
    ),
    Column(
        "team", String(limits.TEAM_NAME), nullable=False
    ),  # the name at sign-off (the record outlives ids)
    Column("emissions_g", BigInteger, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    PrimaryKeyConstraint("close_id", "team"),
)


# The scope-2 basis of a sign-off on the market basis (carbon/scope2/rules.py); no row: location-based.
donation_close_scope2 = Table(
    "donation_close_scope2",
    metadata,
    Column(
        "close_id", Integer, ForeignKey("donation_closes.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("basis", String(16), nullable=False),
)


def _utc(at: datetime | None) -> datetime | None:
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # SQLite drops the zone; we store UTC
    return at


# ---- the year's ledger content ----------------------------------------------------------


def ledger_content(conn: Connection, year: int):
    """The year's ledger content, aggregated in SQL, for its hash (carbon.donation.service.ledger_hash):
    rows (team, month, category, scope, activity, factor fingerprint, kg CO2e, entries), in order.

    A factor is named by its content fingerprint, not its id; a team by its first name.
    """
    r, f = ledger_monthly, factor_snapshots
    # Each team under its first name: renaming a team does not change its figures.
    team_name, firsts = stored_teams.stable_name()
    keys = (team_name, r.c.month, r.c.category, r.c.scope, r.c.activity, f.c.fingerprint)
    q = (
        select(*keys, func.sum(r.c.co2e_kg), func.sum(r.c.entries))
        .select_from(
            r.join(teams, r.c.team_id == teams.c.id)
            .join(f, r.c.factor_id == f.c.id)
            .outerjoin(firsts, firsts.c.team_id == teams.c.id)
        )
        .where(r.c.month >= f"{year:04d}-01", r.c.month <= f"{year:04d}-12")
        .group_by(*keys)
        .order_by(*keys)
    )
    return conn.execute(q)


# ---- sign-offs ----------------------------------------------------------------------------


def _closed(row, team_rows) -> ClosedDonation:
    price = Price(
        row["price_key"],
        row["price_year"],
        Decimal(row["price_value"]),
        row["currency"],
        row["basis"],
        row["source"],
        row["price_unit"],
        row["region"],
        row["source_ref"],
        row["price_notes"],
        row["price_origin"],
    )
    return ClosedDonation(
        row["id"],
        row["year"],
        _utc(row["closed_at"]),
        price,
        row["emissions_g"],
        row["amount_cents"],
        tuple((t, g, c) for t, g, c in team_rows),
        row["ledger_hash"],
        tuple(json.loads(row["scopes"])),
        tuple(json.loads(row["categories"])),
        row["status"],
        row["note"],
    )


def closes(conn: Connection, year: int | None = None) -> list[ClosedDonation]:
    """Every sign-off (of `year`, or all), by year then in the order made."""
    q = select(donation_closes).order_by(donation_closes.c.year, donation_closes.c.id)
    if year is not None:
        q = q.where(donation_closes.c.year == year)
    out = []
    # A sign-off stores each team's name of the day; it is shown and compared under the team's
    # current name, so a team renamed since is the same team, not one gone and one new.
    renamed = stored_teams.former_names(conn)
    for row in conn.execute(q).mappings().all():
        t = donation_close_teams
        team_rows = conn.execute(
            select(t.c.team, t.c.emissions_g, t.c.amount_cents)
            .where(t.c.close_id == row["id"])
            .order_by(t.c.team)
        ).all()
        team_rows = sorted((renamed.get(n, n), g, c) for n, g, c in team_rows)
        basis = conn.execute(
            select(donation_close_scope2.c.basis).where(
                donation_close_scope2.c.close_id == row["id"]
            )
        ).scalar()
        out.append(dataclasses.replace(_closed(row, team_rows), scope2=basis or "location"))
    return out


def latest_close(conn: Connection, year: int) -> ClosedDonation | None:
    """The sign-off in force for `year` (the latest), or None."""
    found = closes(conn, year)
    return found[-1] if found else None


def insert_close(conn: Connection, d, digest: str, note: str) -> int:
    """Record a sign-off of the donation `d` (a carbon.donation.rules.Donation, read only); its id."""
    p = d.price
    close_id = conn.execute(
        insert(donation_closes)
        .values(
            year=d.year,
            closed_at=datetime.now(UTC),
            status=d.status,
            emissions_g=d.emissions_g,
            amount_cents=d.amount_cents,
            currency=p.currency,
            price_key=p.key,
            price_year=p.year,
            price_value=str(p.value),
            price_unit=p.per_tonne_unit,
            basis=p.basis,
            source=p.source,
            region=p.region,
            source_ref=p.source_ref,
            price_notes=p.notes,
            price_origin=p.origin,
            scopes=json.dumps(list(d.scopes)),
            categories=json.dumps(list(d.categories)),
            ledger_hash=digest,
            note=note,
        )
        .returning(donation_closes.c.id)
    ).scalar_one()
    conn.execute(
        insert(donation_close_teams),
        [
            dict(
                close_id=close_id,
                team=t.team,
                emissions_g=t.emissions_g,
                amount_cents=t.amount_cents,
            )
            for t in d.teams
        ],
    )
    if d.scope2 != "location":
        conn.execute(insert(donation_close_scope2).values(close_id=close_id, basis=d.scope2))
    return close_id
