"""Tables and queries of carbon prices a user imported (`carbon prices import`).

- `price_imports`: one row per imported table (its content hash: the same
  content is imported once).
- `user_prices`: its rows; a later import overrides an earlier row of the same
  basis and year (carbon.prices.rules.merge, called by carbon.prices.service).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, Text, insert, select
from sqlalchemy.engine import Connection

from carbon.core import limits
from carbon.prices.records import Price
from carbon.store.schema import metadata

price_imports = Table(
    "price_imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_name", String(limits.SOURCE_NAME), nullable=False),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("row_count", Integer, nullable=False),
)

user_prices = Table(
    "user_prices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "import_id", Integer, ForeignKey("price_imports.id", ondelete="CASCADE"), nullable=False
    ),
    Column("key", String(limits.PRICE_KEY), nullable=False),
    Column("year", Integer, nullable=False),
    Column(
        "value", String(limits.PRICE_VALUE), nullable=False
    ),  # exact decimal text, currency per t CO2e
    Column("currency", String(8), nullable=False),
    Column("unit", String(limits.UNIT), nullable=False),  # as written in the file
    Column("basis", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("region", String(limits.REGION), nullable=False),
    Column("source_ref", Text, nullable=False),
    Column("notes", Text, nullable=False),
    Column("origin", String(limits.ORIGIN), nullable=False),
)


def user_price_rows(conn: Connection) -> list[Price]:
    """User-imported prices, oldest import first (a later one overrides)."""
    u = user_prices
    rows = conn.execute(select(u).order_by(u.c.import_id, u.c.id)).mappings()
    return [
        Price(
            r["key"],
            r["year"],
            Decimal(r["value"]),
            r["currency"],
            r["basis"],
            r["source"],
            r["unit"],
            r["region"],
            r["source_ref"],
            r["notes"],
            r["origin"],
        )
        for r in rows
    ]


def find_import(conn: Connection, content_hash: str):
    """The import of the identical content (a row mapping: id, source_name, row_count), or None."""
    return (
        conn.execute(select(price_imports).where(price_imports.c.content_hash == content_hash))
        .mappings()
        .first()
    )


def insert_import(
    conn: Connection, source_name: str, content_hash: str, rows: Sequence[Price]
) -> int:
    """Store a validated price table; its import id."""
    import_id = conn.execute(
        insert(price_imports)
        .values(
            source_name=source_name,
            content_hash=content_hash,
            imported_at=datetime.now(UTC),
            row_count=len(rows),
        )
        .returning(price_imports.c.id)
    ).scalar_one()
    conn.execute(
        insert(user_prices),
        [
            dict(
                import_id=import_id,
                key=p.key,
                year=p.year,
                value=str(p.value),
                currency=p.currency,
                unit=p.unit,
                basis=p.basis,
                source=p.source,
                region=p.region,
                source_ref=p.source_ref,
                notes=p.notes,
                origin=p.origin,
            )
            for p in rows
        ],
    )
    return import_id
