"""Carbon prices, end to end: import a price table into the store; the prices in force.

Orchestration only: the tables are read by carbon.prices.rules, the SQL is carbon.prices.store.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from carbon.core import limits
from carbon.factors import service as factor_service
from carbon.prices import rules as price_tables
from carbon.prices import store as stored_prices
from carbon.prices.records import Price
from carbon.prices.rules import PriceImport

SHIPPED = "shipped prices"  # its name beside the factor table

if TYPE_CHECKING:
    from carbon.store import Store


def all_prices(store: Store) -> list[Price]:
    """Shipped prices overridden by the user's imported ones (same basis and year).

    The shipped table, once parsed (with pandas and pint), is kept beside the factor table
    (carbon.factors.service.BESIDE): its file and parsing code are part of that fingerprint."""
    with store.engine.connect() as conn:
        user = stored_prices.user_price_rows(conn)
        key, body = factor_service.read_beside(store, conn, SHIPPED)
    shipped = None
    if body is not None:
        try:
            shipped = price_tables.prices_from_json(body)
        except ValueError:  # another layout: parsed again and replaced
            shipped = None
    if shipped is None:
        shipped = price_tables.load_shipped()
        factor_service.keep_beside(store, SHIPPED, key, price_tables.prices_json(shipped))
    return price_tables.merge(shipped, user)


def import_file(store: Store, path: Path | str, source: str | None = None) -> PriceImport:
    """Validate a price CSV and store its rows, in one transaction; identical content is a no-op."""
    name = limits.source_name(source or Path(path).name)
    rows, digest = price_tables.read_file(Path(path), name)
    with store.transaction() as conn:
        found = stored_prices.find_import(conn, digest)
        if found is not None:
            return PriceImport(
                found["id"], found["source_name"], found["row_count"], already_imported=True
            )
        import_id = stored_prices.insert_import(conn, name, digest, rows)
    return PriceImport(import_id, name, len(rows), keys=tuple(price_tables.bases(rows)))
