"""Carbon prices in their forms: JSON, the re-importable price-table CSV, a rich table."""

from __future__ import annotations

import csv
import io
import json

from rich.markup import escape
from rich.table import Table

from carbon.prices import Price
from carbon.spreadsheet import BOM, inert

# The price-table format (re-importable with `carbon prices import`).
PRICE_COLUMNS = ("key", "year", "price", "unit", "basis", "region", "source", "source_ref", "notes")

def price_dict(p: Price) -> dict:
    """A price as JSON: value per t CO2e in its currency, basis, source, year."""
    return {"value": float(p.value), "unit": p.per_tonne_unit, "basis": p.basis, "source": p.source,
            "key": p.key, "year": p.year, "currency": p.currency, "region": p.region,
            "source_ref": p.source_ref, "notes": p.notes, "origin": p.origin}


def prices_json(prices: list[Price]) -> str:
    return json.dumps([price_dict(p) for p in prices], indent=2, ensure_ascii=False)


def prices_csv(prices: list[Price]) -> str:
    """The prices in the price-table format (re-importable), UTF-8 with a BOM, text cells made inert."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(PRICE_COLUMNS)
    for p in prices:
        w.writerow([inert(p.key), p.year, str(p.value), inert(p.per_tonne_unit), inert(p.basis), inert(p.region),
                    inert(p.source), inert(p.source_ref), inert(p.notes)])
    return BOM + out.getvalue()


def prices_table(prices: list[Price]) -> Table:
    table = Table(title=f"{len(prices)} carbon prices (per t CO2e)", title_justify="left",
                  caption="Full sources: --format json or csv", caption_justify="left")
    for col in ("Basis key", "Year", "Price", "What it is", "From"):
        table.add_column(col, justify="right" if col == "Price" else "left")
    for p in prices:
        basis = p.basis if len(p.basis) <= 90 else p.basis[:89] + "…"
        table.add_row(escape(p.key), str(p.year), f"{p.value} {p.currency}", escape(basis), escape(p.origin))
    return table
