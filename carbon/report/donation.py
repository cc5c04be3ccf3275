"""The donation in its forms: JSON (DESIGN.md contract + additive fields), journal CSV, rich
tables; the sign-off history; the price list.

Money leaves here as numbers of currency units with two decimals (from integer
cents) plus the exact `amount_cents`; emissions as t CO2e with 6 decimals (the
gram they were rounded to).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from carbon.donation import ClosedDonation, Restatement, tonnes
from carbon.money import cents_float, format_amount
from carbon.periods import month_label
from carbon.prices import Price
from carbon.spreadsheet import inert
from carbon.store.prices import DonationView, HistoryEntry


def _t(g: int) -> float:
    return float(tonnes(g))


def price_dict(p: Price) -> dict:
    """A price as JSON: value per t CO2e in its currency, basis, source, year."""
    return {"value": float(p.value), "unit": p.per_tonne_unit, "basis": p.basis, "source": p.source,
            "key": p.key, "year": p.year, "currency": p.currency, "region": p.region,
            "source_ref": p.source_ref, "notes": p.notes, "origin": p.origin}


def closed_dict(c: ClosedDonation) -> dict:
    cur = c.price.currency
    return {"id": c.id, "year": c.year, "closed_at": c.closed_at.isoformat(), "status": c.status,
            "emissions_t": _t(c.emissions_g), "amount": cents_float(c.amount_cents),
            "amount_cents": c.amount_cents, "currency": cur, "price": price_dict(c.price),
            "scopes": list(c.scopes), "categories": list(c.categories), "ledger_hash": c.ledger_hash,
            "note": c.note,
            "teams": [{"team": t, "emissions_t": _t(g), "amount": cents_float(a), "amount_cents": a}
                      for t, g, a in c.teams]}


def restatement_dict(r: Restatement) -> dict:
    return {"ledger_changed": r.ledger_changed, "closed_ledger_hash": r.closed.ledger_hash,
            "current_ledger_hash": r.current_hash, "difference_t": _t(r.difference_g),
            "difference": cents_float(r.difference_cents), "difference_cents": r.difference_cents,
            "currency": r.closed.price.currency,
            "teams": [{"team": t.team, "closed_emissions_t": _t(t.closed_g), "current_emissions_t": _t(t.current_g),
                       "difference_t": _t(t.difference_g), "closed_amount": cents_float(t.closed_cents),
                       "current_amount": cents_float(t.current_cents),
                       "difference": cents_float(t.difference_cents), "difference_cents": t.difference_cents}
                      for t in r.teams]}


def to_dict(view: DonationView) -> dict:
    """The JSON contract of `carbon donation` (DESIGN.md), then additive fields."""
    d = view.donation
    total = d.emissions_g
    return {
        "year": d.year,
        "emissions_t": _t(total),
        "price": price_dict(d.price),
        "amount": cents_float(d.amount_cents),
        "currency": d.price.currency,
        "teams": [{"team": t.team, "emissions_t": _t(t.emissions_g), "amount": cents_float(t.amount_cents),
                   "amount_cents": t.amount_cents, "actual_t": _t(t.actual_g),
                   "share": round(t.emissions_g / total, 6) if total else None}
                  for t in d.teams],
        "amount_cents": d.amount_cents,
        "status": d.status,
        "forecast": d.is_forecast,
        "as_of": d.as_of.isoformat(),
        "actual_t": _t(d.actual_g),
        "months": {"first": d.months[0] if d.months else None, "last": d.months[-1] if d.months else None,
                   "count": len(d.months), "missing": list(d.missing_months),
                   "counted_through": month_label(d.year, d.counted_through) if d.counted_through else None,
                   "not_counted": list(d.not_counted)},
        "scopes": list(d.scopes),
        "categories": list(d.categories),
        "range": {"low": cents_float(d.range_cents[0]), "central": cents_float(d.range_cents[1]),
                  "high": cents_float(d.range_cents[2]),
                  "emissions_t": {"low": _t(d.range_g[0]), "central": _t(d.range_g[1]),
                                  "high": _t(d.range_g[2])}},
        "method": list(d.method),
        "warnings": list(d.warnings),
        "teams_without_data": list(d.teams_without_data),
        "closed": closed_dict(view.closed) if view.closed else None,
        "restatement": restatement_dict(view.restatement) if view.restatement else None,
    }


def to_json(view: DonationView) -> str:
    return json.dumps(to_dict(view), indent=2, ensure_ascii=False)


JOURNAL_COLUMNS = ("year", "team", "emissions_t", "price", "price_unit", "amount", "currency", "status",
                   "basis", "price_key", "price_year")


def to_csv(view: DonationView) -> str:
    """Journal-ready CSV: one row per team (cost centre), then the TOTAL row.

    Numbers are plain numbers (dot decimal); every text cell goes through
    spreadsheet.inert (no formula injection when opened in Excel/LibreOffice).
    """
    d = view.donation
    p = d.price
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(JOURNAL_COLUMNS)
    common = [str(p.value), inert(p.per_tonne_unit)]
    tail = [inert(d.status), inert(p.basis), inert(p.key), p.year]
    for t in d.teams:
        w.writerow([d.year, inert(t.team), f"{tonnes(t.emissions_g)}", *common,
                    f"{cents_float(t.amount_cents):.2f}", inert(p.currency), *tail])
    w.writerow([d.year, "TOTAL", f"{tonnes(d.emissions_g)}", *common, f"{cents_float(d.amount_cents):.2f}",
                inert(p.currency), *tail])
    return out.getvalue()


def to_table(view: DonationView) -> Group:
    """The donation for people: amount, method, per-team table, range, flags."""
    d = view.donation
    cur = d.price.currency
    parts: list = []
    head = f"[bold]Donation {d.year}: {format_amount(d.amount_cents, cur)}[/bold]"
    if d.is_forecast:
        head += "  [bold yellow](FORECAST: actual to date + forecast)[/bold yellow]"
    parts.append(Text.from_markup(head))
    parts.append(Text(f"{tonnes(d.emissions_g):,.3f} t CO2e × {d.price.value} {d.price.per_tonne_unit} "
                      f"({d.price.key}, {d.price.year})"))
    for w in d.warnings:
        parts.append(Text.from_markup(f"[yellow]note:[/yellow] {escape(w)}"))
    table = Table(title=f"Per team ({cur})", title_justify="left")
    table.add_column("Team")
    if d.is_forecast:
        table.add_column("Actual t", justify="right")
    table.add_column("t CO2e", justify="right")
    table.add_column("Share", justify="right")
    table.add_column(f"Amount {cur}", justify="right", style="bold")
    total = d.emissions_g
    for t in d.teams:
        cells = [escape(t.team)]
        if d.is_forecast:
            cells.append(f"{tonnes(t.actual_g):,.3f}")
        cells += [f"{tonnes(t.emissions_g):,.3f}", f"{100 * t.emissions_g / total:.1f}%",
                  format_amount(t.amount_cents)]
        table.add_row(*cells)
    table.add_section()
    table.add_row("Company", *([f"{tonnes(d.actual_g):,.3f}"] if d.is_forecast else []),
                  f"{tonnes(total):,.3f}", "100%", format_amount(d.amount_cents), style="bold")
    parts.append(table)
    for name in d.teams_without_data:
        parts.append(Text(f"no emissions counted for {name}"))
    parts.append(Text(f"Range (factor uncertainty): low {format_amount(d.range_cents[0], cur)} · central "
                      f"{format_amount(d.range_cents[1], cur)} · high {format_amount(d.range_cents[2], cur)}"))
    parts.append(Text.from_markup("[bold]Method[/bold]"))
    for line in d.method:
        parts.append(Text(f"  • {line}"))
    if view.closed is not None:
        parts.extend(_closed_parts(view.closed, view.restatement))
    return Group(*parts)


def _closed_parts(c: ClosedDonation, r: Restatement | None) -> list:
    cur = c.price.currency
    parts = [Text.from_markup(
        f"[bold]Closed[/bold] on {c.closed_at:%Y-%m-%d %H:%M} UTC: {format_amount(c.amount_cents, cur)} for "
        f"{tonnes(c.emissions_g):,.3f} t at {c.price.value} {c.price.per_tonne_unit} ({escape(c.price.key)})")]
    if r is None:
        return parts
    if not r.ledger_changed:
        parts.append(Text("The ledger of the year is unchanged since the sign-off."))
        return parts
    parts.append(Text.from_markup(
        f"[bold red]RESTATED:[/bold red] the ledger of {c.year} changed after the sign-off; at the closed "
        f"method and price the figure is now {format_amount(c.amount_cents + r.difference_cents, cur)} "
        f"(difference {_signed(r.difference_cents, cur)}). The closed figure is unchanged."))
    parts.append(restatement_table(r))
    return parts


def _signed(cents: int, cur: str = "") -> str:
    return ("+" if cents > 0 else "") + format_amount(cents, cur)


def restatement_table(r: Restatement) -> Table:
    cur = r.closed.price.currency
    table = Table(title=f"Restatement of {r.closed.year} against the sign-off ({cur})", title_justify="left")
    for col in ("Team", "Closed t", "Now t", "Δ t", "Closed", "Now", "Δ"):
        table.add_column(col, justify="left" if col == "Team" else "right")
    for t in r.teams:
        style = None if t.difference_cents == 0 and t.difference_g == 0 else "bold"
        table.add_row(escape(t.team), f"{tonnes(t.closed_g):,.3f}", f"{tonnes(t.current_g):,.3f}",
                      f"{tonnes(t.difference_g):+,.3f}", format_amount(t.closed_cents),
                      format_amount(t.current_cents), _signed(t.difference_cents), style=style)
    return table


# ---- history -----------------------------------------------------------------------------

def history_dict(entries: Iterable[HistoryEntry]) -> dict:
    return {"closes": [dict(closed_dict(e.closed), superseded=e.superseded,
                            restatement=restatement_dict(e.restatement) if e.restatement else None)
                       for e in entries]}


def history_table(entries: list[HistoryEntry]) -> Table:
    table = Table(title="Donation sign-offs", title_justify="left")
    for col in ("Year", "Closed (UTC)", "t CO2e", "Price", "Amount", "Ledger since", "Note"):
        table.add_column(col, justify="right" if col in ("t CO2e", "Amount") else "left",
                         no_wrap=col != "Note")
    for e in entries:
        c = e.closed
        if e.superseded:
            state = "[dim]superseded[/dim]"
        elif e.restatement is None or not e.restatement.ledger_changed:
            state = "unchanged"
        else:
            state = f"[bold red]changed: {_signed(e.restatement.difference_cents, c.price.currency)}[/bold red]"
        table.add_row(str(c.year), f"{c.closed_at:%Y-%m-%d %H:%M}", f"{tonnes(c.emissions_g):,.3f}",
                      f"{c.price.value} {c.price.currency}/t",
                      format_amount(c.amount_cents, c.price.currency), state, escape(c.note))
    return table


# ---- prices --------------------------------------------------------------------------------

# The price-table format (re-importable with `carbon prices import`).
PRICE_COLUMNS = ("key", "year", "price", "unit", "basis", "region", "source", "source_ref", "notes")


def prices_json(prices: list[Price]) -> str:
    return json.dumps([price_dict(p) for p in prices], indent=2, ensure_ascii=False)


def prices_csv(prices: list[Price]) -> str:
    """The prices in the price-table format (re-importable), text cells made inert."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(PRICE_COLUMNS)
    for p in prices:
        w.writerow([inert(p.key), p.year, str(p.value), inert(p.per_tonne_unit), inert(p.basis), inert(p.region),
                    inert(p.source), inert(p.source_ref), inert(p.notes)])
    return out.getvalue()


