"""Carbon prices in their forms: JSON, the re-importable price-table CSV, a rich table."""

from __future__ import annotations

import csv
import io

from rich.markup import escape
from rich.table import Table

from carbon.core.spreadsheet import BOM, inert
from carbon.prices.rules import Price
from carbon.report import jsonout

# The price-table format (re-importable with `carbon prices import`).
PRICE_COLUMNS = ("key", "year", "price", "unit", "basis", "region", "source", "source_ref", "notes")

# The basis key is what `--basis` takes: the table keeps it whole on one line up to this width
# (the longest shipped key, cdr.frontier.prepurchase_2022.high) and folds a longer one, never cuts it.
KEY_WIDTH = 34
BASIS_SHOWN = 90  # characters of the basis text in the table; the full text is in JSON / CSV


def price_dict(p: Price) -> dict:
    """A price as JSON: value per t CO2e in its currency, basis, source, year."""
    return {
        "value": float(p.value),
        "unit": p.per_tonne_unit,
        "basis": p.basis,
        "source": p.source,
        "key": p.key,
        "year": p.year,
        "currency": p.currency,
        "region": p.region,
        "source_ref": p.source_ref,
        "notes": p.notes,
        "origin": p.origin,
    }


def prices_json(prices: list[Price]) -> str:
    return jsonout.dumps([price_dict(p) for p in prices], indent=2)


def prices_csv(prices: list[Price]) -> str:
    """The prices in the price-table format (re-importable), UTF-8 with a BOM, text cells made inert."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(PRICE_COLUMNS)
    for p in prices:
        w.writerow(
            [
                inert(p.key),
                p.year,
                str(p.value),
                inert(p.per_tonne_unit),
                inert(p.basis),
                inert(p.region),
                inert(p.source),
                inert(p.source_ref),
                inert(p.notes),
            ]
        )
    return BOM + out.getvalue()


def prices_table(prices: list[Price]) -> Table:
    """The prices for people. The key, year and price are never cut, whatever the width (80
    columns when the output is not a terminal): the basis text wraps around them."""
    table = Table(
        title=f"{len(prices)} carbon prices (per t CO2e)",
        title_justify="left",
        caption="Full sources: --format json or csv",
        caption_justify="left",
    )
    # A fixed width (not min_width) for the key: rich then shrinks only the basis text to fit.
    width = min(KEY_WIDTH, max([len(p.key) for p in prices] + [len("Basis key")]))
    table.add_column("Basis key", width=width, overflow="fold")
    table.add_column("Year", no_wrap=True)
    table.add_column("Price", justify="right", no_wrap=True)
    table.add_column("What it is (from)", overflow="fold")
    for p in prices:
        basis = p.basis if len(p.basis) <= BASIS_SHOWN else p.basis[: BASIS_SHOWN - 1] + "…"
        table.add_row(
            escape(p.key),
            str(p.year),
            f"{p.value} {p.currency}",
            f"{escape(basis)}\n[dim]{escape(p.origin)}[/dim]",
        )
    return table
