"""carbon report … (monthly, sources and the group here; one module per heavier report).

- `year.py`: `report year`.
- `pack.py`: `report pack`.
- `disclosure.py`: `report disclosure`.
"""

from __future__ import annotations

import click
from rich import box
from rich.markup import escape
from rich.table import Table

from carbon.commands import LazyGroup
from carbon.commands.common import FORMAT, handle_errors, out, pass_ctx
from carbon.core.figures import fixed
from carbon.core.lazy import lazy
from carbon.core.text import clean
from carbon.report import jsonout

intensity = lazy("carbon.metrics.intensity")
ledger = lazy("carbon.ledger.views")
intensity_view = lazy("carbon.report.intensity")
monthly = lazy("carbon.report.monthly")
answers = lazy("carbon.answers")


@click.group(cls=LazyGroup)  # its other commands: carbon/commands/__init__.py
def report() -> None:
    """Reports from the ledger."""


@report.command("monthly")
@click.option("--month", required=True, help="The month, YYYY-MM.")
@click.option("--team", help="Only this team.")
@FORMAT
@pass_ctx
@handle_errors()
def monthly_cmd(ctx, month: str, team, fmt: str) -> None:
    """Emissions of a month per team, by category and GHG scope, and the company total.

    JSON and CSV are in kg CO2e; the table uses t or kg as fits. A month with
    no data is an error, not a zero. A month with a missing or partial data
    feed says which (JSON: "completeness"; CSV: a warning on stderr;
    'carbon feeds status'). With
    business metrics imported ('carbon import metrics'), the table and the
    JSON ("intensity") add kg CO2e per unit of each metric; a month without
    the metric shows "no data".

    \b
    Example:
      carbon report monthly --month 2026-10 --format json
    """
    rep = ctx.carbon.monthly_report(month, team)
    for w in rep.warnings:  # the running month is partial: said on stderr whatever the format
        click.echo(f"warning: {w}", err=True)
    done = ctx.carbon.completeness(rep.month)
    if fmt == "csv":
        # the tidy CSV has no place for it: an incomplete month is said on stderr, never silent
        if done.headline():
            click.echo(f"warning: {clean(done.headline())}", err=True)
        click.echo(monthly.to_csv(rep), nl=False)
        return
    view = ctx.carbon.intensity_for_month(rep)
    if fmt == "json":
        click.echo(answers.monthly_text(rep, view, done), nl=False)
    else:
        out.print(monthly.to_table(rep))
        table = intensity_view.to_table(view, team)
        if table is not None:
            out.print(table)
        if done.headline():
            out.print(f"[bold yellow]{escape(done.headline())}[/bold yellow]")


@report.command("sources")
@click.option("--month", required=True, help="The month, YYYY-MM.")
@click.option("--team", help="Only this team.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people; json for scripts.",
)
@pass_ctx
@handle_errors()
def sources_cmd(ctx, month: str, team, fmt: str) -> None:
    """Trace a month's figures to their factors, sources and imports.

    One row per team, activity, factor, import and activity unit: the activity
    quantity (as imported, in its unit, for the month), kg CO2e, number of
    ledger entries, the factor's region, vintage, value, unit and source, and
    the import (see 'carbon imports list') the activity came from; so
    quantity × factor can be checked by hand.

    \b
    Example:
      carbon report sources --month 2026-10 --team Video
    """
    rows = ctx.carbon.month_sources(month, team)
    if fmt == "json":
        click.echo(jsonout.dumps({"month": month, "unit": "kg CO2e", "sources": rows}, indent=2))
        return
    title = f"Sources of {month}" + (f", {escape(team)}" if team else "") + " (kg CO2e)"
    out.print(sources_table(title, rows, with_teams=team is None))
    pooled = sorted(
        {
            (r["team"], a["pool"], a["key"], a["share"])
            for r in rows
            for a in r.get("allocations", ())
        }
    )
    for t, pool, key, share in pooled:
        out.print(
            f"{escape(t)}: {share:.2%} of pool {escape(pool)} by {escape(key)} (--allocation)"
        )
    seen_days = sorted(
        {
            (
                c["country"],
                c["weekdays"],
                len(c["public_holidays"]),
                c["closure_days"],
                c["working_days"],
                c["absence_rate"],
            )
            for r in rows
            for c in r.get("working_days", ())
        }
    )
    for country, weekdays, hols, closed, working, absence in seen_days:
        out.print(
            f"commuting days in {month} ({country or 'no country: no public holiday removed'}): {weekdays} "
            f"weekdays - {hols} public holiday(s) - {closed} closure day(s) = {working} working days"
            f", x (1 - {absence:.0%} absence) = {fixed(working * (1 - absence), 2)} days worked",
            soft_wrap=True,
        )
    flown = [(r["team"], f) for r in rows for f in r.get("flights", ())]
    if flown:
        out.print(flights_table(flown))


