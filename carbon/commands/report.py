"""carbon report …"""

from __future__ import annotations

import json

import click
from rich.markup import escape
from rich.table import Table

from carbon import intensity, ledger
from carbon.commands.common import FORMAT, handle_errors, out, pass_ctx
from carbon.report import intensity as intensity_view
from carbon.report import monthly


@click.group()
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
    rep = ledger.monthly_report(ctx.store, month, team)
    if fmt == "csv":
        click.echo(monthly.to_csv(rep), nl=False)
        return
    view = intensity.for_month(ctx.store, rep)
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

    One row per team, activity, factor and import: kg CO2e, number of ledger
    entries, the factor's region, vintage, value, unit and source, and the
    import (see 'carbon imports list') the activity came from.

    \b
    Example:
      carbon report sources --month 2026-10 --team Video
    """
    rows = ledger.month_sources(ctx.store, month, team)
    if fmt == "json":
        click.echo(json.dumps({"month": month, "unit": "kg CO2e", "sources": rows}, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"Sources of {month} (kg CO2e)", title_justify="left",
                  caption="Import: see 'carbon imports list'; full sources: --format json or "
                          "'carbon factors show KEY'", caption_justify="left")
    if not team:
        table.add_column("Team", no_wrap=True)
    table.add_column("Activity", no_wrap=True)
    table.add_column("kg", justify="right", no_wrap=True)
    table.add_column("Factor", no_wrap=True)
    table.add_column("Source", overflow="ellipsis", no_wrap=True, max_width=40)
    table.add_column("Import", justify="right")
    for r in rows:
        cells = [r["activity"], f"{r['co2e_kg']:,.1f}",
                 f"{r['value']:.4g} {r['unit']} {r['region'] or 'any'} {r['year']}",
                 escape(r["source"]), str(r["import_id"])]
        table.add_row(*([escape(r["team"])] if not team else []), *cells)
    out.print(table)


from carbon.commands.pack import pack_cmd  # noqa: E402  (the pack lives in its own module)

report.add_command(pack_cmd)