def prices_table(prices: list[Price]) -> Table:
    table = Table(title=f"{len(prices)} carbon prices (per t CO2e)", title_justify="left",
                  caption="Full sources: --format json or csv", caption_justify="left")
    for col in ("Basis key", "Year", "Price", "What it is", "From"):
        table.add_column(col, justify="right" if col == "Price" else "left")
    for p in prices:
        basis = p.basis if len(p.basis) <= 90 else p.basis[:89] + "…"
        table.add_row(escape(p.key), str(p.year), f"{p.value} {p.currency}", escape(basis), escape(p.origin))
    return table


# ---- one-page summary (for the report pack) ---------------------------------------------------

def to_summary_html(view: DonationView) -> str:
    """A self-contained one-page HTML summary of the donation, for finance and the report pack.

    Every text from data is HTML-escaped. (The pack wires it in; see README.)
    """
    from html import escape as h

    d = view.donation
    cur = d.price.currency
    rows = "".join(f"<tr><td>{h(t.team)}</td><td class=n>{tonnes(t.emissions_g):,.3f}</td>"
                   f"<td class=n>{format_amount(t.amount_cents)}</td></tr>" for t in d.teams)
    flag = "<p class=flag>FORECAST: actual to date + forecast</p>" if d.is_forecast else ""
    notes = "".join(f"<li>{h(x)}</li>" for x in (*d.warnings, *d.method))
    closed = ""
    if view.closed is not None:
        c = view.closed
        closed = (f"<p>Closed {c.closed_at:%Y-%m-%d}: {h(format_amount(c.amount_cents, c.price.currency))}"
                  + (f"; ledger changed since, restated difference "
                     f"{h(_signed(view.restatement.difference_cents, c.price.currency))}"
                     if view.restatement is not None and view.restatement.ledger_changed else "") + "</p>")
    return ("<!doctype html><html><head><meta charset=utf-8><title>Donation "
            f"{d.year}</title><style>body{{font-family:sans-serif;max-width:50em}}td.n{{text-align:right}}"
            ".flag{color:#b00;font-weight:bold}</style></head><body>"
            f"<h1>Offset donation {d.year}: {h(format_amount(d.amount_cents, cur))}</h1>{flag}"
            f"<p>{tonnes(d.emissions_g):,.3f} t CO2e × {d.price.value} {h(d.price.per_tonne_unit)} "
            f"({h(d.price.key)}, {d.price.year}). Range from factor uncertainty: "
            f"{h(format_amount(d.range_cents[0], cur))} to {h(format_amount(d.range_cents[2], cur))}.</p>"
            f"{closed}<table><tr><th>Team</th><th>t CO2e</th><th>Amount {h(cur)}</th></tr>{rows}"
            f"<tr><th>Company</th><th class=n>{tonnes(d.emissions_g):,.3f}</th>"
            f"<th class=n>{format_amount(d.amount_cents)}</th></tr></table><h2>Method</h2><ul>{notes}</ul>"
            "</body></html>")