def flights_table(flown: list[tuple[str, dict]]) -> Table:
    """Each flight imported by airport code: route and band, great-circle km, class (booked -> used
    when the band does not publish it), passengers and return, passenger-km and kg."""
    uplifts = sorted({f["uplift_pct"] for _t, f in flown})
    table = Table(
        title="Flights (by airport code)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        caption="pkm = great-circle km x (1 + uplift "
        + ", ".join(f"{u:g} %" for u in uplifts)
        + ") x passengers x 2 if return; "
        "band and class choose the factor above",
        caption_justify="left",
    )
    cells = [
        (
            t,
            str(f["line"]),
            f["route"],
            f["band"],
            fixed(f["distance_km"], 1),
            f["class"],
            (f"->{f['class_used']} " if f["class"] != f["class_used"] else "")
            + ("RF" if f["rf"] else "no RF"),
            f"{f['passengers']} pax",
            "return" if f["return"] else "one way",
            fixed(f["passenger_km"], 1),
            fixed(f["co2e_kg"], 1),
        )
        for t, f in flown
    ]
    heads = {
        "Line": (1,),
        "Route, band": (2, 3),
        "km": (4,),
        "Class": (5, 6),
        "Trip": (7, 8),
        "pkm": (9,),
        "kg": (10,),
    }
    for head, ix in heads.items():
        # Figures are never cut: each column is as wide as its widest cell.
        widest = max([len(head)] + [len(c[i]) for c in cells for i in ix])
        table.add_column(
            head,
            justify="left" if head in ("Route, band", "Class", "Trip") else "right",
            no_wrap=True,
            min_width=widest,
        )
    team = None
    for c in cells:
        if c[0] != team:
            if team is not None:
                table.add_section()
            team = c[0]
            table.add_row("", f"[bold]{escape(team)}[/bold]", "", "", "", "", "")
        table.add_row(
            c[1],
            f"{c[2]}\n[dim]{c[3]}[/dim]",
            c[4],
            f"{c[5]}\n[dim]{c[6]}[/dim]",
            f"{c[7]}\n[dim]{c[8]}[/dim]",
            c[9],
            c[10],
        )
    return table


def _quantity(r: dict) -> str:
    """The quantity as imported, and in the factor's unit when that is another ("50.0 mi\n= 80.4672 km")."""
    text = f"{fixed(r['quantity'], 3 if abs(r['quantity']) < 10 else 1)} {r['quantity_unit']}"
    fq, fu = r.get("factor_quantity"), r.get("factor_quantity_unit")
    if fq is not None and fu and fu != r["quantity_unit"]:
        text += f"\n= {fq:,.10g} {fu}"
    return text


def sources_table(title: str, rows: list[dict], with_teams: bool) -> Table:
    """Quantity × factor = kg, left to right, so each figure can be checked by hand. Each
    factor's second line gives its region, vintage and source (cut to fit: in full in the JSON);
    each team is a section of its own, so the table fits 80 columns."""
    table = Table(
        title=title,
        title_justify="left",
        min_width=len(title),
        box=box.SIMPLE_HEAD,
        caption="Quantity as imported (and in the factor's unit: × the factor = the figure); "
        "a purchase (spend.*) as converted at its import: into the factor's currency at the "
        "month's exchange rate and, for an average factor, deflated to its dollar year. "
        "Factor: value and unit, then region, vintage and source. Import: see "
        "'carbon imports list'; full sources: --format json or 'carbon factors show KEY'",
        caption_justify="left",
    )
    cells = [
        (
            r["team"],
            r["activity"],
            _quantity(r),
            # every digit stored: quantity in the factor's unit × this value is the figure
            f"{r['value']:.12g} {r['unit']}",
            fixed(r["co2e_kg"], 1),
            str(r["import_id"]),
            f"{r['region'] or 'any'} {r['year']} · {r['source']}",
        )
        for r in rows
    ]
    heads = ("Activity", "Quantity", "× Factor", "= kg", "Import")
    for i, head in enumerate(heads, start=1):
        # Figures are never cut: each column is as wide as its widest cell.
        widest = max(
            [len(head)]
            + [max(len(part) for part in c[i].split("\n")) for c in cells]
            + ([len(c[0]) for c in cells] if with_teams and head == "Activity" else [])
        )
        table.add_column(
            head,
            justify="left" if head in ("Activity", "× Factor") else "right",
            no_wrap=True,
            overflow="ellipsis",
            min_width=widest,
            # the factor's second line (region, vintage, source) is cut to the first's width
            max_width=max(widest, 24) if head == "× Factor" else None,
        )
    team = None
    for c in cells:
        if with_teams and c[0] != team:
            if team is not None:
                table.add_section()
            team = c[0]
            table.add_row(f"[bold]{escape(team)}[/bold]", "", "", "", "")
        table.add_row(
            escape(c[1]),
            escape(c[2]),
            f"{escape(c[3])}\n[dim]{escape(c[6])}[/dim]",
            escape(c[4]),
            escape(c[5]),
        )
    return table
