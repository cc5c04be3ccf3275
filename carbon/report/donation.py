"""The donation in its forms: JSON (README "Annual offset donation" contract + additive fields), rich tables; the
sign-off history; the one-line and one-page summaries of the report pack. (The journal CSV
is carbon.report.journal.)

Money leaves here as numbers of currency units with two decimals (from integer
cents) plus the exact `amount_cents`; emissions as t CO2e with 6 decimals (the
gram they were rounded to).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from carbon.core.calendar import month_label
from carbon.core.figures import fixed, kept
from carbon.core.money import cents_float, format_amount
from carbon.donation import rules
from carbon.donation.rules import (
    ClosedDonation,
    DonationView,
    HistoryEntry,
    Restatement,
    TeamRestated,
    tonnes,
)
from carbon.report import jsonout
from carbon.report.prices import price_dict
from carbon.report.style import CSP, CSS


def _t(g: int) -> float:
    return float(tonnes(g))


def closed_dict(c: ClosedDonation) -> dict:
    cur = c.price.currency
    return {
        "id": c.id,
        "year": c.year,
        "closed_at": c.closed_at.isoformat(),
        "status": c.status,
        "emissions_t": _t(c.emissions_g),
        "amount": cents_float(c.amount_cents),
        "amount_cents": c.amount_cents,
        "currency": cur,
        "price": price_dict(c.price),
        "scopes": list(c.scopes),
        "categories": list(c.categories),
        "scope2": c.scope2,
        "ledger_hash": c.ledger_hash,
        "note": c.note,
        "teams": [
            {"team": t, "emissions_t": _t(g), "amount": cents_float(a), "amount_cents": a}
            for t, g, a in c.teams
        ],
    }


def restatement_dict(r: Restatement) -> dict:
    return {
        "ledger_changed": r.ledger_changed,
        "closed_ledger_hash": r.closed.ledger_hash,
        "current_ledger_hash": r.current_hash,
        "difference_t": _t(r.difference_g),
        "difference": cents_float(r.difference_cents),
        "difference_cents": r.difference_cents,
        "currency": r.closed.price.currency,
        "teams": [
            {
                "team": t.team,
                "closed_emissions_t": _t(t.closed_g),
                "current_emissions_t": _t(t.current_g),
                "difference_t": _t(t.difference_g),
                "closed_amount": cents_float(t.closed_cents),
                "current_amount": cents_float(t.current_cents),
                "difference": cents_float(t.difference_cents),
                "difference_cents": t.difference_cents,
            }
            for t in r.teams
        ],
    }


def _computed_teams(d) -> list[dict]:
    total = d.emissions_g
    return [
        {
            "team": t.team,
            "emissions_t": _t(t.emissions_g),
            "amount": cents_float(t.amount_cents),
            "amount_cents": t.amount_cents,
            "actual_t": _t(t.actual_g),
            "share": kept(t.emissions_g / total, 6) if total else None,
            "counted_from": t.counted_from or None,
            "forecast_method": t.forecast_method or None,
        }
        for t in d.teams
    ]


def _closed_teams(c: ClosedDonation, rows: Iterable[TeamRestated]) -> list[dict]:
    # A closed figure is actual (a sign-off refuses a forecast): actual_t = emissions_t.
    return [
        {
            "team": r.team,
            "emissions_t": _t(r.closed_g),
            "amount": cents_float(r.closed_cents),
            "amount_cents": r.closed_cents,
            "actual_t": _t(r.closed_g),
            "share": kept(r.closed_g / c.emissions_g, 6) if c.emissions_g else None,
            "recomputed_emissions_t": _t(r.current_g),
            "recomputed_amount": cents_float(r.current_cents),
            "recomputed_amount_cents": r.current_cents,
        }
        for r in rows
    ]


def to_dict(view: DonationView) -> dict:
    """The JSON contract of `carbon donation` (README "Annual offset donation"), then additive fields.

    The contract's figures (`emissions_t`, `price`, `amount`, `currency`,
    `teams`) are the headline: for a closed year the signed-off ones
    (`headline` "closed"), else the computed ones ("computed"). The figure
    computed now for a closed year is `recomputed_amount` / `recomputed`,
    never `amount`; `status`, `months`, `range`, `method`, `warnings` describe
    that computation.
    """
    d = view.donation
    c = view.closed
    if c is None:
        head = {
            "year": d.year,
            "emissions_t": _t(d.emissions_g),
            "price": price_dict(d.price),
            "amount": cents_float(d.amount_cents),
            "currency": d.price.currency,
            "teams": _computed_teams(d),
            "amount_cents": d.amount_cents,
            "headline": "computed",
            "closed_amount": None,
            "recomputed_amount": None,
            "restated": False,
            "recomputed": None,
        }
    else:
        diff = d.amount_cents - c.amount_cents if d.price.currency == c.price.currency else None
        head = {
            "year": d.year,
            "emissions_t": _t(c.emissions_g),
            "price": price_dict(c.price),
            "amount": cents_float(c.amount_cents),
            "currency": c.price.currency,
            "teams": _closed_teams(c, rules.compare(c, d)),
            "amount_cents": c.amount_cents,
            "headline": "closed",
            "closed_amount": cents_float(c.amount_cents),
            "recomputed_amount": cents_float(d.amount_cents),
            "restated": view.restated,
            "recomputed": {
                "emissions_t": _t(d.emissions_g),
                "amount": cents_float(d.amount_cents),
                "amount_cents": d.amount_cents,
                "currency": d.price.currency,
                "price": price_dict(d.price),
                "same_method_as_closed": rules.same_method(d, c),
                "difference": None if diff is None else cents_float(diff),
                "difference_cents": diff,
                "teams": _computed_teams(d),
            },
        }
    return {
        **head,
        "status": d.status,
        "counted_through": month_label(d.year, d.counted_through) if d.counted_through else None,
        "forecast": d.is_forecast,
        "as_of": d.as_of.isoformat(),
        "actual_t": _t(d.actual_g),
        "months": {
            "first": d.months[0] if d.months else None,
            "last": d.months[-1] if d.months else None,
            "count": len(d.months),
            "missing": list(d.missing_months),
            "counted_through": month_label(d.year, d.counted_through)
            if d.counted_through
            else None,
            "not_counted": list(d.not_counted),
        },
        "scopes": list(d.scopes),
        "categories": list(d.categories),
        "scope2": d.scope2,
        "range": {
            "low": cents_float(d.range_cents[0]),
            "central": cents_float(d.range_cents[1]),
            "high": cents_float(d.range_cents[2]),
            "emissions_t": {
                "low": _t(d.range_g[0]),
                "central": _t(d.range_g[1]),
                "high": _t(d.range_g[2]),
            },
        },
        "method": list(d.method),
        "warnings": list(d.warnings),
        "teams_without_data": list(d.teams_without_data),
        "team_gaps": {t: list(ms) for t, ms in d.team_gaps},
        "closed": closed_dict(c) if c else None,
        "restatement": restatement_dict(view.restatement) if view.restatement else None,
    }


def to_json(view: DonationView) -> str:
    return jsonout.dumps(to_dict(view), indent=2)


def to_table(view: DonationView) -> Group:
    """The donation for people: amount, method, per-team table, range, flags.

    A closed year leads with its signed-off figure; the figure computed now
    follows, labelled as recomputed.
    """
    d = view.donation
    cur = d.price.currency
    parts: list = []
    if view.closed is not None:
        parts.extend(_closed_head(view))
    else:
        head = f"[bold]Donation {d.year}: {format_amount(d.amount_cents, cur)}[/bold]"
        if d.is_forecast:
            head += "  [bold yellow](FORECAST: actual to date + forecast)[/bold yellow]"
        parts.append(Text.from_markup(head))
        parts.append(
            Text(
                f"{tonnes(d.emissions_g):,.3f} t CO2e × {d.price.value} {d.price.per_tonne_unit} "
                f"({d.price.key}, {d.price.year})"
            )
        )
    for w in d.warnings:
        parts.append(Text.from_markup(f"[yellow]note:[/yellow] {escape(w)}"))
    if view.closed is not None:
        parts.extend(_closed_teams_parts(view))
    else:
        parts.append(_team_table(d))
    for name in d.teams_without_data:
        parts.append(Text(f"no emissions counted for {name}"))
    of = " of the recomputed figure" if view.closed is not None else ""
    parts.append(
        Text(
            f"Range{of} (factor uncertainty): low {format_amount(d.range_cents[0], cur)} · central "
            f"{format_amount(d.range_cents[1], cur)} · high {format_amount(d.range_cents[2], cur)}"
        )
    )
    parts.append(Text.from_markup(f"[bold]Method{of}[/bold]"))
    for line in d.method:
        parts.append(Text(f"  • {line}"))
    return Group(*parts)


def _team_table(d, title: str = "Per team") -> Table:
    cur = d.price.currency
    table = Table(title=f"{title} ({cur})", title_justify="left")
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
            cells.append(fixed(tonnes(t.actual_g), 3))
        cells += [
            fixed(tonnes(t.emissions_g), 3),
            fixed(100 * t.emissions_g / total, 1) + "%",
            format_amount(t.amount_cents),
        ]
        table.add_row(*cells)
    table.add_section()
    table.add_row(
        "Company",
        *([f"{tonnes(d.actual_g):,.3f}"] if d.is_forecast else []),
        f"{tonnes(total):,.3f}",
        "100%",
        format_amount(d.amount_cents),
        style="bold",
    )
    return table


def _closed_head(view: DonationView) -> list:
    c, d, r = view.closed, view.donation, view.restatement
    cur = c.price.currency
    parts = [
        Text.from_markup(
            f"[bold]Donation {c.year}: {format_amount(c.amount_cents, cur)}[/bold]  "
            f"[bold green](SIGNED OFF {c.closed_at:%Y-%m-%d %H:%M} UTC)[/bold green]"
        ),
        Text(
            f"{tonnes(c.emissions_g):,.3f} t CO2e × {c.price.value} {c.price.per_tonne_unit} "
            f"({c.price.key}, {c.price.year}): the signed-off figure (sign-off {c.id}"
            + (f", {c.note}" if c.note else "")
            + ")"
        ),
    ]
    if view.restated:
        parts.append(
            Text.from_markup(
                f"[bold red]RESTATED:[/bold red] the ledger of {c.year} changed after the sign-off; recomputed "
                f"now at the closed method and price: {format_amount(c.amount_cents + r.difference_cents, cur)} "
                f"(difference {_signed(r.difference_cents, cur)}), not signed off. The signed-off figure stands; "
                f"record a new one with 'carbon donation close --year {c.year} --supersede'."
            )
        )
    elif r is not None:
        parts.append(Text("The ledger of the year is unchanged since the sign-off."))
    if not rules.same_method(d, c):
        parts.append(
            Text(
                f"Recomputed at {d.price.value} {d.price.per_tonne_unit} ({d.price.key}, "
                f"{d.price.year}), scopes {list(d.scopes) or 'all'}, categories "
                f"{list(d.categories) or 'all'}: {format_amount(d.amount_cents, d.price.currency)} "
                "— a what-if, not the signed-off method."
            )
        )
    return parts


def _closed_teams_parts(view: DonationView) -> list:
    c, d, r = view.closed, view.donation, view.restatement
    rows = rules.compare(c, d)
    signed_off = _comparison_table(
        f"Per team, signed off ({c.price.currency})", rows, c.price.currency, closed_only=True
    )
    if d.price.currency != c.price.currency:  # a what-if in another currency: nothing to subtract
        parts = [signed_off, _team_table(d, "Per team, recomputed now")]
    elif all(t.difference_g == 0 and t.difference_cents == 0 for t in rows) and rules.same_method(
        d, c
    ):
        return [signed_off]
    else:
        parts = [
            _comparison_table(
                f"Per team: signed off, and recomputed now ({d.price.currency})",
                rows,
                c.price.currency,
            )
        ]
    if view.restated and not rules.same_method(d, c):  # the restatement is at the closed method
        parts.append(restatement_table(r))
    return parts


def _signed(cents: int, cur: str = "") -> str:
    return ("+" if cents > 0 else "") + format_amount(cents, cur)


def _comparison_table(
    title: str, rows: tuple[TeamRestated, ...], cur: str, closed_only: bool = False
) -> Table:
    """Per team: the closed figures, and (unless closed_only) the current ones with the differences."""
    table = Table(title=title, title_justify="left")
    cols = (
        ("Team", "t CO2e", "Share", f"Amount {cur}")
        if closed_only
        else ("Team", "Closed t", "Now t", "Δ t", "Closed", "Now", "Δ")
    )
    for col in cols:
        table.add_column(
            col,
            justify="left" if col == "Team" else "right",
            style="bold" if col in ("Closed", f"Amount {cur}") else None,
        )
    closed_g = sum(t.closed_g for t in rows)
    for t in rows:
        if closed_only:
            share = fixed(100 * t.closed_g / closed_g, 1) + "%" if closed_g else "-"
            table.add_row(
                escape(t.team), fixed(tonnes(t.closed_g), 3), share, format_amount(t.closed_cents)
            )
            continue
        style = None if t.difference_cents == 0 and t.difference_g == 0 else "bold"
        table.add_row(
            escape(t.team),
            fixed(tonnes(t.closed_g), 3),
            fixed(tonnes(t.current_g), 3),
            f"{tonnes(t.difference_g):+,.3f}",
            format_amount(t.closed_cents),
            format_amount(t.current_cents),
            _signed(t.difference_cents),
            style=style,
        )
    table.add_section()
    now_g, closed_c, now_c = (
        sum(t.current_g for t in rows),
        sum(t.closed_cents for t in rows),
        sum(t.current_cents for t in rows),
    )
    if closed_only:
        table.add_row(
            "Company", f"{tonnes(closed_g):,.3f}", "100%", format_amount(closed_c), style="bold"
        )
    else:
        table.add_row(
            "Company",
            f"{tonnes(closed_g):,.3f}",
            f"{tonnes(now_g):,.3f}",
            f"{tonnes(now_g - closed_g):+,.3f}",
            format_amount(closed_c),
            format_amount(now_c),
            _signed(now_c - closed_c),
            style="bold",
        )
    return table


def restatement_table(r: Restatement) -> Table:
    """The restatement of a closed year per team: closed, now (at the closed method and price), Δ."""
    return _comparison_table(
        f"Restatement of {r.closed.year} against the sign-off ({r.closed.price.currency})",
        r.teams,
        r.closed.price.currency,
    )


# ---- history -----------------------------------------------------------------------------


def history_dict(entries: Iterable[HistoryEntry]) -> dict:
    return {
        "closes": [
            dict(
                closed_dict(e.closed),
                superseded=e.superseded,
                restatement=restatement_dict(e.restatement) if e.restatement else None,
            )
            for e in entries
        ]
    }


def history_table(entries: list[HistoryEntry]) -> Table:
    """The sign-offs for people. Year, tonnes, price and amount are never cut (80 columns when
    the output is not a terminal): the date and the ledger state wrap instead; notes follow the
    table (history_notes)."""
    table = Table(title="Donation sign-offs", title_justify="left")
    for col in ("Year", "Closed (UTC)", "t CO2e", "Price", "Amount", "Ledger since"):
        wraps = col in ("Closed (UTC)", "Ledger since")
        table.add_column(
            col,
            justify="right" if col in ("t CO2e", "Amount") else "left",
            no_wrap=not wraps,
            min_width=10 if wraps else None,
        )
    for e in entries:
        c = e.closed
        if e.superseded:
            state = "[dim]superseded[/dim]"
        elif e.restatement is None or not e.restatement.ledger_changed:
            state = "unchanged"
        else:
            state = f"[bold red]changed: {_signed(e.restatement.difference_cents, c.price.currency)}[/bold red]"
        table.add_row(
            str(c.year),
            f"{c.closed_at:%Y-%m-%d %H:%M}",
            f"{tonnes(c.emissions_g):,.3f}",
            f"{c.price.value} {c.price.currency}/t",
            format_amount(c.amount_cents, c.price.currency),
            state,
        )
    return table


def history_notes(entries: list[HistoryEntry]) -> list[Text]:
    """One line per sign-off that has a note: "2025 (sign-off 1, 2026-01-15): board 2026-01-15"."""
    return [
        Text(
            f"{e.closed.year} (sign-off {e.closed.id}, {e.closed.closed_at:%Y-%m-%d}): {e.closed.note}"
        )
        for e in entries
        if e.closed.note
    ]


# ---- one-page summary (for the report pack) ---------------------------------------------------


def summary_line(view: DonationView) -> str:
    """One line for the report pack: the signed-off figure for a closed year (and its restatement,
    if the ledger changed since), else the computed one (flagged FORECAST if it is one)."""
    c = view.closed
    if c is None:
        return rules.summary_line(view.donation)
    cur = c.price.currency
    line = (
        f"{c.year}: {format_amount(c.amount_cents, cur)} for {tonnes(c.emissions_g):,.3f} t CO2e at "
        f"{c.price.value} {c.price.per_tonne_unit} ({c.price.key} {c.price.year}), signed off "
        f"{c.closed_at:%Y-%m-%d}"
    )
    if view.restated:
        diff = view.restatement.difference_cents
        line += (
            f"; RESTATED: the year's data changed since, recomputed at the closed price "
            f"{format_amount(c.amount_cents + diff, cur)} ({_signed(diff, cur)}), not signed off"
        )
    return line


# An option, or a command as carbon quotes it ('carbon prices list'); "carbon market price" is prose.
_CLI_ADVICE = re.compile(r"--[a-z]|'carbon [a-z]")
_CLI_ASIDE = re.compile(r"\s*\([^()]*(?:--[a-z]|'carbon [a-z])[^()]*\)")


def for_readers(text: str) -> str:
    """`text` without the clauses that advise command-line options ("; choose another with
    --price"): the pack's readers (finance, managers) do not run carbon. Clauses are separated
    by "; " or ". "; a text that is advice only gives ""."""
    sentences = []
    text = _CLI_ASIDE.sub("", text)  # "price given on the command line (--price)": keep the words
    for sentence in re.split(r"(?<=\.) (?=[A-Z])", text.strip()):
        kept = [c for c in sentence.rstrip(".").split("; ") if not _CLI_ADVICE.search(c)]
        if kept:
            sentences.append("; ".join(kept) + ("." if sentence.endswith(".") else ""))
    return " ".join(sentences)


def _signoff_html(view: DonationView) -> str:
    """Whether the figure is signed off: when, which sign-off, its note; or that it is not yet."""
    from carbon.core.text import html_escape as h

    c, d = view.closed, view.donation
    if c is None:
        kind = "a forecast" if d.is_forecast else "computed from the ledger"
        return (
            f'<p class="note">Not signed off: {kind} as of {d.as_of:%Y-%m-%d}. The amount is final '
            "only once finance has signed it off; until then it changes with the ledger.</p>"
        )
    note = f": “{h(c.note)}”" if c.note else " (no note recorded)"
    return (
        f'<p class="signoff">Signed off on {c.closed_at:%Y-%m-%d} (sign-off {c.id}){note}. '
        "The signed-off figure never changes.</p>"
    )


def to_summary_html(view: DonationView) -> str:
    """A self-contained one-page HTML summary of the donation, for finance and the report pack.

    Styled like the pack's report.html (carbon.report.style), with the sign-off
    state and note, and no command-line advice (its readers do not run carbon).
    A closed year leads with its signed-off figures; the recomputed ones are
    shown next to them, labelled. Every text from data is HTML-escaped.
    """
    from carbon.core.text import html_escape as h

    d, c = view.donation, view.closed
    cur = d.price.currency
    texts = [for_readers(x) for x in (*d.warnings, *d.method)]
    notes = "".join(f"<li>{h(x)}</li>" for x in texts if x)
    rng = (
        f"Range from factor uncertainty{' (recomputed figure)' if c else ''}: "
        f"{h(format_amount(d.range_cents[0], cur))} to {h(format_amount(d.range_cents[2], cur))}."
    )
    if c is None:
        title = f"Offset donation {d.year}: {h(format_amount(d.amount_cents, cur))}"
        flag = '<p class="flag">FORECAST: actual to date + forecast</p>' if d.is_forecast else ""
        intro = (
            f"<p>{tonnes(d.emissions_g):,.3f} t CO2e × {d.price.value} {h(d.price.per_tonne_unit)} "
            f"({h(d.price.key)}, {d.price.year}). {rng}</p>"
        )
        rows = "".join(
            f'<tr><td>{h(t.team)}</td><td class="num">{h(fixed(tonnes(t.emissions_g), 3))}</td>'
            f'<td class="num">{format_amount(t.amount_cents)}</td></tr>'
            for t in d.teams
        )
        table = (
            f'<table><thead><tr><th>Team</th><th class="num">t CO2e</th><th class="num">Amount {h(cur)}'
            f"</th></tr></thead><tbody>{rows}"
            f'<tr><th>Company</th><th class="num">{tonnes(d.emissions_g):,.3f}</th>'
            f'<th class="num">{format_amount(d.amount_cents)}</th></tr></tbody></table>'
        )
    else:
        ccur = c.price.currency
        title = (
            f"Offset donation {c.year}: {h(format_amount(c.amount_cents, ccur))} "
            f"(signed off {c.closed_at:%Y-%m-%d})"
        )
        flag = ""
        if view.restated:
            diff = view.restatement.difference_cents
            flag = (
                f'<p class="flag">RESTATED: the ledger of {c.year} changed after the sign-off; recomputed '
                f"at the closed method and price: {h(format_amount(c.amount_cents + diff, ccur))} "
                f"({h(_signed(diff, ccur))}), not signed off. The signed-off figure stands.</p>"
            )
        intro = (
            f"<p>{tonnes(c.emissions_g):,.3f} t CO2e × {c.price.value} {h(c.price.per_tonne_unit)} "
            f"({h(c.price.key)}, {c.price.year}): the signed-off figure. Recomputed now: "
            f"{h(format_amount(d.amount_cents, cur))}. {rng}</p>"
        )
        compared = rules.compare(c, d)
        rows = "".join(
            f'<tr><td>{h(t.team)}</td><td class="num">{h(fixed(tonnes(t.closed_g), 3))}</td>'
            f'<td class="num">{format_amount(t.closed_cents)}</td>'
            f'<td class="num">{format_amount(t.current_cents)}</td></tr>'
            for t in compared
        )
        table = (
            f'<table><thead><tr><th>Team</th><th class="num">t CO2e</th><th class="num">Signed off '
            f'{h(ccur)}</th><th class="num">Recomputed {h(cur)}</th></tr></thead><tbody>{rows}'
            f'<tr><th>Company</th><th class="num">{tonnes(c.emissions_g):,.3f}</th>'
            f'<th class="num">{format_amount(c.amount_cents)}</th>'
            f'<th class="num">{format_amount(d.amount_cents)}</th></tr></tbody></table>'
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Offset donation {d.year}</title><style>{CSS}</style></head><body><main>"
        f"<header><h1>{title}</h1></header>{flag}{_signoff_html(view)}{intro}"
        f'<div class="scroll">{table}</div>'
        f"<h2>Method{' of the recomputed figure' if c else ''}</h2><ul>{notes}</ul></main></body></html>\n"
    )
