"""carbon report …"""

from __future__ import annotations

import click
from rich import box
from rich.markup import escape
from rich.table import Table

from carbon.commands import LazyGroup
from carbon.commands.common import FORMAT, handle_errors, out, pass_ctx
from carbon.figures import fixed
from carbon.lazy import lazy
from carbon.report import jsonout

intensity = lazy("carbon.intensity")
ledger = lazy("carbon.ledger")
intensity_view = lazy("carbon.report.intensity")
monthly = lazy("carbon.report.monthly")


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
    no data is an error, not a zero. With business metrics imported ('carbon
    import metrics'), the table and the JSON ("intensity") add kg CO2e per
    unit of each metric; a month without the metric shows "no data".

    \b
    Example:
      carbon report monthly --month 2026-10 --format json
    """
    rep = ctx.carbon.monthly_report(month, team)
    if fmt == "csv":
        click.echo(monthly.to_csv(rep), nl=False)
        return
    view = ctx.carbon.intensity_for_month(rep)
    if fmt == "json":
        click.echo(monthly.to_json(rep, view))
    else:
        out.print(monthly.to_table(rep))
        table = intensity_view.to_table(view, team)
        if table is not None:
            out.print(table)


@report.command("sources")
@click.option("--month", required=True, help="The month, YYYY-MM.")
@click.option("--team", help="Only this team.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table for people; json for scripts.")
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


def sources_table(title: str, rows: list[dict], with_teams: bool) -> Table:
    """Quantity × factor = kg, left to right, so each figure can be checked by hand. Each
    factor's second line gives its region, vintage and source (cut to fit: in full in the JSON);
    each team is a section of its own, so the table fits 80 columns."""
    table = Table(title=title, title_justify="left", min_width=len(title), box=box.SIMPLE_HEAD,
                  caption="Factor: value and unit, then region, vintage and source. Import: see "
                          "'carbon imports list'; full sources: --format json or 'carbon factors show KEY'",
                  caption_justify="left")
    cells = [(r["team"], r["activity"],
              f"{fixed(r['quantity'], 3 if abs(r['quantity']) < 10 else 1)} {r['quantity_unit']}",
              f"{r['value']:.4g} {r['unit']}", fixed(r["co2e_kg"], 1), str(r["import_id"]),
              f"{r['region'] or 'any'} {r['year']} · {r['source']}") for r in rows]
    heads = ("Activity", "Quantity", "× Factor", "= kg", "Import")
    for i, head in enumerate(heads, start=1):
        # Figures are never cut: each column is as wide as its widest cell.
        widest = max([len(head)] + [len(c[i]) for c in cells]
                     + ([len(c[0]) for c in cells] if with_teams and head == "Activity" else []))
        table.add_column(head, justify="left" if head in ("Activity", "× Factor") else "right",
                         no_wrap=True, overflow="ellipsis", min_width=widest,
                         # the factor's second line (region, vintage, source) is cut to the first's width
                         max_width=max(widest, 24) if head == "× Factor" else None)
    team = None
    for c in cells:
        if with_teams and c[0] != team:
            if team is not None:
                table.add_section()
            team = c[0]
            table.add_row(f"[bold]{escape(team)}[/bold]", "", "", "", "")
        table.add_row(escape(c[1]), escape(c[2]), f"{escape(c[3])}\n[dim]{escape(c[6])}[/dim]",
                      escape(c[4]), escape(c[5]))
    return table
