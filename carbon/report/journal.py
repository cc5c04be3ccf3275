"""The donation as a journal-ready CSV, for finance: one row per team (cost centre), then TOTAL.

Excel-safe: UTF-8 with a BOM (accented team names open right), plain numbers
with a dot decimal, every text cell through carbon.core.spreadsheet.inert (no
formula injection in Excel/LibreOffice). For a closed year the amounts are the
signed-off ones, never a figure nobody signed off.
"""

from __future__ import annotations

import csv
import io

from carbon.core.money import cents_float
from carbon.core.spreadsheet import BOM, inert
from carbon.donation import rules
from carbon.donation.rules import DonationView, tonnes

JOURNAL_COLUMNS = (
    "year",
    "team",
    "emissions_t",
    "price",
    "price_unit",
    "amount",
    "currency",
    "status",
    "basis",
    "price_key",
    "price_year",
    "closed_at",
    "recomputed_emissions_t",
    "recomputed_price",
    "recomputed_amount",
    "recomputed_currency",
    "recomputed_minus_closed",
    "scope2_basis",
)
CLOSED, RESTATED = "closed", "restated"


def _money(cents: int) -> str:
    return f"{cents_float(cents):.2f}"


def to_csv(view: DonationView) -> str:
    """Journal-ready CSV: one row per team (cost centre), then the TOTAL row.

    A year not closed: its computed figures, `status` complete / partial /
    actual_to_date_plus_forecast, the closed_at and recomputed_* cells empty.
    A closed year: the signed-off figures and price, `status` "closed" — or
    "restated" when the year's ledger changed after the sign-off — and the
    figure computed now in the recomputed_* columns (recomputed_minus_closed
    empty when the two are in different currencies). `scope2_basis`: location or market, the
    scope 2 counted (a closed year: its sign-off's).
    """
    d, c = view.donation, view.closed
    if c is None:
        p, status, closed_at = d.price, d.status, ""
        rows = [(t.team, t.emissions_g, t.amount_cents, None) for t in d.teams]
        rows.append(("TOTAL", d.emissions_g, d.amount_cents, None))
    else:
        p, status = c.price, RESTATED if view.restated else CLOSED
        closed_at = c.closed_at.isoformat(timespec="seconds")
        rows = [
            (r.team, r.closed_g, r.closed_cents, (r.current_g, r.current_cents))
            for r in rules.compare(c, d)
        ]
        rows.append(("TOTAL", c.emissions_g, c.amount_cents, (d.emissions_g, d.amount_cents)))
    now = d.price
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(JOURNAL_COLUMNS)
    for team, g, cents, recomputed in rows:
        extra = [""] * 5
        if recomputed is not None:
            now_g, now_cents = recomputed
            extra = [
                f"{tonnes(now_g)}",
                str(now.value),
                _money(now_cents),
                inert(now.currency),
                _money(now_cents - cents) if now.currency == p.currency else "",
            ]
        w.writerow(
            [
                d.year,
                inert(team),
                f"{tonnes(g)}",
                str(p.value),
                inert(p.per_tonne_unit),
                _money(cents),
                inert(p.currency),
                inert(status),
                inert(p.basis),
                inert(p.key),
                p.year,
                closed_at,
                *extra,
                c.scope2 if c is not None else d.scope2,
            ]
        )
    return BOM + out.getvalue()
